//! The environment contract of lsnn-rl.
//!
//! # Example
//!
//! A task of your own, registered, played through the meta-RL trial wrapper,
//! and scored with [`evaluate`]. Two doors; one hides a prize, and each trial
//! hides it anew, so a good policy has to find it within the trial.
//!
//! ```
//! use lsnn_rl_env::{
//!     Action, Env, EnvError, Info, MetaInputs, ParamInfo, Policy, Registry, RegistryEntry, Rng,
//!     Space, Step, TaskDistribution, Trial, evaluate, rng_from_seed,
//! };
//! use rand::Rng as _;
//!
//! /// One task: the prize is behind door `prize`; an episode is `pulls` pulls.
//! struct Doors {
//!     prize: usize,
//!     pulls: usize,
//!     pulled: Option<usize>, // None until the first reset
//!     observation_space: Space,
//!     action_space: Space,
//! }
//!
//! impl Env for Doors {
//!     fn name(&self) -> &str { "doors" }
//!     fn observation_space(&self) -> &Space { &self.observation_space }
//!     fn action_space(&self) -> &Space { &self.action_space }
//!     fn max_episode_steps(&self) -> Option<usize> { Some(self.pulls) }
//!
//!     fn reset(&mut self, _seed: Option<u64>) -> (Vec<f32>, Info) {
//!         self.pulled = Some(0);
//!         (vec![], Info::new())
//!     }
//!
//!     fn step(&mut self, action: &Action) -> Result<Step, EnvError> {
//!         // NotReset before the first reset, EpisodeOver after the last pull.
//!         let pulled = EnvError::running("doors", self.pulled, |&p| p == self.pulls)?;
//!         let &Action::Discrete(door @ 0..=1) = action else {
//!             return Err(EnvError::invalid_action("doors", action, &self.action_space));
//!         };
//!         self.pulled = Some(pulled + 1);
//!         let reward = if door == self.prize { 1.0 } else { 0.0 };
//!         Ok(Step {
//!             obs: vec![],
//!             reward,
//!             terminated: pulled + 1 == self.pulls,
//!             truncated: false,
//!             // With these two keys, `evaluate` reports exact regret.
//!             info: Info::new()
//!                 .with("expected_reward", reward)
//!                 .with("best_expected_reward", 1.0),
//!         })
//!     }
//! }
//!
//! /// The family of tasks: each draws the prize door uniformly.
//! struct DoorTasks {
//!     spec: String,
//!     pulls: usize,
//! }
//!
//! impl TaskDistribution for DoorTasks {
//!     fn spec(&self) -> &str { &self.spec }
//!     fn observation_space(&self) -> Space { Space::uniform_box(0.0, 0.0, &[0]) }
//!     fn action_space(&self) -> Space { Space::discrete(2) }
//!
//!     fn sample_task(&self, rng: &mut Rng) -> Box<dyn Env> {
//!         Box::new(Doors {
//!             prize: rng.random_range(0..2),
//!             pulls: self.pulls,
//!             pulled: None,
//!             observation_space: self.observation_space(),
//!             action_space: self.action_space(),
//!         })
//!     }
//! }
//!
//! // Register it under an id with one parameter; a spec string builds it.
//! let mut registry = Registry::new();
//! registry.register(RegistryEntry::new(
//!     "doors",
//!     "two doors, one hides a prize",
//!     vec![ParamInfo::new("pulls", "10", "pulls per trial, at least 1")],
//!     |p| {
//!         Ok(Box::new(DoorTasks {
//!             spec: p.canonical_spec(),
//!             pulls: p.usize_at_least("pulls", 1)?,
//!         }))
//!     },
//! ))?;
//! let dist = registry.make("doors:pulls=4")?;
//! assert_eq!(dist.spec(), "doors:pulls=4");
//! let err = registry.make("doors:pulls=0").err().unwrap();
//! assert_eq!(err.to_string(), "doors: pulls=0 is invalid: pulls must be at least 1");
//!
//! // One trial. The task shows nothing, so the observation is only the
//! // meta-RL inputs: the previous action one-hot (2), the previous reward,
//! // the done flag, and the step index over the trial length.
//! let task = dist.sample_task(&mut rng_from_seed(7));
//! let mut trial = Trial::new(task, dist.episodes_per_trial(), MetaInputs::all())?;
//! let (obs, _) = trial.reset(Some(0));
//! assert_eq!(obs, [0.0; 5]);
//! let step = trial.step(&Action::Discrete(1))?;
//! assert_eq!(step.obs, [0.0, 1.0, step.reward as f32, 0.0, 0.25]);
//!
//! /// Win-stay, lose-shift: keeps the door that paid, switches after a miss.
//! struct WinStay {
//!     door: usize,
//! }
//!
//! impl Policy for WinStay {
//!     fn name(&self) -> &str { "win-stay" }
//!
//!     fn start_trial(&mut self, _space: &Space, _steps: usize) -> Result<(), String> {
//!         self.door = 0;
//!         Ok(())
//!     }
//!
//!     fn act(&mut self, _obs: &[f32], _rng: &mut Rng) -> Action {
//!         Action::Discrete(self.door)
//!     }
//!
//!     fn observe(&mut self, _action: &Action, step: &Step) -> Result<(), String> {
//!         if step.reward == 0.0 {
//!             self.door = 1 - self.door;
//!         }
//!         Ok(())
//!     }
//! }
//!
//! // Score it on 100 trials: it misses at most once per trial, on the
//! // trials whose prize is behind door 1 (about half of them).
//! let outcomes = evaluate(dist.as_ref(), &mut WinStay { door: 0 }, 100, 1)?;
//! assert!(outcomes.iter().all(|o| o.steps == 4 && o.regret.unwrap() <= 1.0));
//! let missed = outcomes.iter().filter(|o| o.regret == Some(1.0)).count();
//! assert!((30..70).contains(&missed), "{missed} trials missed");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # What is here
//!
//! Everything an agent or trainer needs to know about a task lives here, and
//! nothing here knows about tensors:
//!
//! - [`Space`]: `Discrete(n)` and `Box(low, high, shape)`;
//! - [`Env`]: the Gymnasium-style `reset` / `step` contract;
//! - [`TaskDistribution`]: a family of tasks for meta-RL, from which each
//!   trial draws one;
//! - [`Trial`]: runs one or more episodes on one task and appends the meta-RL
//!   inputs (previous action, previous reward, episode-done flag, step index);
//! - [`VecEnv`]: B trials stepped in lockstep with NEXT_STEP autoreset;
//! - [`Registry`]: builds any registered environment from a spec string such
//!   as `bandit-bernoulli:arms=5,pulls=100`;
//! - [`Policy`] and [`evaluate`]: the small interface non-neural agents
//!   implement, and the loop that scores them;
//! - [`GoalTracker`] and [`GoalSummary`]: the goal statistics of navigation
//!   trials (goals reached, steps to the first, detour of the later ones),
//!   read from the steps' info.
//!
//! Randomness goes through [`Rng`] (ChaCha8), so a seed means the same
//! trajectory on every machine.

mod env;
mod episodes;
mod goals;
mod interval;
mod policy;
mod registry;
mod rng;
mod space;
pub mod storage;
mod summary;
mod task;
pub mod testing;
mod trial;
mod variables;
mod vector;

pub use env::{Action, Env, EnvError, Info, Step};
pub use episodes::{EPISODE_END, EpisodeOutcome, EpisodeStats, EpisodeSummary, EpisodeTracker};
pub use goals::{
    GOAL_REACHED, GoalOutcome, GoalSummary, GoalTracker, MeanInterval, SEGMENT_STEPS,
    SHORTEST_PATH, is_goal_task,
};
pub use interval::{ci95_normal, ci95_student_t, t975};
pub use policy::{
    Policy, RunError, TrialOutcome, evaluate, evaluate_logged, run_trial, start_eval_trial,
    start_eval_trial_with_info,
};
pub use registry::{EnvSpec, ParamInfo, Params, Registry, RegistryEntry, SpecError};
pub use rng::{Rng, derive_seed, rng_from_seed};
pub use space::{BoxSpace, Space};
pub use summary::{EvalAccumulator, EvalSummary};
pub use task::{Objective, TARGET, TaskDistribution};
pub use trial::{MetaInputs, Trial};
pub use variables::{TaskVariable, UnknownVariable, VariableKind, find_variable};
pub use vector::{VecEnv, VecStep};
