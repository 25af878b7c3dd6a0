//! Files: listing a directory tree, and replacing a directory atomically.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use crate::error::Error;

/// Every file under `dir`, recursively, in sorted path order; hidden files and
/// directories (`.git`, editor swap files) are skipped.
pub fn files(dir: &Path) -> io::Result<Vec<PathBuf>> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) -> io::Result<()> {
        let mut entries: Vec<_> = fs::read_dir(dir)?.collect::<Result<_, _>>()?;
        entries.sort_by_key(|e| e.file_name());
        for entry in entries {
            if entry.file_name().to_string_lossy().starts_with('.') {
                continue;
            }
            let path = entry.path();
            if entry.file_type()?.is_dir() {
                walk(&path, out)?;
            } else {
                out.push(path);
            }
        }
        Ok(())
    }
    let mut out = Vec::new();
    walk(dir, &mut out)?;
    Ok(out)
}

/// A fresh directory beside OUT (same file system, so the final rename is atomic).
pub fn staging_dir(out: &Path) -> Result<tempfile::TempDir, Error> {
    let parent = match out.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_owned(),
        _ => PathBuf::from("."),
    };
    fs::create_dir_all(&parent).map_err(Error::io("create", &parent))?;
    let name = out
        .file_name()
        .map_or("out".into(), |n| n.to_string_lossy().into_owned());
    tempfile::Builder::new()
        .prefix(&format!(".{name}.building-"))
        .tempdir_in(&parent)
        .map_err(Error::io("create a directory in", &parent))
}

/// Moves the staged directory to OUT, replacing the previous OUT whole.
pub fn replace_dir(staging: tempfile::TempDir, out: &Path) -> Result<(), Error> {
    let staged = staging.keep();
    let cleanup = |e| {
        let _ = fs::remove_dir_all(&staged);
        e
    };
    if fs::symlink_metadata(out).is_err() {
        return fs::rename(&staged, out).map_err(|e| cleanup(Error::io("rename into", out)(e)));
    }
    let old = staged.with_extension("old");
    fs::rename(out, &old).map_err(|e| cleanup(Error::io("move aside", out)(e)))?;
    if let Err(e) = fs::rename(&staged, out) {
        let _ = fs::rename(&old, out);
        return Err(cleanup(Error::io("rename into", out)(e)));
    }
    let _ = fs::remove_dir_all(&old);
    Ok(())
}

/// Writes `bytes` to `path` through a temporary file beside it, renamed into
/// place: `path` is either the old file or the whole new one.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), Error> {
    use std::io::Write as _;
    let parent = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_owned(),
        _ => PathBuf::from("."),
    };
    fs::create_dir_all(&parent).map_err(Error::io("create", &parent))?;
    let mut file =
        tempfile::NamedTempFile::new_in(&parent).map_err(Error::io("create a file in", &parent))?;
    file.write_all(bytes).map_err(Error::io("write", path))?;
    file.as_file()
        .sync_all()
        .map_err(Error::io("write", path))?;
    file.persist(path)
        .map_err(|e| Error::io("rename into", path)(e.error))?;
    Ok(())
}

/// The process's resident memory now and at its peak (Linux; for `-v` logs).
pub fn memory() -> String {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|v| v.split_whitespace().next()?.parse::<u64>().ok())
            .map_or_else(|| "?".to_owned(), |kb| format!("{} MB", kb / 1024))
    };
    format!("resident {}, peak {}", field("VmRSS:"), field("VmHWM:"))
}
