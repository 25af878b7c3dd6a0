use std::io::IsTerminal;
use std::process::ExitCode;

use clap::Parser;
use orgdir::build::{self, BuildSummary};
use orgdir::cli::Cli;
use orgdir::config::{Config, Task, Verbosity};
use orgdir::error::exit;
use orgdir::{linkcheck, publish, query, server, validate};

/// mimalloc: with glibc's allocator, `orgdir build` of 100,000 synthetic
/// records took 3.8-4.8 s and 170 MB; with mimalloc, 3.2-3.9 s and 135 MB.
/// Counted per evaluating thread for `serve --query-memory` (src/alloc.rs).
#[global_allocator]
static GLOBAL: orgdir::alloc::Counting<mimalloc::MiMalloc> =
    orgdir::alloc::Counting(mimalloc::MiMalloc);

/// `mi_option_purge_delay` in mimalloc.h (v2, as bundled by libmimalloc-sys
/// 0.1.49, pinned for this reason); the crate has no constant for it.
const MI_OPTION_PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

fn main() -> ExitCode {
    // Give freed pages back at once instead of after 10 ms: the loader's
    // threads free their YAML trees page by page as they go, and with the
    // default delay the build peaked at 175 MB instead of 135 MB (100,000
    // records), at no measurable cost in time.
    // SAFETY: sets a plain integer option; mimalloc allows it at any time.
    unsafe { libmimalloc_sys::mi_option_set(MI_OPTION_PURGE_DELAY, 0) };
    let config = Config::from(Cli::parse());
    init_logging(&config);
    orgdir::fsutil::lock::set_no_wait(config.no_wait);
    let mut finding_code = exit::SUCCESS;
    let result = match &config.task {
        Task::Build(options) => build::build(options).map(|s| summary(&s, config.verbosity)),
        Task::Serve(options) => server::run(options),
        Task::Publish(options) => publish::run(options),
        Task::Query(options) => query::run(options, &mut std::io::stdout().lock()),
        Task::Linkcheck(options) => {
            linkcheck::run(options, &mut std::io::stdout().lock()).map(|code| {
                finding_code = code;
            })
        }
        Task::Validate(options) => {
            validate::run(options, &mut std::io::stdout().lock()).map(|code| {
                finding_code = code;
            })
        }
    };
    match result {
        Ok(()) => ExitCode::from(finding_code),
        Err(e) if e.is_broken_pipe() => ExitCode::from(exit::SUCCESS),
        Err(e) => {
            let outcome = matches!(config.task, Task::Build(_)).then_some("nothing was written");
            eprint!("{}", e.render(outcome));
            ExitCode::from(e.exit_code())
        }
    }
}

/// Messages on stderr: warnings by default, and for `serve` its INFO lines
/// too (the access log, start and shutdown). No colour unless stderr is a
/// terminal and NO_COLOR is unset.
fn init_logging(config: &Config) {
    let serving = matches!(config.task, Task::Serve(_));
    let level = match config.verbosity {
        Verbosity::Quiet => tracing::Level::ERROR,
        Verbosity::Normal if serving => tracing::Level::INFO,
        Verbosity::Normal => tracing::Level::WARN,
        Verbosity::Verbose => tracing::Level::DEBUG,
    };
    let colour = std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none();
    let builder = tracing_subscriber::fmt()
        .with_max_level(level)
        .with_writer(std::io::stderr)
        .with_ansi(colour)
        .with_target(false);
    match &config.task {
        Task::Serve(options) if options.json_log => builder.json().init(),
        _ => builder.init(),
    }
}

fn summary(s: &BuildSummary, verbosity: Verbosity) {
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
