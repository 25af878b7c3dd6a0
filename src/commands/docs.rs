//! `orgdir completions SHELL` and `orgdir man`, generated from the clap
//! types of `cli.rs` so they say what `--help` says; `orgdir schema`, the
//! JSON Schema of the source files (`source::schema`).

use std::io::Write;
use std::path::Path;

use clap::CommandFactory;

use crate::cli::{Cli, SchemaFile};
use crate::error::{Error, exit};
use crate::fsutil::FsError;
use crate::fsutil::atomic::write_atomic;

pub fn completions(shell: clap_complete::Shell, out: &mut dyn Write) -> Result<u8, Error> {
    let mut command = Cli::command();
    let mut script = Vec::new();
    clap_complete::generate(shell, &mut command, "orgdir", &mut script);
    out.write_all(&script)
        .map_err(FsError::io("write", "the completion script"))?;
    Ok(exit::SUCCESS)
}

/// The page of `orgdir` on `out`; with `dir`, that page and one per command
/// (`orgdir-build.1`, ...) written into `dir`, each atomically.
pub fn man(dir: Option<&Path>, out: &mut dyn Write) -> Result<u8, Error> {
    let mut command = Cli::command().disable_help_subcommand(true);
    command.build();
    let Some(dir) = dir else {
        let page = render(&command)?;
        out.write_all(&page)
            .map_err(FsError::io("write", "the manual page"))?;
        return Ok(exit::SUCCESS);
    };
    let mut pages = Vec::new();
    collect(&command, &mut pages)?;
    for (name, page) in &pages {
        write_atomic(&dir.join(name), page)?;
    }
    tracing::info!(pages = pages.len(), dir = %dir.display(), "manual pages written");
    Ok(exit::SUCCESS)
}

/// Every page of `command` and its commands: (file name, roff).
fn collect(command: &clap::Command, pages: &mut Vec<(String, Vec<u8>)>) -> Result<(), Error> {
    let man = clap_mangen::Man::new(command.clone());
    pages.push((man.get_filename(), render(command)?));
    for sub in command.get_subcommands().filter(|s| !s.is_hide_set()) {
        collect(sub, pages)?;
    }
    Ok(())
}

fn render(command: &clap::Command) -> Result<Vec<u8>, Error> {
    let mut page = Vec::new();
    clap_mangen::Man::new(command.clone())
        .render(&mut page)
        .map_err(FsError::io("render", "the manual page"))?;
    Ok(page)
}

/// One schema on `out`; with `dir`, both written into `dir`, each atomically.
pub fn schema(file: SchemaFile, dir: Option<&Path>, out: &mut dyn Write) -> Result<u8, Error> {
    let files = crate::source::schema::files();
    let Some(dir) = dir else {
        let wanted = match file {
            SchemaFile::Dataset => "dataset.schema.json",
            SchemaFile::Organizations => "organizations.schema.json",
        };
        let (_, schema) = files
            .iter()
            .find(|(name, _)| *name == wanted)
            .expect("known");
        out.write_all(&crate::source::schema::text(schema))
            .map_err(FsError::io("write", "the schema"))?;
        return Ok(exit::SUCCESS);
    };
    for (name, schema) in &files {
        write_atomic(&dir.join(name), &crate::source::schema::text(schema))?;
    }
    tracing::info!(dir = %dir.display(), "dataset.schema.json and organizations.schema.json written");
    Ok(exit::SUCCESS)
}
