//! One writer at a time: an advisory lock on a file beside what is written.
//!
//! Runs that write the same OUT, history or data file take an exclusive lock
//! on `.NAME.lock` in the same directory while they write (the lock cannot be
//! on the file itself: a file replaced by a rename is a new file), removed
//! when they are done. The lock is the
//! operating system's (`flock` on Unix, through `std::fs::File::lock`, stable
//! since Rust 1.89, so no crate is needed): it goes with the process, so a
//! killed run never leaves a lock behind. A run that finds it taken says so
//! and waits, or fails at once with `--no-wait`.

use std::fs::{File, OpenOptions, TryLockError};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};

use super::FsError;

static NO_WAIT: AtomicBool = AtomicBool::new(false);

/// `--no-wait`: fail at once when another run holds a lock.
pub fn set_no_wait(no_wait: bool) {
    NO_WAIT.store(no_wait, Ordering::Relaxed);
}

/// An exclusive lock, held until dropped.
#[derive(Debug)]
pub struct Lock {
    #[allow(dead_code)] // held for its lock, which closing it drops
    file: File,
    pub path: PathBuf,
}

/// The lock file that guards `target` (a file or a directory): `.NAME.lock`
/// beside it.
pub fn lock_path(target: &Path) -> PathBuf {
    super::parent(target).join(format!(".{}.lock", super::file_name(target)))
}

/// Takes the lock that guards `target`, waiting for another run to end
/// (with a message) unless `--no-wait`.
///
/// The lock file is removed when the lock is dropped, so nothing is left
/// beside OUT. That is safe because a run that gets the lock checks that the
/// path still names the file it locked (a run that waited on a file since
/// removed tries again on the new one), the usual way with `flock`.
pub fn lock(target: &Path) -> Result<Lock, FsError> {
    let path = lock_path(target);
    let parent = super::parent(target);
    std::fs::create_dir_all(&parent).map_err(FsError::io("create", &parent))?;
    let mut said = false;
    loop {
        let file = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .map_err(FsError::io("open the lock file", &path))?;
        match file.try_lock() {
            Ok(()) => {}
            Err(TryLockError::WouldBlock) if NO_WAIT.load(Ordering::Relaxed) => {
                return Err(FsError::Locked {
                    target: target.to_owned(),
                    lock: path,
                });
            }
            Err(TryLockError::WouldBlock) => {
                if !said {
                    eprintln!(
                        "waiting for another orgdir run that writes {} (it holds {}; --no-wait to fail instead)",
                        super::shown(target),
                        super::shown(&path)
                    );
                    said = true;
                }
                file.lock().map_err(FsError::io("lock", &path))?;
            }
            Err(TryLockError::Error(e)) => return Err(FsError::io("lock", &path)(e)),
        }
        if same_file(&file, &path) {
            return Ok(Lock { file, path });
        }
    }
}

/// Whether `path` still names the open `file`.
fn same_file(file: &File, path: &Path) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        match (file.metadata(), std::fs::metadata(path)) {
            (Ok(a), Ok(b)) => (a.dev(), a.ino()) == (b.dev(), b.ino()),
            _ => false,
        }
    }
    #[cfg(not(unix))]
    {
        let _ = (file, path);
        true
    }
}

impl Drop for Lock {
    fn drop(&mut self) {
        // Removed while still held; the file closes (and unlocks) after.
        #[cfg(unix)]
        let _ = std::fs::remove_file(&self.path);
    }
}
