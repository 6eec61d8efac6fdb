//! The spiking neuron: one network step as a plain function over an explicit
//! state record ([`NeuronState`]) and a parameter record ([`NeuronParams`]).
//!
//! Both equation variants of `lsnn-model.md` are implemented in
//! [`neuron_step`]; the crate README lists the exact update order.

use tch::{Device, Kind, Tensor};

use crate::config::{AgentConfig, AgentKind, NeuronModel};

/// The spike nonlinearity with a surrogate gradient (the detach trick).
///
/// Forward: Heaviside(v_scaled > 0), exactly 0.0 or 1.0.
/// Backward: d z / d v_scaled = `dampening * max(0, 1 - |v_scaled|)`.
///
/// When `v_scaled` does not require a gradient (rollouts under `tch::no_grad`)
/// only the Heaviside is computed.
pub fn spike_fn(v_scaled: &Tensor, dampening: f64) -> Tensor {
    let heaviside = v_scaled.gt(0.0);
    if !v_scaled.requires_grad() {
        return heaviside.to_kind(v_scaled.kind());
    }
    let v_detached = v_scaled.detach();
    let pseudo = v_detached.abs().rsub_scalar(1.0).relu() * dampening;
    // (v - v.detach()) is exactly 0 in the forward pass, so the value is the
    // Heaviside bit for bit; its gradient is `pseudo`. Adding the bool tensor
    // promotes it to the float kind of the product.
    (v_scaled - &v_detached) * pseudo + heaviside
}

/// The recurrent state of a population of spiking neurons, each tensor `[B, n]` (f32).
#[derive(Debug)]
pub struct NeuronState {
    /// Membrane potential v_t.
    pub v: Tensor,
    /// Spikes z_t (0 or 1; dt = 1).
    pub z: Tensor,
    /// Adaptation variable b_t (threshold A = thr + beta * b).
    pub b: Tensor,
    /// Refractory count: the number of coming steps in which the neuron may not spike.
    pub refractory: Tensor,
}

impl NeuronState {
    /// All-zero state for `batch` samples of `n` neurons.
    pub fn zeros(batch: usize, n: usize, device: Device) -> NeuronState {
        let zeros = || Tensor::zeros([batch as i64, n as i64], (Kind::Float, device));
        NeuronState {
            v: zeros(),
            z: zeros(),
            b: zeros(),
            refractory: zeros(),
        }
    }

    /// A state sharing the same tensors (no copy).
    pub fn shallow_clone(&self) -> NeuronState {
        NeuronState {
            v: self.v.shallow_clone(),
            z: self.z.shallow_clone(),
            b: self.b.shallow_clone(),
            refractory: self.refractory.shallow_clone(),
        }
    }

    /// The same values, cut from the autograd graph.
    pub fn detach(&self) -> NeuronState {
        NeuronState {
            v: self.v.detach(),
            z: self.z.detach(),
            b: self.b.detach(),
            refractory: self.refractory.detach(),
        }
    }
}

/// The constants of a population of spiking neurons: per-neuron `[n]` f32 tensors,
/// built once (with the derived constants the step needs) so that a step allocates none.
#[derive(Debug)]
pub struct NeuronParams {
    model: NeuronModel,
    alpha: Tensor,
    rho: Tensor,
    one_minus_alpha: Tensor,
    one_minus_rho: Tensor,
    beta: Tensor,
    thr: Tensor,
    dampening: f64,
    n_refractory: usize,
}

impl NeuronParams {
    /// Parameters from per-neuron tensors of equal length `[n]`: membrane decay `alpha`
    /// (= exp(-1/tau_m)), adaptation decay `rho` (= exp(-1/tau_a)), adaptation strength
    /// `beta` (0 for LIF neurons) and base threshold `thr`. They are converted to f32.
    ///
    /// # Panics
    /// If the tensors are not one-dimensional of one length.
    pub fn new(
        model: NeuronModel,
        alpha: Tensor,
        rho: Tensor,
        beta: Tensor,
        thr: Tensor,
        dampening: f64,
        n_refractory: usize,
    ) -> NeuronParams {
        let n = alpha.size();
        assert_eq!(
            n.len(),
            1,
            "neuron parameters must be one-dimensional, got {n:?}"
        );
        for (name, t) in [("rho", &rho), ("beta", &beta), ("thr", &thr)] {
            assert_eq!(
                t.size(),
                n,
                "neuron parameter {name} has shape {:?}, alpha {n:?}",
                t.size()
            );
        }
        let f = |t: Tensor| t.to_kind(Kind::Float).detach();
        let (alpha, rho) = (f(alpha), f(rho));
        NeuronParams {
            model,
            one_minus_alpha: 1.0 - &alpha,
            one_minus_rho: 1.0 - &rho,
            alpha,
            rho,
            beta: f(beta),
            thr: f(thr),
            dampening,
            n_refractory,
        }
    }

    /// The population of an agent configuration on `device`: `n_lif` LIF neurons first
    /// (beta 0, threshold thr_lif), then `n_alif` ALIF neurons (beta, thr_alif). For
    /// kind = Lif every neuron is LIF (beta 0, thr_lif).
    pub fn from_config(config: &AgentConfig, device: Device) -> NeuronParams {
        let n = config.n_lif + config.n_alif;
        let (n_lif, beta_alif, thr_alif) = match config.kind {
            AgentKind::Lif => (n, 0.0, config.thr_lif),
            _ => (config.n_lif, config.beta, config.thr_alif),
        };
        let per_neuron = |lif: f64, alif: f64| {
            let values: Vec<f32> = (0..n)
                .map(|j| if j < n_lif { lif } else { alif } as f32)
                .collect();
            Tensor::from_slice(&values).to_device(device)
        };
        let alpha = (-1.0 / config.tau_m).exp();
        let rho = (-1.0 / config.tau_a).exp();
        NeuronParams::new(
            config.model,
            per_neuron(alpha, alpha),
            per_neuron(rho, rho),
            per_neuron(0.0, beta_alif),
            per_neuron(config.thr_lif, thr_alif),
            config.dampening,
            config.n_refractory,
        )
    }

    /// Which equations [`neuron_step`] follows.
    pub fn model(&self) -> NeuronModel {
        self.model
    }
    /// Membrane decay per neuron, `[n]`.
    pub fn alpha(&self) -> &Tensor {
        &self.alpha
    }
    /// Adaptation decay per neuron, `[n]`.
    pub fn rho(&self) -> &Tensor {
        &self.rho
    }
    /// Adaptation strength per neuron, `[n]` (0 for LIF neurons).
    pub fn beta(&self) -> &Tensor {
        &self.beta
    }
    /// Base threshold per neuron, `[n]`.
    pub fn thr(&self) -> &Tensor {
        &self.thr
    }
    /// Scale of the surrogate gradient.
    pub fn dampening(&self) -> f64 {
        self.dampening
    }
    /// Steps after a spike without a spike.
    pub fn n_refractory(&self) -> usize {
        self.n_refractory
    }
    /// Number of neurons.
    pub fn len(&self) -> usize {
        self.alpha.size()[0] as usize
    }
    /// True for an empty population.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// One network step (dt = 1) of a population given its input current
/// `current` = W_in^T x_t + W_rec^T z_t, `[B, n]`.
///
/// Bellec2018 (reference code), in this order:
/// b' = rho b + (1 - rho) z;  A' = thr + beta b';  v' = alpha v + (1 - alpha) I - A' z;
/// z' = H((v - A') / A')  (the *previous* voltage v with the new threshold).
///
/// Eprop2020: b' = rho b + z;  A' = thr + beta b';  v' = alpha v + I - thr z;
/// z' = H((v' - A') / thr).
///
/// Both: a neuron that spiked within the last `n_refractory` steps emits no spike
/// (and passes no surrogate gradient).
pub fn neuron_step(params: &NeuronParams, current: &Tensor, state: &NeuronState) -> NeuronState {
    let NeuronState {
        v,
        z,
        b,
        refractory,
    } = state;
    let (v_new, b_new, v_scaled) = match params.model {
        NeuronModel::Bellec2018 => {
            let b_new = b.lerp_tensor(z, &params.one_minus_rho);
            let thr = params.thr.addcmul(&params.beta, &b_new);
            let v_new = v.lerp_tensor(current, &params.one_minus_alpha) - &thr * z;
            let v_scaled = (v - &thr) / &thr;
            (v_new, b_new, v_scaled)
        }
        NeuronModel::Eprop2020 => {
            let b_new = z.addcmul(&params.rho, b);
            let thr = params.thr.addcmul(&params.beta, &b_new);
            let v_new = current.addcmul(&params.alpha, v) - &params.thr * z;
            let v_scaled = (&v_new - thr) / &params.thr;
            (v_new, b_new, v_scaled)
        }
    };
    let z_new = spike_fn(&v_scaled, params.dampening);
    let (z_new, refractory_new) = if params.n_refractory == 0 {
        (z_new, refractory.shallow_clone())
    } else {
        // Free to spike only when no refractory steps remain; a spike sets the count to
        // n_refractory, otherwise it counts down to 0.
        let z_new = z_new * refractory.le(0.0);
        let refractory_new =
            (z_new.detach() * (params.n_refractory as f64 + 1.0) + refractory - 1.0).clamp_min(0.0);
        (z_new, refractory_new)
    };
    NeuronState {
        v: v_new,
        z: z_new,
        b: b_new,
        refractory: refractory_new,
    }
}
