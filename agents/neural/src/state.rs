//! The recurrent state of a batch, typed per network kind: nothing is
//! looked up by position.

use tch::{Kind, Tensor};

use crate::neuron::NeuronState;

/// The state of a spiking core (LSNN or LIF): the neurons `[B, n]` (n =
/// n_lif + n_alif) and the heads' input `[B, F]` (F = n, or 2n with
/// `agent.readout = "both"`).
#[derive(Debug)]
pub struct SpikingState {
    /// The neurons: membrane potential, spikes, adaptation, refractory count.
    pub neurons: NeuronState,
    /// Low-pass filtered spikes (or potentials, `agent.readout = "membrane"`,
    /// or both side by side, `"both"`), the input of the heads.
    pub trace: Tensor,
}

/// The state of an LSTM core, each `[B, hidden]`.
#[derive(Debug)]
pub struct LstmState {
    /// Hidden state, the input of the heads.
    pub h: Tensor,
    /// Cell state.
    pub c: Tensor,
}

/// The state of a GRU core, `[B, hidden]`.
#[derive(Debug)]
pub struct GruState {
    /// Hidden state, the input of the heads.
    pub h: Tensor,
}

/// The recurrent state of a batch, one variant per network kind.
#[derive(Debug)]
pub enum RecurrentState {
    /// LSNN or LIF.
    Spiking(SpikingState),
    /// LSTM.
    Lstm(LstmState),
    /// GRU.
    Gru(GruState),
}

impl RecurrentState {
    /// The kind's name, for messages.
    pub fn kind(&self) -> &'static str {
        match self {
            RecurrentState::Spiking(_) => "spiking",
            RecurrentState::Lstm(_) => "LSTM",
            RecurrentState::Gru(_) => "GRU",
        }
    }

    /// Applies `f` to every tensor, keeping the layout.
    fn map(&self, f: impl Fn(&Tensor) -> Tensor) -> RecurrentState {
        match self {
            RecurrentState::Spiking(s) => RecurrentState::Spiking(SpikingState {
                neurons: NeuronState {
                    v: f(&s.neurons.v),
                    z: f(&s.neurons.z),
                    b: f(&s.neurons.b),
                    refractory: f(&s.neurons.refractory),
                },
                trace: f(&s.trace),
            }),
            RecurrentState::Lstm(s) => RecurrentState::Lstm(LstmState {
                h: f(&s.h),
                c: f(&s.c),
            }),
            RecurrentState::Gru(s) => RecurrentState::Gru(GruState { h: f(&s.h) }),
        }
    }

    /// Every tensor of the state, in a fixed order (for checks over all of
    /// them: gradients, finiteness).
    pub fn tensors(&self) -> Vec<&Tensor> {
        match self {
            RecurrentState::Spiking(s) => vec![
                &s.neurons.v,
                &s.neurons.z,
                &s.neurons.b,
                &s.neurons.refractory,
                &s.trace,
            ],
            RecurrentState::Lstm(s) => vec![&s.h, &s.c],
            RecurrentState::Gru(s) => vec![&s.h],
        }
    }

    /// The same values cut from the autograd graph (truncated BPTT).
    pub fn detach(&self) -> RecurrentState {
        self.map(Tensor::detach)
    }

    /// A state sharing the same tensors (no copy).
    pub fn shallow_clone(&self) -> RecurrentState {
        self.map(Tensor::shallow_clone)
    }

    /// Every tensor multiplied row-wise by `keep` (`[B]` on the state's device; 1.0 keeps
    /// a sample's state, 0.0 resets it to the initial zeros), e.g. at trial boundaries.
    pub fn masked(&self, keep: &Tensor) -> RecurrentState {
        let keep = keep.to_kind(Kind::Float).view([-1, 1]);
        self.map(|t| t * &keep)
    }

    /// The batch size B.
    pub fn batch_size(&self) -> usize {
        self.features().size()[0] as usize
    }

    /// What the heads read: the filtered spikes (or potentials, or both) of
    /// a spiking core, h of an LSTM or GRU.
    pub fn features(&self) -> &Tensor {
        match self {
            RecurrentState::Spiking(s) => &s.trace,
            RecurrentState::Lstm(s) => &s.h,
            RecurrentState::Gru(s) => &s.h,
        }
    }

    /// The adaptation variable b of a spiking core (None for LSTM and GRU).
    pub fn adaptation(&self) -> Option<&Tensor> {
        match self {
            RecurrentState::Spiking(s) => Some(&s.neurons.b),
            _ => None,
        }
    }
}
