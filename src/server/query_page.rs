//! The query page: `GET /sparql` from a browser. A text area, the named
//! queries as examples, and results as a table (or RDF as text). With
//! JavaScript, `/static/query.js` runs the query with `fetch` and fills the
//! same table; without it, the form POSTs to `/sparql` and the results come
//! back rendered here, so the page works either way.

use std::sync::Arc;

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use spargebra::Query;

use super::AppState;
use super::client::Client;
use super::error::ApiError;
use super::html;
use super::negotiate::Format;
use super::sparql::{self, Request};

/// Rows shown on the page at most; the endpoint itself returns them all.
pub const SHOWN_ROWS: usize = 1000;

const DEFAULT_QUERY: &str = "PREFIX schema: <http://schema.org/>\n\
SELECT ?org ?name ?url WHERE {\n  ?org a schema:Organization ; schema:name ?name .\n  OPTIONAL { ?org schema:url ?url }\n}\nORDER BY ?name\nLIMIT 25\n";

#[derive(Debug, Serialize, Default)]
struct Cell {
    text: String,
    href: Option<String>,
}

#[derive(Debug, Serialize, Default)]
struct Table {
    vars: Vec<String>,
    rows: Vec<Vec<Cell>>,
    total: usize,
}

#[derive(Debug, Serialize, Default)]
struct Outcome {
    table: Option<Table>,
    boolean: Option<bool>,
    graph: Option<String>,
    error: Option<String>,
}

/// The page with an empty result area: the text area holds the example
/// named by `?example=` (the links work without JavaScript), or a default.
pub fn blank(state: &Arc<AppState>, example: Option<&str>) -> Result<Response, ApiError> {
    let snapshot = state.snapshot();
    let text = match example {
        Some(name) => snapshot
            .queries
            .iter()
            .find(|q| q.name == name)
            .map(|q| q.text.clone())
            .ok_or_else(|| {
                ApiError::NotFound(format!("no example query `{name}`; see /queries"))
            })?,
        None => DEFAULT_QUERY.to_owned(),
    };
    let page = render(state, &text, &Outcome::default())?;
    Ok(html::page(StatusCode::OK, page))
}

/// The page with the results of `text` (or its error), rendered here.
pub async fn results(
    state: &Arc<AppState>,
    client: Client,
    text: String,
    parsed: Result<Query, ApiError>,
    request: Request,
) -> Response {
    let outcome = match outcome(state, client, &text, parsed, request).await {
        Ok(outcome) => Ok(outcome),
        Err(e) => {
            let status = e.status();
            if matches!(e, ApiError::Internal(_)) {
                tracing::error!("{e:?}");
            }
            Err((status, e.to_string()))
        }
    };
    let (status, outcome) = match outcome {
        Ok(o) => (StatusCode::OK, o),
        Err((status, message)) => (
            status,
            Outcome {
                error: Some(message),
                ..Outcome::default()
            },
        ),
    };
    match render(state, &text, &outcome) {
        Ok(page) => html::page(status, page),
        Err(e) => e.into_response(),
    }
}

async fn outcome(
    state: &Arc<AppState>,
    client: Client,
    text: &str,
    parsed: Result<Query, ApiError>,
    request: Request,
) -> Result<Outcome, ApiError> {
    let query = parsed?;
    let graph = matches!(query, Query::Construct { .. } | Query::Describe { .. });
    let format = if graph { Format::Turtle } else { Format::Json };
    let (_, body) = sparql::fetch(state, client, text.to_owned(), query, request, format).await?;
    if graph {
        return Ok(Outcome {
            graph: Some(String::from_utf8_lossy(&body).into_owned()),
            ..Outcome::default()
        });
    }
    let json: serde_json::Value = serde_json::from_slice(&body)
        .map_err(|e| ApiError::Internal(format!("reading our own JSON results: {e}")))?;
    if let Some(b) = json.get("boolean").and_then(|b| b.as_bool()) {
        return Ok(Outcome {
            boolean: Some(b),
            ..Outcome::default()
        });
    }
    let base = state.snapshot().base.clone();
    let vars: Vec<String> = json["head"]["vars"]
        .as_array()
        .map(|v| {
            v.iter()
                .filter_map(|s| s.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default();
    let bindings = json["results"]["bindings"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let rows = bindings
        .iter()
        .take(SHOWN_ROWS)
        .map(|b| vars.iter().map(|v| cell(&b[v.as_str()], &base)).collect())
        .collect();
    Ok(Outcome {
        table: Some(Table {
            vars,
            rows,
            total: bindings.len(),
        }),
        ..Outcome::default()
    })
}

/// A SPARQL JSON binding as a table cell: IRIs under the base link to their
/// page here, other IRIs to themselves.
fn cell(binding: &serde_json::Value, base: &str) -> Cell {
    let Some(value) = binding["value"].as_str() else {
        return Cell::default();
    };
    match binding["type"].as_str() {
        Some("uri") => Cell {
            text: value.to_owned(),
            href: super::resource::href(base, value),
        },
        Some("bnode") => Cell {
            text: format!("_:{value}"),
            href: None,
        },
        _ => Cell {
            text: value.to_owned(),
            href: None,
        },
    }
}

fn render(state: &Arc<AppState>, text: &str, outcome: &Outcome) -> Result<String, ApiError> {
    let snapshot = state.snapshot();
    let examples: serde_json::Map<String, serde_json::Value> = snapshot
        .queries
        .iter()
        .map(|q| (q.name.clone(), serde_json::Value::String(q.text.clone())))
        .collect();
    html::render(
        &snapshot,
        "query.html",
        minijinja::context! {
            query => text,
            examples => html::data(&snapshot.queries),
            examples_json => html::script_json(&serde_json::Value::Object(examples)),
            base => &snapshot.base,
            outcome => html::data(outcome),
            shown_rows => SHOWN_ROWS,
        },
    )
}
