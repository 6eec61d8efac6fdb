//! The forward step: K network steps per environment step. The batch is cut
//! into blocks of [`BLOCK_ROWS`] samples, and each thread of the pool takes a
//! run of consecutive blocks; per run and network step, one dense recurrent
//! product over its consecutive dense blocks (the sum of the rows of the
//! neurons that fired for a sparse block) and one fused loop over the neurons.

use rayon::prelude::*;

use super::gemm::{gemm, lerp};
use super::state::{KernelState, Tape};
use super::{BLOCK_ROWS, FLUSH_TRACE_BELOW, RecurrentProduct, SpikingKernel};
use crate::config::{NeuronModel, Readout};

/// One block of batch rows of the state, each buffer `[rows, n]` but the
/// features `[rows, F]`.
struct Rows<'a> {
    v: &'a mut [f32],
    z: &'a mut [f32],
    b: &'a mut [f32],
    refractory: &'a mut [f32],
    /// Features per neuron (F / n: 2 when the heads read both spikes and
    /// potentials, else 1).
    per_neuron: usize,
    trace: &'a mut [f32],
    step_spikes: &'a mut [f32],
    threshold: &'a mut [f32],
    /// Holds the scaled potential until [`emit_spikes`], then the surrogate derivative.
    pseudo: &'a mut [f32],
    input_current: &'a [f32],
    current: &'a mut [f32],
}

impl<'a> Rows<'a> {
    /// Every row of the state, whose features are `per_neuron` per neuron.
    fn whole(state: &'a mut KernelState, per_neuron: usize) -> Self {
        Rows {
            v: &mut state.v,
            z: &mut state.z,
            b: &mut state.b,
            refractory: &mut state.refractory,
            per_neuron,
            trace: &mut state.trace,
            step_spikes: &mut state.step_spikes,
            threshold: &mut state.threshold,
            pseudo: &mut state.pseudo,
            input_current: &state.input_current,
            current: &mut state.current,
        }
    }

    /// The first `cells` cells of every buffer (of the features, their
    /// `per_neuron` features each), and the rest.
    fn split(self, cells: usize) -> (Self, Self) {
        let cut = |buffer: &'a mut [f32]| buffer.split_at_mut(cells);
        let ((v, v_rest), (z, z_rest), (b, b_rest)) = (cut(self.v), cut(self.z), cut(self.b));
        let (refractory, refractory_rest) = cut(self.refractory);
        let per_neuron = self.per_neuron;
        let (trace, trace_rest) = self.trace.split_at_mut(cells * per_neuron);
        let (step_spikes, step_spikes_rest) = cut(self.step_spikes);
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
                per_neuron,
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
                per_neuron,
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
            trace: vec![0.0; batch * self.feature_size()],
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
        let per_neuron = self.readout.features_per_neuron();
        assert_eq!(
            state.trace.len(),
            batch * n * per_neuron,
            "state.trace must be [B, F] (a state of this kernel's readout)"
        );
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
                Some(rows) => Rows::whole(state, per_neuron)
                    .pieces(rows * n)
                    .into_par_iter()
                    .for_each(|run| self.group_step(run, block)),
                None => self.group_step(Rows::whole(state, per_neuron), block),
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

    /// Whether a block takes the event-driven path: always with `Sparse`,
    /// never with `Dense`, and with `Auto` where fewer than the share `below`
    /// of its `values` are nonzero (spikes forward, [`super::SPARSE_BELOW`];
    /// surrogate derivatives backward, [`super::SURROGATE_BELOW`]).
    pub(super) fn event_driven(&self, values: &[f32], below: f32) -> bool {
        match self.recurrent {
            RecurrentProduct::Dense => false,
            RecurrentProduct::Sparse => true,
            RecurrentProduct::Auto => {
                let nonzero = values.iter().filter(|&&v| v != 0.0).count();
                (nonzero as f32) < below * values.len() as f32
            }
        }
    }

    /// Whether a block whose spikes (0 or 1) are `z` takes the sparse
    /// recurrent product.
    pub(super) fn use_sparse(&self, z: &[f32]) -> bool {
        self.event_driven(z, super::SPARSE_BELOW)
    }

    /// One network step of a run of whole blocks of `block` cells. Whether a
    /// block takes the sparse recurrent product is decided per block, as
    /// always; consecutive dense blocks share one product (see
    /// [`super::BlockRuns`]), so how the blocks are grouped changes no result.
    fn group_step(&self, rows: Rows<'_>, block: usize) {
        let n = self.n;
        // I = x W_in + z W_rec, with z the spikes before this step.
        rows.current.copy_from_slice(rows.input_current);
        if let Some(synapses) = &self.rec_rows {
            for (z, current) in rows.z.chunks(block).zip(rows.current.chunks_mut(block)) {
                synapses.add_fired(z, current);
            }
        } else {
            let z_all: &[f32] = rows.z;
            let runs = super::BlockRuns::new(z_all.len(), block, |at| self.use_sparse(&z_all[at]));
            for (at, sparse) in runs {
                let (z, current) = (&z_all[at.clone()], &mut rows.current[at]);
                if sparse {
                    pulp::Arch::new().dispatch(FiredRows {
                        n,
                        w_rec: &self.w_rec,
                        z,
                        current,
                    });
                } else {
                    gemm(z.len() / n, n, n, z, &self.w_rec, 1.0, current);
                }
            }
        }
        self.update_rows(rows);
    }

    /// The neuron updates of a block of rows whose input currents are set,
    /// compiled for the CPU's vector unit (AVX2 where it has it: eight neurons
    /// per instruction instead of SSE's four; the same operations in the same
    /// order, so the same bits).
    fn update_rows(&self, rows: Rows<'_>) {
        pulp::Arch::new().dispatch(NeuronUpdate { kernel: self, rows });
    }

    /// The neuron update of one batch row (every slice of length n but the
    /// features, F = n or 2n).
    #[inline(always)]
    fn update_row(&self, row: Rows<'_>) {
        let n = self.n;
        let params = NeuronParams {
            alpha: &self.alpha[..n],
            rho: &self.rho[..n],
            beta: &self.beta[..n],
            thr: &self.thr[..n],
        };
        // The model is chosen once per row, not per neuron. Each loop is a
        // function of its own whose slices are parameters: the compiler then
        // knows they do not overlap and vectorises the loops.
        let (current, v, b, z) = (
            &row.current[..n],
            &mut row.v[..n],
            &mut row.b[..n],
            &row.z[..n],
        );
        let (threshold, pseudo) = (&mut row.threshold[..n], &mut row.pseudo[..n]);
        match self.model {
            NeuronModel::Bellec2018 => {
                membrane::<false>(params, current, v, b, z, threshold, pseudo)
            }
            NeuronModel::Eprop2020 => membrane::<true>(params, current, v, b, z, threshold, pseudo),
        }
        let spike_params = SpikeParams {
            dampening: self.dampening,
            n_refractory: self.n_refractory as f32,
            readout_rate: self.readout_rate,
        };
        // The features of the row: the filtered spikes, the filtered
        // potentials, or both side by side (spikes first).
        let (trace_z, trace_v): (&mut [f32], &mut [f32]) = match self.readout {
            Readout::Spikes => (&mut row.trace[..n], &mut []),
            Readout::Membrane => (&mut [], &mut row.trace[..n]),
            Readout::Both => row.trace[..2 * n].split_at_mut(n),
        };
        let out = SpikeOutputs {
            z: &mut row.z[..n],
            refractory: &mut row.refractory[..n],
            trace_z,
            trace_v,
            step_spikes: &mut row.step_spikes[..n],
        };
        let (pseudo, v) = (&mut row.pseudo[..n], &row.v[..n]);
        match self.readout {
            Readout::Spikes => emit_spikes::<true, false>(spike_params, pseudo, v, out),
            Readout::Membrane => emit_spikes::<false, true>(spike_params, pseudo, v, out),
            Readout::Both => emit_spikes::<true, true>(spike_params, pseudo, v, out),
        }
    }
}

// The event-driven recurrent input of one block as a pulp operation (AVX2
// where the CPU has it): spikes are 0 or 1, so z W_rec is the sum of the rows
// of W_rec of the neurons that fired, added in the order of j.
struct FiredRows<'a> {
    n: usize,
    w_rec: &'a [f32],
    z: &'a [f32],
    current: &'a mut [f32],
}

impl pulp::WithSimd for FiredRows<'_> {
    type Output = ();
    #[inline(always)]
    fn with_simd<S: pulp::Simd>(self, _: S) {
        let n = self.n;
        for (current, z) in self.current.chunks_exact_mut(n).zip(self.z.chunks_exact(n)) {
            for (j, _) in z.iter().enumerate().filter(|(_, s)| **s != 0.0) {
                let w = &self.w_rec[j * n..(j + 1) * n];
                for (c, &w) in current.iter_mut().zip(w) {
                    *c += w;
                }
            }
        }
    }
}

// The neuron loops as a pulp operation: `with_simd` is inlined into a
// function compiled for the CPU's vector unit, and the loops into it.
struct NeuronUpdate<'k, 'r> {
    kernel: &'k SpikingKernel,
    rows: Rows<'r>,
}

impl pulp::WithSimd for NeuronUpdate<'_, '_> {
    type Output = ();
    #[inline(always)]
    fn with_simd<S: pulp::Simd>(self, _: S) {
        // Row by row, cut off the front (no list of rows to allocate).
        let mut rest = self.rows;
        while !rest.v.is_empty() {
            let (row, tail) = rest.split(self.kernel.n);
            self.kernel.update_row(row);
            rest = tail;
        }
    }
}

/// The per-neuron constants of one row's update, each `[n]`.
#[derive(Clone, Copy)]
struct NeuronParams<'a> {
    alpha: &'a [f32],
    rho: &'a [f32],
    beta: &'a [f32],
    thr: &'a [f32],
}

/// Adaptation, threshold and membrane for one row, with the e-prop equations
/// (`EPROP`) or the 2018 reference's; leaves the scaled potential in `scaled`
/// for [`emit_spikes`]: `(v - A) / thr` (e-prop) or `(v - A) / A` (2018).
#[inline(always)]
fn membrane<const EPROP: bool>(
    p: NeuronParams<'_>,
    current: &[f32],
    v: &mut [f32],
    b: &mut [f32],
    z: &[f32],
    threshold_out: &mut [f32],
    scaled: &mut [f32],
) {
    let n = v.len();
    let (current, b, z) = (&current[..n], &mut b[..n], &z[..n]);
    let (threshold_out, scaled) = (&mut threshold_out[..n], &mut scaled[..n]);
    let (alpha, rho, beta, thr) = (&p.alpha[..n], &p.rho[..n], &p.beta[..n], &p.thr[..n]);
    for j in 0..n {
        // The model is a constant: each instance of this loop has one body.
        if EPROP {
            let b_new = z[j] + rho[j] * b[j];
            let threshold = thr[j] + beta[j] * b_new;
            let v_new = current[j] + alpha[j] * v[j] - thr[j] * z[j];
            scaled[j] = (v_new - threshold) / thr[j];
            v[j] = v_new;
            b[j] = b_new;
            threshold_out[j] = threshold;
        } else {
            let b_new = lerp(b[j], z[j], 1.0 - rho[j]);
            let threshold = thr[j] + beta[j] * b_new;
            scaled[j] = (v[j] - threshold) / threshold;
            v[j] = lerp(v[j], current[j], 1.0 - alpha[j]) - threshold * z[j];
            b[j] = b_new;
            threshold_out[j] = threshold;
        }
    }
}

/// The row-wide constants of [`emit_spikes`].
#[derive(Clone, Copy)]
struct SpikeParams {
    dampening: f32,
    n_refractory: f32,
    readout_rate: f32,
}

/// What [`emit_spikes`] writes besides the surrogate derivatives.
struct SpikeOutputs<'a> {
    z: &'a mut [f32],
    refractory: &'a mut [f32],
    /// The filtered spikes, `[n]` (empty when the heads do not read them).
    trace_z: &'a mut [f32],
    /// The filtered potentials, `[n]` (empty when the heads do not read them).
    trace_v: &'a mut [f32],
    step_spikes: &'a mut [f32],
}

/// Spikes, surrogate derivatives (over the scaled potentials in `pseudo`),
/// refractoriness and the heads' filtered inputs (of the spikes when
/// `READ_SPIKES`, of the potentials `v` when `READ_MEMBRANE`) for one row.
#[inline(always)]
fn emit_spikes<const READ_SPIKES: bool, const READ_MEMBRANE: bool>(
    p: SpikeParams,
    pseudo: &mut [f32],
    v: &[f32],
    out: SpikeOutputs<'_>,
) {
    let n = pseudo.len();
    let (v, z, refractory) = (&v[..n], &mut out.z[..n], &mut out.refractory[..n]);
    let step_spikes = &mut out.step_spikes[..n];
    // Cut to n where read, so the loop has no bounds checks; an unread
    // trace is empty and never touched.
    let trace_z = &mut out.trace_z[..if READ_SPIKES { n } else { 0 }];
    let trace_v = &mut out.trace_v[..if READ_MEMBRANE { n } else { 0 }];
    // No branches (`&`, selects; the refractory count is updated even
    // without refractoriness, where it stays 0), so the loop vectorises.
    for j in 0..n {
        let v_scaled = pseudo[j];
        let free = refractory[j] <= 0.0;
        let spike = if free & (v_scaled > 0.0) { 1.0 } else { 0.0 };
        let surrogate = p.dampening * (1.0 - v_scaled.abs()).max(0.0);
        pseudo[j] = if free { surrogate } else { 0.0 };
        refractory[j] = (spike * (p.n_refractory + 1.0) + refractory[j] - 1.0).max(0.0);
        z[j] = spike;
        if READ_SPIKES {
            // Not left to decay into subnormals (see FLUSH_TRACE_BELOW).
            let filtered = lerp(trace_z[j], spike, p.readout_rate);
            trace_z[j] = if filtered < FLUSH_TRACE_BELOW {
                0.0
            } else {
                filtered
            };
        }
        if READ_MEMBRANE {
            trace_v[j] = lerp(trace_v[j], v[j], p.readout_rate);
        }
        step_spikes[j] += spike;
    }
}
