//! The recurrent weights of a sparse network as lists of existing synapses,
//! one list per presynaptic neuron (compressed sparse rows), and the three
//! recurrent products of a kernel update on them. Each product visits only
//! existing synapses, and every output element sums its terms in the same
//! order whatever the batch blocks or threads, so results replay bit for bit.

/// `W_rec` `[n, n]` as compressed sparse rows: row j (presynaptic neuron j)
/// holds the columns and weights of its existing synapses, in column order.
#[derive(Clone, Debug)]
pub(super) struct SynapseRows {
    n: usize,
    /// Row j's synapses are `starts[j]..starts[j + 1]`.
    starts: Vec<usize>,
    columns: Vec<u32>,
    weights: Vec<f32>,
}

impl SynapseRows {
    /// The rows of the dense `w` `[n, n]` where `exists` is non-zero.
    pub(super) fn from_dense(n: usize, w: &[f32], exists: &[f32]) -> Self {
        let mut starts = Vec::with_capacity(n + 1);
        let (mut columns, mut weights) = (Vec::new(), Vec::new());
        starts.push(0);
        for j in 0..n {
            for k in 0..n {
                if exists[j * n + k] != 0.0 {
                    columns.push(k as u32);
                    weights.push(w[j * n + k]);
                }
            }
            starts.push(columns.len());
        }
        SynapseRows {
            n,
            starts,
            columns,
            weights,
        }
    }

    fn row(&self, j: usize) -> (&[u32], &[f32]) {
        let at = self.starts[j]..self.starts[j + 1];
        (&self.columns[at.clone()], &self.weights[at])
    }

    /// `current += z W_rec` for every row of `z` `[rows, n]` (spikes, 0 or 1):
    /// the synapses of the neurons that fired.
    pub(super) fn add_fired(&self, z: &[f32], current: &mut [f32]) {
        let n = self.n;
        for (current, z) in current.chunks_exact_mut(n).zip(z.chunks_exact(n)) {
            for (j, _) in z.iter().enumerate().filter(|(_, s)| **s != 0.0) {
                let (columns, weights) = self.row(j);
                for (&k, &w) in columns.iter().zip(weights) {
                    current[k as usize] += w;
                }
            }
        }
    }

    /// `g_z += g_i W_rec^T` for every row of `g_i` `[rows, n]`: for neuron j,
    /// the dot product of its synapses with dL/dI. The rows are transposed
    /// first, so that each synapse is one multiply-add over all rows at once
    /// (contiguous, vectorised); each (row, j) still sums its synapses in
    /// list order from zero, so the result does not depend on how the batch
    /// was cut into blocks.
    pub(super) fn add_transposed(&self, g_i: &[f32], g_z: &mut [f32]) {
        let n = self.n;
        let rows = g_i.len() / n;
        // g_i^T `[n, rows]`.
        let mut transposed = vec![0.0f32; n * rows];
        for (b, g) in g_i.chunks_exact(n).enumerate() {
            for (k, &v) in g.iter().enumerate() {
                transposed[k * rows + b] = v;
            }
        }
        let mut sums = vec![0.0f32; rows];
        for j in 0..n {
            sums.fill(0.0);
            let (columns, weights) = self.row(j);
            for (&k, &w) in columns.iter().zip(weights) {
                let k = k as usize;
                for (sum, &g) in sums.iter_mut().zip(&transposed[k * rows..(k + 1) * rows]) {
                    *sum += w * g;
                }
            }
            for (b, &sum) in sums.iter().enumerate() {
                g_z[b * n + j] += sum;
            }
        }
    }

    /// Rows `rows` of dL/dW_rec = sum over samples of z^T dL/dI, at the
    /// existing synapses only, into the dense `out` `[rows.len(), n]`
    /// (zero elsewhere). `z` and `g_i` are `[samples, n]`.
    pub(super) fn weight_grad_rows(
        &self,
        z: &[f32],
        g_i: &[f32],
        rows: std::ops::Range<usize>,
        out: &mut [f32],
    ) {
        let n = self.n;
        for (z, g) in z.chunks_exact(n).zip(g_i.chunks_exact(n)) {
            for j in rows.clone().filter(|&j| z[j] != 0.0) {
                let (columns, _) = self.row(j);
                let out = &mut out[(j - rows.start) * n..][..n];
                for &k in columns {
                    out[k as usize] += g[k as usize];
                }
            }
        }
    }
}
