//! One bandit task, played pull by pull.

use rand::Rng as _;

use lsnn_rl_env::{Action, Env, EnvError, Info, Rng, Space, Step, rng_from_seed};

/// The arms of one bandit task: how each arm pays. This is the task itself;
/// it does not change when the environment is reset.
#[derive(Clone, Debug, PartialEq)]
pub enum Arms {
    /// Arm `i` pays 1 with probability `p[i]`, else 0.
    Bernoulli(Vec<f64>),
    /// Arm `i` pays a draw from the normal distribution with mean `means[i]`
    /// and standard deviation `sigma`.
    Gaussian {
        /// The mean reward of each arm.
        means: Vec<f64>,
        /// The standard deviation of the reward noise, shared by all arms.
        sigma: f64,
    },
    /// Arm `i` pays exactly `values[i]`, every time.
    Fixed(Vec<f64>),
    /// Two Bernoulli arms paying 1 with probabilities `p1` and `1 - p1`,
    /// where `p1` drifts: after every pull it takes a Gaussian step of
    /// standard deviation `step_sd`, reflected back into `[0, 1]`.
    Restless {
        /// The probability of arm 0 at the first pull of each episode.
        p1: f64,
        /// The standard deviation of each step of the drift.
        step_sd: f64,
    },
}

impl Arms {
    /// Number of arms.
    pub fn len(&self) -> usize {
        match self {
            Arms::Bernoulli(p) => p.len(),
            Arms::Gaussian { means, .. } => means.len(),
            Arms::Fixed(values) => values.len(),
            Arms::Restless { .. } => 2,
        }
    }

    /// Whether there are no arms (never true of a playable task).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The expected reward of every arm at the first pull of an episode.
    pub fn initial_expected_rewards(&self) -> Vec<f64> {
        match self {
            Arms::Bernoulli(p) => p.clone(),
            Arms::Gaussian { means, .. } => means.clone(),
            Arms::Fixed(values) => values.clone(),
            Arms::Restless { p1, .. } => vec![*p1, 1.0 - p1],
        }
    }

    /// Why these arms cannot be played, if they cannot.
    fn problem(&self) -> Option<String> {
        let probability = |p: &f64| (0.0..=1.0).contains(p);
        let finite = |x: &f64| x.is_finite();
        if self.is_empty() {
            return Some("a bandit with no arms; give at least one".into());
        }
        match self {
            Arms::Bernoulli(p) if !p.iter().all(probability) => {
                Some(format!("arm probabilities {p:?}; each must lie in [0, 1]"))
            }
            Arms::Gaussian { means, sigma }
                if !means.iter().all(finite) || !sigma.is_finite() || *sigma <= 0.0 =>
            {
                Some(format!(
                    "means {means:?} with sigma {sigma}; means must be finite and sigma finite and above 0"
                ))
            }
            Arms::Fixed(values) if !values.iter().all(finite) => {
                Some(format!("arm values {values:?}; each must be finite"))
            }
            Arms::Restless { p1, step_sd }
                if !probability(p1) || !step_sd.is_finite() || *step_sd < 0.0 =>
            {
                Some(format!(
                    "p1 = {p1} with step_sd = {step_sd}; p1 must lie in [0, 1] and step_sd be finite and at least 0"
                ))
            }
            _ => None,
        }
    }
}

/// A bandit environment: one task ([`Arms`]) played for `pulls` pulls.
///
/// Observations are empty (a bandit shows nothing; the meta-RL inputs of a
/// `Trial` carry the previous action and reward), unless the bandit was built
/// [`with a payout code`](Self::with_payout_code). The episode is the whole
/// trial: it is `terminated` after the last pull. Every step's info holds
/// `arm` (the arm pulled), `expected_reward` (that arm's expected reward at
/// that pull) and `best_expected_reward` (the best arm's), so regret is exact.
#[derive(Clone, Debug)]
pub struct BanditEnv {
    name: String,
    arms: Arms,
    expected: Vec<f64>,
    pulls: usize,
    pulls_done: Option<usize>,
    rng: Rng,
    /// The payouts a place-coded observation distinguishes (empty: no observation).
    payout_code: Vec<f64>,
    observation_space: Space,
    action_space: Space,
}

impl BanditEnv {
    /// A bandit named `name` (used in errors and logs) with these arms,
    /// `pulls` pulls per episode, and its reward noise seeded by `seed`.
    ///
    /// Fails when the arms are empty or their parameters are out of range,
    /// or when `pulls` is 0.
    pub fn new(
        name: impl Into<String>,
        arms: Arms,
        pulls: usize,
        seed: u64,
    ) -> Result<Self, EnvError> {
        let name = name.into();
        let problem = match arms.problem() {
            Some(problem) => Some(problem),
            None if pulls == 0 => Some("0 pulls; use at least 1".into()),
            None => None,
        };
        if let Some(what) = problem {
            return Err(EnvError::Unsupported { env: name, what });
        }
        Ok(Self {
            name,
            expected: arms.initial_expected_rewards(),
            action_space: Space::discrete(arms.len()),
            observation_space: Space::uniform_box(0.0, 0.0, &[0]),
            arms,
            pulls,
            pulls_done: None,
            rng: rng_from_seed(seed),
            payout_code: Vec::new(),
        })
    }

    /// The same bandit observing the last pull's payout as a place code: one
    /// unit per value of `payouts`, 1 for the value paid (the nearest one),
    /// all 0 before the first pull. The reward input carries the same
    /// number; the code makes each payout a separate input, which a spiking
    /// network reads far more easily than one analogue value.
    ///
    /// Fails when `payouts` is empty or holds a value that is not finite.
    pub fn with_payout_code(mut self, payouts: Vec<f64>) -> Result<Self, EnvError> {
        if payouts.is_empty() || !payouts.iter().all(|p| p.is_finite()) {
            return Err(EnvError::Unsupported {
                env: self.name,
                what: format!("a payout code of {payouts:?}; give at least one finite value"),
            });
        }
        self.observation_space = Space::uniform_box(0.0, 1.0, &[payouts.len()]);
        self.payout_code = payouts;
        Ok(self)
    }

    /// The observation after a pull that paid `reward` (before the first
    /// pull: `None`).
    fn observe(&self, reward: Option<f64>) -> Vec<f32> {
        let mut obs = vec![0.0; self.payout_code.len()];
        if let Some(reward) = reward {
            let nearest = (0..self.payout_code.len()).min_by(|&a, &b| {
                let distance = |i: usize| (self.payout_code[i] - reward).abs();
                distance(a).total_cmp(&distance(b))
            });
            if let Some(unit) = nearest {
                obs[unit] = 1.0;
            }
        }
        obs
    }

    /// The task: how each arm pays.
    pub fn arms(&self) -> &Arms {
        &self.arms
    }

    /// The expected reward of every arm at the next pull (for a restless
    /// bandit, where the probabilities have drifted to).
    pub fn expected_rewards(&self) -> &[f64] {
        &self.expected
    }

    /// Pulls per episode.
    pub fn pulls(&self) -> usize {
        self.pulls
    }

    /// Draws the reward of pulling `arm`.
    fn draw_reward(&mut self, arm: usize) -> f64 {
        let mean = self.expected[arm];
        match &self.arms {
            Arms::Bernoulli(_) | Arms::Restless { .. } => {
                // One uniform draw whatever the arm, so the stream stays in step
                // across policies; p = 1 always pays, p = 0 never does.
                if self.rng.random::<f64>() < mean {
                    1.0
                } else {
                    0.0
                }
            }
            Arms::Gaussian { sigma, .. } => mean + sigma * standard_normal(&mut self.rng),
            Arms::Fixed(_) => mean,
        }
    }

    /// Moves a restless bandit's probabilities one step of the drift.
    fn drift(&mut self) {
        if let Arms::Restless { step_sd, .. } = self.arms {
            let p1 = reflect_into_unit(self.expected[0] + step_sd * standard_normal(&mut self.rng));
            self.expected = vec![p1, 1.0 - p1];
        }
    }
}

impl Env for BanditEnv {
    fn name(&self) -> &str {
        &self.name
    }

    fn observation_space(&self) -> &Space {
        &self.observation_space
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
        self.expected = self.arms.initial_expected_rewards();
        self.pulls_done = Some(0);
        (self.observe(None), Info::new())
    }

    fn step(&mut self, action: &Action) -> Result<Step, EnvError> {
        let pulls_done =
            EnvError::running(&self.name, self.pulls_done, |&done| done >= self.pulls)?;
        let arm = match action {
            Action::Discrete(arm) if *arm < self.expected.len() => *arm,
            _ => {
                return Err(EnvError::invalid_action(
                    &self.name,
                    action,
                    &self.action_space,
                ));
            }
        };
        let expected = self.expected[arm];
        let best = self
            .expected
            .iter()
            .copied()
            .fold(f64::NEG_INFINITY, f64::max);
        // The first arm with the best mean: a task variable for decoding.
        let best_arm = self.expected.iter().position(|&e| e == best).unwrap_or(0);
        let arm0_mean = self.expected[0];
        let reward = self.draw_reward(arm);
        self.drift();
        self.pulls_done = Some(pulls_done + 1);
        Ok(Step {
            obs: self.observe(Some(reward)),
            reward,
            terminated: pulls_done + 1 == self.pulls,
            truncated: false,
            info: Info::new()
                .with("arm", arm as f64)
                .with("expected_reward", expected)
                .with("best_expected_reward", best)
                .with("best_arm", best_arm as f64)
                .with("arm0_mean", arm0_mean),
        })
    }
}

/// A draw from the standard normal distribution.
pub(crate) fn standard_normal(rng: &mut Rng) -> f64 {
    rng.sample(rand_distr::StandardNormal)
}

/// Folds `x` back into `[0, 1]` as a reflecting boundary does: 1.1 -> 0.9,
/// -0.2 -> 0.2, 2.3 -> 0.3.
pub(crate) fn reflect_into_unit(x: f64) -> f64 {
    let folded = x.rem_euclid(2.0);
    if folded > 1.0 { 2.0 - folded } else { folded }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn play(env: &mut BanditEnv, arm: usize, pulls: usize) -> Vec<Step> {
        (0..pulls)
            .map(|_| env.step(&Action::Discrete(arm)).unwrap())
            .collect()
    }

    fn mean(xs: impl Iterator<Item = f64>) -> f64 {
        let xs: Vec<f64> = xs.collect();
        xs.iter().sum::<f64>() / xs.len() as f64
    }

    #[test]
    fn bernoulli_arm_pays_its_probability_on_average() {
        let n = 20_000;
        let mut env = BanditEnv::new("b", Arms::Bernoulli(vec![0.3, 0.8]), n, 1).unwrap();
        env.reset(None);
        let steps = play(&mut env, 0, n);
        assert!(steps.iter().all(|s| s.reward == 0.0 || s.reward == 1.0));
        let standard_error = (0.3_f64 * 0.7 / n as f64).sqrt();
        let observed = mean(steps.iter().map(|s| s.reward));
        assert!(
            (observed - 0.3).abs() < 5.0 * standard_error,
            "mean {observed}"
        );
    }

    #[test]
    fn gaussian_rewards_have_the_arm_mean_and_sigma() {
        let n = 20_000;
        let arms = Arms::Gaussian {
            means: vec![-1.0, 2.0],
            sigma: 0.5,
        };
        let mut env = BanditEnv::new("g", arms, n, 2).unwrap();
        env.reset(None);
        let rewards: Vec<f64> = play(&mut env, 1, n).iter().map(|s| s.reward).collect();
        let observed = mean(rewards.iter().copied());
        let sd = mean(rewards.iter().map(|r| (r - observed).powi(2))).sqrt();
        assert!(
            (observed - 2.0).abs() < 5.0 * 0.5 / (n as f64).sqrt(),
            "mean {observed}"
        );
        assert!((sd - 0.5).abs() < 0.02, "sd {sd}");
    }

    #[test]
    fn info_gives_exact_regret() {
        let mut env = BanditEnv::new("b", Arms::Bernoulli(vec![0.2, 0.9, 0.5]), 10, 3).unwrap();
        env.reset(None);
        let step = env.step(&Action::Discrete(2)).unwrap();
        assert_eq!(step.info.get("arm"), Some(2.0));
        assert_eq!(step.info.get("expected_reward"), Some(0.5));
        assert_eq!(step.info.get("best_expected_reward"), Some(0.9));
    }

    #[test]
    fn episode_ends_after_the_last_pull() {
        let mut env = BanditEnv::new("b", Arms::Fixed(vec![1.0, 2.0]), 3, 0).unwrap();
        assert_eq!(
            env.step(&Action::Discrete(0)),
            Err(EnvError::NotReset { env: "b".into() })
        );
        env.reset(None);
        let steps = play(&mut env, 1, 3);
        assert_eq!(
            steps.iter().map(|s| s.terminated).collect::<Vec<_>>(),
            [false, false, true]
        );
        assert!(
            steps
                .iter()
                .all(|s| s.reward == 2.0 && s.obs.is_empty() && !s.truncated)
        );
        assert_eq!(
            env.step(&Action::Discrete(0)),
            Err(EnvError::EpisodeOver { env: "b".into() })
        );
        env.reset(None);
        assert!(env.step(&Action::Discrete(0)).is_ok());
    }

    #[test]
    fn invalid_actions_are_errors() {
        let mut env = BanditEnv::new("b", Arms::Fixed(vec![1.0, 2.0]), 3, 0).unwrap();
        env.reset(None);
        for action in [
            Action::Discrete(2),
            Action::Discrete(usize::MAX),
            Action::Continuous(vec![0.0]),
        ] {
            assert!(matches!(
                env.step(&action),
                Err(EnvError::InvalidAction { .. })
            ));
        }
    }

    #[test]
    fn same_seed_same_rewards_other_seed_other_rewards() {
        let rewards = |seed| {
            let mut env = BanditEnv::new("b", Arms::Bernoulli(vec![0.5; 2]), 200, 0).unwrap();
            env.reset(Some(seed));
            play(&mut env, 0, 200)
                .iter()
                .map(|s| s.reward)
                .collect::<Vec<_>>()
        };
        assert_eq!(rewards(5), rewards(5));
        assert_ne!(rewards(5), rewards(6));
    }

    #[test]
    fn reset_without_seed_continues_the_stream() {
        let mut env = BanditEnv::new("b", Arms::Bernoulli(vec![0.5]), 100, 0).unwrap();
        env.reset(Some(1));
        let first: Vec<f64> = play(&mut env, 0, 100).iter().map(|s| s.reward).collect();
        env.reset(None);
        let second: Vec<f64> = play(&mut env, 0, 100).iter().map(|s| s.reward).collect();
        assert_ne!(first, second);
    }

    #[test]
    fn restless_probabilities_stay_complementary_and_reset_restores_them() {
        let arms = Arms::Restless {
            p1: 0.95,
            step_sd: 0.1,
        };
        let mut env = BanditEnv::new("r", arms, 500, 4).unwrap();
        env.reset(None);
        let mut moved = false;
        for _ in 0..500 {
            let [p1, p2] = env.expected_rewards() else {
                panic!("two arms")
            };
            let (p1, p2) = (*p1, *p2);
            assert!((0.0..=1.0).contains(&p1) && (p1 + p2 - 1.0).abs() < 1e-12);
            let step = env.step(&Action::Discrete(1)).unwrap();
            assert_eq!(step.info.get("expected_reward"), Some(p2));
            assert_eq!(step.info.get("best_expected_reward"), Some(p1.max(p2)));
            moved |= env.expected_rewards()[0] != 0.95;
        }
        assert!(moved);
        env.reset(None);
        assert_eq!(env.expected_rewards(), &[0.95, 1.0 - 0.95]);
    }

    #[test]
    fn restless_drift_steps_have_the_volatility_sd() {
        for step_sd in [0.02, 0.1] {
            let arms = Arms::Restless { p1: 0.5, step_sd };
            let mut env = BanditEnv::new("r", arms, 20_000, 5).unwrap();
            env.reset(None);
            let mut squares = Vec::new();
            for _ in 0..20_000 {
                let before = env.expected_rewards()[0];
                env.step(&Action::Discrete(0)).unwrap();
                // Far from the walls, so no reflection bends the step.
                if (0.35..=0.65).contains(&before) {
                    squares.push((env.expected_rewards()[0] - before).powi(2));
                }
            }
            assert!(
                squares.len() > 1_000,
                "{step_sd}: only {} steps",
                squares.len()
            );
            let rms = mean(squares.into_iter()).sqrt();
            assert!((rms / step_sd - 1.0).abs() < 0.1, "{step_sd}: rms {rms}");
        }
    }

    #[test]
    fn reflection_folds_into_the_unit_interval() {
        for (x, want) in [
            (0.4, 0.4),
            (1.1, 0.9),
            (-0.2, 0.2),
            (2.3, 0.3),
            (-1.5, 0.5),
            (1.0, 1.0),
            (0.0, 0.0),
        ] {
            assert!((reflect_into_unit(x) - want).abs() < 1e-12, "{x}");
        }
    }

    #[test]
    fn bad_arms_are_refused_not_panicked_on() {
        let bad = [
            (Arms::Bernoulli(vec![]), 5),
            (Arms::Bernoulli(vec![1.5]), 5),
            (Arms::Bernoulli(vec![f64::NAN]), 5),
            (
                Arms::Gaussian {
                    means: vec![0.0],
                    sigma: 0.0,
                },
                5,
            ),
            (
                Arms::Gaussian {
                    means: vec![f64::INFINITY],
                    sigma: 1.0,
                },
                5,
            ),
            (Arms::Fixed(vec![f64::NAN]), 5),
            (
                Arms::Restless {
                    p1: -0.1,
                    step_sd: 0.1,
                },
                5,
            ),
            (
                Arms::Restless {
                    p1: 0.5,
                    step_sd: f64::NAN,
                },
                5,
            ),
            (Arms::Fixed(vec![1.0]), 0),
        ];
        for (arms, pulls) in bad {
            let err = BanditEnv::new("b", arms.clone(), pulls, 0).unwrap_err();
            assert!(
                matches!(err, EnvError::Unsupported { .. }),
                "{arms:?}: {err:?}"
            );
        }
    }
}
