//! The functions a task asks for: one drawn per trial from its family.

use lsnn_rl_env::Rng;
use rand::Rng as _;
use rand_distr::{Distribution, Normal};

/// One target function f: [-1, 1]^d -> R.
#[derive(Clone, Debug, PartialEq)]
pub enum Function {
    /// f(x) = sum_j v_j sigmoid(w_j . x + b_j): a two-layer network with
    /// sigmoid hidden units and a linear output.
    Net {
        /// Hidden weights, `[hidden, inputs]` row-major.
        w: Vec<f64>,
        /// Hidden biases `[hidden]`.
        b: Vec<f64>,
        /// Output weights `[hidden]`.
        v: Vec<f64>,
    },
    /// f(x) = w . x + b.
    Linear {
        /// Slopes `[inputs]`.
        w: Vec<f64>,
        /// Offset.
        b: f64,
    },
    /// f(x) = amplitude sin(pi x + phase), one input.
    Sine {
        /// Amplitude.
        amplitude: f64,
        /// Phase, radians.
        phase: f64,
    },
}

impl Function {
    /// The inputs f takes.
    pub fn inputs(&self) -> usize {
        match self {
            Function::Net { w, b, .. } => w.len() / b.len(),
            Function::Linear { w, .. } => w.len(),
            Function::Sine { .. } => 1,
        }
    }

    /// f(x); `x` has [`Function::inputs`] entries.
    pub fn eval(&self, x: &[f64]) -> f64 {
        match self {
            Function::Net { w, b, v } => {
                let d = x.len();
                let mut y = 0.0;
                for (j, (&bias, &out)) in b.iter().zip(v).enumerate() {
                    let row = &w[j * d..(j + 1) * d];
                    let z: f64 = row.iter().zip(x).map(|(w, x)| w * x).sum::<f64>() + bias;
                    y += out / (1.0 + (-z).exp());
                }
                y
            }
            Function::Linear { w, b } => w.iter().zip(x).map(|(w, x)| w * x).sum::<f64>() + b,
            Function::Sine { amplitude, phase } => {
                amplitude * (std::f64::consts::PI * x[0] + phase).sin()
            }
        }
    }
}

/// How a family draws its functions.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Family {
    /// Two-layer networks: hidden weights and biases ~ N(0, scale^2),
    /// output weights ~ N(0, 1 / hidden).
    Net {
        /// Inputs of the functions (1 to [`crate::MAX_INPUTS`]).
        inputs: usize,
        /// Hidden units.
        hidden: usize,
        /// Standard deviation of the hidden weights and biases: larger is
        /// steeper, more non-linear.
        scale: f64,
    },
    /// Linear maps: slopes ~ N(0, 1 / inputs), offset ~ N(0, 0.25).
    Linear {
        /// Inputs of the functions (1 to [`crate::MAX_INPUTS`]).
        inputs: usize,
    },
    /// Sines with amplitude ~ U[0.1, 1] and phase ~ U[0, 2 pi).
    Sine,
}

impl Family {
    /// The inputs of the family's functions.
    pub fn inputs(self) -> usize {
        match self {
            Family::Net { inputs, .. } | Family::Linear { inputs } => inputs,
            Family::Sine => 1,
        }
    }

    /// Draws one function. The same generator state gives the same function
    /// on every machine.
    pub fn draw(self, rng: &mut Rng) -> Function {
        match self {
            Family::Net {
                inputs,
                hidden,
                scale,
            } => {
                let hidden_weight = Normal::new(0.0, scale).expect("a positive scale");
                let out_weight =
                    Normal::new(0.0, 1.0 / (hidden as f64).sqrt()).expect("a positive sd");
                let w = (0..hidden * inputs)
                    .map(|_| hidden_weight.sample(rng))
                    .collect();
                let b = (0..hidden).map(|_| hidden_weight.sample(rng)).collect();
                let v = (0..hidden).map(|_| out_weight.sample(rng)).collect();
                Function::Net { w, b, v }
            }
            Family::Linear { inputs } => {
                let slope = Normal::new(0.0, 1.0 / (inputs as f64).sqrt()).expect("a positive sd");
                let w = (0..inputs).map(|_| slope.sample(rng)).collect();
                let b = Normal::new(0.0, 0.5).expect("a positive sd").sample(rng);
                Function::Linear { w, b }
            }
            Family::Sine => Function::Sine {
                amplitude: rng.random_range(0.1..1.0),
                phase: rng.random_range(0.0..std::f64::consts::TAU),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use lsnn_rl_env::rng_from_seed;

    #[test]
    fn a_net_is_a_sum_of_sigmoids() {
        let f = Function::Net {
            w: vec![1.0, -2.0, 0.0, 0.0],
            b: vec![0.5, 0.0],
            v: vec![2.0, -1.0],
        };
        let x = [0.3, 0.1];
        let expected = 2.0 / (1.0 + (-(0.3 - 0.2 + 0.5f64)).exp()) - 0.5;
        assert!((f.eval(&x) - expected).abs() < 1e-12);
        assert_eq!(f.inputs(), 2);
    }

    #[test]
    fn draws_follow_the_seed_and_the_family() {
        let family = Family::Net {
            inputs: 3,
            hidden: 7,
            scale: 2.0,
        };
        let a = family.draw(&mut rng_from_seed(4));
        assert_eq!(a, family.draw(&mut rng_from_seed(4)));
        assert_ne!(a, family.draw(&mut rng_from_seed(5)));
        assert_eq!(a.inputs(), 3);
        let Function::Net { w, b, v } = &a else {
            panic!("a net family draws nets")
        };
        assert_eq!((w.len(), b.len(), v.len()), (21, 7, 7));
        let mut rng = rng_from_seed(9);
        for _ in 0..100 {
            let Function::Sine { amplitude, phase } = Family::Sine.draw(&mut rng) else {
                panic!("a sine family draws sines")
            };
            assert!((0.1..1.0).contains(&amplitude));
            assert!((0.0..std::f64::consts::TAU).contains(&phase));
        }
    }
}
