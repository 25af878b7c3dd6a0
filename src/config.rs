//! Turns the parsed command line into a checked configuration: the rest of
//! orgdir never sees clap types.

use crate::build::BuildOptions;
use crate::cli::{Cli, Command};
use crate::source::Limits;

/// How much to print on stderr.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Verbosity {
    Quiet,
    Normal,
    Verbose,
}

#[derive(Debug, Clone)]
pub struct Config {
    pub verbosity: Verbosity,
    pub task: Task,
}

#[derive(Debug, Clone)]
pub enum Task {
    Build(BuildOptions),
}

impl From<Cli> for Config {
    fn from(cli: Cli) -> Self {
        let g = cli.global;
        let verbosity = match (g.quiet, g.verbose) {
            (true, _) => Verbosity::Quiet,
            (false, 0) => Verbosity::Normal,
            (false, _) => Verbosity::Verbose,
        };
        let limits = Limits {
            max_file_bytes: g.max_file_size,
            ..Limits::default()
        };
        let task = match cli.command {
            Command::Build { out } => Task::Build(BuildOptions {
                data: g.data,
                out,
                limits,
            }),
        };
        Config { verbosity, task }
    }
}
