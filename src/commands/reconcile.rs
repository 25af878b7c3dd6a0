//! `orgdir reconcile FILE.csv --column NAME`: the reconciliation service's
//! matching, offline, over a CSV file; four columns added.

use std::io::Write;
use std::path::Path;

use super::progress::Progress;
use crate::config::ReconcileOptions;
use crate::error::{Error, exit};
use crate::search::Index;

/// The columns added, in order.
pub const ADDED: [&str; 4] = ["orgdir_id", "orgdir_name", "orgdir_score", "orgdir_match"];

/// Reads the whole CSV (refusing a malformed one before anything is
/// written), matches every row on all cores, and writes the result.
pub fn run(options: &ReconcileOptions) -> Result<u8, Error> {
    let (header, rows) = read(&options.file)?;
    let position = |column: &str| {
        header.iter().position(|h| h == column).ok_or_else(|| {
            let known: Vec<&str> = header.iter().map(String::as_str).collect();
            let hint = crate::source::suggest(column, known.iter().copied())
                .map(|s| format!("; did you mean `{s}`?"))
                .unwrap_or_default();
            Error::Usage(format!(
                "{}: no column `{column}` in the header ({}){hint}",
                options.file.display(),
                known.join(", ")
            ))
        })
    };
    let name_at = position(&options.column)?;
    let properties: Vec<(usize, String)> = options
        .properties
        .iter()
        .map(|(column, property)| Ok((position(column)?, property.clone())))
        .collect::<Result<_, Error>>()?;
    let progress = Progress::start("reconcile", options.quiet);
    progress.step(format!("loading and indexing {}", options.data.display()));
    let index = super::search::load(&options.data, options.source_limits)?;
    progress.counted("rows matched", rows.len() as u64);
    let answers = match_all(&index, &rows, name_at, &properties, &progress);
    progress.finish();
    let mut writer = csv::Writer::from_writer(Vec::new());
    let csv_error = |e: csv::Error| Error::Task(format!("writing CSV: {e}"));
    let mut head = header.clone();
    head.extend(ADDED.iter().map(|s| s.to_string()));
    writer.write_record(&head).map_err(csv_error)?;
    for (row, answer) in rows.iter().zip(answers) {
        let mut record = row.clone();
        match answer {
            Some((iri, name, score, matched)) => {
                record.extend([iri, name, format!("{score:.1}"), matched.to_string()])
            }
            None => record.extend([String::new(), String::new(), String::new(), "false".into()]),
        }
        writer.write_record(&record).map_err(csv_error)?;
    }
    let bytes = writer
        .into_inner()
        .map_err(|e| Error::Task(format!("writing CSV: {e}")))?;
    match &options.out {
        Some(path) => crate::fsutil::atomic::write_atomic(path, &bytes)?,
        None => std::io::stdout()
            .lock()
            .write_all(&bytes)
            .map_err(Error::io("write", "standard output"))?,
    }
    Ok(exit::SUCCESS)
}

type Answer = Option<(String, String, f64, bool)>;

/// Every row's best candidate, in row order, on as many threads as cores,
/// each row counted on `progress`.
fn match_all(
    index: &Index,
    rows: &[Vec<String>],
    name_at: usize,
    properties: &[(usize, String)],
    progress: &Progress,
) -> Vec<Answer> {
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let chunk = rows.len().div_ceil(threads).max(1);
    let one = |row: &Vec<String>| -> Answer {
        let name = row.get(name_at)?;
        let given: Vec<(String, String)> = properties
            .iter()
            .filter_map(|(at, p)| {
                Some((p.clone(), row.get(*at).filter(|v| !v.is_empty())?.clone()))
            })
            .collect();
        let best = index.reconcile(name, &given, 2).into_iter().next()?;
        let e = index.entry(best.candidate.ord);
        Some((
            e.iri.clone(),
            e.name.clone(),
            best.candidate.score,
            best.matched,
        ))
    };
    std::thread::scope(|scope| {
        let workers: Vec<_> = rows
            .chunks(chunk)
            .map(|part| {
                scope.spawn(move || {
                    part.iter()
                        .map(|row| {
                            let answer = one(row);
                            progress.inc(1);
                            answer
                        })
                        .collect::<Vec<Answer>>()
                })
            })
            .collect();
        workers
            .into_iter()
            .flat_map(|w| w.join().expect("a matching thread panicked"))
            .collect()
    })
}

/// The header and the rows of a CSV file; a malformed one is an error
/// naming its line and field.
fn read(path: &Path) -> Result<(Vec<String>, Vec<Vec<String>>), Error> {
    let bad = |line: u64, what: String| Error::Usage(format!("{}:{line}: {what}", path.display()));
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .from_path(path)
        .map_err(|e| match e.kind() {
            csv::ErrorKind::Io(_) => Error::io("read", path)(std::io::Error::other(e.to_string())),
            _ => bad(1, e.to_string()),
        })?;
    let described = |e: csv::Error| -> Error {
        let line = e.position().map_or(0, |p| p.line());
        match e.kind() {
            csv::ErrorKind::UnequalLengths {
                expected_len, len, ..
            } => bad(
                line,
                format!(
                    "{len} fields where the header has {expected_len} (column {} is where they part)",
                    (*len).min(*expected_len) + 1
                ),
            ),
            csv::ErrorKind::Utf8 { err, .. } => bad(
                line,
                format!(
                    "column {} is not UTF-8 (after its first {} bytes)",
                    err.field() + 1,
                    err.valid_up_to()
                ),
            ),
            csv::ErrorKind::Io(io) => {
                Error::io("read", path)(std::io::Error::new(io.kind(), io.to_string()))
            }
            _ => bad(line, e.to_string()),
        }
    };
    let header: Vec<String> = reader
        .headers()
        .map_err(described)?
        .iter()
        .map(str::to_owned)
        .collect();
    let mut rows = Vec::new();
    for record in reader.records() {
        let record = record.map_err(described)?;
        rows.push(record.iter().map(str::to_owned).collect());
    }
    Ok((header, rows))
}
