//! `/schema/`: the JSON Schema of the source files (the same files `orgdir
//! schema` writes), for the editors of a directory's maintainers to point
//! at, and a page saying how, with what each key holds.

use std::sync::{Arc, LazyLock};

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use super::AppState;
use super::error::ApiError;
use super::html;
use super::negotiate::Format;
use crate::source::schema::{self, Key};

/// Each schema by its file name, as served: made once.
static FILES: LazyLock<Vec<(&'static str, Vec<u8>)>> = LazyLock::new(|| {
    schema::files()
        .iter()
        .map(|(name, value)| (*name, schema::text(value)))
        .collect()
});

pub async fn file(Path(name): Path<String>) -> Result<Response, ApiError> {
    let (_, body) = FILES.iter().find(|(n, _)| *n == name).ok_or_else(|| {
        ApiError::NotFound(format!(
            "/schema/{name}; the schemas are listed at /schema/"
        ))
    })?;
    Ok((
        [
            (header::CONTENT_TYPE, "application/schema+json"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
            (header::ACCESS_CONTROL_ALLOW_ORIGIN, "*"),
        ],
        body.clone(),
    )
        .into_response())
}

#[derive(Debug, Serialize)]
struct Entry {
    name: &'static str,
    url: String,
    describes: &'static str,
}

#[derive(Debug, Serialize)]
struct Row {
    name: &'static str,
    required: bool,
    doc: &'static str,
    /// The RDF property, as `prefix:local` and as an IRI.
    term: Option<(String, String)>,
}

#[derive(Debug, Serialize)]
struct Table {
    title: &'static str,
    keys: Vec<Row>,
}

fn rows(keys: &[Key]) -> Vec<Row> {
    keys.iter()
        .map(|k| Row {
            name: k.name,
            required: k.required,
            doc: k.doc,
            term: k.term.map(crate::source::schema::term),
        })
        .collect()
}

/// `/schema/`: the schemas with how to use them (HTML), or their list (JSON).
pub async fn index(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let snapshot = state.snapshot();
    let entries = vec![
        Entry {
            name: "organizations.schema.json",
            url: "/schema/organizations.schema.json".into(),
            describes: "the files of organization records",
        },
        Entry {
            name: "dataset.schema.json",
            url: "/schema/dataset.schema.json".into(),
            describes: "dataset.yaml",
        },
    ];
    if html::prefers_html(&headers, &[], &[Format::Json, Format::Html]) {
        let tables = vec![
            Table {
                title: "An organization record",
                keys: rows(schema::ORGANIZATION),
            },
            Table {
                title: "A memberOf entry written as a mapping",
                keys: rows(schema::MEMBERSHIP),
            },
            Table {
                title: "dataset.yaml",
                keys: rows(schema::DATASET),
            },
            Table {
                title: "publisher, in dataset.yaml",
                keys: rows(schema::PUBLISHER),
            },
        ];
        let beyond: Vec<&str> = schema::BEYOND_A_SCHEMA
            .iter()
            .map(|(_, rule)| *rule)
            .collect();
        let page = html::render(
            &snapshot,
            "schema.html",
            minijinja::context! {
                files => html::data(entries),
                tables => html::data(tables),
                beyond => beyond,
            },
        )?;
        return Ok(html::page(StatusCode::OK, page));
    }
    Ok((
        [(header::VARY, "Accept")],
        axum::Json(serde_json::json!({ "schemas": entries })),
    )
        .into_response())
}
