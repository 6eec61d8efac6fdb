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
        for row in 0..batch {
            let f = &features[row * self.features..(row + 1) * self.features];
            for a in 0..self.outputs {
                let w = &self.policy_w[a * self.features..(a + 1) * self.features];
                out[row * self.outputs + a] = self.policy_b[a] + dot(f, w);
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

/// A dot product in eight independent lanes, so the compiler can vectorise it.
fn dot(a: &[f32], b: &[f32]) -> f32 {
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
