//! What the kernel carries from step to step (the state), records for the
//! backward pass (the tape), and what the backward pass returns.

/// The recurrent state of a batch, each buffer `[B, n]` row-major but the
/// features `trace` (`[B, F]`).
#[derive(Clone, Debug)]
pub struct KernelState {
    pub(super) batch: usize,
    /// Membrane potentials.
    pub v: Vec<f32>,
    /// Spikes of the last network step (0 or 1).
    pub z: Vec<f32>,
    /// Adaptation variables.
    pub b: Vec<f32>,
    /// Refractory counts.
    pub refractory: Vec<f32>,
    /// The features the heads read, `[B, F]`: low-pass filtered spikes, or
    /// potentials with a membrane readout, or per row both (`[2n]`: the
    /// filtered spikes, then the filtered potentials).
    pub trace: Vec<f32>,
    /// Spikes of the last environment step, summed over its K network steps.
    pub step_spikes: Vec<f32>,
    /// Thresholds A after the last network step (thr + beta b).
    pub threshold: Vec<f32>,
    /// Surrogate derivatives of the last network step's spikes.
    pub(super) pseudo: Vec<f32>,
    pub(super) input_current: Vec<f32>,
    pub(super) current: Vec<f32>,
}

impl KernelState {
    /// The batch size B.
    pub fn batch_size(&self) -> usize {
        self.batch
    }
}

/// What the backward pass needs from the forward pass of one chunk of steps.
#[derive(Clone, Debug, Default)]
pub struct Tape {
    /// Inputs per environment step, `[T, B, n_in]`.
    pub(super) x: Vec<f32>,
    /// Per network step, `[S, B, n]` each: potential and spikes before the step,
    /// threshold A after it, and the surrogate derivative of the new spike.
    pub(super) v_prev: Vec<f32>,
    pub(super) z_prev: Vec<f32>,
    pub(super) threshold: Vec<f32>,
    pub(super) pseudo: Vec<f32>,
    /// Spikes per neuron summed over the batch and every network step, `[n]`.
    pub(super) spike_count: Vec<f64>,
    pub(super) env_steps: usize,
    /// The backward pass's dL/dI per network step, kept for its memory.
    pub(super) g_current: Vec<f32>,
}

impl Tape {
    /// An empty tape.
    pub fn new() -> Self {
        Self::default()
    }

    /// Forgets every recorded step, keeping the buffers' memory.
    pub fn clear(&mut self) {
        self.x.clear();
        self.v_prev.clear();
        self.z_prev.clear();
        self.threshold.clear();
        self.pseudo.clear();
        self.spike_count.clear();
        self.env_steps = 0;
    }

    /// Environment steps recorded.
    pub fn env_steps(&self) -> usize {
        self.env_steps
    }

    /// Spikes per neuron summed over the batch and every recorded network step.
    pub fn spike_count(&self) -> &[f64] {
        &self.spike_count
    }

    /// Bytes held by the recorded steps.
    pub fn bytes(&self) -> usize {
        4 * (self.x.len()
            + self.v_prev.len()
            + self.z_prev.len()
            + self.threshold.len()
            + self.pseudo.len())
    }
}

/// One batch row of one recorded network step.
pub(super) struct RowTape<'a> {
    pub(super) v_prev: &'a [f32],
    pub(super) z_prev: &'a [f32],
    pub(super) threshold: &'a [f32],
    pub(super) pseudo: &'a [f32],
}

/// One batch row of the backward pass's adjoints (dL/d state after the step,
/// overwritten with dL/d state before it) and dL/dI of the step; `trace`
/// holds F = n or 2n adjoints per row, the others n.
pub(super) struct RowAdjoints<'a> {
    pub(super) v: &'a mut [f32],
    pub(super) b: &'a mut [f32],
    pub(super) z: &'a mut [f32],
    pub(super) trace: &'a mut [f32],
    pub(super) current: &'a mut [f32],
}

/// Gradients of the loss with respect to the core's weights.
#[derive(Clone, Debug)]
pub struct KernelGrads {
    /// `[n_in, n]`, row-major.
    pub w_in: Vec<f32>,
    /// `[n, n]`, row-major, diagonal zero.
    pub w_rec: Vec<f32>,
}
