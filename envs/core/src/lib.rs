//! The environment contract of lsnn-rl.
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
mod summary;
mod task;
pub mod testing;
mod trial;
mod vector;

pub use env::{Action, Env, EnvError, Info, Step};
pub use episodes::{EPISODE_END, EpisodeOutcome, EpisodeStats, EpisodeSummary, EpisodeTracker};
pub use goals::{
    GOAL_REACHED, GoalOutcome, GoalSummary, GoalTracker, MeanInterval, SEGMENT_STEPS,
    SHORTEST_PATH, is_goal_task,
};
pub use interval::{ci95_normal, ci95_student_t, mean_ci95, t975};
pub use policy::{
    Policy, RunError, TrialOutcome, evaluate, evaluate_logged, run_trial, start_eval_trial,
    start_eval_trial_with_info,
};
pub use registry::{EnvSpec, ParamInfo, Params, Registry, RegistryEntry, SpecError};
pub use rng::{Rng, derive_seed, rng_from_seed};
pub use space::{BoxSpace, Space};
pub use summary::{EvalAccumulator, EvalSummary};
pub use task::TaskDistribution;
pub use trial::{MetaInputs, Trial};
pub use vector::{VecEnv, VecStep};
