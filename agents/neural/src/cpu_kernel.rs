//! The spiking core on plain `f32` buffers, for training and evaluation on the CPU:
//! a forward step with no per-step tensor operation, and a hand-derived backward
//! pass through time (BPTT) over a recorded [`Tape`].
//!
//! Why: a small spiking network stepped one time step at a time spends its time in
//! LibTorch's per-operation dispatch and autograd bookkeeping, not in arithmetic
//! (about 20 operations per step, each a few microseconds, for a few thousand
//! multiply-adds). Here a step is two matrix products (`ndarray`, which calls the
//! `matrixmultiply` kernels) and one fused loop over the neurons; the backward pass is
//! one product per step plus two large products for the weight gradients at the end.
//!
//! The equations are those of [`crate::neuron_step`] (both models, refractoriness,
//! K network steps per environment step, low-pass readout); the gradients are the
//! surrogate gradients autograd computes for the tensor version. A test checks
//! them against autograd to 1e-5 (relative norm).

use ndarray::linalg::general_mat_mul;
use ndarray::{ArrayView2, ArrayViewMut2};

use crate::config::NeuronModel;

/// `c = beta * c + a · b` for row-major `a` `[m, k]`, `b` `[k, n]`, `c` `[m, n]`.
fn gemm(m: usize, k: usize, n: usize, a: &[f32], b: &[f32], beta: f32, c: &mut [f32]) {
    let a = ArrayView2::from_shape((m, k), a).expect("a is m x k");
    let b = ArrayView2::from_shape((k, n), b).expect("b is k x n");
    let mut c = ArrayViewMut2::from_shape((m, n), c).expect("c is m x n");
    general_mat_mul(1.0, &a, &b, beta, &mut c);
}

/// `c = a^T · b` for row-major `a` `[k, m]`, `b` `[k, n]`, `c` `[m, n]`.
fn gemm_at_b(m: usize, k: usize, n: usize, a: &[f32], b: &[f32], c: &mut [f32]) {
    let a = ArrayView2::from_shape((k, m), a).expect("a is k x m");
    let b = ArrayView2::from_shape((k, n), b).expect("b is k x n");
    let mut c = ArrayViewMut2::from_shape((m, n), c).expect("c is m x n");
    general_mat_mul(1.0, &a.t(), &b, 0.0, &mut c);
}

/// `c += a · b^T` for row-major `a` `[m, k]`, `b` `[n, k]`, `c` `[m, n]`.
fn gemm_add_a_bt(m: usize, k: usize, n: usize, a: &[f32], b: &[f32], c: &mut [f32]) {
    let a = ArrayView2::from_shape((m, k), a).expect("a is m x k");
    let b = ArrayView2::from_shape((n, k), b).expect("b is n x k");
    let mut c = ArrayViewMut2::from_shape((m, n), c).expect("c is m x n");
    general_mat_mul(1.0, &a, &b.t(), 1.0, &mut c);
}

/// LibTorch's `lerp`: `start + weight * (end - start)`, computed from the nearer end
/// as LibTorch does, so both implementations round alike.
#[inline]
fn lerp(start: f32, end: f32, weight: f32) -> f32 {
    if weight.abs() < 0.5 {
        start + weight * (end - start)
    } else {
        end - (end - start) * (1.0 - weight)
    }
}

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
    /// `[n_in, n]`, row-major.
    w_in: Vec<f32>,
    /// `[n, n]`, row-major, diagonal zero.
    w_rec: Vec<f32>,
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

/// The recurrent state of a batch, each buffer `[B, n]` row-major.
#[derive(Clone, Debug)]
pub struct KernelState {
    batch: usize,
    /// Membrane potentials.
    pub v: Vec<f32>,
    /// Spikes of the last network step (0 or 1).
    pub z: Vec<f32>,
    /// Adaptation variables.
    pub b: Vec<f32>,
    /// Refractory counts.
    pub refractory: Vec<f32>,
    /// Low-pass filtered spikes: the features the heads read.
    pub trace: Vec<f32>,
    /// Spikes of the last environment step, summed over its K network steps.
    pub step_spikes: Vec<f32>,
    /// Thresholds A after the last network step (thr + beta b).
    pub threshold: Vec<f32>,
    /// Surrogate derivatives of the last network step's spikes.
    pseudo: Vec<f32>,
    input_current: Vec<f32>,
    current: Vec<f32>,
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
    x: Vec<f32>,
    /// Per network step, `[S, B, n]` each: potential and spikes before the step,
    /// threshold A after it, and the surrogate derivative of the new spike.
    v_prev: Vec<f32>,
    z_prev: Vec<f32>,
    threshold: Vec<f32>,
    pseudo: Vec<f32>,
    /// Spikes per neuron summed over the batch and every network step, `[n]`.
    spike_count: Vec<f64>,
    env_steps: usize,
    /// The backward pass's dL/dI per network step, kept for its memory.
    g_current: Vec<f32>,
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
struct RowTape<'a> {
    v_prev: &'a [f32],
    z_prev: &'a [f32],
    threshold: &'a [f32],
    pseudo: &'a [f32],
}

/// One batch row of the backward pass's adjoints (dL/d state after the step,
/// overwritten with dL/d state before it) and dL/dI of the step.
struct RowAdjoints<'a> {
    v: &'a mut [f32],
    b: &'a mut [f32],
    z: &'a mut [f32],
    trace: &'a mut [f32],
    current: &'a mut [f32],
}

/// Gradients of the loss with respect to the core's weights.
#[derive(Clone, Debug)]
pub struct KernelGrads {
    /// `[n_in, n]`, row-major.
    pub w_in: Vec<f32>,
    /// `[n, n]`, row-major, diagonal zero.
    pub w_rec: Vec<f32>,
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
            w_in,
            w_rec,
        }
    }

    /// Number of neurons n.
    pub fn neurons(&self) -> usize {
        self.n
    }

    /// Input floats per step.
    pub fn input_size(&self) -> usize {
        self.n_in
    }

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
    /// # Panics
    /// If `x` or the state do not have this kernel's sizes.
    pub fn step(&self, x: &[f32], state: &mut KernelState, tape: Option<&mut Tape>) {
        let (batch, n) = (state.batch, self.n);
        assert_eq!(x.len(), batch * self.n_in, "x must be [B, n_in]");
        assert_eq!(state.v.len(), batch * n, "state must be [B, n]");
        gemm(
            batch,
            self.n_in,
            n,
            x,
            &self.w_in,
            0.0,
            &mut state.input_current,
        );
        let mut tape = tape;
        if let Some(tape) = tape.as_deref_mut() {
            tape.x.extend_from_slice(x);
            tape.spike_count.resize(n, 0.0);
            tape.env_steps += 1;
        }
        state.step_spikes.fill(0.0);
        for _ in 0..self.k_steps {
            // I = x W_in + z W_rec, with z the spikes before this step.
            state.current.copy_from_slice(&state.input_current);
            gemm(batch, n, n, &state.z, &self.w_rec, 1.0, &mut state.current);
            if let Some(tape) = tape.as_deref_mut() {
                tape.v_prev.extend_from_slice(&state.v);
                tape.z_prev.extend_from_slice(&state.z);
            }
            for row in 0..batch {
                self.update_row(state, row * n..(row + 1) * n);
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

    /// The neuron update of one batch row (cells `cells` of the state buffers).
    fn update_row(&self, state: &mut KernelState, cells: std::ops::Range<usize>) {
        // Every slice has length n, so the loops below need no bounds checks and
        // vectorise; the model is chosen once per row, not per neuron.
        let n = self.n;
        let v = &mut state.v[cells.clone()][..n];
        let z = &mut state.z[cells.clone()][..n];
        let b = &mut state.b[cells.clone()][..n];
        let refractory = &mut state.refractory[cells.clone()][..n];
        let trace = &mut state.trace[cells.clone()][..n];
        let step_spikes = &mut state.step_spikes[cells.clone()][..n];
        let threshold_out = &mut state.threshold[cells.clone()][..n];
        // Holds (v - A) / A (or its e-prop variant) until the second loop.
        let scaled = &mut state.pseudo[cells.clone()][..n];
        let current = &state.current[cells][..n];
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
            trace[j] = lerp(trace[j], spike, self.readout_rate);
            step_spikes[j] += spike;
        }
    }

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
        for s in (0..net_steps).rev() {
            let t = s / self.k_steps;
            if s % self.k_steps == self.k_steps - 1 {
                for (g, &d) in g_trace
                    .iter_mut()
                    .zip(&d_features[t * cells..(t + 1) * cells])
                {
                    *g += d;
                }
            }
            let at = s * cells..(s + 1) * cells;
            let g_i = &mut g_current[at.clone()];
            for row in 0..batch {
                let cells = at.start + row * n..at.start + (row + 1) * n;
                let local = row * n..(row + 1) * n;
                self.backward_row(
                    RowTape {
                        v_prev: &tape.v_prev[cells.clone()],
                        z_prev: &tape.z_prev[cells.clone()],
                        threshold: &tape.threshold[cells.clone()],
                        pseudo: &tape.pseudo[cells],
                    },
                    RowAdjoints {
                        v: &mut g_v[local.clone()],
                        b: &mut g_b[local.clone()],
                        z: &mut g_z[local.clone()],
                        trace: &mut g_trace[local.clone()],
                        current: &mut g_i[local],
                    },
                    d_spike,
                );
            }
            // z's use in the recurrent input: g_z += dL/dI · W_rec^T.
            gemm_add_a_bt(batch, n, n, g_i, &self.w_rec, &mut g_z);
        }
        // dL/dW_rec = sum over steps of z_prev^T dL/dI: one product over all steps.
        let mut w_rec = vec![0.0f32; n * n];
        gemm_at_b(
            n,
            net_steps * batch,
            n,
            &tape.z_prev,
            &g_current,
            &mut w_rec,
        );
        for j in 0..n {
            w_rec[j * n + j] = 0.0;
        }
        // dL/dW_in = sum over environment steps of x^T (dL/dI summed over its K steps).
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
        let mut w_in = vec![0.0f32; self.n_in * n];
        gemm_at_b(
            self.n_in,
            env_steps * batch,
            n,
            &tape.x,
            per_env_step,
            &mut w_in,
        );
        tape.g_current = g_current;
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

/// The median wall time of the bare matrix products of one kernel update (forward
/// and backward over `env_steps` x K network steps of `batch` samples, plus the two
/// weight-gradient products), with the kernel's own matrix library, over `repeats`
/// repetitions: the arithmetic floor a kernel update is compared with.
pub fn time_bare_products(
    n_in: usize,
    n: usize,
    k_steps: usize,
    batch: usize,
    env_steps: usize,
    repeats: usize,
) -> std::time::Duration {
    let net_steps = env_steps * k_steps;
    let filled = |len: usize| -> Vec<f32> { (0..len).map(|i| (i % 7) as f32 * 0.1).collect() };
    let (w_in, w_rec) = (filled(n_in * n), filled(n * n));
    let x = filled(batch * n_in);
    let z = filled(batch * n);
    let (mut current, mut g_z) = (vec![0.0; batch * n], vec![0.0; batch * n]);
    let z_all = filled(net_steps * batch * n);
    let g_all = filled(net_steps * batch * n);
    let x_all = filled(env_steps * batch * n_in);
    let (mut g_w_rec, mut g_w_in) = (vec![0.0; n * n], vec![0.0; n_in * n]);
    let mut times: Vec<std::time::Duration> = (0..repeats.max(1))
        .map(|_| {
            let start = std::time::Instant::now();
            for _ in 0..env_steps {
                gemm(batch, n_in, n, &x, &w_in, 0.0, &mut current);
                for _ in 0..k_steps {
                    gemm(batch, n, n, &z, &w_rec, 1.0, &mut current);
                }
            }
            for _ in 0..net_steps {
                gemm_add_a_bt(batch, n, n, &z, &w_rec, &mut g_z);
            }
            gemm_at_b(n, net_steps * batch, n, &z_all, &g_all, &mut g_w_rec);
            gemm_at_b(
                n_in,
                env_steps * batch,
                n,
                &x_all,
                &g_all[..env_steps * batch * n],
                &mut g_w_in,
            );
            start.elapsed()
        })
        .collect();
    times.sort();
    times[times.len() / 2]
}
