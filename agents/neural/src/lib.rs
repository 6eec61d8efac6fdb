//! Recurrent actor-critic networks for lsnn-rl, on tch (LibTorch).
//!
//! - [`neuron`]: the spiking neuron as a pure step function ([`neuron_step`]) over an
//!   explicit state record ([`NeuronState`]) and parameter record ([`NeuronParams`]),
//!   in both published equation variants ([`NeuronModel`]), and the surrogate-gradient
//!   spike nonlinearity ([`spike_fn`]).
//! - [`state`]: [`RecurrentState`], the state of a batch typed per network kind
//!   ([`SpikingState`], [`LstmState`], [`GruState`]).
//! - [`network`]: [`ActorCritic`], a recurrent core (LSNN, LIF-only, LSTM or GRU) with a
//!   policy head (softmax logits or Gaussian mean plus learned log-std) and a value head,
//!   stepped one environment step at a time for truncated BPTT.
//! - [`cpu_kernel`]: [`SpikingKernel`], the spiking core on plain f32 buffers with a
//!   hand-derived backward pass through time, for fast training on the CPU.
//! - [`connectivity`]: sparse, sign-constrained synapses (Dale's law) and Deep R
//!   rewiring on plain buffers.
//! - [`config`]: [`AgentConfig`], the serde configuration, validated with errors that
//!   name the `agent.` key.
//!
//! The README beside this crate states the equations exactly as implemented.
//!
//! ```
//! use lsnn_rl_neural::{ActionHead, ActorCritic, AgentConfig, AgentKind, RecurrentState};
//! use tch::{Device, Kind, Tensor};
//!
//! // 50 LIF + 50 ALIF neurons, 6 input floats per step, 2 actions, seed 1.
//! let config = AgentConfig { kind: AgentKind::Lsnn, ..AgentConfig::default() };
//! let net = ActorCritic::new(&config, 6, ActionHead::Discrete(2), 1, Device::Cpu).unwrap();
//! let mut state = net.initial_state(4).unwrap();
//! assert!(matches!(state, RecurrentState::Spiking(_)));
//! for _ in 0..3 {
//!     let obs = Tensor::ones([4, 6], (Kind::Float, Device::Cpu));
//!     let (out, next) = net.step(&obs, &state).unwrap();
//!     assert_eq!(out.features.size(), [4, 100]);
//!     assert_eq!(out.spikes.unwrap().size(), [4, 100]);
//!     state = next;
//! }
//! let (logits, value) = net.heads(state.features());
//! assert_eq!((logits.size(), value.size()), (vec![4, 2], vec![4]));
//! ```

pub mod config;
pub mod connectivity;
pub mod cpu_kernel;
pub mod network;
pub mod neuron;
pub mod state;

pub use config::{AgentConfig, AgentKind, ConfigError, InputEncoding, NeuronModel, Readout};
pub use cpu_kernel::{CpuHeads, HeadGrads, KernelGrads, KernelState, SpikingKernel, Tape};
pub use network::{ActionHead, ActorCritic, ConnectivityStats, NetError, NetOutput};
pub use neuron::{NeuronParams, NeuronState, neuron_step, spike_fn};
pub use state::{GruState, LstmState, RecurrentState, SpikingState};
