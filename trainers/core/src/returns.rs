//! Returns and advantages, computed in plain Rust on time-major arrays
//! (`[t * batch + b]`).

use crate::config::{Advantage, TrainConfig};

/// Rewards and values of one rollout chunk.
pub struct ChunkData<'a> {
    /// Trials in the batch.
    pub batch: usize,
    /// Reward of each step.
    pub rewards: &'a [f32],
    /// Value estimate of each step.
    pub values: &'a [f32],
    /// 1 where the trial was still running at this step, else 0.
    pub mask: &'a [f32],
    /// 1 where this step ended the trial (no value beyond it).
    pub trial_end: &'a [f32],
    /// Value of the state after the chunk, per trial (0 where the trial ended).
    pub bootstrap: &'a [f32],
}

/// The advantages and value targets `train.advantage` asks for, with this
/// update's discount `gamma` (`RunConfig::schedules_at`).
pub fn estimate_returns(data: &ChunkData, train: &TrainConfig, gamma: f64) -> (Vec<f32>, Vec<f32>) {
    match train.advantage {
        Advantage::Gae => gae(data, gamma as f32, train.gae_lambda as f32),
        Advantage::Nstep => n_step(data, gamma as f32, train.n_step),
    }
}

/// GAE(lambda) advantages and the value targets (advantage + value).
/// Episode boundaries inside a trial do not cut the return: the trial is the
/// meta-RL episode. Masked steps get advantage and target 0.
pub fn gae(data: &ChunkData, gamma: f32, lambda: f32) -> (Vec<f32>, Vec<f32>) {
    let batch = data.batch;
    let steps = data.rewards.len() / batch;
    let mut advantages = vec![0.0; steps * batch];
    let mut targets = vec![0.0; steps * batch];
    for b in 0..batch {
        let mut running = 0.0;
        let mut next_value = data.bootstrap[b];
        for t in (0..steps).rev() {
            let i = t * batch + b;
            if data.mask[i] == 0.0 {
                running = 0.0;
                next_value = 0.0;
                continue;
            }
            let continues = 1.0 - data.trial_end[i];
            let delta = data.rewards[i] + gamma * next_value * continues - data.values[i];
            running = delta + gamma * lambda * continues * running;
            advantages[i] = running;
            targets[i] = running + data.values[i];
            next_value = data.values[i];
        }
    }
    (advantages, targets)
}

/// n-step bootstrapped returns as targets, and target minus value as
/// advantages.
pub fn n_step(data: &ChunkData, gamma: f32, n: usize) -> (Vec<f32>, Vec<f32>) {
    let batch = data.batch;
    let steps = data.rewards.len() / batch;
    let mut advantages = vec![0.0; steps * batch];
    let mut targets = vec![0.0; steps * batch];
    for b in 0..batch {
        for t in 0..steps {
            let i = t * batch + b;
            if data.mask[i] == 0.0 {
                continue;
            }
            let mut ret = 0.0;
            let mut discount = 1.0;
            let mut ended = false;
            let mut k = t;
            while k < steps && k < t + n {
                let j = k * batch + b;
                ret += discount * data.rewards[j];
                discount *= gamma;
                if data.trial_end[j] == 1.0 {
                    ended = true;
                    break;
                }
                k += 1;
            }
            if !ended {
                let tail = if k < steps {
                    data.values[k * batch + b]
                } else {
                    data.bootstrap[b]
                };
                ret += discount * tail;
            }
            targets[i] = ret;
            advantages[i] = ret - data.values[i];
        }
    }
    (advantages, targets)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Trial-end flags, mask and bootstrap of one trial.
    fn single(rewards: &[f32], end_last: bool, bootstrap: f32) -> (Vec<f32>, Vec<f32>, Vec<f32>) {
        let mut trial_end = vec![0.0; rewards.len()];
        if end_last {
            *trial_end.last_mut().unwrap() = 1.0;
        }
        (trial_end, vec![1.0; rewards.len()], vec![bootstrap])
    }

    #[test]
    fn gae_with_lambda_one_is_the_discounted_return_minus_value() {
        let rewards = [1.0, 0.0, 2.0];
        let values = [0.5, 0.25, 1.0];
        let (trial_end, mask, bootstrap) = single(&rewards, true, 9.0);
        let data = ChunkData {
            batch: 1,
            rewards: &rewards,
            values: &values,
            mask: &mask,
            trial_end: &trial_end,
            bootstrap: &bootstrap,
        };
        let (adv, target) = gae(&data, 0.5, 1.0);
        // Returns: 1 + 0.5 * (0 + 0.5 * 2) = 1.5, 0 + 0.5 * 2 = 1, 2; the bootstrap is ignored after the end.
        assert_eq!(target, vec![1.5, 1.0, 2.0]);
        assert_eq!(adv, vec![1.0, 0.75, 1.0]);
    }

    #[test]
    fn gae_with_lambda_zero_is_the_td_error_and_bootstraps() {
        let rewards = [1.0, 0.0];
        let values = [0.5, 0.25];
        let (trial_end, mask, bootstrap) = single(&rewards, false, 2.0);
        let data = ChunkData {
            batch: 1,
            rewards: &rewards,
            values: &values,
            mask: &mask,
            trial_end: &trial_end,
            bootstrap: &bootstrap,
        };
        let (adv, _) = gae(&data, 0.5, 0.0);
        assert_eq!(adv, vec![1.0 + 0.5 * 0.25 - 0.5, 0.0 + 0.5 * 2.0 - 0.25]);
    }

    #[test]
    fn n_step_matches_gae_lambda_one_when_n_covers_the_chunk() {
        let rewards = [1.0, 0.0, 2.0, 1.0, 0.0, 1.0];
        let values = [0.5, 0.25, 1.0, 0.1, 0.2, 0.3];
        // Two trials side by side (batch 2): time-major.
        let mask = [1.0; 6];
        let trial_end = [0.0, 0.0, 0.0, 0.0, 1.0, 0.0];
        let bootstrap = [0.0, 0.7];
        let data = ChunkData {
            batch: 2,
            rewards: &rewards,
            values: &values,
            mask: &mask,
            trial_end: &trial_end,
            bootstrap: &bootstrap,
        };
        let (a1, t1) = gae(&data, 0.9, 1.0);
        let (a2, t2) = n_step(&data, 0.9, 10);
        for i in 0..6 {
            assert!(
                (a1[i] - a2[i]).abs() < 1e-6 && (t1[i] - t2[i]).abs() < 1e-6,
                "{i}: {a1:?} {a2:?}"
            );
        }
    }

    #[test]
    fn masked_steps_get_nothing() {
        let rewards = [1.0, 5.0];
        let values = [0.0, 3.0];
        let mask = [1.0, 0.0];
        let trial_end = [1.0, 0.0];
        let bootstrap = [4.0];
        let data = ChunkData {
            batch: 1,
            rewards: &rewards,
            values: &values,
            mask: &mask,
            trial_end: &trial_end,
            bootstrap: &bootstrap,
        };
        let (adv, target) = gae(&data, 0.9, 0.95);
        assert_eq!(adv, vec![1.0, 0.0]);
        assert_eq!(target, vec![1.0, 0.0]);
    }
}
