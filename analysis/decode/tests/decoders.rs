//! The decoders on synthetic states: a planted linear signal is found, the
//! same state with shuffled labels scores at chance, and no trial is ever on
//! both sides of a split.

use lsnn_rl_decode::{
    CvOptions, DecodeError, Labels, Metric, cross_validate, shuffled_labels, trial_splits,
};
use ndarray::Array2;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// Roughly normal noise: the sum of four uniforms, centred, sd ~0.58.
fn noise(rng: &mut ChaCha8Rng) -> f64 {
    (0..4).map(|_| rng.random::<f64>()).sum::<f64>() - 2.0
}

/// `trials` trials of `steps` samples each, 8 features; feature 3 (and,
/// with weight 0.5, feature 5) carries `signal` of the trial's label plus
/// the noise every feature has.
fn planted(
    trials: usize,
    steps: usize,
    label_of_trial: impl Fn(usize) -> f64,
    signal: f64,
    seed: u64,
) -> (Array2<f64>, Vec<f64>, Vec<u64>) {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let n = trials * steps;
    let mut x = Array2::zeros((n, 8));
    let mut labels = Vec::with_capacity(n);
    let mut groups = Vec::with_capacity(n);
    for t in 0..trials {
        let label = label_of_trial(t);
        for s in 0..steps {
            let row = t * steps + s;
            for j in 0..8 {
                x[[row, j]] = noise(&mut rng);
            }
            x[[row, 3]] += signal * label;
            x[[row, 5]] += 0.5 * signal * label;
            labels.push(label);
            groups.push(t as u64);
        }
    }
    (x, labels, groups)
}

#[test]
fn ridge_finds_a_planted_continuous_signal_and_shuffles_score_at_chance() {
    let (x, y, groups) = planted(60, 3, |t| ((t * 37) % 11) as f64 / 10.0, 6.0, 1);
    let score = cross_validate(
        x.view(),
        &Labels::Continuous(y),
        &groups,
        &CvOptions::default(),
    )
    .unwrap();
    assert_eq!(score.metric, Metric::R2);
    assert!(score.score > 0.7, "planted R² {}", score.score);
    // Held out, a decoder of nothing does no better than the test mean: R²
    // at or a little below zero.
    assert!(
        (-0.4..0.05).contains(&score.chance),
        "shuffled R² {}",
        score.chance
    );
    assert!(score.score - score.ci95 > score.chance + 3.0 * score.chance_sd);
    assert_eq!(score.trials, 60);
    assert_eq!(score.samples, 180);
}

#[test]
fn logistic_finds_a_planted_class_and_shuffles_score_at_chance() {
    let (x, y, groups) = planted(80, 2, |t| (t % 2) as f64, 2.0, 2);
    let classes: Vec<usize> = y.iter().map(|&v| v as usize).collect();
    let score = cross_validate(
        x.view(),
        &Labels::Categorical(classes),
        &groups,
        &CvOptions::default(),
    )
    .unwrap();
    assert_eq!(score.metric, Metric::Accuracy);
    assert!(score.score > 0.9, "planted accuracy {}", score.score);
    assert!(
        (score.chance - 0.5).abs() < 0.12,
        "shuffled accuracy {}",
        score.chance
    );
}

#[test]
fn a_state_without_the_signal_decodes_at_chance() {
    let (x, y, groups) = planted(60, 1, |t| (t % 3) as f64, 0.0, 3);
    let classes: Vec<usize> = y.iter().map(|&v| v as usize).collect();
    let score = cross_validate(
        x.view(),
        &Labels::Categorical(classes),
        &groups,
        &CvOptions::default(),
    )
    .unwrap();
    assert!(score.score < 0.5, "accuracy without signal {}", score.score);
}

#[test]
fn a_feature_that_is_almost_always_zero_does_not_swamp_the_decoder() {
    // As a neuron's filtered spikes: feature 0 is zero except for a trace
    // in one trial and a burst in another, so a fold can train on the
    // trace alone and test on the burst.
    let (mut x, y, groups) = planted(60, 3, |t| ((t * 37) % 11) as f64 / 10.0, 6.0, 6);
    for row in 0..x.nrows() {
        x[[row, 0]] = match row / 3 {
            7 => 1e-4,
            13 => 1.0,
            _ => 0.0,
        };
    }
    let score = cross_validate(
        x.view(),
        &Labels::Continuous(y),
        &groups,
        &CvOptions::default(),
    )
    .unwrap();
    assert!(score.score > 0.7, "R² {}", score.score);
    assert!(score.chance > -1.0, "shuffled R² {}", score.chance);
}

#[test]
fn no_trial_is_on_both_sides_of_any_split() {
    // Uneven trials: 1 to 5 samples each, interleaved as a recording would be.
    let mut groups = Vec::new();
    for round in 0..5u64 {
        for trial in 0..23u64 {
            if round <= trial % 5 {
                groups.push(trial);
            }
        }
    }
    for seed in 0..20 {
        for k in [2, 3, 5] {
            let splits = trial_splits(&groups, k, seed);
            assert_eq!(splits.len(), k);
            let mut tested = vec![0usize; groups.len()];
            for (train, test) in &splits {
                for &i in test {
                    tested[i] += 1;
                    assert!(
                        train.iter().all(|&j| groups[j] != groups[i]),
                        "trial {} in train and test (seed {seed}, k {k})",
                        groups[i]
                    );
                }
                assert_eq!(train.len() + test.len(), groups.len());
            }
            assert!(tested.iter().all(|&c| c == 1), "each sample tested once");
        }
    }
}

#[test]
fn shuffles_move_labels_between_whole_trials() {
    let groups: Vec<u64> = (0..30).map(|i| i / 3).collect();
    let labels = Labels::Categorical((0..30).map(|i| i / 3).collect());
    let Labels::Categorical(shuffled) = shuffled_labels(&labels, &groups, 9) else {
        panic!("categorical in, categorical out");
    };
    for trial in shuffled.chunks(3) {
        assert!(
            trial.iter().all(|&c| c == trial[0]),
            "a trial keeps one label"
        );
    }
    let mut sorted = shuffled.clone();
    sorted.sort_unstable();
    assert_eq!(sorted, (0..30).map(|i| i / 3).collect::<Vec<_>>());
    assert_ne!(shuffled, (0..30).map(|i| i / 3).collect::<Vec<_>>());
}

#[test]
fn too_few_trials_is_an_error_saying_how_many_are_needed() {
    let (x, y, groups) = planted(8, 2, |t| t as f64, 1.0, 4);
    let err = cross_validate(
        x.view(),
        &Labels::Continuous(y),
        &groups,
        &CvOptions::default(),
    )
    .unwrap_err();
    assert_eq!(
        err,
        DecodeError::TooFewGroups {
            groups: 8,
            folds: 15
        }
    );
    assert!(err.to_string().contains("--trials"));
}

#[test]
fn same_seed_same_scores() {
    let (x, y, groups) = planted(40, 2, |t| (t % 2) as f64, 1.0, 5);
    let classes = Labels::Categorical(y.iter().map(|&v| v as usize).collect());
    let a = cross_validate(x.view(), &classes, &groups, &CvOptions::default()).unwrap();
    let b = cross_validate(x.view(), &classes, &groups, &CvOptions::default()).unwrap();
    assert_eq!(a, b);
}
