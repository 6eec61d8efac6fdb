//! Every file lsnn-rl writes goes through here: result tables, CSV rows,
//! `config.toml`, checkpoints, reports, plots and the Gittins cache.
//!
//! - [`write_atomically`] (and [`write_atomically_with`] for libraries that
//!   write to a path themselves) writes a temporary file in the target's
//!   folder, syncs it, renames it over the target and syncs the folder: a
//!   reader sees the old file or the new one, never half of one, and the
//!   rename survives a power cut.
//! - A full disk can be simulated without root: with the environment
//!   variable [`FAIL_WRITES_AFTER_BYTES`] set to N, the process writes N
//!   bytes and then every write fails as a full disk does (the part that fit
//!   is written, then "No space left on device"). For tests only.
//! - [`cache_dir`] is the folder for caches (the Gittins tables, the
//!   PyTorch install), the same for the command line and the Python package.

use std::fs::File;
use std::io::{self, Write};
use std::path::Path;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, Ordering};

use tempfile::NamedTempFile;

/// The folder for caches (Gittins tables, the PyTorch install):
/// `$LSNN_RL_CACHE_DIR`, else `$XDG_CACHE_HOME/lsnn-rl`, else
/// `~/.cache/lsnn-rl`; `None` when none of these variables is set.
pub fn cache_dir() -> Option<std::path::PathBuf> {
    let var = |name| std::env::var_os(name).filter(|v| !v.is_empty());
    if let Some(dir) = var("LSNN_RL_CACHE_DIR") {
        return Some(dir.into());
    }
    if let Some(xdg) = var("XDG_CACHE_HOME") {
        return Some(std::path::PathBuf::from(xdg).join("lsnn-rl"));
    }
    var("HOME").map(|home| {
        std::path::PathBuf::from(home)
            .join(".cache")
            .join("lsnn-rl")
    })
}

/// A file that could not be written, with the cause.
#[derive(Debug, thiserror::Error)]
#[error("cannot {action} {}", path.display())]
pub struct WriteError {
    /// What failed: "write", "create a file in", "sync".
    pub action: &'static str,
    /// The file (or folder) concerned.
    pub path: std::path::PathBuf,
    /// The operating system's error.
    #[source]
    pub source: io::Error,
}

impl WriteError {
    fn new(action: &'static str, path: &Path, source: io::Error) -> Self {
        Self {
            action,
            path: path.to_path_buf(),
            source,
        }
    }
}

/// The folder a file lives in (`.` for a bare file name).
fn folder_of(path: &Path) -> &Path {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    }
}

/// Writes `bytes` to `path` atomically (see the module documentation); the
/// bytes count against the simulated disk of [`FAIL_WRITES_AFTER_BYTES`].
pub fn write_atomically(path: &Path, bytes: &[u8]) -> Result<(), WriteError> {
    write_atomically_with(path, |tmp| write_all(tmp.as_file_mut(), bytes))
}

/// Like [`write_atomically`], for content that `fill` writes into the
/// temporary file (by its handle or its path, e.g. a library that saves to
/// a path); a library's bytes are charged with [`charge_file`].
pub fn write_atomically_with(
    path: &Path,
    fill: impl FnOnce(&mut NamedTempFile) -> io::Result<()>,
) -> Result<(), WriteError> {
    let dir = folder_of(path);
    let mut tmp = temp_file_in(dir).map_err(|e| WriteError::new("create a file in", dir, e))?;
    fill(&mut tmp).map_err(|e| WriteError::new("write", path, e))?;
    tmp.as_file()
        .sync_all()
        .map_err(|e| WriteError::new("write", path, e))?;
    tmp.persist(path)
        .map_err(|e| WriteError::new("write", path, e.error))?;
    sync_folder(dir).map_err(|e| WriteError::new("sync", dir, e))
}

/// Makes a rename in `dir` durable: syncs the folder itself (on Unix; other
/// systems have no handle to a folder).
pub fn sync_folder(dir: &Path) -> io::Result<()> {
    #[cfg(unix)]
    {
        File::open(dir)?.sync_all()
    }
    #[cfg(not(unix))]
    {
        let _ = dir;
        Ok(())
    }
}

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

    /// A result file gets the mode of any file the user creates in that
    /// folder (the umask decides), not the temporary file's private 0600.
    #[cfg(unix)]
    #[test]
    fn written_files_get_the_users_usual_mode() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let usual = dir.path().join("usual.txt");
        std::fs::write(&usual, "x").unwrap();
        let written = dir.path().join("table.csv");
        write_atomically(&written, b"a,b\n").unwrap();
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&written), mode(&usual));
        assert_eq!(std::fs::read(&written).unwrap(), b"a,b\n");
    }

    #[test]
    fn a_failed_write_keeps_the_old_file_and_leaves_no_temporary() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("table.csv");
        write_atomically(&path, b"old").unwrap();
        let err = write_atomically_with(&path, |tmp| {
            tmp.as_file_mut().write_all(b"ne")?;
            Err(disk_full())
        })
        .unwrap_err();
        assert!(err.to_string().contains("cannot write"), "{err}");
        assert!(std::error::Error::source(&err).is_some());
        assert_eq!(std::fs::read(&path).unwrap(), b"old");
        let names: Vec<_> = std::fs::read_dir(dir.path()).unwrap().flatten().collect();
        assert_eq!(names.len(), 1, "a temporary file was left behind");
    }

    #[test]
    fn a_missing_folder_is_named() {
        let dir = tempfile::tempdir().unwrap();
        let err = write_atomically(&dir.path().join("no/such/t.csv"), b"x").unwrap_err();
        assert!(err.to_string().contains("cannot create a file in"), "{err}");
        assert!(err.to_string().contains("no/such"), "{err}");
    }

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
