//! Observation and action spaces, after Gymnasium's `Discrete` and `Box`.

use std::fmt;

use rand::Rng as _;
use serde::Serialize;

use crate::{Action, Rng};

/// A set of valid observations or actions.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "type", rename_all = "lowercase")]
pub enum Space {
    /// The integers `0..n`.
    Discrete {
        /// Number of elements; at least 1.
        n: usize,
    },
    /// A box of real vectors, bounded element-wise.
    Box(BoxSpace),
}

/// A box `[low, high]` of real vectors with a shape; stored flat, row-major.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct BoxSpace {
    /// Lower bound of each element (may be `-inf`).
    pub low: Vec<f32>,
    /// Upper bound of each element (may be `+inf`).
    pub high: Vec<f32>,
    /// The shape; its product equals `low.len()`.
    pub shape: Vec<usize>,
}

impl Space {
    /// `Discrete(n)`.
    pub fn discrete(n: usize) -> Self {
        assert!(n > 0, "Discrete(n) needs n >= 1");
        Space::Discrete { n }
    }

    /// A box of the given shape with the same bounds on every element.
    pub fn uniform_box(low: f32, high: f32, shape: &[usize]) -> Self {
        let size = shape.iter().product();
        Space::Box(BoxSpace {
            low: vec![low; size],
            high: vec![high; size],
            shape: shape.to_vec(),
        })
    }

    /// A flat box with element-wise bounds.
    pub fn bounded_box(low: Vec<f32>, high: Vec<f32>) -> Self {
        assert_eq!(low.len(), high.len(), "box bounds differ in length");
        let shape = vec![low.len()];
        Space::Box(BoxSpace { low, high, shape })
    }

    /// Number of floats an element takes when flattened: `n` for `Discrete(n)`
    /// (one-hot, as Gymnasium's `flatdim`), the element count for a box.
    pub fn flat_size(&self) -> usize {
        match self {
            Space::Discrete { n } => *n,
            Space::Box(b) => b.low.len(),
        }
    }

    /// Whether an action lies in the space.
    pub fn contains(&self, action: &Action) -> bool {
        match (self, action) {
            (Space::Discrete { n }, Action::Discrete(a)) => a < n,
            (Space::Box(b), Action::Continuous(x)) => b.contains(x),
            _ => false,
        }
    }

    /// Whether a flat vector of floats lies in the space (observations are
    /// flat vectors; for `Discrete(n)` it must be one-hot of length `n`).
    pub fn contains_flat(&self, x: &[f32]) -> bool {
        match self {
            Space::Discrete { n } => {
                x.len() == *n
                    && x.iter().filter(|&&v| v == 1.0).count() == 1
                    && x.iter().all(|&v| v == 0.0 || v == 1.0)
            }
            Space::Box(b) => b.contains(x),
        }
    }

    /// A uniformly random element (a box with infinite bounds samples from a
    /// unit normal on those elements, as Gymnasium does).
    pub fn sample(&self, rng: &mut Rng) -> Action {
        match self {
            Space::Discrete { n } => Action::Discrete(rng.random_range(0..*n)),
            Space::Box(b) => Action::Continuous(b.sample(rng)),
        }
    }
}

impl BoxSpace {
    /// Whether `x` has the box's size, is finite where the box is bounded and
    /// lies inside the bounds.
    pub fn contains(&self, x: &[f32]) -> bool {
        x.len() == self.low.len()
            && x.iter()
                .zip(self.low.iter().zip(&self.high))
                .all(|(&v, (&lo, &hi))| !v.is_nan() && v >= lo && v <= hi)
    }

    fn sample(&self, rng: &mut Rng) -> Vec<f32> {
        self.low
            .iter()
            .zip(&self.high)
            .map(|(&lo, &hi)| match (lo.is_finite(), hi.is_finite()) {
                (true, true) if lo == hi => lo,
                (true, true) => rng.random_range(lo..=hi),
                (true, false) => lo + standard_normal(rng).abs(),
                (false, true) => hi - standard_normal(rng).abs(),
                (false, false) => standard_normal(rng),
            })
            .collect()
    }
}

fn standard_normal(rng: &mut Rng) -> f32 {
    rng.sample(rand_distr::StandardNormal)
}

impl fmt::Display for Space {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Space::Discrete { n } => write!(f, "Discrete({n})"),
            Space::Box(b) => {
                let same = |v: &[f32]| v.windows(2).all(|w| w[0] == w[1]);
                let shape = format!("{:?}", b.shape);
                if !b.low.is_empty() && same(&b.low) && same(&b.high) {
                    write!(f, "Box({}, {}, {shape})", b.low[0], b.high[0])
                } else {
                    write!(f, "Box(shape {shape})")
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng_from_seed;

    #[test]
    fn discrete_contains_and_samples_in_range() {
        let space = Space::discrete(3);
        assert!(space.contains(&Action::Discrete(2)));
        assert!(!space.contains(&Action::Discrete(3)));
        assert!(!space.contains(&Action::Continuous(vec![0.0])));
        assert_eq!(space.flat_size(), 3);
        let mut rng = rng_from_seed(1);
        let mut seen = [false; 3];
        for _ in 0..100 {
            let Action::Discrete(a) = space.sample(&mut rng) else {
                panic!("discrete space sampled a continuous action")
            };
            seen[a] = true;
        }
        assert_eq!(seen, [true; 3]);
        assert_eq!(space.to_string(), "Discrete(3)");
    }

    #[test]
    fn box_contains_checks_size_bounds_and_nan() {
        let space = Space::uniform_box(-1.0, 1.0, &[2]);
        assert!(space.contains(&Action::Continuous(vec![0.5, -1.0])));
        assert!(!space.contains(&Action::Continuous(vec![0.5])));
        assert!(!space.contains(&Action::Continuous(vec![0.5, 1.5])));
        assert!(!space.contains(&Action::Continuous(vec![f32::NAN, 0.0])));
        assert!(!space.contains(&Action::Discrete(0)));
        assert_eq!(space.flat_size(), 2);
        assert_eq!(space.to_string(), "Box(-1, 1, [2])");
    }

    #[test]
    fn box_samples_lie_inside_and_repeat_with_the_seed() {
        let space = Space::bounded_box(vec![0.0, f32::NEG_INFINITY], vec![2.0, f32::INFINITY]);
        let draw = |seed| {
            let mut rng = rng_from_seed(seed);
            (0..50).map(|_| space.sample(&mut rng)).collect::<Vec<_>>()
        };
        let a = draw(9);
        assert!(a.iter().all(|x| space.contains(x)));
        assert_eq!(a, draw(9));
        assert_ne!(a, draw(10));
    }

    #[test]
    fn one_hot_membership() {
        let space = Space::discrete(3);
        assert!(space.contains_flat(&[0.0, 1.0, 0.0]));
        assert!(!space.contains_flat(&[0.0, 1.0, 1.0]));
        assert!(!space.contains_flat(&[0.0, 0.5, 0.0]));
    }
}
