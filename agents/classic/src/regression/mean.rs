//! The family's mean function, estimated by binning, and the policy that
//! predicts it.

use lsnn_rl_env::{Action, Info, Policy, Rng, Space, Step, TaskDistribution};

use super::{
    MEAN_SALT, check_observation, check_prediction, family_inputs, prediction, prediction_bounds,
    training_trials,
};

/// Bins per input by the number of inputs d = 1, 2, 3, 4: at most 1296 bins
/// in all, so that the samples fill each with hundreds of targets.
const BINS_PER_INPUT: [usize; 4] = [32, 16, 10, 6];

/// The most bins for more than four inputs (2 per input while they fit).
const MAX_BINS: usize = 4096;

/// Samples the estimate takes at least, and at least this many per bin.
const MIN_SAMPLES: usize = 200_000;
const SAMPLES_PER_BIN: usize = 200;

/// An estimate of a family's mean function m(x) = E_f[f(x)] on [-1, 1]^d:
/// the mean target in each cell of a regular grid, interpolated
/// multilinearly between the cell centres (constant beyond the outermost
/// centres). A cell that no sample fell in holds the overall mean.
#[derive(Clone, Debug, PartialEq)]
pub struct BinnedMean {
    inputs: usize,
    bins: usize,
    /// Mean target per cell; the cell of bin indices (k_0, k_1, ...) is at
    /// sum_j k_j bins^j.
    cells: Vec<f64>,
    overall: f64,
}

impl BinnedMean {
    /// The bins per input the estimate of a family with `inputs` inputs uses:
    /// 32, 16, 10, 6 for 1 to 4 inputs, 2 or 1 for more.
    pub fn bins_for(inputs: usize) -> usize {
        match inputs {
            1..=4 => BINS_PER_INPUT[inputs - 1],
            _ if inputs < 64 && 1usize << inputs <= MAX_BINS => 2,
            _ => 1,
        }
    }

    /// Averages the targets of `samples` (inputs in [-1, 1]^inputs, outside
    /// clamped to the nearest cell) over `bins` bins per input.
    ///
    /// # Panics
    ///
    /// If `inputs` or `bins` is 0, if the grid would have more than 2^24
    /// cells, or if a sample has another number of inputs.
    pub fn fit<'a>(
        inputs: usize,
        bins: usize,
        samples: impl IntoIterator<Item = (&'a [f64], f64)>,
    ) -> Self {
        assert!(
            inputs > 0 && bins > 0,
            "a binned mean needs inputs and bins"
        );
        let cell_count = u32::try_from(inputs)
            .ok()
            .and_then(|d| bins.checked_pow(d))
            .filter(|&c| c <= 1 << 24)
            .expect("a grid of at most 2^24 cells");
        let mut sums = vec![0.0; cell_count];
        let mut counts = vec![0usize; cell_count];
        let (mut total, mut n) = (0.0, 0usize);
        for (x, y) in samples {
            assert_eq!(x.len(), inputs, "a sample with the wrong number of inputs");
            let mut cell = 0;
            for &v in x.iter().rev() {
                let k = (((v + 1.0) / 2.0 * bins as f64).floor().max(0.0) as usize).min(bins - 1);
                cell = cell * bins + k;
            }
            sums[cell] += y;
            counts[cell] += 1;
            total += y;
            n += 1;
        }
        let overall = if n > 0 { total / n as f64 } else { 0.0 };
        let cells = sums
            .iter()
            .zip(&counts)
            .map(|(&s, &c)| if c > 0 { s / c as f64 } else { overall })
            .collect();
        Self {
            inputs,
            bins,
            cells,
            overall,
        }
    }

    /// Estimates the mean function of the regression family `dist` from its
    /// training stream ([`super::MEAN_SALT`]): its tasks are played with the
    /// prediction 0 and every step's input and target is a sample;
    /// max(200 000, 200 per cell) samples in all. `policy` names the caller
    /// in errors, which say why `dist` is not a regression family.
    pub fn estimate(policy: &str, dist: &dyn TaskDistribution) -> Result<Self, String> {
        let inputs = family_inputs(policy, dist)?;
        let bins = Self::bins_for(inputs);
        let samples = MIN_SAMPLES.max(SAMPLES_PER_BIN * bins.pow(inputs as u32));
        let trials = training_trials(
            policy,
            dist,
            MEAN_SALT,
            inputs,
            usize::MAX,
            (usize::MAX, samples),
        )?;
        Ok(Self::fit(
            inputs,
            bins,
            trials.iter().flatten().map(|(x, y)| (x.as_slice(), *y)),
        ))
    }

    /// The inputs of the functions.
    pub fn inputs(&self) -> usize {
        self.inputs
    }

    /// Bins per input.
    pub fn bins_per_input(&self) -> usize {
        self.bins
    }

    /// The mean of every sample.
    pub fn overall_mean(&self) -> f64 {
        self.overall
    }

    /// The estimate m(x); `x` holds at least [`BinnedMean::inputs`] values
    /// (the rest are ignored).
    pub fn eval(&self, x: &[f64]) -> f64 {
        let (d, bins) = (self.inputs, self.bins);
        if bins == 1 {
            return self.cells[0];
        }
        // The lower neighbouring centre and the weight of the upper one, per
        // input: centre k is at -1 + (k + 1/2) 2 / bins.
        let mut lower = [0usize; 64];
        let mut frac = [0f64; 64];
        for j in 0..d {
            let u = ((x[j] + 1.0) / 2.0 * bins as f64 - 0.5).clamp(0.0, (bins - 1) as f64);
            let k = (u.floor() as usize).min(bins - 2);
            lower[j] = k;
            frac[j] = u - k as f64;
        }
        let mut value = 0.0;
        for corner in 0..1usize << d {
            let (mut weight, mut cell, mut stride) = (1.0, 0, 1);
            for j in 0..d {
                let up = corner >> j & 1 == 1;
                weight *= if up { frac[j] } else { 1.0 - frac[j] };
                cell += (lower[j] + usize::from(up)) * stride;
                stride *= bins;
            }
            if weight != 0.0 {
                value += weight * self.cells[cell];
            }
        }
        value
    }
}

/// Predicts the family's mean function at each input, E_f[f(x)], estimated
/// in `prepare` ([`BinnedMean::estimate`]), and ignores the examples of the
/// trial: the best a learner can do without learning from the teacher.
#[derive(Clone, Debug, Default)]
pub struct FamilyMean {
    mean: Option<BinnedMean>,
    bounds: Option<(f32, f32)>,
}

impl FamilyMean {
    /// A policy that still has to be prepared on its family.
    pub fn new() -> Self {
        Self::default()
    }

    /// The mean function, once prepared.
    pub fn mean_function(&self) -> Option<&BinnedMean> {
        self.mean.as_ref()
    }
}

impl Policy for FamilyMean {
    fn name(&self) -> &str {
        "family-mean"
    }

    fn prepare(&mut self, dist: &dyn TaskDistribution) -> Result<(), String> {
        self.mean = Some(BinnedMean::estimate(self.name(), dist)?);
        Ok(())
    }

    fn start_trial(&mut self, action_space: &Space, _trial_steps: usize) -> Result<(), String> {
        self.bounds = Some(prediction_bounds(self.name(), action_space)?);
        if self.mean.is_none() {
            return Err(format!(
                "{}: start_trial before prepare; prepare it on its task family first (evaluate does)",
                self.name()
            ));
        }
        Ok(())
    }

    fn observe_reset(&mut self, obs: &[f32], _info: &Info) -> Result<(), String> {
        let d = self.mean.as_ref().map_or(0, BinnedMean::inputs);
        check_observation(self.name(), obs, d)
    }

    fn act(&mut self, obs: &[f32], _rng: &mut Rng) -> Action {
        let (Some(mean), Some(bounds)) = (&self.mean, self.bounds) else {
            panic!("family-mean: act called before start_trial");
        };
        let x: Vec<f64> = obs[..mean.inputs()].iter().map(|&v| v as f64).collect();
        prediction(mean.eval(&x), bounds)
    }

    fn observe(&mut self, action: &Action, _step: &Step) -> Result<(), String> {
        check_prediction(self.name(), action)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn interpolates_between_cell_centres_and_fills_empty_cells() {
        // One input, 4 cells with centres -0.75, -0.25, 0.25, 0.75; the last
        // cell gets no sample.
        let samples = [(-0.9, 1.0), (-0.6, 3.0), (-0.3, 4.0), (0.1, 6.0)];
        let mean = BinnedMean::fit(
            1,
            4,
            samples.iter().map(|(x, y)| (std::slice::from_ref(x), *y)),
        );
        assert_eq!(mean.overall_mean(), 3.5);
        assert_eq!(mean.eval(&[-0.75]), 2.0);
        assert_eq!(mean.eval(&[-1.0]), 2.0);
        assert_eq!(mean.eval(&[-0.5]), 3.0);
        assert_eq!(mean.eval(&[0.75]), 3.5);
        assert!((mean.eval(&[0.5]) - 4.75).abs() < 1e-12);
    }

    #[test]
    fn is_exact_on_a_multilinear_function() {
        // f(x) = 1 + x0 - 2 x1 + x0 x1, sampled at the cell centres only.
        let f = |x: &[f64]| 1.0 + x[0] - 2.0 * x[1] + x[0] * x[1];
        let bins = 5;
        let centre = |k: usize| -1.0 + (k as f64 + 0.5) * 2.0 / bins as f64;
        let points: Vec<Vec<f64>> = (0..bins)
            .flat_map(|a| (0..bins).map(move |b| vec![centre(a), centre(b)]))
            .collect();
        let mean = BinnedMean::fit(2, bins, points.iter().map(|x| (x.as_slice(), f(x))));
        for x in [[0.1, -0.3], [-0.6, 0.55], [0.79, 0.0]] {
            assert!((mean.eval(&x) - f(&x)).abs() < 1e-12, "{x:?}");
        }
        assert_eq!(BinnedMean::bins_for(2), 16);
        assert_eq!(BinnedMean::bins_for(12), 2);
        assert_eq!(BinnedMean::bins_for(13), 1);
    }
}
