//! The named queries of `queries/`: listed at `/queries` (HTML or JSON), run
//! at `/queries/<name>` with the endpoint's negotiation and cache.

use std::sync::Arc;

use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, header};
use axum::response::{Html, IntoResponse, Response};

use super::AppState;
use super::error::ApiError;
use super::sparql::{self, Request};

pub async fn list(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let snapshot = state.snapshot();
    let accept = headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let html = accept.contains("text/html");
    if !html {
        return Ok(axum::Json(&snapshot.queries).into_response());
    }
    let page = super::html::render(
        &snapshot,
        "queries.html",
        minijinja::context! { queries => super::html::data(&snapshot.queries) },
    )?;
    Ok(Html(page).into_response())
}

pub async fn run(
    State(state): State<Arc<AppState>>,
    client: super::client::Client,
    Path(name): Path<String>,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let snapshot = state.snapshot();
    let query = snapshot
        .queries
        .iter()
        .find(|q| q.name == name)
        .ok_or_else(|| ApiError::NotFound(format!("no named query `{name}`; see /queries")))?;
    let params: Vec<(String, String)> = serde_urlencoded::from_str(&raw.unwrap_or_default())
        .map_err(|e| ApiError::BadRequest(format!("malformed query string: {e}")))?;
    let request = Request::from_pairs(params)?;
    sparql::answer(&state, client, query.text.clone(), request, &headers).await
}
