//! `orgdir validate`: load, validate, write the report.

use super::progress::Progress;
use super::verdict::context;
use crate::config::ValidateOptions;
use crate::error::{Error, exit};
use crate::fsutil::FsError;
use crate::report::{self, ReportFormat};
use crate::source;
use crate::validate::{HOLD_SOURCE_UP_TO, validate_dropping};

/// Loads, validates and writes the report to `out`; returns the exit code:
/// 0 when the data passes, 1 when it does not.
pub fn run(options: &ValidateOptions, out: &mut dyn std::io::Write) -> Result<u8, Error> {
    let start = std::time::Instant::now();
    let progress = Progress::start("validate", options.quiet);
    progress.step(format!("loading {}", options.data.display()));
    let loaded = options
        .shapes
        .load()
        .map_err(Error::from)
        .and_then(|shapes| Ok((shapes, source::load(&options.data, options.limits)?)));
    let (shapes, source) = match loaded {
        Ok(both) => both,
        // Code scanning reads the SARIF log whatever failed: the problems
        // that stopped the load are its results (exit 2 all the same).
        Err(e) if options.format == ReportFormat::Sarif && !e.diagnostics().is_empty() => {
            report::sarif::write_diagnostics(e.diagnostics(), out)
                .map_err(FsError::io("write", "the report"))?;
            return Err(e);
        }
        Err(e) => return Err(e),
    };
    let loaded = start.elapsed();
    tracing::debug!("validation: source loaded; {}", crate::fsutil::memory());
    let organizations = source.organizations.len();
    progress.step(format!(
        "validating {organizations} organizations against the shapes"
    ));
    let report = validate_dropping(
        source,
        &options.data,
        options.limits,
        &shapes,
        None,
        HOLD_SOURCE_UP_TO,
    )?;
    let validated = start.elapsed();
    progress.finish();
    let context = context(organizations, &shapes, &options.shapes);
    let mut buffered = std::io::BufWriter::with_capacity(1 << 16, out);
    let shown = report::text::Shown {
        max_findings: options.max_findings,
        quiet: options.quiet,
        strict: options.strict,
    };
    report::write(&report, &context, options.format, shown, &mut buffered)
        .and_then(|()| std::io::Write::flush(&mut buffered))
        .map_err(FsError::io("write", "the report"))?;
    if options.timings {
        eprintln!(
            "orgdir: load {:.3} s, validate and locate {:.3} s, report ({} results) {:.3} s",
            loaded.as_secs_f64(),
            (validated - loaded).as_secs_f64(),
            report.findings.len(),
            (start.elapsed() - validated).as_secs_f64()
        );
    }
    Ok(if report.passes(options.strict) {
        exit::SUCCESS
    } else {
        exit::FINDINGS
    })
}
