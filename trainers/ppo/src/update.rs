//! One PPO update: a rollout with the current weights, GAE advantages, then
//! `train.ppo_epochs` passes over the trials in `train.ppo_minibatches`
//! minibatches of whole trials, each re-run from its start and followed by
//! one optimiser step.

use std::time::{Duration, Instant};

use lsnn_rl_env::{derive_seed, rng_from_seed};
use lsnn_rl_trainer::TrainError;
use lsnn_rl_trainer::algorithm::{Algorithm, UpdateContext, UpdateReport};
use lsnn_rl_trainer::cpu_loss::{LossInputs, LossTerms, PpoInputs, actor_critic_loss};
use lsnn_rl_trainer::returns::{ChunkData, estimate_returns};
use lsnn_rl_trainer::rollout::log_prob_and_entropy;
use rand::seq::SliceRandom;
use tch::{Device, Kind, Tensor};

use crate::Ppo;
use crate::forward::{Features, rerun};
use crate::rollout::{Rollout, collect};

/// Salt of the minibatch shuffles' stream.
const SHUFFLE_STREAM: u64 = 0x5050_4F5F_5348_5546;

/// Sums over the minibatch steps of an update, for its report.
#[derive(Default)]
struct Sums {
    steps: f64,
    policy_loss: f64,
    value_loss: f64,
    entropy: f64,
    approx_kl: f64,
    clip_fraction: f64,
    /// Per-neuron rates of the first epoch, weighted by minibatch size.
    rates: Vec<f64>,
    grad_norm: f64,
    skipped: bool,
    backward: Duration,
    optimiser: Duration,
}

impl Algorithm for Ppo {
    fn name(&self) -> &'static str {
        "ppo"
    }

    fn update(&mut self, ctx: &mut UpdateContext<'_>) -> Result<UpdateReport, TrainError> {
        let rollout = collect(ctx)?;
        let t = ctx.config.train.clone();
        let (advantages, targets) = advantages(&rollout, &t, ctx.gamma);
        let old_log_probs = old_log_probs(ctx, &rollout)?;
        let manual = ctx.kernel.is_some();
        let b = rollout.batch;
        let minibatches = t.ppo_minibatches.min(b);
        let mut sums = Sums::default();
        let mut order: Vec<usize> = (0..b).collect();
        let stream = derive_seed(ctx.config.seed, SHUFFLE_STREAM);
        for epoch in 0..t.ppo_epochs {
            let mut rng = rng_from_seed(derive_seed(
                stream,
                (ctx.update * t.ppo_epochs + epoch) as u64,
            ));
            order.shuffle(&mut rng);
            for k in 0..minibatches {
                // Near-equal parts: the first b % M minibatches hold one more trial.
                let (size, extra) = (b / minibatches, b % minibatches);
                let first = k * size + k.min(extra);
                let trials = &order[first..first + size + usize::from(k < extra)];
                let minibatch = Minibatch {
                    rollout: &rollout,
                    trials,
                    advantages: &advantages,
                    targets: &targets,
                    old_log_probs: &old_log_probs,
                };
                self.step(ctx, &minibatch, manual, epoch == 0, &mut sums)?;
            }
        }
        let (n_lif, n_alif) = ctx.agent.neuron_count();
        let rate_of = |range: std::ops::Range<usize>, count: usize| {
            (count > 0 && !sums.rates.is_empty())
                .then(|| sums.rates[range].iter().sum::<f64>() / (count * b) as f64)
        };
        let steps = sums.steps.max(1.0);
        Ok(UpdateReport {
            env_steps: rollout.env_steps,
            policy_loss: sums.policy_loss / steps,
            value_loss: sums.value_loss / steps,
            entropy: sums.entropy / steps,
            grad_norm: sums.grad_norm,
            rate_lif: rate_of(0..n_lif, n_lif),
            rate_alif: rate_of(n_lif..n_lif + n_alif, n_alif),
            skipped: sums.skipped,
            approx_kl: Some(sums.approx_kl / steps),
            clip_fraction: Some(sums.clip_fraction / steps),
            mse: None,
            rollout: rollout.wall,
            backward: sums.backward,
            optimiser: sums.optimiser,
        })
    }
}

/// The trials of one optimiser step and what their loss reads.
struct Minibatch<'a> {
    rollout: &'a Rollout,
    trials: &'a [usize],
    advantages: &'a [f32],
    targets: &'a [f32],
    old_log_probs: &'a [f32],
}

impl Ppo {
    /// Re-runs a minibatch, backpropagates its loss and takes one optimiser step.
    fn step(
        &mut self,
        ctx: &mut UpdateContext<'_>,
        mb: &Minibatch<'_>,
        manual: bool,
        record_rates: bool,
        sums: &mut Sums,
    ) -> Result<(), TrainError> {
        let start = Instant::now();
        let t = &ctx.config.train;
        let r = mb.rollout;
        let m = mb.trials.len();
        let agent = ctx.agent;
        let obs = r.gather(&r.obs, r.obs_size, mb.trials);
        let run = rerun(ctx, manual, &mut self.tape, &obs, m, r.steps)?;
        let mask = r.gather(&r.mask, 1, mb.trials);
        let advantages = r.gather(mb.advantages, 1, mb.trials);
        let targets = r.gather(mb.targets, 1, mb.trials);
        let old_log_probs = r.gather(mb.old_log_probs, 1, mb.trials);
        let old_values = r.gather(&r.values, 1, mb.trials);
        let codes = r.gather(&r.codes, r.code_width, mb.trials);
        let denom = (m * r.steps) as f64;
        let inputs = |outputs, values, log_std| LossInputs {
            space: ctx.batch.action_space(),
            outputs,
            values,
            codes: &codes,
            advantages: &advantages,
            targets: &targets,
            mask: &mask,
            log_std,
            denom,
            value_weight: t.value_weight,
            entropy_weight: ctx.entropy_weight,
            ppo: Some(PpoInputs {
                old_log_probs: &old_log_probs,
                old_values: &old_values,
                clip: t.ppo_clip,
                value_clip: t.ppo_value_clip,
            }),
        };
        let (terms, d_features) = match &run.features {
            // The kernel path: the loss, the heads and their gradients in Rust.
            Features::Cpu(features) => {
                let heads = agent.cpu_heads();
                let mut outputs = Vec::new();
                heads.policy(features, &mut outputs);
                let values = heads.value(features);
                let log_std: Vec<f32> = match agent.log_std() {
                    Some(log_std) => log_std.detach().f_to_device(Device::Cpu)?.try_into()?,
                    None => Vec::new(),
                };
                let (terms, grads) = actor_critic_loss(&inputs(&outputs, &values, &log_std));
                let head_grads = heads.backward(features, &grads.outputs, &grads.values);
                let d_log_std = (!log_std.is_empty()).then_some(grads.log_std.as_slice());
                agent.accumulate_head_grads(&head_grads, d_log_std)?;
                (terms, head_grads.features)
            }
            Features::Tensor(features) => (
                tensor_loss(ctx, features, &run, &inputs(&[], &[], &[]))?,
                Vec::new(),
            ),
        };
        sums.approx_kl += terms.approx_kl;
        sums.clip_fraction += terms.clip_fraction;
        let losses = [terms.policy, terms.value, terms.entropy];
        sums.policy_loss += losses[0];
        sums.value_loss += losses[1];
        sums.entropy += losses[2];
        sums.steps += 1.0;
        if record_rates && !run.rates.is_empty() {
            sums.rates.resize(run.rates.len(), 0.0);
            for (sum, &rate) in sums.rates.iter_mut().zip(&run.rates) {
                *sum += rate as f64 * m as f64;
            }
        }
        run.finish_backward(agent, &mut self.tape, t, r.steps, &d_features)?;
        sums.backward += start.elapsed();
        let finite = losses[0].is_finite() && losses[1].is_finite();
        let (step, optimiser) = ctx.optimiser_step(finite)?;
        if step.injected {
            sums.policy_loss = f64::NAN;
        }
        sums.grad_norm = step.grad_norm;
        sums.skipped |= step.skipped;
        sums.optimiser += optimiser;
        Ok(())
    }
}

/// PPO's loss through LibTorch (the autograd path): builds it from the
/// re-run's feature tensor, backpropagates it, and returns its terms.
fn tensor_loss(
    ctx: &UpdateContext<'_>,
    features: &Tensor,
    run: &crate::forward::Rerun,
    inputs: &LossInputs<'_>,
) -> Result<LossTerms, TrainError> {
    let t = &ctx.config.train;
    let agent = ctx.agent;
    let ppo = inputs.ppo.as_ref().expect("PPO inputs");
    let tensor = |values: &[f32]| -> Result<Tensor, TrainError> {
        Ok(Tensor::f_from_slice(values)?.f_to_device(ctx.device)?)
    };
    let mask = tensor(inputs.mask)?;
    let advantages = tensor(inputs.advantages)?;
    let targets = tensor(inputs.targets)?;
    let old_log_probs = tensor(ppo.old_log_probs)?;
    let old_values = tensor(ppo.old_values)?;
    let (policy_out, values) = agent.heads(features);
    let (log_probs, entropy) =
        log_prob_and_entropy(agent, &policy_out, inputs.codes, ctx.batch.action_space());
    let denom = inputs.denom;
    let log_ratio = &log_probs - &old_log_probs;
    let ratio = log_ratio.f_exp()?;
    let clip = t.ppo_clip;
    let surrogate = (&ratio * &advantages)
        .f_minimum(&(ratio.f_clamp(1.0 - clip, 1.0 + clip)? * &advantages))?;
    let policy_loss = -(surrogate * &mask).f_sum(Kind::Float)? / denom;
    let value_error = (&values - &targets).f_square()?;
    let value_error = if t.ppo_value_clip > 0.0 {
        let clipped =
            &old_values + (&values - &old_values).f_clamp(-t.ppo_value_clip, t.ppo_value_clip)?;
        value_error.f_maximum(&(clipped - &targets).f_square()?)?
    } else {
        value_error
    };
    let value_loss = (value_error * &mask).f_sum(Kind::Float)? * (0.5 / denom);
    let entropy = (entropy * &mask).f_sum(Kind::Float)? / denom;
    let mut loss = &policy_loss + &value_loss * t.value_weight - &entropy * ctx.entropy_weight;
    if let Some(penalty) = &run.penalty {
        loss += penalty;
    }
    let mut terms = LossTerms {
        policy: policy_loss.f_double_value(&[])?,
        value: value_loss.f_double_value(&[])?,
        entropy: entropy.f_double_value(&[])?,
        ..LossTerms::default()
    };
    {
        let _guard = tch::no_grad_guard();
        let kl = ((&ratio - 1.0) - &log_ratio) * &mask;
        let clipped = (&ratio - 1.0).f_abs()?.f_gt(clip)?.to_kind(Kind::Float) * &mask;
        terms.approx_kl = kl.f_sum(Kind::Float)?.f_double_value(&[])? / denom;
        terms.clip_fraction = clipped.f_sum(Kind::Float)?.f_double_value(&[])? / denom;
    }
    loss.f_backward()?;
    Ok(terms)
}

/// Advantages (normalised over the update's steps when
/// `train.ppo_normalize_advantages`) and value targets of the whole trials.
fn advantages(r: &Rollout, t: &lsnn_rl_trainer::TrainConfig, gamma: f64) -> (Vec<f32>, Vec<f32>) {
    let data = ChunkData {
        batch: r.batch,
        rewards: &r.rewards,
        values: &r.values,
        mask: &r.mask,
        trial_end: &r.trial_end,
        bootstrap: &vec![0.0; r.batch],
    };
    let (mut advantages, targets) = estimate_returns(&data, t, gamma);
    if t.ppo_normalize_advantages {
        let live: Vec<f64> = advantages
            .iter()
            .zip(&r.mask)
            .filter(|(_, m)| **m > 0.0)
            .map(|(a, _)| *a as f64)
            .collect();
        let n = live.len().max(1) as f64;
        let mean = live.iter().sum::<f64>() / n;
        let std = (live.iter().map(|a| (a - mean).powi(2)).sum::<f64>() / n).sqrt();
        for (a, m) in advantages.iter_mut().zip(&r.mask) {
            *a = if *m > 0.0 {
                ((*a as f64 - mean) / (std + 1e-8)) as f32
            } else {
                0.0
            };
        }
    }
    (advantages, targets)
}

/// The log-probabilities of the rollout's actions under the rollout's policy.
fn old_log_probs(ctx: &UpdateContext<'_>, r: &Rollout) -> Result<Vec<f32>, TrainError> {
    let _guard = tch::no_grad_guard();
    let outputs = Tensor::f_from_slice(&r.outputs)?
        .f_view([(r.steps * r.batch) as i64, r.output_width as i64])?
        .f_to_device(ctx.device)?;
    let (log_probs, _) =
        log_prob_and_entropy(ctx.agent, &outputs, &r.codes, ctx.batch.action_space());
    Ok(log_probs.f_to_device(Device::Cpu)?.try_into()?)
}
