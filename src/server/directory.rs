//! `/`: the directory itself, like the New Mexico State Library's page it
//! came from: a section per category, each organization with its name,
//! description and website, linking to its page. Read from the store with
//! SPARQL (not from the YAML), so it shows exactly what is published; paged
//! for large data, and cached per data version like query answers.

use std::sync::Arc;

use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use axum::response::Response;
use bytes::Bytes;
use oxigraph::model::Term;
use oxigraph::sparql::{QueryResults, SparqlEvaluator};
use serde::Serialize;

use super::AppState;
use super::cache::Key;
use super::error::ApiError;
use super::html;
use super::negotiate::Format;
use super::resource::local_path;
use crate::store::Snapshot;

/// Organizations per page of the directory.
pub const PAGE_SIZE: usize = 500;

/// Sections in the order of the library's page; other categories follow by
/// name. Withdrawn organizations are left out; merged ones are listed where
/// they were, with their successor.
const DIRECTORY: &str = r#"
PREFIX adms: <http://www.w3.org/ns/adms#>
PREFIX dcterms: <http://purl.org/dc/terms/>
PREFIX schema: <http://schema.org/>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
SELECT ?org ?name ?description ?url ?category ?heading ?successor ?successor_name ?merged WHERE {
  ?org a schema:Organization ; schema:name ?name ; schema:additionalType ?category .
  ?category skos:prefLabel ?heading .
  FILTER NOT EXISTS { ?org adms:status/skos:notation "withdrawn" }
  OPTIONAL { ?category skos:notation ?notation .
             VALUES (?notation ?rank) { ("regional" 1) ("national" 2) ("international" 3) } }
  OPTIONAL { ?org schema:description ?description }
  OPTIONAL { ?org schema:url ?url }
  OPTIONAL { ?org dcterms:isReplacedBy ?successor .
             OPTIONAL { ?successor schema:name ?successor_name }
             OPTIONAL { ?org dcterms:date ?merged } }
}
ORDER BY COALESCE(?rank, 9) ?heading LCASE(?name) ?org
"#;

const DATASET: &str = r#"
PREFIX schema: <http://schema.org/>
SELECT ?title ?description ?source ?license ?modified ?publisher ?publisher_url WHERE {
  ?dataset a schema:Dataset ; schema:name ?title .
  OPTIONAL { ?dataset schema:description ?description }
  OPTIONAL { ?dataset schema:isBasedOn ?source }
  OPTIONAL { ?dataset schema:license ?license }
  OPTIONAL { ?dataset schema:dateModified ?modified }
  OPTIONAL { ?dataset schema:publisher ?p . ?p schema:name ?publisher .
             OPTIONAL { ?p schema:url ?publisher_url } }
}
ORDER BY ?dataset LIMIT 1
"#;

const COUNT: &str = r#"
PREFIX adms: <http://www.w3.org/ns/adms#>
PREFIX schema: <http://schema.org/>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
SELECT (COUNT(DISTINCT ?org) AS ?n) WHERE {
  ?org a schema:Organization ; schema:name ?name ; schema:additionalType ?category .
  FILTER NOT EXISTS { ?org adms:status/skos:notation "withdrawn" }
}
"#;

#[derive(Debug, Serialize)]
struct Entry {
    href: String,
    name: String,
    description: Option<String>,
    url: Option<String>,
    /// A merged organization's successor, and when.
    merged: Option<Merged>,
}

#[derive(Debug, Serialize)]
struct Merged {
    href: String,
    name: String,
    date: Option<String>,
}

#[derive(Debug, Serialize)]
struct Section {
    heading: String,
    organizations: Vec<Entry>,
}

pub async fn get(
    State(state): State<Arc<AppState>>,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiError> {
    let params: Vec<(String, String)> = serde_urlencoded::from_str(&raw.unwrap_or_default())
        .map_err(|e| ApiError::BadRequest(format!("malformed query string: {e}")))?;
    let page = match params.iter().find(|(k, _)| k == "page") {
        None => 1,
        Some((_, v)) => v.parse::<usize>().ok().filter(|p| *p >= 1).ok_or_else(|| {
            ApiError::BadRequest(format!("`page` must be a number from 1, not `{v}`"))
        })?,
    };
    let snapshot = state.snapshot();
    let key = Key {
        query: format!("directory page {page}"),
        default_graphs: Vec::new(),
        named_graphs: Vec::new(),
        format: Format::Html,
        version: snapshot.version.clone(),
    };
    let body = match state.cache.get(&key) {
        Some(body) => body,
        None => {
            let snapshot = Arc::clone(&snapshot);
            let html = tokio::task::spawn_blocking(move || render(&snapshot, page))
                .await
                .map_err(|e| ApiError::Internal(format!("directory task failed: {e}")))??;
            let body = Bytes::from(html);
            state.cache.insert(key, body.clone());
            body
        }
    };
    let html = String::from_utf8(body.to_vec()).expect("rendered as a String");
    Ok(html::page(StatusCode::OK, html))
}

type Row = Vec<Option<Term>>;

fn select(snapshot: &Snapshot, query: &str) -> Result<Vec<Row>, ApiError> {
    let failed = |e: &dyn std::fmt::Display| ApiError::Internal(format!("directory query: {e}"));
    let prepared = SparqlEvaluator::new()
        .parse_query(query)
        .map_err(|e| failed(&e))?;
    match prepared
        .on_store(&snapshot.store)
        .execute()
        .map_err(|e| failed(&e))?
    {
        QueryResults::Solutions(solutions) => {
            let width = solutions.variables().len();
            solutions
                .map(|s| {
                    let s = s.map_err(|e| failed(&e))?;
                    Ok((0..width).map(|i| s.get(i).cloned()).collect())
                })
                .collect()
        }
        _ => Err(ApiError::Internal("directory query: not a SELECT".into())),
    }
}

fn value(term: &Option<Term>) -> Option<String> {
    match term.as_ref()? {
        Term::NamedNode(n) => Some(n.as_str().to_owned()),
        Term::Literal(l) => Some(l.value().to_owned()),
        other => Some(other.to_string()),
    }
}

fn render(snapshot: &Snapshot, page: usize) -> Result<String, ApiError> {
    let total = select(snapshot, COUNT)?
        .first()
        .and_then(|r| value(&r[0]))
        .and_then(|n| n.parse::<usize>().ok())
        .unwrap_or(0);
    let pages = total.div_ceil(PAGE_SIZE).max(1);
    if page > pages {
        return Err(ApiError::NotFound(format!(
            "page {page} of the directory: it has {pages}"
        )));
    }
    let query = format!(
        "{DIRECTORY} LIMIT {PAGE_SIZE} OFFSET {}",
        (page - 1) * PAGE_SIZE
    );
    let mut sections: Vec<Section> = Vec::new();
    for row in select(snapshot, &query)? {
        let [
            org,
            name,
            description,
            url,
            _category,
            heading,
            successor,
            successor_name,
            merged,
        ] = &row[..]
        else {
            continue;
        };
        let (Some(org), Some(name), Some(heading)) = (value(org), value(name), value(heading))
        else {
            continue;
        };
        let entry = Entry {
            href: local_path(&snapshot.base, &org).unwrap_or(org),
            name,
            description: value(description),
            url: value(url).filter(|u| super::resource::href("", u).is_some()),
            merged: value(successor).map(|s| Merged {
                name: value(successor_name).unwrap_or_else(|| s.clone()),
                href: local_path(&snapshot.base, &s).unwrap_or(s),
                date: value(merged),
            }),
        };
        match sections.last_mut() {
            Some(s) if s.heading == heading => s.organizations.push(entry),
            _ => sections.push(Section {
                heading,
                organizations: vec![entry],
            }),
        }
    }
    let dataset = select(snapshot, DATASET)?;
    let names = [
        "title",
        "description",
        "source",
        "license",
        "modified",
        "publisher",
        "publisher_url",
    ];
    let dataset: std::collections::BTreeMap<&str, Option<String>> = match dataset.first() {
        Some(row) => names
            .iter()
            .zip(row)
            .map(|(n, v)| {
                let v = value(v);
                // Links only to web pages; another scheme is not shown as one.
                let v = match *n {
                    "source" | "license" | "publisher_url" => {
                        v.filter(|u| super::resource::href("", u).is_some())
                    }
                    _ => v,
                };
                (*n, v)
            })
            .collect(),
        None => names.iter().map(|n| (*n, None)).collect(),
    };
    let jsonld = html::script_json(&dataset_jsonld(snapshot, &dataset));
    html::render(
        snapshot,
        "directory.html",
        minijinja::context! {
            jsonld => jsonld,
            dataset => html::data(dataset),
            sections => html::data(sections),
            total => total,
            page => page,
            pages => (1..=pages).collect::<Vec<_>>(),
        },
    )
}

/// The dataset in schema.org terms, for search engines (Google Dataset
/// Search reads `distribution` from it): what void.ttl says, as JSON-LD.
fn dataset_jsonld(
    snapshot: &Snapshot,
    dataset: &std::collections::BTreeMap<&str, Option<String>>,
) -> serde_json::Value {
    let field = |k: &str| dataset.get(k).cloned().flatten();
    let mut value = serde_json::json!({
        "@context": "https://schema.org/",
        "@type": "Dataset",
        "@id": snapshot.dataset,
        "name": field("title").unwrap_or_else(|| snapshot.title.clone()),
        "url": snapshot.base,
        "distribution": crate::dist::files()
            .iter()
            .filter(|(name, _)| name.starts_with("orgs."))
            .map(|(name, media_type)| serde_json::json!({
                "@type": "DataDownload",
                "encodingFormat": media_type,
                "contentUrl": format!("{}dumps/{name}", snapshot.base),
            }))
            .collect::<Vec<_>>(),
    });
    for (key, from) in [
        ("description", "description"),
        ("license", "license"),
        ("isBasedOn", "source"),
        ("dateModified", "modified"),
    ] {
        if let Some(v) = field(from) {
            value[key] = v.into();
        }
    }
    if let Some(name) = field("publisher") {
        let mut publisher = serde_json::json!({ "@type": "Organization", "name": name });
        if let Some(url) = field("publisher_url") {
            publisher["url"] = url.into();
        }
        value["publisher"] = publisher;
    }
    value
}
