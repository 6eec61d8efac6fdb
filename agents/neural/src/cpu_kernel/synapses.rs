//! The recurrent weights of a sparse network as lists of existing synapses,
//! one list per presynaptic neuron (compressed sparse rows), and the three
//! recurrent products of a kernel update on them. Each product visits only
//! existing synapses, and every output element sums its terms in the same
//! order whatever the batch blocks or threads, so results replay bit for bit.

/// Rows of a batch block handled together by the transposed products.
const LANES: usize = 16;

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

    /// `current += z W_rec` for every row of `z` `[rows, n]` (spikes, 0 or 1).
    /// Where few neurons fired (below [`super::SPARSE_BELOW`] of the cells),
    /// the synapses of the neurons that fired are added row by row; else the
    /// rows are transposed and each synapse is one multiply-add over all rows
    /// (vectorised). Both add w[j][k] for the fired j in increasing j, so
    /// they give the same sums (the transposed one adds zeros besides, which
    /// can turn a -0 into +0 and changes no value).
    pub(super) fn add_fired(&self, z: &[f32], current: &mut [f32]) {
        // Compiled for the widest vector unit the CPU has (AVX2 and wider
        // where present); no fused multiply-adds, so every width rounds alike.
        pulp::Arch::new().dispatch(Fired {
            rows: self,
            z,
            current,
        })
    }

    #[inline(always)]
    fn add_fired_loops(&self, z: &[f32], current: &mut [f32]) {
        let n = self.n;
        let fired = z.iter().filter(|&&s| s != 0.0).count();
        if (fired as f32) < super::SPARSE_BELOW * z.len() as f32 {
            for (current, z) in current.chunks_exact_mut(n).zip(z.chunks_exact(n)) {
                for (j, _) in z.iter().enumerate().filter(|(_, s)| **s != 0.0) {
                    let (columns, weights) = self.row(j);
                    for (&k, &w) in columns.iter().zip(weights) {
                        current[k as usize] += w;
                    }
                }
            }
            return;
        }
        let rows = z.len() / n;
        let (z_t, mut current_t) = (transpose(z, n), transpose(current, n));
        for j in 0..n {
            let z_j = &z_t[j * rows..(j + 1) * rows];
            if z_j.iter().all(|&s| s == 0.0) {
                continue;
            }
            let (columns, weights) = self.row(j);
            for (&k, &w) in columns.iter().zip(weights) {
                let k = k as usize;
                for (c, &s) in current_t[k * rows..(k + 1) * rows].iter_mut().zip(z_j) {
                    // Adds w where neuron j fired (s = 1), nothing where it did not.
                    *c += w * s;
                }
            }
        }
        for (k, column) in current_t.chunks_exact(rows).enumerate() {
            for (b, &c) in column.iter().enumerate() {
                current[b * n + k] = c;
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
        // Compiled for the widest vector unit the CPU has (AVX2 and wider
        // where present); no fused multiply-adds, so every width rounds alike.
        pulp::Arch::new().dispatch(Transposed {
            rows: self,
            g_i,
            g_z,
        })
    }

    #[inline(always)]
    fn add_transposed_loops(&self, g_i: &[f32], g_z: &mut [f32]) {
        let n = self.n;
        let rows = g_i.len() / n;
        let transposed = transpose(g_i, n);
        // LANES rows at a time: their sums stay in registers while the
        // synapses of neuron j stream past.
        for first in (0..rows).step_by(LANES) {
            let width = LANES.min(rows - first);
            for j in 0..n {
                let mut sums = [0.0f32; LANES];
                let (columns, weights) = self.row(j);
                if width == LANES {
                    for (&k, &w) in columns.iter().zip(weights) {
                        let at = k as usize * rows + first;
                        let g: &[f32; LANES] = transposed[at..at + LANES]
                            .try_into()
                            .expect("a full chunk of rows");
                        for (sum, &g) in sums.iter_mut().zip(g) {
                            *sum += w * g;
                        }
                    }
                } else {
                    for (&k, &w) in columns.iter().zip(weights) {
                        let at = k as usize * rows + first;
                        for (sum, &g) in sums.iter_mut().zip(&transposed[at..at + width]) {
                            *sum += w * g;
                        }
                    }
                }
                for (b, &sum) in sums[..width].iter().enumerate() {
                    g_z[(first + b) * n + j] += sum;
                }
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
        pulp::Arch::new().dispatch(WeightGrad {
            rows: self,
            z,
            g_i,
            range: rows,
            out,
        })
    }

    #[inline(always)]
    fn weight_grad_loops(
        &self,
        z: &[f32],
        g_i: &[f32],
        rows: std::ops::Range<usize>,
        out: &mut [f32],
    ) {
        let n = self.n;
        // Sums in synapse-list order (compact, cache-resident), scattered
        // into the dense rows at the end; each synapse sums over the samples
        // in order.
        let first = self.starts[rows.start];
        let mut sums = vec![0.0f32; self.starts[rows.end] - first];
        for (z, g) in z.chunks_exact(n).zip(g_i.chunks_exact(n)) {
            for j in rows.clone().filter(|&j| z[j] != 0.0) {
                let at = self.starts[j]..self.starts[j + 1];
                let columns = &self.columns[at.clone()];
                for (sum, &k) in sums[at.start - first..at.end - first]
                    .iter_mut()
                    .zip(columns)
                {
                    *sum += g[k as usize];
                }
            }
        }
        for j in rows.clone() {
            let out = &mut out[(j - rows.start) * n..][..n];
            let at = self.starts[j]..self.starts[j + 1];
            for (&k, &sum) in self.columns[at.clone()]
                .iter()
                .zip(&sums[at.start - first..at.end - first])
            {
                out[k as usize] = sum;
            }
        }
    }
}

// The products as pulp operations: `with_simd` is inlined into a function
// compiled for the CPU's vector unit, and the loops into it (a closure's
// body would not be).
struct Fired<'a> {
    rows: &'a SynapseRows,
    z: &'a [f32],
    current: &'a mut [f32],
}

impl pulp::WithSimd for Fired<'_> {
    type Output = ();
    #[inline(always)]
    fn with_simd<S: pulp::Simd>(self, _: S) {
        self.rows.add_fired_loops(self.z, self.current)
    }
}

struct Transposed<'a> {
    rows: &'a SynapseRows,
    g_i: &'a [f32],
    g_z: &'a mut [f32],
}

impl pulp::WithSimd for Transposed<'_> {
    type Output = ();
    #[inline(always)]
    fn with_simd<S: pulp::Simd>(self, _: S) {
        self.rows.add_transposed_loops(self.g_i, self.g_z)
    }
}

struct WeightGrad<'a> {
    rows: &'a SynapseRows,
    z: &'a [f32],
    g_i: &'a [f32],
    range: std::ops::Range<usize>,
    out: &'a mut [f32],
}

impl pulp::WithSimd for WeightGrad<'_> {
    type Output = ();
    #[inline(always)]
    fn with_simd<S: pulp::Simd>(self, _: S) {
        self.rows
            .weight_grad_loops(self.z, self.g_i, self.range, self.out)
    }
}

/// `a` `[rows, n]` row-major as `[n, rows]`.
#[inline(always)]
fn transpose(a: &[f32], n: usize) -> Vec<f32> {
    let rows = a.len() / n;
    let mut out = vec![0.0f32; a.len()];
    for (b, row) in a.chunks_exact(n).enumerate() {
        for (k, &v) in row.iter().enumerate() {
            out[k * rows + b] = v;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A 40-neuron matrix with about a fifth of its synapses, and a batch of
    /// 37 rows of spikes at `share` (two full chunks of LANES and a tail).
    fn setup(share: f32) -> (usize, Vec<f32>, Vec<f32>, Vec<f32>) {
        let n = 40;
        let noise = |i: usize, m: usize| ((i * 2_654_435_761) % m) as f32 / m as f32;
        let exists: Vec<f32> = (0..n * n)
            .map(|k| f32::from(k / n != k % n && noise(k, 997) < 0.2))
            .collect();
        let w: Vec<f32> = (0..n * n)
            .map(|k| (noise(k + 5, 1009) - 0.5) * exists[k])
            .collect();
        let z: Vec<f32> = (0..37 * n)
            .map(|i| f32::from(noise(i + 11, 1013) < share))
            .collect();
        (n, w, exists, z)
    }

    #[test]
    fn both_forward_paths_equal_the_dense_product() {
        for share in [0.03, 0.5] {
            let (n, w, exists, z) = setup(share);
            let rows = SynapseRows::from_dense(n, &w, &exists);
            let start: Vec<f32> = (0..z.len()).map(|i| (i % 7) as f32 * 0.1).collect();
            let mut current = start.clone();
            rows.add_fired(&z, &mut current);
            for b in 0..37 {
                for k in 0..n {
                    let expected: f32 =
                        start[b * n + k] + (0..n).map(|j| z[b * n + j] * w[j * n + k]).sum::<f32>();
                    let got = current[b * n + k];
                    assert!(
                        (got - expected).abs() < 1e-5,
                        "share {share}: {got} vs {expected}"
                    );
                }
            }
        }
    }

    #[test]
    fn transposed_and_gradient_products_equal_the_dense_ones() {
        let (n, w, exists, z) = setup(0.3);
        let rows = SynapseRows::from_dense(n, &w, &exists);
        let g: Vec<f32> = z
            .iter()
            .enumerate()
            .map(|(i, _)| ((i % 13) as f32 - 6.0) * 0.1)
            .collect();
        let mut g_z = vec![0.5f32; z.len()];
        rows.add_transposed(&g, &mut g_z);
        for b in 0..37 {
            for j in 0..n {
                let expected = 0.5 + (0..n).map(|k| g[b * n + k] * w[j * n + k]).sum::<f32>();
                assert!((g_z[b * n + j] - expected).abs() < 1e-5);
            }
        }
        // Rows 10..25 of dL/dW: z^T g at existing synapses, zero elsewhere.
        let mut grad = vec![0.0f32; 15 * n];
        rows.weight_grad_rows(&z, &g, 10..25, &mut grad);
        for j in 10..25 {
            for k in 0..n {
                let full: f32 = (0..37).map(|b| z[b * n + j] * g[b * n + k]).sum();
                let expected = full * exists[j * n + k];
                assert!((grad[(j - 10) * n + k] - expected).abs() < 1e-5);
            }
        }
    }
}
