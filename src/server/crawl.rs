//! `/robots.txt` and `/sitemap.xml`: what a search engine needs to find every
//! organization page, and to stay off the endpoints.

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use oxigraph::model::vocab::rdf;
use oxigraph::model::{GraphNameRef, NamedOrBlankNode};

use super::AppState;
use super::error::ApiError;
use super::resource::{is_withdrawn, storage};
use super::search::names;
use crate::rdf::vocab::schema;
use crate::report::escape;
use crate::store::Snapshot;

/// URLs in one sitemap file at most (the protocol's limit).
pub const PER_SITEMAP: usize = 50_000;

/// Crawlers may read the pages and downloads; the query endpoints answer
/// anything, so they are left alone.
pub async fn robots(State(state): State<Arc<AppState>>) -> Response {
    let base = state.snapshot().base.clone();
    (
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        format!(
            "User-agent: *\nDisallow: /sparql\nDisallow: /queries/\nDisallow: /search\n\
             Disallow: /suggest\nDisallow: /reconcile\nAllow: /\n\nSitemap: {base}sitemap.xml\n"
        ),
    )
        .into_response()
}

fn xml(body: String) -> Response {
    (
        [(header::CONTENT_TYPE, "application/xml; charset=utf-8")],
        body,
    )
        .into_response()
}

/// `/sitemap.xml`: the home page, the downloads and every organization
/// page, at their IRIs under the base; past [`PER_SITEMAP`] URLs, an index
/// of `/sitemap/N.xml` files instead.
pub async fn sitemap(State(state): State<Arc<AppState>>) -> Result<Response, ApiError> {
    let snapshot = state.snapshot();
    let organizations = organizations(&snapshot)?;
    let urls = organizations.len() + 2;
    if urls <= PER_SITEMAP {
        return Ok(xml(urlset(&snapshot.base, &organizations, 0)));
    }
    let mut out = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
         <sitemapindex xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n",
    );
    for n in 1..=urls.div_ceil(PER_SITEMAP) {
        out.push_str(&format!(
            "<sitemap><loc>{}sitemap/{n}.xml</loc></sitemap>\n",
            escape(&snapshot.base)
        ));
    }
    out.push_str("</sitemapindex>\n");
    Ok(xml(out))
}

/// `/sitemap/N.xml`: the Nth file of a large sitemap.
pub async fn part(
    State(state): State<Arc<AppState>>,
    Path(name): Path<String>,
) -> Result<Response, ApiError> {
    let snapshot = state.snapshot();
    let organizations = organizations(&snapshot)?;
    let n: usize = name
        .strip_suffix(".xml")
        .and_then(|n| n.parse().ok())
        .filter(|n| *n >= 1 && (n - 1) * PER_SITEMAP < organizations.len() + 2)
        .ok_or_else(|| ApiError::NotFound(format!("/sitemap/{name}")))?;
    Ok(xml(urlset(&snapshot.base, &organizations, n - 1)))
}

/// Every organization's IRI but the withdrawn ones': the name index's, or,
/// served without search, the store's in IRI order.
fn organizations(snapshot: &Snapshot) -> Result<Vec<String>, ApiError> {
    if snapshot.search {
        let index = names(snapshot)?;
        return Ok(index.entries().iter().map(|e| e.iri.clone()).collect());
    }
    let mut iris = Vec::new();
    for quad in snapshot.store.quads_for_pattern(
        None,
        Some(rdf::TYPE),
        Some(schema::ORGANIZATION.into()),
        Some(GraphNameRef::DefaultGraph),
    ) {
        let NamedOrBlankNode::NamedNode(iri) = quad.map_err(storage)?.subject else {
            continue;
        };
        if !is_withdrawn(snapshot, iri.as_ref())? {
            iris.push(iri.into_string());
        }
    }
    iris.sort_unstable();
    Ok(iris)
}

/// The `part`th [`PER_SITEMAP`] of the site's URLs.
fn urlset(base: &str, organizations: &[String], part: usize) -> String {
    let mut out = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
         <urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n",
    );
    let pages = [base.to_owned(), format!("{base}dumps/")];
    let all = pages
        .iter()
        .map(String::as_str)
        .chain(organizations.iter().map(String::as_str));
    for loc in all.skip(part * PER_SITEMAP).take(PER_SITEMAP) {
        out.push_str(&format!("<url><loc>{}</loc></url>\n", escape(loc)));
    }
    out.push_str("</urlset>\n");
    out
}
