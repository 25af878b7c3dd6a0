//! What an operator sees: one access-log line per request, `/health` and
//! `/metrics` (the Prometheus text format).
//!
//! The access log is a tracing event at INFO (text, or JSON with
//! `--log-format json`): method, path, status, bytes, duration, client.
//! Metrics are counted here for requests and read from the evaluations and
//! the cache when `/metrics` is asked for.

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use axum::http::header;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use prometheus::{
    Encoder, HistogramOpts, HistogramVec, IntCounter, IntCounterVec, IntGauge, IntGaugeVec, Opts,
    Registry, TextEncoder,
};

use super::AppState;
use super::error::ApiError;

/// The request metrics of one server.
pub struct Metrics {
    registry: Registry,
    requests: IntCounterVec,
    durations: HistogramVec,
    queries: HistogramVec,
    started: Instant,
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

impl Metrics {
    pub fn new() -> Self {
        let registry = Registry::new();
        let requests = IntCounterVec::new(
            Opts::new(
                "orgdir_http_requests_total",
                "HTTP requests by route and status",
            ),
            &["route", "status"],
        )
        .expect("valid metric");
        let durations = HistogramVec::new(
            HistogramOpts::new(
                "orgdir_http_request_duration_seconds",
                "Time to produce a response, by route",
            )
            .buckets(vec![
                0.001, 0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0,
            ]),
            &["route"],
        )
        .expect("valid metric");
        let queries = HistogramVec::new(
            HistogramOpts::new(
                "orgdir_query_duration_seconds",
                "Time to answer a SPARQL query (cache hits included), by outcome",
            )
            .buckets(vec![
                0.001, 0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0,
            ]),
            &["outcome"],
        )
        .expect("valid metric");
        for m in [
            Box::new(requests.clone()) as Box<dyn prometheus::core::Collector>,
            Box::new(durations.clone()),
            Box::new(queries.clone()),
        ] {
            registry.register(m).expect("registered once");
        }
        Metrics {
            registry,
            requests,
            durations,
            queries,
            started: Instant::now(),
        }
    }

    /// Seconds since the server started.
    pub fn uptime(&self) -> f64 {
        self.started.elapsed().as_secs_f64()
    }
}

/// The route a request took, as a label: the matched pattern, `page` for
/// the IRIs of the data.
fn route(request: &Request) -> String {
    request
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "page".to_owned(), |p| p.as_str().to_owned())
}

/// Logs and counts every request.
pub async fn observe(State(state): State<Arc<AppState>>, request: Request, next: Next) -> Response {
    let start = Instant::now();
    let method = request.method().clone();
    let path = request.uri().path().to_owned();
    let route = route(&request);
    let (parts, body) = request.into_parts();
    let client = super::client::of(&parts, state.limits.trust_forwarded_for);
    let request = Request::from_parts(parts, body);
    let response = next.run(request).await;
    let elapsed = start.elapsed();
    let status = response.status();
    // Known for every body but a streamed one (a dump); `-` for those.
    let bytes = axum::body::HttpBody::size_hint(response.body())
        .exact()
        .map_or_else(|| "-".to_owned(), |n| n.to_string());
    let metrics = &state.metrics;
    metrics
        .requests
        .with_label_values(&[route.as_str(), status.as_str()])
        .inc();
    metrics
        .durations
        .with_label_values(&[route.as_str()])
        .observe(elapsed.as_secs_f64());
    if route == "/sparql" || route.starts_with("/queries/") {
        let outcome = if status.is_success() || status.as_u16() == 304 {
            "answered"
        } else {
            "refused"
        };
        metrics
            .queries
            .with_label_values(&[outcome])
            .observe(elapsed.as_secs_f64());
    }
    let client = client.map_or_else(|| "-".to_owned(), |c| c.to_string());
    tracing::info!(
        target: "access",
        method = %method,
        path = %path,
        status = status.as_u16(),
        bytes = %bytes,
        ms = format_args!("{:.1}", elapsed.as_secs_f64() * 1000.0),
        client = %client,
        "access"
    );
    response
}

/// `GET /health`: the data's version and size, and the uptime.
pub async fn health(State(state): State<Arc<AppState>>) -> Response {
    let snapshot = state.snapshot();
    axum::Json(serde_json::json!({
        "status": "ok",
        "version": snapshot.version,
        "organizations": snapshot.organizations,
        "triples": snapshot.triples,
        "uptime_seconds": state.metrics.uptime().round(),
    }))
    .into_response()
}

/// `GET /metrics`: the Prometheus text format.
pub async fn metrics(State(state): State<Arc<AppState>>) -> Result<Response, ApiError> {
    let gauge = |name: &str, help: &str, value: i64| {
        let g = IntGauge::new(name, help).expect("valid metric");
        g.set(value);
        g
    };
    let counter = |name: &str, help: &str, value: u64| {
        let c = IntCounter::new(name, help).expect("valid metric");
        c.inc_by(value);
        c
    };
    let counters = &state.evaluations.counters;
    let cancelled = IntCounterVec::new(
        Opts::new(
            "orgdir_queries_cancelled_total",
            "Query evaluations cancelled, by reason",
        ),
        &["reason"],
    )
    .expect("valid metric");
    cancelled
        .with_label_values(&["timeout"])
        .inc_by(counters.timed_out.load(Ordering::Relaxed));
    cancelled
        .with_label_values(&["memory"])
        .inc_by(counters.out_of_memory.load(Ordering::Relaxed));
    let rejected = IntCounterVec::new(
        Opts::new(
            "orgdir_queries_rejected_total",
            "Queries refused before evaluation: 429 (a client's share) and 503 (no slot)",
        ),
        &["status"],
    )
    .expect("valid metric");
    rejected
        .with_label_values(&["429"])
        .inc_by(counters.too_many.load(Ordering::Relaxed));
    rejected
        .with_label_values(&["503"])
        .inc_by(counters.busy.load(Ordering::Relaxed));
    let info = IntGaugeVec::new(
        Opts::new("orgdir_data_info", "The data being served (value 1)"),
        &["version"],
    )
    .expect("valid metric");
    let snapshot = state.snapshot();
    info.with_label_values(&[snapshot.version.as_str()]).set(1);
    let registry = Registry::new();
    let collectors: Vec<Box<dyn prometheus::core::Collector>> = vec![
        Box::new(cancelled),
        Box::new(rejected),
        Box::new(info),
        Box::new(gauge(
            "orgdir_evaluations_in_flight",
            "Query evaluations running now (cancelled ones until they stop)",
            state.running_queries() as i64,
        )),
        Box::new(counter(
            "orgdir_cache_hits_total",
            "Answers and pages served from the cache",
            state.cache.hits.load(Ordering::Relaxed),
        )),
        Box::new(counter(
            "orgdir_cache_misses_total",
            "Look-ups the cache could not answer",
            state.cache.misses.load(Ordering::Relaxed),
        )),
        Box::new(counter(
            "orgdir_connections_dropped_total",
            "Connections dropped because the client read nothing for --write-timeout",
            super::connection::DROPPED_NOT_READING.load(Ordering::Relaxed),
        )),
        Box::new(gauge(
            "orgdir_organizations",
            "Organizations in the data",
            snapshot.organizations as i64,
        )),
    ];
    for c in collectors {
        registry
            .register(c)
            .map_err(|e| ApiError::Internal(e.to_string()))?;
    }
    let mut families = state.metrics.registry.gather();
    families.extend(registry.gather());
    let mut body = Vec::new();
    TextEncoder::new()
        .encode(&families, &mut body)
        .map_err(|e| ApiError::Internal(e.to_string()))?;
    Ok((
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        body,
    )
        .into_response())
}
