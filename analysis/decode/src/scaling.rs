//! Feature standardisation, fitted on training rows only.

use ndarray::{Array1, Array2, ArrayView2, Axis};

/// Standardised values beyond this many standard deviations are clipped.
const CLIP: f64 = 5.0;

/// Per-feature mean and scale of the training rows; a feature that does not
/// vary there (a silent neuron, a constant threshold) is mapped to zero, and
/// standardised values are clipped to ±5 standard deviations.
#[derive(Clone, Debug)]
pub struct Standardizer {
    mean: Array1<f64>,
    /// 1 / standard deviation, or 0 for a constant feature.
    inv_std: Array1<f64>,
}

impl Standardizer {
    /// Fits the mean and scale of `x`'s columns.
    pub fn fit(x: ArrayView2<f64>) -> Self {
        let n = x.nrows().max(1) as f64;
        let mean = x.sum_axis(Axis(0)) / n;
        let var = x
            .axis_iter(Axis(0))
            .fold(Array1::zeros(x.ncols()), |acc: Array1<f64>, row| {
                acc + (&row - &mean).mapv(|d| d * d)
            })
            / n;
        let inv_std = var.mapv(|v| if v > 1e-18 { 1.0 / v.sqrt() } else { 0.0 });
        Self { mean, inv_std }
    }

    /// `x` centred and scaled by the fitted statistics, clipped to ±5.
    pub fn transform(&self, x: ArrayView2<f64>) -> Array2<f64> {
        // A neuron that fired in one training trial has a tiny spread there;
        // unclipped, the same neuron firing in a test trial would sit
        // millions of standard deviations out and swamp every prediction.
        ((&x - &self.mean) * &self.inv_std).mapv(|v| v.clamp(-CLIP, CLIP))
    }
}
