//! The hand-derived backward pass through time over a recorded tape: the
//! surrogate gradients autograd computes for the tensor version.

use super::SpikingKernel;
use super::gemm::{gemm_add_a_bt, gemm_at_b};
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
