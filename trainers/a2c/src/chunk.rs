//! What one update's chunks share and add up: how the trials are cut for
//! backpropagation, what each chunk records for its loss, and the totals.

use lsnn_rl_env::Action;
use lsnn_rl_trainer::TrainError;
use lsnn_rl_trainer::algorithm::UpdateReport;
use lsnn_rl_trainer::penalty::RateSums;
use lsnn_rl_trainer::rollout::Batch;

/// How one update splits its trials into chunks for backpropagation.
pub(crate) struct Chunks {
    /// Steps per chunk (the whole trial without truncation).
    pub chunk: usize,
    /// Steps of a trial.
    pub trial_steps: usize,
    /// B x trial steps: the loss is a mean over every step of every trial.
    pub denom: f64,
    /// Entropy weight of this update.
    pub entropy_weight: f64,
    /// Discount of this update.
    pub gamma: f64,
}

/// What the chunks of one update add up to.
#[derive(Default)]
pub(crate) struct UpdateTotals {
    pub policy_loss: f64,
    pub value_loss: f64,
    pub entropy: f64,
    /// Mean LIF and ALIF rates, each weighted by its chunk's length.
    pub rates: RateSums,
    pub steps_taken: u64,
    pub report: UpdateReport,
}

/// What the loss of one chunk needs per step and trial, `[len, B]` row-major.
pub(crate) struct ChunkRecord {
    pub codes: Vec<f32>,
    pub rewards: Vec<f32>,
    pub mask: Vec<f32>,
    pub trial_end: Vec<f32>,
}

impl ChunkRecord {
    pub fn with_capacity(capacity: usize) -> Self {
        Self {
            codes: Vec::with_capacity(capacity),
            rewards: Vec::with_capacity(capacity),
            mask: Vec::with_capacity(capacity),
            trial_end: Vec::with_capacity(capacity),
        }
    }

    /// Plays `actions` in every running trial and records the step; returns the
    /// environment steps taken.
    pub fn play(
        &mut self,
        batch: &mut Batch,
        actions: &[Action],
        codes: Vec<f32>,
    ) -> Result<u64, TrainError> {
        let mut taken = 0;
        for (b, action) in actions.iter().enumerate() {
            match batch.step(b, action)? {
                Some((reward, ended, _)) => {
                    self.rewards.push(reward as f32);
                    self.mask.push(1.0);
                    self.trial_end.push(if ended { 1.0 } else { 0.0 });
                    taken += 1;
                }
                None => {
                    self.rewards.push(0.0);
                    self.mask.push(0.0);
                    self.trial_end.push(0.0);
                }
            }
        }
        self.codes.extend(codes);
        Ok(taken)
    }
}
