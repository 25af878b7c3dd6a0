//! The verdict before publishing (`build`, `serve`, `publish`): a
//! validation whose violations are an error carrying the text report, and
//! whose warnings come back to be shown.
//!
//! Verdicts remembered: data that passed validation is not validated again
//! while nothing it was validated with has changed. The key is the SHA-256
//! of the data files, the shapes files and orgdir's version (the same
//! fingerprint `serve --store` uses), so any edit means a new validation; only
//! passing verdicts are kept, with their warnings, so data with a violation
//! is always validated (and refused) again.
//!
//! The verdicts live in `$ORGDIR_CACHE_DIR`, else `$XDG_CACHE_HOME/orgdir`,
//! else `~/.cache/orgdir`, under `validated/`; `ORGDIR_CACHE_DIR=` (empty)
//! turns this off. `orgdir validate` always validates.

use std::path::{Path, PathBuf};

use std::io;

use serde::{Deserialize, Serialize};

use crate::error::Error;
use crate::report::{self, Context};
use crate::source::{Limits, Source};
use crate::store::StoreError;
use crate::validate::{
    HOLD_SOURCE_UP_TO, Report, Shapes, ShapesSource, validate, validate_dropping,
};

#[derive(Debug, Serialize, Deserialize)]
struct Verdict {
    orgdir: String,
    warnings: usize,
    /// The warnings' text report, shown again when the verdict is used.
    text: String,
}

/// orgdir's cache (`ORGDIR_CACHE_DIR`, else `$XDG_CACHE_HOME/orgdir` or
/// `~/.cache/orgdir`), if any: empty turns it off.
pub fn cache_root() -> Option<PathBuf> {
    let from = |var: &str| std::env::var_os(var).map(PathBuf::from);
    match std::env::var_os("ORGDIR_CACHE_DIR") {
        Some(dir) if dir.is_empty() => None,
        Some(dir) => Some(PathBuf::from(dir)),
        None => Some(
            from("XDG_CACHE_HOME")
                .filter(|p| p.is_absolute())
                .or_else(|| from("HOME").map(|h| h.join(".cache")))?
                .join("orgdir"),
        ),
    }
}

/// Where verdicts are kept, if anywhere.
pub fn cache_dir() -> Option<PathBuf> {
    cache_root().map(|base| base.join("validated"))
}

/// [`check`], unless the same data was found to pass with the same shapes
/// and orgdir before. Returns whether the verdict was remembered.
pub fn check_remembered(
    source: &Source,
    shapes: &ShapesSource,
    limits: Limits,
) -> Result<((usize, String), bool), Error> {
    remembered_or(&source.root, shapes, limits, || check(source, shapes))
}

/// [`check`], unless the data of `fingerprint` (made by [`fingerprint`],
/// `None` with the cache off) was found to pass before.
pub fn check_remembered_at(
    source: &Source,
    shapes: &ShapesSource,
    fingerprint: Option<&str>,
) -> Result<((usize, String), bool), Error> {
    match (cache_dir(), fingerprint) {
        (Some(dir), Some(fingerprint)) => {
            remembered_in(&dir, fingerprint, || check(source, shapes))
        }
        _ => Ok((check(source, shapes)?, false)),
    }
}

/// `check()` (a validation returning the warnings' count and text), unless
/// the same data was found to pass with the same shapes and orgdir before.
/// Returns whether the verdict was remembered.
pub fn remembered_or(
    data: &Path,
    shapes: &ShapesSource,
    limits: Limits,
    check: impl FnOnce() -> Result<(usize, String), Error>,
) -> Result<((usize, String), bool), Error> {
    let Some(dir) = cache_dir() else {
        return Ok((check()?, false));
    };
    let fingerprint = fingerprint(data, shapes, limits)?;
    remembered_in(&dir, &fingerprint, check)
}

fn remembered_in(
    dir: &Path,
    fingerprint: &str,
    check: impl FnOnce() -> Result<(usize, String), Error>,
) -> Result<((usize, String), bool), Error> {
    let path = dir.join(format!("{fingerprint}.json"));
    let remembered = std::fs::read(&path)
        .ok()
        .and_then(|bytes| serde_json::from_slice::<Verdict>(&bytes).ok())
        .filter(|v| v.orgdir == env!("CARGO_PKG_VERSION"));
    if let Some(v) = remembered {
        tracing::debug!(
            "validation: the same data passed before ({})",
            path.display()
        );
        return Ok(((v.warnings, v.text), true));
    }
    let (warnings, text) = check()?;
    let verdict = Verdict {
        orgdir: env!("CARGO_PKG_VERSION").into(),
        warnings,
        text: text.clone(),
    };
    let bytes = serde_json::to_vec(&verdict).expect("plain data serializes");
    // A verdict not kept only costs a validation next time.
    if let Err(e) = crate::fsutil::write_atomic(&path, &bytes) {
        tracing::debug!("cannot remember the verdict: {e}");
    }
    Ok(((warnings, text), false))
}

/// Validation before publishing (`build`, `serve`, `publish`): a violation is an error
/// that carries the text report. Otherwise returns the number of warnings and
/// their text report (empty when there are none), to be shown.
pub fn check(source: &Source, shapes: &ShapesSource) -> Result<(usize, String), Error> {
    let loaded = shapes.load()?;
    let report = validate(source, &loaded)?;
    verdict(
        &report,
        &context(source.organizations.len(), &loaded, shapes),
    )
}

/// [`check`] for a caller done with the source: it is dropped while the
/// engine runs (at a million records it takes a gigabyte, more than the
/// graph) and loaded again from `data` only if there are findings to locate.
pub fn check_dropping(
    source: Source,
    data: &std::path::Path,
    limits: Limits,
    shapes: &ShapesSource,
    ntriples: Option<&std::path::Path>,
) -> Result<(usize, String), Error> {
    let loaded = shapes.load()?;
    let organizations = source.organizations.len();
    let report = validate_dropping(source, data, limits, &loaded, ntriples, HOLD_SOURCE_UP_TO)?;
    verdict(&report, &context(organizations, &loaded, shapes))
}

/// Passes with the warnings' count and text, or fails with the violations.
fn verdict(report: &Report, context: &Context<'_>) -> Result<(usize, String), Error> {
    let text = if report.findings.is_empty() {
        String::new()
    } else {
        report::text::render(report, context)
    };
    if report.passes(false) {
        return Ok((report.findings.len(), text));
    }
    Err(Error::Invalid {
        violations: report.violations(),
        report: text,
    })
}

pub fn context<'a>(organizations: usize, shapes: &'a Shapes, from: &ShapesSource) -> Context<'a> {
    Context {
        organizations,
        shape_files: &shapes.files,
        shapes_label: from.to_string(),
    }
}

/// SHA-256 over every file under `data` (relative path, size and bytes), in
/// sorted order, hidden files aside: it changes whenever anything the store is
/// built from does.
pub fn fingerprint(
    data: &Path,
    shapes: &ShapesSource,
    limits: crate::source::Limits,
) -> Result<String, StoreError> {
    use sha2::{Digest, Sha256};
    let io_error = |path: &Path, source| StoreError::Io {
        path: path.to_owned(),
        source,
    };
    // The files the loader reads, and no others (a 1 GiB PDF beside the
    // YAML is not read); one that cannot be read fails the load anyway.
    let inputs = crate::source::inputs(data)
        .map_err(|d| io_error(&d.path, io::Error::other(d.message.clone())))?;
    let mut files: Vec<(&Path, std::path::PathBuf)> = std::iter::once(inputs.dataset)
        .chain(inputs.records)
        .map(|f| (data, f))
        .collect();
    // The store was validated against the shapes: new shapes, new check.
    if let ShapesSource::Dir(dir) = shapes {
        let shape_files = crate::fsutil::files(dir).map_err(|e| io_error(&e.path, e.source))?;
        files.extend(
            shape_files
                .into_iter()
                .filter(|f| f.extension().is_some_and(|e| e == "ttl"))
                .map(|f| (dir.as_path(), f)),
        );
    }
    let mut hash = Sha256::new();
    hash.update(env!("CARGO_PKG_VERSION").as_bytes());
    if let ShapesSource::Bundled = shapes {
        // The shapes compiled in: they may differ between builds of one version.
        for (name, text) in crate::validate::shapes::BUNDLED {
            hash.update(name.as_bytes());
            hash.update(text.as_bytes());
        }
    }
    // What a store directory holds: stores of another layout are rebuilt.
    hash.update(b"layout 2: store, orgdir-store.json, dumps/");
    for (root, path) in files {
        let relative = path.strip_prefix(root).unwrap_or(&path);
        hash.update(relative.to_string_lossy().as_bytes());
        // Streamed, within the loader's limit: a file past it, or one that
        // is gone, is hashed as such (the load reports it).
        let mut file_hash = Sha256::new();
        match crate::fsutil::stream_bounded(&path, limits.max_file_bytes, |b| file_hash.update(b)) {
            Ok(bytes) => {
                hash.update(bytes.to_le_bytes());
                hash.update(file_hash.finalize());
            }
            Err(e) => hash.update(format!("unreadable: {e}").as_bytes()),
        }
    }
    Ok(crate::rdf::dump::hex(&hash.finalize()))
}
