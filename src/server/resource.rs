//! Linked-data pages: every IRI the data mints under the dataset base
//! (organizations, places, categories, roles, the dataset) is served at its
//! path, as HTML for people and Turtle, N-Triples or JSON-LD for machines,
//! chosen by `Accept` or by an extension (`/org/ala.ttl`).
//!
//! A resource's description is its own triples plus those of the membership
//! roles that link it to other organizations (a concise bounded description
//! in which roles count as part of the organization). The HTML page is built
//! in [`super::page`].

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use axum::extract::State;
use axum::http::{HeaderMap, Method, Uri, header};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use oxigraph::io::RdfSerializer;
use oxigraph::model::{
    GraphNameRef, NamedNode, NamedNodeRef, NamedOrBlankNode, QuadRef, Term, TermRef, Triple,
};
use oxigraph::store::Store;
use serde_json::{Map, Value as Json, json};

use super::AppState;
use super::cache::Key;
use super::error::ApiError;
use super::html;
use super::negotiate::{self, Format, RESOURCE};
use crate::rdf::vocab::{adms, rdf, schema, skos, xsd};
use crate::source::Status;
use crate::store::Snapshot;

/// The router's fallback: a resource page, or 404.
pub async fn get(
    State(state): State<Arc<AppState>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    if method != Method::GET && method != Method::HEAD {
        return Err(ApiError::MethodNotAllowed);
    }
    let snapshot = state.snapshot();
    let path = percent_encoding::percent_decode_str(uri.path().trim_start_matches('/'))
        .decode_utf8()
        .map_err(|_| ApiError::BadRequest("the path is not valid UTF-8".into()))?;
    let Some((iri, extension)) = resolve(&snapshot, &path)? else {
        if state.releases.is_some()
            && let Some(memento) = super::memento::parse(&snapshot.base, &path)
        {
            return super::memento::get(state, headers, uri, memento).await;
        }
        return Err(not_found(&snapshot, &headers, uri.path()));
    };
    let format = match extension {
        Some(format) => format,
        None => {
            let accept = headers.get(header::ACCEPT).and_then(|v| v.to_str().ok());
            negotiate::negotiate(accept, RESOURCE).ok_or(ApiError::NotAcceptable(RESOURCE))?
        }
    };
    let key = Key {
        query: format!("resource {iri}"),
        default_graphs: Vec::new(),
        named_graphs: Vec::new(),
        format,
        version: snapshot.version.clone(),
    };
    let etag = key.etag();
    if let Some(not_modified) = super::cache::revalidated(&headers, &etag) {
        return Ok(not_modified);
    }
    let body = match state.cache.get(&key) {
        Some(body) => body,
        None => {
            // A page lists what points at a place or a category: unbounded
            // work, off the async threads. Any other description is a few
            // lookups, cheaper than the hop to the blocking pool (which cost
            // organization pages a third of their throughput, bench/site.sh).
            let listing = is_a(&snapshot.store, iri.as_ref(), schema::ADMINISTRATIVE_AREA)?
                || is_a(&snapshot.store, iri.as_ref(), skos::CONCEPT)?;
            let body = if listing && format == Format::Html {
                let (snapshot, iri) = (Arc::clone(&snapshot), iri.clone());
                tokio::task::spawn_blocking(move || represent(&snapshot, &iri, format))
                    .await
                    .map_err(|e| ApiError::Internal(format!("page task failed: {e}")))??
            } else {
                represent(&snapshot, &iri, format)?
            };
            let body = Bytes::from(body);
            state.cache.insert(key, body.clone());
            body
        }
    };
    let local = local_path(&snapshot.base, iri.as_str()).unwrap_or_default();
    let mut response = respond(body, format, &local, extension.is_none());
    let headers_out = response.headers_mut();
    headers_out.insert(header::ETAG, etag.parse().expect("a hex ETag"));
    // Its past versions, by Memento (RFC 7089), when the request says where
    // it was sent.
    if state.releases.is_some()
        && super::memento::organization_id(&snapshot.base, iri.as_str()).is_some()
        && let Ok(origin) = super::client::origin(&state, &headers, &uri)
    {
        let links = format!(
            "{}, {}",
            headers_out
                .get(header::LINK)
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default(),
            super::memento::original_links(&origin, &local)
        );
        if let Ok(v) = links.parse() {
            headers_out.insert(header::LINK, v);
        }
    }
    if is_withdrawn(&snapshot, iri.as_ref())? {
        // Its IRI answers forever, with its tombstone (`status: withdrawn`).
        *response.status_mut() = axum::http::StatusCode::GONE;
    }
    Ok(response)
}

/// A description's response: its type, `Vary: Accept`, the links to its
/// other formats at `local`, and, when `negotiated` for a machine, where
/// that format is served.
pub(super) fn respond(body: Bytes, format: Format, local: &str, negotiated: bool) -> Response {
    let links = alternates(local)
        .iter()
        .map(|(href, _, media_type)| format!("<{href}>; rel=\"alternate\"; type=\"{media_type}\""))
        .collect::<Vec<_>>()
        .join(", ");
    let content_type = match format {
        Format::Html => "text/html; charset=utf-8".to_owned(),
        Format::Turtle => "text/turtle; charset=utf-8".to_owned(),
        other => other.media_type().to_owned(),
    };
    let mut response = (
        [
            (header::CONTENT_TYPE, content_type),
            (header::VARY, "Accept".to_owned()),
            (header::LINK, links),
        ],
        body,
    )
        .into_response();
    if negotiated && format != Format::Html {
        let ext = extension_of(format).unwrap_or_default();
        if let Ok(v) = format!("{local}.{ext}").parse() {
            response.headers_mut().insert(header::CONTENT_LOCATION, v);
        }
    }
    response
}

fn not_found(snapshot: &Snapshot, headers: &HeaderMap, path: &str) -> ApiError {
    if html::prefers_html(headers, &[], &[Format::Turtle, Format::Html]) {
        match html::render(
            snapshot,
            "not_found.html",
            minijinja::context! { path => path },
        ) {
            Ok(page) => ApiError::NotFoundPage(page),
            Err(e) => e,
        }
    } else {
        ApiError::NotFound(format!("nothing is described at {path}"))
    }
}

const EXTENSIONS: &[(&str, Format)] = &[
    ("ttl", Format::Turtle),
    ("nt", Format::NTriples),
    ("jsonld", Format::JsonLd),
    ("html", Format::Html),
];

/// The format an extension (`ttl`, `nt`, `jsonld`, `html`) names.
pub(super) fn format_of_extension(ext: &str) -> Option<Format> {
    EXTENSIONS.iter().find(|(e, _)| *e == ext).map(|(_, f)| *f)
}

fn extension_of(format: Format) -> Option<&'static str> {
    EXTENSIONS
        .iter()
        .find(|(_, f)| *f == format)
        .map(|(e, _)| *e)
}

/// The links to the other representations of the resource at `local`:
/// (href, label, media type).
pub(super) fn alternates(local: &str) -> [(String, &'static str, &'static str); 3] {
    [
        (format!("{local}.ttl"), "Turtle", "text/turtle"),
        (format!("{local}.nt"), "N-Triples", "application/n-triples"),
        (format!("{local}.jsonld"), "JSON-LD", "application/ld+json"),
    ]
}

/// The resource a (decoded) request path names, and the format its
/// extension asks for. The whole path is tried first, so an id containing a
/// dot still resolves.
fn resolve(
    snapshot: &Snapshot,
    path: &str,
) -> Result<Option<(NamedNode, Option<Format>)>, ApiError> {
    // The request path, less the base's own path (`x/` for `.../x/`).
    let prefix = base_path(&snapshot.base);
    let Some(path) = path.strip_prefix(prefix.trim_start_matches('/')) else {
        return Ok(None);
    };
    if path.is_empty() {
        return Ok(None);
    }
    let described = |iri: &str| -> Result<Option<NamedNode>, ApiError> {
        let Ok(node) = NamedNode::new(iri) else {
            return Ok(None);
        };
        let found = snapshot
            .store
            .quads_for_pattern(Some(node.as_ref().into()), None, None, None)
            .next()
            .transpose()
            .map_err(|e| ApiError::Internal(format!("reading the store: {e}")))?
            .is_some();
        Ok(found.then_some(node))
    };
    if let Some(node) = described(&format!("{}{path}", snapshot.base))? {
        return Ok(Some((node, None)));
    }
    if let Some((stem, ext)) = path.rsplit_once('.')
        && let Some((_, format)) = EXTENSIONS.iter().find(|(e, _)| *e == ext)
        && let Some(node) = described(&format!("{}{stem}", snapshot.base))?
    {
        return Ok(Some((node, Some(*format))));
    }
    Ok(None)
}

/// Whether `iri` is a withdrawn organization's.
pub fn is_withdrawn(snapshot: &Snapshot, iri: NamedNodeRef<'_>) -> Result<bool, ApiError> {
    let withdrawn = format!("{}status/{}", snapshot.base, Status::Withdrawn.slug());
    snapshot
        .store
        .contains(QuadRef::new(
            iri,
            adms::STATUS,
            NamedNodeRef::new_unchecked(&withdrawn),
            GraphNameRef::DefaultGraph,
        ))
        .map_err(storage)
}

/// `/<path>` for an IRI under `base`.
pub fn local_path(base: &str, iri: &str) -> Option<String> {
    iri.strip_prefix(base)
        .map(|rest| format!("{}{rest}", base_path(base)))
}

/// The path at which the IRIs under `base` are served: `/x/` for
/// `https://example.org/x/`, `/` for `https://example.org/`.
pub fn base_path(base: &str) -> String {
    match reqwest::Url::parse(base) {
        Ok(url) => {
            let path = url.path();
            if path.ends_with('/') {
                path.to_owned()
            } else {
                format!("{path}/")
            }
        }
        Err(_) => "/".to_owned(),
    }
}

/// An `href` a browser may follow for `iri`: its path on this site when it
/// is under the base, the IRI itself when it is `http:` or `https:`, and
/// nothing for any other scheme (`javascript:`, `data:`, `urn:`...), which
/// pages show as text.
pub fn href(base: &str, iri: &str) -> Option<String> {
    if let Some(path) = local_path(base, iri) {
        return Some(path);
    }
    let scheme = iri.split_once(':')?.0;
    (scheme.eq_ignore_ascii_case("http") || scheme.eq_ignore_ascii_case("https"))
        .then(|| iri.to_owned())
}

fn represent(snapshot: &Snapshot, iri: &NamedNode, format: Format) -> Result<Vec<u8>, ApiError> {
    let triples = describe(&snapshot.store, iri.as_ref())?;
    let local = local_path(&snapshot.base, iri.as_str()).unwrap_or_default();
    render(snapshot, iri, &triples, format, &local, None)
}

/// `triples`, the description of `iri`, in `format`; its HTML page is
/// served at `local` and shows `memento` (see [`super::memento`]) when
/// given.
pub(super) fn render(
    snapshot: &Snapshot,
    iri: &NamedNode,
    triples: &[Triple],
    format: Format,
    local: &str,
    memento: Option<minijinja::Value>,
) -> Result<Vec<u8>, ApiError> {
    match format {
        Format::Html => {
            let page = super::page::Page::build(snapshot, iri, triples, local)?;
            html::render(
                snapshot,
                "resource.html",
                minijinja::context! { page => html::data(page), memento => memento },
            )
            .map(String::into_bytes)
        }
        // The form search engines read, also embedded in the HTML page.
        Format::JsonLd => {
            let mut text = serde_json::to_string_pretty(&jsonld(triples, iri.as_ref()))
                .expect("JSON values serialize");
            text.push('\n');
            Ok(text.into_bytes())
        }
        other => {
            let rdf = other
                .rdf_format()
                .expect("RESOURCE offers RDF formats besides HTML");
            let io = |e: std::io::Error| ApiError::Internal(format!("serializing: {e}"));
            let mut serializer = RdfSerializer::from_format(rdf);
            // The namespaces a description uses; the dumps declare the rest.
            let used = [("schema", schema::NS), ("skos", skos::NS), ("xsd", xsd::NS)];
            for (prefix, ns) in used
                .iter()
                .map(|(p, n)| (*p, n.to_string()))
                .chain(own_prefixes(&snapshot.base))
            {
                serializer = serializer
                    .with_prefix(prefix, ns)
                    .map_err(|e| ApiError::Internal(e.to_string()))?;
            }
            let mut out = serializer.for_writer(Vec::new());
            for t in triples {
                out.serialize_triple(t).map_err(io)?;
            }
            out.finish().map_err(io)
        }
    }
}

fn own_prefixes(base: &str) -> [(&'static str, String); 3] {
    [
        ("org", format!("{base}org/")),
        ("place", format!("{base}place/")),
        ("category", format!("{base}category/")),
    ]
}

pub(super) fn storage(e: impl std::fmt::Display) -> ApiError {
    ApiError::Internal(format!("reading the store: {e}"))
}

/// The resource's own triples and those of the roles that link it to other
/// organizations.
pub fn describe(store: &Store, iri: NamedNodeRef<'_>) -> Result<Vec<Triple>, ApiError> {
    let mut triples = outgoing(store, iri)?;
    let mut roles = BTreeSet::new();
    for t in &triples {
        if t.predicate == schema::MEMBER
            && let Term::NamedNode(role) = &t.object
            && is_a(store, role.as_ref(), schema::ORGANIZATION_ROLE)?
        {
            roles.insert(role.clone());
        }
    }
    for role in subjects(store, schema::MEMBER, iri.into())? {
        if is_a(store, role.as_ref(), schema::ORGANIZATION_ROLE)? {
            roles.insert(role);
        }
    }
    for role in &roles {
        triples.extend(outgoing(store, role.as_ref())?);
    }
    // The store gives triples in the order of its term ids, the same at every
    // run for the same data; the resource's own and each role's are disjoint.
    Ok(triples)
}

fn outgoing(store: &Store, s: NamedNodeRef<'_>) -> Result<Vec<Triple>, ApiError> {
    store
        .quads_for_pattern(Some(s.into()), None, None, None)
        .map(|q| q.map(Triple::from).map_err(storage))
        .collect()
}

pub(super) fn objects(
    store: &Store,
    s: NamedNodeRef<'_>,
    p: NamedNodeRef<'_>,
) -> Result<Vec<Term>, ApiError> {
    store
        .quads_for_pattern(Some(s.into()), Some(p), None, None)
        .map(|q| q.map(|q| q.object).map_err(storage))
        .collect()
}

pub(super) fn subjects(
    store: &Store,
    p: NamedNodeRef<'_>,
    o: TermRef<'_>,
) -> Result<Vec<NamedNode>, ApiError> {
    let mut out = Vec::new();
    for q in store.quads_for_pattern(None, Some(p), Some(o), None) {
        if let NamedOrBlankNode::NamedNode(n) = q.map_err(storage)?.subject {
            out.push(n);
        }
    }
    Ok(out)
}

pub(super) fn is_a(
    store: &Store,
    s: NamedNodeRef<'_>,
    class: NamedNodeRef<'_>,
) -> Result<bool, ApiError> {
    store
        .contains(oxigraph::model::QuadRef::new(
            s,
            rdf::TYPE,
            class,
            oxigraph::model::GraphNameRef::DefaultGraph,
        ))
        .map_err(storage)
}

/// A literal's lexical form, or an IRI.
pub(super) fn text(term: &Term) -> String {
    match term {
        Term::NamedNode(n) => n.as_str().to_owned(),
        Term::Literal(l) => l.value().to_owned(),
        other => other.to_string(),
    }
}

/// The description as JSON-LD with schema.org as the vocabulary, the form
/// search engines read: the resource first, then its roles.
pub fn jsonld(triples: &[Triple], main: NamedNodeRef<'_>) -> Json {
    let mut nodes: BTreeMap<(bool, String), Map<String, Json>> = BTreeMap::new();
    for t in triples {
        let id = match &t.subject {
            NamedOrBlankNode::NamedNode(n) => n.as_str().to_owned(),
            NamedOrBlankNode::BlankNode(b) => format!("_:{}", b.as_str()),
        };
        let node = nodes
            .entry((t.subject != main.into(), id.clone()))
            .or_insert_with(|| {
                let mut m = Map::new();
                m.insert("@id".into(), Json::String(id));
                m
            });
        let (key, value) = if t.predicate == rdf::TYPE {
            let ty = match &t.object {
                Term::NamedNode(n) => vocab_relative(n.as_str()),
                other => text(other),
            };
            ("@type".to_owned(), Json::String(ty))
        } else {
            (vocab_relative(t.predicate.as_str()), json_value(&t.object))
        };
        match node.get_mut(&key) {
            None => {
                node.insert(key, value);
            }
            Some(Json::Array(list)) => list.push(value),
            Some(existing) => {
                let first = existing.take();
                *existing = Json::Array(vec![first, value]);
            }
        }
    }
    let context = json!({ "@vocab": schema::NS });
    let mut nodes: Vec<Json> = nodes.into_values().map(Json::Object).collect();
    if nodes.len() == 1 {
        let mut node = nodes.pop().expect("one node");
        if let Json::Object(m) = &mut node {
            m.insert("@context".into(), context);
        }
        node
    } else {
        json!({ "@context": context, "@graph": nodes })
    }
}

/// A schema.org term by its name (the `@vocab`), anything else by its IRI.
fn vocab_relative(iri: &str) -> String {
    match iri.strip_prefix(schema::NS) {
        Some(local) if !local.contains(':') => local.to_owned(),
        _ => iri.to_owned(),
    }
}

fn json_value(term: &Term) -> Json {
    match term {
        Term::NamedNode(n) => json!({ "@id": n.as_str() }),
        Term::BlankNode(b) => json!({ "@id": format!("_:{}", b.as_str()) }),
        Term::Literal(l) => {
            if let Some(lang) = l.language() {
                json!({ "@value": l.value(), "@language": lang })
            } else if l.datatype() == xsd::STRING {
                Json::String(l.value().to_owned())
            } else {
                json!({ "@value": l.value(), "@type": l.datatype().as_str() })
            }
        }
        #[allow(unreachable_patterns)]
        other => Json::String(other.to_string()),
    }
}
