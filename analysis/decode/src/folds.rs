//! Folds that keep each trial whole.

use rand::SeedableRng;
use rand::seq::SliceRandom;
use rand_chacha::ChaCha8Rng;

/// The fold (`0..k`) of every sample: the distinct groups (trials) are
/// shuffled with `seed` and dealt round-robin, and each sample goes with its
/// group, so no trial has samples in two folds.
pub fn group_folds(groups: &[u64], k: usize, seed: u64) -> Vec<usize> {
    let mut distinct: Vec<u64> = groups.to_vec();
    distinct.sort_unstable();
    distinct.dedup();
    distinct.shuffle(&mut ChaCha8Rng::seed_from_u64(seed));
    let fold_of = |g: u64| {
        // `distinct` is shuffled, so look the group up by position.
        distinct.iter().position(|&d| d == g).unwrap_or(0) % k.max(1)
    };
    let mut cache: std::collections::HashMap<u64, usize> = std::collections::HashMap::new();
    groups
        .iter()
        .map(|&g| *cache.entry(g).or_insert_with(|| fold_of(g)))
        .collect()
}

/// The number of distinct groups.
pub(crate) fn count_groups(groups: &[u64]) -> usize {
    let mut distinct = groups.to_vec();
    distinct.sort_unstable();
    distinct.dedup();
    distinct.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_fold_gets_whole_trials() {
        let groups: Vec<u64> = (0..40).map(|i| i / 4).collect();
        let folds = group_folds(&groups, 5, 3);
        for g in 0..10u64 {
            let mine: Vec<usize> = (0..40)
                .filter(|&i| groups[i] == g)
                .map(|i| folds[i])
                .collect();
            assert!(
                mine.iter().all(|&f| f == mine[0]),
                "trial {g} split: {mine:?}"
            );
        }
        for f in 0..5 {
            assert_eq!(folds.iter().filter(|&&x| x == f).count(), 8);
        }
    }
}
