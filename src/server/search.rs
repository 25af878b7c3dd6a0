//! `/search` (a page, or JSON) and `/suggest` (typeahead JSON): the name
//! index for people.

use std::sync::Arc;

use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};

use super::AppState;
use super::error::ApiError;
use super::html;
use super::negotiate::Format;
use super::resource::local_path;
use crate::search::{Candidate, How, Index};
use crate::store::Snapshot;

/// Results on a page of `/search`.
pub const PER_PAGE: usize = 20;
/// Longest query text accepted (a long affiliation byline fits).
pub const MAX_QUERY: usize = 1000;
/// Suggestions `/suggest` gives.
pub const SUGGESTIONS: usize = 10;

/// One organization found, as `/search` and `/suggest` show it.
#[derive(Debug, Serialize)]
pub struct Found {
    pub id: String,
    pub name: String,
    /// The alternate name that matched, when it was not the name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub matched_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub snippet: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub category: Option<String>,
    /// The organization's page on this server.
    pub page: String,
    pub score: f64,
    pub how: How,
}

impl Found {
    pub fn of(index: &Index, snapshot: &Snapshot, c: &Candidate, query: &str) -> Found {
        let entry = index.entry(c.ord);
        let matched_name = (c.label > 0)
            .then(|| entry.alternate_names.get(c.label - 1).cloned())
            .flatten();
        Found {
            id: entry.iri.clone(),
            name: entry.name.clone(),
            matched_name,
            snippet: entry.description.as_deref().map(|d| snippet(d, query)),
            category: entry.category.clone(),
            page: local_path(&snapshot.base, &entry.iri).unwrap_or_else(|| entry.iri.clone()),
            score: (c.score * 10.0).round() / 10.0,
            how: c.how,
        }
    }
}

/// About 200 characters of `text` around the first word of `query` it
/// contains (as folded), on word boundaries.
pub fn snippet(text: &str, query: &str) -> String {
    const LEN: usize = 200;
    let chars: Vec<char> = text.chars().collect();
    if chars.len() <= LEN {
        return text.to_owned();
    }
    let folded_query = crate::search::normalize::fold(query);
    let words: Vec<&str> = folded_query.split(' ').filter(|w| w.len() >= 3).collect();
    let lower = text.to_lowercase();
    let at = words
        .iter()
        .filter_map(|w| lower.find(w))
        .min()
        .map_or(0, |byte| lower[..byte].chars().count());
    let start = at.saturating_sub(60);
    let start = (start..at.max(start))
        .find(|&i| i == 0 || chars[i - 1] == ' ')
        .unwrap_or(start);
    let end = (start + LEN).min(chars.len());
    let mut out: String = chars[start..end].iter().collect();
    if let Some(cut) = out.rfind(' ').filter(|_| end < chars.len()) {
        out.truncate(cut);
    }
    format!(
        "{}{out}{}",
        if start > 0 { "…" } else { "" },
        if end < chars.len() { "…" } else { "" }
    )
}

#[derive(Debug, Deserialize)]
pub struct SearchParams {
    #[serde(default)]
    q: String,
    #[serde(default)]
    page: Option<usize>,
    #[serde(default)]
    format: Option<String>,
}

/// A 404 when the data is served without search (`serve --no-search`).
pub fn searched(snapshot: &Snapshot) -> Result<(), ApiError> {
    if snapshot.search {
        return Ok(());
    }
    Err(ApiError::NotFound(
        "this server was started with --no-search: no /search, /suggest or /reconcile".into(),
    ))
}

/// The name index of the data served now.
pub fn names(snapshot: &Snapshot) -> Result<Arc<Index>, ApiError> {
    searched(snapshot)?;
    snapshot
        .names
        .clone()
        .ok_or_else(|| ApiError::Unavailable("the name index is being built".into()))
}

fn checked(text: &str, what: &str) -> Result<(), ApiError> {
    if text.chars().count() > MAX_QUERY {
        return Err(ApiError::BadRequest(format!(
            "{what} is longer than {MAX_QUERY} characters"
        )));
    }
    Ok(())
}

/// `GET /search?q=...&page=N`.
pub async fn search(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    Query(params): Query<SearchParams>,
) -> Result<Response, ApiError> {
    checked(&params.q, "q")?;
    let snapshot = state.snapshot();
    let index = names(&snapshot)?;
    let page = params.page.unwrap_or(1).max(1);
    let offset = (page - 1) * PER_PAGE;
    if offset >= crate::search::matching::MAX_SEARCH {
        return Err(ApiError::BadRequest(format!(
            "page {page} is past the first {} results: narrow the search",
            crate::search::matching::MAX_SEARCH
        )));
    }
    let q = params.q.clone();
    let (total, found) = {
        let (snapshot, index) = (Arc::clone(&snapshot), Arc::clone(&index));
        tokio::task::spawn_blocking(move || {
            let (total, page) = index.search(&q, offset, PER_PAGE);
            let found: Vec<Found> = page
                .iter()
                .map(|c| Found::of(&index, &snapshot, c, &q))
                .collect();
            (total, found)
        })
        .await
        .map_err(|e| ApiError::Internal(format!("search task: {e}")))?
    };
    let pages = total
        .min(crate::search::matching::MAX_SEARCH)
        .div_ceil(PER_PAGE);
    let format: Vec<String> = params.format.iter().cloned().collect();
    let html = html::prefers_html(&headers, &format, &[Format::Json, Format::Html]);
    if !html {
        return Ok(axum::Json(serde_json::json!({
            "query": params.q,
            "total": total,
            "page": page,
            "pages": pages,
            "per_page": PER_PAGE,
            "results": found,
        }))
        .into_response());
    }
    let link = |p: usize| {
        format!(
            "/search?{}",
            serde_urlencoded::to_string([("q", params.q.as_str()), ("page", &p.to_string())])
                .unwrap_or_default()
        )
    };
    let body = html::render(
        &snapshot,
        "search.html",
        minijinja::context! {
            query => params.q.clone(),
            search_query => params.q.clone(),
            total => total,
            page => page,
            pages => pages,
            first => offset + 1,
            results => html::data(&found),
            previous => (page > 1).then(|| link(page - 1)),
            next => (page < pages).then(|| link(page + 1)),
        },
    )?;
    Ok(html::page(StatusCode::OK, body))
}

#[derive(Debug, Deserialize)]
pub struct SuggestParams {
    #[serde(default)]
    prefix: String,
}

/// `GET /suggest?prefix=...`: the top ten for typeahead.
pub async fn suggest(
    State(state): State<Arc<AppState>>,
    Query(params): Query<SuggestParams>,
) -> Result<Response, ApiError> {
    checked(&params.prefix, "prefix")?;
    let snapshot = state.snapshot();
    let index = names(&snapshot)?;
    let prefix = params.prefix.clone();
    let found = tokio::task::spawn_blocking(move || {
        index
            .suggest(&prefix, SUGGESTIONS)
            .iter()
            .map(|c| Found::of(&index, &snapshot, c, &prefix))
            .map(|mut f| {
                f.snippet = None;
                f
            })
            .collect::<Vec<Found>>()
    })
    .await
    .map_err(|e| ApiError::Internal(format!("suggest task: {e}")))?;
    Ok(
        axum::Json(serde_json::json!({ "prefix": params.prefix, "results": found }))
            .into_response(),
    )
}

#[cfg(test)]
mod tests {
    use super::snippet;

    #[test]
    fn a_snippet_starts_near_the_first_word_found() {
        let text = format!(
            "{} Albuquerque chapter. {}",
            "word ".repeat(60),
            "more ".repeat(60)
        );
        let s = snippet(&text, "albuquerque");
        assert!(s.starts_with('…') && s.ends_with('…'), "{s}");
        assert!(s.contains("Albuquerque"), "{s}");
        assert!(s.chars().count() <= 202, "{s}");
        assert_eq!(snippet("short", "x"), "short");
    }
}
