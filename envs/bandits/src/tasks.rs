//! Bandit task distributions: what each meta-RL trial draws.

use rand::Rng as _;

use lsnn_rl_env::{Env, Rng, Space, TaskDistribution, TaskVariable};

use crate::env::standard_normal;
use crate::{Arms, BanditEnv};

/// The arm probabilities of the dependent two-arm bandit (Wang et al.):
/// `p1` is drawn as below and `p2 = 1 - p1`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Difficulty {
    /// `p1 ~ U[0, 1]`.
    Uniform,
    /// `p1` is 0.1 or 0.9, each with probability 1/2.
    Easy,
    /// `p1` is 0.25 or 0.75, each with probability 1/2.
    Medium,
    /// `p1` is 0.4 or 0.6, each with probability 1/2.
    Hard,
}

impl Difficulty {
    /// Every difficulty, in the order of [`Difficulty::NAMES`].
    pub const ALL: [Difficulty; 4] = [Self::Uniform, Self::Easy, Self::Medium, Self::Hard];
    /// The names users type, in the order of [`Difficulty::ALL`].
    pub const NAMES: [&'static str; 4] = ["uniform", "easy", "medium", "hard"];

    /// The smaller of the two values `p1` may take, or `None` for `Uniform`.
    pub fn low_probability(self) -> Option<f64> {
        match self {
            Difficulty::Uniform => None,
            Difficulty::Easy => Some(0.1),
            Difficulty::Medium => Some(0.25),
            Difficulty::Hard => Some(0.4),
        }
    }
}

/// How fast the restless two-arm bandit's probabilities drift.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Volatility {
    /// Steps of standard deviation 0.02: about 0.2 over a 100-pull trial.
    Low,
    /// Steps of standard deviation 0.1: about 0.3 over 10 pulls.
    High,
}

impl Volatility {
    /// Every volatility, in the order of [`Volatility::NAMES`].
    pub const ALL: [Volatility; 2] = [Self::Low, Self::High];
    /// The names users type, in the order of [`Volatility::ALL`].
    pub const NAMES: [&'static str; 2] = ["low", "high"];

    /// The standard deviation of one step of `p1`'s drift.
    pub fn step_sd(self) -> f64 {
        match self {
            Volatility::Low => 0.02,
            Volatility::High => 0.1,
        }
    }
}

/// The prior a bandit task is drawn from.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Prior {
    /// `arms` Bernoulli arms with `p_i ~ U[0, 1]` i.i.d. (RL^2).
    Bernoulli {
        /// Number of arms.
        arms: usize,
    },
    /// `arms` Gaussian arms with means `mu_i ~ N(0, 1)` i.i.d. and reward
    /// noise of standard deviation `sigma`.
    Gaussian {
        /// Number of arms.
        arms: usize,
        /// Standard deviation of the reward noise.
        sigma: f64,
    },
    /// Two Bernoulli arms with `p2 = 1 - p1` (Wang et al.).
    Dependent(Difficulty),
    /// Wang et al.'s 11-arm task: arm `t ~ U{0..9}` pays 5, the other nine of
    /// arms 0 to 9 pay 1, arm 10 pays `0.1 * (t + 1)`; all deterministic.
    ElevenArm,
    /// Two Bernoulli arms with `p2 = 1 - p1`, `p1 ~ U[0, 1]` at the start and
    /// drifting after every pull (see [`Arms::Restless`]).
    Restless(Volatility),
}

impl Prior {
    /// Number of arms of every task.
    pub fn arms(&self) -> usize {
        match self {
            Prior::Bernoulli { arms } | Prior::Gaussian { arms, .. } => *arms,
            Prior::Dependent(_) | Prior::Restless(_) => 2,
            Prior::ElevenArm => 11,
        }
    }

    /// The payouts a place-coded observation distinguishes, in increasing
    /// order: every payout a task of the eleven-armed bandit can pay (0.1 to
    /// 1.0 from the informative arm, 1 and 5); `None` where the prior offers
    /// no payout code.
    pub fn payouts(&self) -> Option<Vec<f64>> {
        match self {
            // 1.0 is both the informative arm's payout for target 9 and a
            // plain arm's: one value, one unit.
            Prior::ElevenArm => Some(
                (1..=10)
                    .map(|tenths| 0.1 * tenths as f64)
                    .chain([5.0])
                    .collect(),
            ),
            _ => None,
        }
    }

    /// Draws the arms of one task.
    pub fn draw(&self, rng: &mut Rng) -> Arms {
        match *self {
            Prior::Bernoulli { arms } => Arms::Bernoulli((0..arms).map(|_| rng.random()).collect()),
            Prior::Gaussian { arms, sigma } => Arms::Gaussian {
                means: (0..arms).map(|_| standard_normal(rng)).collect(),
                sigma,
            },
            Prior::Dependent(difficulty) => {
                let p1 = match difficulty.low_probability() {
                    None => rng.random(),
                    Some(low) if rng.random_bool(0.5) => low,
                    Some(low) => 1.0 - low,
                };
                Arms::Bernoulli(vec![p1, 1.0 - p1])
            }
            Prior::ElevenArm => {
                let target = rng.random_range(0..10);
                let mut values: Vec<f64> = (0..10)
                    .map(|arm| if arm == target { 5.0 } else { 1.0 })
                    .collect();
                values.push(0.1 * (target + 1) as f64);
                Arms::Fixed(values)
            }
            Prior::Restless(volatility) => Arms::Restless {
                p1: rng.random(),
                step_sd: volatility.step_sd(),
            },
        }
    }
}

/// A bandit task distribution: a [`Prior`] over tasks and the pulls of a
/// trial. Built from a spec by [`crate::register`] or [`BanditTasks::from_spec`].
#[derive(Clone, Debug, PartialEq)]
pub struct BanditTasks {
    spec: String,
    prior: Prior,
    pulls: usize,
    /// The payouts the observation place-codes (`obs=payout`); empty: none.
    payout_code: Vec<f64>,
}

impl BanditTasks {
    /// Tasks drawn from `prior`, played for `pulls` pulls; `spec` names them
    /// in logs. Callers check the arguments (the spec parser does).
    pub(crate) fn new(spec: String, prior: Prior, pulls: usize) -> Self {
        Self {
            spec,
            prior,
            pulls,
            payout_code: Vec::new(),
        }
    }

    /// The same tasks observing the last payout as a place code
    /// ([`BanditEnv::with_payout_code`]); `None` where the prior offers no
    /// payout code ([`Prior::payouts`]).
    pub(crate) fn with_payout_code(mut self) -> Option<Self> {
        self.payout_code = self.prior.payouts()?;
        Some(self)
    }

    /// The prior tasks are drawn from.
    pub fn prior(&self) -> &Prior {
        &self.prior
    }

    /// Pulls per trial.
    pub fn pulls(&self) -> usize {
        self.pulls
    }

    /// Draws one task from `rng` (its arms, then its noise seed) and builds
    /// the environment that plays it; [`TaskDistribution::sample_task`] boxed.
    pub fn sample(&self, rng: &mut Rng) -> BanditEnv {
        let arms = self.prior.draw(rng);
        let seed = rng.random();
        let env = BanditEnv::new(self.spec.clone(), arms, self.pulls, seed)
            .expect("the spec parser admits only playable priors");
        if self.payout_code.is_empty() {
            return env;
        }
        env.with_payout_code(self.payout_code.clone())
            .expect("a prior's payouts are finite")
    }
}

impl TaskDistribution for BanditTasks {
    fn spec(&self) -> &str {
        &self.spec
    }

    fn observation_space(&self) -> Space {
        match self.payout_code.len() {
            0 => Space::uniform_box(0.0, 0.0, &[0]),
            units => Space::uniform_box(0.0, 1.0, &[units]),
        }
    }

    fn action_space(&self) -> Space {
        Space::discrete(self.prior.arms())
    }

    fn task_variables(&self) -> Vec<TaskVariable> {
        vec![
            TaskVariable::categorical(
                "best_arm",
                self.prior.arms(),
                "the arm with the highest mean at this pull",
            ),
            TaskVariable::continuous("arm0_mean", "arm 0's mean reward at this pull"),
        ]
    }

    fn sample_task(&self, rng: &mut Rng) -> Box<dyn Env> {
        Box::new(self.sample(rng))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use lsnn_rl_env::{Action, rng_from_seed};

    fn draws(prior: Prior, n: u64) -> Vec<Arms> {
        let mut rng = rng_from_seed(11);
        (0..n).map(|_| prior.draw(&mut rng)).collect()
    }

    fn probabilities(arms: &Arms) -> &[f64] {
        match arms {
            Arms::Bernoulli(p) => p,
            other => panic!("expected Bernoulli arms, got {other:?}"),
        }
    }

    #[test]
    fn bernoulli_prior_is_uniform_on_the_unit_interval() {
        let all: Vec<f64> = draws(Prior::Bernoulli { arms: 4 }, 2_000)
            .iter()
            .flat_map(|arms| probabilities(arms).to_vec())
            .collect();
        assert_eq!(all.len(), 8_000);
        assert!(all.iter().all(|p| (0.0..=1.0).contains(p)));
        let mean = all.iter().sum::<f64>() / all.len() as f64;
        // U[0,1] has sd 0.289; 5 standard errors.
        assert!(
            (mean - 0.5).abs() < 5.0 * 0.289 / (all.len() as f64).sqrt(),
            "mean {mean}"
        );
        let below_quarter = all.iter().filter(|&&p| p < 0.25).count() as f64 / all.len() as f64;
        assert!((below_quarter - 0.25).abs() < 0.03, "{below_quarter}");
    }

    #[test]
    fn gaussian_prior_means_are_standard_normal() {
        let means: Vec<f64> = draws(
            Prior::Gaussian {
                arms: 5,
                sigma: 2.0,
            },
            2_000,
        )
        .into_iter()
        .flat_map(|arms| match arms {
            Arms::Gaussian { means, sigma } => {
                assert_eq!(sigma, 2.0);
                means
            }
            other => panic!("{other:?}"),
        })
        .collect();
        let n = means.len() as f64;
        let mean = means.iter().sum::<f64>() / n;
        let sd = (means.iter().map(|m| (m - mean).powi(2)).sum::<f64>() / n).sqrt();
        assert!(mean.abs() < 5.0 / n.sqrt(), "mean {mean}");
        assert!((sd - 1.0).abs() < 0.05, "sd {sd}");
    }

    #[test]
    fn dependent_arms_sum_to_one_and_use_the_difficulty_set() {
        for difficulty in Difficulty::ALL {
            let tasks = draws(Prior::Dependent(difficulty), 400);
            let mut seen_low = false;
            let mut seen_high = false;
            for arms in &tasks {
                let [p1, p2] = probabilities(arms) else {
                    panic!("two arms")
                };
                assert!((p1 + p2 - 1.0).abs() < 1e-12);
                match difficulty.low_probability() {
                    None => assert!((0.0..=1.0).contains(p1)),
                    Some(low) => {
                        assert!(*p1 == low || *p1 == 1.0 - low, "{difficulty:?}: p1 = {p1}");
                        seen_low |= *p1 == low;
                        seen_high |= *p1 == 1.0 - low;
                    }
                }
            }
            if difficulty != Difficulty::Uniform {
                assert!(seen_low && seen_high, "{difficulty:?} drew one side only");
            }
        }
    }

    #[test]
    fn eleven_arm_informative_arm_points_at_the_target() {
        let mut targets = [0usize; 10];
        for arms in draws(Prior::ElevenArm, 1_000) {
            let Arms::Fixed(values) = arms else {
                panic!("{arms:?}")
            };
            assert_eq!(values.len(), 11);
            let target = values.iter().position(|&v| v == 5.0).expect("a target");
            assert!(target < 10);
            assert_eq!(values[..10].iter().filter(|&&v| v == 1.0).count(), 9);
            assert!((values[10] - 0.1 * (target + 1) as f64).abs() < 1e-12);
            targets[target] += 1;
        }
        assert!(targets.iter().all(|&n| n > 50), "targets drawn {targets:?}");
    }

    #[test]
    fn restless_prior_starts_uniform_with_the_volatility_step() {
        for volatility in Volatility::ALL {
            for arms in draws(Prior::Restless(volatility), 100) {
                let Arms::Restless { p1, step_sd } = arms else {
                    panic!("{arms:?}")
                };
                assert!((0.0..=1.0).contains(&p1));
                assert_eq!(step_sd, volatility.step_sd());
            }
        }
    }

    #[test]
    fn restless_p1_stays_uniform_during_the_trial() {
        // The reflected walk keeps U[0,1] as its distribution at every pull.
        let tasks = BanditTasks::from_spec("bandit-restless:volatility=high,pulls=50").unwrap();
        let mut rng = rng_from_seed(4);
        let last: Vec<f64> = (0..4_000)
            .map(|_| {
                let mut env = tasks.sample(&mut rng);
                env.reset(None);
                for _ in 0..49 {
                    env.step(&Action::Discrete(0)).unwrap();
                }
                env.expected_rewards()[0]
            })
            .collect();
        let below_quarter = last.iter().filter(|&&p| p < 0.25).count() as f64 / 4_000.0;
        let above_three_quarters = last.iter().filter(|&&p| p > 0.75).count() as f64 / 4_000.0;
        // Binomial(4000, 0.25) has sd 0.0068; 5 of them.
        assert!((below_quarter - 0.25).abs() < 0.035, "{below_quarter}");
        assert!(
            (above_three_quarters - 0.25).abs() < 0.035,
            "{above_three_quarters}"
        );
    }

    #[test]
    fn only_the_eleven_armed_bandit_offers_a_payout_code() {
        let tasks = |prior| BanditTasks::new("t".into(), prior, 5);
        let coded = tasks(Prior::ElevenArm).with_payout_code().unwrap();
        assert_eq!(
            coded.observation_space(),
            Space::uniform_box(0.0, 1.0, &[11])
        );
        assert_eq!(
            Prior::ElevenArm.payouts().unwrap().last(),
            Some(&5.0),
            "the target's payout is coded"
        );
        for prior in [
            Prior::Bernoulli { arms: 3 },
            Prior::Dependent(Difficulty::Easy),
            Prior::Restless(Volatility::Low),
        ] {
            assert!(prior.payouts().is_none(), "{prior:?}");
            assert!(tasks(prior).with_payout_code().is_none(), "{prior:?}");
        }
    }

    #[test]
    fn eleven_arm_pays_deterministically() {
        let tasks = BanditTasks::from_spec("bandit-eleven-arm").unwrap();
        let mut env = tasks.sample(&mut rng_from_seed(3));
        let Arms::Fixed(values) = env.arms().clone() else {
            panic!()
        };
        let target = ((values[10] * 10.0).round() as usize) - 1;
        env.reset(Some(1));
        let informative = env.step(&Action::Discrete(10)).unwrap();
        assert!((informative.reward - 0.1 * (target + 1) as f64).abs() < 1e-12);
        assert_eq!(informative.info.get("best_expected_reward"), Some(5.0));
        assert_eq!(env.step(&Action::Discrete(target)).unwrap().reward, 5.0);
        assert_eq!(
            env.step(&Action::Discrete((target + 1) % 10))
                .unwrap()
                .reward,
            1.0
        );
        assert!(!env.step(&Action::Discrete(target)).unwrap().terminated);
        assert!(env.step(&Action::Discrete(target)).unwrap().terminated);
    }

    #[test]
    fn sampling_repeats_with_the_rng_state() {
        let tasks = BanditTasks::from_spec("bandit-bernoulli:arms=3").unwrap();
        let arms = |seed| tasks.sample(&mut rng_from_seed(seed)).arms().clone();
        assert_eq!(arms(1), arms(1));
        assert_ne!(arms(1), arms(2));
    }

    #[test]
    fn task_does_not_change_on_reset() {
        let tasks = BanditTasks::from_spec("bandit-gaussian:arms=4").unwrap();
        let mut env = tasks.sample(&mut rng_from_seed(8));
        let before = env.arms().clone();
        for seed in [Some(1), None, Some(2)] {
            env.reset(seed);
            env.step(&Action::Discrete(0)).unwrap();
            assert_eq!(env.arms(), &before);
        }
    }
}
