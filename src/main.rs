use std::process::ExitCode;

use orgdir::commands;
use orgdir::config::Config;
use orgdir::error::Error;

/// mimalloc: with glibc's allocator, `orgdir build` of 100,000 synthetic
/// records took 3.8-4.8 s and 170 MB; with mimalloc, 3.2-3.9 s and 135 MB.
/// Counted per evaluating thread for `serve --query-memory` (src/alloc.rs).
#[global_allocator]
static GLOBAL: orgdir::alloc::Counting<mimalloc::MiMalloc> =
    orgdir::alloc::Counting(mimalloc::MiMalloc);

fn main() -> ExitCode {
    orgdir::alloc::purge_at_once();
    // The command line, with orgdir.toml's defaults for what it leaves out.
    let (cli, from_file) = match orgdir::defaults::parse(std::env::args_os().collect()) {
        Ok(parsed) => parsed,
        Err(e) => {
            let e = Error::from(e);
            eprint!("{}", e.render(None));
            return ExitCode::from(e.exit_code());
        }
    };
    let config = Config::from(cli);
    commands::init_logging(&config);
    if !from_file.is_empty() {
        tracing::info!(
            options = from_file.join(", "),
            "defaults taken from the config file"
        );
    }
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
