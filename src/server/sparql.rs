//! The SPARQL 1.1 Protocol at `/sparql`: queries by GET, by POST of a form or
//! of `application/sparql-query`; updates refused. Evaluation runs on the
//! blocking pool with a time limit that cancels it, and answers are cached.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Response};
use oxigraph::io::RdfSerializer;
use oxigraph::model::NamedNode;
use oxigraph::sparql::results::QueryResultsSerializer;
use oxigraph::sparql::{CancellationToken, QueryResults, SparqlEvaluator};
use oxigraph::store::Store;
use spargebra::Query;

use super::AppState;
use super::cache::Key;
use super::client::Client;
use super::error::ApiError;
use super::guard;
use super::html;
use super::negotiate::{self, Format, GRAPHS, GRAPHS_OR_PAGE, SOLUTIONS, SOLUTIONS_OR_PAGE};
use crate::rdf::vocab::PREFIXES;

/// A query with its protocol parameters.
#[derive(Debug, Default, Clone)]
pub struct Request {
    pub query: Option<String>,
    pub update: bool,
    pub default_graphs: Vec<String>,
    pub named_graphs: Vec<String>,
    /// Every `format`, `output` and `results` value, in order.
    pub format: Vec<String>,
}

impl Request {
    /// The protocol's parameters; two queries, or a query beside an update,
    /// are a 400 (SPARQL 1.1 Protocol, 2.1.4).
    pub fn from_pairs(pairs: Vec<(String, String)>) -> Result<Self, ApiError> {
        let mut r = Request::default();
        for (k, v) in pairs {
            match k.as_str() {
                "query" if r.query.is_some() => {
                    return Err(ApiError::BadRequest(
                        "more than one `query` parameter: send one query a request".into(),
                    ));
                }
                "query" => r.query = Some(v),
                "update" => r.update = true,
                "default-graph-uri" => r.default_graphs.push(v),
                "named-graph-uri" => r.named_graphs.push(v),
                "format" | "output" | "results" => r.format.push(v),
                _ => {}
            }
        }
        if r.update && r.query.is_some() {
            return Err(ApiError::BadRequest(
                "a request holds a `query` or an `update`, not both".into(),
            ));
        }
        Ok(r)
    }
}

fn pairs(bytes: &[u8]) -> Result<Vec<(String, String)>, ApiError> {
    serde_urlencoded::from_bytes(bytes)
        .map_err(|e| ApiError::BadRequest(format!("malformed form or query string: {e}")))
}

pub async fn get(
    State(state): State<Arc<AppState>>,
    client: Client,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let raw_query = raw.unwrap_or_default();
    let request = Request::from_pairs(pairs(raw_query.as_bytes())?)?;
    if request.update {
        return Err(ApiError::ReadOnly);
    }
    match request.query.clone() {
        Some(query) => answer(&state, client, query, request, &headers).await,
        None if html::prefers_html(&headers, &request.format, GRAPHS_OR_PAGE) => {
            let example = raw_param(&raw_query, "example");
            super::query_page::blank(&state, example.as_deref())
        }
        None => service_description(&state, &headers, &request.format),
    }
}

fn raw_param(raw: &str, name: &str) -> Option<String> {
    serde_urlencoded::from_str::<Vec<(String, String)>>(raw)
        .ok()?
        .into_iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v)
}

pub async fn post(
    State(state): State<Arc<AppState>>,
    client: Client,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    let mut request = Request::from_pairs(pairs(raw.unwrap_or_default().as_bytes())?)?;
    match content_type.as_str() {
        "application/x-www-form-urlencoded" => {
            let form = Request::from_pairs(pairs(&body)?)?;
            if form.query.is_some() && request.query.is_some() {
                return Err(ApiError::BadRequest(
                    "a `query` in both the URL and the form: send one".into(),
                ));
            }
            request.update |= form.update;
            request.query = form.query.or(request.query);
            request.default_graphs.extend(form.default_graphs);
            request.named_graphs.extend(form.named_graphs);
            request.format.extend(form.format);
        }
        "application/sparql-query" if request.query.is_some() => {
            return Err(ApiError::BadRequest(
                "a `query` in both the URL and the body: send one".into(),
            ));
        }
        "application/sparql-query" => {
            let text = String::from_utf8(body.to_vec())
                .map_err(|_| ApiError::BadRequest("the query is not valid UTF-8".into()))?;
            request.query = Some(text);
        }
        "application/sparql-update" => return Err(ApiError::ReadOnly),
        other => return Err(ApiError::UnsupportedMediaType(other.into())),
    }
    if request.update {
        return Err(ApiError::ReadOnly);
    }
    let query = request
        .query
        .clone()
        .ok_or_else(|| ApiError::BadRequest("no `query` in the request".into()))?;
    answer(&state, client, query, request, &headers).await
}

/// Negotiates, answers from the cache or evaluates, and sets the validators.
/// A browser (HTML preferred) gets the query page with the results.
pub async fn answer(
    state: &Arc<AppState>,
    client: Client,
    text: String,
    request: Request,
    headers: &HeaderMap,
) -> Result<Response, ApiError> {
    let federation = state.limits.federation;
    let parsed = {
        let text = text.clone();
        super::evaluate::Evaluations::deep(move || guard::parse(&text, federation)).await?
    };
    let (offered, or_page) = match &parsed {
        Ok(Query::Select { .. } | Query::Ask { .. }) => (SOLUTIONS, SOLUTIONS_OR_PAGE),
        Ok(Query::Construct { .. } | Query::Describe { .. }) => (GRAPHS, GRAPHS_OR_PAGE),
        Err(_) => (SOLUTIONS, SOLUTIONS_OR_PAGE),
    };
    if html::prefers_html(headers, &request.format, or_page) {
        return Ok(super::query_page::results(state, client, text, parsed, request).await);
    }
    let query = parsed?;
    let format = choose(headers, &request.format, offered)?;
    let (key, body) = fetch(state, client, text, query, request, format).await?;
    let etag = key.etag();
    if let Some(not_modified) = super::cache::revalidated(headers, &etag) {
        return Ok(not_modified);
    }
    Ok((
        [
            (header::CONTENT_TYPE, content_type(format)),
            (header::ETAG, etag),
            (header::VARY, "Accept".to_owned()),
        ],
        body,
    )
        .into_response())
}

/// The answer to `query` in `format`, from the cache or evaluated (with the
/// time limit and the semaphore), with its cache key.
pub async fn fetch(
    state: &Arc<AppState>,
    client: Client,
    text: String,
    query: Query,
    request: Request,
    format: Format,
) -> Result<(Key, Bytes), ApiError> {
    let snapshot = state.snapshot();
    let key = Key {
        query: text,
        default_graphs: request.default_graphs,
        named_graphs: request.named_graphs,
        format,
        version: snapshot.version.clone(),
    };
    if let Some(body) = state.cache.get(&key) {
        return Ok((key, body));
    }
    let limits = state.limits;
    let body = {
        let key = key.clone();
        let service = super::federation::handler(&limits);
        state
            .evaluations
            .evaluate(client.0, move |token| {
                evaluate(&snapshot.store, query, &key, token, &limits, service)
            })
            .await?
    };
    let body = Bytes::from(body);
    state.cache.insert(key.clone(), body.clone());
    Ok((key, body))
}

fn content_type(format: Format) -> String {
    match format {
        Format::Csv | Format::Tsv | Format::Turtle => {
            format!("{}; charset=utf-8", format.media_type())
        }
        _ => format.media_type().to_owned(),
    }
}

/// The first `format` (`output`, `results`) value that names an offered
/// format, else the `Accept` header.
pub fn choose(
    headers: &HeaderMap,
    params: &[String],
    offered: &'static [Format],
) -> Result<Format, ApiError> {
    if let Some(format) = negotiate::by_params(params, offered) {
        return Ok(format);
    }
    let accept = headers.get(header::ACCEPT).and_then(|v| v.to_str().ok());
    negotiate::negotiate(accept, offered).ok_or(ApiError::NotAcceptable(offered))
}

fn graph_names(iris: &[String]) -> Result<Vec<NamedNode>, ApiError> {
    iris.iter()
        .map(|g| {
            NamedNode::new(g.as_str())
                .map_err(|e| ApiError::BadRequest(format!("invalid graph IRI `{g}`: {e}")))
        })
        .collect()
}

/// Evaluates and serializes in full, stopping at `max_results` or when cancelled.
///
/// The token reaches every node of spareval's plan (patched: see
/// `vendor/spareval/ORGDIR-PATCH.md`), and the loops below check it at every
/// solution or triple too. Runs on an evaluation thread (`evaluate.rs`).
fn evaluate(
    store: &Store,
    query: Query,
    key: &Key,
    token: &CancellationToken,
    limits: &super::Limits,
    service: super::federation::Handler,
) -> Result<Vec<u8>, ApiError> {
    // Checked before each solution or triple is written.
    let before_next = |i: usize| {
        if i == limits.max_results {
            Err(ApiError::TooManyResults(limits.max_results))
        } else if token.is_cancelled() {
            Err(ApiError::Timeout(limits.query_timeout))
        } else {
            Ok(())
        }
    };
    let mut prepared = SparqlEvaluator::new()
        .with_cancellation_token(token.clone())
        .with_default_service_handler(service)
        .for_query(query);
    if !key.default_graphs.is_empty() {
        let graphs = graph_names(&key.default_graphs)?;
        prepared
            .dataset_mut()
            .set_default_graph(graphs.into_iter().map(Into::into).collect());
    }
    if !key.named_graphs.is_empty() {
        let graphs = graph_names(&key.named_graphs)?;
        prepared
            .dataset_mut()
            .set_available_named_graphs(graphs.into_iter().map(Into::into).collect());
    }
    let failed = |e: &dyn std::fmt::Display| {
        if token.is_cancelled() {
            ApiError::Timeout(limits.query_timeout)
        } else {
            ApiError::BadRequest(format!("query evaluation failed: {e}"))
        }
    };
    let io = |e: std::io::Error| ApiError::Internal(format!("serializing results: {e}"));
    match prepared.on_store(store).execute().map_err(|e| failed(&e))? {
        QueryResults::Solutions(solutions) => {
            let format = key
                .format
                .results_format()
                .expect("negotiated among SOLUTIONS");
            let mut out = QueryResultsSerializer::from_format(format)
                .serialize_solutions_to_writer(Vec::new(), solutions.variables().to_vec())
                .map_err(io)?;
            for (i, solution) in solutions.enumerate() {
                before_next(i)?;
                out.serialize(&solution.map_err(|e| failed(&e))?)
                    .map_err(io)?;
            }
            out.finish().map_err(io)
        }
        QueryResults::Boolean(value) => {
            let format = key
                .format
                .results_format()
                .expect("negotiated among SOLUTIONS");
            QueryResultsSerializer::from_format(format)
                .serialize_boolean_to_writer(Vec::new(), value)
                .map_err(io)
        }
        QueryResults::Graph(triples) => {
            let format = key.format.rdf_format().expect("negotiated among GRAPHS");
            let mut serializer = RdfSerializer::from_format(format);
            for (prefix, ns) in PREFIXES {
                serializer = serializer
                    .with_prefix(*prefix, *ns)
                    .map_err(|e| ApiError::Internal(e.to_string()))?;
            }
            let mut out = serializer.for_writer(Vec::new());
            for (i, triple) in triples.enumerate() {
                before_next(i)?;
                out.serialize_triple(&triple.map_err(|e| failed(&e))?)
                    .map_err(io)?;
            }
            out.finish().map_err(io)
        }
    }
}

/// `GET /sparql` without a query: the SPARQL 1.1 Service Description.
fn service_description(
    state: &AppState,
    headers: &HeaderMap,
    params: &[String],
) -> Result<Response, ApiError> {
    let format = choose(headers, params, GRAPHS)?;
    let snapshot = state.snapshot();
    // The Host header goes into an IRI of the answer: only a host[:port] is
    // taken (anything else could close the IRI and add triples).
    let endpoint = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .filter(|h| {
            !h.is_empty()
                && h.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"-.:[]_".contains(&b))
        })
        .map(|h| format!("http://{h}/sparql"))
        .unwrap_or_else(|| "http://localhost/sparql".into());
    let mut formats = String::new();
    for f in [
        "SPARQL_Results_JSON",
        "SPARQL_Results_XML",
        "SPARQL_Results_CSV",
        "SPARQL_Results_TSV",
        "Turtle",
        "N-Triples",
        "JSON-LD",
        "RDF_XML",
    ] {
        formats.push_str(&format!("<http://www.w3.org/ns/formats/{f}>, "));
    }
    let turtle = format!(
        "@prefix sd: <http://www.w3.org/ns/sparql-service-description#> .\n\
         @prefix void: <http://rdfs.org/ns/void#> .\n\
         <{endpoint}> a sd:Service ;\n\
         \x20   sd:endpoint <{endpoint}> ;\n\
         \x20   sd:supportedLanguage sd:SPARQL11Query ;\n\
         \x20   sd:resultFormat {} ;\n\
         \x20   sd:defaultDataset [ a sd:Dataset ;\n\
         \x20       sd:defaultGraph [ a sd:Graph ; void:triples {} ] ] .\n",
        formats.trim_end_matches(", "),
        snapshot.triples
    );
    let body = if format == Format::Turtle {
        turtle.into_bytes()
    } else {
        let rdf = format.rdf_format().expect("GRAPHS are RDF");
        let mut out = RdfSerializer::from_format(rdf).for_writer(Vec::new());
        for quad in oxigraph::io::RdfParser::from_format(oxigraph::io::RdfFormat::Turtle)
            .for_slice(turtle.as_bytes())
        {
            let quad = quad.map_err(|e| ApiError::Internal(e.to_string()))?;
            out.serialize_quad(&quad)
                .map_err(|e| ApiError::Internal(e.to_string()))?;
        }
        out.finish()
            .map_err(|e| ApiError::Internal(e.to_string()))?
    };
    Ok(([(header::CONTENT_TYPE, content_type(format))], body).into_response())
}
