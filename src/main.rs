use std::process::ExitCode;

use clap::Parser;
use orgdir::cli::Cli;
use orgdir::commands;
use orgdir::config::Config;

/// mimalloc: with glibc's allocator, `orgdir build` of 100,000 synthetic
/// records took 3.8-4.8 s and 170 MB; with mimalloc, 3.2-3.9 s and 135 MB.
/// Counted per evaluating thread for `serve --query-memory` (src/alloc.rs).
#[global_allocator]
static GLOBAL: orgdir::alloc::Counting<mimalloc::MiMalloc> =
    orgdir::alloc::Counting(mimalloc::MiMalloc);

fn main() -> ExitCode {
    orgdir::alloc::purge_at_once();
    let config = Config::from(Cli::parse());
    commands::init_logging(&config);
    match commands::run(&config) {
        Ok(code) => ExitCode::from(code),
        // `orgdir query ... | head`: the reader has what it wanted.
        Err(e) if e.is_broken_pipe() => ExitCode::SUCCESS,
        Err(e) => {
            eprint!("{}", e.render(commands::outcome_of_failure(&config)));
            ExitCode::from(e.exit_code())
        }
    }
}
