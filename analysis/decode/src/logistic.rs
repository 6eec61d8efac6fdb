//! Multinomial logistic regression through `linfa-logistic`.

use linfa::prelude::*;
use linfa_logistic::{MultiFittedLogisticRegression, MultiLogisticRegression};
use ndarray::{Array1, ArrayView1, ArrayView2};

use crate::{DecodeError, Standardizer};

/// A fitted classifier on standardised features.
#[derive(Debug)]
pub struct Logistic {
    scaler: Standardizer,
    model: Fitted,
}

#[derive(Debug)]
enum Fitted {
    /// The training rows held one class only: predict it.
    Constant(usize),
    Model(MultiFittedLogisticRegression<f64, usize>),
}

impl Logistic {
    /// Fits classes `y` from `x` with L2 weight `penalty`.
    pub fn fit(
        x: ArrayView2<f64>,
        y: ArrayView1<usize>,
        penalty: f64,
    ) -> Result<Self, DecodeError> {
        let scaler = Standardizer::fit(x);
        let first = y.first().copied().unwrap_or(0);
        if y.iter().all(|&c| c == first) {
            return Ok(Self {
                scaler,
                model: Fitted::Constant(first),
            });
        }
        let dataset = Dataset::new(scaler.transform(x), y.to_owned());
        let model = MultiLogisticRegression::default()
            .alpha(penalty)
            .max_iterations(100)
            .fit(&dataset)
            .map_err(|e| DecodeError::Solver(e.to_string()))?;
        Ok(Self {
            scaler,
            model: Fitted::Model(model),
        })
    }

    /// The predicted class of each row of `x`.
    pub fn predict(&self, x: ArrayView2<f64>) -> Array1<usize> {
        match &self.model {
            Fitted::Constant(c) => Array1::from_elem(x.nrows(), *c),
            Fitted::Model(model) => model.predict(&self.scaler.transform(x)),
        }
    }
}

/// The share of `predicted` equal to `actual`.
pub(crate) fn accuracy(actual: ArrayView1<usize>, predicted: ArrayView1<usize>) -> f64 {
    let hits = actual
        .iter()
        .zip(predicted.iter())
        .filter(|(a, p)| a == p)
        .count();
    hits as f64 / actual.len().max(1) as f64
}
