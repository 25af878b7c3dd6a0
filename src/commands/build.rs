//! `orgdir build`: load, validate, map, and write every dump into OUT, atomically.
//!
//! Everything is written into a fresh directory beside OUT and renamed into
//! place at the end; on any error before that, OUT is left exactly as it was.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use super::progress::Progress;
use super::verdict;
use crate::config::{BuildOptions, Verbosity};
use crate::dist;
use crate::error::Error;
use crate::fsutil::{replace_dir, staging_dir};
use crate::rdf::Graph;
use crate::rdf::dump::DumpFormat;
use crate::rdf::void::GraphStats;
use crate::source;

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

/// Builds, then prints the summary.
pub fn run(options: &BuildOptions, verbosity: Verbosity) -> Result<u8, Error> {
    let progress = Progress::start("build", verbosity == Verbosity::Quiet);
    let summary = build_showing(options, &progress)?;
    progress.finish();
    print_summary(&summary, verbosity);
    Ok(crate::error::exit::SUCCESS)
}

pub fn build(options: &BuildOptions) -> Result<BuildSummary, Error> {
    build_showing(options, &Progress::off())
}

fn build_showing(options: &BuildOptions, progress: &Progress) -> Result<BuildSummary, Error> {
    let start = Instant::now();
    if options.release.is_none() {
        dist::check_replaceable(&options.out)?;
    }
    progress.step(format!("loading {}", options.data.display()));
    let source = source::load(&options.data, options.limits)?;
    let load_time = start.elapsed();
    // One build of OUT at a time (taken once the input has loaded, so bad
    // input leaves nothing, not even a lock file); then what a killed build
    // left is cleaned, and OUT checked again under the lock.
    let _lock = crate::fsutil::lock::lock(&options.out)?;
    if options.release.is_none() {
        crate::fsutil::atomic::recover(&options.out)?;
        dist::check_replaceable(&options.out)?;
    }
    if let Some(release) = &options.release {
        progress.step("validating against the shapes");
        let ((_, warnings), _) =
            verdict::check_remembered(&source, &options.shapes, options.limits)?;
        progress.step(format!(
            "writing release {} and its change list",
            release.version
        ));
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
    progress.step("writing the dumps (Turtle, N-Triples, JSON-LD, VoID)");
    let (stats, files) = dist::write(&Graph::new(&source), staging.path())?;
    progress.step("validating against the shapes");
    // The graph is read back from the dump: the source is not needed for it.
    let dumped = staging.path().join(DumpFormat::NTriples.file_name());
    let ((_, warnings), _) =
        verdict::remembered_or(&options.data, &options.shapes, options.limits, || {
            verdict::check_dropping(
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

fn print_summary(s: &BuildSummary, verbosity: Verbosity) {
    if verbosity == Verbosity::Quiet {
        return;
    }
    eprint!("{}", s.warnings);
    eprintln!(
        "built {}: {} organizations, {} triples in {:.2} s",
        s.out.display(),
        s.stats.organizations,
        s.stats.triples,
        s.total_time.as_secs_f64()
    );
    if let Some((added, removed, changed)) = s.changes {
        eprintln!("  changes: {added} added, {removed} removed, {changed} changed (changes.md)");
    }
    for (name, bytes) in &s.files {
        eprintln!("  {name:<12} {:>10}", human_bytes(*bytes));
    }
    if verbosity == Verbosity::Verbose {
        eprintln!(
            "  load {:.3} s, map, write and validate {:.3} s",
            s.load_time.as_secs_f64(),
            (s.total_time - s.load_time).as_secs_f64()
        );
        eprintln!(
            "  canonical hash (RDFC-1.0, SHA-256) {}",
            s.stats.canonical_hash
        );
    }
}

fn human_bytes(n: u64) -> String {
    match n {
        0..1024 => format!("{n} B"),
        1024..1_048_576 => format!("{:.1} KiB", n as f64 / 1024.0),
        _ => format!("{:.1} MiB", n as f64 / 1_048_576.0),
    }
}
