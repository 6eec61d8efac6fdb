//! What can stop a decoder.

/// Why a decoder could not be fitted or scored.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum DecodeError {
    /// Fewer trials than folds: nothing would be left to test on.
    #[error(
        "{groups} trials cannot be split into {folds} folds; record at least {folds} trials (--trials)"
    )]
    TooFewGroups {
        /// Distinct trials in the samples.
        groups: usize,
        /// Folds asked for.
        folds: usize,
    },
    /// The features, labels and groups do not have one row each per sample.
    #[error("{what}: expected {expected} rows, got {got}")]
    Shape {
        /// Which input.
        what: &'static str,
        /// Rows of the features.
        expected: usize,
        /// Rows given.
        got: usize,
    },
    /// A feature or label is NaN or infinite.
    #[error("the {0} hold a NaN or infinite value")]
    NonFinite(&'static str),
    /// The linear solver failed.
    #[error("solver: {0}")]
    Solver(String),
}
