//! Bandit tasks for meta-RL.
//!
//! # Example
//!
//! Build a bandit from a spec, draw one task, and pull its arms.
//!
//! ```
//! use lsnn_rl_bandits::BanditTasks;
//! use lsnn_rl_env::{Action, Env, Registry, rng_from_seed};
//!
//! let mut registry = Registry::new();
//! lsnn_rl_bandits::register(&mut registry)?;
//! let dist = registry.make("bandit-bernoulli:arms=5,pulls=10")?;
//! let mut env = dist.sample_task(&mut rng_from_seed(3));
//! let (obs, _) = env.reset(Some(42));
//! assert!(obs.is_empty(), "a bandit shows nothing");
//! let first = env.step(&Action::Discrete(2))?;
//! assert!(first.reward == 0.0 || first.reward == 1.0);
//! assert_eq!(first.info.get("arm"), Some(2.0));
//!
//! // The typed distribution draws the same task from the same generator,
//! // and shows its arms: pulling the best one every time costs no regret.
//! let mut typed = BanditTasks::from_spec("bandit-bernoulli:arms=5,pulls=10")?
//!     .sample(&mut rng_from_seed(3));
//! let p = typed.expected_rewards().to_vec();
//! let best = (0..5).max_by(|&a, &b| p[a].total_cmp(&p[b])).unwrap();
//! assert_eq!(first.info.get("best_expected_reward"), Some(p[best]));
//! typed.reset(Some(42));
//! for pull in 1..=10 {
//!     let step = typed.step(&Action::Discrete(best))?;
//!     assert_eq!(step.info.get("expected_reward"), Some(p[best]));
//!     assert_eq!(step.info.get("best_expected_reward"), Some(p[best]));
//!     assert_eq!(step.terminated, pull == 10);
//! }
//! assert!(typed.step(&Action::Discrete(best)).is_err(), "the trial is over");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # The tasks
//!
//! [`register`] adds five task distributions to a [`lsnn_rl_env::Registry`]:
//!
//! - `bandit-bernoulli:arms=5,pulls=100`: independent Bernoulli arms,
//!   `p_i ~ U[0,1]` per trial (RL^2);
//! - `bandit-gaussian:arms=5,pulls=100,sigma=1`: means `mu_i ~ N(0,1)`,
//!   rewards `N(mu_a, sigma^2)`;
//! - `bandit-dependent:difficulty=uniform,pulls=100`: two arms with
//!   `p2 = 1 - p1` (Wang et al.);
//! - `bandit-eleven-arm:pulls=5,obs=none`: Wang et al.'s informative-arm task
//!   (`obs=payout` shows the last payout as a place code);
//! - `bandit-restless:volatility=low,pulls=100`: two arms whose
//!   probabilities drift during the trial.
//!
//! Every task is a [`BanditEnv`]: an empty observation (or the payout code),
//! `Discrete(arms)` actions, one episode of `pulls` pulls, and exact regret in each step's
//! info (`arm`, `expected_reward`, `best_expected_reward`), and the task
//! variables `best_arm` and `arm0_mean` that `lsnn-rl analyze decode` reads.

mod env;
mod specs;
mod tasks;

pub use env::{Arms, BanditEnv};
pub use specs::{MAX_ARMS, MAX_SIGMA, register};
pub use tasks::{BanditTasks, Difficulty, Prior, Volatility};
