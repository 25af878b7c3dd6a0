//! The command line, as clap types only; doc comments are the help text.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

/// Publish a directory of organizations as linked data.
///
/// Reads the YAML source in DATA, maps it to schema.org RDF and writes dumps
/// that harvesters can trust.
///
/// Exit codes: 0 success, 1 findings, 2 bad input, usage or I/O error.
#[derive(Debug, Parser)]
#[command(name = "orgdir", version, max_term_width = 100)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Args)]
pub struct GlobalArgs {
    /// The data directory: dataset.yaml and the organization records.
    #[arg(long, global = true, value_name = "DIR", default_value = "data")]
    pub data: PathBuf,

    /// Say more (timings of each step).
    #[arg(short, long, global = true, action = clap::ArgAction::Count, conflicts_with = "quiet")]
    pub verbose: u8,

    /// Say nothing but errors.
    #[arg(short, long, global = true)]
    pub quiet: bool,

    /// Refuse YAML files larger than this many bytes.
    #[arg(long, global = true, value_name = "BYTES", default_value_t = 16 * 1024 * 1024)]
    pub max_file_size: u64,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Check the source and write Turtle, N-Triples and JSON-LD dumps with VoID metadata.
    ///
    /// OUT is replaced atomically: the files are written beside it and renamed
    /// into place, so an error leaves the previous OUT exactly as it was.
    Build {
        /// Where to write orgs.ttl, orgs.nt, orgs.jsonld, void.ttl and SHA256SUMS.
        #[arg(long, value_name = "DIR", default_value = "dist")]
        out: PathBuf,
    },
}
