//! Writes a synthetic data directory: `cargo run --release --example synth -- N OUTDIR`.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;
use orgdir::synth::{self, SynthOptions};

/// Generate N realistic organization records for tests and benchmarks.
#[derive(Parser)]
struct Args {
    /// How many records.
    records: usize,
    /// The data directory to write (dataset.yaml and orgs-*.yaml).
    out: PathBuf,
    /// Seed of the generator: the same seed gives the same files.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Base of the organizations' website URLs.
    #[arg(long, default_value = "http://127.0.0.1:9/")]
    url_base: String,
    /// Records per file.
    #[arg(long, default_value_t = 1000)]
    per_file: usize,
    /// Names like a real directory's, in several scripts, without serial
    /// numbers (the name index's benchmark).
    #[arg(long)]
    real_names: bool,
}

fn main() -> ExitCode {
    let args = Args::parse();
    let options = SynthOptions {
        records: args.records,
        seed: args.seed,
        url_base: args.url_base,
        per_file: args.per_file,
        real_names: args.real_names,
    };
    match synth::write(&args.out, &options) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: cannot write {}: {e}", args.out.display());
            ExitCode::from(2)
        }
    }
}
