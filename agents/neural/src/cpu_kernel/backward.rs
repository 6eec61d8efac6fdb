//! The hand-derived backward pass through time over a recorded tape: the
//! surrogate gradients autograd computes for the tensor version, block by
//! block of batch rows in parallel (see the module's notes on parallelism).

use rayon::prelude::*;

use super::gemm::{gemm_add_a_bt, gemm_at_b};
use super::{BLOCK_ROWS, SpikingKernel};
use super::state::{KernelGrads, RowAdjoints, RowTape, Tape};
use crate::config::NeuronModel;

impl SpikingKernel {
    /// Backpropagation through the steps on `tape`, from the state before its first
    /// step (treated as a constant: truncated BPTT) to its last.
    ///
    /// `d_features` `[T, B, n]` is the loss's gradient with respect to the features
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
        let env_steps = tape.env_steps;
        let net_steps = env_steps * self.k_steps;
        assert_eq!(
            d_features.len(),
            env_steps * cells,
            "d_features must be [T, B, n]"
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
        // Adjoints of the state after the step being processed.
        let mut g_v = vec![0.0f32; cells];
        let mut g_b = vec![0.0f32; cells];
        let mut g_z = vec![0.0f32; cells];
        let mut g_trace = vec![0.0f32; cells];
        // dL/dI per network step, for the weight gradients at the end.
        // The tape keeps this buffer between calls: no fresh pages every update.
        let mut g_current = std::mem::take(&mut tape.g_current);
        g_current.clear();
        g_current.resize(net_steps * cells, 0.0);
        let block = BLOCK_ROWS * n;
        for s in (0..net_steps).rev() {
            let t = s / self.k_steps;
            let last_of_env_step = s % self.k_steps == self.k_steps - 1;
            let at = s * cells..(s + 1) * cells;
            let step_tape = |buffer: &'_ [f32], i: usize| {
                let from = at.start + i * block;
                &buffer[from..(from + block).min(at.end)]
            };
            let work: Vec<_> = g_v
                .chunks_mut(block)
                .zip(g_b.chunks_mut(block))
                .zip(g_z.chunks_mut(block))
                .zip(g_trace.chunks_mut(block))
                .zip(g_current[at.clone()].chunks_mut(block))
                .enumerate()
                .collect();
            let tape = &*tape;
            work.into_par_iter()
                .for_each(|(i, ((((g_v, g_b), g_z), g_trace), g_i))| {
                    if last_of_env_step {
                        let from = t * cells + i * block;
                        for (g, &d) in g_trace.iter_mut().zip(&d_features[from..]) {
                            *g += d;
                        }
                    }
                    let (v_prev, z_prev) = (step_tape(&tape.v_prev, i), step_tape(&tape.z_prev, i));
                    let (threshold, pseudo) =
                        (step_tape(&tape.threshold, i), step_tape(&tape.pseudo, i));
                    for row in 0..g_v.len() / n {
                        let cells = row * n..(row + 1) * n;
                        self.backward_row(
                            RowTape {
                                v_prev: &v_prev[cells.clone()],
                                z_prev: &z_prev[cells.clone()],
                                threshold: &threshold[cells.clone()],
                                pseudo: &pseudo[cells.clone()],
                            },
                            RowAdjoints {
                                v: &mut g_v[cells.clone()],
                                b: &mut g_b[cells.clone()],
                                z: &mut g_z[cells.clone()],
                                trace: &mut g_trace[cells.clone()],
                                current: &mut g_i[cells],
                            },
                            d_spike,
                        );
                    }
                    // z's use in the recurrent input: g_z += dL/dI · W_rec^T.
                    gemm_add_a_bt(g_v.len() / n, n, n, g_i, &self.w_rec, g_z);
                });
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
        // The weight gradients, block by block in parallel, summed in block order.
        let blocks = batch.div_ceil(BLOCK_ROWS);
        let partials: Vec<KernelGrads> = (0..blocks)
            .into_par_iter()
            .map(|i| {
                let rows = i * BLOCK_ROWS..((i + 1) * BLOCK_ROWS).min(batch);
                self.block_weight_grads(tape, &g_current, per_env_step, batch, rows)
            })
            .collect();
        let mut grads = KernelGrads {
            w_in: vec![0.0f32; self.n_in * n],
            w_rec: vec![0.0f32; n * n],
        };
        for partial in &partials {
            for (g, &p) in grads.w_in.iter_mut().zip(&partial.w_in) {
                *g += p;
            }
            for (g, &p) in grads.w_rec.iter_mut().zip(&partial.w_rec) {
                *g += p;
            }
        }
        for j in 0..n {
            grads.w_rec[j * n + j] = 0.0;
        }
        tape.g_current = g_current;
        grads
    }

    /// The weight gradients of the batch rows `rows`: dL/dW_rec = sum over
    /// network steps of z_prev^T dL/dI, dL/dW_in = sum over environment steps of
    /// x^T (dL/dI summed over its K steps).
    fn block_weight_grads(
        &self,
        tape: &Tape,
        g_current: &[f32],
        per_env_step: &[f32],
        batch: usize,
        rows: std::ops::Range<usize>,
    ) -> KernelGrads {
        let (n, n_in) = (self.n, self.n_in);
        let net_steps = tape.env_steps * self.k_steps;
        // The block's rows of every step, one after another.
        let gather = |buffer: &[f32], steps: usize, width: usize| -> Vec<f32> {
            let mut out = Vec::with_capacity(steps * rows.len() * width);
            for s in 0..steps {
                out.extend_from_slice(&buffer[(s * batch + rows.start) * width..][..rows.len() * width]);
            }
            out
        };
        let z_prev = gather(&tape.z_prev, net_steps, n);
        let mut w_rec = vec![0.0f32; n * n];
        if self.use_sparse(&z_prev) {
            // Spikes are 0 or 1: each spike adds its step's dL/dI row to the
            // row of W_rec's gradient of the neuron that fired.
            for s in 0..net_steps {
                for (local, row) in rows.clone().enumerate() {
                    let z = &z_prev[(s * rows.len() + local) * n..][..n];
                    let g = &g_current[(s * batch + row) * n..][..n];
                    for (j, _) in z.iter().enumerate().filter(|(_, s)| **s != 0.0) {
                        for (w, &g) in w_rec[j * n..(j + 1) * n].iter_mut().zip(g) {
                            *w += g;
                        }
                    }
                }
            }
        } else {
            let g = gather(g_current, net_steps, n);
            gemm_at_b(n, net_steps * rows.len(), n, &z_prev, &g, &mut w_rec);
        }
        let x = gather(&tape.x, tape.env_steps, n_in);
        let g = gather(per_env_step, tape.env_steps, n);
        let mut w_in = vec![0.0f32; n_in * n];
        gemm_at_b(n_in, tape.env_steps * rows.len(), n, &x, &g, &mut w_in);
        KernelGrads { w_in, w_rec }
    }

    /// One step of the backward pass for one batch row: from the adjoints of the
    /// state after the step to those before it, and dL/dI of the step.
    fn backward_row(&self, tape: RowTape<'_>, g: RowAdjoints<'_>, d_spike: &[f32]) {
        let r = self.readout_rate;
        for j in 0..self.n {
            // trace' = lerp(trace, z', r); every spike may carry a rate penalty.
            let mut gz = g.z[j] + r * g.trace[j];
            if let Some(&d) = d_spike.get(j) {
                gz += d;
            }
            g.trace[j] *= 1.0 - r;
            let g_scaled = gz * tape.pseudo[j];
            let (alpha, rho, beta) = (self.alpha[j], self.rho[j], self.beta[j]);
            match self.model {
                NeuronModel::Bellec2018 => {
                    // v_s = (v - A') / A';  v' = alpha v + (1 - alpha) I - A' z;
                    // A' = thr + beta b';  b' = rho b + (1 - rho) z.
                    let a = tape.threshold[j];
                    let g_threshold =
                        -g_scaled * tape.v_prev[j] / (a * a) - tape.z_prev[j] * g.v[j];
                    let g_b_total = g.b[j] + beta * g_threshold;
                    g.current[j] = (1.0 - alpha) * g.v[j];
                    g.z[j] = -a * g.v[j] + (1.0 - rho) * g_b_total;
                    g.v[j] = g_scaled / a + alpha * g.v[j];
                    g.b[j] = rho * g_b_total;
                }
                NeuronModel::Eprop2020 => {
                    // v_s = (v' - A') / thr;  v' = alpha v + I - thr z;
                    // A' = thr + beta b';  b' = rho b + z.
                    let thr = self.thr[j];
                    let g_v_total = g.v[j] + g_scaled / thr;
                    let g_b_total = g.b[j] - beta * g_scaled / thr;
                    g.current[j] = g_v_total;
                    g.z[j] = -thr * g_v_total + g_b_total;
                    g.v[j] = alpha * g_v_total;
                    g.b[j] = rho * g_b_total;
                }
            }
        }
    }
}
