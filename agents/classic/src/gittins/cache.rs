//! Gittins tables on disk, and the in-process memo that lets every trial of
//! a run share one table.
//!
//! # File format
//!
//! One file per trial length, `gittins-finite-n{horizon}-v{version}.bin`,
//! all numbers little-endian:
//!
//! | bytes | field |
//! | --- | --- |
//! | 8 | magic `LSNNGITF` |
//! | 4 | format version (`u32`, [`FORMAT_VERSION`]) |
//! | 4 | horizon (`u32`) |
//! | 8 | number of indices (`u64`, `n (n + 1) (n + 2) / 6`) |
//! | 4 | calibration grid (`u32`) |
//! | 4 | reserved, 0 |
//! | 4 x count | the indices (`f32`), in [`GittinsTable::values`] order |
//! | 8 | checksum (`u64`) of everything before it |
//!
//! A file is written to a temporary name in the same folder, synced, then
//! renamed over the final name, so a reader never sees half a file. A file
//! that does not match in any field, fails its checksum, or holds an index
//! outside `[0, 1]` is recomputed and rewritten, never used.

use std::collections::HashMap;
use std::fs;
use std::io;
use std::path::Path;
use std::sync::{Mutex, OnceLock};

use super::table::{DEFAULT_GRID, GittinsError, GittinsTable, check_horizon, table_len};

/// Version of the file layout and of the computation behind it; files of
/// another version are recomputed.
pub const FORMAT_VERSION: u32 = 1;

const MAGIC: [u8; 8] = *b"LSNNGITF";
const HEADER_LEN: usize = 32;

/// What [`GittinsTable::load_or_compute_with_outcome`] did with the cache.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CacheOutcome {
    /// No cache folder was given: the table was computed.
    Uncached,
    /// The table was read from the cache.
    Loaded,
    /// There was no cached file: the table was computed and written.
    Created,
    /// The cached file was unusable: the table was computed and the file
    /// replaced.
    Replaced {
        /// What was wrong with the file.
        reason: String,
    },
}

/// Name of the cache file of a trial length.
pub fn cache_file_name(horizon: usize) -> String {
    format!("gittins-finite-n{horizon}-v{FORMAT_VERSION}.bin")
}

impl GittinsTable {
    /// The table for trials of `horizon` pulls: read from `cache_dir` if a
    /// valid file is there, else computed (and written there when a folder
    /// is given; the folder is created if needed).
    pub fn load_or_compute(horizon: usize, cache_dir: Option<&Path>) -> Result<Self, GittinsError> {
        Self::load_or_compute_with_outcome(horizon, cache_dir).map(|(table, _)| table)
    }

    /// [`GittinsTable::load_or_compute`], also saying what it did.
    pub fn load_or_compute_with_outcome(
        horizon: usize,
        cache_dir: Option<&Path>,
    ) -> Result<(Self, CacheOutcome), GittinsError> {
        check_horizon(horizon)?;
        let Some(dir) = cache_dir else {
            return Ok((Self::compute(horizon)?, CacheOutcome::Uncached));
        };
        let path = dir.join(cache_file_name(horizon));
        let outcome = match fs::read(&path) {
            Ok(bytes) => match decode(&bytes, horizon) {
                Ok(table) => return Ok((table, CacheOutcome::Loaded)),
                Err(reason) => CacheOutcome::Replaced { reason },
            },
            Err(e) if e.kind() == io::ErrorKind::NotFound => CacheOutcome::Created,
            Err(e) => CacheOutcome::Replaced {
                reason: format!("unreadable: {e}"),
            },
        };
        let table = Self::compute(horizon)?;
        let cache_error = |path: &Path| {
            let path = path.to_path_buf();
            move |source| GittinsError::Cache { path, source }
        };
        fs::create_dir_all(dir).map_err(cache_error(dir))?;
        lsnn_rl_env::storage::write_atomically(&path, &encode(&table))
            .map_err(|e| cache_error(&path)(e.source))?;
        Ok((table, outcome))
    }

    /// The table for trials of `horizon` pulls, computed or loaded once per
    /// process and shared: a table already held for a longer trial serves
    /// too (a table is a prefix of every longer one). Held until
    /// [`GittinsTable::clear_shared`].
    pub fn shared(horizon: usize, cache_dir: Option<&Path>) -> Result<Self, GittinsError> {
        check_horizon(horizon)?;
        // Computing under the lock keeps two trials from computing the same
        // table at once; the lock holds nothing that a panic could break.
        let mut memo = memo().lock().unwrap_or_else(|e| e.into_inner());
        let held = memo
            .iter()
            .filter(|(n, _)| **n >= horizon)
            .min_by_key(|(n, _)| **n)
            .and_then(|(_, table)| table.truncated(horizon));
        if let Some(table) = held {
            return Ok(table);
        }
        let table = Self::load_or_compute(horizon, cache_dir)?;
        memo.insert(horizon, table.clone());
        Ok(table)
    }

    /// Drops the tables [`GittinsTable::shared`] holds (clones in use live on).
    pub fn clear_shared() {
        memo().lock().unwrap_or_else(|e| e.into_inner()).clear();
    }
}

fn memo() -> &'static Mutex<HashMap<usize, GittinsTable>> {
    static MEMO: OnceLock<Mutex<HashMap<usize, GittinsTable>>> = OnceLock::new();
    MEMO.get_or_init(Default::default)
}

/// The file's bytes: header, indices, checksum.
fn encode(table: &GittinsTable) -> Vec<u8> {
    let values = table.values();
    let mut bytes = Vec::with_capacity(HEADER_LEN + 4 * values.len() + 8);
    bytes.extend_from_slice(&MAGIC);
    bytes.extend_from_slice(&FORMAT_VERSION.to_le_bytes());
    bytes.extend_from_slice(&(table.horizon() as u32).to_le_bytes());
    bytes.extend_from_slice(&(values.len() as u64).to_le_bytes());
    bytes.extend_from_slice(&(table.grid() as u32).to_le_bytes());
    bytes.extend_from_slice(&0u32.to_le_bytes());
    for v in values {
        bytes.extend_from_slice(&v.to_le_bytes());
    }
    let sum = checksum(&bytes);
    bytes.extend_from_slice(&sum.to_le_bytes());
    bytes
}

/// Reads a file's bytes back, checking every field; the error says what
/// did not match.
fn decode(bytes: &[u8], horizon: usize) -> Result<GittinsTable, String> {
    let count = table_len(horizon);
    let expected_len = HEADER_LEN + 4 * count + 8;
    if bytes.len() != expected_len {
        return Err(format!("{} bytes, expected {expected_len}", bytes.len()));
    }
    let u32_at = |at: usize| u32::from_le_bytes(bytes[at..at + 4].try_into().expect("4 bytes"));
    let u64_at = |at: usize| u64::from_le_bytes(bytes[at..at + 8].try_into().expect("8 bytes"));
    if bytes[..8] != MAGIC {
        return Err("not a Gittins table file (bad magic)".into());
    }
    let checks = [
        (
            "format version",
            u64::from(u32_at(8)),
            u64::from(FORMAT_VERSION),
        ),
        ("horizon", u64::from(u32_at(12)), horizon as u64),
        ("index count", u64_at(16), count as u64),
        (
            "calibration grid",
            u64::from(u32_at(24)),
            DEFAULT_GRID as u64,
        ),
    ];
    for (field, found, expected) in checks {
        if found != expected {
            return Err(format!("{field} is {found}, expected {expected}"));
        }
    }
    let body = &bytes[..expected_len - 8];
    if checksum(body) != u64_at(expected_len - 8) {
        return Err("checksum mismatch".into());
    }
    let values: Vec<f32> = bytes[HEADER_LEN..expected_len - 8]
        .chunks_exact(4)
        .map(|b| f32::from_le_bytes(b.try_into().expect("4 bytes")))
        .collect();
    if let Some(bad) = values.iter().find(|v| !(0.0..=1.0).contains(*v)) {
        return Err(format!("holds the index {bad}, outside [0, 1]"));
    }
    Ok(GittinsTable::from_parts(
        horizon,
        DEFAULT_GRID,
        values.into(),
    ))
}

/// A 64-bit multiply-rotate hash over 8-byte little-endian words (the last
/// one zero-padded), finished with the length: catches torn and corrupted
/// files, not tampering.
fn checksum(bytes: &[u8]) -> u64 {
    let mut hash = 0xCBF2_9CE4_8422_2325u64;
    for chunk in bytes.chunks(8) {
        let mut word = [0u8; 8];
        word[..chunk.len()].copy_from_slice(chunk);
        hash =
            (hash.rotate_left(23) ^ u64::from_le_bytes(word)).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    }
    (hash ^ bytes.len() as u64).wrapping_mul(0xBF58_476D_1CE4_E5B9)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encode_decode_round_trip() {
        let table = GittinsTable::compute(7).unwrap();
        let bytes = encode(&table);
        assert_eq!(bytes.len(), HEADER_LEN + 4 * table.len() + 8);
        assert_eq!(decode(&bytes, 7).unwrap(), table);
        assert!(decode(&bytes, 6).unwrap_err().contains("bytes"));
    }

    #[test]
    fn decode_rejects_each_kind_of_damage() {
        let bytes = encode(&GittinsTable::compute(5).unwrap());
        let damaged = |at: usize, value: u8| {
            let mut b = bytes.clone();
            b[at] = value;
            decode(&b, 5).unwrap_err()
        };
        assert!(damaged(0, b'X').contains("magic"));
        assert!(damaged(8, 9).contains("format version"));
        assert!(damaged(12, 4).contains("horizon"));
        assert!(damaged(24, 1).contains("grid"));
        assert!(damaged(HEADER_LEN + 2, 0x55).contains("checksum"));
        let last = bytes.len() - 1;
        assert!(damaged(last, bytes[last] ^ 1).contains("checksum"));
    }

    #[test]
    fn checksum_sees_swapped_words_and_high_bits() {
        let a = [1u8, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0];
        let b = [2u8, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0];
        assert_ne!(checksum(&a), checksum(&b));
        let mut c = [0u8; 16];
        let mut d = [0u8; 16];
        c[7] = 0x80;
        d[15] = 0x80;
        let mut both = c;
        both[15] = 0x80;
        assert_ne!(checksum(&c), checksum(&d));
        assert_ne!(checksum(&both), checksum(&[0u8; 16]));
    }
}
