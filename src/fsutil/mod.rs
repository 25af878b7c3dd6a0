//! Files: listing a directory tree, reading within limits, and writing
//! atomically ([`atomic`]) under a lock ([`lock`]).

pub mod atomic;
pub mod lock;

use std::fs;
use std::io::{self, Read as _};
use std::path::{Path, PathBuf};

pub use atomic::{replace_dir, staging_dir, write_atomic};

/// What a directory entry is, for the entries that are not regular files
/// (or symlinks to them): they are never read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Odd {
    Fifo,
    Socket,
    Device,
    LinkToDirectory,
    BrokenLink,
    Other,
}

impl Odd {
    pub fn describe(self) -> &'static str {
        match self {
            Odd::Fifo => "a named pipe (FIFO)",
            Odd::Socket => "a socket",
            Odd::Device => "a device",
            Odd::LinkToDirectory => "a symbolic link to a directory (not followed)",
            Odd::BrokenLink => "a symbolic link to nothing",
            Odd::Other => "not a regular file",
        }
    }

    fn of(meta: &fs::Metadata) -> Option<Odd> {
        let kind = meta.file_type();
        if kind.is_file() {
            return None;
        }
        #[cfg(unix)]
        {
            use std::os::unix::fs::FileTypeExt;
            if kind.is_fifo() {
                return Some(Odd::Fifo);
            }
            if kind.is_socket() {
                return Some(Odd::Socket);
            }
            if kind.is_block_device() || kind.is_char_device() {
                return Some(Odd::Device);
            }
        }
        Some(Odd::Other)
    }
}

/// What can go wrong with the files orgdir reads and writes; each names
/// the path to look at.
#[derive(Debug, thiserror::Error)]
pub enum FsError {
    #[error("cannot {action} {}", shown(path))]
    Io {
        action: &'static str,
        path: PathBuf,
        source: io::Error,
    },

    #[error(
        "refusing to replace {}: it holds {entries}, which orgdir did not write (choose another --out)",
        path.display()
    )]
    ForeignOutput { path: PathBuf, entries: String },

    #[error(
        "another orgdir run is writing {}: it holds the lock {} (run again without --no-wait to wait for it)",
        shown(target),
        shown(lock)
    )]
    Locked { target: PathBuf, lock: PathBuf },

    #[error("refusing to write {}: {why}", shown(path))]
    Refused { path: PathBuf, why: String },
}

impl FsError {
    /// `map_err(FsError::io("read", path))`.
    pub fn io(action: &'static str, path: impl Into<PathBuf>) -> impl FnOnce(io::Error) -> FsError {
        move |source| FsError::Io {
            action,
            path: path.into(),
            source,
        }
    }
}

impl From<ListError> for FsError {
    fn from(e: ListError) -> Self {
        FsError::Io {
            action: "read the directory",
            path: e.path,
            source: e.source,
        }
    }
}

/// An error while listing a tree, naming the directory that failed.
#[derive(Debug, thiserror::Error)]
#[error("cannot read the directory {}: {source}", shown(path))]
pub struct ListError {
    pub path: PathBuf,
    pub source: io::Error,
}

/// A tree's entries, in sorted path order: the regular files (and symlinks
/// to them), and everything else. Hidden files and directories (`.git`,
/// editor swap files, orgdir's locks) are skipped; symlinked directories are
/// not followed.
#[derive(Debug, Default)]
pub struct Listing {
    pub files: Vec<PathBuf>,
    pub odd: Vec<(PathBuf, Odd)>,
}

pub fn list(dir: &Path) -> Result<Listing, ListError> {
    fn walk(dir: &Path, out: &mut Listing) -> Result<(), ListError> {
        let failed = |source| ListError {
            path: dir.to_owned(),
            source,
        };
        let mut entries: Vec<_> = fs::read_dir(dir)
            .map_err(failed)?
            .collect::<Result<_, _>>()
            .map_err(failed)?;
        entries.sort_by_key(|e| e.file_name());
        for entry in entries {
            if entry.file_name().to_string_lossy().starts_with('.') {
                continue;
            }
            let path = entry.path();
            let kind = entry.file_type().map_err(failed)?;
            if kind.is_dir() {
                walk(&path, out)?;
            } else if kind.is_symlink() {
                match fs::metadata(&path) {
                    Ok(m) if m.is_file() => out.files.push(path),
                    Ok(m) if m.is_dir() => out.odd.push((path, Odd::LinkToDirectory)),
                    Ok(m) => out.odd.push((path, Odd::of(&m).unwrap_or(Odd::Other))),
                    Err(_) => out.odd.push((path, Odd::BrokenLink)),
                }
            } else if kind.is_file() {
                out.files.push(path);
            } else {
                let odd = entry
                    .metadata()
                    .ok()
                    .and_then(|m| Odd::of(&m))
                    .unwrap_or(Odd::Other);
                out.odd.push((path, odd));
            }
        }
        Ok(())
    }
    let mut out = Listing::default();
    walk(dir, &mut out)?;
    Ok(out)
}

/// Every regular file under `dir` (see [`list`]).
pub fn files(dir: &Path) -> Result<Vec<PathBuf>, ListError> {
    list(dir).map(|l| l.files)
}

/// Why a file could not be read within its limit.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    #[error("cannot read: {0}")]
    Io(#[from] io::Error),
    #[error("{}: only regular files are read", .0.describe())]
    Odd(Odd),
    #[error("the file is over the limit of {0} bytes")]
    TooLarge(u64),
}

/// The regular file at `path`, opened without blocking (a FIFO does not hang
/// it) and checked to be a regular file both before it is opened (opening a
/// device may itself do something) and on the open handle.
fn open_regular(path: &Path) -> Result<(fs::File, fs::Metadata), ReadError> {
    if let Some(odd) = Odd::of(&fs::metadata(path)?) {
        return Err(ReadError::Odd(odd));
    }
    let mut options = fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(libc::O_NONBLOCK);
    }
    let file = options.open(path)?;
    let meta = file.metadata()?;
    if let Some(odd) = Odd::of(&meta) {
        return Err(ReadError::Odd(odd));
    }
    Ok((file, meta))
}

/// The contents of the regular file at `path`, at most `limit` bytes,
/// whatever its size claims (see [`open_regular`]).
pub fn read_bounded(path: &Path, limit: u64) -> Result<Vec<u8>, ReadError> {
    let (file, meta) = open_regular(path)?;
    if meta.len() > limit {
        return Err(ReadError::TooLarge(limit));
    }
    let mut bytes = Vec::with_capacity(meta.len() as usize);
    file.take(limit.saturating_add(1)).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > limit {
        return Err(ReadError::TooLarge(limit));
    }
    Ok(bytes)
}

/// Feeds the regular file at `path` to `each` in chunks, reading no more than
/// `limit` bytes (for hashing without holding the file).
pub fn stream_bounded(
    path: &Path,
    limit: u64,
    mut each: impl FnMut(&[u8]),
) -> Result<u64, ReadError> {
    let (file, _) = open_regular(path)?;
    let mut reader = file.take(limit.saturating_add(1));
    let mut buf = vec![0; 1 << 16];
    let mut total = 0u64;
    loop {
        let n = reader.read(&mut buf)?;
        if n == 0 {
            break;
        }
        total += n as u64;
        if total > limit {
            return Err(ReadError::TooLarge(limit));
        }
        each(&buf[..n]);
    }
    Ok(total)
}

/// A path as it is safe to print: control characters (escape codes, new
/// lines) are shown escaped, as `\u{1b}`, so a file name cannot rewrite the
/// terminal or forge a line of output.
pub fn shown(path: &Path) -> String {
    escaped(&path.to_string_lossy())
}

/// `text` with its control characters escaped (see [`shown`]).
pub fn escaped(text: &str) -> String {
    if !text.chars().any(char::is_control) {
        return text.to_owned();
    }
    text.chars()
        .map(|c| {
            if c.is_control() {
                c.escape_default().collect()
            } else {
                c.to_string()
            }
        })
        .collect()
}

/// The directory a path is in (`.` for a bare name).
pub fn parent(path: &Path) -> PathBuf {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_owned(),
        _ => PathBuf::from("."),
    }
}

fn file_name(path: &Path) -> String {
    path.file_name()
        .map_or("out".into(), |n| n.to_string_lossy().into_owned())
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
