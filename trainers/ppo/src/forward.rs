//! A minibatch of whole trials re-run from their start with the current
//! weights, through the tensor network (gradients by autograd) or through
//! the CPU kernel (gradients by its hand-derived backward pass from the
//! features on): the features the loss reads, and the spikes for the
//! firing-rate penalty.

use lsnn_rl_neural::{ActorCritic, SpikingKernel, Tape};
use lsnn_rl_trainer::TrainError;
use lsnn_rl_trainer::algorithm::UpdateContext;
use lsnn_rl_trainer::config::TrainConfig;
use lsnn_rl_trainer::penalty::{rate_penalty, rate_penalty_spike_gradient};
use tch::{Device, Kind, Tensor};

/// The re-run of one minibatch: its features `[T * m, F]` (time-major),
/// what backpropagation needs, and each neuron's firing rate.
pub(crate) struct Rerun {
    /// Features, the input of the heads, as a tensor with gradients
    /// (autograd path) or as plain values (kernel path).
    pub features: Features,
    /// Spikes per neuron and network step over the minibatch (empty
    /// without a spiking core).
    pub rates: Vec<f32>,
    /// The firing-rate penalty as a tensor (autograd path with a penalty;
    /// None otherwise: the kernel path adds its gradient by hand).
    pub penalty: Option<Tensor>,
    kernel: Option<(SpikingKernel, usize)>,
}

/// The features of a re-run.
pub(crate) enum Features {
    /// Through the tensor network, for autograd.
    Tensor(Tensor),
    /// From the CPU kernel, `[T * m, F]`, for the loss in Rust.
    Cpu(Vec<f32>),
}

/// Re-runs `m` trials whose inputs are `obs` (`[T * m * obs_size]`,
/// time-major) from the initial state.
pub(crate) fn rerun(
    ctx: &UpdateContext<'_>,
    manual: bool,
    tape: &mut Tape,
    obs: &[f32],
    m: usize,
    steps: usize,
) -> Result<Rerun, TrainError> {
    let (agent, t, device) = (ctx.agent, &ctx.config.train, ctx.device);
    let obs_size = obs.len() / (steps * m);
    let k = agent.config().k_steps.max(1);
    let spikes_per_neuron = (m * steps * k) as f64;
    let kernel = if manual { agent.spiking_kernel() } else { None };
    if let Some(kernel) = kernel {
        tape.clear();
        let mut state = kernel.initial_state(m);
        let mut features = Vec::with_capacity(steps * m * kernel.feature_size());
        for step in 0..steps {
            let x = &obs[step * m * obs_size..(step + 1) * m * obs_size];
            kernel.step(x, &mut state, Some(tape));
            features.extend_from_slice(&state.trace);
        }
        let rates = tape
            .spike_count()
            .iter()
            .map(|&count| (count / spikes_per_neuron) as f32)
            .collect();
        return Ok(Rerun {
            features: Features::Cpu(features),
            rates,
            penalty: None,
            kernel: Some((kernel, m)),
        });
    }
    let mut state = agent.initial_state(m)?;
    // An LSTM: the whole trials through one sequence operator (one autograd
    // node instead of several per step; the same features to f32 rounding).
    let inputs = Tensor::f_from_slice(obs)?
        .f_view([steps as i64, m as i64, obs_size as i64])?
        .f_to_device(device)?;
    if let Some((features, _)) = agent.sequence(&inputs, &state)? {
        return Ok(Rerun {
            features: Features::Tensor(features.f_reshape([(steps * m) as i64, -1])?),
            rates: Vec::new(),
            penalty: None,
            kernel: None,
        });
    }
    let mut features = Vec::with_capacity(steps);
    let mut spike_sum: Option<Tensor> = None;
    for step in 0..steps {
        let (out, next) = agent.step(&inputs.f_get(step as i64)?, &state)?;
        state = next;
        features.push(out.features);
        if let Some(spikes) = out.spikes {
            spike_sum = Some(match spike_sum {
                Some(sum) => sum.f_add(&spikes)?,
                None => spikes,
            });
        }
    }
    let features =
        Features::Tensor(Tensor::f_stack(&features, 0)?.f_view([(steps * m) as i64, -1])?);
    let (rates, penalty) = match spike_sum {
        Some(spikes) => {
            let rate = spikes.f_sum_dim_intlist(0, false, Kind::Float)? / spikes_per_neuron;
            let rates: Vec<f32> = rate.detach().f_to_device(Device::Cpu)?.try_into()?;
            let penalty = (t.rate_weight > 0.0).then(|| rate_penalty(&rate, t, 1.0));
            (rates, penalty)
        }
        None => (Vec::new(), None),
    };
    Ok(Rerun {
        features,
        rates,
        penalty,
        kernel: None,
    })
}

impl Rerun {
    /// On the kernel path, carries the loss's gradient with respect to the
    /// features (and the rate penalty's) back through time to the core's
    /// weights. The autograd path is done by `loss.backward()`.
    pub fn finish_backward(
        self,
        agent: &ActorCritic,
        tape: &mut Tape,
        t: &TrainConfig,
        steps: usize,
        d_features: &[f32],
    ) -> Result<(), TrainError> {
        let Some((kernel, m)) = self.kernel else {
            return Ok(());
        };
        let k = agent.config().k_steps.max(1);
        let d_spike = rate_penalty_spike_gradient(&self.rates, t, 1.0, (m * steps * k) as f64);
        let grads = kernel.backward(tape, m, d_features, &d_spike);
        agent.accumulate_core_grads(&grads)?;
        Ok(())
    }
}
