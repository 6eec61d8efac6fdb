//! What a probed evaluation does to the network's state: names and
//! records its components, applies a lesion, and checks a lesion before
//! anything runs.

use lsnn_rl_neural::{AgentKind, Readout, RecurrentState};
use tch::{Device, Tensor};

use super::EvalNetwork;
use crate::TrainError;
use crate::lesion::{Lesion, LesionAction, StatePart};
use crate::probe::{spiking_components, spiking_row};
use crate::trainer::Trainer;

/// A copy of the lesioned part, for a lesion that holds it.
#[derive(Default)]
pub(super) struct Held {
    rows: Vec<f32>,
    tensors: Vec<Tensor>,
}

impl EvalNetwork<'_> {
    /// The names of the state components [`EvalNetwork::snapshot`] gives.
    pub(super) fn components(&self) -> Vec<&'static str> {
        match self {
            EvalNetwork::Kernel(eval) => {
                let n = eval.kernel.neurons();
                spiking_components(eval.n_lif, n - eval.n_lif, eval.kernel.readout())
            }
            EvalNetwork::Tensor { agent, state, .. } => match state {
                RecurrentState::Spiking(_) => {
                    let (n_lif, n_alif) = agent.neuron_count();
                    spiking_components(n_lif, n_alif, agent.config().readout)
                }
                RecurrentState::Lstm(_) => vec!["h", "c"],
                RecurrentState::Gru(_) => vec!["h"],
            },
        }
    }

    /// The state after the last step, per batch row and component.
    pub(super) fn snapshot(&self) -> Result<Vec<Vec<Vec<f32>>>, TrainError> {
        let flat = |t: &Tensor| -> Result<Vec<f32>, TrainError> {
            Ok(t.f_to_device(Device::Cpu)?.f_flatten(0, -1)?.try_into()?)
        };
        let (batch, parts, n_lif) = match self {
            EvalNetwork::Kernel(eval) => {
                let state = &eval.state;
                let parts = vec![
                    state.trace.clone(),
                    state.v.clone(),
                    state.threshold.clone(),
                ];
                (state.batch_size(), parts, Some(eval.n_lif))
            }
            EvalNetwork::Tensor { agent, state, .. } => {
                let batch = state.batch_size();
                match state {
                    RecurrentState::Spiking(s) => {
                        let params = agent.neuron_params().ok_or_else(|| {
                            TrainError::Probe("a spiking state without neuron parameters".into())
                        })?;
                        let threshold = params.thr().f_add(&params.beta().f_mul(&s.neurons.b)?)?;
                        let parts = vec![flat(&s.trace)?, flat(&s.neurons.v)?, flat(&threshold)?];
                        (batch, parts, Some(agent.neuron_count().0))
                    }
                    RecurrentState::Lstm(s) => (batch, vec![flat(&s.h)?, flat(&s.c)?], None),
                    RecurrentState::Gru(s) => (batch, vec![flat(&s.h)?], None),
                }
            }
        };
        Ok((0..batch)
            .map(|b| {
                // Each part's own width: the features may be 2n wide.
                let row = |p: &Vec<f32>| {
                    let width = p.len() / batch.max(1);
                    p[b * width..(b + 1) * width].to_vec()
                };
                match n_lif {
                    Some(n_lif) => {
                        spiking_row(&row(&parts[0]), &row(&parts[1]), &row(&parts[2]), n_lif)
                    }
                    None => parts.iter().map(row).collect(),
                }
            })
            .collect())
    }

    /// Applies `lesion` before the network's step `step` of the trial.
    pub(super) fn lesion(
        &mut self,
        lesion: &Lesion,
        step: usize,
        held: &mut Held,
    ) -> Result<(), TrainError> {
        let action = lesion.action_at(step);
        if action == LesionAction::None {
            return Ok(());
        }
        match self {
            EvalNetwork::Kernel(eval) => {
                let state = &mut eval.state;
                let buffer = match lesion.part {
                    StatePart::Adaptation => &mut state.b,
                    StatePart::Membrane => &mut state.v,
                    StatePart::Spikes | StatePart::Readout => &mut state.trace,
                    StatePart::State => return Err(not_checked(lesion)),
                };
                match action {
                    LesionAction::None => {}
                    LesionAction::Zero => buffer.fill(0.0),
                    LesionAction::Remember => held.rows = buffer.clone(),
                    LesionAction::Restore => buffer.copy_from_slice(&held.rows),
                }
            }
            EvalNetwork::Tensor { state, .. } => {
                let parts: Vec<&mut Tensor> = match (state, lesion.part) {
                    (RecurrentState::Spiking(s), StatePart::Adaptation) => vec![&mut s.neurons.b],
                    (RecurrentState::Spiking(s), StatePart::Membrane) => vec![&mut s.neurons.v],
                    (RecurrentState::Spiking(s), StatePart::Spikes | StatePart::Readout) => {
                        vec![&mut s.trace]
                    }
                    (RecurrentState::Lstm(s), StatePart::State) => vec![&mut s.h, &mut s.c],
                    (RecurrentState::Gru(s), StatePart::State) => vec![&mut s.h],
                    _ => return Err(not_checked(lesion)),
                };
                match action {
                    LesionAction::None => {}
                    LesionAction::Zero => parts.into_iter().for_each(|t| *t = t.zeros_like()),
                    LesionAction::Remember => {
                        held.tensors = parts.iter().map(|t| t.copy()).collect();
                    }
                    LesionAction::Restore => {
                        for (t, kept) in parts.into_iter().zip(&held.tensors) {
                            *t = kept.copy();
                        }
                    }
                }
            }
        }
        Ok(())
    }
}

/// The error for a lesion [`Trainer::check_lesion`] would have refused (it
/// runs first, so this is not reached from the public API).
fn not_checked(lesion: &Lesion) -> TrainError {
    TrainError::Probe(format!(
        "lesion {lesion}: not a part of this network (checked by Trainer::check_lesion)"
    ))
}

/// The name of a network kind in messages.
fn kind_name(kind: AgentKind) -> &'static str {
    match kind {
        AgentKind::Lstm => "LSTM",
        AgentKind::Gru => "GRU",
        AgentKind::Lsnn | AgentKind::Lif => "spiking",
    }
}

impl Trainer {
    /// Whether `lesion` can act on this network, checked before anything
    /// runs: an error names a part the network lacks and the parts it can
    /// lose instead, or refuses the `spikes` lesion of a network whose heads
    /// read membrane potentials (their filtered input holds potentials, or
    /// potentials beside the spikes, which `spikes` does not cut apart; the
    /// `readout` lesion names that whole input).
    pub fn check_lesion(&self, lesion: &Lesion) -> Result<(), TrainError> {
        let config = self.agent.config();
        let spiking = config.kind.is_spiking();
        let reads_membrane = spiking && config.readout.reads_membrane();
        if lesion.part.can_cut(spiking, reads_membrane) {
            return Ok(());
        }
        let parts = StatePart::list_for(spiking, reads_membrane);
        let problem = if !lesion.part.exists_in(spiking) {
            format!(
                "a {} network has no {} to cut",
                kind_name(config.kind),
                lesion.part.as_str()
            )
        } else if config.readout == Readout::Both {
            "this run's heads read filtered spikes and potentials side by side \
             (agent.readout = \"both\"), which `spikes` does not cut apart; `readout` \
             cuts both"
                .to_string()
        } else {
            "this run's heads read membrane potentials (agent.readout = \"membrane\"), so \
             it keeps no filtered spikes to cut; `readout` cuts the filtered potentials the \
             heads read"
                .to_string()
        };
        Err(TrainError::Probe(format!(
            "lesion {lesion}: {problem}; lesion its {parts} instead"
        )))
    }
}
