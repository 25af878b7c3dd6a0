//! The build's files as `orgdir serve` offers them at `/dumps/`: the three
//! dumps, `void.ttl` and `SHA256SUMS`, each with a gzip copy made once, so a
//! harvester that accepts gzip gets it without the server compressing the same
//! bytes at every request, and byte ranges of either copy can be served.

use std::fs::{self, File};
use std::io::{self, BufReader, BufWriter};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::time::SystemTime;

use sha2::{Digest, Sha256};

use super::SUMS_FILE;
use crate::fsutil::FsError;
use crate::source::Source;

/// The dumps of one snapshot: empty while they are being written, then
/// `Ok` for good or `Err` with why they cannot be served.
pub type DumpSlot = OnceLock<Result<Dumps, String>>;

/// One file of the release.
#[derive(Debug, Clone)]
pub struct DumpFile {
    pub name: &'static str,
    pub media_type: &'static str,
    pub path: PathBuf,
    pub len: u64,
    /// Hex SHA-256 of the file, which makes a strong validator (ETag).
    pub sha256: String,
    pub modified: SystemTime,
    /// The gzip copy and its length.
    pub gzip: Option<(PathBuf, u64)>,
}

/// The files of a release directory, and the temporary directory holding
/// them when there is one (removed when the snapshot is dropped).
#[derive(Debug)]
pub struct Dumps {
    pub files: Vec<DumpFile>,
    _temp: Option<tempfile::TempDir>,
}

impl Dumps {
    /// Writes the release of `source` and its gzip copies into a new
    /// temporary directory.
    pub fn write_temporary(source: &Source) -> Result<Dumps, FsError> {
        let temp = tempfile::Builder::new()
            .prefix("orgdir-dumps-")
            .tempdir()
            .map_err(FsError::io(
                "create a temporary directory in",
                std::env::temp_dir(),
            ))?;
        let mut dumps = Dumps::write(source, temp.path())?;
        dumps._temp = Some(temp);
        Ok(dumps)
    }

    /// Writes the release of `source` and its gzip copies into `dir`, which exists.
    pub fn write(source: &Source, dir: &Path) -> Result<Dumps, FsError> {
        super::write(&crate::rdf::Graph::new(source), dir)?;
        let names = super::files();
        // One thread per file: the dumps compress independently.
        let results: Vec<Result<(), FsError>> = std::thread::scope(|scope| {
            let handles: Vec<_> = names
                .iter()
                .map(|(name, _)| {
                    let path = dir.join(name);
                    scope.spawn(move || gzip(&path))
                })
                .collect();
            handles
                .into_iter()
                .map(|h| h.join().expect("a gzip thread panicked"))
                .collect()
        });
        results.into_iter().collect::<Result<(), FsError>>()?;
        Dumps::open(dir)
    }

    /// Reads a release directory written by [`Dumps::write`].
    pub fn open(dir: &Path) -> Result<Dumps, FsError> {
        let sums_path = dir.join(SUMS_FILE);
        let sums = fs::read_to_string(&sums_path).map_err(FsError::io("read", &sums_path))?;
        let mut files = Vec::new();
        for (name, media_type) in super::files() {
            let path = dir.join(name);
            let meta = fs::metadata(&path).map_err(FsError::io("read", &path))?;
            let sha256 = match sums
                .lines()
                .find_map(|l| l.strip_suffix(name)?.strip_suffix("  "))
            {
                Some(sha) => sha.to_owned(),
                // SHA256SUMS does not list itself.
                None => {
                    let bytes = fs::read(&path).map_err(FsError::io("read", &path))?;
                    crate::rdf::dump::hex(&Sha256::digest(&bytes))
                }
            };
            let gz = gz_path(&path);
            let gzip = fs::metadata(&gz).ok().map(|m| (gz, m.len()));
            files.push(DumpFile {
                name,
                media_type,
                len: meta.len(),
                modified: meta.modified().unwrap_or(SystemTime::UNIX_EPOCH),
                path,
                sha256,
                gzip,
            });
        }
        Ok(Dumps { files, _temp: None })
    }

    pub fn get(&self, name: &str) -> Option<&DumpFile> {
        self.files.iter().find(|f| f.name == name)
    }
}

fn gz_path(path: &Path) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(".gz");
    PathBuf::from(name)
}

/// Writes `path.gz` beside `path` (gzip level 6, as `gzip` does by default).
fn gzip(path: &Path) -> Result<(), FsError> {
    let target = gz_path(path);
    let input = File::open(path).map_err(FsError::io("read", path))?;
    let output = File::create(&target).map_err(FsError::io("create", &target))?;
    let mut encoder = flate2::write::GzEncoder::new(
        BufWriter::with_capacity(1 << 16, output),
        flate2::Compression::new(6),
    );
    io::copy(&mut BufReader::with_capacity(1 << 16, input), &mut encoder)
        .map_err(FsError::io("compress", path))?;
    let out = encoder.finish().map_err(FsError::io("write", &target))?;
    out.into_inner()
        .map_err(|e| FsError::io("write", &target)(e.into_error()))?;
    Ok(())
}
