//! `orgdir build`: load, validate, map, and write every dump into OUT, atomically.
//!
//! Everything is written into a fresh directory beside OUT and renamed into
//! place at the end; on any error before that, OUT is left exactly as it was.

use std::fs::{self, File};
use std::io::BufWriter;
use std::path::{Path, PathBuf};
use std::sync::{Arc, mpsc};
use std::thread;
use std::time::{Duration, Instant};

use crate::error::Error;
use crate::fsutil::{replace_dir, staging_dir};
use crate::rdf::dump::{DumpFormat, Hashing, turtle_prefixes};
use crate::rdf::turtle::TurtleWriter;
use crate::rdf::void::{self, DumpFile, GraphStats};
use crate::rdf::{Description, DescriptionWriter, Graph, Iris};
use crate::release::ReleaseOptions;
use crate::source::{self, Limits};
use crate::validate::{self, ShapesSource};

/// The files a build writes; OUT may hold nothing else when it is replaced.
pub const VOID_FILE: &str = "void.ttl";
pub const SUMS_FILE: &str = "SHA256SUMS";

#[derive(Debug, Clone)]
pub struct BuildOptions {
    pub data: PathBuf,
    /// The output directory; with `release`, the directory of releases.
    pub out: PathBuf,
    /// `--release VERSION`: write `OUT/VERSION/` with a change list.
    pub release: Option<ReleaseOptions>,
    pub limits: Limits,
    pub shapes: ShapesSource,
}

/// What a build wrote, for the summary.
#[derive(Debug, Clone)]
pub struct BuildSummary {
    pub out: PathBuf,
    /// (file name, bytes), in the order written.
    pub files: Vec<(String, u64)>,
    pub stats: GraphStats,
    pub load_time: Duration,
    pub total_time: Duration,
    /// The validation's warnings, as text (empty when there are none).
    pub warnings: String,
    /// For a release: its counts of added, removed and changed records.
    pub changes: Option<(usize, usize, usize)>,
}

pub fn build(options: &BuildOptions) -> Result<BuildSummary, Error> {
    let start = Instant::now();
    if options.release.is_none() {
        check_replaceable(&options.out)?;
    }
    let source = source::load(&options.data, options.limits)?;
    let load_time = start.elapsed();
    // One build of OUT at a time (taken once the input has loaded, so bad
    // input leaves nothing, not even a lock file); then what a killed build
    // left is cleaned, and OUT checked again under the lock.
    let _lock = crate::fsutil::lock::lock(&options.out)?;
    if options.release.is_none() {
        crate::fsutil::atomic::recover(&options.out)?;
        check_replaceable(&options.out)?;
    }
    if let Some(release) = &options.release {
        let ((_, warnings), _) =
            validate::remember::check_remembered(&source, &options.shapes, options.limits)?;
        let (info, stats, _) = crate::release::write_release(&source, &options.out, release)?;
        return Ok(BuildSummary {
            out: options.out.join(&release.version),
            files: info
                .files
                .iter()
                .map(|f| (f.name.clone(), f.bytes))
                .collect(),
            stats,
            load_time,
            total_time: start.elapsed(),
            warnings,
            changes: Some((info.added, info.removed, info.changed)),
        });
    }
    // The dumps first, then the validation without the source (it is the
    // larger part of the memory): a violation discards what was written.
    let staging = staging_dir(&options.out)?;
    let (stats, files) = write_release(&Graph::new(&source), staging.path())?;
    // The graph is read back from the dump: the source is not needed for it.
    let dumped = staging.path().join(DumpFormat::NTriples.file_name());
    let ((_, warnings), _) =
        validate::remember::remembered_or(&options.data, &options.shapes, options.limits, || {
            validate::check_dropping(
                source,
                &options.data,
                options.limits,
                &options.shapes,
                Some(&dumped),
            )
        })?;
    replace_dir(staging, &options.out)?;
    Ok(BuildSummary {
        out: options.out.clone(),
        files,
        stats,
        load_time,
        total_time: start.elapsed(),
        warnings,
        changes: None,
    })
}

/// Writes the three dumps of `graph`, `void.ttl` and `SHA256SUMS` into `dir`;
/// returns the graph's statistics and each file's name and size, in the order
/// written.
pub fn write_release(
    graph: &Graph<'_>,
    dir: &Path,
) -> Result<(GraphStats, Vec<(String, u64)>), Error> {
    let source = graph.source();
    let (stats, dumps) = write_dumps(graph, dir)?;
    let graph_iris = Iris::of(&source.dataset);
    let mut files: Vec<(String, u64)> = dumps
        .iter()
        .map(|d| (d.format.file_name().to_owned(), d.bytes))
        .collect();

    let void_path = dir.join(VOID_FILE);
    let file = File::create(&void_path).map_err(Error::io("create", &void_path))?;
    let mut out = Hashing::new(BufWriter::new(file));
    {
        let mut w = Box::new(
            TurtleWriter::new(&mut out, turtle_prefixes(graph_iris))
                .map_err(Error::io("write", &void_path))?,
        );
        for d in void::descriptions(&source.dataset, graph_iris, &stats, &dumps) {
            w.write(&d).map_err(Error::io("write", &void_path))?;
        }
        w.finish().map_err(Error::io("write", &void_path))?;
    }
    let (void_bytes, void_sha) = out.digest();
    files.push((VOID_FILE.to_owned(), void_bytes));

    let mut sums: Vec<(&str, &str)> = dumps
        .iter()
        .map(|d| (d.format.file_name(), d.sha256.as_str()))
        .collect();
    sums.push((VOID_FILE, &void_sha));
    sums.sort();
    let sums: String = sums
        .iter()
        .map(|(name, sha)| format!("{sha}  {name}\n"))
        .collect();
    let sums_path = dir.join(SUMS_FILE);
    fs::write(&sums_path, &sums).map_err(Error::io("write", &sums_path))?;
    files.push((SUMS_FILE.to_owned(), sums.len() as u64));
    Ok((stats, files))
}

/// Writes the three dumps into `dir`. The graph is described once, in batches
/// shared by one writer thread per format; bounded channels keep only a few
/// batches in memory.
fn write_dumps(graph: &Graph<'_>, dir: &Path) -> Result<(GraphStats, Vec<DumpFile>), Error> {
    const BATCH: usize = 256;
    let source = graph.source();
    let results: Vec<Result<(DumpFile, u64), Error>> = thread::scope(|scope| {
        let mut senders = Vec::new();
        let handles: Vec<_> = DumpFormat::ALL
            .into_iter()
            .map(|format| {
                let (tx, rx) = mpsc::sync_channel::<Arc<Vec<Description>>>(2);
                senders.push(tx);
                let iris = graph.iris();
                let path = dir.join(format.file_name());
                scope.spawn(move || write_dump(rx.into_iter(), iris, format, &path))
            })
            .collect();
        let mut descriptions = graph.descriptions().peekable();
        while descriptions.peek().is_some() {
            let batch = Arc::new(descriptions.by_ref().take(BATCH).collect::<Vec<_>>());
            // A writer that failed has hung up; its error is reported below.
            for tx in &senders {
                let _ = tx.send(Arc::clone(&batch));
            }
        }
        drop(senders);
        handles
            .into_iter()
            .map(|h| h.join().expect("a dump writer panicked"))
            .collect()
    });
    let mut dumps = Vec::new();
    let mut triples = 0;
    for result in results {
        let (dump, count) = result?;
        triples = count;
        dumps.push(dump);
    }
    let canonical_hash = dumps
        .iter()
        .find(|d| d.format == DumpFormat::NTriples)
        .map(|d| d.sha256.clone())
        .expect("the N-Triples dump is always written");
    let stats = GraphStats {
        triples,
        subjects: graph.subject_count() as u64,
        organizations: source.organizations.len() as u64,
        // orgs.nt is the sorted canonical N-Triples of a graph without blank
        // nodes: byte for byte its RDFC-1.0 canonical N-Quads (see rdf::canon).
        canonical_hash,
    };
    Ok((stats, dumps))
}

fn write_dump(
    batches: impl Iterator<Item = Arc<Vec<Description>>>,
    iris: Iris<'_>,
    format: DumpFormat,
    path: &Path,
) -> Result<(DumpFile, u64), Error> {
    let file = File::create(path).map_err(Error::io("create", path))?;
    let mut out = Hashing::new(BufWriter::with_capacity(1 << 16, file));
    let mut triples = 0;
    {
        let mut w = format
            .writer(&mut out, iris)
            .map_err(Error::io("write", path))?;
        for batch in batches {
            for d in batch.iter() {
                triples += d.properties.len() as u64;
                w.write(d).map_err(Error::io("write", path))?;
            }
        }
        w.finish().map_err(Error::io("write", path))?;
    }
    let (bytes, sha256) = out.digest();
    out.into_inner()
        .into_inner()
        .map_err(|e| Error::io("write", path)(e.into_error()))?
        .sync_all()
        .map_err(Error::io("write", path))?;
    Ok((
        DumpFile {
            format,
            bytes,
            sha256,
        },
        triples,
    ))
}

fn known_output(name: &str) -> bool {
    name == VOID_FILE
        || name == SUMS_FILE
        || name == crate::fsutil::atomic::MARKER
        || DumpFormat::ALL.iter().any(|f| f.file_name() == name)
}

/// OUT may be replaced only if it is absent or holds nothing but our files.
fn check_replaceable(out: &Path) -> Result<(), Error> {
    let entries = match fs::read_dir(out) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(Error::io("read the output directory", out)(e)),
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
    Err(Error::ForeignOutput {
        path: out.to_owned(),
        entries,
    })
}
