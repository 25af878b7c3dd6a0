//! The subcommands, one file each: the orchestration of the stages.
//!
//! A command strings stages together in the order the data flows (load,
//! validate, write, serve) and owns what is printed about it; a stage
//! (`source`, `rdf`, `dist`, `validate`, `store`, `server`, `linkcheck`,
//! `publish`, `release`) never calls back up into a command or into a stage
//! after it. Only commands and `main.rs` use the top-level [`Error`].

pub mod build;
pub mod docs;
pub mod linkcheck;
pub mod progress;
pub mod publish;
pub mod query;
pub mod reconcile;
pub mod search;
pub mod serve;
pub mod validate;
pub mod verdict;

use std::io::IsTerminal;

use crate::config::{Config, Task, Verbosity};
use crate::error::Error;

/// Runs the command of `config`; returns its exit code (0, or 1 for
/// findings: violations, broken links, a remote graph that differs).
pub fn run(config: &Config) -> Result<u8, Error> {
    crate::fsutil::lock::set_no_wait(config.no_wait);
    match &config.task {
        Task::Build(options) => build::run(options, config.verbosity),
        Task::Serve(options) => serve::run(options),
        Task::Publish(options) => publish::run(options),
        // Takes stdout on its own thread: not locked here.
        Task::Query(options) => query::run_on_a_deep_stack(options),
        Task::Linkcheck(options) => linkcheck::run(options, &mut std::io::stdout().lock()),
        Task::Validate(options) => validate::run(options, &mut std::io::stdout().lock()),
        Task::Search(options) => search::run(options, &mut std::io::stdout().lock()),
        Task::Reconcile(options) => reconcile::run(options),
        Task::Completions(shell) => docs::completions(*shell, &mut std::io::stdout().lock()),
        Task::Man(out) => docs::man(out.as_deref(), &mut std::io::stdout().lock()),
        Task::Schema { file, out } => {
            docs::schema(*file, out.as_deref(), &mut std::io::stdout().lock())
        }
    }
}

/// What is said of the output when `config`'s command fails.
pub fn outcome_of_failure(config: &Config) -> Option<&'static str> {
    match &config.task {
        Task::Build(_) => Some("nothing was written"),
        Task::Reconcile(o) if o.out.is_some() => Some("nothing was written"),
        _ => None,
    }
}

/// Messages on stderr: warnings by default, and for `serve` its INFO lines
/// too (the access log, start and shutdown). No colour unless stderr is a
/// terminal and NO_COLOR is unset.
pub fn init_logging(config: &Config) {
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
