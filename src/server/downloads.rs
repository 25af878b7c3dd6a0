//! `/dumps/`: the build's files for harvesters (see [`crate::dist`]), an
//! index of them (HTML or JSON), and `/.well-known/void` (RFC 5785, as VoID
//! asks) for the dataset description.

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::{HeaderMap, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use super::AppState;
use super::error::ApiError;
use super::files;
use super::html;
use super::negotiate::Format;
use crate::dist::Dumps;
use crate::dist::VOID_FILE;
use crate::store::Snapshot;

/// The dumps of the data being served, once written.
fn ready(snapshot: &Snapshot) -> Result<&Dumps, ApiError> {
    match snapshot.dumps.get() {
        None => Err(ApiError::Unavailable(
            "the dumps of this version of the data are being written".into(),
        )),
        Some(Err(e)) => Err(ApiError::Internal(format!(
            "the dumps are unavailable: {e}"
        ))),
        Some(Ok(dumps)) => Ok(dumps),
    }
}

pub async fn file(
    State(state): State<Arc<AppState>>,
    Path(name): Path<String>,
    method: Method,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let snapshot = state.snapshot();
    // Only the names of the release are looked up: nothing from the request
    // becomes a path.
    let dumps = ready(&snapshot)?;
    let file = dumps.get(&name).ok_or_else(|| {
        ApiError::NotFound(format!("/dumps/{name}; the files are listed at /dumps/"))
    })?;
    Ok(files::respond(file, &method, &headers).await)
}

pub async fn void(
    State(state): State<Arc<AppState>>,
    method: Method,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let snapshot = state.snapshot();
    let dumps = ready(&snapshot)?;
    let file = dumps.get(VOID_FILE).expect("a release has void.ttl");
    if state.releases.is_none() {
        return Ok(files::respond(file, &method, &headers).await);
    }
    // With the releases, the description says where their feeds are: the
    // file, then the feeds' triples (N-Triples lines are Turtle too).
    let mut text = tokio::fs::read_to_string(&file.path)
        .await
        .map_err(|e| ApiError::Internal(format!("reading {}: {e}", file.path.display())))?;
    text.push_str("\n# Served with `serve --releases`: the releases' feeds.\n");
    for d in crate::release::feeds::descriptions(&snapshot.base, &snapshot.dataset) {
        crate::rdf::ntriples::push_description(&mut text, &d);
    }
    Ok(files::respond_made(
        text,
        "text/turtle; charset=utf-8",
        &headers,
    ))
}

#[derive(Debug, Serialize)]
struct Entry {
    name: &'static str,
    url: String,
    media_type: &'static str,
    bytes: u64,
    gzip_bytes: Option<u64>,
    sha256: String,
    modified: String,
}

/// `/dumps/`: every file with its size and SHA-256, as JSON or HTML.
pub async fn index(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let snapshot = state.snapshot();
    let dumps = ready(&snapshot)?;
    let entries: Vec<Entry> = dumps
        .files
        .iter()
        .map(|f| Entry {
            name: f.name,
            url: format!("/dumps/{}", f.name),
            media_type: f.media_type,
            bytes: f.len,
            gzip_bytes: f.gzip.as_ref().map(|(_, len)| *len),
            sha256: f.sha256.clone(),
            modified: httpdate::fmt_http_date(f.modified),
        })
        .collect();
    // The canonical hash of the data: orgs.nt is its canonical N-Triples.
    let version = dumps
        .get(crate::rdf::dump::DumpFormat::NTriples.file_name())
        .map_or("", |f| f.sha256.as_str());
    if html::prefers_html(&headers, &[], &[Format::Json, Format::Html]) {
        let page = html::render(
            &snapshot,
            "dumps.html",
            minijinja::context! {
                files => html::data(entries),
                version => version,
                triples => snapshot.triples,
                releases => state.releases.is_some(),
            },
        )?;
        return Ok(html::page(StatusCode::OK, page));
    }
    Ok((
        [(header::VARY, "Accept")],
        axum::Json(serde_json::json!({
            "version": version,
            "triples": snapshot.triples,
            "files": entries,
            "releases": state.releases.as_ref().map(|_| "/dumps/releases/"),
        })),
    )
        .into_response())
}
