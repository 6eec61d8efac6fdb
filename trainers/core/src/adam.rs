//! Adam with its state in the open, so checkpoints can save and restore it
//! (tch's optimisers cannot be saved).

use std::collections::HashMap;

use tch::{Tensor, nn::VarStore};

/// Adam (Kingma & Ba 2015) over the trainable variables of a VarStore, in
/// the order of their names.
pub struct Adam {
    names: Vec<String>,
    params: Vec<Tensor>,
    first_moment: Vec<Tensor>,
    second_moment: Vec<Tensor>,
    steps: u64,
    beta1: f64,
    beta2: f64,
    eps: f64,
}

impl Adam {
    /// Zero moments for every trainable variable of `vs`.
    pub fn new(vs: &VarStore, beta1: f64, beta2: f64, eps: f64) -> Self {
        let mut named: Vec<(String, Tensor)> = vs
            .variables()
            .into_iter()
            .filter(|(_, t)| t.requires_grad())
            .collect();
        named.sort_by(|a, b| a.0.cmp(&b.0));
        let zeros = |t: &Tensor| t.zeros_like().detach();
        Self {
            first_moment: named.iter().map(|(_, t)| zeros(t)).collect(),
            second_moment: named.iter().map(|(_, t)| zeros(t)).collect(),
            names: named.iter().map(|(n, _)| n.clone()).collect(),
            params: named.into_iter().map(|(_, t)| t).collect(),
            steps: 0,
            beta1,
            beta2,
            eps,
        }
    }

    /// Optimiser steps taken.
    pub fn steps(&self) -> u64 {
        self.steps
    }

    /// Clears every parameter's gradient.
    pub fn zero_grad(&mut self) {
        for p in &mut self.params {
            p.zero_grad();
        }
    }

    /// The global L2 norm of the gradients (0 where a gradient is absent).
    pub fn grad_norm(&self) -> f64 {
        let _guard = tch::no_grad_guard();
        let mut total = 0.0;
        for p in &self.params {
            let g = p.grad();
            if g.defined() {
                total += g.square().sum(tch::Kind::Double).double_value(&[]);
            }
        }
        total.sqrt()
    }

    /// Scales every gradient by `factor` (gradient clipping).
    pub fn scale_grads(&mut self, factor: f64) {
        let _guard = tch::no_grad_guard();
        for p in &self.params {
            let mut g = p.grad();
            if g.defined() {
                let _ = g.g_mul_scalar_(factor);
            }
        }
    }

    /// One Adam step with learning rate `lr`.
    pub fn step(&mut self, lr: f64) {
        let _guard = tch::no_grad_guard();
        self.steps += 1;
        let t = self.steps as i32;
        let bias1 = 1.0 - self.beta1.powi(t);
        let bias2 = 1.0 - self.beta2.powi(t);
        for ((p, m), v) in self
            .params
            .iter_mut()
            .zip(&mut self.first_moment)
            .zip(&mut self.second_moment)
        {
            let g = p.grad();
            if !g.defined() {
                continue;
            }
            // In place on the moments and the weights: the same operations
            // in the same order as m = b1 m + (1 - b1) g, so the same bits,
            // without new moment tensors at every step.
            let _ = m.g_mul_scalar_(self.beta1);
            let _ = m.g_add_(&(&g * (1.0 - self.beta1)));
            let _ = v.g_mul_scalar_(self.beta2);
            let _ = v.g_add_(&(g.square() * (1.0 - self.beta2)));
            let mut denom = &*v / bias2;
            let _ = denom.sqrt_().g_add_scalar_(self.eps);
            let mut update = &*m / bias1;
            let _ = update.g_div_(&denom).g_mul_scalar_(lr);
            let _ = p.f_sub_(&update).map(|_| ());
        }
    }

    /// The state to save: `adam.m.NAME` and `adam.v.NAME` tensors.
    pub fn state(&self) -> Vec<(String, Tensor)> {
        let mut out = Vec::with_capacity(2 * self.names.len());
        for (i, name) in self.names.iter().enumerate() {
            out.push((
                format!("adam.m.{name}"),
                self.first_moment[i].shallow_clone(),
            ));
            out.push((
                format!("adam.v.{name}"),
                self.second_moment[i].shallow_clone(),
            ));
        }
        out
    }

    /// Restores a saved state; every moment must be present with the shape
    /// of its parameter.
    pub fn load_state(
        &mut self,
        tensors: &HashMap<String, Tensor>,
        steps: u64,
    ) -> Result<(), String> {
        for (i, name) in self.names.iter().enumerate() {
            for (kind, slot) in [
                ("m", &mut self.first_moment[i]),
                ("v", &mut self.second_moment[i]),
            ] {
                let key = format!("adam.{kind}.{name}");
                let saved = tensors
                    .get(&key)
                    .ok_or_else(|| format!("optimiser state lacks '{key}'"))?;
                if saved.size() != self.params[i].size() || saved.kind() != self.params[i].kind() {
                    return Err(format!(
                        "optimiser state '{key}' has shape {:?} ({:?}), the network needs {:?} ({:?})",
                        saved.size(),
                        saved.kind(),
                        self.params[i].size(),
                        self.params[i].kind()
                    ));
                }
                // Checkpoints load onto the CPU; the moments live with their parameter.
                *slot = saved.to_device(self.params[i].device()).detach().copy();
            }
        }
        self.steps = steps;
        Ok(())
    }
}
