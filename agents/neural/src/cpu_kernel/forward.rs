//! The forward step: K network steps per environment step, two matrix products
//! and one fused loop over the neurons per network step.

use super::SpikingKernel;
use super::gemm::{gemm, lerp};
use super::state::{KernelState, Tape};
use crate::config::NeuronModel;

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
}
