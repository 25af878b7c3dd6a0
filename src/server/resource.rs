//! Linked-data pages: every IRI the data mints under the dataset base
//! (organizations, places, categories, roles, the dataset) is served at its
//! path, as HTML for people and Turtle, N-Triples or JSON-LD for machines,
//! chosen by `Accept` or by an extension (`/org/ala.ttl`).
//!
//! A resource's description is its own triples plus those of the membership
//! roles that link it to other organizations (a concise bounded description
//! in which roles count as part of the organization). The HTML page adds the
//! names of what it links to and, for places and categories, the
//! organizations that point at them.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use axum::extract::State;
use axum::http::{HeaderMap, Method, Uri, header};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use oxigraph::io::RdfSerializer;
use oxigraph::model::{NamedNode, NamedNodeRef, NamedOrBlankNode, Term, TermRef, Triple};
use oxigraph::store::Store;
use serde::Serialize;
use serde_json::{Map, Value as Json, json};

use super::AppState;
use super::cache::Key;
use super::error::ApiError;
use super::html;
use super::negotiate::{self, Format, RESOURCE};
use crate::rdf::vocab::{PREFIXES, rdf, schema, skos, xsd};
use crate::store::Snapshot;

/// Organizations listed on a place or category page at most.
const LISTED: usize = 1000;

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
    let links = alternates(&local)
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
            (header::ETAG, etag),
            (header::VARY, "Accept".to_owned()),
            (header::LINK, links),
        ],
        body,
    )
        .into_response();
    if extension.is_none() && format != Format::Html {
        let ext = extension_of(format).unwrap_or_default();
        if let Ok(v) = format!("{local}.{ext}").parse() {
            response.headers_mut().insert(header::CONTENT_LOCATION, v);
        }
    }
    Ok(response)
}

fn not_found(snapshot: &Snapshot, headers: &HeaderMap, path: &str) -> ApiError {
    if html::prefers_html(headers, None, &[Format::Turtle, Format::Html]) {
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

fn extension_of(format: Format) -> Option<&'static str> {
    EXTENSIONS
        .iter()
        .find(|(_, f)| *f == format)
        .map(|(e, _)| *e)
}

/// The links to the other representations of the resource at `local`:
/// (href, label, media type).
fn alternates(local: &str) -> [(String, &'static str, &'static str); 3] {
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

/// `/<path>` for an IRI under `base`.
pub fn local_path(base: &str, iri: &str) -> Option<String> {
    iri.strip_prefix(base).map(|rest| format!("/{rest}"))
}

fn represent(snapshot: &Snapshot, iri: &NamedNode, format: Format) -> Result<Vec<u8>, ApiError> {
    let store = &snapshot.store;
    let triples = describe(store, iri.as_ref())?;
    match format {
        Format::Html => {
            let page = Page::build(snapshot, iri, &triples)?;
            html::render(
                snapshot,
                "resource.html",
                minijinja::context! { page => html::data(page) },
            )
            .map(String::into_bytes)
        }
        // The form search engines read, also embedded in the HTML page.
        Format::JsonLd => {
            let mut text = serde_json::to_string_pretty(&jsonld(&triples, iri.as_ref()))
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
            for t in &triples {
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

fn storage(e: impl std::fmt::Display) -> ApiError {
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

fn objects(store: &Store, s: NamedNodeRef<'_>, p: NamedNodeRef<'_>) -> Result<Vec<Term>, ApiError> {
    store
        .quads_for_pattern(Some(s.into()), Some(p), None, None)
        .map(|q| q.map(|q| q.object).map_err(storage))
        .collect()
}

fn subjects(
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

fn is_a(store: &Store, s: NamedNodeRef<'_>, class: NamedNodeRef<'_>) -> Result<bool, ApiError> {
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
fn text(term: &Term) -> String {
    match term {
        Term::NamedNode(n) => n.as_str().to_owned(),
        Term::Literal(l) => l.value().to_owned(),
        other => other.to_string(),
    }
}

/// The name a page shows for a node: schema:name, else skos:prefLabel (the
/// least, so it does not change between runs).
fn label(store: &Store, node: NamedNodeRef<'_>) -> Result<Option<String>, ApiError> {
    for p in [schema::NAME, skos::PREF_LABEL] {
        let names = objects(store, node, p)?;
        if let Some(min) = names.iter().map(text).min() {
            return Ok(Some(min));
        }
    }
    Ok(None)
}

#[derive(Debug, Serialize, Clone)]
struct Link {
    href: Option<String>,
    text: String,
}

#[derive(Debug, Serialize)]
struct Fact {
    label: String,
    values: Vec<Link>,
}

#[derive(Debug, Serialize)]
struct RoleRow {
    org: Link,
    role: Option<String>,
    start: Option<String>,
    end: Option<String>,
}

#[derive(Debug, Serialize)]
struct Listing {
    heading: String,
    items: Vec<Link>,
    total: usize,
}

#[derive(Debug, Serialize)]
struct FormatLink {
    href: String,
    label: &'static str,
    media_type: &'static str,
}

/// What resource.html shows.
#[derive(Debug, Serialize)]
struct Page {
    iri: String,
    name: String,
    type_label: &'static str,
    alternate_names: Vec<String>,
    description: Option<String>,
    facts: Vec<Fact>,
    memberships: Vec<RoleRow>,
    members: Vec<RoleRow>,
    subs: Vec<Link>,
    listing: Option<Listing>,
    formats: Vec<FormatLink>,
    jsonld: String,
}

struct Linker<'a> {
    store: &'a Store,
    base: &'a str,
}

impl Linker<'_> {
    fn link(&self, term: &Term) -> Result<Link, ApiError> {
        Ok(match term {
            Term::NamedNode(n) => match local_path(self.base, n.as_str()) {
                Some(path) => Link {
                    text: label(self.store, n.as_ref())?.unwrap_or_else(|| path.clone()),
                    href: Some(path),
                },
                None => Link {
                    href: Some(n.as_str().to_owned()),
                    text: n.as_str().to_owned(),
                },
            },
            other => Link {
                href: None,
                text: text(other),
            },
        })
    }

    fn links(&self, terms: &[Term]) -> Result<Vec<Link>, ApiError> {
        let mut links = terms
            .iter()
            .map(|t| self.link(t))
            .collect::<Result<Vec<_>, _>>()?;
        links.sort_by_cached_key(|l| l.text.to_lowercase());
        Ok(links)
    }

    fn first_text(
        &self,
        role: NamedNodeRef<'_>,
        p: NamedNodeRef<'_>,
    ) -> Result<Option<String>, ApiError> {
        Ok(objects(self.store, role, p)?.iter().map(text).min())
    }

    /// Rows for `roles`, naming the organization at `other` of each.
    fn role_rows(
        &self,
        roles: &[NamedNode],
        other: NamedNodeRef<'_>,
    ) -> Result<Vec<RoleRow>, ApiError> {
        let mut rows = Vec::new();
        for role in roles {
            for org in objects(self.store, role.as_ref(), other)? {
                rows.push(RoleRow {
                    org: self.link(&org)?,
                    role: self.first_text(role.as_ref(), schema::ROLE_NAME)?,
                    start: self.first_text(role.as_ref(), schema::START_DATE)?,
                    end: self.first_text(role.as_ref(), schema::END_DATE)?,
                });
            }
        }
        Ok(rows)
    }
}

/// Rows for organizations linked directly (`memberOf`) but by no role.
fn unroled(rows: &mut Vec<RoleRow>, linker: &Linker<'_>, orgs: &[Term]) -> Result<(), ApiError> {
    for org in orgs {
        let link = linker.link(org)?;
        if !rows.iter().any(|r| r.org.href == link.href) {
            rows.push(RoleRow {
                org: link,
                role: None,
                start: None,
                end: None,
            });
        }
    }
    rows.sort_by_cached_key(|r| r.org.text.to_lowercase());
    Ok(())
}

impl Page {
    fn build(snapshot: &Snapshot, iri: &NamedNode, triples: &[Triple]) -> Result<Page, ApiError> {
        let store = &snapshot.store;
        let node = iri.as_ref();
        let linker = Linker {
            store,
            base: &snapshot.base,
        };
        let own: Vec<&Triple> = triples
            .iter()
            .filter(|t| t.subject == node.into())
            .collect();
        let values = |p: NamedNodeRef<'_>| -> Vec<Term> {
            own.iter()
                .filter(|t| t.predicate == p)
                .map(|t| t.object.clone())
                .collect()
        };
        let types: Vec<Term> = values(rdf::TYPE);
        let has_type = |c: NamedNodeRef<'_>| types.iter().any(|t| *t == Term::from(c.into_owned()));
        let local = local_path(&snapshot.base, iri.as_str()).unwrap_or_default();
        let name = label(store, node)?.unwrap_or_else(|| local.clone());
        let mut alternate_names: Vec<String> =
            values(schema::ALTERNATE_NAME).iter().map(text).collect();
        alternate_names.sort();
        let description = values(schema::DESCRIPTION).iter().map(text).min();

        let is_org = has_type(schema::ORGANIZATION) || has_type(schema::GOVERNMENT_ORGANIZATION);
        let type_label = if is_org {
            "Organization"
        } else if has_type(schema::ADMINISTRATIVE_AREA) {
            "Place"
        } else if has_type(skos::CONCEPT) {
            "Category"
        } else if has_type(skos::CONCEPT_SCHEME) {
            "Category scheme"
        } else if has_type(schema::DATASET) {
            "Dataset"
        } else if has_type(schema::ORGANIZATION_ROLE) {
            "Membership"
        } else {
            "Resource"
        };

        let mut facts = Vec::new();
        let mut memberships = Vec::new();
        let mut members = Vec::new();
        let mut subs = Vec::new();
        let mut listing = None;
        if is_org {
            for (label, p) in [
                ("Website", schema::URL),
                ("Category", schema::ADDITIONAL_TYPE),
                ("Founded", schema::FOUNDING_DATE),
                ("Dissolved", schema::DISSOLUTION_DATE),
                ("Parent organization", schema::PARENT_ORGANIZATION),
                ("Places served", schema::AREA_SERVED),
                ("Email", schema::EMAIL),
                ("Identifier", schema::IDENTIFIER),
                ("Same as", schema::SAME_AS),
            ] {
                let vals = values(p);
                if !vals.is_empty() {
                    let mut links = linker.links(&vals)?;
                    if p == schema::EMAIL {
                        for l in &mut links {
                            l.href = Some(format!("mailto:{}", l.text));
                        }
                    }
                    facts.push(Fact {
                        label: label.into(),
                        values: links,
                    });
                }
            }
            if let Some(fact) = link_status(snapshot, &values(schema::URL))? {
                facts.insert(1.min(facts.len()), fact);
            }
            let own_roles = subjects(store, schema::MEMBER, node.into())?;
            memberships = linker.role_rows(&own_roles, schema::MEMBER_OF)?;
            unroled(&mut memberships, &linker, &values(schema::MEMBER_OF))?;
            let their_roles = subjects(store, schema::MEMBER_OF, node.into())?
                .into_iter()
                .filter(|r| is_a(store, r.as_ref(), schema::ORGANIZATION_ROLE).unwrap_or(false))
                .collect::<Vec<_>>();
            members = linker.role_rows(&their_roles, schema::MEMBER)?;
            let direct: Vec<Term> = subjects(store, schema::MEMBER_OF, node.into())?
                .into_iter()
                .filter(|m| !their_roles.contains(m))
                .map(Term::from)
                .collect();
            unroled(&mut members, &linker, &direct)?;
            subs = linker.links(&values(schema::SUB_ORGANIZATION))?;
        } else {
            let shown = [
                rdf::TYPE,
                schema::NAME,
                skos::PREF_LABEL,
                schema::DESCRIPTION,
                schema::ALTERNATE_NAME,
            ];
            let mut by_predicate: BTreeMap<String, Vec<Term>> = BTreeMap::new();
            for t in &own {
                if !shown.contains(&t.predicate.as_ref()) {
                    by_predicate
                        .entry(compact(t.predicate.as_str()))
                        .or_default()
                        .push(t.object.clone());
                }
            }
            for (label, vals) in by_predicate {
                facts.push(Fact {
                    label,
                    values: linker.links(&vals)?,
                });
            }
            let incoming = if has_type(schema::ADMINISTRATIVE_AREA) {
                Some((format!("Organizations serving {name}"), schema::AREA_SERVED))
            } else if has_type(skos::CONCEPT) {
                Some((format!("Organizations in {name}"), schema::ADDITIONAL_TYPE))
            } else {
                None
            };
            if let Some((heading, p)) = incoming {
                let orgs: Vec<Term> = subjects(store, p, node.into())?
                    .into_iter()
                    .map(Term::from)
                    .collect();
                let total = orgs.len();
                let mut items = linker.links(&orgs)?;
                items.truncate(LISTED);
                listing = Some(Listing {
                    heading,
                    items,
                    total,
                });
            }
        }
        Ok(Page {
            iri: iri.as_str().to_owned(),
            name,
            type_label,
            alternate_names,
            description,
            facts,
            memberships,
            members,
            subs,
            listing,
            formats: alternates(&local)
                .into_iter()
                .map(|(href, label, media_type)| FormatLink {
                    href,
                    label,
                    media_type,
                })
                .collect(),
            jsonld: html::script_json(&jsonld(triples, node)),
        })
    }
}

/// What the last link check found about the website, when link-check
/// results are loaded (`serve --linkcheck`).
fn link_status(snapshot: &Snapshot, urls: &[Term]) -> Result<Option<Fact>, ApiError> {
    use crate::rdf::vocab::lc;
    use oxigraph::model::GraphNameRef;
    let graph = crate::linkcheck::rdf::graph_name(&snapshot.base);
    let Ok(graph) = NamedNode::new(graph) else {
        return Ok(None);
    };
    let store = &snapshot.store;
    let mut values = Vec::new();
    for url in urls {
        for q in store.quads_for_pattern(
            None,
            Some(schema::OBJECT),
            Some(url.as_ref()),
            Some(GraphNameRef::NamedNode(graph.as_ref())),
        ) {
            let NamedOrBlankNode::NamedNode(check) = q.map_err(storage)?.subject else {
                continue;
            };
            let get = |p| -> Result<Option<String>, ApiError> {
                Ok(objects(store, check.as_ref(), p)?.iter().map(text).min())
            };
            let status = get(lc::STATUS)?.unwrap_or_default();
            let code = get(lc::HTTP_STATUS)?
                .map(|c| format!(" ({c})"))
                .unwrap_or_default();
            let state = get(lc::STATE)?.unwrap_or_default();
            let since = get(lc::SINCE)?.unwrap_or_default();
            let when = get(schema::END_TIME)?.unwrap_or_default();
            let text = match state.as_str() {
                "working" => format!("{status}{code} since {since} (checked {when})"),
                _ => format!("{status}{code}, {state} since {since} (checked {when})"),
            };
            values.push(Link { href: None, text });
        }
    }
    Ok((!values.is_empty()).then(|| Fact {
        label: "Link check".into(),
        values,
    }))
}

/// `prefix:local` for a known namespace, else the IRI.
fn compact(iri: &str) -> String {
    for (prefix, ns) in PREFIXES {
        if let Some(local) = iri.strip_prefix(ns) {
            return format!("{prefix}:{local}");
        }
    }
    iri.to_owned()
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
