//! Cross-validated linear decoders: how well a task variable (where the
//! goal is, which arm pays) can be read out, linearly, from a recorded part
//! of a network's state.
//!
//! Samples are grouped by trial: the folds of the cross-validation split
//! trials, never the steps of one trial, so a decoder is always scored on
//! trials it has not seen. The penalty of each decoder is chosen by an inner
//! cross-validation on the training trials only. The chance level is the
//! same procedure run on labels shuffled between trials.
//!
//! Continuous variables are decoded by ridge regression (scored by R² on
//! held-out trials), categorical ones by multinomial logistic regression
//! (scored by accuracy). Nothing here knows about networks or tensors.
//!
//! # Example
//!
//! A planted signal: the first feature is the label plus a little noise.
//!
//! ```
//! use lsnn_rl_decode::{CvOptions, Labels, cross_validate};
//! use ndarray::Array2;
//!
//! let n = 60;
//! let labels: Vec<usize> = (0..n).map(|i| i % 2).collect();
//! let x = Array2::from_shape_fn((n, 3), |(i, j)| {
//!     let noise = ((i * 7 + j * 13) % 11) as f64 / 11.0 - 0.5;
//!     if j == 0 { labels[i] as f64 + 0.2 * noise } else { noise }
//! });
//! let groups: Vec<u64> = (0..n as u64).collect();
//! let score = cross_validate(x.view(), &Labels::Categorical(labels), &groups, &CvOptions::default())
//!     .unwrap();
//! assert!(score.score > 0.95);
//! assert!(score.chance < 0.8);
//! ```

mod cv;
mod error;
mod folds;
mod logistic;
mod ridge;
mod scaling;

pub use cv::{
    CvOptions, DecodeScore, Labels, Metric, cross_validate, shuffled_labels, trial_splits,
};
pub use error::DecodeError;
pub use folds::group_folds;
pub use logistic::Logistic;
pub use ridge::Ridge;
pub use scaling::Standardizer;
