//! Memento (RFC 7089) over the releases, with `serve --releases`: an
//! organization as it was at a date. The RFC's pattern 2.1: the TimeGate
//! apart from the original resource, which names it in its `Link` header
//! (what Memento clients look for), negotiation by redirect, and a URI per
//! memento.
//!
//! ```text
//! /org/ID                    the original (URI-R): Link to its TimeGate and TimeMap
//! /timegate/org/ID           its TimeGate: Accept-Datetime -> 302 to the memento in
//!                            force at that date (the newest without one)
//! /timemap/org/ID            its TimeMap (application/link-format): every memento
//! /org/ID/release/VERSION    a memento, the change stream member's IRI: the record as
//!                            that release holds it, with Memento-Datetime
//! ```
//!
//! The mementos are the releases in which the record changed (see
//! [`crate::release::history`]), each at the release's date, midnight UTC
//! (the change stream's timestamp). A memento holds the record exactly as
//! the release's `orgs.nt` does: the organization's triples and its own
//! memberships (not the roles of its members, which are their records).
//! The HTML page of a memento names its release and links to the others;
//! the names of the organizations it links to are today's. Links are
//! absolute, at the origin the request came to (clients request them as
//! they are given).

use std::path::PathBuf;
use std::sync::Arc;
use std::time::SystemTime;

use axum::extract::{Path as UrlPath, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use oxigraph::io::{RdfFormat, RdfParser};
use oxigraph::model::{GraphNameRef, NamedNode, QuadRef, Term, Triple};
use oxigraph::store::Store;

use super::AppState;
use super::error::ApiError;
use super::negotiate::{self, Format, RESOURCE};
use super::resource::{self, base_path, local_path};
use crate::rdf::vocab::{schema, skos};
use crate::release::{self, history, ldes};
use crate::store::Snapshot;

pub const TIMEMAP_TYPE: &str = "application/link-format";

/// The organization's id when `iri` is an organization's (not a role's).
pub fn organization_id<'i>(base: &str, iri: &'i str) -> Option<&'i str> {
    iri.strip_prefix(base)?
        .strip_prefix("org/")
        .filter(|id| !id.is_empty() && !id.contains('/'))
}

/// The `Link` values an organization's page at `local` carries.
pub fn original_links(origin: &str, local: &str) -> String {
    format!(
        "<{origin}/timegate{local}>; rel=\"timegate\", \
         <{origin}/timemap{local}>; rel=\"timemap\"; type=\"{TIMEMAP_TYPE}\""
    )
}

/// A memento: a version of the record, where it is served and its date.
struct Memento {
    version: history::Version,
    /// Its path (`/org/ID/release/VERSION`).
    local: String,
    at: SystemTime,
}

/// An organization's history: its IRI and path, and its mementos, oldest
/// first.
struct History {
    iri: String,
    local: String,
    mementos: Vec<Memento>,
}

/// The instant of a release dated `date` (`YYYY-MM-DD` or a year).
fn instant(date: &str) -> Option<SystemTime> {
    let at = time::OffsetDateTime::parse(
        &ldes::timestamp(date),
        &time::format_description::well_known::Rfc3339,
    )
    .ok()?;
    Some(at.into())
}

fn releases_dir(state: &AppState) -> Result<PathBuf, ApiError> {
    state
        .releases
        .clone()
        .ok_or_else(|| ApiError::NotFound("no releases are served (see `serve --releases`)".into()))
}

/// Where the request came to, and the history of the organization at
/// path `local`.
async fn asked(
    state: &AppState,
    headers: &HeaderMap,
    uri: &Uri,
    local: &str,
) -> Result<(String, Arc<Snapshot>, History), ApiError> {
    let origin = super::client::origin(state, headers, uri)?;
    let snapshot = state.snapshot();
    let history = history(state, &snapshot, local).await?;
    Ok((origin, snapshot, history))
}

/// The history of the organization at path `local`, read from the releases
/// on disk; 404 when it is no organization's or no release holds it.
async fn history(state: &AppState, snapshot: &Snapshot, local: &str) -> Result<History, ApiError> {
    let root = releases_dir(state)?;
    let prefix = base_path(&snapshot.base);
    let iri = local
        .strip_prefix(&prefix)
        .map(|rest| format!("{}{rest}", snapshot.base))
        .filter(|iri| organization_id(&snapshot.base, iri).is_some())
        .ok_or_else(|| ApiError::NotFound(format!("{local} is no organization's page")))?;
    let versions = {
        let iri = iri.clone();
        tokio::task::spawn_blocking(move || history::versions(&release::releases(&root), &iri))
            .await
            .map_err(|e| ApiError::Internal(e.to_string()))?
            .map_err(|e| ApiError::Internal(format!("reading the releases: {e}")))?
    };
    if versions.is_empty() {
        return Err(ApiError::NotFound(format!(
            "no release holds {local}; the releases are listed at /dumps/releases/"
        )));
    }
    let mementos = versions
        .into_iter()
        .map(|version| {
            let at = instant(&version.date).ok_or_else(|| {
                ApiError::Internal(format!("release {} has no date", version.version))
            })?;
            let local = local_path(&snapshot.base, &ldes::version_iri(&iri, &version.version))
                .expect("under the base");
            Ok(Memento { version, local, at })
        })
        .collect::<Result<_, ApiError>>()?;
    Ok(History {
        iri,
        local: local.to_owned(),
        mementos,
    })
}

impl History {
    /// The memento in force at `at`: the newest not after it, or the first
    /// when `at` is before them all (RFC 7089, 4.5.3).
    fn in_force(&self, at: SystemTime) -> usize {
        self.mementos.iter().rposition(|m| m.at <= at).unwrap_or(0)
    }

    /// The links of the original, the TimeGate and the TimeMap, then those of
    /// the first, last, previous and next mementos around `around` (rels of
    /// one URI joined, as the RFC does), for a TimeGate's or a memento's
    /// `Link`.
    fn links(&self, origin: &str, around: usize, timegate: bool) -> String {
        let mut out = vec![format!("<{origin}{}>; rel=\"original\"", self.local)];
        if timegate {
            out.push(format!(
                "<{origin}/timegate{}>; rel=\"timegate\"",
                self.local
            ));
        }
        out.push(self.timemap_link(origin, "timemap"));
        let last = self.mementos.len() - 1;
        for (i, m) in self.mementos.iter().enumerate() {
            let mut rels = Vec::new();
            if i == 0 {
                rels.push("first");
            }
            if i == last {
                rels.push("last");
            }
            if i + 1 == around {
                rels.push("prev");
            }
            if i == around + 1 {
                rels.push("next");
            }
            if rels.is_empty() && i != around {
                continue;
            }
            rels.push("memento");
            out.push(self.memento_link(origin, m, &rels.join(" ")));
        }
        out.join(", ")
    }

    fn timemap_link(&self, origin: &str, rel: &str) -> String {
        let first = httpdate::fmt_http_date(self.mementos[0].at);
        let last = httpdate::fmt_http_date(self.mementos[self.mementos.len() - 1].at);
        format!(
            "<{origin}/timemap{}>; rel=\"{rel}\"; type=\"{TIMEMAP_TYPE}\"; \
             from=\"{first}\"; until=\"{last}\"",
            self.local
        )
    }

    fn memento_link(&self, origin: &str, m: &Memento, rel: &str) -> String {
        format!(
            "<{origin}{}>; rel=\"{rel}\"; datetime=\"{}\"",
            m.local,
            httpdate::fmt_http_date(m.at)
        )
    }

    /// The TimeMap: the original, the TimeGate, itself, every memento.
    fn timemap(&self, origin: &str) -> String {
        let mut out = vec![
            format!("<{origin}{}>; rel=\"original\"", self.local),
            format!("<{origin}/timegate{}>; rel=\"timegate\"", self.local),
            self.timemap_link(origin, "self"),
        ];
        let last = self.mementos.len() - 1;
        for (i, m) in self.mementos.iter().enumerate() {
            let rel = match (i == 0, i == last) {
                (true, true) => "first last memento",
                (true, false) => "first memento",
                (false, true) => "last memento",
                (false, false) => "memento",
            };
            out.push(self.memento_link(origin, m, rel));
        }
        out.join(",\n") + "\n"
    }
}

fn header_value(value: &str) -> Result<HeaderValue, ApiError> {
    HeaderValue::from_str(value)
        .map_err(|_| ApiError::Internal(format!("`{value}` is no header value")))
}

/// `/timegate/{path}`: the TimeGate of the organization at `/{path}`.
pub async fn timegate(
    State(state): State<Arc<AppState>>,
    UrlPath(path): UrlPath<String>,
    headers: HeaderMap,
    uri: Uri,
) -> Result<Response, ApiError> {
    let (origin, _, history) = asked(&state, &headers, &uri, &format!("/{path}")).await?;
    // Without Accept-Datetime, the newest (RFC 7089, 4.5.3).
    let chosen = match headers.get("accept-datetime") {
        None => history.mementos.len() - 1,
        Some(value) => history.in_force(
            value
                .to_str()
                .ok()
                .and_then(|v| httpdate::parse_http_date(v).ok())
                .ok_or_else(|| {
                    ApiError::BadRequest(
                        "Accept-Datetime is not an HTTP date (RFC 7231: \
                     `Tue, 01 Dec 2026 00:00:00 GMT`)"
                            .into(),
                    )
                })?,
        ),
    };
    let memento = &history.mementos[chosen];
    let mut response = StatusCode::FOUND.into_response();
    let out = response.headers_mut();
    out.insert(
        header::LOCATION,
        header_value(&format!("{origin}{}", memento.local))?,
    );
    out.insert(header::VARY, HeaderValue::from_static("accept-datetime"));
    out.insert(
        header::LINK,
        header_value(&history.links(&origin, chosen, false))?,
    );
    Ok(response)
}

/// `/timemap/{path}`: the TimeMap of the organization at `/{path}`.
pub async fn timemap(
    State(state): State<Arc<AppState>>,
    UrlPath(path): UrlPath<String>,
    headers: HeaderMap,
    uri: Uri,
) -> Result<Response, ApiError> {
    let (origin, _, history) = asked(&state, &headers, &uri, &format!("/{path}")).await?;
    Ok(super::files::respond_made(
        history.timemap(&origin),
        TIMEMAP_TYPE,
        &headers,
    ))
}

/// The organization path and the rest (`VERSION[.ext]`) a memento's path
/// (`org/ID/release/VERSION[.ext]`, decoded, under the base) names, if it
/// is one.
pub fn parse(base: &str, path: &str) -> Option<(String, String)> {
    let prefix = base_path(base);
    let rest = format!("/{}", path.trim_start_matches('/'));
    let rest = rest.strip_prefix(&prefix)?;
    let (org, version) = rest.rsplit_once("/release/")?;
    organization_id(base, &format!("{base}{org}"))?;
    Some((format!("{prefix}{org}"), version.to_owned()))
}

/// A memento: the record of the organization at `local` in the release
/// `rest` names (`VERSION`, or `VERSION.ext` for a format).
pub async fn get(
    state: Arc<AppState>,
    headers: HeaderMap,
    uri: Uri,
    (local, rest): (String, String),
) -> Result<Response, ApiError> {
    let (origin, snapshot, history) = asked(&state, &headers, &uri, &local).await?;
    // The whole of `rest` first: a version may hold a dot (`2026.11`).
    let root = releases_dir(&state)?;
    let (version, extension) = match rest.rsplit_once('.') {
        _ if release::find(&root, &rest).is_some() => (rest.clone(), None),
        Some((version, ext)) => match resource::format_of_extension(ext) {
            Some(format) => (version.to_owned(), Some(format)),
            None => (rest.clone(), None),
        },
        None => (rest.clone(), None),
    };
    let Some(chosen) = history
        .mementos
        .iter()
        .position(|m| m.version.version == version)
    else {
        return not_a_memento(&root, &history, &origin, &version);
    };
    let format = match extension {
        Some(format) => format,
        None => {
            let accept = headers.get(header::ACCEPT).and_then(|v| v.to_str().ok());
            negotiate::negotiate(accept, RESOURCE).ok_or(ApiError::NotAcceptable(RESOURCE))?
        }
    };
    let memento = &history.mementos[chosen];
    let iri = NamedNode::new(history.iri.clone()).map_err(|e| ApiError::Internal(e.to_string()))?;
    let triples: Vec<Triple> = RdfParser::from_format(RdfFormat::NTriples)
        .for_slice(memento.version.record.as_bytes())
        .map(|q| q.map(Triple::from))
        .collect::<Result<_, _>>()
        .map_err(|e| ApiError::Internal(format!("release {version}'s orgs.nt: {e}")))?;
    let context = (format == Format::Html).then(|| {
        let versions: Vec<_> = history
            .mementos
            .iter()
            .enumerate()
            .map(|(i, m)| {
                minijinja::context! {
                    version => &m.version.version,
                    date => &m.version.date,
                    href => &m.local,
                    shown => i == chosen,
                }
            })
            .collect();
        minijinja::context! {
            version => &memento.version.version,
            date => &memento.version.date,
            current => &history.local,
            versions => versions,
        }
    });
    let body = {
        let (snapshot, local) = (Arc::clone(&snapshot), memento.local.clone());
        tokio::task::spawn_blocking(move || {
            let record = record_store(&snapshot.store, &triples)?;
            let view = snapshot.with_store(record);
            resource::render(&view, &iri, &triples, format, &local, context)
        })
        .await
        .map_err(|e| ApiError::Internal(e.to_string()))??
    };
    let mut response = resource::respond(body.into(), format, &memento.local, extension.is_none());
    let out = response.headers_mut();
    out.insert(
        "memento-datetime",
        header_value(&httpdate::fmt_http_date(memento.at))?,
    );
    let links = format!(
        "{}, {}",
        history.links(&origin, chosen, true),
        out.get(header::LINK)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
    );
    out.insert(header::LINK, header_value(&links)?);
    Ok(response)
}

/// A release in which the record did not change (or that does not hold it):
/// its memento in force then, by redirect; 404 when there is none.
fn not_a_memento(
    root: &std::path::Path,
    history: &History,
    origin: &str,
    version: &str,
) -> Result<Response, ApiError> {
    let gone = || {
        ApiError::NotFound(format!(
            "release {version} holds no version of {}; its versions are listed at /timemap{}",
            history.local, history.local
        ))
    };
    let (_, info) = release::find(root, version).ok_or_else(gone)?;
    let at = instant(&info.date).ok_or_else(gone)?;
    if at < history.mementos[0].at {
        return Err(gone());
    }
    let memento = &history.mementos[history.in_force(at)];
    let mut response = StatusCode::FOUND.into_response();
    response.headers_mut().insert(
        header::LOCATION,
        header_value(&format!("{origin}{}", memento.local))?,
    );
    Ok(response)
}

/// A store of the record's triples and the names of what it links to
/// (today's), for its HTML page.
fn record_store(current: &Store, triples: &[Triple]) -> Result<Store, ApiError> {
    let store = Store::new().map_err(resource::storage)?;
    let mut named = Vec::new();
    for t in triples {
        store
            .insert(QuadRef::new(
                &t.subject,
                &t.predicate,
                &t.object,
                GraphNameRef::DefaultGraph,
            ))
            .map_err(resource::storage)?;
        if let Term::NamedNode(n) = &t.object {
            named.push(n.clone());
        }
    }
    for n in named {
        for p in [schema::NAME, skos::PREF_LABEL] {
            for q in current.quads_for_pattern(Some(n.as_ref().into()), Some(p), None, None) {
                store
                    .insert(&q.map_err(resource::storage)?)
                    .map_err(resource::storage)?;
            }
        }
    }
    Ok(store)
}
