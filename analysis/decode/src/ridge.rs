//! Ridge regression by the normal equations, solved by Cholesky.

use linfa_linalg::cholesky::SolveC;
use ndarray::{Array1, Array2, ArrayView1, ArrayView2, Axis};

use crate::{DecodeError, Standardizer};

/// A fitted ridge regression on standardised features (intercept unpenalised).
#[derive(Clone, Debug)]
pub struct Ridge {
    scaler: Standardizer,
    weights: Array1<f64>,
    intercept: f64,
}

impl Ridge {
    /// Minimises |y - X w - c|² + `penalty` |w|² over standardised `x`.
    pub fn fit(x: ArrayView2<f64>, y: ArrayView1<f64>, penalty: f64) -> Result<Self, DecodeError> {
        let scaler = Standardizer::fit(x);
        let xs = scaler.transform(x);
        let intercept = y.mean().unwrap_or(0.0);
        let yc = y.mapv(|v| v - intercept);
        let mut gram = xs.t().dot(&xs);
        for i in 0..gram.nrows() {
            gram[[i, i]] += penalty.max(1e-9);
        }
        let rhs = xs.t().dot(&yc).insert_axis(Axis(1));
        let solution: Array2<f64> = gram
            .solvec(&rhs)
            .map_err(|e| DecodeError::Solver(e.to_string()))?;
        Ok(Self {
            scaler,
            weights: solution.column(0).to_owned(),
            intercept,
        })
    }

    /// Predictions for the rows of `x`.
    pub fn predict(&self, x: ArrayView2<f64>) -> Array1<f64> {
        self.scaler.transform(x).dot(&self.weights) + self.intercept
    }
}

/// The coefficient of determination of `predicted` against `actual`
/// (1 is perfect, 0 is the mean of the test labels, below 0 worse); 0 when
/// the test labels do not vary.
pub(crate) fn r2(actual: ArrayView1<f64>, predicted: ArrayView1<f64>) -> f64 {
    let mean = actual.mean().unwrap_or(0.0);
    let total: f64 = actual.iter().map(|a| (a - mean).powi(2)).sum();
    let residual: f64 = actual
        .iter()
        .zip(predicted.iter())
        .map(|(a, p)| (a - p).powi(2))
        .sum();
    if total <= 1e-18 {
        return 0.0;
    }
    1.0 - residual / total
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::Array2;

    #[test]
    fn recovers_a_linear_map() {
        let x = Array2::from_shape_fn((50, 2), |(i, j)| ((i * (j + 3)) % 17) as f64);
        let y = x.column(0).mapv(|v| 2.0 * v) - x.column(1).mapv(|v| 0.5 * v) + 3.0;
        let model = Ridge::fit(x.view(), y.view(), 1e-6).unwrap();
        let fit = r2(y.view(), model.predict(x.view()).view());
        assert!(fit > 0.999_999, "R² {fit}");
    }
}
