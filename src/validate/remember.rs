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

use serde::{Deserialize, Serialize};

use super::{ShapesSource, check};
use crate::error::Error;
use crate::source::{Limits, Source};

#[derive(Debug, Serialize, Deserialize)]
struct Verdict {
    orgdir: String,
    warnings: usize,
    /// The warnings' text report, shown again when the verdict is used.
    text: String,
}

/// Where verdicts are kept, if anywhere.
pub fn cache_dir() -> Option<PathBuf> {
    let from = |var: &str| std::env::var_os(var).map(PathBuf::from);
    let base = match std::env::var_os("ORGDIR_CACHE_DIR") {
        Some(dir) if dir.is_empty() => return None,
        Some(dir) => PathBuf::from(dir),
        None => from("XDG_CACHE_HOME")
            .filter(|p| p.is_absolute())
            .or_else(|| from("HOME").map(|h| h.join(".cache")))?
            .join("orgdir"),
    };
    Some(base.join("validated"))
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
    let fingerprint = crate::store::fingerprint(data, shapes, limits)?;
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
