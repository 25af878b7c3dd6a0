//! `orgdir serve`: the built data over HTTP, read-only.
//!
//! The router is a plain function of the state, so tests drive it without a
//! socket; [`serve`] adds the listener, connection limits and shutdown.

mod cache;
mod directory;
mod downloads;
mod error;
mod files;
mod html;
mod negotiate;
mod page;
mod queries;
mod query_page;
mod releases;
mod resource;
mod sparql;
mod watch;

use std::future::Future;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, RwLock};
use std::time::Duration;

use axum::Router;
use axum::extract::{DefaultBodyLimit, Request, State};
use axum::http::{Method, header};
use axum::middleware::{self, Next};
use axum::response::Response;
use axum::routing::get;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto;
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;
use tokio::sync::Semaphore;
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
        }
    }
}

pub struct AppState {
    data: RwLock<Arc<Snapshot>>,
    pub limits: Limits,
    pub cache: Cache,
    evaluations: Arc<Semaphore>,
    running: AtomicUsize,
    /// The directory of releases served at `/dumps/releases/`, if any.
    pub releases: Option<std::path::PathBuf>,
}

/// Counts an evaluation as running while it lives.
pub struct Running<'a>(&'a AtomicUsize);

impl Drop for Running<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

impl AppState {
    pub fn new(snapshot: Snapshot, limits: Limits) -> Self {
        AppState {
            data: RwLock::new(Arc::new(snapshot)),
            limits,
            cache: Cache::new(limits.cache_bytes),
            evaluations: Arc::new(Semaphore::new(limits.concurrent_queries.max(1))),
            running: AtomicUsize::new(0),
            releases: None,
        }
    }

    /// Serves the releases under `dir` (`orgdir build --release`) too.
    pub fn with_releases(mut self, dir: std::path::PathBuf) -> Self {
        self.releases = Some(dir);
        self
    }

    fn running(&self) -> Running<'_> {
        self.running.fetch_add(1, Ordering::SeqCst);
        Running(&self.running)
    }

    /// Query evaluations in progress, including those whose client has been
    /// answered with a timeout but which have not stopped yet.
    pub fn running_queries(&self) -> usize {
        self.running.load(Ordering::SeqCst)
    }

    /// The data being served now; a rebuild swaps it whole.
    pub fn snapshot(&self) -> Arc<Snapshot> {
        Arc::clone(&self.data.read().expect("snapshot lock"))
    }

    /// Serves `snapshot` from now on. Cached answers of the old data are keyed
    /// by its version and simply age out.
    pub fn replace(&self, snapshot: Snapshot) {
        *self.data.write().expect("snapshot lock") = Arc::new(snapshot);
    }
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
        ])
        .expose_headers([
            header::ETAG,
            header::LAST_MODIFIED,
            header::CONTENT_RANGE,
            header::LINK,
        ]);
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
        .route("/.well-known/void", get(downloads::void))
        .route("/static/{name}", get(html::static_file))
        .fallback(resource::get)
        .layer(DefaultBodyLimit::max(limits.max_body))
        .layer(middleware::from_fn_with_state(
            Arc::clone(&state),
            uri_limit,
        ))
        .layer(TimeoutLayer::with_status_code(
            axum::http::StatusCode::REQUEST_TIMEOUT,
            limits.request_timeout,
        ))
        .layer(cors)
        .with_state(state)
}

async fn uri_limit(
    State(state): State<Arc<AppState>>,
    request: Request,
    next: Next,
) -> Result<Response, ApiError> {
    let max = state.limits.max_uri;
    if request.uri().to_string().len() > max {
        return Err(ApiError::UriTooLong(max));
    }
    Ok(next.run(request).await)
}

/// Serves `state` on `listener` until `shutdown` completes, then lets the
/// requests in flight finish (for at most `request_timeout`).
///
/// A hand-written accept loop rather than `axum::serve`, which gives hyper no
/// timer, so a client sending its headers byte by byte would hold a
/// connection forever; here a request's headers must arrive within
/// `header_timeout`.
pub async fn serve(
    listener: TcpListener,
    state: Arc<AppState>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let limits = state.limits;
    let app = router(state);
    let graceful = GracefulShutdown::new();
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let stream = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => stream,
                Err(e) => {
                    // Out of file descriptors and the like: back off, keep serving.
                    tracing::warn!("accept failed: {e}");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let service = TowerToHyperService::new(app.clone());
        let watcher = graceful.watcher();
        tokio::spawn(async move {
            // hyper's header timer starts at the first byte: a connection that
            // never sends one is dropped here instead.
            let mut first = [0u8; 1];
            match tokio::time::timeout(limits.header_timeout, stream.peek(&mut first)).await {
                Ok(Ok(n)) if n > 0 => {}
                _ => return,
            }
            let mut builder = auto::Builder::new(TokioExecutor::new());
            builder
                .http1()
                .timer(TokioTimer::new())
                .header_read_timeout(limits.header_timeout);
            let connection = builder.serve_connection_with_upgrades(TokioIo::new(stream), service);
            if let Err(e) = watcher.watch(connection).await {
                tracing::debug!("connection ended: {e}");
            }
        });
    }
    tokio::select! {
        () = graceful.shutdown() => {},
        () = tokio::time::sleep(limits.request_timeout) => {},
    }
    Ok(())
}

/// `orgdir serve`: loads the data, then serves it until Ctrl-C or SIGTERM.
pub fn run(options: &crate::config::ServeOptions) -> Result<(), crate::Error> {
    let (mut snapshot, warnings) = match &options.store {
        None => crate::store::load_dir(
            &options.data,
            &options.queries,
            options.source_limits,
            &options.shapes,
        )?,
        Some(dir) => (
            persistent(dir, options, crate::store::load_queries(&options.queries)?)?,
            0,
        ),
    };
    if let Some(path) = &options.linkcheck {
        crate::store::add_linkcheck(&mut snapshot, path)?;
    }
    if warnings > 0 && !options.quiet {
        eprintln!(
            "orgdir: the data conforms to the shapes, with {warnings} warning{} (`orgdir validate` lists them)",
            if warnings == 1 { "" } else { "s" }
        );
    }
    let summary = format!(
        "{} organizations, {} triples, {} named queries",
        snapshot.organizations,
        snapshot.triples,
        snapshot.queries.len()
    );
    let mut state = AppState::new(snapshot, options.limits);
    if options.releases.join(crate::release::INDEX).is_file() {
        state = state.with_releases(options.releases.clone());
    }
    let state = Arc::new(state);
    let watching = options.watch.then(|| WatchOptions {
        data: options.data.clone(),
        queries: options.queries.clone(),
        source_limits: options.source_limits,
        shapes: options.shapes.clone(),
        linkcheck: options.linkcheck.clone(),
        interval: Duration::from_millis(500),
    });
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(crate::Error::io("start", "the async runtime"))?;
    runtime.block_on(async {
        let listener =
            TcpListener::bind(options.addr)
                .await
                .map_err(|source| crate::Error::Listen {
                    addr: options.addr,
                    source,
                })?;
        let addr = listener.local_addr().unwrap_or(options.addr);
        if !options.quiet {
            eprintln!(
                "orgdir: serving {summary} at http://{addr}/ (SPARQL endpoint: http://{addr}/sparql)"
            );
        }
        if let Some(w) = watching {
            eprintln!(
                "orgdir: watching {} and {} for changes",
                w.data.display(),
                w.queries.display()
            );
            tokio::spawn(watch(Arc::clone(&state), w));
        }
        serve(listener, state, shutdown_signal())
            .await
            .map_err(crate::Error::io("serve on", addr.to_string()))
    })
}

#[cfg(feature = "rocksdb")]
fn persistent(
    dir: &std::path::Path,
    options: &crate::config::ServeOptions,
    queries: Vec<crate::store::NamedQuery>,
) -> Result<Snapshot, crate::Error> {
    let (snapshot, reused) = crate::store::open_or_build(
        dir,
        &options.data,
        options.source_limits,
        &options.shapes,
        queries,
    )?;
    if !options.quiet {
        let what = if reused {
            "reusing (data unchanged)"
        } else {
            "built"
        };
        eprintln!("orgdir: {what} the store in {}", dir.display());
    }
    Ok(snapshot)
}

#[cfg(not(feature = "rocksdb"))]
fn persistent(
    _dir: &std::path::Path,
    _options: &crate::config::ServeOptions,
    _queries: Vec<crate::store::NamedQuery>,
) -> Result<Snapshot, crate::Error> {
    Err(crate::Error::Query(
        "--store needs orgdir built with the `rocksdb` feature: \
         cargo build --release --features rocksdb (needs libclang)"
            .into(),
    ))
}

async fn shutdown_signal() {
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
    tracing::warn!("shutting down: finishing the requests in flight");
}
