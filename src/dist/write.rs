//! Writes a release directory: the three dumps, `void.ttl` and `SHA256SUMS`.

use std::fs::{self, File};
use std::io::BufWriter;
use std::path::Path;
use std::sync::{Arc, mpsc};
use std::thread;

use super::{SUMS_FILE, VOID_FILE};
use crate::fsutil::FsError;
use crate::rdf::dump::{DumpFormat, Hashing, turtle_prefixes};
use crate::rdf::turtle::TurtleWriter;
use crate::rdf::void::{self, DumpFile, GraphStats};
use crate::rdf::{Description, DescriptionWriter, Graph, Iris};

/// Writes the three dumps of `graph`, `void.ttl` and `SHA256SUMS` into `dir`;
/// returns the graph's statistics and each file's name and size, in the order
/// written.
pub fn write(graph: &Graph<'_>, dir: &Path) -> Result<(GraphStats, Vec<(String, u64)>), FsError> {
    let source = graph.source();
    let (stats, dumps) = write_dumps(graph, dir)?;
    let graph_iris = Iris::of(&source.dataset);
    let mut files: Vec<(String, u64)> = dumps
        .iter()
        .map(|d| (d.format.file_name().to_owned(), d.bytes))
        .collect();

    let void_path = dir.join(VOID_FILE);
    let file = File::create(&void_path).map_err(FsError::io("create", &void_path))?;
    let mut out = Hashing::new(BufWriter::new(file));
    {
        let mut w = Box::new(
            TurtleWriter::new(&mut out, turtle_prefixes(graph_iris))
                .map_err(FsError::io("write", &void_path))?,
        );
        for d in void::descriptions(&source.dataset, graph_iris, &stats, &dumps) {
            w.write(&d).map_err(FsError::io("write", &void_path))?;
        }
        w.finish().map_err(FsError::io("write", &void_path))?;
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
    fs::write(&sums_path, &sums).map_err(FsError::io("write", &sums_path))?;
    files.push((SUMS_FILE.to_owned(), sums.len() as u64));
    Ok((stats, files))
}

/// Writes the three dumps into `dir`. The graph is described once, in batches
/// shared by one writer thread per format; bounded channels keep only a few
/// batches in memory.
fn write_dumps(graph: &Graph<'_>, dir: &Path) -> Result<(GraphStats, Vec<DumpFile>), FsError> {
    const BATCH: usize = 256;
    let source = graph.source();
    let results: Vec<Result<(DumpFile, u64), FsError>> = thread::scope(|scope| {
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
) -> Result<(DumpFile, u64), FsError> {
    let file = File::create(path).map_err(FsError::io("create", path))?;
    let mut out = Hashing::new(BufWriter::with_capacity(1 << 16, file));
    let mut triples = 0;
    {
        let mut w = format
            .writer(&mut out, iris)
            .map_err(FsError::io("write", path))?;
        for batch in batches {
            for d in batch.iter() {
                triples += d.properties.len() as u64;
                w.write(d).map_err(FsError::io("write", path))?;
            }
        }
        w.finish().map_err(FsError::io("write", path))?;
    }
    let (bytes, sha256) = out.digest();
    out.into_inner()
        .into_inner()
        .map_err(|e| FsError::io("write", path)(e.into_error()))?
        .sync_all()
        .map_err(FsError::io("write", path))?;
    Ok((
        DumpFile {
            format,
            bytes,
            sha256,
        },
        triples,
    ))
}
