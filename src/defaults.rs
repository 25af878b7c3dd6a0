//! `orgdir.toml`: the defaults a repository wants for every run of
//! `linkcheck` and `serve`, one table each, keyed by the options' long names:
//!
//! ```toml
//! [linkcheck]
//! exclude = ["^https://www\\.facebook\\.com/"]
//! accept = "200..=299,403"
//! timeout = 30
//!
//! [serve]
//! cache-mib = 128
//! ```
//!
//! Precedence: an option on the command line, then the file, then orgdir's
//! default. The file is `orgdir.toml` in the current directory, or the one
//! `--config FILE` names. Its values are checked by the same parsers as the
//! command line's, and a bad one is reported at its line in the file.
//!
//! How: the command line is parsed once to learn which options it gives;
//! each key of the file that it does not give becomes `--key=value`
//! appended to it, and the whole is parsed again. clap stays the only parser
//! of values, so a file can say nothing the command line could not.

use std::ffi::OsString;
use std::path::{Path, PathBuf};

use clap::parser::ValueSource;
use clap::{ArgAction, CommandFactory, FromArgMatches};

use crate::cli::Cli;
use crate::source::{Diagnostic, Pos, SourceError};

/// The file read from the current directory when `--config` is not given.
pub const FILE: &str = "orgdir.toml";

/// The commands a file may set options for.
const SECTIONS: &[&str] = &["linkcheck", "serve"];

/// What went wrong with the file: every problem, at its place.
#[derive(Debug, thiserror::Error)]
#[error("{} problem{} in {}: nothing was run", .problems.diagnostics.len(), if .problems.diagnostics.len() == 1 { "" } else { "s" }, crate::fsutil::shown(.path))]
pub struct DefaultsError {
    pub path: PathBuf,
    pub problems: SourceError,
}

/// The command line `args` with the file's defaults for what it leaves out,
/// and the options taken from the file (for the log). A usage error of the
/// command line itself exits as clap does.
pub fn parse(args: Vec<OsString>) -> Result<(Cli, Vec<String>), DefaultsError> {
    let command = Cli::command();
    let matches = command.clone().get_matches_from(args.clone());
    let given = matches.get_one::<PathBuf>("config").cloned();
    let path = given.clone().unwrap_or_else(|| PathBuf::from(FILE));
    let (Some((name, sub)), true) = (matches.subcommand(), given.is_some() || path.is_file())
    else {
        return Ok((from_matches(matches), Vec::new()));
    };
    let fail = |diagnostics| DefaultsError {
        path: path.clone(),
        problems: SourceError { diagnostics },
    };
    let text = std::fs::read_to_string(&path).map_err(|e| {
        fail(vec![Diagnostic::file(
            &path,
            format!("cannot read it: {e}"),
        )])
    })?;
    let sections = read(&path, &text).map_err(fail)?;
    let mut extra = Vec::new();
    let mut taken = Vec::new();
    let mut diagnostics = Vec::new();
    // Every section is checked, whichever command runs: a typo under
    // [serve] is found by the link check in CI.
    for (section, table) in sections {
        let subcommand = command
            .find_subcommand(&section)
            .expect("the sections are subcommands")
            .clone();
        for (key, value, key_pos, pos) in table {
            let at = |message: String| Diagnostic::at(&path, pos, message);
            let options = || {
                subcommand
                    .get_arguments()
                    .filter(|a| !a.is_hide_set() && !a.is_global_set() && !a.is_positional())
            };
            let Some(arg) = options().find(|a| a.get_long() == Some(key.as_str())) else {
                let hint = crate::source::suggest(&key, options().filter_map(|a| a.get_long()))
                    .map(|s| format!(": did you mean `{s}`?"))
                    .unwrap_or_else(|| format!(": see `orgdir {section} --help`"));
                diagnostics.push(Diagnostic::at(
                    &path,
                    key_pos,
                    format!("`{key}` is not an option of `orgdir {section}`{hint}"),
                ));
                continue;
            };
            let args = match to_args(&key, &value, arg.get_action()) {
                Ok(a) => a,
                Err(why) => {
                    diagnostics.push(at(format!("`{key}`: {why}")));
                    continue;
                }
            };
            // The value through clap alone, so a bad one is reported here, at its line.
            let alone = Cli::command().try_get_matches_from(
                ["orgdir".into(), section.as_str().into()]
                    .into_iter()
                    .chain(args.iter().cloned())
                    .collect::<Vec<OsString>>(),
            );
            if let Err(e) = alone {
                diagnostics.push(at(format!("`{key}`: {}", clap_message(&e))));
                continue;
            }
            if section == name
                && sub.value_source(arg.get_id().as_str()) != Some(ValueSource::CommandLine)
            {
                taken.push(key);
                extra.extend(args);
            }
        }
    }
    if !diagnostics.is_empty() {
        diagnostics.sort_by_key(|d| d.pos);
        return Err(fail(diagnostics));
    }
    let mut all = args;
    all.extend(extra);
    // Options of the file may clash with the command line's (a `max-age` in
    // the file and --no-history given): clap says which, and the file is named.
    match Cli::command().try_get_matches_from(all) {
        Ok(m) => Ok((from_matches(m), taken)),
        Err(e) => Err(fail(vec![Diagnostic::file(
            &path,
            format!("with the command line: {}", clap_message(&e)),
        )])),
    }
}

fn from_matches(matches: clap::ArgMatches) -> Cli {
    Cli::from_arg_matches(&matches).unwrap_or_else(|e| e.exit())
}

/// clap's message, on one line, without its `error: ` and usage.
fn clap_message(e: &clap::Error) -> String {
    let text = e.render().to_string();
    let first = text.lines().next().unwrap_or_default();
    first.trim_start_matches("error: ").trim().to_owned()
}

/// One `key = value` of a section: the key, the value, where the key and
/// the value are.
type Setting = (String, toml::Value, Pos, Pos);

/// The file's sections, each with its settings (in key order).
fn read(path: &Path, text: &str) -> Result<Vec<(String, Vec<Setting>)>, Vec<Diagnostic>> {
    use std::collections::BTreeMap as Map;

    use toml::Spanned;
    let position = |offset: usize| {
        let before = &text[..offset.min(text.len())];
        let line = before.matches('\n').count() + 1;
        let col = before.len() - before.rfind('\n').map_or(0, |i| i + 1) + 1;
        Pos {
            line: u32::try_from(line).unwrap_or(u32::MAX),
            col: u32::try_from(col).unwrap_or(u32::MAX),
        }
    };
    let parsed: Map<String, Spanned<Map<String, Spanned<toml::Value>>>> = toml::from_str(text)
        .map_err(|e| {
            let pos = e
                .span()
                .map_or(Pos { line: 1, col: 1 }, |s| position(s.start));
            let message = e.message().replace("a map", "a table of options");
            vec![Diagnostic::at(
                path,
                pos,
                format!("not an orgdir.toml: {message}"),
            )]
        })?;
    let mut diagnostics = Vec::new();
    let mut out = Vec::new();
    for (section, table) in parsed {
        if !SECTIONS.contains(&section.as_str()) {
            let hint = crate::source::suggest(&section, SECTIONS.iter().copied())
                .map(|s| format!("did you mean [{s}]? "))
                .unwrap_or_default();
            diagnostics.push(Diagnostic::at(
                path,
                position(table.span().start),
                format!(
                    "[{section}]: {hint}orgdir.toml holds defaults for {} only",
                    SECTIONS
                        .iter()
                        .map(|s| format!("[{s}]"))
                        .collect::<Vec<_>>()
                        .join(" and ")
                ),
            ));
            continue;
        }
        let settings = table
            .into_inner()
            .into_iter()
            .map(|(key, value)| {
                let start = value.span().start;
                // toml gives no span for a key: it starts its line.
                let line_start = text[..start].rfind('\n').map_or(0, |i| i + 1);
                let indent = text[line_start..].len() - text[line_start..].trim_start().len();
                let key_pos = position(line_start + indent);
                (key, value.into_inner(), key_pos, position(start))
            })
            .collect();
        out.push((section, settings));
    }
    if diagnostics.is_empty() {
        Ok(out)
    } else {
        Err(diagnostics)
    }
}

/// `--key=value` arguments for one setting.
fn to_args(key: &str, value: &toml::Value, action: &ArgAction) -> Result<Vec<OsString>, String> {
    let flag = matches!(action, ArgAction::SetTrue | ArgAction::Count);
    let scalar = |v: &toml::Value| match v {
        toml::Value::String(s) => Ok(s.clone()),
        toml::Value::Integer(i) => Ok(i.to_string()),
        toml::Value::Float(f) => Ok(f.to_string()),
        toml::Value::Boolean(_) => Err("expected a value, not true or false".to_owned()),
        other => Err(format!(
            "expected a string or a number, found {}",
            other.type_str()
        )),
    };
    match value {
        toml::Value::Boolean(b) if flag => Ok(if *b {
            vec![format!("--{key}").into()]
        } else {
            Vec::new()
        }),
        _ if flag => Err("expected true or false".into()),
        toml::Value::Array(items) if matches!(action, ArgAction::Append) => items
            .iter()
            .map(|v| scalar(v).map(|s| format!("--{key}={s}").into()))
            .collect(),
        toml::Value::Array(_) => Err("takes one value, not a list".into()),
        v => Ok(vec![format!("--{key}={}", scalar(v)?).into()]),
    }
}
