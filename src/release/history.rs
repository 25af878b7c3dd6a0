//! An organization's versions across the releases: the record each release
//! holds, and the releases in which it changed (what Memento's TimeMap
//! lists, see `src/server/memento.rs`).
//!
//! A release's `orgs.nt` is canonical N-Triples, its lines sorted, so a
//! record is found by two binary searches over the file (one for its
//! memberships `<ORG/role/...>`, one for its own subject `<ORG>`, which are
//! not adjacent: `org/ala/role/x` < `org/ala1` < `org/ala`), reading a few
//! kilobytes wherever the directory's size: nothing is loaded or indexed at
//! start, and a release written while the server runs counts at once.

use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

use super::ReleaseInfo;
use crate::rdf::dump::DumpFormat;

/// One version of an organization: the release that holds it, and the
/// record's lines there (N-Triples, its memberships first).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Version {
    pub version: String,
    pub date: String,
    pub record: String,
}

/// The lines of the record of `org` (the organization's IRI) in the sorted
/// N-Triples file at `path`, memberships first; empty when it has none.
pub fn record(path: &Path, org: &str) -> io::Result<String> {
    let mut file = Sorted::open(path)?;
    let mut out = String::new();
    for key in [format!("<{org}/"), format!("<{org}> ")] {
        let from = file.first_at_or_after(key.as_bytes())?;
        file.push_lines_with_prefix(from, key.as_bytes(), &mut out)?;
    }
    Ok(out)
}

/// The versions of `org` in `releases` (oldest first, as
/// [`super::releases`] lists them): each release whose record differs from
/// the release before it, the first that holds one included. A release that
/// lacks the record (written before it was added) is no version; one after
/// it that holds it again is.
pub fn versions(releases: &[(PathBuf, ReleaseInfo)], org: &str) -> io::Result<Vec<Version>> {
    let mut out = Vec::new();
    let mut before = String::new();
    for (dir, info) in releases {
        let path = dir.join(DumpFormat::NTriples.file_name());
        let record = match record(&path, org) {
            Ok(record) => record,
            // A release without orgs.nt has nothing to say about the record.
            Err(e) if e.kind() == io::ErrorKind::NotFound => continue,
            Err(e) => return Err(e),
        };
        if !record.is_empty() && record != before {
            out.push(Version {
                version: info.version.clone(),
                date: info.date.clone(),
                record: record.clone(),
            });
        }
        before = record;
    }
    Ok(out)
}

/// A file of sorted lines, read at offsets.
struct Sorted {
    file: File,
    len: u64,
    buffer: Vec<u8>,
}

/// What one read takes: a few records' lines.
const CHUNK: usize = 8 * 1024;

impl Sorted {
    fn open(path: &Path) -> io::Result<Sorted> {
        let file = File::open(path)?;
        let len = file.metadata()?.len();
        Ok(Sorted {
            file,
            len,
            buffer: Vec::with_capacity(CHUNK),
        })
    }

    /// Reads up to `CHUNK` bytes at `at` into the buffer; empty at the end.
    fn read_at(&mut self, at: u64) -> io::Result<&[u8]> {
        self.buffer.clear();
        self.file.seek(SeekFrom::Start(at))?;
        (&mut self.file)
            .take(CHUNK as u64)
            .read_to_end(&mut self.buffer)?;
        Ok(&self.buffer)
    }

    /// The line that starts at `start` (without its newline).
    fn line(&mut self, start: u64) -> io::Result<Vec<u8>> {
        let mut line = Vec::new();
        let mut at = start;
        loop {
            let chunk = self.read_at(at)?;
            if chunk.is_empty() {
                return Ok(line);
            }
            match chunk.iter().position(|&b| b == b'\n') {
                Some(end) => {
                    line.extend_from_slice(&chunk[..end]);
                    return Ok(line);
                }
                None => {
                    line.extend_from_slice(chunk);
                    at += chunk.len() as u64;
                }
            }
        }
    }

    /// The first line start at or after `pos`; `len` when there is none.
    fn line_start(&mut self, pos: u64) -> io::Result<u64> {
        if pos == 0 {
            return Ok(0);
        }
        // The byte before `pos` ends a line exactly when a line starts at `pos`.
        let mut at = pos - 1;
        loop {
            let chunk = self.read_at(at)?;
            if chunk.is_empty() {
                return Ok(self.len);
            }
            if let Some(i) = chunk.iter().position(|&b| b == b'\n') {
                return Ok(at + i as u64 + 1);
            }
            at += chunk.len() as u64;
        }
    }

    /// The start of the first line not below `key`; `len` when all are.
    /// Binary search over byte offsets: "the first line starting at or
    /// after `pos` is not below `key`" is false, then true, as `pos` grows.
    fn first_at_or_after(&mut self, key: &[u8]) -> io::Result<u64> {
        let (mut lo, mut hi) = (0, self.len);
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            let start = self.line_start(mid)?;
            if start < self.len && self.line(start)?.as_slice() < key {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        self.line_start(lo)
    }

    /// Appends the lines from `start` on that begin with `prefix`, each with
    /// its newline.
    fn push_lines_with_prefix(
        &mut self,
        mut start: u64,
        prefix: &[u8],
        out: &mut String,
    ) -> io::Result<()> {
        while start < self.len {
            let line = self.line(start)?;
            if !line.starts_with(prefix) {
                break;
            }
            start += line.len() as u64 + 1;
            out.push_str(
                std::str::from_utf8(&line)
                    .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))?,
            );
            out.push('\n');
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Sorted lines of `n` organizations under `org/`, each with its name,
    /// every third with a membership, and places after them.
    fn sorted_file(dir: &Path, n: usize) -> PathBuf {
        let mut lines = Vec::new();
        for i in 0..n {
            let org = format!("https://x.test/org/o{i}");
            lines.push(format!("<{org}> <http://schema.org/name> \"Org {i}\" ."));
            lines.push(format!(
                "<{org}> <http://schema.org/description> \"{}\" .",
                "long ".repeat(i % 7 * 600)
            ));
            if i % 3 == 0 {
                lines.push(format!(
                    "<{org}/role/o{}> <http://schema.org/memberOf> <https://x.test/org/o{}> .",
                    i + 1,
                    i + 1
                ));
            }
        }
        lines.push("<https://x.test/place/nm> <http://schema.org/name> \"NM\" .".into());
        lines.sort();
        let path = dir.join("orgs.nt");
        std::fs::write(&path, lines.join("\n") + "\n").unwrap();
        path
    }

    /// The record by reading every line: what the binary search must find.
    fn by_scan(path: &Path, org: &str) -> String {
        let text = std::fs::read_to_string(path).unwrap();
        let (roles, own): (Vec<&str>, Vec<&str>) = text
            .lines()
            .filter(|l| l.starts_with(&format!("<{org}/")) || l.starts_with(&format!("<{org}> ")))
            .partition(|l| l.starts_with(&format!("<{org}/")));
        roles.iter().chain(&own).map(|l| format!("{l}\n")).collect()
    }

    #[test]
    fn every_record_is_found_as_a_scan_finds_it() {
        let dir = tempfile::tempdir().unwrap();
        let path = sorted_file(dir.path(), 400);
        for i in (0..400).chain([1000, 4000]) {
            let org = format!("https://x.test/org/o{i}");
            let found = record(&path, &org).unwrap();
            assert_eq!(found, by_scan(&path, &org), "o{i}");
            assert_eq!(found.is_empty(), i >= 400, "o{i}");
        }
        // A prefix of an id is another record: o1 holds none of o10's lines.
        let o1 = record(&path, "https://x.test/org/o1").unwrap();
        assert_eq!(o1.lines().count(), 2, "{o1}");
        // Before the first line, after the last, and an empty file.
        assert!(record(&path, "https://a.test/org/x").unwrap().is_empty());
        assert!(record(&path, "https://z.test/org/x").unwrap().is_empty());
        std::fs::write(&path, "").unwrap();
        assert!(record(&path, "https://x.test/org/o1").unwrap().is_empty());
    }

    fn info(version: &str, date: &str) -> ReleaseInfo {
        serde_json::from_value(serde_json::json!({
            "version": version, "date": date, "previous": null, "organizations": 0,
            "triples": 0, "canonical_hash": "", "added": 0, "removed": 0, "changed": 0,
            "files": [],
        }))
        .unwrap()
    }

    #[test]
    fn a_version_is_a_release_whose_record_differs_from_the_one_before() {
        let dir = tempfile::tempdir().unwrap();
        let org = "https://x.test/org/a";
        let own = |name: &str| format!("<{org}> <http://schema.org/name> \"{name}\" .\n");
        let records = [
            ("r1", "2026-01-01", None),
            ("r2", "2026-02-01", Some(own("A"))),
            ("r3", "2026-03-01", Some(own("A"))),
            ("r4", "2026-04-01", Some(own("A renamed"))),
            ("r5", "2026-05-01", None),
            ("r6", "2026-06-01", Some(own("A renamed"))),
        ];
        let releases: Vec<(PathBuf, ReleaseInfo)> = records
            .iter()
            .map(|(version, date, record)| {
                let path = dir.path().join(version);
                std::fs::create_dir(&path).unwrap();
                let other = "<https://x.test/org/b> <http://schema.org/name> \"B\" .\n";
                let text = format!("{}{other}", record.clone().unwrap_or_default());
                std::fs::write(path.join("orgs.nt"), text).unwrap();
                (path, info(version, date))
            })
            .collect();
        let found = versions(&releases, org).unwrap();
        let names: Vec<&str> = found.iter().map(|v| v.version.as_str()).collect();
        assert_eq!(names, ["r2", "r4", "r6"]);
        assert_eq!(found[1].record, own("A renamed"));
        assert_eq!(found[1].date, "2026-04-01");
        assert!(
            versions(&releases, "https://x.test/org/none")
                .unwrap()
                .is_empty()
        );
    }
}
