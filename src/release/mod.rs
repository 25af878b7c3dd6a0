//! `orgdir build --release VERSION`: versioned releases with change lists,
//! so a harvester fetches only what changed since the version it holds (as
//! ROR publishes its registry).
//!
//! ```text
//! dist/
//!   2026-11/         orgs.ttl orgs.nt orgs.jsonld void.ttl SHA256SUMS
//!                    changes.md changes.ttl changes.json release.json
//!                    ldes/node.trig ldes/1.trig ...   (the change stream: see [`ldes`])
//!   2026-12/         ...
//!   latest -> 2026-12
//!   releases.json    every release's release.json, oldest first
//! ```
//!
//! A release is never rewritten: its directory is written beside its final
//! place and renamed into it, then `latest` and `releases.json` are replaced
//! (each atomically). Each organization carries `schema:dateModified`: the
//! date of the release in which its triples last changed.

pub mod changes;
pub mod feeds;
pub mod history;
pub mod ldes;
mod write;

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::fsutil::FsError;
use crate::fsutil::{replace_dir, staging_dir, write_atomic};
use crate::rdf::Graph;
use crate::rdf::dump::DumpFormat;
use crate::rdf::void::GraphStats;
use crate::source::{Date, Source, parse_date};

pub use changes::Changes;

/// What stops a release from being written.
#[derive(Debug, thiserror::Error)]
pub enum ReleaseError {
    /// A version that cannot be written: a bad name, or one already published.
    #[error("{0}")]
    Refused(String),
    #[error(transparent)]
    Fs(#[from] FsError),
}

pub const LATEST: &str = "latest";
pub const INDEX: &str = "releases.json";
pub const INFO: &str = "release.json";
pub const CHANGES_MD: &str = "changes.md";
pub const CHANGES_TTL: &str = "changes.ttl";
pub const CHANGES_JSON: &str = "changes.json";

#[derive(Debug, Clone)]
pub struct ReleaseOptions {
    pub version: String,
    /// The release to compare with; default: `latest` beside the new one.
    pub previous: Option<PathBuf>,
    /// The release date; default: today (UTC).
    pub date: Option<Date>,
}

/// One file of a release.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct FileInfo {
    pub name: String,
    pub bytes: u64,
    pub sha256: String,
}

/// `release.json`: what a harvester needs to know about one release.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct ReleaseInfo {
    pub version: String,
    pub date: String,
    pub previous: Option<String>,
    pub organizations: u64,
    pub triples: u64,
    /// RDFC-1.0 SHA-256 of the graph (the SHA-256 of orgs.nt).
    pub canonical_hash: String,
    pub added: usize,
    pub removed: usize,
    pub changed: usize,
    pub files: Vec<FileInfo>,
    /// Pages of the change stream in `ldes/` (not in `files`: see
    /// [`ldes`]); 0 for a release written before orgdir wrote them.
    #[serde(default)]
    pub ldes_pages: usize,
}

/// `releases.json`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Index {
    pub latest: Option<String>,
    pub releases: Vec<ReleaseInfo>,
}

/// Whether `version` can name a release directory.
pub fn valid_version(version: &str) -> bool {
    !version.is_empty()
        && version.len() <= 64
        && version != LATEST
        && !version.starts_with('.')
        && version
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_'))
}

/// Today's date, UTC.
pub fn today() -> Date {
    let now = time::OffsetDateTime::now_utc().date();
    Date::day(now.year() as u16, now.month() as u8, now.day()).expect("a real day")
}

/// Writes release `options.version` of `source` under `root`; returns what it
/// wrote, the graph's statistics and the changes against the previous release.
pub fn write_release(
    source: &Source,
    root: &Path,
    options: &ReleaseOptions,
) -> Result<(ReleaseInfo, GraphStats, Changes), ReleaseError> {
    let version = &options.version;
    if !valid_version(version) {
        return Err(ReleaseError::Refused(format!(
            "`{version}` cannot name a release: use letters, digits, `.`, `-` and `_` \
             (not `latest`)"
        )));
    }
    let dir = root.join(version);
    if dir.exists()
        && latest(root).as_deref() != Some(version.as_str())
        && let Some((_, info)) = releases(root).pop().filter(|(p, _)| p == &dir)
    {
        // The newest release, in place but not published: a run was killed
        // between renaming it into place and pointing `latest` at it.
        tracing::warn!(
            "release {version} was written by a run that was killed before publishing it; \
             publishing it now"
        );
        point_latest(root, version)?;
        write_index(root)?;
        let stats = GraphStats {
            triples: info.triples,
            subjects: 0,
            organizations: info.organizations,
            canonical_hash: info.canonical_hash.clone(),
        };
        return Ok((info, stats, Changes::default()));
    }
    if dir.exists() {
        return Err(ReleaseError::Refused(format!(
            "release {version} exists in {}: a release is never rewritten (choose a new version)",
            root.display()
        )));
    }
    let previous = match &options.previous {
        Some(p) => Some(p.clone()),
        None => {
            let latest = root.join(LATEST);
            latest.exists().then_some(latest)
        }
    };
    let previous_info: Option<ReleaseInfo> = previous
        .as_ref()
        .and_then(|p| std::fs::read(p.join(INFO)).ok())
        .and_then(|bytes| serde_json::from_slice(&bytes).ok());
    let previous_nt = previous
        .as_ref()
        .map(|p| p.join(DumpFormat::NTriples.file_name()));
    if let Some(nt) = &previous_nt
        && !nt.is_file()
    {
        return Err(ReleaseError::Refused(format!(
            "the previous release has no {} (expected a directory written by `orgdir build`)",
            nt.display()
        )));
    }
    let date = options.date.unwrap_or_else(today);
    // The change stream's timestamps and Memento's datetimes are the release
    // dates: they must not go back.
    if let Some(before) = &previous_info
        && ldes::timestamp(&before.date) > ldes::timestamp(&date.to_string())
    {
        return Err(ReleaseError::Refused(format!(
            "release {version} would be dated {date}, before the release it follows ({}, {}): \
             releases are ordered by date (the change stream, Memento); date it {} or later \
             with --release-date",
            before.version, before.date, before.date
        )));
    }

    let graph = Graph::new(source);
    let changes = changes::compare(previous_nt.as_deref(), &graph)
        .map_err(FsError::io("read", previous_nt.clone().unwrap_or_default()))?;
    if !changes.removed.is_empty() {
        let iris: Vec<String> = changes
            .removed
            .iter()
            .map(|r| format!("  {}", graph.iris().organization(&r.id)))
            .collect();
        let n = iris.len();
        return Err(ReleaseError::Refused(format!(
            "release {version} would break {n} IRI{s} of the previous release (once published, \
             an organization's IRI answers forever):\n{}\nKeep {them} in the data, retired with \
             `status: withdrawn` (and `statusDate`, `statusNote`) or `status: merged` (with \
             `replacedBy`, `statusDate`)",
            iris.join("\n"),
            s = if n == 1 { "" } else { "s" },
            them = if n == 1 {
                "its record"
            } else {
                "their records"
            },
        )));
    }
    // Unchanged records keep their date; a previous release without dates
    // stands for the release itself.
    let fallback = previous_info
        .as_ref()
        .and_then(|i| parse_date(&i.date))
        .unwrap_or(date);
    let new_or_changed: std::collections::HashSet<&str> = changes
        .added
        .iter()
        .map(|r| r.id.as_str())
        .chain(changes.changed.iter().map(|c| c.id.as_str()))
        .collect();
    let modified: Vec<Date> = source
        .organizations
        .iter()
        .map(|o| {
            let id: &str = &o.id.value;
            if new_or_changed.contains(id) {
                return date;
            }
            changes
                .carried_dates
                .get(id)
                .and_then(|d| parse_date(d))
                .unwrap_or(fallback)
        })
        .collect();

    std::fs::create_dir_all(root).map_err(FsError::io("create", root))?;
    crate::fsutil::atomic::recover(&dir)?;
    let staging = staging_dir(&dir)?;
    let graph = graph.with_modified(modified);
    let (stats, _) = crate::dist::write(&graph, staging.path())?;
    let previous_version = previous_info
        .as_ref()
        .map(|i| i.version.clone())
        .or_else(|| {
            previous
                .as_ref()
                .and_then(|p| std::fs::canonicalize(p).ok())
                .and_then(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
        });
    let release = write::Release {
        version,
        date,
        previous: previous_version.as_deref(),
        previous_date: previous_info.as_ref().map(|i| i.date.as_str()),
        iris: graph.iris(),
    };
    write::change_files(&release, &changes, staging.path())?;
    let info = ReleaseInfo {
        version: version.clone(),
        date: date.to_string(),
        previous: previous_version.clone(),
        organizations: stats.organizations,
        triples: stats.triples,
        canonical_hash: stats.canonical_hash.clone(),
        added: changes.added.len(),
        removed: changes.removed.len(),
        changed: changes.changed.len(),
        files: write::file_infos(staging.path())?,
        // Written after the list of files: the stream's pages are served
        // at `/ldes`, not among the release's files.
        ldes_pages: ldes::write(
            &graph,
            &new_or_changed,
            version,
            &date.to_string(),
            staging.path(),
        )?,
    };
    let json = serde_json::to_vec_pretty(&info).expect("plain data serializes");
    let info_path = staging.path().join(INFO);
    std::fs::write(&info_path, json).map_err(FsError::io("write", &info_path))?;
    replace_dir(staging, &dir)?;
    crate::fsutil::atomic::crash_point("before-latest");
    point_latest(root, version)?;
    write_index(root)?;
    Ok((info, stats, changes))
}

/// `latest` -> `version`, replaced atomically.
fn point_latest(root: &Path, version: &str) -> Result<(), ReleaseError> {
    let latest = root.join(LATEST);
    let temporary = root.join(format!(".{LATEST}.{}", std::process::id()));
    let _ = std::fs::remove_file(&temporary);
    #[cfg(unix)]
    std::os::unix::fs::symlink(version, &temporary).map_err(FsError::io("create", &temporary))?;
    #[cfg(not(unix))]
    std::fs::write(&temporary, version).map_err(FsError::io("write", &temporary))?;
    std::fs::rename(&temporary, &latest).map_err(FsError::io("replace", &latest))?;
    Ok(())
}

/// Every release under `root`, oldest first (by date, then version).
pub fn releases(root: &Path) -> Vec<(PathBuf, ReleaseInfo)> {
    let Ok(entries) = std::fs::read_dir(root) else {
        return Vec::new();
    };
    let mut all: Vec<(PathBuf, ReleaseInfo)> = entries
        .filter_map(Result::ok)
        .filter(|e| e.file_name() != LATEST && e.path().is_dir())
        .filter_map(|e| {
            let info: ReleaseInfo =
                serde_json::from_slice(&std::fs::read(e.path().join(INFO)).ok()?).ok()?;
            (valid_version(&info.version) && e.file_name() == info.version.as_str())
                .then(|| (e.path(), info))
        })
        .collect();
    all.sort_by(|a, b| (&a.1.date, &a.1.version).cmp(&(&b.1.date, &b.1.version)));
    all
}

/// The version `latest` points at, if any.
pub fn latest(root: &Path) -> Option<String> {
    let target = std::fs::read_link(root.join(LATEST))
        .ok()
        .map(|p| p.to_string_lossy().into_owned())
        .or_else(|| std::fs::read_to_string(root.join(LATEST)).ok())?;
    let target = target.trim().to_owned();
    valid_version(&target).then_some(target)
}

fn write_index(root: &Path) -> Result<(), ReleaseError> {
    let index = Index {
        latest: latest(root),
        releases: releases(root).into_iter().map(|(_, i)| i).collect(),
    };
    let json = serde_json::to_vec_pretty(&index).expect("plain data serializes");
    let path = root.join(INDEX);
    write_atomic(&path, &json)?;
    // Published for harvesters: readable by all, like the release files.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644))
            .map_err(FsError::io("write", &path))?;
    }
    Ok(())
}

/// The files a release directory holds, with their media types. Requests
/// are matched against this list only.
pub fn release_file(name: &str) -> Option<(&'static str, &'static str)> {
    let others = [
        (CHANGES_MD, "text/markdown"),
        (CHANGES_TTL, "text/turtle"),
        (CHANGES_JSON, "application/json"),
        (INFO, "application/json"),
    ];
    crate::dist::files()
        .into_iter()
        .chain(others)
        .find(|(n, _)| *n == name)
}

/// The release `version` under `root`, if there is one.
pub fn find(root: &Path, version: &str) -> Option<(PathBuf, ReleaseInfo)> {
    if !valid_version(version) {
        return None;
    }
    let dir = root.join(version);
    let info: ReleaseInfo = serde_json::from_slice(&std::fs::read(dir.join(INFO)).ok()?).ok()?;
    (info.version == version).then_some((dir, info))
}
