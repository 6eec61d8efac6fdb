//! What several commands share: the baselines' scoring and tables, the run
//! configuration, the pictures of a run, devices and threads, output
//! (tables, atomic files, progress).

pub mod agent;
pub mod analysis;
pub mod baselines;
pub mod config;
pub mod episodes;
pub mod fewshot;
pub mod lesions;
pub mod navigation;
pub mod output;
pub mod pictures;
pub mod recipes;
pub mod runtime;
