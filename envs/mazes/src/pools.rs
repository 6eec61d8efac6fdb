//! The seeded pools of maze layouts: train on one, test on a disjoint one.

use lsnn_rl_env::{derive_seed, rng_from_seed};

use crate::Layout;

/// The base seed of the train pool's stream of candidate mazes.
pub const TRAIN_POOL_SEED: u64 = 0x7EA1_2000_0000_0001;

/// The base seed of the test pool's stream of candidate mazes.
pub const TEST_POOL_SEED: u64 = 0x7E57_2000_0000_0002;

/// Layouts per pool unless a spec says otherwise.
pub const DEFAULT_POOL: usize = 1000;

/// Where the layouts of `maze-random` come from (the `layouts` parameter).
///
/// The pools are disjoint by construction: every layout belongs to exactly
/// one class, train or test, by the lowest bit of its
/// [`Layout::fingerprint`] (see [`Layouts::class_of`]), and each pool keeps
/// only candidates of its own class. So no train layout is ever a test
/// layout, whatever the pool sizes, and a pool of `n` layouts is the first
/// `n` of a longer one.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Layouts {
    /// The train pool: candidate `k` is `Layout::random_maze(size,
    /// rng_from_seed(derive_seed(TRAIN_POOL_SEED, k)))`, `k = 0, 1, ...`,
    /// kept when its class is train.
    Train,
    /// The test pool: the same from [`TEST_POOL_SEED`], kept when its class
    /// is test.
    Test,
    /// A fresh random maze per trial, drawn from the task generator (of
    /// either class).
    Any,
}

/// A pool could not be filled: the grid has too few distinct mazes of the
/// pool's class (only tiny grids).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error(
    "found only {found} of {wanted} {pool} layouts of size {size} in {tried} candidates; \
     the grid has too few distinct mazes: use a larger size or layouts=any"
)]
pub struct PoolError {
    /// The pool asked for (`train` or `test`).
    pub pool: &'static str,
    /// Cells per side.
    pub size: usize,
    /// Layouts asked for.
    pub wanted: usize,
    /// Layouts of the pool's class found.
    pub found: usize,
    /// Candidates generated.
    pub tried: usize,
}

impl Layouts {
    /// Every source, in the order of [`Layouts::NAMES`].
    pub const ALL: [Layouts; 3] = [Self::Train, Self::Test, Self::Any];
    /// The names users type, in the order of [`Layouts::ALL`].
    pub const NAMES: [&'static str; 3] = ["train", "test", "any"];

    /// The name users type.
    pub fn name(self) -> &'static str {
        match self {
            Self::Train => "train",
            Self::Test => "test",
            Self::Any => "any",
        }
    }

    /// The pool a layout belongs to: [`Layouts::Train`] when the lowest bit
    /// of its fingerprint is 0, else [`Layouts::Test`].
    pub fn class_of(layout: &Layout) -> Layouts {
        if layout.fingerprint() & 1 == 0 {
            Self::Train
        } else {
            Self::Test
        }
    }

    /// The first `count` layouts of this pool for mazes of `size` cells per
    /// side (duplicates are possible on tiny grids, and vanishingly rare on
    /// 5x5 ones). [`Layouts::Any`] has no pool and gives an empty list.
    ///
    /// Fails when fewer than `count` layouts of the pool's class turn up in
    /// `64 * count + 1024` candidates, which happens only on grids with a
    /// handful of distinct mazes.
    pub fn pool(self, size: usize, count: usize) -> Result<Vec<Layout>, PoolError> {
        let base = match self {
            Self::Train => TRAIN_POOL_SEED,
            Self::Test => TEST_POOL_SEED,
            Self::Any => return Ok(Vec::new()),
        };
        let budget = count.saturating_mul(64).saturating_add(1024);
        let mut layouts = Vec::with_capacity(count);
        let mut tried = 0;
        while layouts.len() < count && tried < budget {
            let candidate =
                Layout::random_maze(size, &mut rng_from_seed(derive_seed(base, tried as u64)));
            tried += 1;
            if Self::class_of(&candidate) == self {
                layouts.push(candidate);
            }
        }
        if layouts.len() < count {
            return Err(PoolError {
                pool: self.name(),
                size,
                wanted: count,
                found: layouts.len(),
                tried,
            });
        }
        Ok(layouts)
    }
}

impl Layout {
    /// A 64-bit FNV-1a hash of the size and the walls: stable across
    /// machines and versions, so it fixes each layout's pool for good.
    pub fn fingerprint(&self) -> u64 {
        const OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
        const PRIME: u64 = 0x0000_0100_0000_01b3;
        let size = (self.size() as u64).to_le_bytes();
        size.iter()
            .chain(self.wall_bytes())
            .fold(OFFSET, |hash, &byte| {
                (hash ^ u64::from(byte)).wrapping_mul(PRIME)
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pools_are_prefixes_of_longer_pools() {
        let short = Layouts::Train.pool(5, 10).unwrap();
        let long = Layouts::Train.pool(5, 30).unwrap();
        assert_eq!(short, long[..10]);
        assert!(Layouts::Any.pool(5, 10).unwrap().is_empty());
    }

    #[test]
    fn every_pool_layout_has_its_pools_class() {
        for pool in [Layouts::Train, Layouts::Test] {
            for layout in pool.pool(4, 50).unwrap() {
                assert_eq!(Layouts::class_of(&layout), pool);
                assert!(layout.is_perfect());
            }
        }
    }

    #[test]
    fn fingerprint_is_pinned() {
        // If this changes, every layout may change pool: a conscious decision.
        assert_eq!(Layout::open(2).fingerprint(), Layout::open(2).fingerprint());
        assert_ne!(Layout::open(2).fingerprint(), Layout::open(3).fingerprint());
        assert_eq!(Layout::open(2).fingerprint(), PINNED_OPEN_2);
    }

    const PINNED_OPEN_2: u64 = 10_813_801_678_544_924_473;

    #[test]
    fn names_match() {
        for (layouts, name) in Layouts::ALL.into_iter().zip(Layouts::NAMES) {
            assert_eq!(layouts.name(), name);
        }
    }
}
