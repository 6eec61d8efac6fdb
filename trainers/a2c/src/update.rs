//! One A2C update: the batch's trials rolled out in chunks, each chunk's
//! actor-critic loss backpropagated (by autograd or by the CPU kernel's
//! hand-derived backward pass), then one optimiser step.

use lsnn_rl_trainer::TrainError;
use lsnn_rl_trainer::algorithm::{Algorithm, UpdateContext, UpdateReport};

use crate::autograd::backprop_autograd;
use crate::chunk::{Chunks, UpdateTotals};
use crate::manual::backprop_manual;
use crate::{A2c, Net};

impl Algorithm for A2c {
    fn name(&self) -> &'static str {
        "a2c"
    }

    fn update(&mut self, ctx: &mut UpdateContext<'_>) -> Result<UpdateReport, TrainError> {
        let net = Net {
            agent: ctx.agent,
            config: ctx.config,
            device: ctx.device,
        };
        let t = &ctx.config.train;
        let batch_size = ctx.batch.len();
        let trial_steps = ctx.batch.trial_steps;
        let chunk = if t.truncate == 0 {
            trial_steps
        } else {
            t.truncate.min(trial_steps)
        };
        let denom = (batch_size * trial_steps) as f64;
        let chunks = Chunks {
            chunk,
            trial_steps,
            denom,
            entropy_weight: ctx.entropy_weight,
            gamma: ctx.gamma,
        };
        let mut totals = UpdateTotals::default();
        match ctx.kernel.take() {
            Some(kernel) => backprop_manual(
                net,
                &mut self.buffers,
                &kernel,
                ctx.batch,
                &chunks,
                &mut totals,
            )?,
            None => backprop_autograd(net, ctx.batch, &chunks, &mut totals)?,
        }
        let UpdateTotals {
            policy_loss,
            value_loss,
            entropy,
            rates,
            steps_taken,
            mut report,
        } = totals;
        let (step, optimiser) =
            ctx.optimiser_step(policy_loss.is_finite() && value_loss.is_finite())?;
        let (n_lif, n_alif) = ctx.agent.neuron_count();
        report.env_steps = steps_taken;
        report.policy_loss = if step.injected { f64::NAN } else { policy_loss };
        report.value_loss = value_loss;
        report.entropy = entropy * denom / steps_taken.max(1) as f64;
        report.grad_norm = step.grad_norm;
        report.skipped = step.skipped;
        (report.rate_lif, report.rate_alif) = rates.means(trial_steps, n_lif, n_alif);
        report.optimiser = optimiser;
        Ok(report)
    }
}
