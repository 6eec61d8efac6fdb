//! Portable seeded randomness.

use rand::SeedableRng;

/// The generator every environment and agent draws from: ChaCha with 8
/// rounds is portable (the same stream on every platform and rand version of
/// the 0.9 line), fast, and statistically sound.
pub type Rng = rand_chacha::ChaCha8Rng;

/// A generator seeded from a `u64`.
pub fn rng_from_seed(seed: u64) -> Rng {
    Rng::seed_from_u64(seed)
}

/// Derives an independent seed for item `index` of a run seeded with `base`
/// (trial `i` of an evaluation, slot `b` of a batch).
///
/// SplitMix64 finaliser over the pair: cheap, portable, and neighbouring
/// indices give unrelated seeds.
pub fn derive_seed(base: u64, index: u64) -> u64 {
    let mut z = base
        .wrapping_add(index.wrapping_mul(0x9E37_79B9_7F4A_7C15))
        .wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::Rng as _;

    #[test]
    fn derived_seeds_differ_and_repeat() {
        assert_eq!(derive_seed(7, 3), derive_seed(7, 3));
        assert_ne!(derive_seed(7, 3), derive_seed(7, 4));
        assert_ne!(derive_seed(7, 3), derive_seed(8, 3));
    }

    #[test]
    fn chacha_stream_is_the_portable_one() {
        // Pinned values: if these change, every published seed means a different
        // trajectory, so a dependency bump that changes them must be a conscious one.
        let mut rng = rng_from_seed(42);
        let draws: Vec<u32> = (0..3).map(|_| rng.random()).collect();
        assert_eq!(draws, [962419617, 2928721845, 628724104]);
        assert_eq!(derive_seed(0, 0), 0xE220_A839_7B1D_CDAF);
    }
}
