//! Nested cross-validation over trials, and the chance level from shuffled
//! labels.

use ndarray::{Array1, ArrayView2, Axis};
use rand::SeedableRng;
use rand::seq::SliceRandom;
use rand_chacha::ChaCha8Rng;

use crate::DecodeError;
use crate::folds::{count_groups, group_folds};
use crate::logistic::{Logistic, accuracy};
use crate::ridge::{Ridge, r2};

/// The labels of the samples: a continuous variable (ridge regression,
/// scored by R²) or a class index (logistic regression, scored by accuracy).
#[derive(Clone, Debug, PartialEq)]
pub enum Labels {
    /// A number per sample (a goal coordinate, an arm's mean).
    Continuous(Vec<f64>),
    /// A class per sample (the best arm).
    Categorical(Vec<usize>),
}

impl Labels {
    /// Samples labelled.
    pub fn len(&self) -> usize {
        match self {
            Labels::Continuous(v) => v.len(),
            Labels::Categorical(v) => v.len(),
        }
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The metric its decoders are scored by.
    pub fn metric(&self) -> Metric {
        match self {
            Labels::Continuous(_) => Metric::R2,
            Labels::Categorical(_) => Metric::Accuracy,
        }
    }

    fn select(&self, rows: &[usize]) -> Labels {
        match self {
            Labels::Continuous(v) => Labels::Continuous(rows.iter().map(|&i| v[i]).collect()),
            Labels::Categorical(v) => Labels::Categorical(rows.iter().map(|&i| v[i]).collect()),
        }
    }
}

/// How a decoder is scored on held-out trials.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Metric {
    /// Coefficient of determination (1 perfect, 0 no better than the mean).
    R2,
    /// Share of correct classes.
    Accuracy,
}

impl Metric {
    /// The name in CSV files and plots.
    pub fn as_str(self) -> &'static str {
        match self {
            Metric::R2 => "r2",
            Metric::Accuracy => "accuracy",
        }
    }
}

/// The cross-validation's settings.
#[derive(Clone, Debug, PartialEq)]
pub struct CvOptions {
    /// Outer folds (held-out trials per fold: 1/folds of them).
    pub folds: usize,
    /// Inner folds that choose the penalty on the training trials.
    pub inner_folds: usize,
    /// Label shuffles for the chance level.
    pub shuffles: usize,
    /// Penalties the inner cross-validation chooses from (ridge λ or the
    /// logistic L2 weight, on standardised features).
    pub penalties: Vec<f64>,
    /// Seed of the folds and shuffles.
    pub seed: u64,
}

impl Default for CvOptions {
    fn default() -> Self {
        Self {
            folds: 5,
            inner_folds: 3,
            shuffles: 3,
            penalties: vec![0.1, 1.0, 10.0, 100.0, 1000.0],
            seed: 0,
        }
    }
}

/// A decoder's held-out score and the chance level beside it.
#[derive(Clone, Debug, PartialEq)]
pub struct DecodeScore {
    /// The metric of `score` and `chance`.
    pub metric: Metric,
    /// Mean held-out score over the outer folds.
    pub score: f64,
    /// Half-width of its 95% interval (Student's t over the folds).
    pub ci95: f64,
    /// Each outer fold's score.
    pub fold_scores: Vec<f64>,
    /// Mean score of the same procedure on shuffled labels.
    pub chance: f64,
    /// Standard deviation of the shuffled scores (0 for one shuffle).
    pub chance_sd: f64,
    /// Samples and distinct trials decoded.
    pub samples: usize,
    /// Distinct trials.
    pub trials: usize,
}

/// Scores decoders of `labels` from the rows of `x` (one per sample) by
/// nested cross-validation with folds over `groups` (the trial of each
/// sample), and the chance level from `options.shuffles` shufflings of the
/// labels between trials.
pub fn cross_validate(
    x: ArrayView2<f64>,
    labels: &Labels,
    groups: &[u64],
    options: &CvOptions,
) -> Result<DecodeScore, DecodeError> {
    check_inputs(x, labels, groups, options)?;
    let fold_scores = nested_scores(x, labels, groups, options, options.seed)?;
    let (score, ci95) = mean_ci(&fold_scores);
    let mut shuffled = Vec::with_capacity(options.shuffles);
    for s in 0..options.shuffles {
        let seed = options.seed ^ (0xC0FF_EE00 + s as u64);
        let permuted = shuffled_labels(labels, groups, seed);
        let scores = nested_scores(x, &permuted, groups, options, options.seed)?;
        shuffled.push(scores.iter().sum::<f64>() / scores.len() as f64);
    }
    let chance = if shuffled.is_empty() {
        f64::NAN
    } else {
        shuffled.iter().sum::<f64>() / shuffled.len() as f64
    };
    let chance_sd = if shuffled.len() < 2 {
        0.0
    } else {
        (shuffled.iter().map(|s| (s - chance).powi(2)).sum::<f64>() / (shuffled.len() - 1) as f64)
            .sqrt()
    };
    Ok(DecodeScore {
        metric: labels.metric(),
        score,
        ci95,
        fold_scores,
        chance,
        chance_sd,
        samples: labels.len(),
        trials: count_groups(groups),
    })
}

fn check_inputs(
    x: ArrayView2<f64>,
    labels: &Labels,
    groups: &[u64],
    options: &CvOptions,
) -> Result<(), DecodeError> {
    let rows = x.nrows();
    for (what, got) in [("labels", labels.len()), ("trials", groups.len())] {
        if got != rows {
            return Err(DecodeError::Shape {
                what,
                expected: rows,
                got,
            });
        }
    }
    if x.iter().any(|v| !v.is_finite()) {
        return Err(DecodeError::NonFinite("features"));
    }
    if let Labels::Continuous(v) = labels
        && v.iter().any(|v| !v.is_finite())
    {
        return Err(DecodeError::NonFinite("labels"));
    }
    let trials = count_groups(groups);
    let needed = options.folds.max(2) * options.inner_folds.max(1);
    if trials < needed {
        return Err(DecodeError::TooFewGroups {
            groups: trials,
            folds: needed,
        });
    }
    Ok(())
}

/// The labels moved between trials: trial g takes the labels of trial
/// π(g) (its i-th sample the i-th of π(g)'s, cycling when π(g) has fewer), so
/// the structure within a trial stays and only its link to the state breaks.
pub fn shuffled_labels(labels: &Labels, groups: &[u64], seed: u64) -> Labels {
    let mut distinct: Vec<u64> = groups.to_vec();
    distinct.sort_unstable();
    distinct.dedup();
    let members: Vec<Vec<usize>> = distinct
        .iter()
        .map(|&g| (0..groups.len()).filter(|&i| groups[i] == g).collect())
        .collect();
    let mut order: Vec<usize> = (0..distinct.len()).collect();
    order.shuffle(&mut ChaCha8Rng::seed_from_u64(seed));
    let mut source = vec![0usize; groups.len()];
    for (g, rows) in members.iter().enumerate() {
        let from = &members[order[g]];
        for (k, &row) in rows.iter().enumerate() {
            source[row] = from[k % from.len()];
        }
    }
    labels.select(&source)
}

/// The outer folds' held-out scores, each with its penalty chosen by an
/// inner cross-validation on that fold's training trials.
fn nested_scores(
    x: ArrayView2<f64>,
    labels: &Labels,
    groups: &[u64],
    options: &CvOptions,
    seed: u64,
) -> Result<Vec<f64>, DecodeError> {
    let mut scores = Vec::with_capacity(options.folds);
    for (fold, (train, test)) in trial_splits(groups, options.folds, seed)
        .into_iter()
        .enumerate()
    {
        let train_groups: Vec<u64> = train.iter().map(|&i| groups[i]).collect();
        let penalty = choose_penalty(
            x,
            labels,
            &train,
            &train_groups,
            options,
            seed.wrapping_add(fold as u64 + 1),
        )?;
        scores.push(fit_and_score(x, labels, &train, &test, penalty)?);
    }
    Ok(scores)
}

/// The penalty with the best mean score over inner folds of `rows`.
fn choose_penalty(
    x: ArrayView2<f64>,
    labels: &Labels,
    rows: &[usize],
    groups: &[u64],
    options: &CvOptions,
    seed: u64,
) -> Result<f64, DecodeError> {
    let Some(&first) = options.penalties.first() else {
        return Ok(1.0);
    };
    if options.penalties.len() == 1 {
        return Ok(first);
    }
    let inner = trial_splits(groups, options.inner_folds, seed);
    let mut best = (f64::NEG_INFINITY, first);
    for &penalty in &options.penalties {
        let mut total = 0.0;
        for (train, test) in &inner {
            let train: Vec<usize> = train.iter().map(|&i| rows[i]).collect();
            let test: Vec<usize> = test.iter().map(|&i| rows[i]).collect();
            total += fit_and_score(x, labels, &train, &test, penalty)?;
        }
        // Strictly better only: ties keep the earlier (smaller) penalty.
        if total > best.0 {
            best = (total, penalty);
        }
    }
    Ok(best.1)
}

/// The training and test rows of each of `k` folds over `groups` (the
/// trial of each row): every trial's rows fall on one side of each split.
/// The outer and inner cross-validations both split this way.
pub fn trial_splits(groups: &[u64], k: usize, seed: u64) -> Vec<(Vec<usize>, Vec<usize>)> {
    let folds = group_folds(groups, k, seed);
    (0..k)
        .map(|fold| (0..folds.len()).partition(|&i| folds[i] != fold))
        .collect()
}

/// Fits on the `train` rows and scores on the `test` rows.
fn fit_and_score(
    x: ArrayView2<f64>,
    labels: &Labels,
    train: &[usize],
    test: &[usize],
    penalty: f64,
) -> Result<f64, DecodeError> {
    let x_train = x.select(Axis(0), train);
    let x_test = x.select(Axis(0), test);
    Ok(match labels {
        Labels::Continuous(y) => {
            let y_train: Array1<f64> = train.iter().map(|&i| y[i]).collect();
            let y_test: Array1<f64> = test.iter().map(|&i| y[i]).collect();
            let model = Ridge::fit(x_train.view(), y_train.view(), penalty)?;
            r2(y_test.view(), model.predict(x_test.view()).view())
        }
        Labels::Categorical(y) => {
            let y_train: Array1<usize> = train.iter().map(|&i| y[i]).collect();
            let y_test: Array1<usize> = test.iter().map(|&i| y[i]).collect();
            let model = Logistic::fit(x_train.view(), y_train.view(), penalty)?;
            accuracy(y_test.view(), model.predict(x_test.view()).view())
        }
    })
}

/// Mean and Student-t 95% half-width of the fold scores (NaN for one fold).
fn mean_ci(scores: &[f64]) -> (f64, f64) {
    let (mean, ci) = lsnn_rl_env::ci95_student_t(scores);
    (mean, ci.unwrap_or(f64::NAN))
}
