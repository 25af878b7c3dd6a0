//! `orgdir serve`: the built data over HTTP, read-only.
//!
//! The router is a plain function of the state, so tests drive it without a
//! socket; [`serve`] adds the listener, connection limits and shutdown.

mod cache;
pub mod client;
mod connection;
mod crawl;
mod directory;
mod downloads;
mod error;
mod evaluate;
mod federation;
mod files;
pub mod guard;
mod html;
mod ldes;
pub mod loading;
mod memento;
mod negotiate;
mod observe;
mod page;
mod queries;
mod query_page;
mod reconcile;
mod releases;
mod resource;
mod schema;
mod search;
mod sparql;
mod watch;

use std::future::Future;
use std::sync::{Arc, RwLock};
use std::time::Duration;

use axum::Router;
use axum::extract::{DefaultBodyLimit, Request, State};
use axum::http::{HeaderName, Method, header};
use axum::middleware::{self, Next};
use axum::response::Response;
use axum::routing::get;
use tokio::net::TcpListener;
use tower_http::cors::{Any, CorsLayer};
use tower_http::timeout::TimeoutLayer;

pub use cache::Cache;
pub use error::ApiError;
pub use negotiate::Format;
pub use resource::{describe, jsonld};
pub use watch::{WatchOptions, watch};

use crate::store::Snapshot;

/// Bounds on what one request may ask of the server.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Evaluation time of one query; past it the query is cancelled.
    pub query_timeout: Duration,
    /// Most solutions or triples in one answer.
    pub max_results: usize,
    /// Largest request body, in bytes (413 beyond).
    pub max_body: usize,
    /// Longest request URI, in bytes (414 beyond).
    pub max_uri: usize,
    /// Time to receive and answer a whole request (408 beyond).
    pub request_timeout: Duration,
    /// Time for a request's headers to arrive, idle connections included.
    pub header_timeout: Duration,
    /// Memory for cached answers, in bytes.
    pub cache_bytes: usize,
    /// Queries evaluated at once; more wait for a turn.
    pub concurrent_queries: usize,
    /// Evaluations that may run past half a second at once.
    pub long_queries: usize,
    /// Memory one query evaluation may allocate, in bytes.
    pub query_memory: usize,
    /// How long a query waits for an evaluation slot before a 503.
    pub queue_wait: Duration,
    /// Evaluations at once from one client.
    pub per_client: usize,
    /// Evaluation time one client may use a minute.
    pub client_budget: Duration,
    /// The client is the address a proxy put last in `X-Forwarded-For`.
    pub trust_forwarded_for: bool,
    /// Whether SERVICE is evaluated, and where it may go.
    pub federation: guard::Federation,
    /// Loopback and private addresses allowed to SERVICE (`--allow-private`).
    pub allow_private: bool,
    /// Time the requests in flight get at shutdown before their queries are cancelled.
    pub shutdown_grace: Duration,
    /// A client that reads nothing of an answer for this long is dropped.
    pub write_timeout: Duration,
    /// Open connections at most; more wait to be accepted.
    pub max_connections: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            query_timeout: Duration::from_secs(10),
            max_results: 100_000,
            max_body: 1 << 20,
            max_uri: 16 * 1024,
            request_timeout: Duration::from_secs(30),
            header_timeout: Duration::from_secs(10),
            cache_bytes: 64 << 20,
            concurrent_queries: 16,
            long_queries: 4,
            query_memory: default_query_memory(16 + 4),
            queue_wait: Duration::from_secs(5),
            per_client: 4,
            client_budget: Duration::from_secs(60),
            trust_forwarded_for: false,
            federation: guard::Federation::Off,
            allow_private: false,
            shutdown_grace: Duration::from_secs(10),
            write_timeout: Duration::from_secs(30),
            max_connections: default_max_connections(),
        }
    }
}

/// Half this machine's memory shared by `concurrent` evaluations (short and
/// long together), at least 64 MiB each (4 GiB of memory assumed where it
/// cannot be read): all the slots at their limit at once still leave half the
/// machine.
pub fn default_query_memory(concurrent: usize) -> usize {
    let total = std::fs::read_to_string("/proc/meminfo").ok().and_then(|m| {
        let line = m.lines().find(|l| l.starts_with("MemTotal:"))?;
        let kib: usize = line.split_whitespace().nth(1)?.parse().ok()?;
        Some(kib << 10)
    });
    (total.unwrap_or(4 << 30) / 2 / concurrent.max(1)).max(64 << 20)
}

/// Below the process's file-descriptor limit, leaving room for the files
/// the server opens itself (dumps, the store).
pub fn default_max_connections() -> usize {
    let mut limit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit writes into the struct it is given.
    let soft = if unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) } == 0 {
        limit.rlim_cur as usize
    } else {
        1024
    };
    soft.saturating_sub(64).clamp(16, 10_000)
}

impl Limits {
    fn rules(&self) -> evaluate::Rules {
        evaluate::Rules {
            concurrent: self.concurrent_queries,
            timeout: self.query_timeout,
            memory: self.query_memory,
            queue_wait: self.queue_wait,
            per_client: self.per_client,
            client_budget: self.client_budget,
            long: self.long_queries,
        }
    }
}

pub struct AppState {
    data: RwLock<Arc<Snapshot>>,
    pub limits: Limits,
    pub cache: Cache,
    pub evaluations: evaluate::Evaluations,
    pub metrics: observe::Metrics,
    /// The directory of releases served at `/dumps/releases/`, if any.
    pub releases: Option<std::path::PathBuf>,
}

impl AppState {
    pub fn new(snapshot: Snapshot, limits: Limits) -> Self {
        AppState {
            data: RwLock::new(Arc::new(with_names(snapshot))),
            limits,
            cache: Cache::new(limits.cache_bytes),
            evaluations: evaluate::Evaluations::new(limits.rules()),
            metrics: observe::Metrics::new(),
            releases: None,
        }
    }

    /// Serves the releases under `dir` (`orgdir build --release`) too.
    pub fn with_releases(mut self, dir: std::path::PathBuf) -> Self {
        self.releases = Some(dir);
        self
    }

    /// Query evaluations in progress, including those whose client has been
    /// answered with a timeout but which have not stopped yet.
    pub fn running_queries(&self) -> usize {
        self.evaluations.running()
    }

    /// The data being served now; a rebuild swaps it whole.
    pub fn snapshot(&self) -> Arc<Snapshot> {
        Arc::clone(&self.data.read().expect("snapshot lock"))
    }

    /// Serves `snapshot` from now on. Cached answers of the old data are keyed
    /// by its version and simply age out.
    pub fn replace(&self, snapshot: Snapshot) {
        *self.data.write().expect("snapshot lock") = Arc::new(with_names(snapshot));
    }
}

/// `snapshot` with its name index, built here when the command did not
/// (a failure leaves `/search` and `/reconcile` answering 503), unless it
/// is served without search.
fn with_names(mut snapshot: Snapshot) -> Snapshot {
    if snapshot.search && snapshot.names.is_none() {
        match crate::search::Index::build(&snapshot.store) {
            Ok(index) => snapshot.names = Some(Arc::new(index)),
            Err(e) => tracing::error!("cannot build the name index: {e}"),
        }
    }
    snapshot
}

pub fn router(state: Arc<AppState>) -> Router {
    let limits = state.limits;
    let cors = CorsLayer::new()
        .allow_origin(Any)
        .allow_methods([Method::GET, Method::POST])
        .allow_headers([
            header::CONTENT_TYPE,
            header::ACCEPT,
            header::IF_NONE_MATCH,
            header::IF_MODIFIED_SINCE,
            header::RANGE,
            // Memento's negotiation (src/server/memento.rs).
            HeaderName::from_static("accept-datetime"),
        ])
        .expose_headers([
            header::ETAG,
            header::LAST_MODIFIED,
            header::CONTENT_RANGE,
            header::LINK,
            header::LOCATION,
            HeaderName::from_static("memento-datetime"),
        ]);
    // Served without search, these paths are no routes: they answer 404.
    let search = if state.snapshot().search {
        search_routes()
    } else {
        Router::new()
    };
    Router::new()
        .route("/sparql", get(sparql::get).post(sparql::post))
        .route("/queries", get(queries::list))
        .route("/queries/{name}", get(queries::run))
        .route("/", get(directory::get))
        .route("/dumps", get(downloads::index))
        .route("/dumps/", get(downloads::index))
        .route("/dumps/{name}", get(downloads::file))
        .route("/dumps/releases/", get(releases::index))
        .route("/dumps/releases/changes", get(releases::changes))
        .route("/dumps/releases/{version}/{name}", get(releases::file))
        .route("/ldes", get(ldes::root))
        .route("/ldes/{version}", get(ldes::node))
        .route("/ldes/{version}/{page}", get(ldes::page))
        .route("/timegate/{*path}", get(memento::timegate))
        .route("/timemap/{*path}", get(memento::timemap))
        .route("/.well-known/void", get(downloads::void))
        .route("/static/{name}", get(html::static_file))
        .route("/schema/", get(schema::index))
        .route("/schema/{name}", get(schema::file))
        .route("/robots.txt", get(crawl::robots))
        .route("/sitemap.xml", get(crawl::sitemap))
        .route("/sitemap/{name}", get(crawl::part))
        .merge(search)
        .route("/health", get(observe::health))
        .route("/metrics", get(observe::metrics))
        .fallback(resource::get)
        .layer(DefaultBodyLimit::max(limits.max_body))
        .layer(middleware::from_fn_with_state(
            Arc::clone(&state),
            request_limits,
        ))
        .layer(TimeoutLayer::with_status_code(
            axum::http::StatusCode::REQUEST_TIMEOUT,
            limits.request_timeout,
        ))
        .layer(cors)
        .layer(middleware::from_fn(headers))
        .layer(middleware::from_fn_with_state(
            Arc::clone(&state),
            observe::observe,
        ))
        .with_state(state)
}

/// `/search`, `/suggest` and the reconciliation service.
fn search_routes() -> Router<Arc<AppState>> {
    Router::new()
        .route("/search", get(search::search))
        .route("/suggest", get(search::suggest))
        .route(
            "/reconcile",
            get(reconcile::service).post(reconcile::service),
        )
        .route("/reconcile/preview", get(reconcile::preview))
        .route("/reconcile/view", get(reconcile::view))
        .route("/reconcile/suggest/entity", get(reconcile::suggest_entity))
        .route("/reconcile/suggest/type", get(reconcile::suggest_type))
        .route(
            "/reconcile/suggest/property",
            get(reconcile::suggest_property),
        )
        .route("/reconcile/flyout", get(reconcile::flyout))
        .route("/reconcile/properties", get(reconcile::propose_properties))
        .route(
            "/reconcile/extend",
            get(reconcile::extend).post(reconcile::extend),
        )
}

/// The policy of every page: scripts, styles and fetches from the site
/// itself only (no inline script: the pages' only `<script>` elements are
/// JSON data blocks and `/static/query.js`), no plugins, no `<base>`, no
/// framing by other sites.
pub const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; \
    img-src 'self' data:; connect-src 'self'; form-action 'self'; base-uri 'none'; \
    object-src 'none'; frame-ancestors 'none'";

/// The reconciliation preview's policy: [`CSP`], but any site may frame it
/// (OpenRefine shows it in a frame of its own page).
pub const PREVIEW_CSP: &str = "default-src 'none'; style-src 'self'; img-src 'self' data:; \
    base-uri 'none'; object-src 'none'; form-action 'none'; frame-ancestors *";

/// Headers every response gets: `X-Content-Type-Options: nosniff`; on
/// pages the Content-Security-Policy and a Referrer-Policy; and
/// `Vary: Accept` on every response whose body depends on `Accept` (all but
/// static files, dump files and the operators' routes), so a shared cache
/// never hands a browser's page to a SPARQL client.
async fn headers(request: Request, next: Next) -> Response {
    let framed = request
        .extensions()
        .get::<axum::extract::MatchedPath>()
        .is_some_and(|p| p.as_str() == "/reconcile/preview");
    let fixed = request
        .extensions()
        .get::<axum::extract::MatchedPath>()
        .is_some_and(|p| {
            matches!(
                p.as_str(),
                "/static/{name}"
                    | "/dumps/{name}"
                    | "/dumps/releases/{version}/{name}"
                    | "/ldes"
                    | "/ldes/{version}"
                    | "/ldes/{version}/{page}"
                    | "/health"
                    | "/metrics"
            )
        });
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        axum::http::HeaderValue::from_static("nosniff"),
    );
    let html = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/html"));
    if html {
        headers.insert(
            header::CONTENT_SECURITY_POLICY,
            axum::http::HeaderValue::from_static(if framed { PREVIEW_CSP } else { CSP }),
        );
        headers.insert(
            header::REFERRER_POLICY,
            axum::http::HeaderValue::from_static("strict-origin-when-cross-origin"),
        );
    }
    if fixed {
        return response;
    }
    let vary = headers
        .get(header::VARY)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    if !vary
        .split(',')
        .any(|v| v.trim().eq_ignore_ascii_case("accept"))
    {
        let value = if vary.is_empty() {
            "Accept".to_owned()
        } else {
            format!("{vary}, Accept")
        };
        if let Ok(v) = axum::http::HeaderValue::from_str(&value) {
            headers.insert(header::VARY, v);
        }
    }
    response
}

/// Refuses a URI over `max_uri` (414) and a declared body over `max_body`
/// (413) before the body is read, so `Expect: 100-continue` gets no 100.
async fn request_limits(
    State(state): State<Arc<AppState>>,
    request: Request,
    next: Next,
) -> Result<Response, ApiError> {
    let max = state.limits.max_uri;
    if request.uri().to_string().len() > max {
        return Err(ApiError::UriTooLong(max));
    }
    let declared = request
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok());
    if declared.is_some_and(|n| n > state.limits.max_body as u64) {
        return Err(ApiError::PayloadTooLarge(state.limits.max_body));
    }
    Ok(next.run(request).await)
}

/// Serves `state` on `listener` until `shutdown` completes; then the
/// requests in flight get `shutdown_grace` to finish, the evaluations still
/// running are cancelled, and it returns once they have stopped (or after
/// two more seconds).
///
/// A hand-written accept loop rather than `axum::serve`, which gives hyper no
/// timer and no limit on connections (see `connection.rs`). At most
/// `max_connections` are open at once; more wait in the listen backlog.
pub async fn serve(
    listener: TcpListener,
    state: Arc<AppState>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let limits = state.limits;
    let app = router(Arc::clone(&state));
    let slots = Arc::new(tokio::sync::Semaphore::new(limits.max_connections.max(1)));
    let (closing, closed) = tokio::sync::watch::channel(false);
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let permit = tokio::select! {
            permit = Arc::clone(&slots).acquire_owned() => permit.expect("never closed"),
            () = &mut shutdown => break,
        };
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(e) => {
                    // Out of file descriptors and the like: back off, keep serving.
                    tracing::warn!("accept failed: {e}");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let (app, closed) = (app.clone(), closed.clone());
        tokio::spawn(async move {
            connection::serve_connection(stream, peer, app, limits, closed).await;
            drop(permit);
        });
    }
    drop(listener);
    tracing::info!(
        "shutting down: the requests in flight have {} s to finish",
        limits.shutdown_grace.as_secs_f64()
    );
    let _ = closing.send(true);
    let all = u32::try_from(limits.max_connections.max(1)).unwrap_or(u32::MAX);
    let finished = tokio::time::timeout(limits.shutdown_grace, slots.acquire_many(all)).await;
    if finished.is_err() || state.running_queries() > 0 {
        tracing::info!(
            "cancelling {} running quer{}",
            state.running_queries(),
            if state.running_queries() == 1 {
                "y"
            } else {
                "ies"
            }
        );
    }
    state.evaluations.cancel_all();
    if !state.evaluations.stopped(Duration::from_secs(2)).await {
        tracing::warn!("{} queries did not stop in time", state.running_queries());
    }
    Ok(())
}

/// Ctrl-C or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
}
