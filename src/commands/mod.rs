//! One module per subcommand. Each takes its typed request (and the
//! registry where it builds environments); none imports another, and what
//! several share lives in [`crate::common`].

pub mod analyze;
pub mod baselines;
pub mod bench;
pub mod config;
pub mod envs;
pub mod eval;
pub mod info;
pub mod plot;
pub mod render;
pub mod report;
pub mod sweep;
pub mod train;
