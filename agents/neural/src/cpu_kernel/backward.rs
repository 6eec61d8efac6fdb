//! The hand-derived backward pass through time over a recorded tape: the
//! surrogate gradients autograd computes for the tensor version, one run of
//! blocks of batch rows per thread (see the module's notes on parallelism).

use rayon::prelude::*;

use super::gemm::{gemm_add_a_bt, gemm_at_b_rows};
use super::state::{KernelGrads, RowAdjoints, RowTape, Tape};
use super::{BLOCK_ROWS, SpikingKernel};
use crate::config::{NeuronModel, Readout};

impl SpikingKernel {
    /// Backpropagation through the steps on `tape`, from the state before its first
    /// step (treated as a constant: truncated BPTT) to its last.
    ///
    /// `d_features` `[T, B, F]` is the loss's gradient with respect to the features
    /// after each environment step; `d_spike` `[n]` a gradient every spike of neuron j
    /// receives in every network step (a firing-rate penalty), or empty.
    ///
    /// # Panics
    /// If the sizes disagree with the tape.
    pub fn backward(
        &self,
        tape: &mut Tape,
        batch: usize,
        d_features: &[f32],
        d_spike: &[f32],
    ) -> KernelGrads {
        let n = self.n;
        let cells = batch * n;
        // Features per neuron, and per batch (F = n or 2n per sample).
        let per_neuron = self.readout.features_per_neuron();
        let feature_cells = cells * per_neuron;
        let env_steps = tape.env_steps;
        let net_steps = env_steps * self.k_steps;
        assert_eq!(
            d_features.len(),
            env_steps * feature_cells,
            "d_features must be [T, B, F]"
        );
        assert!(
            d_spike.is_empty() || d_spike.len() == n,
            "d_spike must be [n]"
        );
        assert_eq!(
            tape.threshold.len(),
            net_steps * cells,
            "tape and batch disagree"
        );
        // No penalty: zeros, so that the per-neuron loop needs no branch.
        let no_penalty;
        let d_spike = if d_spike.is_empty() {
            no_penalty = vec![0.0f32; n];
            &no_penalty
        } else {
            d_spike
        };
        // Adjoints of the state after the step being processed.
        let mut g_v = vec![0.0f32; cells];
        let mut g_b = vec![0.0f32; cells];
        let mut g_z = vec![0.0f32; cells];
        let mut g_trace = vec![0.0f32; feature_cells];
        // dL/dI per network step, for the weight gradients at the end.
        // The tape keeps this buffer between calls: no fresh pages every update.
        let mut g_current = std::mem::take(&mut tape.g_current);
        g_current.clear();
        g_current.resize(net_steps * cells, 0.0);
        // Serial: one whole-batch product per step and no pool overhead;
        // else each thread one run of rows, as in forward.rs.
        let run_rows = super::rows_per_thread(batch);
        let serial = run_rows.is_none();
        let block = run_rows.map_or(cells.max(1), |rows| rows * n);
        for s in (0..net_steps).rev() {
            let t = s / self.k_steps;
            let last_of_env_step = s % self.k_steps == self.k_steps - 1;
            let at = s * cells..(s + 1) * cells;
            let work: Vec<_> = g_v
                .chunks_mut(block)
                .zip(g_b.chunks_mut(block))
                .zip(g_z.chunks_mut(block))
                .zip(g_trace.chunks_mut(block * per_neuron))
                .zip(g_current[at.clone()].chunks_mut(block))
                .map(|((((v, b), z), trace), current)| RowAdjoints {
                    v,
                    b,
                    z,
                    trace,
                    current,
                })
                .enumerate()
                .collect();
            let tape = &*tape;
            // One run of rows: the adjoints of its cells, overwritten.
            let block_step = |(i, mut g): (usize, RowAdjoints<'_>)| {
                if last_of_env_step {
                    let from = (t * cells + i * block) * per_neuron;
                    for (g, &d) in g.trace.iter_mut().zip(&d_features[from..]) {
                        *g += d;
                    }
                }
                let from = at.start + i * block;
                let part = from..(from + block).min(at.end);
                let rows = RowTape {
                    v_prev: &tape.v_prev[part.clone()],
                    z_prev: &tape.z_prev[part.clone()],
                    threshold: &tape.threshold[part.clone()],
                    pseudo: &tape.pseudo[part],
                };
                pulp::Arch::new().dispatch(BackwardRows {
                    kernel: self,
                    tape: rows,
                    adjoints: &mut g,
                    d_spike,
                });
                // z's use in the recurrent input: g_z += dL/dI · W_rec^T. The
                // spikes before the first step are a constant: no gradient.
                if s > 0 {
                    let before = from - cells..(from - cells + g.z.len());
                    self.add_recurrent_transposed(g.current, g.z, &tape.pseudo[before]);
                }
            };
            if serial {
                work.into_iter().for_each(block_step);
            } else {
                work.into_par_iter().for_each(block_step);
            }
        }
        // dL/dI summed over the K network steps of each environment step, for W_in.
        let summed;
        let per_env_step: &[f32] = if self.k_steps == 1 {
            &g_current
        } else {
            let mut acc = vec![0.0f32; env_steps * cells];
            for s in 0..net_steps {
                let t = s / self.k_steps;
                for (a, &g) in acc[t * cells..(t + 1) * cells]
                    .iter_mut()
                    .zip(&g_current[s * cells..(s + 1) * cells])
                {
                    *a += g;
                }
            }
            summed = acc;
            &summed
        };
        // The weight gradients sum over every step of every row: worth
        // sharing out even for a single block.
        let one_thread = rayon::current_num_threads() == 1;
        let grads = self.weight_grads(tape, &g_current, per_env_step, batch, one_thread);
        tape.g_current = g_current;
        grads
    }

    /// `g_z += g_i W_rec^T` for rows `[rows, n]` (whole blocks of
    /// [`BLOCK_ROWS`] rows from a block boundary): on the lists of synapses of
    /// a sparse network, else one dense product per run of dense blocks.
    ///
    /// `surrogate` holds the surrogate derivatives of the spikes `g_z` belongs
    /// to: a spike's gradient reaches the loss only through its surrogate
    /// derivative (the backward step multiplies them), so where that is zero
    /// the sum is not needed. A block where few are nonzero (event-driven,
    /// [`Self::event_driven`] with [`super::SURROGATE_BELOW`]) sums only those `(row, j)`.
    fn add_recurrent_transposed(&self, g_i: &[f32], g_z: &mut [f32], surrogate: &[f32]) {
        let n = self.n;
        if let Some(synapses) = &self.rec_rows {
            synapses.add_transposed(g_i, g_z);
            return;
        }
        let below = super::SURROGATE_BELOW;
        let runs = super::BlockRuns::new(g_i.len(), BLOCK_ROWS * n, |at| {
            self.event_driven(&surrogate[at], below)
        });
        for (at, sparse) in runs {
            let (g_i, g_z) = (&g_i[at.clone()], &mut g_z[at.clone()]);
            if sparse {
                pulp::Arch::new().dispatch(MaskedTransposed {
                    n,
                    w_rec: &self.w_rec,
                    g_i,
                    g_z,
                    surrogate: &surrogate[at],
                });
            } else {
                gemm_add_a_bt(g_i.len() / n, n, n, g_i, &self.w_rec, g_z);
            }
        }
    }

    /// dL/dW_rec = sum over network steps of z_prev^T dL/dI and dL/dW_in = sum
    /// over environment steps of x^T (dL/dI summed over its K steps). The rows
    /// of each gradient are split over the threads; every element is summed
    /// over the same steps in the same order whatever the split, so the thread
    /// count changes no bit.
    fn weight_grads(
        &self,
        tape: &Tape,
        g_current: &[f32],
        per_env_step: &[f32],
        batch: usize,
        serial: bool,
    ) -> KernelGrads {
        let (n, n_in) = (self.n, self.n_in);
        let samples = tape.env_steps * self.k_steps * batch;
        let parts = if serial {
            1
        } else {
            rayon::current_num_threads()
        };
        let rec_rows = n.div_ceil(parts).max(1);
        let mut w_rec = vec![0.0f32; n * n];
        // Spikes are 0 or 1: where few fired, each spike adds its step's
        // dL/dI row to the gradient row of the neuron that fired.
        let sparse = self.use_sparse(&tape.z_prev);
        let rec_part = |(p, out): (usize, &mut [f32])| {
            let rows = p * rec_rows..(p * rec_rows + out.len() / n);
            if let Some(synapses) = &self.rec_rows {
                synapses.weight_grad_rows(&tape.z_prev, g_current, rows, out);
            } else if sparse {
                for (z, g) in tape.z_prev.chunks_exact(n).zip(g_current.chunks_exact(n)) {
                    for j in rows.clone().filter(|&j| z[j] != 0.0) {
                        let row = &mut out[(j - rows.start) * n..][..n];
                        for (w, &g) in row.iter_mut().zip(g) {
                            *w += g;
                        }
                    }
                }
            } else {
                gemm_at_b_rows(n, samples, n, &tape.z_prev, g_current, rows, out);
            }
        };
        let in_rows = n_in.div_ceil(parts).max(1);
        let mut w_in = vec![0.0f32; n_in * n];
        let env_samples = tape.env_steps * batch;
        let in_part = |(p, out): (usize, &mut [f32])| {
            let rows = p * in_rows..(p * in_rows + out.len() / n);
            gemm_at_b_rows(n_in, env_samples, n, &tape.x, per_env_step, rows, out);
        };
        if serial {
            w_rec
                .chunks_mut(rec_rows * n)
                .enumerate()
                .for_each(rec_part);
            w_in.chunks_mut(in_rows * n).enumerate().for_each(in_part);
        } else {
            w_rec
                .par_chunks_mut(rec_rows * n)
                .enumerate()
                .for_each(rec_part);
            w_in.par_chunks_mut(in_rows * n)
                .enumerate()
                .for_each(in_part);
        }
        for j in 0..n {
            w_rec[j * n + j] = 0.0;
        }
        // No gradient where no synapse exists.
        for (grad, exists) in [(&mut w_in, &self.in_exists), (&mut w_rec, &self.rec_exists)] {
            if let Some(exists) = exists {
                for (g, &e) in grad.iter_mut().zip(exists) {
                    *g *= e;
                }
            }
        }
        KernelGrads { w_in, w_rec }
    }

    /// One step of the backward pass for one batch row: from the adjoints of the
    /// state after the step to those before it, and dL/dI of the step.
    #[inline(always)]
    fn backward_row(&self, tape: RowTape<'_>, g: RowAdjoints<'_>, d_spike: &[f32]) {
        // The features filter spikes (their gradient reaches z), the
        // potentials after the step (it reaches v), or both (the spikes'
        // half first).
        match self.readout {
            Readout::Spikes => self.backward_loops::<true, false>(tape, g, d_spike),
            Readout::Membrane => self.backward_loops::<false, true>(tape, g, d_spike),
            Readout::Both => self.backward_loops::<true, true>(tape, g, d_spike),
        }
    }

    /// [`Self::backward_row`] for one readout: the features' adjoints reach
    /// the spikes when `READ_SPIKES`, the potentials when `READ_MEMBRANE`.
    #[inline(always)]
    fn backward_loops<const READ_SPIKES: bool, const READ_MEMBRANE: bool>(
        &self,
        tape: RowTape<'_>,
        g: RowAdjoints<'_>,
        d_spike: &[f32],
    ) {
        // Every slice cut to length n and the model chosen once per row, so
        // the loops have no bounds checks or branches and vectorise.
        let n = self.n;
        let (r, keep) = (self.readout_rate, 1.0 - self.readout_rate);
        // The adjoints of the filtered spikes, then of the filtered
        // potentials; an unread one is empty and never touched.
        let (g_trace_z, g_trace_v) = g.trace.split_at_mut(if READ_SPIKES { n } else { 0 });
        let g_trace_z = &mut g_trace_z[..if READ_SPIKES { n } else { 0 }];
        let g_trace_v = &mut g_trace_v[..if READ_MEMBRANE { n } else { 0 }];
        let (g_v, g_b, g_z) = (&mut g.v[..n], &mut g.b[..n], &mut g.z[..n]);
        let g_current = &mut g.current[..n];
        let (v_prev, z_prev) = (&tape.v_prev[..n], &tape.z_prev[..n]);
        let (threshold, pseudo) = (&tape.threshold[..n], &tape.pseudo[..n]);
        let (alpha, rho, beta, thr) = (
            &self.alpha[..n],
            &self.rho[..n],
            &self.beta[..n],
            &self.thr[..n],
        );
        let d_spike = &d_spike[..n];
        match self.model {
            NeuronModel::Bellec2018 => {
                for j in 0..n {
                    // trace' = lerp(trace, z' or v', r); every spike may carry a rate penalty.
                    let (gz, g_v_new) = read_adjoints::<READ_SPIKES, READ_MEMBRANE>(
                        (g_z[j], g_v[j], d_spike[j]),
                        (&mut g_trace_z[..], &mut g_trace_v[..]),
                        j,
                        (r, keep),
                    );
                    let g_scaled = gz * pseudo[j];
                    // v_s = (v - A') / A';  v' = alpha v + (1 - alpha) I - A' z;
                    // A' = thr + beta b';  b' = rho b + (1 - rho) z.
                    let a = threshold[j];
                    let g_threshold = -g_scaled * v_prev[j] / (a * a) - z_prev[j] * g_v_new;
                    let g_b_total = g_b[j] + beta[j] * g_threshold;
                    g_current[j] = (1.0 - alpha[j]) * g_v_new;
                    g_z[j] = -a * g_v_new + (1.0 - rho[j]) * g_b_total;
                    g_v[j] = g_scaled / a + alpha[j] * g_v_new;
                    g_b[j] = rho[j] * g_b_total;
                }
            }
            NeuronModel::Eprop2020 => {
                for j in 0..n {
                    let (gz, g_v_new) = read_adjoints::<READ_SPIKES, READ_MEMBRANE>(
                        (g_z[j], g_v[j], d_spike[j]),
                        (&mut g_trace_z[..], &mut g_trace_v[..]),
                        j,
                        (r, keep),
                    );
                    let g_scaled = gz * pseudo[j];
                    // v_s = (v' - A') / thr;  v' = alpha v + I - thr z;
                    // A' = thr + beta b';  b' = rho b + z.
                    let g_v_total = g_v_new + g_scaled / thr[j];
                    let g_b_total = g_b[j] - beta[j] * g_scaled / thr[j];
                    g_current[j] = g_v_total;
                    g_z[j] = -thr[j] * g_v_total + g_b_total;
                    g_v[j] = alpha[j] * g_v_total;
                    g_b[j] = rho[j] * g_b_total;
                }
            }
        }
    }
}

/// The adjoints of a neuron's new spike and new potential: those after the
/// step (`g_z`, `g_v`) plus what the heads' filtered inputs pass back (the
/// spikes' when `READ_SPIKES`, the potentials' when `READ_MEMBRANE`; each
/// filter's adjoint decays in place by `keep` = 1 - `r`) and the rate
/// penalty `d_spike`.
#[inline(always)]
fn read_adjoints<const READ_SPIKES: bool, const READ_MEMBRANE: bool>(
    (g_z, g_v, d_spike): (f32, f32, f32),
    (g_trace_z, g_trace_v): (&mut [f32], &mut [f32]),
    j: usize,
    (r, keep): (f32, f32),
) -> (f32, f32) {
    let (mut gz, mut g_v_new) = (g_z, g_v);
    if READ_SPIKES {
        gz += r * g_trace_z[j];
        g_trace_z[j] *= keep;
    }
    if READ_MEMBRANE {
        g_v_new += r * g_trace_v[j];
        g_trace_v[j] *= keep;
    }
    (gz + d_spike, g_v_new)
}

// The backward loop over a run of rows as a pulp operation: `with_simd` is
// inlined into a function compiled for the CPU's vector unit (AVX2 where it
// has it), and the neuron loops into it; elementwise, so the same bits.
struct BackwardRows<'k, 't, 'g, 'a> {
    kernel: &'k SpikingKernel,
    tape: RowTape<'t>,
    adjoints: &'g mut RowAdjoints<'a>,
    d_spike: &'t [f32],
}

impl pulp::WithSimd for BackwardRows<'_, '_, '_, '_> {
    type Output = ();
    #[inline(always)]
    fn with_simd<S: pulp::Simd>(self, _: S) {
        let n = self.kernel.n;
        let per_neuron = self.kernel.readout.features_per_neuron();
        let (tape, g) = (self.tape, self.adjoints);
        for row in 0..g.v.len() / n {
            let cells = row * n..(row + 1) * n;
            let features = row * n * per_neuron..(row + 1) * n * per_neuron;
            self.kernel.backward_row(
                RowTape {
                    v_prev: &tape.v_prev[cells.clone()],
                    z_prev: &tape.z_prev[cells.clone()],
                    threshold: &tape.threshold[cells.clone()],
                    pseudo: &tape.pseudo[cells.clone()],
                },
                RowAdjoints {
                    v: &mut g.v[cells.clone()],
                    b: &mut g.b[cells.clone()],
                    z: &mut g.z[cells.clone()],
                    trace: &mut g.trace[features],
                    current: &mut g.current[cells],
                },
                self.d_spike,
            );
        }
    }
}

// The event-driven `g_z += g_i W_rec^T` of one block as a pulp operation:
// only where the surrogate derivative is nonzero, each as one dot product of
// the row's dL/dI with row j of W_rec (contiguous), in eight lanes.
struct MaskedTransposed<'a> {
    n: usize,
    w_rec: &'a [f32],
    g_i: &'a [f32],
    g_z: &'a mut [f32],
    surrogate: &'a [f32],
}

impl pulp::WithSimd for MaskedTransposed<'_> {
    type Output = ();
    #[inline(always)]
    fn with_simd<S: pulp::Simd>(self, _: S) {
        let n = self.n;
        for ((g_i, g_z), surrogate) in self
            .g_i
            .chunks_exact(n)
            .zip(self.g_z.chunks_exact_mut(n))
            .zip(self.surrogate.chunks_exact(n))
        {
            for (j, (g_z, _)) in g_z
                .iter_mut()
                .zip(surrogate)
                .enumerate()
                .filter(|(_, (_, d))| **d != 0.0)
            {
                *g_z += super::heads::dot(g_i, &self.w_rec[j * n..(j + 1) * n]);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The event-driven `g_z += g_i W_rec^T` equals the dense product where
    /// the surrogate derivative is nonzero (to f32 rounding: another order of
    /// summation) and leaves every other entry as it was.
    #[test]
    fn the_masked_product_equals_the_dense_one_where_the_surrogate_is_nonzero() {
        let (n, rows) = (37, 5);
        let w_rec: Vec<f32> = (0..n * n)
            .map(|i| ((i * 7919) % 1000) as f32 * 1e-3 - 0.5)
            .collect();
        let g_i: Vec<f32> = (0..rows * n)
            .map(|i| ((i * 104729) % 997) as f32 * 1e-3 - 0.5)
            .collect();
        let surrogate: Vec<f32> = (0..rows * n)
            .map(|i| if i % 3 == 0 { 0.3 } else { 0.0 })
            .collect();
        let start: Vec<f32> = (0..rows * n).map(|i| (i % 11) as f32 * 0.1).collect();
        let mut dense = start.clone();
        gemm_add_a_bt(rows, n, n, &g_i, &w_rec, &mut dense);
        let mut masked = start.clone();
        pulp::Arch::new().dispatch(MaskedTransposed {
            n,
            w_rec: &w_rec,
            g_i: &g_i,
            g_z: &mut masked,
            surrogate: &surrogate,
        });
        for (i, &d) in surrogate.iter().enumerate() {
            if d != 0.0 {
                assert!((masked[i] - dense[i]).abs() < 1e-5, "entry {i}");
            } else {
                assert_eq!(masked[i], start[i], "entry {i} must be left alone");
            }
        }
    }
}
