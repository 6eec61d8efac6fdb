//! The core contract (trial wrapper, vectorised env, registry, evaluation)
//! tested on a tiny deterministic task defined here.

use std::sync::Arc;

use lsnn_rl_env::{
    Action, Env, EnvError, Info, MetaInputs, ParamInfo, Policy, Registry, RegistryEntry, Rng,
    Space, SpecError, Step, TaskDistribution, Trial, VecEnv, evaluate, rng_from_seed,
    testing::check_env_contract,
};
use rand::Rng as _;

/// A corridor of `length` steps: action 1 pays `pay`, action 0 pays 0. The
/// observation is the position in [0, 1]. One task = one value of `pay`.
struct Corridor {
    pay: f64,
    length: usize,
    pos: Option<usize>,
    obs_space: Space,
    action_space: Space,
}

impl Env for Corridor {
    fn name(&self) -> &str {
        "corridor"
    }
    fn observation_space(&self) -> &Space {
        &self.obs_space
    }
    fn action_space(&self) -> &Space {
        &self.action_space
    }
    fn max_episode_steps(&self) -> Option<usize> {
        Some(self.length)
    }
    fn reset(&mut self, _seed: Option<u64>) -> (Vec<f32>, Info) {
        self.pos = Some(0);
        (vec![0.0], Info::new())
    }
    fn step(&mut self, action: &Action) -> Result<Step, EnvError> {
        let pos = self.pos.ok_or(EnvError::NotReset {
            env: "corridor".into(),
        })?;
        if pos == self.length {
            return Err(EnvError::EpisodeOver {
                env: "corridor".into(),
            });
        }
        let &Action::Discrete(a @ 0..=1) = action else {
            return Err(EnvError::invalid_action(
                "corridor",
                action,
                &self.action_space,
            ));
        };
        self.pos = Some(pos + 1);
        let reward = if a == 1 { self.pay } else { 0.0 };
        Ok(Step {
            obs: vec![(pos + 1) as f32 / self.length as f32],
            reward,
            terminated: pos + 1 == self.length,
            truncated: false,
            info: Info::new()
                .with("expected_reward", reward)
                .with("best_expected_reward", self.pay.max(0.0)),
        })
    }
}

struct Corridors {
    length: usize,
    episodes: usize,
}

impl TaskDistribution for Corridors {
    fn spec(&self) -> &str {
        "corridor"
    }
    fn observation_space(&self) -> Space {
        Space::uniform_box(0.0, 1.0, &[1])
    }
    fn action_space(&self) -> Space {
        Space::discrete(2)
    }
    fn episodes_per_trial(&self) -> usize {
        self.episodes
    }
    fn sample_task(&self, rng: &mut Rng) -> Box<dyn Env> {
        Box::new(Corridor {
            pay: rng.random_range(0.0..1.0),
            length: self.length,
            pos: None,
            obs_space: self.observation_space(),
            action_space: self.action_space(),
        })
    }
}

fn corridor_task(pay: f64, length: usize) -> Box<dyn Env> {
    Box::new(Corridor {
        pay,
        length,
        pos: None,
        obs_space: Space::uniform_box(0.0, 1.0, &[1]),
        action_space: Space::discrete(2),
    })
}

#[test]
fn trial_appends_meta_inputs_in_order() {
    let mut trial = Trial::new(corridor_task(0.5, 2), 1, MetaInputs::all()).unwrap();
    // obs, one-hot previous action (2), previous reward, done flag, step / trial length.
    assert_eq!(trial.observation_space().flat_size(), 1 + 2 + 1 + 1 + 1);
    let (obs, _) = trial.reset(Some(0));
    assert_eq!(obs, vec![0.0, 0.0, 0.0, 0.0, 0.0, 0.0]);
    let step = trial.step(&Action::Discrete(1)).unwrap();
    assert_eq!(step.obs, vec![0.5, 0.0, 1.0, 0.5, 0.0, 0.5]);
    let step = trial.step(&Action::Discrete(0)).unwrap();
    assert_eq!(step.obs, vec![1.0, 1.0, 0.0, 0.0, 1.0, 1.0]);
    assert!(step.terminated);
    assert!(matches!(
        trial.step(&Action::Discrete(0)),
        Err(EnvError::EpisodeOver { .. })
    ));
}

#[test]
fn the_reward_code_tunes_units_to_the_previous_reward() {
    // Three units centred on 0, 0.5 and 1, each 0.25 wide.
    let inputs = MetaInputs {
        reward_units: 3,
        ..MetaInputs::none()
    };
    let mut trial = Trial::new(corridor_task(0.5, 3), 1, inputs).unwrap();
    assert_eq!(trial.observation_space().flat_size(), 1 + 3);
    let (obs, _) = trial.reset(Some(0));
    assert_eq!(obs, vec![0.0; 4], "no reward before the first step");
    let paid = trial.step(&Action::Discrete(1)).unwrap();
    let side = (-2.0f64).exp() as f32;
    assert_eq!(paid.reward, 0.5);
    assert_eq!(paid.obs, vec![1.0 / 3.0, side, 1.0, side]);
    let unpaid = trial.step(&Action::Discrete(0)).unwrap();
    assert_eq!(unpaid.reward, 0.0);
    assert_eq!(unpaid.obs[1..], [1.0, side, (-8.0f64).exp() as f32]);
    // Out of range: 5 is 16 widths above the last centre.
    assert!(inputs.reward_code(Some(5.0)).all(|u| u < 1e-30));
}

#[test]
fn a_reward_code_of_one_unit_too_many_units_or_an_empty_range_is_refused() {
    for (units, low, high, needle) in [
        (1, 0.0, 1.0, "at least 2 units"),
        (
            MetaInputs::MAX_REWARD_UNITS + 1,
            0.0,
            1.0,
            "at most 1024 units",
        ),
        (usize::MAX, 0.0, 1.0, "at most 1024 units"),
        (4, 1.0, 1.0, "reward_low below reward_high"),
        (4, 0.0, f64::NAN, "must be finite"),
        (4, -1e308, 1e308, "must be finite"),
    ] {
        let inputs = MetaInputs {
            reward_units: units,
            reward_low: low,
            reward_high: high,
            ..MetaInputs::all()
        };
        let err = Trial::new(corridor_task(0.5, 3), 1, inputs).err().unwrap();
        assert!(err.to_string().contains(needle), "{err}");
    }
}

#[test]
fn each_meta_input_switches_off() {
    let inputs = MetaInputs {
        prev_action: false,
        prev_reward: true,
        done_flag: false,
        step_index: false,
        ..MetaInputs::all()
    };
    let mut trial = Trial::new(corridor_task(0.25, 2), 1, inputs).unwrap();
    trial.reset(None);
    assert_eq!(
        trial.step(&Action::Discrete(1)).unwrap().obs,
        vec![0.5, 0.25]
    );
    let mut bare = Trial::new(corridor_task(0.25, 2), 1, MetaInputs::none()).unwrap();
    assert_eq!(bare.observation_space().flat_size(), 1);
    bare.reset(None);
    assert_eq!(bare.step(&Action::Discrete(1)).unwrap().obs, vec![0.5]);
}

#[test]
fn trial_runs_episodes_back_to_back_with_the_done_flag() {
    let mut trial = Trial::new(corridor_task(1.0, 2), 2, MetaInputs::all()).unwrap();
    assert_eq!(trial.trial_steps(), 4);
    trial.reset(Some(3));
    trial.step(&Action::Discrete(1)).unwrap();
    let boundary = trial.step(&Action::Discrete(1)).unwrap();
    // The first episode ended: the trial goes on, showing the new episode's
    // first observation with the done flag set and the last reward.
    assert!(!boundary.done());
    assert_eq!(boundary.info.get("episode_end"), Some(1.0));
    assert_eq!(boundary.info.get("episode"), Some(0.0));
    assert_eq!(boundary.obs, vec![0.0, 0.0, 1.0, 1.0, 1.0, 0.5]);
    let next = trial.step(&Action::Discrete(0)).unwrap();
    assert_eq!(next.info.get("episode"), Some(1.0));
    assert_eq!(next.obs[4], 0.0, "the done flag lasts one step");
    let last = trial.step(&Action::Discrete(0)).unwrap();
    assert!(last.terminated);
    assert_eq!(last.obs[5], 1.0);
}

#[test]
fn trial_rejects_bad_actions_and_order() {
    let mut trial = Trial::new(corridor_task(1.0, 2), 1, MetaInputs::all()).unwrap();
    assert!(matches!(
        trial.step(&Action::Discrete(0)),
        Err(EnvError::NotReset { .. })
    ));
    trial.reset(None);
    let err = trial.step(&Action::Discrete(5)).unwrap_err();
    assert_eq!(
        err.to_string(),
        "invalid action 5 for corridor: the action space is Discrete(2)"
    );
    assert!(Trial::new(corridor_task(1.0, 2), 0, MetaInputs::all()).is_err());
}

fn vec_env(batch: usize) -> VecEnv {
    let dist = Arc::new(Corridors {
        length: 2,
        episodes: 1,
    });
    VecEnv::new(dist, batch, MetaInputs::all()).unwrap()
}

#[test]
fn vec_env_steps_in_lockstep_with_next_step_autoreset() {
    let mut env = vec_env(3);
    let (obs, infos) = env.reset(11).unwrap();
    assert_eq!(obs.len(), 3 * env.obs_size());
    assert_eq!(infos.len(), 3);
    let ones = vec![Action::Discrete(1); 3];
    let first = env.step(&ones).unwrap();
    assert!(first.terminated.iter().all(|&t| !t));
    let pays: Vec<f64> = first.rewards.clone();
    let second = env.step(&ones).unwrap();
    assert!(
        second.terminated.iter().all(|&t| t),
        "trials of 2 steps end at step 2"
    );
    assert_eq!(second.rewards, pays, "one task per trial");
    // NEXT_STEP: the step after the end ignores the action and starts a new
    // trial: reward 0, no flags, the first observation, autoreset in info.
    let third = env
        .step(&[
            Action::Discrete(9),
            Action::Discrete(9),
            Action::Discrete(9),
        ])
        .unwrap();
    assert_eq!(third.rewards, vec![0.0; 3]);
    assert!(third.terminated.iter().chain(&third.truncated).all(|&f| !f));
    assert!(third.infos.iter().all(|i| i.get("autoreset") == Some(1.0)));
    assert_eq!(&third.obs[..env.obs_size()], &obs[..env.obs_size()]);
    assert_eq!(env.trials_started(), 6);
    // The new trials play new tasks.
    let fourth = env.step(&ones).unwrap();
    assert_ne!(fourth.rewards, pays);
}

#[test]
fn vec_env_is_reproducible_from_its_seed() {
    let run = |seed| {
        let mut env = vec_env(4);
        env.reset(seed).unwrap();
        (0..5)
            .flat_map(|_| env.step(&vec![Action::Discrete(1); 4]).unwrap().rewards)
            .collect::<Vec<f64>>()
    };
    assert_eq!(run(5), run(5));
    assert_ne!(run(5), run(6));
}

#[test]
fn vec_env_checks_the_action_count() {
    let mut env = vec_env(2);
    env.reset(0).unwrap();
    let err = env.step(&[Action::Discrete(0)]).unwrap_err();
    assert!(
        err.to_string().contains("1 actions for a batch of 2"),
        "{err}"
    );
}

#[test]
fn vec_env_bad_action_steps_no_trial() {
    let mut env = vec_env(2);
    env.reset(3).unwrap();
    let err = env
        .step(&[Action::Discrete(1), Action::Discrete(7)])
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "invalid action 7 for corridor: the action space is Discrete(2)"
    );
    // Slot 0 was not stepped: both trials still end together, after two steps.
    let ones = vec![Action::Discrete(1); 2];
    assert!(env.step(&ones).unwrap().terminated.iter().all(|&t| !t));
    assert!(env.step(&ones).unwrap().terminated.iter().all(|&t| t));
}

fn corridor_registry() -> Registry {
    let mut registry = Registry::new();
    registry
        .register(RegistryEntry::new(
            "corridor",
            "walk a corridor; action 1 pays",
            vec![
                ParamInfo::new("length", "3", "steps per episode, at least 1"),
                ParamInfo::new("episodes", "1", "episodes per trial"),
            ],
            |p| {
                Ok(Box::new(Corridors {
                    length: p.usize_at_least("length", 1)?,
                    episodes: p.usize_at_least("episodes", 1)?,
                }))
            },
        ))
        .unwrap();
    registry
}

#[test]
fn registry_builds_with_defaults_and_overrides() {
    let registry = corridor_registry();
    assert_eq!(registry.ids(), vec!["corridor"]);
    let params = registry.params("corridor:episodes=2").unwrap();
    assert_eq!(params.canonical_spec(), "corridor:length=3,episodes=2");
    let dist = registry.make("corridor:length=4").unwrap();
    let mut env = dist.sample_task(&mut rng_from_seed(0));
    assert_eq!(env.max_episode_steps(), Some(4));
    env.reset(None);
}

#[test]
fn registry_errors_name_the_problem_and_the_valid_choices() {
    let registry = corridor_registry();
    let err = |spec| registry.make(spec).err().expect("should fail").to_string();
    assert_eq!(
        err("no-such-env"),
        "unknown environment 'no-such-env'; registered environments: corridor"
    );
    assert_eq!(
        err("corridor:width=3"),
        "corridor has no parameter 'width'; its parameters are: length, episodes"
    );
    assert_eq!(
        err("corridor:length=0"),
        "corridor: length=0 is invalid: length must be at least 1"
    );
    assert_eq!(
        err("corridor:length=two"),
        "corridor: length=two is invalid: expected a whole number"
    );
    let mut registry = registry;
    let duplicate = RegistryEntry::new("corridor", "again", vec![], |_| unreachable!());
    assert!(matches!(
        registry.register(duplicate),
        Err(SpecError::Duplicate { .. })
    ));
}

#[test]
fn contract_checker_accepts_the_corridor() {
    let dist = Corridors {
        length: 3,
        episodes: 1,
    };
    for seed in 0..5 {
        check_env_contract(&dist, seed, &[0, 1, 1, 0, 1, 1, 0, 0]).unwrap();
    }
}

/// Always pulls action 1.
struct AlwaysOne;

impl Policy for AlwaysOne {
    fn name(&self) -> &str {
        "always-one"
    }
    fn start_trial(&mut self, space: &Space, _steps: usize) -> Result<(), String> {
        match space {
            Space::Discrete { n: 2 } => Ok(()),
            other => Err(format!("needs Discrete(2), got {other}")),
        }
    }
    fn act(&mut self, _obs: &[f32], _rng: &mut Rng) -> Action {
        Action::Discrete(1)
    }
    fn observe(&mut self, _action: &Action, _step: &Step) -> Result<(), String> {
        Ok(())
    }
}

#[test]
fn evaluate_scores_policies_with_exact_regret() {
    let dist = Corridors {
        length: 4,
        episodes: 2,
    };
    let outcomes = evaluate(&dist, &mut AlwaysOne, 20, 7).unwrap();
    assert_eq!(outcomes.len(), 20);
    for outcome in &outcomes {
        assert_eq!(outcome.steps, 8);
        assert_eq!(outcome.regret, Some(0.0));
        assert!(outcome.total_reward > 0.0 && outcome.total_reward < 8.0);
    }
    // Same seed, same tasks; another seed, other tasks.
    assert_eq!(outcomes, evaluate(&dist, &mut AlwaysOne, 20, 7).unwrap());
    assert_ne!(outcomes, evaluate(&dist, &mut AlwaysOne, 20, 8).unwrap());
}
