//! Each baseline's behaviour, the spec parser, and an end-to-end comparison
//! on Bernoulli bandits.

use lsnn_rl_classic::{
    AlgoError, BANDIT_ALGORITHMS, EpsilonGreedy, Estimate, Gittins, Thompson, Ucb1, make_policy,
};
use lsnn_rl_env::{
    Action, Env, EnvError, Info, Policy, Rng, Space, Step, TaskDistribution, evaluate,
    rng_from_seed,
};
use rand::Rng as _;

/// Independent Bernoulli arms, `p_i ~ U[0, 1]`, one episode of `pulls` pulls
/// (RL^2's bandit task), kept here so these tests need no environment crate.
struct Bernoulli {
    arms: usize,
    pulls: usize,
}

struct BernoulliEnv {
    probs: Vec<f64>,
    pulls: usize,
    done: usize,
    rng: Rng,
    obs_space: Space,
    action_space: Space,
}

impl TaskDistribution for Bernoulli {
    fn spec(&self) -> &str {
        "test-bernoulli"
    }
    fn observation_space(&self) -> Space {
        Space::uniform_box(0.0, 0.0, &[1])
    }
    fn action_space(&self) -> Space {
        Space::discrete(self.arms)
    }
    fn sample_task(&self, rng: &mut Rng) -> Box<dyn Env> {
        Box::new(BernoulliEnv {
            probs: (0..self.arms).map(|_| rng.random::<f64>()).collect(),
            pulls: self.pulls,
            done: 0,
            rng: rng_from_seed(rng.random()),
            obs_space: self.observation_space(),
            action_space: self.action_space(),
        })
    }
}

impl Env for BernoulliEnv {
    fn name(&self) -> &str {
        "test-bernoulli"
    }
    fn observation_space(&self) -> &Space {
        &self.obs_space
    }
    fn action_space(&self) -> &Space {
        &self.action_space
    }
    fn max_episode_steps(&self) -> Option<usize> {
        Some(self.pulls)
    }
    fn reset(&mut self, seed: Option<u64>) -> (Vec<f32>, Info) {
        if let Some(seed) = seed {
            self.rng = rng_from_seed(seed);
        }
        self.done = 0;
        (vec![0.0], Info::new())
    }
    fn step(&mut self, action: &Action) -> Result<Step, EnvError> {
        let &Action::Discrete(arm) = action else {
            return Err(EnvError::invalid_action(
                "test-bernoulli",
                action,
                &self.action_space,
            ));
        };
        if arm >= self.probs.len() {
            return Err(EnvError::invalid_action(
                "test-bernoulli",
                action,
                &self.action_space,
            ));
        }
        let p = self.probs[arm];
        self.done += 1;
        let best = self.probs.iter().copied().fold(0.0, f64::max);
        Ok(Step {
            obs: vec![0.0],
            reward: if self.rng.random::<f64>() < p {
                1.0
            } else {
                0.0
            },
            terminated: self.done == self.pulls,
            truncated: false,
            info: Info::new()
                .with("expected_reward", p)
                .with("best_expected_reward", best),
        })
    }
}

/// A step carrying only a reward.
fn reward(r: f64) -> Step {
    Step {
        obs: vec![0.0],
        reward: r,
        terminated: false,
        truncated: false,
        info: Info::new(),
    }
}

fn arm(action: Action) -> usize {
    match action {
        Action::Discrete(a) => a,
        other => panic!("a bandit policy chose {other}"),
    }
}

/// Plays `steps` steps where arm `a` pays `payout(a)`; returns the arms chosen.
fn play(
    policy: &mut dyn Policy,
    arms: usize,
    steps: usize,
    seed: u64,
    payout: impl Fn(usize) -> f64,
) -> Vec<usize> {
    let mut rng = rng_from_seed(seed);
    policy.start_trial(&Space::discrete(arms), steps).unwrap();
    (0..steps)
        .map(|_| {
            let a = arm(policy.act(&[0.0], &mut rng));
            policy
                .observe(&Action::Discrete(a), &reward(payout(a)))
                .unwrap();
            a
        })
        .collect()
}

#[test]
fn every_policy_refuses_a_continuous_action_space() {
    for name in BANDIT_ALGORITHMS {
        let mut policy = make_policy(name, None).unwrap();
        let err = policy
            .start_trial(&Space::uniform_box(-1.0, 1.0, &[2]), 10)
            .unwrap_err();
        assert!(
            err.contains(name) && err.contains("Discrete(k)"),
            "{name}: {err}"
        );
    }
}

#[test]
fn every_policy_refuses_actions_outside_its_arms() {
    for name in BANDIT_ALGORITHMS {
        let mut policy = make_policy(name, None).unwrap();
        assert!(
            policy
                .observe(&Action::Discrete(0), &reward(1.0))
                .unwrap_err()
                .contains("start_trial")
        );
        policy.start_trial(&Space::discrete(3), 10).unwrap();
        assert!(
            policy.observe(&Action::Discrete(3), &reward(1.0)).is_err(),
            "{name}"
        );
        assert!(
            policy
                .observe(&Action::Continuous(vec![0.0]), &reward(1.0))
                .is_err(),
            "{name}"
        );
    }
}

#[test]
#[should_panic(expected = "act called before start_trial")]
fn acting_before_a_trial_is_a_bug() {
    let mut policy = make_policy("ucb1", None).unwrap();
    policy.act(&[0.0], &mut rng_from_seed(1));
}

#[test]
fn random_spreads_its_pulls_evenly() {
    let mut policy = make_policy("random", None).unwrap();
    let chosen = play(policy.as_mut(), 4, 4000, 5, |_| 1.0);
    for a in 0..4 {
        let n = chosen.iter().filter(|&&c| c == a).count();
        assert!((900..1100).contains(&n), "arm {a} pulled {n} times of 4000");
    }
}

#[test]
fn greedy_tries_every_arm_then_exploits_the_best() {
    let mut policy = EpsilonGreedy::greedy(Estimate::SampleMean);
    let chosen = play(&mut policy, 5, 50, 7, |a| if a == 3 { 1.0 } else { 0.0 });
    let mut first: Vec<usize> = chosen[..5].to_vec();
    first.sort();
    assert_eq!(first, [0, 1, 2, 3, 4], "untried arms first");
    assert!(chosen[5..].iter().all(|&a| a == 3));
    assert_eq!(policy.estimates(), [0.0, 0.0, 0.0, 1.0, 0.0]);
    // Greedy is any-finite-reward; it only refuses nonsense.
    assert!(policy.observe(&Action::Discrete(0), &reward(5.0)).is_ok());
    assert!(
        policy
            .observe(&Action::Discrete(0), &reward(f64::NAN))
            .is_err()
    );
}

#[test]
fn greedy_with_beta_prior_uses_posterior_means() {
    let mut policy = EpsilonGreedy::greedy(Estimate::BetaPrior);
    policy.start_trial(&Space::discrete(3), 10).unwrap();
    assert_eq!(policy.estimates(), [0.5, 0.5, 0.5]);
    policy.observe(&Action::Discrete(1), &reward(1.0)).unwrap();
    policy.observe(&Action::Discrete(2), &reward(0.0)).unwrap();
    assert_eq!(policy.estimates(), [0.5, 2.0 / 3.0, 1.0 / 3.0]);
    assert_eq!(arm(policy.act(&[0.0], &mut rng_from_seed(1))), 1);
    assert!(
        policy
            .observe(&Action::Discrete(0), &reward(1.5))
            .unwrap_err()
            .contains("[0, 1]")
    );
    // Ties at the start are broken at random, not always to arm 0.
    let firsts: std::collections::HashSet<usize> = (0..40)
        .map(|seed| {
            play(
                &mut EpsilonGreedy::greedy(Estimate::BetaPrior),
                3,
                1,
                seed,
                |_| 0.0,
            )[0]
        })
        .collect();
    assert_eq!(firsts.len(), 3);
}

#[test]
fn eps_greedy_explores_at_its_rate() {
    let mut policy = make_policy("eps-greedy:eps=0.2", None).unwrap();
    let chosen = play(policy.as_mut(), 4, 10_000, 11, |a| {
        if a == 0 { 1.0 } else { 0.0 }
    });
    let off = chosen[4..].iter().filter(|&&a| a != 0).count() as f64 / (chosen.len() - 4) as f64;
    // Exploration picks each of the 4 arms, so 3/4 of it leaves arm 0.
    assert!((off - 0.15).abs() < 0.015, "off-greedy fraction {off}");
    let mut all_random = EpsilonGreedy::new(1.0, Estimate::SampleMean);
    let chosen = play(&mut all_random, 2, 2000, 3, |a| a as f64);
    let ones = chosen.iter().filter(|&&a| a == 1).count();
    assert!((900..1100).contains(&ones));
    assert_eq!(EpsilonGreedy::new(7.0, Estimate::SampleMean).eps(), 1.0);
}

#[test]
fn ucb1_plays_each_arm_once_then_follows_its_bounds() {
    let mut policy = Ucb1::new(1.0, Estimate::SampleMean);
    let chosen = play(&mut policy, 6, 6, 2, |a| if a % 2 == 0 { 1.0 } else { 0.0 });
    let mut first = chosen.clone();
    first.sort();
    assert_eq!(first, [0, 1, 2, 3, 4, 5]);
    // t = 6 pulls so far, one each: bound = mean + sqrt(2 ln 6).
    let bonus = (2.0 * 6f64.ln()).sqrt();
    for (a, b) in policy.bounds().into_iter().enumerate() {
        let mean = if a % 2 == 0 { 1.0 } else { 0.0 };
        assert!((b - mean - bonus).abs() < 1e-12);
    }
    // The bonus keeps a worse arm in play now and then, but rarely.
    let chosen = play(&mut Ucb1::new(1.0, Estimate::SampleMean), 2, 400, 4, |a| {
        if a == 0 { 1.0 } else { 0.0 }
    });
    let worse = chosen.iter().filter(|&&a| a == 1).count();
    assert!((2..40).contains(&worse), "worse arm pulled {worse} times");
    assert!(
        policy
            .observe(&Action::Discrete(0), &reward(1.5))
            .unwrap_err()
            .contains("[0, 1]")
    );
}

#[test]
fn ucb1_with_beta_prior_matches_its_formula() {
    let mut policy = Ucb1::new(0.5, Estimate::BetaPrior);
    policy.start_trial(&Space::discrete(2), 10).unwrap();
    assert_eq!(
        policy.bounds(),
        [0.5, 0.5],
        "no bonus before the first pull"
    );
    policy.observe(&Action::Discrete(0), &reward(1.0)).unwrap();
    policy.observe(&Action::Discrete(0), &reward(0.0)).unwrap();
    let bonus = |n: f64| 0.5 * (2.0 * 2f64.ln() / n).sqrt();
    let expected = [0.5 + bonus(4.0), 0.5 + bonus(2.0)];
    for (b, e) in policy.bounds().iter().zip(expected) {
        assert!((b - e).abs() < 1e-12);
    }
}

#[test]
fn thompson_concentrates_on_the_better_arm() {
    let mut policy = Thompson::new(1);
    policy.start_trial(&Space::discrete(2), 500).unwrap();
    for i in 0..100 {
        policy
            .observe(
                &Action::Discrete(0),
                &reward(if i < 90 { 1.0 } else { 0.0 }),
            )
            .unwrap();
        policy
            .observe(
                &Action::Discrete(1),
                &reward(if i < 10 { 1.0 } else { 0.0 }),
            )
            .unwrap();
    }
    assert_eq!(policy.posteriors(), [(91.0, 11.0), (11.0, 91.0)]);
    let mut rng = rng_from_seed(8);
    let best = (0..1000)
        .filter(|_| arm(policy.act(&[0.0], &mut rng)) == 0)
        .count();
    assert_eq!(best, 1000);
    // With no data it is a fair coin between the arms.
    let mut fresh = Thompson::new(1);
    fresh.start_trial(&Space::discrete(2), 10).unwrap();
    let zeros = (0..2000)
        .filter(|_| arm(fresh.act(&[0.0], &mut rng)) == 0)
        .count();
    assert!((900..1100).contains(&zeros));
}

#[test]
fn bernoulli_models_name_the_reward_they_refuse() {
    for name in ["thompson", "thompson:samples=3", "gittins"] {
        let mut policy = make_policy(name, None).unwrap();
        policy.start_trial(&Space::discrete(2), 10).unwrap();
        let err = policy
            .observe(&Action::Discrete(0), &reward(0.5))
            .unwrap_err();
        assert!(
            err.contains("0.5") && err.contains("Bernoulli"),
            "{name}: {err}"
        );
        assert!(policy.observe(&Action::Discrete(0), &reward(1.0)).is_ok());
    }
}

#[test]
fn gittins_follows_the_index_and_needs_a_trial_length() {
    let mut policy = Gittins::new(None);
    assert!(
        policy
            .start_trial(&Space::discrete(3), 0)
            .unwrap_err()
            .contains("length")
    );
    policy.start_trial(&Space::discrete(3), 20).unwrap();
    let fresh = policy.indices();
    assert!(fresh.iter().all(|&g| g == fresh[0] && g > 0.5));
    policy.observe(&Action::Discrete(2), &reward(1.0)).unwrap();
    policy.observe(&Action::Discrete(0), &reward(0.0)).unwrap();
    let now = policy.indices();
    assert!(now[2] > now[1] && now[1] > now[0], "{now:?}");
    assert_eq!(arm(policy.act(&[0.0], &mut rng_from_seed(1))), 2);
    // With one pull left the index is the posterior mean.
    policy.start_trial(&Space::discrete(2), 3).unwrap();
    policy.observe(&Action::Discrete(0), &reward(1.0)).unwrap();
    policy.observe(&Action::Discrete(1), &reward(0.0)).unwrap();
    let means = policy.indices();
    assert!(
        (means[0] - 2.0 / 3.0).abs() < 1e-7 && (means[1] - 1.0 / 3.0).abs() < 1e-7,
        "{means:?}"
    );
}

/// The error a spec that must not parse gives.
fn spec_error(spec: &str) -> AlgoError {
    match make_policy(spec, None) {
        Ok(policy) => panic!("'{spec}' built {}", policy.name()),
        Err(e) => e,
    }
}

#[test]
fn specs_set_parameters_and_errors_list_what_is_valid() {
    assert_eq!(
        make_policy(" ucb1 : c = 0.5 ", None).unwrap().name(),
        "ucb1"
    );
    assert_eq!(
        make_policy("eps-greedy:eps=0:prior=beta", None)
            .unwrap()
            .name(),
        "eps-greedy"
    );
    assert_eq!(
        make_policy("thompson:samples=7", None).unwrap().name(),
        "thompson"
    );

    let err = spec_error("ucb2");
    assert_eq!(
        err,
        AlgoError::UnknownAlgorithm {
            name: "ucb2".into()
        }
    );
    assert!(
        err.to_string()
            .contains("random, greedy, eps-greedy, ucb1, thompson, gittins"),
        "{err}"
    );

    let err = spec_error("eps-greedy:epsilon=0.1");
    assert!(matches!(err, AlgoError::UnknownKey { .. }));
    assert!(
        err.to_string().contains("its parameters are: eps, prior"),
        "{err}"
    );
    assert!(
        spec_error("random:seed=1")
            .to_string()
            .contains("takes no parameters")
    );

    for (spec, key) in [
        ("eps-greedy:eps=1.5", "eps"),
        ("eps-greedy:eps=lots", "eps"),
        ("ucb1:c=-1", "c"),
        ("ucb1:c=inf", "c"),
        ("greedy:prior=gaussian", "prior"),
        ("thompson:samples=0", "samples"),
        ("thompson:samples=2.5", "samples"),
    ] {
        match spec_error(spec) {
            AlgoError::BadValue { key: k, reason, .. } => {
                assert!(k == key && !reason.is_empty(), "{spec}")
            }
            other => panic!("{spec}: {other}"),
        }
    }
    assert!(matches!(
        spec_error("ucb1:c=1:c=2"),
        AlgoError::DuplicateKey { .. }
    ));
    for spec in ["", ":c=1", "ucb1:c", "ucb1:"] {
        let err = spec_error(spec);
        assert!(matches!(err, AlgoError::Malformed { .. }), "{spec}: {err}");
        assert!(err.to_string().contains("NAME:key=value"));
    }
}

/// Mean total reward and regret of a policy over `trials` trials.
fn score(spec: &str, dist: &Bernoulli, trials: usize) -> (f64, f64) {
    let mut policy = make_policy(spec, None).unwrap();
    let outcomes = evaluate(dist, policy.as_mut(), trials, 2024).unwrap();
    assert!(outcomes.iter().all(|o| o.steps == dist.pulls));
    let mean = |f: &dyn Fn(&lsnn_rl_env::TrialOutcome) -> f64| {
        outcomes.iter().map(f).sum::<f64>() / trials as f64
    };
    (mean(&|o| o.total_reward), mean(&|o| o.regret.unwrap()))
}

#[test]
fn baselines_rank_as_expected_on_five_arm_bandits() {
    let dist = Bernoulli {
        arms: 5,
        pulls: 100,
    };
    let trials = 400;
    let results: Vec<(&str, (f64, f64))> = [
        "random",
        "greedy",
        "eps-greedy",
        "ucb1",
        "thompson",
        "gittins",
    ]
    .into_iter()
    .map(|spec| (spec, score(spec, &dist, trials)))
    .collect();
    for (spec, (reward, regret)) in &results {
        println!("{spec:>10}: mean reward {reward:6.2}, regret {regret:6.2}");
    }
    let reward = |name: &str| results.iter().find(|(s, _)| *s == name).unwrap().1.0;
    let regret = |name: &str| results.iter().find(|(s, _)| *s == name).unwrap().1.1;
    // The same 400 tasks and reward streams for every policy: differences
    // are much less noisy than the totals (whose spread is about 0.8).
    assert!((46.0..54.0).contains(&reward("random")));
    assert!(reward("gittins") >= reward("thompson") - 1.0);
    assert!(reward("thompson") > reward("random") + 20.0);
    assert!(reward("gittins") > reward("random") + 20.0);
    assert!(reward("ucb1") > reward("random") + 10.0);
    assert!(regret("gittins") < regret("ucb1"));
    assert!(regret("gittins") < regret("greedy"));
}
