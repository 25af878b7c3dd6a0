//! Loading the YAML source directory.
//!
//! `dataset.yaml` holds the dataset's metadata; every other `*.yaml`/`*.yml`
//! file under the directory (recursively, in sorted path order) holds a list of
//! organization records. Loading reports every problem it finds, each at its
//! file, line and column; inputs are bounded (file size, nesting depth, alias
//! expansion) so a hostile file is refused rather than expanded.
//!
//! The records are not serde structs with `deny_unknown_fields`: serde stops
//! at the first error of a file. [`yaml`] builds a tree with positions and
//! [`check`] walks it, so an unknown key is still an error (with a "did you
//! mean"), and so is everything else wrong in the same run.

mod check;
pub(crate) mod diag;
mod model;
pub mod schema;
mod yaml;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::{fs, thread};

pub use check::{ORGANIZATION_KEYS, is_slug, parse_date, suggest};
pub use diag::{Diagnostic, Related, render};
pub use model::*;

use check::{Checked, Checker};
use yaml::{Node, Value};

/// The file holding the dataset's metadata, at the top of the data directory.
pub const DATASET_FILE: &str = "dataset.yaml";

/// Bounds on what the loader accepts from one file.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Largest file read, in bytes.
    pub max_file_bytes: u64,
    /// Deepest nesting of lists and mappings.
    pub max_depth: usize,
    /// Most alias (`*name`) uses in one file.
    pub max_aliases: usize,
    /// Most YAML nodes in one file (aliases count at each use).
    pub max_nodes: usize,
    /// Most nodes that alias uses may copy in one file ("billion laughs").
    pub max_replayed_nodes: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_file_bytes: 16 * 1024 * 1024,
            max_depth: 16,
            max_aliases: 1_000,
            max_nodes: 2_000_000,
            max_replayed_nodes: 10_000,
        }
    }
}

/// Loading failed: every problem found, in file order.
#[derive(Debug, thiserror::Error)]
#[error("{} problem{} in the source data", .diagnostics.len(), if .diagnostics.len() == 1 { "" } else { "s" })]
pub struct SourceError {
    pub diagnostics: Vec<Diagnostic>,
}

/// The files the loader reads under `root`, and those it refuses.
#[derive(Debug)]
pub struct Inputs {
    /// `root/dataset.yaml` (which may be missing).
    pub dataset: PathBuf,
    /// Every other `*.yaml` and `*.yml` that is a regular file (or a symlink
    /// to one), in sorted path order.
    pub records: Vec<PathBuf>,
    /// A YAML-named entry that is not a regular file (a FIFO, a device...).
    pub refused: Vec<Diagnostic>,
}

fn is_yaml(path: &Path) -> bool {
    matches!(
        path.extension().and_then(|e| e.to_str()),
        Some("yaml" | "yml")
    )
}

/// Lists what [`load`] reads under `root` (the verdict cache hashes the same
/// files). A name that is YAML in another case (`R.YAML`) is not read, with a
/// warning.
pub fn inputs(root: &Path) -> Result<Inputs, Diagnostic> {
    if !root.is_dir() {
        return Err(Diagnostic::file(root, "no such data directory"));
    }
    let listing = crate::fsutil::list(root).map_err(|e| {
        Diagnostic::file(&e.path, format!("cannot read the directory: {}", e.source))
    })?;
    let dataset = root.join(DATASET_FILE);
    for path in listing
        .files
        .iter()
        .chain(listing.odd.iter().map(|(p, _)| p))
    {
        let lower = path.extension().map(|e| e.to_string_lossy().to_lowercase());
        if !is_yaml(path) && matches!(lower.as_deref(), Some("yaml" | "yml")) {
            tracing::warn!(
                "{}: not read: orgdir reads files named *.yaml and *.yml, in lower case; rename it to load it",
                crate::fsutil::shown(path)
            );
        }
    }
    // dataset.yaml is read (and so refused) by itself.
    let refused = listing
        .odd
        .iter()
        .filter(|(p, _)| is_yaml(p) && p != &dataset)
        .map(|(p, odd)| {
            Diagnostic::file(
                p,
                format!("is {}: only regular files are read", odd.describe()),
            )
        })
        .collect();
    let records = listing
        .files
        .into_iter()
        .filter(|p| p != &dataset && is_yaml(p))
        .collect();
    Ok(Inputs {
        dataset,
        records,
        refused,
    })
}

/// A YAML value (a key's example in [`schema`]) as JSON, with the loader's
/// reading of scalars.
pub fn yaml_value(text: &str) -> Result<serde_json::Value, String> {
    fn json(node: &Node) -> serde_json::Value {
        match &node.value {
            Value::Null => serde_json::Value::Null,
            Value::Bool(b) => (*b).into(),
            Value::Int(i) => i64::try_from(*i).map_or_else(|_| i.to_string().into(), Into::into),
            Value::Float(f) => {
                serde_json::Number::from_f64(*f).map_or(serde_json::Value::Null, Into::into)
            }
            Value::Str(s) => s.as_str().into(),
            Value::Seq(items) => items.iter().map(json).collect(),
            Value::Map(entries) => entries
                .iter()
                .map(|e| (e.key.clone(), json(&e.value)))
                .collect::<serde_json::Map<_, _>>()
                .into(),
        }
    }
    let node = yaml::parse(text, &Limits::default()).map_err(|e| e.message)?;
    Ok(node.as_ref().map_or(serde_json::Value::Null, json))
}

/// Loads and checks the data directory `root`.
pub fn load(root: &Path, limits: Limits) -> Result<Source, SourceError> {
    let fail = |d: Diagnostic| SourceError {
        diagnostics: vec![d],
    };
    let inputs = inputs(root).map_err(fail)?;
    let (dataset_path, paths) = (inputs.dataset, inputs.records);
    let mut diagnostics = inputs.refused;
    let dataset = if fs::symlink_metadata(&dataset_path).is_ok() {
        read_yaml(&dataset_path, limits, &mut diagnostics).and_then(|mut node| {
            Checker {
                path: &dataset_path,
                diagnostics: &mut diagnostics,
            }
            .dataset(&mut node)
        })
    } else {
        diagnostics.push(Diagnostic::file(
            &dataset_path,
            "not found: the data directory needs a dataset.yaml with the dataset's metadata",
        ));
        None
    };

    let mut files = vec![SourceFile { path: dataset_path }];
    files.extend(paths.iter().map(|p| SourceFile { path: p.clone() }));
    let results = check_files(&paths, limits);

    let records: usize = results.iter().map(|r| r.records.len()).sum();
    let mut organizations = Vec::with_capacity(records);
    let mut partial = Vec::new();
    for (index, result) in results.into_iter().enumerate() {
        let file = FileId::try_from(index + 1).expect("fewer than 2^32 files");
        diagnostics.extend(result.diagnostics);
        for checked in result.records {
            match checked {
                Checked::Complete(org) => organizations.push(org),
                Checked::Partial { id } => partial.push((file, id)),
            }
        }
    }
    check_ids(&files, &organizations, &partial, &mut diagnostics);
    match dataset {
        Some(dataset) if diagnostics.is_empty() => Ok(Source {
            root: root.to_owned(),
            files,
            dataset,
            organizations,
        }),
        _ => {
            let order: HashMap<&Path, usize> = files
                .iter()
                .enumerate()
                .map(|(i, f)| (f.path.as_path(), i))
                .collect();
            diagnostics.sort_by_key(|d| (order.get(d.path.as_path()).copied(), d.pos));
            Err(SourceError { diagnostics })
        }
    }
}

type Partial = (FileId, Option<Field<Text>>);

/// Ids are unique across files. Whether each `memberOf` and
/// `parentOrganization` names one of them is the shapes' check (`sh:class`),
/// reported by `orgdir validate` at the same key.
fn check_ids(
    files: &[SourceFile],
    organizations: &[Organization],
    partial: &[Partial],
    diagnostics: &mut Vec<Diagnostic>,
) {
    let path = |file: FileId| files[file as usize].path.as_path();
    let mut all: Vec<(FileId, Pos, &str)> = organizations
        .iter()
        .map(|o| (o.file, o.id.at, &*o.id.value))
        .chain(
            partial
                .iter()
                .filter_map(|(f, id)| id.as_ref().map(|id| (*f, id.at, &*id.value))),
        )
        .collect();
    all.sort_unstable();
    let mut ids: HashMap<&str, (FileId, Pos)> = HashMap::with_capacity(all.len());
    for (file, pos, id) in all {
        if let Some(&(first_file, first_pos)) = ids.get(id) {
            diagnostics.push(
                Diagnostic::at(path(file), pos, format!("duplicate id `{id}`")).with_related(
                    path(first_file),
                    first_pos,
                    "first defined here",
                ),
            );
        } else {
            ids.insert(id, (file, pos));
        }
    }
}

struct FileResult {
    records: Vec<Checked>,
    diagnostics: Vec<Diagnostic>,
}

/// Reads and checks the record files, in parallel, results in `paths` order.
fn check_files(paths: &[PathBuf], limits: Limits) -> Vec<FileResult> {
    let next = AtomicUsize::new(0);
    let workers = thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(paths.len())
        .max(1);
    let mut results: Vec<(usize, FileResult)> = thread::scope(|scope| {
        let handles: Vec<_> = (0..workers)
            .map(|_| {
                scope.spawn(|| {
                    let mut done = Vec::new();
                    loop {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        let Some(path) = paths.get(i) else { break };
                        let file = FileId::try_from(i + 1).expect("fewer than 2^32 files");
                        done.push((i, check_file(path, file, limits)));
                    }
                    done
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().expect("a checker thread panicked"))
            .collect()
    });
    results.sort_by_key(|(i, _)| *i);
    results.into_iter().map(|(_, r)| r).collect()
}

fn check_file(path: &Path, file: FileId, limits: Limits) -> FileResult {
    let mut diagnostics = Vec::new();
    let mut records = Vec::new();
    if let Some(mut node) = read_yaml(path, limits, &mut diagnostics) {
        match &mut node.value {
            Value::Seq(items) => {
                let mut checker = Checker {
                    path,
                    diagnostics: &mut diagnostics,
                };
                records = items
                    .iter_mut()
                    .map(|item| checker.organization(file, item))
                    .collect();
            }
            other => diagnostics.push(Diagnostic::at(
                path,
                node.pos,
                format!(
                    "expected a list of organization records (`- id: ...`), found {}",
                    other.kind()
                ),
            )),
        }
    }
    FileResult {
        records,
        diagnostics,
    }
}

/// Reads one file into a YAML tree, within `limits`; problems go to `diagnostics`.
fn read_yaml(path: &Path, limits: Limits, diagnostics: &mut Vec<Diagnostic>) -> Option<Node> {
    let text = match read_text(path, limits) {
        Ok(text) => text,
        Err(d) => {
            diagnostics.push(d);
            return None;
        }
    };
    match yaml::parse(&text, &limits) {
        Ok(
            Some(Node {
                value: Value::Null, ..
            })
            | None,
        ) => {
            diagnostics.push(Diagnostic::at(
                path,
                Pos { line: 1, col: 1 },
                "the file is empty: expected YAML content",
            ));
            None
        }
        Ok(Some(node)) => Some(node),
        Err(e) => {
            let mut d = Diagnostic::at(path, e.pos, e.message);
            if let Some((pos, label)) = e.related {
                d = d.with_related(path, pos, label);
            }
            diagnostics.push(d);
            None
        }
    }
}

fn read_text(path: &Path, limits: Limits) -> Result<String, Diagnostic> {
    use crate::fsutil::ReadError;
    let bytes = crate::fsutil::read_bounded(path, limits.max_file_bytes).map_err(|e| match e {
        ReadError::TooLarge(limit) => {
            let size = fs::metadata(path).map_or(String::new(), |m| format!("{} bytes, ", m.len()));
            Diagnostic::at(
                path,
                Pos { line: 1, col: 1 },
                format!("the file is {size}over the limit of {limit} bytes (--max-file-size): split it into smaller files"),
            )
        }
        ReadError::Odd(odd) => {
            Diagnostic::file(path, format!("is {}: only regular files are read", odd.describe()))
        }
        ReadError::Io(e) => Diagnostic::file(path, format!("cannot read: {e}")),
    })?;
    String::from_utf8(bytes).map_err(|e| {
        let valid = &e.as_bytes()[..e.utf8_error().valid_up_to()];
        let valid = std::str::from_utf8(valid).unwrap_or_default();
        let line = valid.matches('\n').count() + 1;
        let col = valid.rsplit('\n').next().unwrap_or("").chars().count() + 1;
        let byte = e.as_bytes()[valid.len()];
        Diagnostic::at(
            path,
            Pos {
                line: u32::try_from(line).unwrap_or(u32::MAX),
                col: u32::try_from(col).unwrap_or(u32::MAX),
            },
            format!("the file is not valid UTF-8 (byte 0x{byte:02X}): save it as UTF-8"),
        )
    })
}
