//! One supervised update: the batch's trials played and backpropagated
//! (by the CPU kernel's hand-derived pass or by autograd), then one
//! optimiser step.

use lsnn_rl_trainer::TrainError;
use lsnn_rl_trainer::algorithm::{Algorithm, UpdateContext, UpdateReport};

use crate::autograd::backprop_autograd;
use crate::manual::backprop_manual;
use crate::{Chunks, Supervised, Totals};

impl Algorithm for Supervised {
    fn name(&self) -> &'static str {
        "supervised"
    }

    fn update(&mut self, ctx: &mut UpdateContext<'_>) -> Result<UpdateReport, TrainError> {
        let t = &ctx.config.train;
        let batch_size = ctx.batch.len();
        let trial_steps = ctx.batch.trial_steps;
        let chunks = Chunks {
            len: if t.truncate == 0 {
                trial_steps
            } else {
                t.truncate.min(trial_steps)
            },
            // The loss is a mean over every step of every trial.
            denom: (batch_size * trial_steps) as f64,
        };
        let mut totals = Totals::default();
        match ctx.kernel.take() {
            Some(kernel) => backprop_manual(
                self,
                ctx.agent,
                ctx.config,
                &kernel,
                ctx.batch,
                chunks,
                &mut totals,
            )?,
            None => backprop_autograd(
                ctx.agent,
                ctx.config,
                ctx.device,
                ctx.batch,
                chunks,
                &mut totals,
            )?,
        }
        let mse = totals.squared_error / totals.steps.max(1) as f64;
        let (step, optimiser) = ctx.optimiser_step(mse.is_finite())?;
        let (n_lif, n_alif) = ctx.agent.neuron_count();
        let (rate_lif, rate_alif) = totals.rates.means(trial_steps, n_lif, n_alif);
        Ok(UpdateReport {
            env_steps: totals.steps,
            mse: Some(if step.injected { f64::NAN } else { mse }),
            grad_norm: step.grad_norm,
            skipped: step.skipped,
            rate_lif,
            rate_alif,
            rollout: totals.rollout,
            backward: totals.backward,
            optimiser,
            ..UpdateReport::default()
        })
    }
}
