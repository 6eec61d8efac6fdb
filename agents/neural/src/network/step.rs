//! Stepping the network: its initial state, one environment step (K
//! network steps) of any core, and an LSTM's whole sequence at once.

use tch::{Kind, Tensor};

use super::{ActorCritic, Core, NetError, NetOutput, SpikingCore};
use crate::config::{InputEncoding, Readout};
use crate::neuron::{NeuronState, neuron_step};
use crate::state::{GruState, LstmState, RecurrentState, SpikingState};

impl ActorCritic {
    /// The all-zero recurrent state of `batch` samples.
    pub fn initial_state(&self, batch: usize) -> Result<RecurrentState, NetError> {
        let device = self.vs.device();
        let zeros_of =
            |width: usize| Tensor::f_zeros([batch as i64, width as i64], (Kind::Float, device));
        let zeros = || zeros_of(self.feature_size);
        Ok(match &self.core {
            Core::Spiking(_) => {
                let neurons = || zeros_of(self.spiking_neurons());
                RecurrentState::Spiking(SpikingState {
                    neurons: NeuronState {
                        v: neurons()?,
                        z: neurons()?,
                        b: neurons()?,
                        refractory: neurons()?,
                    },
                    trace: zeros()?,
                })
            }
            Core::Lstm(_) => RecurrentState::Lstm(LstmState {
                h: zeros()?,
                c: zeros()?,
            }),
            Core::Gru(_) => RecurrentState::Gru(GruState { h: zeros()? }),
        })
    }

    /// Whether [`Self::sequence`] runs this core (an LSTM): the trainers
    /// then act without gradient and re-run each chunk's inputs through it.
    /// The spiking cores have no sequence operator, and the GRU's measured
    /// no faster than stepping its cells on the CPU (docs/performance.md).
    pub fn runs_sequences(&self) -> bool {
        matches!(self.core, Core::Lstm(_))
    }

    /// An LSTM core over a whole sequence of environment steps: inputs
    /// `obs` `[T, B, obs_size]` from `state`, K network steps each, in one
    /// LibTorch sequence operator, so autograd records one node for the
    /// sequence instead of several per step. Returns the features
    /// `[T, B, F]` and the state after the last step: what T calls of
    /// [`Self::step`] give, to f32 rounding (tests/actor_critic.rs).
    ///
    /// `None` exactly when [`Self::runs_sequences`] is false: callers step
    /// those cores.
    pub fn sequence(
        &self,
        obs: &Tensor,
        state: &RecurrentState,
    ) -> Result<Option<(Tensor, RecurrentState)>, NetError> {
        match (&self.core, state) {
            (Core::Lstm(cell), RecurrentState::Lstm(LstmState { h, c })) => {
                let k = self.config.k_steps.max(1);
                let (features, h, c) = cell.lstm_sequence(obs, h, c, k)?;
                Ok(Some((features, RecurrentState::Lstm(LstmState { h, c }))))
            }
            (Core::Lstm(_), _) => Err(NetError::State {
                network: self.config.kind,
                state: state.kind(),
            }),
            _ => Ok(None),
        }
    }

    /// One environment step: K = `k_steps` network steps with the same input `obs`
    /// `[B, obs_size]` (f32).
    ///
    /// A state of another network kind is an error ([`NetError::State`]); so is
    /// a failed LibTorch operation (out of memory, a shape that does not fit).
    pub fn step(
        &self,
        obs: &Tensor,
        state: &RecurrentState,
    ) -> Result<(NetOutput, RecurrentState), NetError> {
        let k = self.config.k_steps;
        let mismatch = || NetError::State {
            network: self.config.kind,
            state: state.kind(),
        };
        match (&self.core, state) {
            (Core::Spiking(core), RecurrentState::Spiking(state)) => {
                self.step_spiking(core, obs, state)
            }
            (Core::Lstm(cell), RecurrentState::Lstm(LstmState { h, c })) => {
                let (mut h, mut c) = (h.shallow_clone(), c.shallow_clone());
                for _ in 0..k {
                    (h, c) = cell.lstm_step(obs, &h, &c)?;
                }
                let out = NetOutput {
                    features: h.shallow_clone(),
                    spikes: None,
                };
                Ok((out, RecurrentState::Lstm(LstmState { h, c })))
            }
            (Core::Gru(cell), RecurrentState::Gru(GruState { h })) => {
                let mut h = h.shallow_clone();
                for _ in 0..k {
                    h = cell.gru_step(obs, &h)?;
                }
                let out = NetOutput {
                    features: h.shallow_clone(),
                    spikes: None,
                };
                Ok((out, RecurrentState::Gru(GruState { h })))
            }
            _ => Err(mismatch()),
        }
    }

    fn step_spiking(
        &self,
        core: &SpikingCore,
        obs: &Tensor,
        state: &SpikingState,
    ) -> Result<(NetOutput, RecurrentState), NetError> {
        let mut neurons = state.neurons.shallow_clone();
        let mut trace = state.trace.shallow_clone();
        // Per environment step: W_rec with its diagonal held at zero, and the input
        // current (Current encoding: the same for all K steps).
        let w_rec = core.w_rec.f_mul(&core.rec_mask)?;
        // Dormant input synapses neither act nor learn.
        let w_in = match &core.synapses {
            Some(synapses) => core.w_in.f_mul(&synapses.in_exists)?,
            None => core.w_in.shallow_clone(),
        };
        let (current_in, rates) = match self.config.input_encoding {
            InputEncoding::Current => (Some(obs.f_mm(&w_in)?), None),
            InputEncoding::Poisson => (
                None,
                Some((obs * self.config.poisson_max_rate).f_clamp(0.0, 1.0)?),
            ),
        };
        let mut spikes: Option<Tensor> = None;
        for _ in 0..self.config.k_steps {
            // I = x W_in + z W_rec (one addmm on the precomputed input part).
            let current = match (&current_in, &rates) {
                (Some(current_in), _) => current_in.f_addmm(&neurons.z, &w_rec)?,
                (None, Some(rates)) => rates
                    .f_bernoulli()?
                    .f_mm(&w_in)?
                    .f_addmm(&neurons.z, &w_rec)?,
                (None, None) => unreachable!("one of the two encodings is set"),
            };
            neurons = neuron_step(&core.params, &current, &neurons);
            let read = match self.config.readout {
                Readout::Spikes => neurons.z.shallow_clone(),
                Readout::Membrane => neurons.v.shallow_clone(),
                // Filtering the concatenation filters each half.
                Readout::Both => Tensor::f_cat(&[&neurons.z, &neurons.v], 1)?,
            };
            trace = trace.f_lerp(&read, core.readout_rate)?;
            spikes = Some(match spikes {
                None => neurons.z.shallow_clone(),
                Some(sum) => sum.f_add(&neurons.z)?,
            });
        }
        let out = NetOutput {
            features: trace.shallow_clone(),
            spikes,
        };
        Ok((
            out,
            RecurrentState::Spiking(SpikingState { neurons, trace }),
        ))
    }
}
