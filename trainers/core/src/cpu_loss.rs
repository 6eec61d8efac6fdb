//! The actor-critic loss and its gradients with respect to the policy
//! outputs, the values and a Gaussian head's log-std, on plain buffers: what
//! the CPU update of a spiking agent uses instead of LibTorch's autograd (the
//! tensor version is `lsnn_rl_a2c`'s `chunk_loss`; a test checks this one
//! against autograd).
//!
//! loss = -sum(mask * log_prob * advantage) / denom
//!        + value_weight * 0.5 * sum(mask * (target - value)^2) / denom
//!        - entropy_weight * sum(mask * entropy) / denom
//!
//! or, with [`PpoInputs`], PPO's clipped surrogate in place of the first
//! term (ratio = exp(log_prob - old_log_prob)):
//! -sum(mask * min(ratio * advantage, clamp(ratio, 1 - c, 1 + c) * advantage)) / denom,
//! and optionally the value error clipped around the rollout's value.

use lsnn_rl_env::Space;

/// What the loss of a chunk needs, per row (step x trial, `[rows]` or
/// `[rows, A]` row-major).
pub struct LossInputs<'a> {
    /// The action space.
    pub space: &'a Space,
    /// Policy outputs: logits `[rows, n]` or Gaussian means `[rows, d]`.
    pub outputs: &'a [f32],
    /// Value estimates `[rows]`.
    pub values: &'a [f32],
    /// The actions taken: indices (discrete) or vectors `[rows, d]` (box).
    pub codes: &'a [f32],
    /// Advantages `[rows]` (constants).
    pub advantages: &'a [f32],
    /// Value targets `[rows]` (constants).
    pub targets: &'a [f32],
    /// 1 where the trial was running, else 0.
    pub mask: &'a [f32],
    /// A Gaussian head's log-std `[d]` (empty for a discrete head).
    pub log_std: &'a [f32],
    /// What every sum is divided by.
    pub denom: f64,
    /// Weight of the value loss.
    pub value_weight: f64,
    /// Weight of the entropy bonus.
    pub entropy_weight: f64,
    /// PPO's objective instead of the actor-critic one.
    pub ppo: Option<PpoInputs<'a>>,
}

/// What PPO's clipped objective adds, per row.
pub struct PpoInputs<'a> {
    /// Log-probabilities of the actions under the rollout's policy `[rows]`.
    pub old_log_probs: &'a [f32],
    /// The rollout's values `[rows]`.
    pub old_values: &'a [f32],
    /// The ratio clip epsilon.
    pub clip: f64,
    /// Clip the value to within this of the rollout's (0 = no clipping).
    pub value_clip: f64,
}

/// The loss's three terms (each already divided by `denom`).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct LossTerms {
    /// -sum(mask * log_prob * advantage) / denom.
    pub policy: f64,
    /// 0.5 * sum(mask * (target - value)^2) / denom.
    pub value: f64,
    /// sum(mask * entropy) / denom.
    pub entropy: f64,
    /// PPO: sum(mask * ((ratio - 1) - log ratio)) / denom, the approximate KL.
    pub approx_kl: f64,
    /// PPO: the share of steps (over denom) whose ratio left [1 - c, 1 + c].
    pub clip_fraction: f64,
}

/// The loss's gradients.
#[derive(Clone, Debug, PartialEq)]
pub struct LossGrads {
    /// dL/d policy outputs, `[rows, A]`.
    pub outputs: Vec<f32>,
    /// dL/d values, `[rows]`.
    pub values: Vec<f32>,
    /// dL/d log-std, `[d]` (empty for a discrete head).
    pub log_std: Vec<f32>,
}

/// The loss terms and their gradients.
///
/// # Panics
/// If the sizes disagree.
pub fn actor_critic_loss(inputs: &LossInputs) -> (LossTerms, LossGrads) {
    let rows = inputs.values.len();
    let width = inputs.outputs.len() / rows.max(1);
    let mut terms = LossTerms::default();
    let mut grads = LossGrads {
        outputs: vec![0.0; rows * width],
        values: vec![0.0; rows],
        log_std: vec![0.0; inputs.log_std.len()],
    };
    let mut d_log_std = vec![0.0f64; inputs.log_std.len()];
    let log_2pi = (2.0 * std::f64::consts::PI).ln();
    let mut probs = vec![0.0f64; width];
    for row in 0..rows {
        let mask = inputs.mask[row] as f64;
        if mask == 0.0 {
            continue;
        }
        let scale = mask / inputs.denom;
        let advantage = inputs.advantages[row] as f64;
        let value = inputs.values[row] as f64;
        let target = inputs.targets[row] as f64;
        let (value_error, d_value) = value_term(inputs, row, value, target);
        terms.value += 0.5 * value_error * scale;
        grads.values[row] = (inputs.value_weight * d_value * scale) as f32;
        let outputs = &inputs.outputs[row * width..(row + 1) * width];
        let d_outputs = &mut grads.outputs[row * width..(row + 1) * width];
        match inputs.space {
            Space::Discrete { .. } => {
                let max = outputs.iter().fold(f32::NEG_INFINITY, |m, &x| m.max(x)) as f64;
                let mut sum = 0.0;
                for (p, &x) in probs.iter_mut().zip(outputs) {
                    *p = (x as f64 - max).exp();
                    sum += *p;
                }
                let log_sum = sum.ln();
                let mut entropy = 0.0;
                for p in probs.iter_mut() {
                    *p /= sum;
                    if *p > 0.0 {
                        entropy -= *p * p.ln();
                    }
                }
                let taken = inputs.codes[row] as usize;
                let log_prob = outputs[taken] as f64 - max - log_sum;
                let (policy, d_log_prob) =
                    policy_term(inputs, row, log_prob, advantage, &mut terms, scale);
                terms.policy += policy * scale;
                terms.entropy += entropy * scale;
                for (i, (d, &p)) in d_outputs.iter_mut().zip(&probs).enumerate() {
                    let one_hot = if i == taken { 1.0 } else { 0.0 };
                    // dL/dlog p_a d(log p_a)/dz_i, and -w d(H)/dz_i = w p_i (log p_i + H).
                    let log_p = outputs[i] as f64 - max - log_sum;
                    let d_policy = d_log_prob * (one_hot - p);
                    let d_entropy = inputs.entropy_weight * p * (log_p + entropy);
                    *d = ((d_policy + d_entropy) * scale) as f32;
                }
            }
            Space::Box(_) => {
                let actions = &inputs.codes[row * width..(row + 1) * width];
                let mut log_prob = 0.0;
                let mut entropy = 0.0;
                let mut z = vec![0.0f64; width];
                for d in 0..width {
                    let log_std = inputs.log_std[d] as f64;
                    z[d] = (actions[d] as f64 - outputs[d] as f64) / log_std.exp();
                    log_prob += -0.5 * z[d] * z[d] - log_std - 0.5 * log_2pi;
                    entropy += log_std + 0.5 * (1.0 + log_2pi);
                }
                let (policy, d_log_prob) =
                    policy_term(inputs, row, log_prob, advantage, &mut terms, scale);
                terms.policy += policy * scale;
                terms.entropy += entropy * scale;
                for d in 0..width {
                    // d log_prob / d mean = z / std; d log_prob / d log_std = z^2 - 1.
                    let std = (inputs.log_std[d] as f64).exp();
                    d_outputs[d] = (d_log_prob * z[d] / std * scale) as f32;
                    d_log_std[d] +=
                        (d_log_prob * (z[d] * z[d] - 1.0) - inputs.entropy_weight) * scale;
                }
            }
        }
    }
    grads.log_std = d_log_std.into_iter().map(|g| g as f32).collect();
    (terms, grads)
}

/// The policy term of one row before the mask and denominator, and its
/// derivative with respect to the row's log-probability; PPO's clipped
/// surrogate also adds to the approximate KL and the clip fraction.
fn policy_term(
    inputs: &LossInputs,
    row: usize,
    log_prob: f64,
    advantage: f64,
    terms: &mut LossTerms,
    scale: f64,
) -> (f64, f64) {
    let Some(ppo) = &inputs.ppo else {
        return (-log_prob * advantage, -advantage);
    };
    let log_ratio = log_prob - ppo.old_log_probs[row] as f64;
    let ratio = log_ratio.exp();
    let clipped = ratio.clamp(1.0 - ppo.clip, 1.0 + ppo.clip);
    let inside = (1.0 - ppo.clip..=1.0 + ppo.clip).contains(&ratio);
    terms.approx_kl += ((ratio - 1.0) - log_ratio) * scale;
    if (ratio - 1.0).abs() > ppo.clip {
        terms.clip_fraction += scale;
    }
    let surrogate = (ratio * advantage).min(clipped * advantage);
    // The gradient flows through the unclipped ratio where it is the minimum
    // or where the clip does not bite (both branches then agree).
    let active = ratio * advantage < clipped * advantage || inside;
    let d_log_prob = if active { -advantage * ratio } else { 0.0 };
    (-surrogate, d_log_prob)
}

/// The squared value error of one row and its derivative with respect to the
/// value, halved (PPO: the larger of the plain and the clipped error).
fn value_term(inputs: &LossInputs, row: usize, value: f64, target: f64) -> (f64, f64) {
    let plain = ((value - target).powi(2), value - target);
    let Some(ppo) = inputs.ppo.as_ref().filter(|p| p.value_clip > 0.0) else {
        return plain;
    };
    let old = ppo.old_values[row] as f64;
    let step = value - old;
    let clipped_value = old + step.clamp(-ppo.value_clip, ppo.value_clip);
    let inside = step.abs() <= ppo.value_clip;
    let clipped = (
        (clipped_value - target).powi(2),
        if inside { clipped_value - target } else { 0.0 },
    );
    if plain.0 > clipped.0 {
        plain
    } else if clipped.0 > plain.0 {
        clipped
    } else {
        // A tie: LibTorch's maximum splits the gradient between the two.
        (plain.0, 0.5 * (plain.1 + clipped.1))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tch::{Kind, Tensor};

    fn lcg(seed: &mut u64) -> f32 {
        *seed = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((*seed >> 40) as f32 / (1u64 << 24) as f32) * 2.0 - 1.0
    }

    fn rel_error(a: &[f32], b: &[f32]) -> f64 {
        let diff: f64 = a.iter().zip(b).map(|(x, y)| ((x - y) as f64).powi(2)).sum();
        let norm: f64 = b.iter().map(|y| (*y as f64).powi(2)).sum();
        (diff / norm.max(1e-30)).sqrt()
    }

    /// The same loss through LibTorch's autograd, as `chunk_loss` builds it.
    fn autograd(inputs: &LossInputs, width: usize) -> (f64, Vec<f32>, Vec<f32>, Vec<f32>) {
        let rows = inputs.values.len() as i64;
        let outputs = Tensor::from_slice(inputs.outputs)
            .view([rows, width as i64])
            .set_requires_grad(true);
        let values = Tensor::from_slice(inputs.values).set_requires_grad(true);
        let log_std = Tensor::from_slice(inputs.log_std).set_requires_grad(true);
        let (log_prob, entropy) = match inputs.space {
            Space::Discrete { .. } => {
                let log_probs = outputs.log_softmax(-1, Kind::Float);
                let index: Vec<i64> = inputs.codes.iter().map(|&c| c as i64).collect();
                let taken = log_probs
                    .gather(-1, &Tensor::from_slice(&index).unsqueeze(-1), false)
                    .squeeze_dim(-1);
                let entropy =
                    -(log_probs.exp() * &log_probs).sum_dim_intlist(-1, false, Kind::Float);
                (taken, entropy)
            }
            Space::Box(_) => {
                let x = Tensor::from_slice(inputs.codes).view([rows, width as i64]);
                let z = (&x - &outputs) / log_std.exp();
                let log_2pi = (2.0 * std::f64::consts::PI).ln();
                let per_dim = z.square() * -0.5 - &log_std - 0.5 * log_2pi;
                let entropy = (&log_std + 0.5 * (1.0 + log_2pi))
                    .sum(Kind::Float)
                    .expand([rows], false);
                (per_dim.sum_dim_intlist(-1, false, Kind::Float), entropy)
            }
        };
        let mask = Tensor::from_slice(inputs.mask);
        let adv = Tensor::from_slice(inputs.advantages);
        let targets = Tensor::from_slice(inputs.targets);
        let denom = inputs.denom;
        // As trainers/ppo/src/update.rs and lsnn_rl_a2c's chunk_loss build them.
        let (policy, value_error) = match &inputs.ppo {
            None => (
                -(log_prob * adv * &mask).sum(Kind::Float) / denom,
                (targets - &values).square(),
            ),
            Some(ppo) => {
                let ratio = (log_prob - Tensor::from_slice(ppo.old_log_probs)).exp();
                let (low, high) = (1.0 - ppo.clip, 1.0 + ppo.clip);
                let surrogate = (&ratio * &adv).minimum(&(ratio.clamp(low, high) * &adv));
                let old = Tensor::from_slice(ppo.old_values);
                let plain = (&values - &targets).square();
                let clipped = &old + (&values - &old).clamp(-ppo.value_clip, ppo.value_clip);
                (
                    -(surrogate * &mask).sum(Kind::Float) / denom,
                    plain.maximum(&(clipped - &targets).square()),
                )
            }
        };
        let value = (value_error * &mask).sum(Kind::Float) * (0.5 / denom);
        let entropy = (entropy * &mask).sum(Kind::Float) / denom;
        let loss = &policy + &value * inputs.value_weight - &entropy * inputs.entropy_weight;
        loss.backward();
        let grad = |t: &Tensor| -> Vec<f32> { t.grad().flatten(0, -1).try_into().unwrap() };
        let log_std_grad = if inputs.log_std.is_empty() {
            Vec::new()
        } else {
            grad(&log_std)
        };
        (
            loss.double_value(&[]),
            grad(&outputs),
            grad(&values),
            log_std_grad,
        )
    }

    fn check(space: Space, width: usize, ppo: bool) {
        let rows = 40;
        let mut seed = 7;
        let mut random =
            |n: usize, scale: f32| -> Vec<f32> { (0..n).map(|_| lcg(&mut seed) * scale).collect() };
        let outputs = random(rows * width, 2.0);
        let values = random(rows, 1.0);
        let advantages = random(rows, 1.5);
        let targets = random(rows, 1.0);
        let mask: Vec<f32> = (0..rows)
            .map(|r| if r % 7 == 3 { 0.0 } else { 1.0 })
            .collect();
        let (codes, log_std) = match space {
            Space::Discrete { n } => (
                (0..rows).map(|r| ((r * 5) % n) as f32).collect(),
                Vec::new(),
            ),
            Space::Box(_) => (random(rows * width, 1.0), random(width, 0.5)),
        };
        let old_log_probs = random(rows, 0.3);
        let old_values: Vec<f32> = values.iter().map(|v| v + 0.1 * lcg(&mut 3)).collect();
        let (old_log_probs, old_values) = (old_log_probs, old_values);
        let inputs = LossInputs {
            space: &space,
            outputs: &outputs,
            values: &values,
            codes: &codes,
            advantages: &advantages,
            targets: &targets,
            mask: &mask,
            log_std: &log_std,
            denom: rows as f64,
            value_weight: 0.25,
            entropy_weight: 0.05,
            ppo: ppo.then(|| PpoInputs {
                old_log_probs: &old_log_probs,
                old_values: &old_values,
                clip: 0.2,
                value_clip: 0.05,
            }),
        };
        let (terms, grads) = actor_critic_loss(&inputs);
        let (loss, d_outputs, d_values, d_log_std) = autograd(&inputs, width);
        let ours = terms.policy + 0.25 * terms.value - 0.05 * terms.entropy;
        assert!(
            (ours - loss).abs() < 1e-5 * loss.abs().max(1.0),
            "{ours} vs {loss}"
        );
        assert!(
            rel_error(&grads.outputs, &d_outputs) < 1e-5,
            "outputs {space:?}"
        );
        assert!(
            rel_error(&grads.values, &d_values) < 1e-5,
            "values {space:?}"
        );
        assert!(
            rel_error(&grads.log_std, &d_log_std) < 1e-5,
            "log_std {space:?}"
        );
        assert_eq!(
            grads.outputs[3 * width],
            0.0,
            "a masked row has no gradient"
        );
        if ppo {
            // Some ratios are clipped and some not: both branches are checked.
            assert!(
                terms.clip_fraction > 0.05 && terms.clip_fraction < 0.95,
                "{terms:?}"
            );
            assert!(terms.approx_kl > 0.0, "{terms:?}");
        }
    }

    #[test]
    fn the_discrete_loss_and_gradients_equal_autograds() {
        check(Space::Discrete { n: 3 }, 3, false);
    }

    #[test]
    fn ppos_clipped_objective_and_gradients_equal_autograds() {
        check(Space::Discrete { n: 3 }, 3, true);
        check(Space::uniform_box(-1.0, 1.0, &[2]), 2, true);
    }

    #[test]
    fn the_gaussian_loss_and_gradients_equal_autograds() {
        check(Space::uniform_box(-1.0, 1.0, &[2]), 2, false);
    }
}
