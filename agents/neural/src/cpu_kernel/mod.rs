//! The spiking core on plain `f32` buffers, for training and evaluation on the CPU:
//! a forward step with no per-step tensor operation, and a hand-derived backward
//! pass through time (BPTT) over a recorded [`Tape`].
//!
//! Why: a small spiking network stepped one time step at a time spends its time in
//! LibTorch's per-operation dispatch and autograd bookkeeping, not in arithmetic
//! (about 20 operations per step, each a few microseconds, for a few thousand
//! multiply-adds). Here a step is two matrix products (`ndarray`, which calls the
//! `matrixmultiply` kernels) and one fused loop over the neurons; the backward pass is
//! one product per step (`dL/dI W_rec^T`) plus two large products for the weight
//! gradients at the end.
//!
//! The equations are those of [`crate::neuron_step`] (both models, refractoriness,
//! K network steps per environment step, low-pass readout); the gradients are the
//! surrogate gradients autograd computes for the tensor version. A test checks
//! them against autograd to 1e-5 (relative norm).
//!
//! Parallelism: the batch is cut into fixed blocks of [`BLOCK_ROWS`] samples, and
//! each thread of rayon's pool (its size is `--threads`) takes one run of
//! consecutive blocks, forward and backward; the rows of the weight gradients
//! are split over the threads. A matrix product cut into row blocks equals the
//! whole product bit for bit (every element sums over the same terms in the
//! same order; tests in `gemm.rs`), so the thread count never changes a
//! result: one thread runs whole-batch products, many threads one product per
//! run (`W_in` and `W_rec` packed once per thread and step, not once per
//! block).
//! Spikes are 0 or 1, so where few neurons fire the recurrent product is a sum
//! of rows of `W_rec`, and a spike's gradient reaches the loss only through
//! its surrogate derivative, so where few of those are nonzero the backward
//! product is summed only there ([`RecurrentProduct`]); both chosen per block.
//!
//! Files: `state.rs` (the state, the tape, the gradients), `gemm.rs` (the
//! matrix products), `forward.rs` (the step), `backward.rs` (the backward pass
//! through time), `heads.rs` (policy and value heads on plain buffers),
//! `bench.rs` (the bare-products timer the benchmark compares with).

mod backward;
mod bench;
mod forward;
mod gemm;
mod heads;
mod state;
mod synapses;

pub use bench::time_bare_products;

/// Samples of the batch whose recurrent product is chosen together (dense,
/// or the sum of the rows of the neurons that fired), and the unit of the
/// runs that the threads share out. Fixed, not derived from the number of
/// threads, so that results do not depend on it.
pub const BLOCK_ROWS: usize = 16;

/// The batch rows each thread takes per step, forward and backward: one run
/// of consecutive blocks of [`BLOCK_ROWS`] rows per thread; None where the
/// whole batch runs serially (one thread, or a batch of one block: nothing
/// to share out). Products cut into row runs equal the whole-batch product
/// bit for bit, so this choice changes no result.
fn rows_per_thread(batch: usize) -> Option<usize> {
    let threads = rayon::current_num_threads();
    if threads == 1 || batch <= BLOCK_ROWS {
        return None;
    }
    Some(batch.div_ceil(BLOCK_ROWS).div_ceil(threads) * BLOCK_ROWS)
}

/// A block whose share of spiking neurons in a network step is below this
/// takes the sparse recurrent product ([`RecurrentProduct::Auto`]); measured
/// with `lsnn-rl bench --recurrent` (docs/performance.md).
pub const SPARSE_BELOW: f32 = 0.1;

/// A block of the backward pass whose share of nonzero surrogate derivatives
/// is below this sums `g_i W_rec^T` only where they are nonzero
/// ([`RecurrentProduct::Auto`]); measured with `lsnn-rl bench --recurrent`
/// (docs/performance.md).
pub const SURROGATE_BELOW: f32 = 0.25;

/// A sparse network whose share of existing recurrent synapses is below this
/// takes the products on lists of synapses ([`RecurrentProduct::Auto`]);
/// measured with `lsnn-rl bench --connectivity` (docs/performance.md).
pub const SYNAPSE_LISTS_BELOW: f64 = 0.3;

/// Filtered spikes below this are set to zero. A silent neuron's filtered
/// spikes decay geometrically into subnormal floats, which this kind of CPU
/// computes many times slower (with `tau_out = 1`, after 88 network steps
/// of silence); at 1e-30 they are far below what the heads resolve (a
/// logit or value near 1e-2 has an f32 step of 1e-9). The backward pass
/// treats the filter as if nothing were flushed (an error of at most 1e-30
/// times the features' gradient). Measured in docs/performance.md.
pub const FLUSH_TRACE_BELOW: f32 = 1e-30;

/// How the recurrent input `z W_rec` and its weight gradient are computed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum RecurrentProduct {
    /// A sparse network (fewer than [`SYNAPSE_LISTS_BELOW`] of its recurrent
    /// synapses exist): every product on the lists of existing synapses.
    /// Otherwise sparse where few neurons fired (below [`SPARSE_BELOW`] of a
    /// block's cells), dense elsewhere, and in the backward pass `g_i W_rec^T`
    /// only where the surrogate derivatives are nonzero in blocks with few of
    /// them (below [`SURROGATE_BELOW`]): decided per fixed block from the
    /// recorded steps alone, so runs replay on any thread count.
    #[default]
    Auto,
    /// Always the dense matrix product (with zeros where no synapse exists).
    Dense,
    /// Always the sum of the rows of the neurons that fired, and in the
    /// backward pass `g_i W_rec^T` only where the surrogate derivative is nonzero.
    Sparse,
}
pub use heads::{CpuHeads, HeadGrads};
pub use state::{KernelGrads, KernelState, Tape};

use crate::config::{NeuronModel, Readout};

/// A spiking core's constants and weights, copied out of the network.
#[derive(Clone, Debug)]
pub struct SpikingKernel {
    n_in: usize,
    n: usize,
    k_steps: usize,
    model: NeuronModel,
    alpha: Vec<f32>,
    rho: Vec<f32>,
    beta: Vec<f32>,
    thr: Vec<f32>,
    dampening: f32,
    n_refractory: usize,
    readout_rate: f32,
    /// What the features filter: spikes, membrane potentials or both.
    readout: Readout,
    /// `[n_in, n]`, row-major.
    w_in: Vec<f32>,
    /// `[n, n]`, row-major, diagonal zero.
    w_rec: Vec<f32>,
    /// Dense or event-driven recurrent products.
    recurrent: RecurrentProduct,
    /// A sparse network: which synapses exist (1) or not (0), `[n_in, n]`
    /// and `[n, n]`; their weight gradients are zero where none exists.
    in_exists: Option<Vec<f32>>,
    rec_exists: Option<Vec<f32>>,
    /// `W_rec` as lists of existing synapses, when they are used.
    rec_rows: Option<synapses::SynapseRows>,
}

/// The per-neuron constants of a [`SpikingKernel`], as plain vectors of length n.
#[derive(Clone, Debug)]
pub struct KernelNeurons {
    /// Equation variant.
    pub model: NeuronModel,
    /// Membrane decay exp(-1/tau_m).
    pub alpha: Vec<f32>,
    /// Adaptation decay exp(-1/tau_a).
    pub rho: Vec<f32>,
    /// Adaptation strength (0 for LIF neurons).
    pub beta: Vec<f32>,
    /// Base threshold.
    pub thr: Vec<f32>,
    /// Scale of the surrogate gradient.
    pub dampening: f32,
    /// Steps after a spike without a spike.
    pub n_refractory: usize,
}

impl SpikingKernel {
    /// A kernel from weights and constants: `w_in` `[n_in, n]` and `w_rec` `[n, n]`
    /// row-major (the diagonal of `w_rec` is ignored: held at zero), `readout_rate` =
    /// 1 - exp(-1/tau_out).
    ///
    /// # Panics
    /// If the lengths disagree or `k_steps` is 0.
    pub fn new(
        n_in: usize,
        k_steps: usize,
        neurons: KernelNeurons,
        readout_rate: f32,
        w_in: Vec<f32>,
        mut w_rec: Vec<f32>,
    ) -> Self {
        let n = neurons.alpha.len();
        assert!(k_steps >= 1, "K must be at least 1");
        assert_eq!(w_in.len(), n_in * n, "w_in must be n_in x n");
        assert_eq!(w_rec.len(), n * n, "w_rec must be n x n");
        for p in [&neurons.rho, &neurons.beta, &neurons.thr] {
            assert_eq!(p.len(), n, "every neuron constant has n entries");
        }
        for j in 0..n {
            w_rec[j * n + j] = 0.0;
        }
        Self {
            n_in,
            n,
            k_steps,
            model: neurons.model,
            alpha: neurons.alpha,
            rho: neurons.rho,
            beta: neurons.beta,
            thr: neurons.thr,
            dampening: neurons.dampening,
            n_refractory: neurons.n_refractory,
            readout_rate,
            readout: Readout::Spikes,
            w_in,
            w_rec,
            recurrent: RecurrentProduct::Auto,
            in_exists: None,
            rec_exists: None,
            rec_rows: None,
        }
    }

    /// The kernel with the recurrent products chosen by `recurrent`
    /// (default [`RecurrentProduct::Auto`]).
    pub fn with_recurrent_product(mut self, recurrent: RecurrentProduct) -> Self {
        self.recurrent = recurrent;
        self.rec_rows = self.synapse_rows();
        self
    }

    /// The kernel whose features filter `readout` (default [`Readout::Spikes`]).
    pub fn with_readout(mut self, readout: Readout) -> Self {
        self.readout = readout;
        self
    }

    /// The kernel of a sparse network: `in_exists` `[n_in, n]` and
    /// `rec_exists` `[n, n]` hold 1 where a synapse exists, else 0. Weight
    /// gradients are zero where none exists, and below
    /// [`SYNAPSE_LISTS_BELOW`] of existing recurrent synapses the recurrent
    /// products run on the lists of synapses ([`RecurrentProduct::Auto`]).
    ///
    /// # Panics
    /// If the masks do not have the weights' shapes.
    pub fn with_synapses(mut self, in_exists: Vec<f32>, rec_exists: Vec<f32>) -> Self {
        assert_eq!(
            in_exists.len(),
            self.w_in.len(),
            "in_exists must be n_in x n"
        );
        assert_eq!(
            rec_exists.len(),
            self.w_rec.len(),
            "rec_exists must be n x n"
        );
        self.in_exists = Some(in_exists);
        self.rec_exists = Some(rec_exists);
        self.rec_rows = self.synapse_rows();
        self
    }

    /// The lists of synapses, if this kernel's products use them.
    fn synapse_rows(&self) -> Option<synapses::SynapseRows> {
        let exists = self.rec_exists.as_ref()?;
        let share = exists.iter().filter(|&&e| e != 0.0).count() as f64
            / (self.n * self.n.saturating_sub(1)).max(1) as f64;
        (self.recurrent == RecurrentProduct::Auto && share < SYNAPSE_LISTS_BELOW)
            .then(|| synapses::SynapseRows::from_dense(self.n, &self.w_rec, exists))
    }

    /// Whether the recurrent products run on lists of existing synapses.
    pub fn uses_synapse_lists(&self) -> bool {
        self.rec_rows.is_some()
    }

    /// Number of neurons n.
    pub fn neurons(&self) -> usize {
        self.n
    }

    /// What the features filter: spikes, membrane potentials or both.
    pub fn readout(&self) -> Readout {
        self.readout
    }

    /// Features per sample F: n, or 2n when the heads read both spikes and
    /// potentials.
    pub fn feature_size(&self) -> usize {
        self.n * self.readout.features_per_neuron()
    }

    /// Input floats per step.
    pub fn input_size(&self) -> usize {
        self.n_in
    }
}

/// The runs of one step's blocks of `block` cells (the last one may be
/// shorter): each event-driven block alone, consecutive dense blocks merged
/// into one run, whose single product equals their per-block products bit for
/// bit (a test in gemm.rs). `event_driven` decides a block (given its cells)
/// once; the iterator yields `(cells, event_driven)`.
pub(crate) struct BlockRuns<F> {
    cells: usize,
    block: usize,
    start: usize,
    /// The decision for the block at `start`, when a dense run already took it.
    decided: Option<bool>,
    event_driven: F,
}

impl<F: FnMut(std::ops::Range<usize>) -> bool> BlockRuns<F> {
    pub(crate) fn new(cells: usize, block: usize, event_driven: F) -> Self {
        Self {
            cells,
            block: block.max(1),
            start: 0,
            decided: None,
            event_driven,
        }
    }

    fn block_at(&self, start: usize) -> std::ops::Range<usize> {
        start..(start + self.block).min(self.cells)
    }
}

impl<F: FnMut(std::ops::Range<usize>) -> bool> Iterator for BlockRuns<F> {
    type Item = (std::ops::Range<usize>, bool);

    fn next(&mut self) -> Option<Self::Item> {
        if self.start >= self.cells {
            return None;
        }
        let first = self.block_at(self.start);
        let sparse = match self.decided.take() {
            Some(sparse) => sparse,
            None => (self.event_driven)(first.clone()),
        };
        let mut end = first.end;
        if !sparse {
            while end < self.cells {
                let next = self.block_at(end);
                if (self.event_driven)(next.clone()) {
                    self.decided = Some(true);
                    break;
                }
                end = next.end;
            }
        }
        let run = self.start..end;
        self.start = end;
        Some((run, sparse))
    }
}

#[cfg(test)]
mod tests {
    use super::BlockRuns;

    #[test]
    fn block_runs_merge_dense_blocks_and_decide_each_block_once() {
        // Seven blocks of 4 cells, the last one 2 cells: D D S D S S D.
        let pattern = [false, false, true, false, true, true, false];
        let mut asked = Vec::new();
        let runs: Vec<_> = BlockRuns::new(26, 4, |at: std::ops::Range<usize>| {
            asked.push(at.start);
            pattern[at.start / 4]
        })
        .collect();
        assert_eq!(
            runs,
            vec![
                (0..8, false),
                (8..12, true),
                (12..16, false),
                (16..20, true),
                (20..24, true),
                (24..26, false),
            ]
        );
        assert_eq!(asked, vec![0, 4, 8, 12, 16, 20, 24], "each block once");
    }
}
