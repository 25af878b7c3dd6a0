//! Writing so that a crash at any instant leaves the old state or the new one.
//!
//! A file is written to a temporary file beside it, synced and renamed over
//! it, keeping the replaced file's mode and owner; a symlinked file is
//! updated through the link (the temporary file goes beside the target). A
//! file with other hard links is refused: a rename would cut it from them.
//! New files get the mode the umask gives, as `touch` would.
//!
//! A directory (OUT of `build`, a release, a store) is written into a
//! staging directory beside it, `.NAME.building-XXXXXX` holding the marker
//! file [`MARKER`], and swapped with the old one in a single
//! `renameat2(RENAME_EXCHANGE)` (Linux; elsewhere, or where the file system
//! cannot, two renames, with the old directory kept as
//! `.NAME.building-XXXXXX.old` until the new one is in place). The old
//! directory, now at the staging path, is removed. A run killed at any point
//! leaves OUT whole (old or new) and at most staging directories, which the
//! next run that takes OUT's lock recognizes by name and marker and removes
//! (and an OUT left missing between the two renames is put back).

use std::fs;
use std::io::Write as _;
use std::path::{Path, PathBuf};

use super::FsError;

/// The file that marks a staging directory as orgdir's. The old OUT is given
/// one just before it is swapped out, and the new OUT loses its own once in
/// place.
pub const MARKER: &str = ".orgdir-staging";

/// Writes `bytes` to `path` through a temporary file beside it, renamed into
/// place: `path` is either the old file or the whole new one.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), FsError> {
    let target = resolve_link(path)?;
    let parent = super::parent(&target);
    fs::create_dir_all(&parent).map_err(FsError::io("create", &parent))?;
    let old = fs::metadata(&target).ok();
    #[cfg(unix)]
    if let Some(meta) = &old {
        use std::os::unix::fs::MetadataExt;
        if meta.is_file() && meta.nlink() > 1 {
            return Err(FsError::Refused {
                path: path.to_owned(),
                why: format!(
                    "it has {} hard links, and replacing it would cut it from the others; \
                     make it a single file (or a symlink) first",
                    meta.nlink()
                ),
            });
        }
    }
    let mut file = tempfile::Builder::new()
        .prefix(&format!(".{}.", super::file_name(&target)))
        .suffix(".tmp")
        .tempfile_in(&parent)
        .map_err(FsError::io("create a file in", &parent))?;
    file.write_all(bytes).map_err(FsError::io("write", path))?;
    keep_attributes(file.as_file(), old.as_ref()).map_err(FsError::io("set the mode of", path))?;
    file.as_file()
        .sync_all()
        .map_err(FsError::io("write", path))?;
    file.persist(&target)
        .map_err(|e| FsError::io("rename into", path)(e.error))?;
    Ok(())
}

/// The file a chain of symlinks at `path` ends at (`path` itself if it is
/// not a link, or a link to nothing yet).
fn resolve_link(path: &Path) -> Result<PathBuf, FsError> {
    let mut current = path.to_owned();
    for _ in 0..40 {
        match fs::symlink_metadata(&current) {
            Ok(m) if m.file_type().is_symlink() => {
                let target =
                    fs::read_link(&current).map_err(FsError::io("read the link", &current))?;
                current = super::parent(&current).join(target);
            }
            _ => return Ok(current),
        }
    }
    Err(FsError::Refused {
        path: path.to_owned(),
        why: "it is a loop of symbolic links".into(),
    })
}

/// The replaced file's mode and owner for the new one, or the umask's mode
/// for a new file (tempfile creates files 0600).
fn keep_attributes(file: &fs::File, old: Option<&fs::Metadata>) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::{MetadataExt, PermissionsExt};
        match old {
            Some(meta) => {
                file.set_permissions(fs::Permissions::from_mode(meta.mode() & 0o7777))?;
                let mine = file.metadata()?;
                if (mine.uid(), mine.gid()) != (meta.uid(), meta.gid()) {
                    // Another owner is kept where this user may (root, or a
                    // group it is in); otherwise the file becomes this user's,
                    // as any editor's save would make it.
                    let _ = std::os::unix::fs::fchown(file, Some(meta.uid()), Some(meta.gid()));
                }
            }
            None => file.set_permissions(fs::Permissions::from_mode(0o666 & !umask()))?,
        }
    }
    #[cfg(not(unix))]
    let _ = (file, old);
    Ok(())
}

/// The process's umask, read without changing it (Linux's /proc), else by
/// setting and restoring it once, at the first call.
#[cfg(unix)]
pub fn umask() -> u32 {
    static UMASK: std::sync::OnceLock<u32> = std::sync::OnceLock::new();
    *UMASK.get_or_init(|| {
        let proc = fs::read_to_string("/proc/self/status").ok().and_then(|s| {
            let line = s.lines().find(|l| l.starts_with("Umask:"))?;
            u32::from_str_radix(line.split_whitespace().nth(1)?, 8).ok()
        });
        proc.unwrap_or_else(|| {
            // SAFETY: umask has no preconditions; the old value is put back.
            let old = unsafe { libc::umask(0o022) };
            unsafe { libc::umask(old) };
            old as u32
        })
    })
}

/// A fresh staging directory beside OUT (same file system, so the final
/// rename is atomic), marked as orgdir's, with the umask's mode.
pub fn staging_dir(out: &Path) -> Result<tempfile::TempDir, FsError> {
    let parent = super::parent(out);
    fs::create_dir_all(&parent).map_err(FsError::io("create", &parent))?;
    let staging = tempfile::Builder::new()
        .prefix(&staging_prefix(out))
        .tempdir_in(&parent)
        .map_err(FsError::io("create a directory in", &parent))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        fs::set_permissions(staging.path(), fs::Permissions::from_mode(0o777 & !umask()))
            .map_err(FsError::io("set the mode of", staging.path()))?;
    }
    let marker = staging.path().join(MARKER);
    fs::write(
        &marker,
        "a directory orgdir writes, then renames into place\n",
    )
    .map_err(FsError::io("write", &marker))?;
    Ok(staging)
}

fn staging_prefix(out: &Path) -> String {
    format!(".{}.building-", super::file_name(out))
}

/// Moves the staged directory to OUT, replacing the previous OUT whole.
pub fn replace_dir(staging: tempfile::TempDir, out: &Path) -> Result<(), FsError> {
    crash_point("before-replace");
    let staged = staging.keep();
    let cleanup = |e| {
        let _ = fs::remove_dir_all(&staged);
        e
    };
    // Once in place the marker goes (a kill before that leaves a hidden file
    // in OUT, which the next build replaces).
    let unmark = || {
        let _ = fs::remove_file(out.join(MARKER));
    };
    if fs::symlink_metadata(out).is_err() {
        fs::rename(&staged, out).map_err(|e| cleanup(FsError::io("rename into", out)(e)))?;
        unmark();
        return Ok(());
    }
    // An OUT written by an older orgdir has no marker: give it one first, so
    // that once swapped out it is recognized if this run is killed.
    let _ = fs::write(out.join(MARKER), b"");
    match exchange(&staged, out) {
        Ok(()) => {
            crash_point("after-exchange");
            unmark();
            let _ = fs::remove_dir_all(&staged);
            return Ok(());
        }
        Err(e) if !exchange_unsupported(&e) => {
            return Err(cleanup(FsError::io("swap into place", out)(e)));
        }
        Err(_) => {}
    }
    let old = staged.with_extension("old");
    fs::rename(out, &old).map_err(|e| cleanup(FsError::io("move aside", out)(e)))?;
    crash_point("between-renames");
    if let Err(e) = fs::rename(&staged, out) {
        let _ = fs::rename(&old, out);
        return Err(cleanup(FsError::io("rename into", out)(e)));
    }
    unmark();
    let _ = fs::remove_dir_all(&old);
    Ok(())
}

#[cfg(target_os = "linux")]
fn exchange(a: &Path, b: &Path) -> std::io::Result<()> {
    use std::ffi::CString;
    use std::os::unix::ffi::OsStrExt;
    let c = |p: &Path| {
        CString::new(p.as_os_str().as_bytes())
            .map_err(|_| std::io::Error::from(std::io::ErrorKind::InvalidInput))
    };
    let (a, b) = (c(a)?, c(b)?);
    // SAFETY: two NUL-terminated paths, relative to the working directory.
    let done = unsafe {
        libc::renameat2(
            libc::AT_FDCWD,
            a.as_ptr(),
            libc::AT_FDCWD,
            b.as_ptr(),
            libc::RENAME_EXCHANGE,
        )
    };
    if done == 0 {
        Ok(())
    } else {
        Err(std::io::Error::last_os_error())
    }
}

#[cfg(not(target_os = "linux"))]
fn exchange(_: &Path, _: &Path) -> std::io::Result<()> {
    Err(std::io::Error::from(std::io::ErrorKind::Unsupported))
}

/// The kernel or the file system cannot swap: fall back to two renames.
fn exchange_unsupported(e: &std::io::Error) -> bool {
    e.kind() == std::io::ErrorKind::Unsupported
        || matches!(
            e.raw_os_error(),
            Some(libc::EINVAL | libc::ENOSYS | libc::EOPNOTSUPP)
        )
}

/// What a killed run left beside OUT: staging directories (recognized by
/// their name and [`MARKER`]) are removed, and an OUT missing after a kill
/// between two renames is put back from the old one. Call with OUT's lock
/// held, so that no live run's staging directory is touched. Returns what
/// was cleaned, for the log.
pub fn recover(out: &Path) -> Result<Vec<PathBuf>, FsError> {
    let parent = super::parent(out);
    let prefix = staging_prefix(out);
    let entries = match fs::read_dir(&parent) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(FsError::io("read", &parent)(e)),
    };
    let mut leftovers: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .filter(|e| e.file_name().to_string_lossy().starts_with(&prefix))
        .map(|e| e.path())
        .filter(|p| fs::symlink_metadata(p).is_ok_and(|m| m.is_dir()) && p.join(MARKER).exists())
        .collect();
    leftovers.sort();
    if fs::symlink_metadata(out).is_err()
        && let Some(old) = leftovers
            .iter()
            .position(|p| p.extension().is_some_and(|e| e == "old"))
    {
        let old = leftovers.remove(old);
        fs::rename(&old, out).map_err(|e| FsError::Io {
            action: "put back (a run was killed while replacing it; the previous contents are in the other path)",
            path: out.to_owned(),
            source: std::io::Error::new(e.kind(), format!("{e}; from {}", super::shown(&old))),
        })?;
        tracing::warn!(
            "{} was missing after a killed run: put back from {}",
            super::shown(out),
            super::shown(&old)
        );
    }
    for dir in &leftovers {
        fs::remove_dir_all(dir).map_err(|e| FsError::Io {
            action: "remove what a killed run left (delete it by hand)",
            path: dir.clone(),
            source: e,
        })?;
        tracing::info!(
            "removed {}, left by a run that was killed",
            super::shown(dir)
        );
    }
    Ok(leftovers)
}

/// For the crash test: with `ORGDIR_CRASH_AT` naming this point, the process
/// kills itself here (SIGKILL, as `kill -9` would).
pub fn crash_point(name: &str) {
    if std::env::var_os("ORGDIR_CRASH_AT").is_some_and(|v| v == name) {
        #[cfg(unix)]
        // SAFETY: raise has no preconditions.
        unsafe {
            libc::raise(libc::SIGKILL);
        }
        std::process::abort();
    }
}
