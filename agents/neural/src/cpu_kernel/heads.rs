//! The policy and value heads on plain buffers, for choosing actions without
//! tensors.

/// The policy and value heads as plain vectors, for choosing actions without tensors.
#[derive(Clone, Debug)]
pub struct CpuHeads {
    features: usize,
    outputs: usize,
    /// `[A, F]` row-major.
    policy_w: Vec<f32>,
    policy_b: Vec<f32>,
    /// `[F]`.
    value_w: Vec<f32>,
    value_b: f32,
}

impl CpuHeads {
    /// Heads from their weights: `policy_w` `[A, F]` row-major, `policy_b` `[A]`,
    /// `value_w` `[F]`, `value_b`.
    ///
    /// # Panics
    /// If the lengths disagree.
    pub fn new(policy_w: Vec<f32>, policy_b: Vec<f32>, value_w: Vec<f32>, value_b: f32) -> Self {
        let (features, outputs) = (value_w.len(), policy_b.len());
        assert_eq!(
            policy_w.len(),
            outputs * features,
            "policy_w must be [A, F]"
        );
        Self {
            features,
            outputs,
            policy_w,
            policy_b,
            value_w,
            value_b,
        }
    }

    /// Policy outputs `[B, A]` (logits or means) of features `[B, F]`.
    pub fn policy(&self, features: &[f32], out: &mut Vec<f32>) {
        let batch = features.len() / self.features;
        out.clear();
        out.resize(batch * self.outputs, 0.0);
        pulp::Arch::new().dispatch(Policy {
            heads: self,
            features,
            out,
        });
    }

    #[inline(always)]
    fn policy_loops(&self, features: &[f32], out: &mut [f32]) {
        if self.outputs == 0 || self.features == 0 {
            return;
        }
        for (f, out) in features
            .chunks_exact(self.features)
            .zip(out.chunks_exact_mut(self.outputs))
        {
            for (a, out) in out.iter_mut().enumerate() {
                let w = &self.policy_w[a * self.features..(a + 1) * self.features];
                *out = self.policy_b[a] + dot(f, w);
            }
        }
    }

    /// Values `[B]` of features `[B, F]`.
    pub fn value(&self, features: &[f32]) -> Vec<f32> {
        features
            .chunks_exact(self.features)
            .map(|f| self.value_b + dot(f, &self.value_w))
            .collect()
    }
}

/// Gradients of a loss with respect to the heads' weights and their input
/// features, from [`CpuHeads::backward`].
#[derive(Clone, Debug, PartialEq)]
pub struct HeadGrads {
    /// dL/d features, `[rows, F]`.
    pub features: Vec<f32>,
    /// dL/d policy weight, `[A, F]` row-major.
    pub policy_w: Vec<f32>,
    /// dL/d policy bias, `[A]`.
    pub policy_b: Vec<f32>,
    /// dL/d value weight, `[F]`.
    pub value_w: Vec<f32>,
    /// dL/d value bias.
    pub value_b: f32,
}

impl CpuHeads {
    /// Number of policy outputs A (logits, or Gaussian means).
    pub fn outputs(&self) -> usize {
        self.outputs
    }

    /// Backpropagates the loss's gradients with respect to the policy outputs
    /// (`d_outputs` `[rows, A]`) and the values (`d_values` `[rows]`) of
    /// `features` `[rows, F]` through both heads. The weight gradients are
    /// summed over the rows in row order (in f64, then rounded).
    ///
    /// # Panics
    /// If the sizes disagree.
    pub fn backward(&self, features: &[f32], d_outputs: &[f32], d_values: &[f32]) -> HeadGrads {
        let (f_size, a_size) = (self.features, self.outputs);
        let rows = d_values.len();
        assert_eq!(features.len(), rows * f_size, "features must be [rows, F]");
        assert_eq!(
            d_outputs.len(),
            rows * a_size,
            "d_outputs must be [rows, A]"
        );
        let mut sums = HeadSums {
            features: vec![0.0f32; rows * f_size],
            policy_w: vec![0.0f64; a_size * f_size],
            policy_b: vec![0.0f64; a_size],
            value_w: vec![0.0f64; f_size],
            value_b: 0.0,
        };
        pulp::Arch::new().dispatch(Backward {
            heads: self,
            features,
            d_outputs,
            d_values,
            sums: &mut sums,
        });
        let HeadSums {
            features: d_features,
            policy_w,
            policy_b,
            value_w,
            value_b,
        } = sums;
        let to_f32 = |v: Vec<f64>| v.into_iter().map(|x| x as f32).collect();
        HeadGrads {
            features: d_features,
            policy_w: to_f32(policy_w),
            policy_b: to_f32(policy_b),
            value_w: to_f32(value_w),
            value_b: value_b as f32,
        }
    }

    /// The row loop of [`Self::backward`], summing into `sums`.
    #[inline(always)]
    fn backward_loops(
        &self,
        features: &[f32],
        d_outputs: &[f32],
        d_values: &[f32],
        sums: &mut HeadSums,
    ) {
        let (f_size, a_size) = (self.features, self.outputs);
        let rows = d_values.len();
        for row in 0..rows {
            let f = &features[row * f_size..(row + 1) * f_size];
            let d_f = &mut sums.features[row * f_size..(row + 1) * f_size];
            let d_v = d_values[row];
            for (d, &w) in d_f.iter_mut().zip(&self.value_w) {
                *d = d_v * w;
            }
            if d_v != 0.0 {
                for (g, &x) in sums.value_w.iter_mut().zip(f) {
                    *g += d_v as f64 * x as f64;
                }
            }
            sums.value_b += d_v as f64;
            for a in 0..a_size {
                let d_o = d_outputs[row * a_size + a];
                if d_o == 0.0 {
                    continue;
                }
                let w = &self.policy_w[a * f_size..(a + 1) * f_size];
                for (d, &w) in d_f.iter_mut().zip(w) {
                    *d += d_o * w;
                }
                for (g, &x) in sums.policy_w[a * f_size..(a + 1) * f_size]
                    .iter_mut()
                    .zip(f)
                {
                    *g += d_o as f64 * x as f64;
                }
                sums.policy_b[a] += d_o as f64;
            }
        }
    }
}

/// The sums of [`CpuHeads::backward`] before rounding: dL/d features, and the
/// weight gradients in f64.
struct HeadSums {
    features: Vec<f32>,
    policy_w: Vec<f64>,
    policy_b: Vec<f64>,
    value_w: Vec<f64>,
    value_b: f64,
}

// The heads' loops as pulp operations: `with_simd` is inlined into a function
// compiled for the CPU's vector unit (AVX2 where it has it), and the loops
// into it; the same operations in the same order, so the same bits.
struct Policy<'a> {
    heads: &'a CpuHeads,
    features: &'a [f32],
    out: &'a mut [f32],
}

impl pulp::WithSimd for Policy<'_> {
    type Output = ();
    #[inline(always)]
    fn with_simd<S: pulp::Simd>(self, _: S) {
        self.heads.policy_loops(self.features, self.out)
    }
}

struct Backward<'a> {
    heads: &'a CpuHeads,
    features: &'a [f32],
    d_outputs: &'a [f32],
    d_values: &'a [f32],
    sums: &'a mut HeadSums,
}

impl pulp::WithSimd for Backward<'_> {
    type Output = ();
    #[inline(always)]
    fn with_simd<S: pulp::Simd>(self, _: S) {
        self.heads
            .backward_loops(self.features, self.d_outputs, self.d_values, self.sums)
    }
}

/// A dot product in eight independent lanes, so the compiler can vectorise it.
#[inline(always)]
pub(super) fn dot(a: &[f32], b: &[f32]) -> f32 {
    let mut lanes = [0.0f32; 8];
    let (a_chunks, b_chunks) = (a.chunks_exact(8), b.chunks_exact(8));
    let tail: f32 = a_chunks
        .remainder()
        .iter()
        .zip(b_chunks.remainder())
        .map(|(x, y)| x * y)
        .sum();
    for (x, y) in a_chunks.zip(b_chunks) {
        for l in 0..8 {
            lanes[l] += x[l] * y[l];
        }
    }
    lanes.iter().sum::<f32>() + tail
}
