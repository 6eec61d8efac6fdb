//! The actor-critic network: a recurrent core (LSNN, LIF, LSTM or GRU) plus a
//! policy head and a value head, all parameters in one [`VarStore`].

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::{Normal, Uniform};
use tch::nn::VarStore;
use tch::{Device, Kind, Tensor};

use crate::config::{AgentConfig, AgentKind, ConfigError};
use crate::connectivity::{SignRule, Synapses, dale_signs};
use crate::cpu_kernel::RecurrentProduct;

mod cpu;
mod gated;
mod step;
mod synapses;
use crate::neuron::NeuronParams;
use gated::GatedCell;
pub use synapses::ConnectivityStats;

/// The policy head's shape.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ActionHead {
    /// `n` discrete actions: the policy output is `n` logits (softmax policy).
    Discrete(usize),
    /// A `d`-dimensional continuous action: the policy output is the Gaussian mean, with a
    /// learned state-independent log standard deviation ([`ActorCritic::log_std`]).
    Gaussian(usize),
}

impl ActionHead {
    /// Width of the policy output (number of logits or of mean components).
    pub fn size(self) -> usize {
        match self {
            ActionHead::Discrete(n) | ActionHead::Gaussian(n) => n,
        }
    }
}

/// A network step that could not be taken.
#[derive(Debug, thiserror::Error)]
pub enum NetError {
    /// The state belongs to another kind of network.
    #[error(
        "a {state} state cannot step a {network:?} network; start from this network's initial_state"
    )]
    State {
        /// The network's kind.
        network: AgentKind,
        /// The state's kind.
        state: &'static str,
    },
    /// Only a spiking core has what was asked for.
    #[error("a {0:?} network has no spiking core")]
    NotSpiking(AgentKind),
    /// A constrained core's synapses are not valid (a corrupt checkpoint).
    #[error("the network's synapses are not valid: {0}")]
    Synapses(String),
    /// LibTorch failed (out of memory, a shape that does not fit).
    #[error("libtorch")]
    Torch(#[from] tch::TchError),
}

/// What one environment step of the network gives.
#[derive(Debug)]
pub struct NetOutput {
    /// `[B, F]`, the input of the heads (LSNN/LIF: low-pass filtered spikes,
    /// potentials with `agent.readout = "membrane"`, or both side by side
    /// with `"both"`; LSTM/GRU: h).
    pub features: Tensor,
    /// `[B, n_lif + n_alif]` spike counts summed over the K network steps, LIF neurons
    /// first, then ALIF; they carry the surrogate gradient (for a firing-rate regulariser).
    /// None for LSTM and GRU.
    pub spikes: Option<Tensor>,
}

/// The spiking core: weights, a mask of the recurrent synapses that exist (at
/// least W_rec's diagonal is held at zero), and the neuron constants.
struct SpikingCore {
    w_in: Tensor,
    w_rec: Tensor,
    /// Dense networks: a constant, ones off the diagonal. Constrained networks:
    /// the variable `core.w_rec_exists` (see [`CoreSynapses`]).
    rec_mask: Tensor,
    /// Sparse or sign-constrained networks only.
    synapses: Option<CoreSynapses>,
    params: NeuronParams,
    /// 1 - kappa, kappa = exp(-1/tau_out).
    readout_rate: f64,
}

/// The fixed signs (+1, -1) and existence masks (1, 0) of a constrained
/// spiking core's synapses: non-trainable variables of the VarStore
/// (`core.w_in_sign`, `core.w_in_exists`, `core.w_rec_sign`,
/// `core.w_rec_exists`), so checkpoints keep them.
struct CoreSynapses {
    in_sign: Tensor,
    in_exists: Tensor,
    rec_sign: Tensor,
    rec_exists: Tensor,
}

enum Core {
    Spiking(SpikingCore),
    Lstm(GatedCell),
    Gru(GatedCell),
}

/// The actor-critic network: a recurrent core plus a policy head and a value head,
/// all parameters in one `tch::nn::VarStore`.
///
/// Variable names: `core.w_in` `[obs_size, n]`, `core.w_rec` `[n, n]` (spiking), or tch's
/// `core.weight_ih_l0` ... (LSTM/GRU); `policy.weight` `[A, F]`, `policy.bias` `[A]`,
/// `value.weight` `[1, F]`, `value.bias` `[1]`, `log_std` `[d]` (Gaussian head only).
pub struct ActorCritic {
    config: AgentConfig,
    obs_size: usize,
    action: ActionHead,
    feature_size: usize,
    vs: VarStore,
    core: Core,
    policy_w: Tensor,
    policy_b: Tensor,
    value_w: Tensor,
    value_b: Tensor,
    log_std: Option<Tensor>,
    /// How the CPU kernels made by [`ActorCritic::spiking_kernel`] compute the
    /// recurrent products (a speed choice, not a configuration: the results
    /// agree to f32 rounding).
    recurrent_product: RecurrentProduct,
}

impl std::fmt::Debug for ActorCritic {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ActorCritic")
            .field("kind", &self.config.kind)
            .field("obs_size", &self.obs_size)
            .field("action", &self.action)
            .field("feature_size", &self.feature_size)
            .finish_non_exhaustive()
    }
}

/// Seeded ChaCha stream for one weight matrix: independent of the sizes of the others.
fn rng_for(seed: u64, stream: u64) -> ChaCha8Rng {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    rng.set_stream(stream);
    rng
}

/// A tensor's values, row-major, as f32 on the CPU.
fn to_vec(t: &Tensor) -> Vec<f32> {
    t.detach()
        .to_device(Device::Cpu)
        .to_kind(Kind::Float)
        .flatten(0, -1)
        .try_into()
        .expect("a float tensor converts to Vec<f32>")
}

fn normal_matrix(rng: &mut ChaCha8Rng, rows: usize, cols: usize, std: f64) -> Tensor {
    let dist = Normal::new(0.0, std).expect("standard deviation is finite and positive");
    let values: Vec<f32> = (0..rows * cols).map(|_| rng.sample(dist) as f32).collect();
    Tensor::from_slice(&values).view([rows as i64, cols as i64])
}

fn uniform_matrix(rng: &mut ChaCha8Rng, rows: usize, cols: usize, bound: f64) -> Tensor {
    let dist = Uniform::new_inclusive(-bound, bound).expect("bound is finite");
    let values: Vec<f32> = (0..rows * cols).map(|_| rng.sample(dist) as f32).collect();
    Tensor::from_slice(&values).view([rows as i64, cols as i64])
}

/// Serialises the use of LibTorch's global random generator in
/// [`ActorCritic::new`].
static TORCH_GENERATOR: std::sync::Mutex<()> = std::sync::Mutex::new(());

impl ActorCritic {
    /// Builds the network for `obs_size` input floats per step (observation plus meta-RL
    /// inputs) and the given action head, on `device`.
    ///
    /// Spiking weights and both heads are drawn in Rust from ChaCha8 seeded by `seed`
    /// (bit-identical everywhere); LSTM/GRU weights use LibTorch's generator after
    /// `tch::manual_seed(seed)` (deterministic on one machine). Head weights are
    /// U(-1/sqrt(F), 1/sqrt(F)) as in PyTorch's Linear, head biases zero.
    pub fn new(
        config: &AgentConfig,
        obs_size: usize,
        action: ActionHead,
        seed: u64,
        device: Device,
    ) -> Result<Self, ConfigError> {
        config.validate()?;
        if obs_size == 0 {
            return Err(ConfigError::Shape {
                what: "an observation size",
                got: 0,
            });
        }
        if action.size() == 0 {
            return Err(ConfigError::Shape {
                what: "an action size",
                got: 0,
            });
        }
        let vs = VarStore::new(device);
        let root = vs.root();
        let core_path = root.sub("core");
        let (core, feature_size) = match config.kind {
            AgentKind::Lsnn | AgentKind::Lif => {
                let n = config.n_lif + config.n_alif;
                let in_std = config.weight_scale / (obs_size as f64).sqrt();
                let rec_std = config.weight_scale / (n as f64).sqrt();
                let (w_in, w_rec, rec_mask, synapses) = if config.constrained() {
                    // Sparse or Dale's law: signs and existence drawn in Rust
                    // (connectivity.rs), kept as non-trainable variables.
                    let (n_lif, n_alif) = match config.kind {
                        AgentKind::Lsnn => (config.n_lif, config.n_alif),
                        _ => (n, 0),
                    };
                    let rec_rule = if config.dale {
                        SignRule::Dale(dale_signs(n_lif, n_alif, config.excitatory_fraction))
                    } else {
                        SignRule::Random
                    };
                    let (input, w_in) = Synapses::draw(
                        obs_size,
                        n,
                        false,
                        config.input_connectivity,
                        in_std,
                        &SignRule::Random,
                        &mut rng_for(seed, 0),
                    );
                    let (recurrent, w_rec) = Synapses::draw(
                        n,
                        n,
                        true,
                        config.connectivity,
                        rec_std,
                        &rec_rule,
                        &mut rng_for(seed, 1),
                    );
                    let matrix = |values: &[f32], rows: usize| {
                        Tensor::from_slice(values)
                            .view([rows as i64, n as i64])
                            .to_device(device)
                    };
                    let fixed = |name: &str, values: &[f32], rows: usize| {
                        core_path.add(name, matrix(values, rows), false)
                    };
                    let synapses = CoreSynapses {
                        in_sign: fixed("w_in_sign", input.sign(), obs_size),
                        in_exists: fixed("w_in_exists", input.exists(), obs_size),
                        rec_sign: fixed("w_rec_sign", recurrent.sign(), n),
                        rec_exists: fixed("w_rec_exists", recurrent.exists(), n),
                    };
                    let rec_mask = synapses.rec_exists.shallow_clone();
                    (
                        matrix(&w_in, obs_size),
                        matrix(&w_rec, n),
                        rec_mask,
                        Some(synapses),
                    )
                } else {
                    let w_in = normal_matrix(&mut rng_for(seed, 0), obs_size, n, in_std);
                    let rec_mask = Tensor::ones([n as i64, n as i64], (Kind::Float, Device::Cpu))
                        - Tensor::eye(n as i64, (Kind::Float, Device::Cpu));
                    let w_rec = normal_matrix(&mut rng_for(seed, 1), n, n, rec_std) * &rec_mask;
                    (w_in, w_rec, rec_mask.to_device(device), None)
                };
                let core = SpikingCore {
                    w_in: core_path.var_copy("w_in", &w_in),
                    w_rec: core_path.var_copy("w_rec", &w_rec),
                    rec_mask,
                    synapses,
                    params: NeuronParams::from_config(config, device),
                    readout_rate: 1.0 - (-1.0 / config.tau_out).exp(),
                };
                (
                    Core::Spiking(core),
                    n * config.readout.features_per_neuron(),
                )
            }
            AgentKind::Lstm | AgentKind::Gru => {
                // LibTorch's generator is global: hold the lock from seeding
                // to the last draw, so networks built on parallel threads
                // (tests, sweeps in one process) still get their seed's weights.
                let _generator = TORCH_GENERATOR
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner);
                tch::manual_seed(seed as i64);
                let (i, h) = (obs_size as i64, config.hidden as i64);
                let core = if config.kind == AgentKind::Lstm {
                    Core::Lstm(GatedCell::lstm(&core_path, i, h))
                } else {
                    Core::Gru(GatedCell::gru(&core_path, i, h))
                };
                (core, config.hidden)
            }
        };
        let bound = 1.0 / (feature_size as f64).sqrt();
        let n_out = action.size();
        let policy = root.sub("policy");
        let policy_w = policy.var_copy(
            "weight",
            &uniform_matrix(&mut rng_for(seed, 2), n_out, feature_size, bound),
        );
        let policy_b = policy.zeros("bias", &[n_out as i64]);
        let value = root.sub("value");
        let value_w = value.var_copy(
            "weight",
            &uniform_matrix(&mut rng_for(seed, 3), 1, feature_size, bound),
        );
        let value_b = value.zeros("bias", &[1]);
        let log_std = match action {
            ActionHead::Discrete(_) => None,
            ActionHead::Gaussian(d) => {
                let init =
                    Tensor::full([d as i64], config.log_std_init, (Kind::Float, Device::Cpu));
                Some(root.var_copy("log_std", &init))
            }
        };
        Ok(ActorCritic {
            config: config.clone(),
            obs_size,
            action,
            feature_size,
            vs,
            core,
            policy_w,
            policy_b,
            value_w,
            value_b,
            log_std,
            recurrent_product: RecurrentProduct::Auto,
        })
    }

    /// The heads on features `[N, F]` (any leading dimensions): the policy output
    /// (`[N, n_actions]` logits, or `[N, d]` Gaussian means) and the value `[N]`.
    pub fn heads(&self, features: &Tensor) -> (Tensor, Tensor) {
        let policy = features.linear(&self.policy_w, Some(&self.policy_b));
        let value = features
            .linear(&self.value_w, Some(&self.value_b))
            .squeeze_dim(-1);
        (policy, value)
    }

    /// The learned log standard deviation `[d]` of a Gaussian head; None for Discrete.
    pub fn log_std(&self) -> Option<&Tensor> {
        self.log_std.as_ref()
    }

    /// All parameters.
    pub fn var_store(&self) -> &VarStore {
        &self.vs
    }

    /// All parameters, mutably (loading a checkpoint, freezing, moving).
    pub fn var_store_mut(&mut self) -> &mut VarStore {
        &mut self.vs
    }

    /// The configuration the network was built from.
    pub fn config(&self) -> &AgentConfig {
        &self.config
    }

    /// (LIF neurons, ALIF neurons): (n_lif, n_alif) for kind = Lsnn,
    /// (n_lif + n_alif, 0) for kind = Lif, (0, 0) for LSTM and GRU.
    pub fn neuron_count(&self) -> (usize, usize) {
        match self.config.kind {
            AgentKind::Lsnn => (self.config.n_lif, self.config.n_alif),
            AgentKind::Lif => (self.config.n_lif + self.config.n_alif, 0),
            AgentKind::Lstm | AgentKind::Gru => (0, 0),
        }
    }

    /// Width F of the features (n_lif + n_alif, twice that with
    /// `agent.readout = "both"`, or hidden).
    pub fn feature_size(&self) -> usize {
        self.feature_size
    }

    /// Neurons n of a spiking core (n_lif + n_alif); 0 for LSTM and GRU.
    pub fn spiking_neurons(&self) -> usize {
        let (n_lif, n_alif) = self.neuron_count();
        n_lif + n_alif
    }

    /// The device of every parameter and state tensor.
    pub fn device(&self) -> Device {
        self.vs.device()
    }

    /// Floats per input step.
    pub fn obs_size(&self) -> usize {
        self.obs_size
    }

    /// The policy head's shape.
    pub fn action_head(&self) -> ActionHead {
        self.action
    }

    /// The input weights W_in `[obs_size, n]` of a spiking core.
    pub fn w_in(&self) -> Option<&Tensor> {
        match &self.core {
            Core::Spiking(core) => Some(&core.w_in),
            _ => None,
        }
    }

    /// The recurrent weights W_rec `[n, n]` of a spiking core (its diagonal is masked to
    /// zero in the forward pass and receives no gradient).
    pub fn w_rec(&self) -> Option<&Tensor> {
        match &self.core {
            Core::Spiking(core) => Some(&core.w_rec),
            _ => None,
        }
    }

    /// The neuron constants of a spiking core.
    pub fn neuron_params(&self) -> Option<&NeuronParams> {
        match &self.core {
            Core::Spiking(core) => Some(&core.params),
            _ => None,
        }
    }
}
