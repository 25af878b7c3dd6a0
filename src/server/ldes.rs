//! `/ldes`: the releases' changes as a Linked Data Event Stream (see
//! [`crate::release::ldes`]), served with `serve --releases`.
//!
//! The root lists the releases on disk at each request (`no-cache`, with an
//! ETag); a release's node and pages are files written with the release and
//! never changed, served `immutable` so a client that saved its state
//! fetches only the root and the nodes it has not seen.

use std::path::PathBuf;
use std::sync::Arc;

use axum::extract::{Path as UrlPath, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};

use super::AppState;
use super::error::ApiError;
use super::files;
use crate::rdf::dump::hex;
use crate::release::{self, ldes};

const IMMUTABLE: &str = "public, max-age=31536000, immutable";

fn root_dir(state: &AppState) -> Result<PathBuf, ApiError> {
    state.releases.clone().ok_or_else(|| {
        ApiError::NotFound("no change stream is served (see `serve --releases`)".into())
    })
}

/// `/ldes`: the stream and its view.
pub async fn root(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let dir = root_dir(&state)?;
    let base = state.snapshot().base.clone();
    let body = tokio::task::spawn_blocking(move || {
        let releases = release::releases(&dir);
        let streamed: Vec<_> = releases
            .iter()
            .filter(|(path, _)| ldes::has_stream(path))
            .map(|(_, info)| info)
            .collect();
        ldes::root(&base, &streamed)
    })
    .await
    .map_err(|e| ApiError::Internal(e.to_string()))?;
    Ok(files::respond_made(
        body,
        "application/trig; charset=utf-8",
        &headers,
    ))
}

/// `/ldes/VERSION`: a release's node.
pub async fn node(
    State(state): State<Arc<AppState>>,
    UrlPath(version): UrlPath<String>,
    method: Method,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    serve_file(&state, &version, ldes::NODE_FILE, &method, &headers).await
}

/// `/ldes/VERSION/N`: a page of a release's members.
pub async fn page(
    State(state): State<Arc<AppState>>,
    UrlPath((version, n)): UrlPath<(String, String)>,
    method: Method,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    // Digits only, as the node names them: `01` or `+1` is no page.
    let page: usize = Some(&n)
        .filter(|n| n.bytes().all(|b| b.is_ascii_digit()) && !n.starts_with('0'))
        .and_then(|n| n.parse().ok())
        .ok_or_else(|| not_found(&format!("{version}/{n}")))?;
    serve_file(&state, &version, &ldes::page_file(page), &method, &headers).await
}

async fn serve_file(
    state: &AppState,
    version: &str,
    name: &str,
    method: &Method,
    headers: &HeaderMap,
) -> Result<Response, ApiError> {
    let root = root_dir(state)?;
    let (dir, _) = release::find(&root, version).ok_or_else(|| not_found(version))?;
    let path = dir.join(ldes::DIR).join(name);
    // Small files (a page holds at most MEMBERS_PER_PAGE records): read
    // whole, hashed, and compressed here when the client accepts gzip (the
    // pages are TriG with full IRIs: 6% of their size compressed, by
    // bench/ldes.sh).
    let bytes = tokio::fs::read(&path)
        .await
        .map_err(|_| not_found(version))?;
    let gzip = files::accepts_gzip(
        headers
            .get(header::ACCEPT_ENCODING)
            .and_then(|v| v.to_str().ok()),
    );
    let sha = &hex(&Sha256::digest(&bytes))[..32];
    let etag = if gzip {
        format!("\"{sha}-gzip\"")
    } else {
        format!("\"{sha}\"")
    };
    let mut common = HeaderMap::new();
    common.insert(header::ETAG, HeaderValue::from_str(&etag).expect("hex"));
    common.insert(header::CACHE_CONTROL, HeaderValue::from_static(IMMUTABLE));
    common.insert(header::VARY, HeaderValue::from_static("Accept-Encoding"));
    if files::none_match(headers, &etag) {
        return Ok((StatusCode::NOT_MODIFIED, common).into_response());
    }
    common.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/trig; charset=utf-8"),
    );
    let body = if gzip {
        common.insert(header::CONTENT_ENCODING, HeaderValue::from_static("gzip"));
        tokio::task::spawn_blocking(move || compress(&bytes))
            .await
            .map_err(|e| ApiError::Internal(e.to_string()))?
    } else {
        bytes
    };
    common.insert(header::CONTENT_LENGTH, HeaderValue::from(body.len()));
    if method == Method::HEAD {
        return Ok(common.into_response());
    }
    Ok((common, body).into_response())
}

fn compress(bytes: &[u8]) -> Vec<u8> {
    use std::io::Write as _;
    let mut encoder = flate2::write::GzEncoder::new(
        Vec::with_capacity(bytes.len() / 4),
        flate2::Compression::new(6),
    );
    encoder.write_all(bytes).expect("writing to memory");
    encoder.finish().expect("writing to memory")
}

fn not_found(what: &str) -> ApiError {
    ApiError::NotFound(format!("/ldes/{what}; the stream starts at /ldes"))
}
