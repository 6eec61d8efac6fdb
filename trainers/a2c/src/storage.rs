//! Every byte a run writes (CSV rows, `config.toml`, checkpoints) goes
//! through here, so that a full disk can be simulated without root: with the
//! environment variable [`FAIL_WRITES_AFTER_BYTES`] set to N, the process
//! writes N bytes and then every write fails as a full disk does (the part
//! that fit is written, then "No space left on device"). For tests only.

use std::fs::File;
use std::io::{self, Write};
use std::path::Path;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, Ordering};

use tempfile::NamedTempFile;

/// Testing hook: after this many bytes written by the process, writes fail
/// with ENOSPC ("No space left on device").
pub const FAIL_WRITES_AFTER_BYTES: &str = "LSNN_RL_FAIL_WRITES_AFTER_BYTES";

/// How many bytes may still be written before the simulated disk is full.
#[derive(Debug)]
pub struct WriteBudget {
    remaining: AtomicU64,
}

impl WriteBudget {
    /// A budget of `bytes`.
    pub fn new(bytes: u64) -> Self {
        Self {
            remaining: AtomicU64::new(bytes),
        }
    }

    /// The process's budget: from [`FAIL_WRITES_AFTER_BYTES`], read once;
    /// `None` (no limit) when it is unset or not a number.
    pub fn process() -> Option<&'static WriteBudget> {
        static BUDGET: OnceLock<Option<WriteBudget>> = OnceLock::new();
        BUDGET
            .get_or_init(|| {
                std::env::var(FAIL_WRITES_AFTER_BYTES)
                    .ok()
                    .and_then(|v| v.trim().parse().ok())
                    .map(WriteBudget::new)
            })
            .as_ref()
    }

    /// Takes up to `want` bytes; returns how many fit.
    fn take(&self, want: u64) -> u64 {
        let mut granted = 0;
        let _ = self
            .remaining
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |left| {
                granted = left.min(want);
                Some(left - granted)
            });
        granted
    }

    /// Writes `bytes` to `out`; past the budget, writes the part that fits
    /// and fails like a full disk.
    pub fn write_all(&self, out: &mut impl Write, bytes: &[u8]) -> io::Result<()> {
        let fits = self.take(bytes.len() as u64) as usize;
        out.write_all(&bytes[..fits])?;
        if fits < bytes.len() {
            return Err(disk_full());
        }
        Ok(())
    }

    /// Charges `len` bytes that a library has just written to `file` (a
    /// file of that length); past the budget, cuts the file to the part that
    /// fit and fails like a full disk.
    pub fn charge_file(&self, file: &File, len: u64) -> io::Result<()> {
        let fits = self.take(len);
        if fits < len {
            file.set_len(fits)?;
            return Err(disk_full());
        }
        Ok(())
    }
}

/// The error a full disk gives (ENOSPC).
fn disk_full() -> io::Error {
    io::Error::from_raw_os_error(28)
}

/// Writes `bytes` to `out` under the process's budget.
pub fn write_all(out: &mut impl Write, bytes: &[u8]) -> io::Result<()> {
    match WriteBudget::process() {
        Some(budget) => budget.write_all(out, bytes),
        None => out.write_all(bytes),
    }
}

/// A temporary file in `dir` for a write-then-rename. It gets the mode a
/// file the user creates there would get (0666 less the umask) rather than
/// `tempfile`'s private 0600, so results stay readable by the user's group.
pub fn temp_file_in(dir: &Path) -> io::Result<NamedTempFile> {
    let mut builder = tempfile::Builder::new();
    builder.prefix(".tmp-");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        builder.permissions(std::fs::Permissions::from_mode(0o666));
    }
    builder.tempfile_in(dir)
}

/// Charges a file of `len` bytes that a library wrote to the process's budget.
pub fn charge_file(file: &File, len: u64) -> io::Result<()> {
    match WriteBudget::process() {
        Some(budget) => budget.charge_file(file, len),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_spent_budget_writes_what_fits_then_fails_like_a_full_disk() {
        let budget = WriteBudget::new(10);
        let mut out = Vec::new();
        budget.write_all(&mut out, b"12345").unwrap();
        let err = budget.write_all(&mut out, b"abcdefgh").unwrap_err();
        assert_eq!(out, b"12345abcde");
        assert!(err.to_string().contains("No space left"), "{err}");
        assert!(budget.write_all(&mut out, b"x").is_err());
        assert!(budget.write_all(&mut out, b"").is_ok());
        assert_eq!(out, b"12345abcde");
    }

    #[test]
    fn a_library_written_file_is_cut_to_the_budget() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f");
        std::fs::write(&path, [7u8; 100]).unwrap();
        let file = std::fs::OpenOptions::new().write(true).open(&path).unwrap();
        let budget = WriteBudget::new(130);
        budget.charge_file(&file, 100).unwrap();
        assert!(budget.charge_file(&file, 100).is_err());
        assert_eq!(std::fs::metadata(&path).unwrap().len(), 30);
    }
}
