//! The release directory, one owner for it: the names of its files and their
//! media types, its writer (the dumps, VoID and SHA256SUMS: [`write()`]), and
//! the copies `orgdir serve` offers ([`Dumps`]: each file with a gzip copy).
//! `build`, `serve` and `build --release` all write it through here.

mod served;
mod write;

use std::fs;
use std::path::Path;

pub use served::{DumpFile, DumpSlot, Dumps};
pub use write::write;

use crate::fsutil::FsError;
use crate::rdf::dump::DumpFormat;

/// The files a build writes beside the dumps; OUT may hold nothing else
/// when it is replaced.
pub const VOID_FILE: &str = "void.ttl";
pub const SUMS_FILE: &str = "SHA256SUMS";

/// The names a release directory holds, with their media types, in the
/// order they are listed. Requests are matched against this list only: no
/// request path reaches the file system.
pub fn files() -> [(&'static str, &'static str); 5] {
    [
        (
            DumpFormat::Turtle.file_name(),
            DumpFormat::Turtle.media_type(),
        ),
        (
            DumpFormat::NTriples.file_name(),
            DumpFormat::NTriples.media_type(),
        ),
        (
            DumpFormat::JsonLd.file_name(),
            DumpFormat::JsonLd.media_type(),
        ),
        (VOID_FILE, "text/turtle"),
        (SUMS_FILE, "text/plain"),
    ]
}

fn known_output(name: &str) -> bool {
    name == crate::fsutil::atomic::MARKER || files().iter().any(|(f, _)| *f == name)
}

/// OUT may be replaced only if it is absent or holds nothing but our files.
pub fn check_replaceable(out: &Path) -> Result<(), FsError> {
    let entries = match fs::read_dir(out) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(FsError::io("read the output directory", out)(e)),
    };
    let mut foreign: Vec<String> = entries
        .filter_map(Result::ok)
        .map(|e| crate::fsutil::escaped(&e.file_name().to_string_lossy()))
        .filter(|name| !known_output(name))
        .collect();
    if foreign.is_empty() {
        return Ok(());
    }
    foreign.sort();
    let entries = foreign
        .iter()
        .take(3)
        .map(|n| format!("`{n}`"))
        .collect::<Vec<_>>()
        .join(", ");
    Err(FsError::ForeignOutput {
        path: out.to_owned(),
        entries,
    })
}
