//! `/dumps/releases/`: the releases written by `orgdir build --release`
//! (see [`crate::release`]), for harvesters that keep up incrementally.
//!
//! - `/dumps/releases/` the index (`releases.json`, with URLs);
//! - `/dumps/releases/VERSION/FILE` any file of a release, served like the
//!   dumps (validators, ranges, HEAD); `latest` redirects to the newest;
//! - `/dumps/releases/changes?since=VERSION` the records added, removed and
//!   changed in all the releases after VERSION, merged: what a harvester
//!   holding VERSION must fetch, update or drop.
//!
//! The release directory is read at each request (releases are small JSON
//! files and immutable directories), so a release written while the server
//! runs is served at once.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;
use std::time::SystemTime;

use axum::extract::{Path as UrlPath, Query, State};
use axum::http::{HeaderMap, Method, header};
use axum::response::{IntoResponse, Redirect, Response};
use serde::{Deserialize, Serialize};

use super::AppState;
use super::error::ApiError;
use super::files;
use crate::dist::DumpFile;
use crate::release::{self, CHANGES_JSON, LATEST};

fn root(state: &AppState) -> Result<&Path, ApiError> {
    state
        .releases
        .as_deref()
        .ok_or_else(|| ApiError::NotFound("no releases are served (see `serve --releases`)".into()))
}

pub async fn index(State(state): State<Arc<AppState>>) -> Result<Response, ApiError> {
    let root = root(&state)?.to_owned();
    let (latest, releases) =
        tokio::task::spawn_blocking(move || (release::latest(&root), release::releases(&root)))
            .await
            .map_err(|e| ApiError::Internal(e.to_string()))?;
    let releases: Vec<serde_json::Value> = releases
        .into_iter()
        .map(|(_, info)| {
            let base = format!("/dumps/releases/{}/", info.version);
            let mut value = serde_json::to_value(&info).expect("plain data serializes");
            if let Some(files) = value.get_mut("files").and_then(|f| f.as_array_mut()) {
                for f in files {
                    let url = format!("{base}{}", f["name"].as_str().unwrap_or_default());
                    f["url"] = url.into();
                }
            }
            value["url"] = base.into();
            value["changes_since"] =
                format!("/dumps/releases/changes?since={}", info.version).into();
            value
        })
        .collect();
    Ok((
        [(header::CACHE_CONTROL, "no-cache")],
        axum::Json(serde_json::json!({ "latest": latest, "releases": releases })),
    )
        .into_response())
}

pub async fn file(
    State(state): State<Arc<AppState>>,
    UrlPath((version, name)): UrlPath<(String, String)>,
    method: Method,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let root = root(&state)?.to_owned();
    let not_found = || {
        ApiError::NotFound(format!(
            "/dumps/releases/{version}/{name}; the releases are listed at /dumps/releases/"
        ))
    };
    // The name is checked first, for `latest` too: only the files a release
    // holds are redirected to (anything else went into Location as it was).
    let (static_name, media_type) = release::release_file(&name).ok_or_else(not_found)?;
    if version == LATEST {
        let latest = release::latest(&root).ok_or_else(not_found)?;
        return Ok(
            Redirect::temporary(&format!("/dumps/releases/{latest}/{static_name}")).into_response(),
        );
    }
    let (dir, info) = release::find(&root, &version).ok_or_else(not_found)?;
    let path = dir.join(static_name);
    let sha256 = if static_name == release::INFO {
        // Written after the list of files it holds: hashed here (a small file).
        let bytes = tokio::fs::read(&path).await.map_err(|_| not_found())?;
        crate::rdf::dump::hex(&<sha2::Sha256 as sha2::Digest>::digest(&bytes))
    } else {
        let listed = info.files.iter().find(|f| f.name == static_name);
        listed.ok_or_else(not_found)?.sha256.clone()
    };
    let meta = tokio::fs::metadata(&path).await.map_err(|_| not_found())?;
    let file = DumpFile {
        name: static_name,
        media_type,
        len: meta.len(),
        sha256,
        modified: meta.modified().unwrap_or(SystemTime::UNIX_EPOCH),
        path,
        gzip: None,
    };
    Ok(files::respond(&file, &method, &headers).await)
}

#[derive(Debug, Deserialize)]
pub struct Since {
    since: Option<String>,
}

#[derive(Debug, Deserialize)]
struct ChangeList {
    #[serde(default)]
    added: Vec<Entry>,
    #[serde(default)]
    removed: Vec<Entry>,
    #[serde(default)]
    changed: Vec<Entry>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
struct Entry {
    id: String,
    #[serde(default)]
    name: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    properties: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Net {
    Added,
    Removed,
    Changed,
}

/// `/dumps/releases/changes?since=VERSION`.
pub async fn changes(
    State(state): State<Arc<AppState>>,
    Query(query): Query<Since>,
) -> Result<Response, ApiError> {
    let root = root(&state)?.to_owned();
    let since = query
        .since
        .ok_or_else(|| ApiError::BadRequest("give ?since=VERSION, the release you hold".into()))?;
    let merged = tokio::task::spawn_blocking(move || merge_since(&root, &since))
        .await
        .map_err(|e| ApiError::Internal(e.to_string()))??;
    Ok(([(header::CACHE_CONTROL, "no-cache")], axum::Json(merged)).into_response())
}

fn merge_since(root: &Path, since: &str) -> Result<serde_json::Value, ApiError> {
    let all = release::releases(root);
    let position = all
        .iter()
        .position(|(_, info)| info.version == since)
        .ok_or_else(|| {
            ApiError::NotFound(format!(
                "no release {since}; the releases are listed at /dumps/releases/"
            ))
        })?;
    let mut net: BTreeMap<String, (Net, Entry)> = BTreeMap::new();
    let mut versions = Vec::new();
    for (dir, info) in &all[position + 1..] {
        versions.push(info.version.clone());
        let path = dir.join(CHANGES_JSON);
        let list: ChangeList = std::fs::read(&path)
            .ok()
            .and_then(|bytes| serde_json::from_slice(&bytes).ok())
            .ok_or_else(|| {
                ApiError::Internal(format!(
                    "release {} has no readable {CHANGES_JSON}",
                    info.version
                ))
            })?;
        for e in list.added {
            // Removed earlier in the window and back: the harvester's copy is stale.
            let kind = match net.get(&e.id) {
                Some((Net::Removed, _)) => Net::Changed,
                _ => Net::Added,
            };
            net.insert(e.id.clone(), (kind, e));
        }
        for e in list.removed {
            match net.get(&e.id) {
                Some((Net::Added, _)) => {
                    net.remove(&e.id);
                }
                _ => {
                    net.insert(e.id.clone(), (Net::Removed, e));
                }
            }
        }
        for e in list.changed {
            match net.get_mut(&e.id) {
                Some((Net::Added, entry)) => entry.name = e.name,
                Some((_, entry)) => {
                    entry.name = e.name;
                    for p in e.properties {
                        if !entry.properties.contains(&p) {
                            entry.properties.push(p);
                        }
                    }
                    entry.properties.sort();
                }
                None => {
                    net.insert(e.id.clone(), (Net::Changed, e));
                }
            }
        }
    }
    let pick = |kind: Net| -> Vec<&Entry> {
        net.values()
            .filter(|(k, _)| *k == kind)
            .map(|(_, e)| e)
            .collect()
    };
    Ok(serde_json::json!({
        "since": since,
        "latest": all.last().map(|(_, i)| i.version.clone()),
        "releases": versions,
        "added": pick(Net::Added),
        "removed": pick(Net::Removed),
        "changed": pick(Net::Changed),
    }))
}
