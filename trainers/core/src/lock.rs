//! The lock on a run directory: one process writes a run at a time.
//!
//! The lock is an advisory file lock (`flock`) on `RUN_DIR/run.lock`, which
//! also records who holds it (process id, host, command line) for the
//! error a second process gets. The operating system releases the lock when
//! its holder exits, however it exits, so the lock of a killed run is taken
//! over without any clean-up: only the file, with the old holder's line,
//! stays behind until it is overwritten.

use std::fs::{File, OpenOptions, TryLockError};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use crate::TrainError;

/// File name of the lock inside a run directory.
pub const LOCK_FILE: &str = "run.lock";

/// A held lock on a run directory; released when dropped (or when the
/// process ends).
#[derive(Debug)]
pub struct RunLock {
    path: PathBuf,
    // Holding the open file holds the lock.
    _file: File,
}

impl RunLock {
    /// Takes the lock of the run directory `root` (which must exist), or
    /// fails with an error naming the process that holds it.
    pub fn acquire(root: &Path) -> Result<Self, TrainError> {
        let path = root.join(LOCK_FILE);
        let mut file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)
            .map_err(|e| TrainError::io(format!("cannot open the lock {}", path.display()), e))?;
        match file.try_lock() {
            Ok(()) => {}
            Err(TryLockError::WouldBlock) => {
                let mut holder = String::new();
                let _ = file.read_to_string(&mut holder);
                let holder = holder.trim();
                let holder = if holder.is_empty() {
                    "another process".to_string()
                } else {
                    holder.to_string()
                };
                return Err(TrainError::RunDir(format!(
                    "{} is in use by {holder}; wait for that run to end (or stop it), or choose another --out",
                    root.display()
                )));
            }
            Err(TryLockError::Error(e)) => {
                return Err(TrainError::io(format!("cannot lock {}", path.display()), e));
            }
        }
        let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
            .map(|h| h.trim().to_string())
            .unwrap_or_else(|_| "this machine".to_string());
        let command: Vec<String> = std::env::args().collect();
        let line = format!(
            "process {} on {host} ({})\n",
            std::process::id(),
            command.join(" ")
        );
        // Who holds the lock, for the error of a second process; not
        // essential, so a failure here is not one of the run.
        let _ = file
            .set_len(0)
            .and_then(|_| file.seek(SeekFrom::Start(0)))
            .and_then(|_| file.write_all(line.as_bytes()));
        Ok(Self { path, _file: file })
    }

    /// The lock file.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_holder_is_refused_with_the_first_ones_name() {
        let dir = tempfile::tempdir().unwrap();
        let first = RunLock::acquire(dir.path()).unwrap();
        let err = RunLock::acquire(dir.path()).unwrap_err().to_string();
        assert!(
            err.contains(&format!("process {}", std::process::id())),
            "{err}"
        );
        assert!(err.contains("is in use by"), "{err}");
        drop(first);
        // Released: the next one takes it, although the file stays.
        let again = RunLock::acquire(dir.path()).unwrap();
        assert!(again.path().exists());
    }

    #[test]
    fn a_lock_file_left_by_a_dead_process_is_taken_over() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join(LOCK_FILE),
            "process 999999 on elsewhere (old)\n",
        )
        .unwrap();
        let lock = RunLock::acquire(dir.path()).unwrap();
        let text = std::fs::read_to_string(lock.path()).unwrap();
        assert!(
            text.starts_with(&format!("process {} ", std::process::id())),
            "{text}"
        );
    }
}
