//! `SERVICE`: off by default (the query is refused before evaluation, by
//! [`super::guard`], and this handler refuses too if one gets through); with
//! `serve --allow-service`, each call is one POST through the address guard
//! of [`crate::http::guard`], bounded in time and in the bytes read.
//!
//! oxigraph's own HTTP handler (compiled in, since rudof enables oxigraph's
//! `http-client`) would connect anywhere; this one replaces it on every
//! evaluation.

use std::time::Duration;

use axum::http::header::{ACCEPT, CONTENT_TYPE};
use futures_util::StreamExt;
use oxigraph::model::NamedNode;
use oxigraph::sparql::results::{
    QueryResultsFormat, QueryResultsParser, ReaderQueryResultsParserOutput,
};
use oxigraph::sparql::{DefaultServiceHandler, QueryEvaluationError, QuerySolutionIter};
use oxiri::Iri;
use spargebra::algebra::GraphPattern;

use super::Limits;
use super::guard::Federation;
use crate::http::guard;

/// Time for one SERVICE call, answer included.
const TIMEOUT: Duration = Duration::from_secs(10);
/// Bytes read of one SERVICE answer at most.
const MAX_BYTES: usize = 16 << 20;

/// The `SERVICE` handler of one evaluation.
pub struct Handler {
    remote: Option<Remote>,
}

struct Remote {
    client: reqwest::Client,
    runtime: tokio::runtime::Handle,
    allow_private: bool,
}

/// The handler for `limits`; call it inside the server's runtime.
pub fn handler(limits: &Limits) -> Handler {
    let remote = (limits.federation == Federation::On).then(|| Remote {
        client: client(limits.allow_private),
        runtime: tokio::runtime::Handle::current(),
        allow_private: limits.allow_private,
    });
    Handler { remote }
}

fn client(allow_private: bool) -> reqwest::Client {
    static GUARDED: std::sync::OnceLock<reqwest::Client> = std::sync::OnceLock::new();
    static OPEN: std::sync::OnceLock<reqwest::Client> = std::sync::OnceLock::new();
    let cell = if allow_private { &OPEN } else { &GUARDED };
    cell.get_or_init(|| {
        let redirect = reqwest::redirect::Policy::custom(move |attempt| {
            if attempt.previous().len() >= 5 {
                attempt.error("more than 5 redirects")
            } else if let (false, Err(refused)) =
                (allow_private, guard::check_literal(attempt.url()))
            {
                attempt.error(refused)
            } else {
                attempt.follow()
            }
        });
        guard::client_builder(allow_private)
            .redirect(redirect)
            .timeout(TIMEOUT)
            .connect_timeout(Duration::from_secs(5))
            .user_agent(concat!("orgdir/", env!("CARGO_PKG_VERSION")))
            .build()
            .expect("a client with these settings builds")
    })
    .clone()
}

fn failure(message: impl Into<String>) -> QueryEvaluationError {
    QueryEvaluationError::Service(message.into().into())
}

impl DefaultServiceHandler for Handler {
    type Error = QueryEvaluationError;

    fn handle(
        &self,
        service_name: &NamedNode,
        pattern: &GraphPattern,
        base_iri: Option<&Iri<String>>,
    ) -> Result<QuerySolutionIter<'static>, QueryEvaluationError> {
        let Some(remote) = &self.remote else {
            return Err(failure("SERVICE is not allowed: federation is off"));
        };
        let url = reqwest::Url::parse(service_name.as_str())
            .map_err(|e| failure(format!("{service_name} is not a URL: {e}")))?;
        if !matches!(url.scheme(), "http" | "https") {
            return Err(failure(format!("{service_name} is not an http(s) URL")));
        }
        if !remote.allow_private {
            guard::check_literal(&url).map_err(|e| failure(e.to_string()))?;
        }
        let query = spargebra::Query::Select {
            dataset: None,
            pattern: pattern.clone(),
            base_iri: base_iri.cloned(),
        }
        .to_string();
        let (format, body) = remote.runtime.block_on(fetch(&remote.client, url, query))?;
        let ReaderQueryResultsParserOutput::Solutions(reader) =
            QueryResultsParser::from_format(format)
                .for_reader(std::io::Cursor::new(body))
                .map_err(|e| QueryEvaluationError::Service(Box::new(e)))?
        else {
            return Err(failure(format!(
                "{service_name} answered a boolean, not solutions"
            )));
        };
        Ok(QuerySolutionIter::new(
            reader.variables().into(),
            Box::new(reader.map(|t| t.map_err(|e| QueryEvaluationError::Service(Box::new(e))))),
        ))
    }
}

async fn fetch(
    client: &reqwest::Client,
    url: reqwest::Url,
    query: String,
) -> Result<(QueryResultsFormat, Vec<u8>), QueryEvaluationError> {
    let shown = url.to_string();
    let said = |e: reqwest::Error| {
        let why = match guard::refusal(&e) {
            Some(refused) => refused.to_string(),
            None => crate::http::cause_chain(&e),
        };
        failure(format!("SERVICE <{shown}>: {why}"))
    };
    let response = client
        .post(url.clone())
        .header(CONTENT_TYPE, "application/sparql-query")
        .header(
            ACCEPT,
            "application/sparql-results+json, application/sparql-results+xml",
        )
        .body(query)
        .send()
        .await
        .map_err(said)?;
    if !response.status().is_success() {
        // The body is not shown: it is the remote's, not the client's business.
        return Err(failure(format!(
            "SERVICE <{shown}> answered {}",
            response.status()
        )));
    }
    let media_type = response
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let format = QueryResultsFormat::from_media_type(&media_type).ok_or_else(|| {
        failure(format!(
            "SERVICE <{shown}> answered `{media_type}`, not SPARQL results"
        ))
    })?;
    let mut body = Vec::new();
    let mut stream = response.bytes_stream();
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(said)?;
        if body.len() + chunk.len() > MAX_BYTES {
            return Err(failure(format!(
                "SERVICE <{shown}> answered more than {} MiB",
                MAX_BYTES >> 20
            )));
        }
        body.extend_from_slice(&chunk);
    }
    Ok((format, body))
}
