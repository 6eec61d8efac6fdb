//! Sparse, sign-constrained synapses and Deep R rewiring (Bellec et al. 2018,
//! "Deep rewiring"), on plain buffers.
//!
//! Each possible synapse k of a weight matrix has a fixed sign s_k (+1 or -1)
//! and exists or is dormant. An existing synapse's weight is s_k * theta_k with
//! theta_k > 0; a dormant one's weight is exactly 0. After every optimiser step
//! ([`Synapses::after_step`]):
//! 1. with rewiring, each existing theta gets an L1 shrink (lr * l1) and, at a
//!    temperature T > 0, Langevin noise sqrt(2 lr T) N(0, 1);
//! 2. a synapse whose theta is no longer positive (its weight would change
//!    sign) goes dormant with rewiring, or is held at 0 without it;
//! 3. with rewiring, exactly as many dormant synapses as went dormant are
//!    woken, uniformly at random among the dormant ones, with theta =
//!    [`WAKE_THETA`], so the number of existing synapses never changes.
//!
//! Gradients never reach a dormant synapse (the network multiplies its weights
//! by the existence mask), and step 2 re-zeroes any dormant weight the
//! optimiser's momentum moved.

use rand::Rng;
use rand::seq::index;
use rand_distr::StandardNormal;

/// Theta of a freshly woken synapse: a tiny positive value, so the synapse
/// starts at (almost) zero and its sign is the one it was born with.
pub const WAKE_THETA: f32 = 1e-12;

/// How the synapses' fixed signs are chosen when a matrix is drawn.
#[derive(Clone, Debug)]
pub enum SignRule {
    /// Each synapse takes the sign of its initial random weight (+ or - with
    /// equal probability).
    Random,
    /// Dale's law: every synapse of presynaptic neuron (row) i has the sign
    /// of that neuron: true = excitatory (+), false = inhibitory (-). Inhibitory
    /// weights are drawn `excitatory share / inhibitory share` times larger,
    /// so the mean recurrent input is zero.
    Dale(Vec<bool>),
}

/// The rule applied after an optimiser step (see the module notes).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct AfterStep {
    /// Learning rate of the step.
    pub lr: f64,
    /// Hold every synapse to its sign (Dale's law; always so with `rewire`).
    /// Without it, only dormant weights are re-zeroed.
    pub keep_signs: bool,
    /// Rewire: dormant synapses replace those that would change sign, and
    /// theta gets the L1 shrink and the noise below.
    pub rewire: bool,
    /// L1 weight: theta shrinks by lr * l1 per step (rewiring only).
    pub l1: f64,
    /// Temperature T of the Langevin noise sqrt(2 lr T) N(0, 1) (rewiring only; 0 = none).
    pub temperature: f64,
}

/// What [`Synapses::after_step`] changed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct StepCount {
    /// Synapses that went dormant (with rewiring) or were held at zero (without).
    pub dormant: usize,
    /// Dormant synapses woken (equal to `dormant` with rewiring, 0 without).
    pub woken: usize,
}

/// The signs and existence of every possible synapse of one `[rows, cols]`
/// weight matrix (row-major; rows are presynaptic).
#[derive(Clone, Debug, PartialEq)]
pub struct Synapses {
    rows: usize,
    cols: usize,
    /// +1 or -1 for every entry (0 on an impossible self-connection).
    sign: Vec<f32>,
    /// 1 where the synapse exists, 0 where it is dormant or impossible.
    exists: Vec<f32>,
    /// Whether the diagonal is impossible (a recurrent matrix: no self-connections).
    no_self: bool,
}

impl Synapses {
    /// Draws a matrix: exactly round(`fraction` x possible) synapses exist (at
    /// least one), chosen uniformly; the weights are N(0, std^2 / fraction)
    /// in magnitude (so the summed input keeps the dense network's variance),
    /// signed by `signs`, and zero where no synapse exists. Returns the
    /// synapses and the weights, row-major.
    ///
    /// # Panics
    /// If `fraction` is not in (0, 1], `std` is not positive, a Dale rule's
    /// length is not `rows`, or a square matrix without self-connections has
    /// fewer than 2 rows.
    pub fn draw(
        rows: usize,
        cols: usize,
        no_self: bool,
        fraction: f64,
        std: f64,
        signs: &SignRule,
        rng: &mut impl Rng,
    ) -> (Self, Vec<f32>) {
        assert!(fraction > 0.0 && fraction <= 1.0, "fraction in (0, 1]");
        assert!(std > 0.0, "std must be positive");
        assert!(
            !no_self || rows == cols,
            "no self-connections needs a square matrix"
        );
        let possible: Vec<usize> = (0..rows * cols)
            .filter(|&k| !(no_self && k / cols == k % cols))
            .collect();
        assert!(!possible.is_empty(), "the matrix has no possible synapse");
        let count = ((fraction * possible.len() as f64).round() as usize).clamp(1, possible.len());
        let mut exists = vec![0.0f32; rows * cols];
        for i in index::sample(rng, possible.len(), count) {
            exists[possible[i]] = 1.0;
        }
        // Balance: inhibitory weights larger by E/I, all scaled so that the
        // mean square weight is std^2 / fraction.
        let (inhibitory_gain, norm) = match signs {
            SignRule::Random => (1.0, 1.0),
            SignRule::Dale(excitatory) => {
                assert_eq!(excitatory.len(), rows, "one Dale sign per row");
                let e = excitatory.iter().filter(|&&e| e).count() as f64 / rows as f64;
                let gain = if e < 1.0 && e > 0.0 {
                    e / (1.0 - e)
                } else {
                    1.0
                };
                (gain, (e + (1.0 - e) * gain * gain).sqrt())
            }
        };
        let scale = std / fraction.sqrt() / norm;
        let mut sign = vec![0.0f32; rows * cols];
        let mut weights = vec![0.0f32; rows * cols];
        for &k in &possible {
            let draw: f64 = rng.sample(StandardNormal);
            let (s, gain) = match signs {
                SignRule::Random => (if draw >= 0.0 { 1.0 } else { -1.0 }, 1.0),
                SignRule::Dale(excitatory) if excitatory[k / cols] => (1.0, 1.0),
                SignRule::Dale(_) => (-1.0, inhibitory_gain),
            };
            sign[k] = s as f32;
            weights[k] = (s * draw.abs() * scale * gain) as f32 * exists[k];
        }
        let synapses = Synapses {
            rows,
            cols,
            sign,
            exists,
            no_self,
        };
        (synapses, weights)
    }

    /// Synapses from stored signs and existence (a checkpoint), checked: every
    /// sign +1 or -1 (0 on the impossible diagonal), every existence 0 or 1,
    /// none on the diagonal. The error says what is wrong.
    pub fn from_parts(
        rows: usize,
        cols: usize,
        no_self: bool,
        sign: Vec<f32>,
        exists: Vec<f32>,
    ) -> Result<Self, String> {
        if sign.len() != rows * cols || exists.len() != rows * cols {
            return Err(format!(
                "signs and existence must have {rows} x {cols} entries"
            ));
        }
        for k in 0..rows * cols {
            let diagonal = no_self && k / cols == k % cols;
            let sign_ok = if diagonal {
                sign[k] == 0.0
            } else {
                sign[k] == 1.0 || sign[k] == -1.0
            };
            let exists_ok = exists[k] == 0.0 || (exists[k] == 1.0 && !diagonal);
            if !sign_ok || !exists_ok {
                return Err(format!(
                    "entry ({}, {}) has sign {} and existence {}",
                    k / cols,
                    k % cols,
                    sign[k],
                    exists[k]
                ));
            }
        }
        Ok(Synapses {
            rows,
            cols,
            sign,
            exists,
            no_self,
        })
    }

    /// Synapses from parts this crate wrote itself (no checks: the network's
    /// own variables between optimiser steps; loads go through [`Self::from_parts`]).
    pub(crate) fn from_trusted_parts(
        rows: usize,
        cols: usize,
        no_self: bool,
        sign: Vec<f32>,
        exists: Vec<f32>,
    ) -> Self {
        debug_assert_eq!(sign.len(), rows * cols);
        Synapses {
            rows,
            cols,
            sign,
            exists,
            no_self,
        }
    }

    /// The fixed signs (+1, -1; 0 on an impossible self-connection).
    pub fn sign(&self) -> &[f32] {
        &self.sign
    }

    /// 1 where a synapse exists, else 0.
    pub fn exists(&self) -> &[f32] {
        &self.exists
    }

    /// Number of existing synapses.
    pub fn existing(&self) -> usize {
        self.exists.iter().filter(|&&e| e != 0.0).count()
    }

    /// Number of existing synapses with a positive sign.
    pub fn existing_excitatory(&self) -> usize {
        self.exists
            .iter()
            .zip(&self.sign)
            .filter(|&(&e, &s)| e != 0.0 && s > 0.0)
            .count()
    }

    /// Number of possible synapses (all entries, less the diagonal of a
    /// recurrent matrix).
    pub fn possible(&self) -> usize {
        self.rows * self.cols - if self.no_self { self.rows } else { 0 }
    }

    /// Applies the rule of the module notes to `weights` (row-major, this
    /// matrix's shape) after an optimiser step; random draws come from `rng`.
    ///
    /// # Panics
    /// If `weights` does not have this matrix's shape.
    pub fn after_step(
        &mut self,
        weights: &mut [f32],
        rule: &AfterStep,
        rng: &mut impl Rng,
    ) -> StepCount {
        assert_eq!(
            weights.len(),
            self.rows * self.cols,
            "weights of this matrix"
        );
        let shrink = (rule.lr * rule.l1) as f32;
        let noise = (2.0 * rule.lr * rule.temperature).sqrt();
        let keep_signs = rule.keep_signs || rule.rewire;
        let mut dormant = 0;
        for (k, weight) in weights.iter_mut().enumerate() {
            if self.exists[k] == 0.0 {
                *weight = 0.0;
                continue;
            }
            if !keep_signs {
                continue;
            }
            let mut theta = self.sign[k] * *weight;
            if rule.rewire {
                theta -= shrink;
                if noise > 0.0 {
                    let draw: f64 = rng.sample(StandardNormal);
                    theta += (noise * draw) as f32;
                }
            }
            // Not positive (or not a number): the weight would change sign.
            if theta > 0.0 {
                *weight = self.sign[k] * theta;
            } else {
                *weight = 0.0;
                dormant += 1;
                if rule.rewire {
                    self.exists[k] = 0.0;
                }
            }
        }
        let mut woken = 0;
        if rule.rewire && dormant > 0 {
            let candidates: Vec<usize> = (0..weights.len())
                .filter(|&k| {
                    self.exists[k] == 0.0 && !(self.no_self && k / self.cols == k % self.cols)
                })
                .collect();
            for i in index::sample(rng, candidates.len(), dormant.min(candidates.len())) {
                let k = candidates[i];
                self.exists[k] = 1.0;
                weights[k] = self.sign[k] * WAKE_THETA;
                woken += 1;
            }
        }
        StepCount { dormant, woken }
    }
}

/// Dale's law signs of `n_lif` LIF then `n_alif` ALIF neurons: the first
/// round(`excitatory` x size) of each population are excitatory.
pub fn dale_signs(n_lif: usize, n_alif: usize, excitatory: f64) -> Vec<bool> {
    let population = |size: usize| {
        let e = (excitatory * size as f64).round() as usize;
        (0..size).map(move |i| i < e)
    };
    population(n_lif).chain(population(n_alif)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;

    fn rng(seed: u64) -> ChaCha8Rng {
        ChaCha8Rng::seed_from_u64(seed)
    }

    #[test]
    fn a_draw_has_exactly_the_asked_share_and_no_self_connection() {
        let (s, w) = Synapses::draw(100, 100, true, 0.12, 1.0, &SignRule::Random, &mut rng(1));
        assert_eq!(s.possible(), 9900);
        assert_eq!(s.existing(), 1188);
        for i in 0..100 {
            assert_eq!(s.exists()[i * 100 + i], 0.0);
            assert_eq!(w[i * 100 + i], 0.0);
        }
        for (k, &w) in w.iter().enumerate() {
            assert_eq!(w != 0.0, s.exists()[k] != 0.0, "entry {k}");
            assert!(w * s.sign()[k] >= 0.0, "entry {k} carries its sign");
        }
        // The weights' scale grows as 1/sqrt(fraction): mean square ~ 1/0.12.
        let mean_square: f64 =
            w.iter().map(|&x| (x as f64).powi(2)).sum::<f64>() / s.existing() as f64;
        assert!((mean_square * 0.12 - 1.0).abs() < 0.1, "{mean_square}");
    }

    #[test]
    fn dale_signs_follow_the_presynaptic_neuron_and_balance_the_mean() {
        let excitatory = dale_signs(60, 40, 0.75);
        assert_eq!(excitatory.iter().filter(|&&e| e).count(), 45 + 30);
        assert!(excitatory[44] && !excitatory[45] && excitatory[60] && !excitatory[90]);
        let rule = SignRule::Dale(excitatory.clone());
        let (s, w) = Synapses::draw(100, 100, true, 1.0, 1.0, &rule, &mut rng(2));
        let mut total = 0.0f64;
        for (i, &excitatory) in excitatory.iter().enumerate() {
            for j in 0..100 {
                let k = i * 100 + j;
                if i != j {
                    assert_eq!(s.sign()[k], if excitatory { 1.0 } else { -1.0 });
                }
                total += w[k] as f64;
            }
        }
        // Balanced: the mean weight is near zero (the E/I gain).
        let mean_abs: f64 = w.iter().map(|&x| x.abs() as f64).sum::<f64>() / 9900.0;
        assert!((total / 9900.0).abs() < 0.1 * mean_abs, "{total}");
    }

    #[test]
    fn stored_parts_are_checked() {
        let (s, _) = Synapses::draw(3, 3, true, 0.5, 1.0, &SignRule::Random, &mut rng(3));
        let back = Synapses::from_parts(3, 3, true, s.sign().to_vec(), s.exists().to_vec());
        assert_eq!(back.unwrap(), s);
        let mut exists = s.exists().to_vec();
        exists[4] = 1.0;
        let err = Synapses::from_parts(3, 3, true, s.sign().to_vec(), exists).unwrap_err();
        assert!(err.contains("entry (1, 1)"), "{err}");
        let err = Synapses::from_parts(3, 3, true, vec![0.5; 9], s.exists().to_vec()).unwrap_err();
        assert!(err.contains("sign 0.5"), "{err}");
    }

    #[test]
    fn without_rewiring_a_synapse_that_would_flip_is_held_at_zero() {
        let (mut s, mut w) = Synapses::draw(4, 4, true, 1.0, 1.0, &SignRule::Random, &mut rng(4));
        let k = 1;
        w[k] = -s.sign()[k] * 0.3;
        let rule = AfterStep {
            lr: 0.1,
            keep_signs: true,
            rewire: false,
            l1: 1.0,
            temperature: 1.0,
        };
        let before = w.clone();
        let count = s.after_step(&mut w, &rule, &mut rng(5));
        assert_eq!(
            count,
            StepCount {
                dormant: 1,
                woken: 0
            }
        );
        assert_eq!(w[k], 0.0);
        assert_eq!(s.exists()[k], 1.0, "it still exists");
        // No shrink and no noise without rewiring.
        for j in (0..16).filter(|&j| j != k) {
            assert_eq!(w[j], before[j]);
        }
        // Without signs kept, only dormant weights are touched.
        let (mut s, mut w) = Synapses::draw(4, 4, true, 0.5, 1.0, &SignRule::Random, &mut rng(6));
        let k = (0..16).find(|&k| s.exists()[k] != 0.0).unwrap();
        let d = (0..16).find(|&k| s.exists()[k] == 0.0).unwrap();
        w[k] = -w[k];
        w[d] = 0.4;
        let flipped = w[k];
        let free = AfterStep {
            keep_signs: false,
            ..rule
        };
        assert_eq!(
            s.after_step(&mut w, &free, &mut rng(7)),
            StepCount::default()
        );
        assert_eq!((w[k], w[d]), (flipped, 0.0));
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]

        /// Rewiring keeps the number of synapses, never flips a sign, and
        /// leaves every dormant weight at exactly zero, whatever the optimiser did.
        #[test]
        fn rewiring_keeps_count_and_signs(
            seed in 0u64..1000,
            fraction in 0.05f64..1.0,
            kicks in proptest::collection::vec(-1.0f32..1.0, 64),
            temperature in 0.0f64..0.5,
        ) {
            let rule = SignRule::Dale(dale_signs(5, 3, 0.75));
            let (mut s, mut w) = Synapses::draw(8, 8, true, fraction, 0.5, &rule, &mut rng(seed));
            let existing = s.existing();
            let signs = s.sign().to_vec();
            let step = AfterStep { lr: 0.05, keep_signs: true, rewire: true, l1: 0.1, temperature };
            let mut r = rng(seed + 1);
            for round in 0..5 {
                // An "optimiser step": arbitrary changes, to dormant entries too.
                for (k, x) in w.iter_mut().enumerate() {
                    *x += kicks[(k + round) % kicks.len()];
                }
                let count = s.after_step(&mut w, &step, &mut r);
                prop_assert_eq!(count.dormant, count.woken);
                prop_assert_eq!(s.existing(), existing);
                prop_assert_eq!(s.sign(), &signs[..]);
                for k in 0..64 {
                    if s.exists()[k] == 0.0 {
                        prop_assert_eq!(w[k], 0.0);
                    } else {
                        prop_assert!(w[k] * signs[k] > 0.0);
                    }
                }
            }
        }
    }

    #[test]
    fn the_same_seed_rewires_the_same_synapses() {
        let run = |seed| {
            let (mut s, mut w) =
                Synapses::draw(30, 30, true, 0.1, 1.0, &SignRule::Random, &mut rng(seed));
            let step = AfterStep {
                lr: 0.01,
                keep_signs: false,
                rewire: true,
                l1: 1.0,
                temperature: 0.5,
            };
            let mut r = rng(seed + 7);
            let mut woken = 0;
            for _ in 0..20 {
                woken += s.after_step(&mut w, &step, &mut r).woken;
            }
            (s, w, woken)
        };
        let (a, b) = (run(11), run(11));
        assert_eq!(a, b);
        assert!(a.2 > 0, "some synapses rewired");
        assert_ne!(run(12).0, a.0);
    }
}
