//! Recurrent actor-critic networks for lsnn-rl, on tch (LibTorch).
//!
//! - [`neuron`]: the spiking neuron as a pure step function ([`neuron_step`]) over an
//!   explicit state record ([`NeuronState`]) and parameter record ([`NeuronParams`]),
//!   in both published equation variants ([`NeuronModel`]), and the surrogate-gradient
//!   spike nonlinearity ([`spike_fn`]).
//! - [`network`]: [`ActorCritic`], a recurrent core (LSNN, LIF-only, LSTM or GRU) with a
//!   policy head (softmax logits or Gaussian mean plus learned log-std) and a value head,
//!   stepped one environment step at a time for truncated BPTT.
//! - [`cpu_kernel`]: [`SpikingKernel`], the spiking core on plain f32 buffers with a
//!   hand-derived backward pass through time, for fast training on the CPU.
//! - [`config`]: [`AgentConfig`], the serde configuration, validated with errors that
//!   name the `agent.` key.
//!
//! The README beside this crate states the equations exactly as implemented.

pub mod config;
pub mod cpu_kernel;
pub mod network;
pub mod neuron;

pub use config::{AgentConfig, AgentKind, ConfigError, InputEncoding, NeuronModel};
pub use cpu_kernel::{CpuHeads, KernelGrads, KernelState, SpikingKernel, Tape};
pub use network::{ActionHead, ActorCritic, NetOutput, RecurrentState};
pub use neuron::{NeuronParams, NeuronState, neuron_step, spike_fn};
