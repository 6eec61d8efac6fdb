//! The forward step: K network steps per environment step. The batch is cut
//! into blocks of [`BLOCK_ROWS`] samples, and each thread of the pool takes a
//! run of consecutive blocks; per run and network step, one dense recurrent
//! product over its consecutive dense blocks (the sum of the rows of the
//! neurons that fired for a sparse block) and one fused loop over the neurons.

use rayon::prelude::*;

use super::gemm::{gemm, lerp};
use super::state::{KernelState, Tape};
use super::{BLOCK_ROWS, RecurrentProduct, SpikingKernel};
use crate::config::{NeuronModel, Readout};

/// One block of batch rows of the state, each buffer `[rows, n]`.
struct Rows<'a> {
    v: &'a mut [f32],
    z: &'a mut [f32],
    b: &'a mut [f32],
    refractory: &'a mut [f32],
    trace: &'a mut [f32],
    step_spikes: &'a mut [f32],
    threshold: &'a mut [f32],
    /// Holds the scaled potential until the second loop, then the surrogate derivative.
    pseudo: &'a mut [f32],
    input_current: &'a [f32],
    current: &'a mut [f32],
}

impl<'a> Rows<'a> {
    /// Every row of the state.
    fn whole(state: &'a mut KernelState) -> Self {
        Rows {
            v: &mut state.v,
            z: &mut state.z,
            b: &mut state.b,
            refractory: &mut state.refractory,
            trace: &mut state.trace,
            step_spikes: &mut state.step_spikes,
            threshold: &mut state.threshold,
            pseudo: &mut state.pseudo,
            input_current: &state.input_current,
            current: &mut state.current,
        }
    }

    /// The first `cells` cells of every buffer, and the rest.
    fn split(self, cells: usize) -> (Self, Self) {
        let cut = |buffer: &'a mut [f32]| buffer.split_at_mut(cells);
        let ((v, v_rest), (z, z_rest), (b, b_rest)) = (cut(self.v), cut(self.z), cut(self.b));
        let (refractory, refractory_rest) = cut(self.refractory);
        let ((trace, trace_rest), (step_spikes, step_spikes_rest)) =
            (cut(self.trace), cut(self.step_spikes));
        let ((threshold, threshold_rest), (pseudo, pseudo_rest)) =
            (cut(self.threshold), cut(self.pseudo));
        let (input_current, input_current_rest) = self.input_current.split_at(cells);
        let (current, current_rest) = cut(self.current);
        (
            Rows {
                v,
                z,
                b,
                refractory,
                trace,
                step_spikes,
                threshold,
                pseudo,
                input_current,
                current,
            },
            Rows {
                v: v_rest,
                z: z_rest,
                b: b_rest,
                refractory: refractory_rest,
                trace: trace_rest,
                step_spikes: step_spikes_rest,
                threshold: threshold_rest,
                pseudo: pseudo_rest,
                input_current: input_current_rest,
                current: current_rest,
            },
        )
    }

    /// Cut into pieces of `cells` cells (the last one may be shorter).
    fn pieces(self, cells: usize) -> Vec<Self> {
        let mut out = Vec::new();
        let mut rest = self;
        while !rest.v.is_empty() {
            let at = cells.min(rest.v.len());
            let (piece, tail) = rest.split(at);
            out.push(piece);
            rest = tail;
        }
        out
    }
}

impl SpikingKernel {
    /// The all-zero state of `batch` samples.
    pub fn initial_state(&self, batch: usize) -> KernelState {
        let zeros = || vec![0.0; batch * self.n];
        KernelState {
            batch,
            v: zeros(),
            z: zeros(),
            b: zeros(),
            refractory: zeros(),
            trace: zeros(),
            step_spikes: zeros(),
            threshold: zeros(),
            pseudo: zeros(),
            input_current: zeros(),
            current: zeros(),
        }
    }

    /// One environment step (K network steps) on inputs `x` `[B, n_in]`; the new
    /// features are `state.trace`. With a tape, records what [`Self::backward`] needs.
    ///
    /// Runs of consecutive blocks of [`BLOCK_ROWS`] samples run in parallel on
    /// rayon's thread pool, one run per thread. How the blocks are grouped
    /// depends on the number of threads; the results do not (every product
    /// cut into row runs equals the whole-batch product bit for bit, and the
    /// dense/sparse choice is made per block).
    ///
    /// # Panics
    /// If `x` or the state do not have this kernel's sizes.
    pub fn step(&self, x: &[f32], state: &mut KernelState, tape: Option<&mut Tape>) {
        let (batch, n, n_in) = (state.batch, self.n, self.n_in);
        assert_eq!(x.len(), batch * n_in, "x must be [B, n_in]");
        assert_eq!(state.v.len(), batch * n, "state must be [B, n]");
        // Serial: whole-batch products and no pool overhead; the results
        // are the same either way (see `rows_per_thread`).
        let run_rows = super::rows_per_thread(batch);
        let block = BLOCK_ROWS * n;
        if let Some(rows) = run_rows {
            state
                .input_current
                .par_chunks_mut(rows * n)
                .zip(x.par_chunks(rows * n_in))
                .for_each(|(current, x)| {
                    gemm(x.len() / n_in, n_in, n, x, &self.w_in, 0.0, current);
                });
        } else {
            gemm(batch, n_in, n, x, &self.w_in, 0.0, &mut state.input_current);
        }
        let mut tape = tape;
        if let Some(tape) = tape.as_deref_mut() {
            tape.x.extend_from_slice(x);
            tape.spike_count.resize(n, 0.0);
            tape.env_steps += 1;
        }
        state.step_spikes.fill(0.0);
        for _ in 0..self.k_steps {
            if let Some(tape) = tape.as_deref_mut() {
                tape.v_prev.extend_from_slice(&state.v);
                tape.z_prev.extend_from_slice(&state.z);
            }
            // Each thread takes one run of consecutive blocks (one thread: the
            // whole batch), so a weight matrix is packed for its products once
            // per thread and step rather than once per block.
            match run_rows {
                Some(rows) => Rows::whole(state)
                    .pieces(rows * n)
                    .into_par_iter()
                    .for_each(|run| self.group_step(run, block)),
                None => self.group_step(Rows::whole(state), block),
            }
            if let Some(tape) = tape.as_deref_mut() {
                tape.threshold.extend_from_slice(&state.threshold);
                tape.pseudo.extend_from_slice(&state.pseudo);
                for z in state.z.chunks_exact(n) {
                    for (count, &spike) in tape.spike_count.iter_mut().zip(z) {
                        *count += spike as f64;
                    }
                }
            }
        }
    }

    /// Whether a block whose spikes (0 or 1) are `z` takes the sparse
    /// recurrent product.
    pub(super) fn use_sparse(&self, z: &[f32]) -> bool {
        match self.recurrent {
            RecurrentProduct::Dense => false,
            RecurrentProduct::Sparse => true,
            RecurrentProduct::Auto => {
                let spikes = z.iter().filter(|&&s| s != 0.0).count();
                (spikes as f32) < super::SPARSE_BELOW * z.len() as f32
            }
        }
    }

    /// One network step of a run of whole blocks of `block` cells. Whether a
    /// block takes the sparse recurrent product is decided per block, as
    /// always; consecutive dense blocks share one product, which equals their
    /// per-block products bit for bit (a test in gemm.rs), so how the blocks
    /// are grouped changes no result.
    fn group_step(&self, rows: Rows<'_>, block: usize) {
        let n = self.n;
        // I = x W_in + z W_rec, with z the spikes before this step.
        rows.current.copy_from_slice(rows.input_current);
        let cells = rows.z.len();
        let mut start = 0;
        while start < cells {
            let block_end = (start + block).min(cells);
            let (z, current) = (
                &rows.z[start..block_end],
                &mut rows.current[start..block_end],
            );
            if let Some(synapses) = &self.rec_rows {
                synapses.add_fired(z, current);
                start = block_end;
            } else if self.use_sparse(z) {
                // Spikes are 0 or 1: z W_rec is the sum of the rows of W_rec
                // of the neurons that fired.
                for (current, z) in current.chunks_exact_mut(n).zip(z.chunks_exact(n)) {
                    for (j, _) in z.iter().enumerate().filter(|(_, s)| **s != 0.0) {
                        let w = &self.w_rec[j * n..(j + 1) * n];
                        for (c, &w) in current.iter_mut().zip(w) {
                            *c += w;
                        }
                    }
                }
                start = block_end;
            } else {
                let mut end = block_end;
                while end < cells && !self.use_sparse(&rows.z[end..(end + block).min(cells)]) {
                    end = (end + block).min(cells);
                }
                let (z, current) = (&rows.z[start..end], &mut rows.current[start..end]);
                gemm(z.len() / n, n, n, z, &self.w_rec, 1.0, current);
                start = end;
            }
        }
        self.update_rows(rows);
    }

    /// The neuron updates of a block of rows whose input currents are set.
    fn update_rows(&self, rows: Rows<'_>) {
        for row in rows.pieces(self.n) {
            self.update_row(row);
        }
    }

    /// The neuron update of one batch row (every slice of length n).
    fn update_row(&self, row: Rows<'_>) {
        // Every slice has length n, so the loops below need no bounds checks and
        // vectorise; the model is chosen once per row, not per neuron.
        let n = self.n;
        let v = &mut row.v[..n];
        let z = &mut row.z[..n];
        let b = &mut row.b[..n];
        let refractory = &mut row.refractory[..n];
        let trace = &mut row.trace[..n];
        let step_spikes = &mut row.step_spikes[..n];
        let threshold_out = &mut row.threshold[..n];
        // Holds (v - A) / A (or its e-prop variant) until the second loop.
        let scaled = &mut row.pseudo[..n];
        let current = &row.current[..n];
        let (alpha, rho) = (&self.alpha[..n], &self.rho[..n]);
        let (beta, thr) = (&self.beta[..n], &self.thr[..n]);
        // 1. Adaptation, threshold, membrane.
        match self.model {
            NeuronModel::Bellec2018 => {
                for j in 0..n {
                    let b_new = lerp(b[j], z[j], 1.0 - rho[j]);
                    let threshold = thr[j] + beta[j] * b_new;
                    scaled[j] = (v[j] - threshold) / threshold;
                    v[j] = lerp(v[j], current[j], 1.0 - alpha[j]) - threshold * z[j];
                    b[j] = b_new;
                    threshold_out[j] = threshold;
                }
            }
            NeuronModel::Eprop2020 => {
                for j in 0..n {
                    let b_new = z[j] + rho[j] * b[j];
                    let threshold = thr[j] + beta[j] * b_new;
                    let v_new = current[j] + alpha[j] * v[j] - thr[j] * z[j];
                    scaled[j] = (v_new - threshold) / thr[j];
                    v[j] = v_new;
                    b[j] = b_new;
                    threshold_out[j] = threshold;
                }
            }
        }
        // 2. Spikes, surrogate derivatives, refractoriness, readout.
        let n_refractory = self.n_refractory as f32;
        let refractory_on = self.n_refractory > 0;
        let membrane = self.readout == Readout::Membrane;
        for j in 0..n {
            let v_scaled = scaled[j];
            let free = refractory[j] <= 0.0;
            let spike = if free && v_scaled > 0.0 { 1.0 } else { 0.0 };
            scaled[j] = if free {
                self.dampening * (1.0 - v_scaled.abs()).max(0.0)
            } else {
                0.0
            };
            if refractory_on {
                refractory[j] = (spike * (n_refractory + 1.0) + refractory[j] - 1.0).max(0.0);
            }
            z[j] = spike;
            let read = if membrane { v[j] } else { spike };
            trace[j] = lerp(trace[j], read, self.readout_rate);
            step_spikes[j] += spike;
        }
    }
}
