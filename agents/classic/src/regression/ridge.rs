//! Kernel ridge regression on the examples of a trial, around the family's
//! mean function, with its parameters tuned on the family's training tasks.

use linfa_linalg::triangular::{SolveTriangularInplace, UPLO};
use ndarray::{Array2, Slice};

use lsnn_rl_env::{Action, Info, Policy, Rng, Space, Step, TaskDistribution};

use super::{
    BinnedMean, Example, TUNING_SALT, check_observation, check_prediction, prediction,
    prediction_bounds, training_trials,
};

/// The length scales the tuning tries.
pub const LENGTHSCALE_GRID: [f64; 8] = [0.1, 0.2, 0.35, 0.5, 0.75, 1.0, 1.5, 2.0];

/// The ridges the tuning tries.
pub const LAMBDA_GRID: [f64; 4] = [1e-4, 1e-3, 1e-2, 1e-1];

/// Training tasks the tuning plays ([`super::TUNING_SALT`]'s first ones).
pub const TUNING_TRIALS: usize = 200;

/// Examples of each training task the tuning scores: the predictions made
/// after 0 to 19 examples.
pub const TUNING_EXAMPLES: usize = 20;

/// The most examples of one trial the regression fits: the first 1000 (its
/// Cholesky factor takes capacity^2 floats; later examples are predicted
/// but not added).
pub const MAX_FITTED_EXAMPLES: usize = 1000;

/// The pivot floor for a ridge of 0: a jitter that keeps repeated inputs
/// solvable.
const JITTER: f64 = 1e-10;

/// The kernel and ridge of [`KernelRidge`]: k(a, b) = exp(-|a - b|^2 /
/// (2 lengthscale^2)), ridge `lambda`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct RidgeParams {
    /// Length scale of the Gaussian kernel, > 0.
    pub lengthscale: f64,
    /// Ridge added to the kernel matrix's diagonal, >= 0.
    pub lambda: f64,
}

impl RidgeParams {
    /// Whether `lengthscale` is valid: finite and > 0.
    pub fn valid_lengthscale(lengthscale: f64) -> bool {
        lengthscale.is_finite() && lengthscale > 0.0
    }

    /// Whether `lambda` is valid: finite and >= 0.
    pub fn valid_lambda(lambda: f64) -> bool {
        lambda.is_finite() && lambda >= 0.0
    }
}

/// The regression on the examples of one trial, grown one example at a
/// time: with X the inputs seen, r = y - m(X) their targets' residuals from
/// the prior mean m, and L the Cholesky factor of K + lambda I
/// (K_ij = k(x_i, x_j)), the prediction at x is
/// m(x) + k(X, x)^T (K + lambda I)^{-1} r = m(x) + (L^{-1} k(X, x)) . (L^{-1} r).
/// Adding an example appends a row to L and an entry to L^{-1} r, so each
/// step costs O(n^2), not a new O(n^3) factorisation.
#[derive(Clone, Debug)]
struct Model {
    params: RidgeParams,
    inputs: usize,
    /// The inputs seen, `[n, inputs]` row-major.
    xs: Vec<f64>,
    /// `[capacity, capacity]`; rows `..n` hold L, zero above the diagonal.
    factor: Array2<f64>,
    /// L^{-1} r.
    z: Vec<f64>,
}

/// A prediction at an input, with what adding the input's target needs.
#[derive(Clone, Debug)]
struct Query {
    x: Vec<f64>,
    /// m(x).
    prior: f64,
    /// L^{-1} k(X, x): the row of L the input adds as an example.
    v: Vec<f64>,
    /// v . L^{-1} r: the correction to the prior.
    correction: f64,
}

impl Query {
    fn value(&self) -> f64 {
        self.prior + self.correction
    }
}

impl Model {
    fn new(params: RidgeParams, inputs: usize, capacity: usize) -> Self {
        Self {
            params,
            inputs,
            xs: Vec::new(),
            factor: Array2::zeros((capacity, capacity)),
            z: Vec::new(),
        }
    }

    /// Forgets the examples; keeps the factor's memory when the capacity
    /// stays.
    fn restart(&mut self, capacity: usize) {
        self.xs.clear();
        self.z.clear();
        if self.factor.nrows() != capacity {
            self.factor = Array2::zeros((capacity, capacity));
        }
    }

    fn examples(&self) -> usize {
        self.z.len()
    }

    fn kernel(&self, a: &[f64], b: &[f64]) -> f64 {
        let sq: f64 = a.iter().zip(b).map(|(a, b)| (a - b) * (a - b)).sum();
        (-sq / (2.0 * self.params.lengthscale * self.params.lengthscale)).exp()
    }

    fn query(&self, x: Vec<f64>, prior: f64) -> Query {
        let n = self.examples();
        let v: Vec<f64> = if n == 0 {
            Vec::new()
        } else {
            let mut k = Array2::from_shape_fn((n, 1), |(i, _)| {
                self.kernel(&self.xs[i * self.inputs..(i + 1) * self.inputs], &x)
            });
            self.factor
                .slice_each_axis(|_| Slice::from(..n))
                .solve_triangular_inplace(&mut k, UPLO::Lower)
                .expect("the factor is square and k has a row per example");
            k.into_iter().collect()
        };
        let correction = v.iter().zip(&self.z).map(|(v, z)| v * z).sum();
        Query {
            x,
            prior,
            v,
            correction,
        }
    }

    /// Adds the example (query.x, y); ignored once the capacity is full.
    fn add(&mut self, query: Query, y: f64) {
        let n = self.examples();
        if n == self.factor.nrows() {
            return;
        }
        // The Schur complement k(x, x) + lambda - |v|^2 is at least lambda in
        // exact arithmetic; rounding below it is clamped there.
        let lambda = self.params.lambda;
        let schur = 1.0 + lambda - query.v.iter().map(|v| v * v).sum::<f64>();
        let pivot = schur.max(lambda.max(JITTER)).sqrt();
        let mut row = self.factor.row_mut(n);
        for (i, &v) in query.v.iter().enumerate() {
            row[i] = v;
        }
        row[n] = pivot;
        row.iter_mut().skip(n + 1).for_each(|v| *v = 0.0);
        self.z.push((y - query.prior - query.correction) / pivot);
        self.xs.extend_from_slice(&query.x);
    }
}

/// The mean squared error of `params` on `trials`, each played from no
/// examples (predictions clamped into `bounds`).
fn tuning_error(
    params: RidgeParams,
    mean: &BinnedMean,
    trials: &[Vec<Example>],
    bounds: (f32, f32),
) -> f64 {
    let (mut sum, mut count) = (0.0, 0usize);
    for trial in trials {
        let mut model = Model::new(params, mean.inputs(), trial.len());
        for (x, y) in trial {
            let query = model.query(x.clone(), mean.eval(x));
            let predicted = (query.value() as f32).clamp(bounds.0, bounds.1) as f64;
            sum += (predicted - y) * (predicted - y);
            count += 1;
            model.add(query, *y);
        }
    }
    sum / count.max(1) as f64
}

/// Few-shot kernel ridge regression: the prediction after the examples
/// (X, y) of the trial so far is
/// m(x) + k(x, X) (K + lambda I)^{-1} (y - m(X)), with the Gaussian kernel
/// k(a, b) = exp(-|a - b|^2 / (2 l^2)) and the family's mean function m
/// ([`BinnedMean`]) as the prior mean: with no example it predicts the family
/// mean, as [`super::FamilyMean`]. Predictions are clamped into the action
/// space.
///
/// The examples come from the observations: the target y_{t-1} the
/// observation of step t shows (teacher flag 1) pairs with the input x_{t-1}
/// of the step before. The first [`MAX_FITTED_EXAMPLES`] of a trial are
/// fitted.
///
/// `prepare` estimates m and tunes what the spec leaves open: the length
/// scale over [`LENGTHSCALE_GRID`] and the ridge over [`LAMBDA_GRID`],
/// minimising the mean squared error of the predictions after 0 to
/// [`TUNING_EXAMPLES`] - 1 examples on [`TUNING_TRIALS`] training tasks of
/// the family ([`super::TUNING_SALT`]'s stream, other tasks than the
/// mean's). Ties go to the first in grid order.
#[derive(Clone, Debug)]
pub struct KernelRidge {
    fixed_lengthscale: Option<f64>,
    fixed_lambda: Option<f64>,
    prepared: Option<Prepared>,
    trial: Option<TrialState>,
}

/// What `prepare` found.
#[derive(Clone, Debug)]
struct Prepared {
    mean: BinnedMean,
    params: RidgeParams,
    tuning_error: Option<f64>,
}

/// The current trial.
#[derive(Clone, Debug)]
struct TrialState {
    model: Model,
    bounds: (f32, f32),
    /// The last prediction, waiting for its target.
    pending: Option<Query>,
}

impl KernelRidge {
    /// A regression whose length scale and ridge are given (`Some`) or left
    /// to the tuning in `prepare` (`None`).
    ///
    /// # Panics
    ///
    /// If a given length scale is not finite and > 0, or a given ridge not
    /// finite and >= 0 ([`crate::make_policy`] reports such specs as
    /// errors).
    pub fn new(lengthscale: Option<f64>, lambda: Option<f64>) -> Self {
        if let Some(l) = lengthscale {
            assert!(
                RidgeParams::valid_lengthscale(l),
                "kernel-ridge: lengthscale {l} is not finite and > 0"
            );
        }
        if let Some(lambda) = lambda {
            assert!(
                RidgeParams::valid_lambda(lambda),
                "kernel-ridge: lambda {lambda} is not finite and >= 0"
            );
        }
        Self {
            fixed_lengthscale: lengthscale,
            fixed_lambda: lambda,
            prepared: None,
            trial: None,
        }
    }

    /// A regression with both parameters tuned in `prepare`.
    pub fn tuned() -> Self {
        Self::new(None, None)
    }

    /// The kernel and ridge in use, once prepared.
    pub fn params(&self) -> Option<RidgeParams> {
        self.prepared.as_ref().map(|p| p.params)
    }

    /// The mean squared error of [`KernelRidge::params`] on the tuning tasks;
    /// `None` before `prepare`, or when the spec fixed both parameters (no
    /// tuning ran).
    pub fn tuning_error(&self) -> Option<f64> {
        self.prepared.as_ref().and_then(|p| p.tuning_error)
    }

    /// The prior mean, once prepared.
    pub fn mean_function(&self) -> Option<&BinnedMean> {
        self.prepared.as_ref().map(|p| &p.mean)
    }
}

impl Policy for KernelRidge {
    fn name(&self) -> &str {
        "kernel-ridge"
    }

    fn prepare(&mut self, dist: &dyn TaskDistribution) -> Result<(), String> {
        self.prepared = None;
        let mean = BinnedMean::estimate(self.name(), dist)?;
        let (params, tuning_error) = match (self.fixed_lengthscale, self.fixed_lambda) {
            (Some(lengthscale), Some(lambda)) => (
                RidgeParams {
                    lengthscale,
                    lambda,
                },
                None,
            ),
            (lengthscale, lambda) => {
                let bounds = prediction_bounds(self.name(), &dist.action_space())?;
                let trials = training_trials(
                    self.name(),
                    dist,
                    TUNING_SALT,
                    mean.inputs(),
                    TUNING_EXAMPLES,
                    (TUNING_TRIALS, usize::MAX),
                )?;
                let lengthscales = lengthscale.map_or(LENGTHSCALE_GRID.to_vec(), |l| vec![l]);
                let lambdas = lambda.map_or(LAMBDA_GRID.to_vec(), |l| vec![l]);
                let mut best: Option<(RidgeParams, f64)> = None;
                for &lengthscale in &lengthscales {
                    for &lambda in &lambdas {
                        let params = RidgeParams {
                            lengthscale,
                            lambda,
                        };
                        let error = tuning_error(params, &mean, &trials, bounds);
                        if best.is_none_or(|(_, e)| error < e) {
                            best = Some((params, error));
                        }
                    }
                }
                let (params, error) = best.expect("the grids are not empty");
                (params, Some(error))
            }
        };
        self.prepared = Some(Prepared {
            mean,
            params,
            tuning_error,
        });
        Ok(())
    }

    fn start_trial(&mut self, action_space: &Space, trial_steps: usize) -> Result<(), String> {
        let bounds = prediction_bounds(self.name(), action_space)?;
        let Some(prepared) = &self.prepared else {
            return Err(format!(
                "{}: start_trial before prepare; prepare it on its task family first (evaluate does)",
                self.name()
            ));
        };
        let capacity = trial_steps.min(MAX_FITTED_EXAMPLES);
        match &mut self.trial {
            Some(trial) if trial.model.params == prepared.params => {
                trial.model.restart(capacity);
                trial.bounds = bounds;
                trial.pending = None;
            }
            _ => {
                self.trial = Some(TrialState {
                    model: Model::new(prepared.params, prepared.mean.inputs(), capacity),
                    bounds,
                    pending: None,
                });
            }
        }
        Ok(())
    }

    fn observe_reset(&mut self, obs: &[f32], _info: &Info) -> Result<(), String> {
        let d = self.prepared.as_ref().map_or(0, |p| p.mean.inputs());
        check_observation(self.name(), obs, d)
    }

    fn act(&mut self, obs: &[f32], _rng: &mut Rng) -> Action {
        let (Some(prepared), Some(trial)) = (&self.prepared, &mut self.trial) else {
            panic!("kernel-ridge: act called before start_trial");
        };
        let d = prepared.mean.inputs();
        // The target of the previous prediction, when the teacher shows it.
        if obs[d + 1] > 0.5
            && let Some(query) = trial.pending.take()
        {
            trial.model.add(query, obs[d] as f64);
        }
        let x: Vec<f64> = obs[..d].iter().map(|&v| v as f64).collect();
        let prior = prepared.mean.eval(&x);
        let query = trial.model.query(x, prior);
        let action = prediction(query.value(), trial.bounds);
        trial.pending = Some(query);
        action
    }

    fn observe(&mut self, action: &Action, _step: &Step) -> Result<(), String> {
        check_prediction(self.name(), action)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use linfa_linalg::cholesky::SolveC;

    /// The incremental factor predicts what one batch solve of
    /// (K + lambda I) alpha = r predicts.
    #[test]
    fn the_grown_factor_matches_a_batch_solve() {
        let params = RidgeParams {
            lengthscale: 0.4,
            lambda: 1e-3,
        };
        let xs = [
            [0.1, -0.5],
            [0.7, 0.2],
            [-0.9, 0.9],
            [0.15, -0.45],
            [0.0, 0.0],
        ];
        let ys = [0.3, -1.2, 0.8, 0.35, 2.0];
        let prior = |x: &[f64]| 0.1 * x[0];
        let mut model = Model::new(params, 2, 10);
        for (x, &y) in xs.iter().zip(&ys) {
            let query = model.query(x.to_vec(), prior(x));
            model.add(query, y);
        }
        let at = [0.3, -0.1];
        let incremental = model.query(at.to_vec(), prior(&at)).value();

        let n = xs.len();
        let mut gram = Array2::from_shape_fn((n, n), |(i, j)| {
            model.kernel(&xs[i], &xs[j]) + if i == j { params.lambda } else { 0.0 }
        });
        let r = Array2::from_shape_fn((n, 1), |(i, _)| ys[i] - prior(&xs[i]));
        let alpha = gram.solvec(&r).unwrap();
        let batch = prior(&at)
            + (0..n)
                .map(|i| model.kernel(&xs[i], &at) * alpha[[i, 0]])
                .sum::<f64>();
        assert!(
            (incremental - batch).abs() < 1e-9,
            "{incremental} vs {batch}"
        );
    }

    #[test]
    fn a_full_model_keeps_its_first_examples() {
        let params = RidgeParams {
            lengthscale: 0.5,
            lambda: 0.0,
        };
        let mut model = Model::new(params, 1, 2);
        for (x, y) in [(0.0, 1.0), (0.0, 1.0), (0.5, -1.0)] {
            let query = model.query(vec![x], 0.0);
            model.add(query, y);
        }
        assert_eq!(model.examples(), 2);
        // A repeated input with lambda = 0 stays solvable (the jitter).
        let value = model.query(vec![0.0], 0.0).value();
        assert!((value - 1.0).abs() < 1e-6, "{value}");
    }
}
