//! `orgdir publish`: the checked graph into an existing triplestore, over the
//! standard protocols, so a directory that outgrows one machine is served by
//! Fuseki, GraphDB, Virtuoso, QLever or an Oxigraph server rather than by a
//! cluster of our own.
//!
//! The data is loaded and validated as `build` does, then the named graph is
//! replaced in one of two ways:
//! - **gsp** (the default but for Virtuoso, see [`stores`]): one SPARQL 1.1 Graph Store HTTP Protocol `PUT` of the
//!   graph as N-Triples, streamed as it is written (the graph is never held
//!   in memory as text); the store swaps the graph in one request.
//! - **gsp-batches**: the same protocol in requests of `--batch-size`
//!   triples, a `PUT` then `POST`s, for stores that hold one request's
//!   transaction in memory (Oxigraph server 0.5 did not survive a
//!   15-million-triple `PUT` on a 23.5 GB machine). Readers see the graph
//!   grow while it is sent; a failed run leaves part of it, which the next
//!   run's `PUT` replaces.
//! - **update**: SPARQL 1.1 Update for stores without the Graph Store
//!   protocol: the triples go in bounded `INSERT DATA` batches into a staging
//!   graph, which one `MOVE` then puts in place. Readers see the old graph
//!   until the move; a failed run leaves only the staging graph, which the
//!   next run drops first.
//!
//! Afterwards the remote graph's triple count is compared with the build's,
//! and with `--verify` its triples themselves (see [`verify`]).

mod input;
mod remote;
mod stores;
mod upload;
mod verify;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

use sha2::{Digest, Sha256};

pub use input::{Input, Release};
pub use remote::{Auth, Settings};
pub use stores::{Preset, StoreKind};

use crate::rdf::dump::hex;
use crate::source::Limits;
use crate::validate::ShapesSource;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    Gsp,
    GspBatches,
    Update,
}

/// Where the credentials come from: names of environment variables, never
/// the secrets themselves (command lines are visible to every user).
#[derive(Debug, Clone, Default)]
pub enum Credentials {
    #[default]
    None,
    Basic {
        user: String,
        password_env: String,
    },
    Bearer {
        token_env: String,
    },
    Digest {
        user: String,
        password_env: String,
    },
}

#[derive(Debug, Clone)]
pub struct PublishOptions {
    pub data: PathBuf,
    pub limits: Limits,
    pub shapes: ShapesSource,
    /// The Graph Store endpoint (gsp) or the SPARQL Update endpoint (update).
    pub endpoint: String,
    /// Where to count (and with `--verify`, read) the remote graph with SPARQL.
    /// Default with `--method update`: the endpoint, its `/update` ending made
    /// `/query`; with gsp, the graph is read back through the Graph Store
    /// protocol.
    pub query_endpoint: Option<String>,
    /// The graph to replace; default: the dataset's IRI.
    pub graph: Option<String>,
    /// The Graph Store protocol's parameter naming the graph; default: the
    /// preset's (`graph`, Virtuoso's `graph-uri`).
    pub graph_param: Option<String>,
    /// How to send; default: the preset's (gsp; Virtuoso's gsp-batches).
    pub method: Option<Method>,
    pub credentials: Credentials,
    pub verify: bool,
    /// Triples per request (gsp-batches, update); default: the preset's.
    pub batch_size: Option<usize>,
    /// Batches sent at once (gsp-batches, update); default: the preset's.
    pub in_flight: Option<usize>,
    /// What the store is (`--store-kind`): its paths, limits and quirks.
    pub kind: StoreKind,
    /// `--release DIR`: publish that release's `orgs.nt` instead of the data.
    pub release: Option<PathBuf>,
    pub settings: Settings,
    pub quiet: bool,
}

#[derive(Debug, thiserror::Error)]
pub enum PublishError {
    #[error("{0}")]
    Usage(String),

    #[error("cannot start the HTTP client: {0}")]
    Client(String),

    #[error("{what}: {url} refused it ({status}); {hint}")]
    Refused {
        what: String,
        url: String,
        status: u16,
        hint: &'static str,
    },

    #[error(
        "{what}: {url} answered 404 Not Found; check the endpoint's path (Oxigraph: /store for \
         the Graph Store protocol, /update for --method update)"
    )]
    NotFound { what: String, url: String },

    #[error("{what}: {url} answered {status}: {body}")]
    Status {
        what: String,
        url: String,
        status: u16,
        body: String,
    },

    #[error("{what}: {url} failed after {attempts} attempt{}: {reason}", if *.attempts == 1 { "" } else { "s" })]
    Failed {
        what: String,
        url: String,
        attempts: u32,
        reason: String,
    },

    #[error("the remote graph cannot be read: {0}")]
    Unreadable(String),

    /// Published, but the remote graph is not the build's.
    #[error("{0}")]
    Mismatch(String),
}

/// What a publish did, for the summary line.
#[derive(Debug, Clone)]
pub struct Published {
    pub graph: String,
    pub triples: u64,
    pub remote_triples: u64,
    /// The build's canonical hash, when `--verify` found the remote graph equal.
    pub verified_hash: Option<String>,
    pub requests: u64,
    pub seconds: f64,
}

/// Where and how to send: the options with the preset applied.
#[derive(Debug, Clone)]
pub struct Target {
    pub method: Method,
    pub endpoint: String,
    /// Where to count (and read back) the remote graph with SPARQL; `None`:
    /// through the Graph Store protocol.
    pub query_endpoint: Option<String>,
    pub graph_param: String,
    /// Triples per request, at most (but for a description that has more).
    pub batch: usize,
    /// Batches in flight at once, at least 1.
    pub in_flight: usize,
    /// Bodies with a `Content-Length` (the streamed PUT is written twice:
    /// once to count its bytes).
    pub sized_bodies: bool,
    pub insert_prologue: &'static str,
    /// The store's cap on the rows of one answer.
    pub max_rows: Option<usize>,
}

/// Checks what can be checked before the data is loaded: the credentials
/// (from the environment) and the endpoints; applies the preset.
pub fn prepare(options: &PublishOptions) -> Result<(Auth, Target), PublishError> {
    let preset = options.kind.preset();
    let credentials = match &options.credentials {
        Credentials::Basic { user, password_env } if preset.digest => Credentials::Digest {
            user: user.clone(),
            password_env: password_env.clone(),
        },
        other => other.clone(),
    };
    let auth = self::credentials(&credentials)?;
    let method = options.method.unwrap_or(preset.method);
    let endpoints = options
        .kind
        .endpoints(
            &options.endpoint,
            method,
            !matches!(credentials, Credentials::None),
        )
        .map_err(PublishError::Usage)?;
    let query_endpoint = match (&options.query_endpoint, endpoints.query, method) {
        (Some(q), _, _) => Some(q.clone()),
        (None, Some(q), _) => Some(q),
        (None, None, Method::Update) => Some(query_endpoint_of(&endpoints.endpoint)),
        (None, None, Method::Gsp | Method::GspBatches) => None,
    };
    check_endpoint(&endpoints.endpoint)?;
    if let Some(q) = &query_endpoint {
        check_endpoint(q)?;
    }
    let batch = options.batch_size.unwrap_or(match method {
        Method::Update => preset.update_batch,
        Method::Gsp | Method::GspBatches => preset.gsp_batch,
    });
    Ok((
        auth,
        Target {
            method,
            endpoint: endpoints.endpoint,
            query_endpoint,
            graph_param: options
                .graph_param
                .clone()
                .unwrap_or_else(|| preset.graph_param.to_owned()),
            batch: batch.max(1),
            in_flight: options.in_flight.unwrap_or(preset.in_flight).max(1),
            sized_bodies: preset.sized_bodies,
            insert_prologue: preset.insert_prologue,
            max_rows: preset.max_rows,
        },
    ))
}

/// Publishes `input` (a validated source, or a release) and checks what
/// the store then holds; `step` hears what it is doing (for a progress line).
pub fn run(
    options: &PublishOptions,
    target: &Target,
    auth: Auth,
    input: Input,
    step: &(dyn Fn(String) + Sync),
) -> Result<Published, PublishError> {
    let start = Instant::now();
    let input = Arc::new(input);
    let graph = match &options.graph {
        Some(g) => oxrdf::NamedNode::new(g.as_str())
            .map_err(|e| PublishError::Usage(format!("--graph `{g}` is not an IRI: {e}")))?
            .into_string(),
        None => input.dataset(),
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| PublishError::Client(e.to_string()))?;
    runtime.block_on(publish(options, target, auth, input, graph, start, step))
}

async fn publish(
    options: &PublishOptions,
    target: &Target,
    auth: Auth,
    input: Arc<Input>,
    graph: String,
    start: Instant,
    step: &(dyn Fn(String) + Sync),
) -> Result<Published, PublishError> {
    let remote = remote::Remote::new(auth, options.settings.clone())?;
    let local = {
        let input = Arc::clone(&input);
        let digests = options.verify;
        tokio::task::spawn_blocking(move || verify::Local::of(&input, digests))
            .await
            .expect("the local count does not panic")?
    };
    let graph_url = || upload::graph_url(&target.endpoint, &target.graph_param, &graph);
    let requests = match target.method {
        Method::Gsp => upload::put(&remote, target, graph_url()?, &input).await?,
        Method::GspBatches => upload::gsp_batches(&remote, target, graph_url()?, &input).await?,
        Method::Update => upload::update(&remote, target, &graph, &input).await?,
    };
    let reader = match &target.query_endpoint {
        Some(q) => verify::Reader::Sparql {
            endpoint: q.clone(),
            max_rows: target.max_rows,
        },
        None => verify::Reader::GraphStore(graph_url()?),
    };
    step(format!("checking what <{graph}> holds now"));
    let remote_triples = verify::check(&remote, &reader, &graph, &local).await?;
    Ok(Published {
        graph,
        triples: local.count,
        remote_triples,
        verified_hash: local
            .digests
            .is_some()
            .then(|| local.canonical_hash.clone()),
        requests,
        seconds: start.elapsed().as_secs_f64(),
    })
}

fn credentials(credentials: &Credentials) -> Result<Auth, PublishError> {
    let var = |name: &str| {
        std::env::var(name)
            .ok()
            .filter(|v| !v.is_empty())
            .ok_or_else(|| {
                PublishError::Usage(format!("the environment variable {name} is not set"))
            })
    };
    Ok(match credentials {
        Credentials::None => Auth::None,
        Credentials::Basic { user, password_env } => Auth::Basic {
            user: user.clone(),
            password: var(password_env)?,
        },
        Credentials::Bearer { token_env } => Auth::Bearer(var(token_env)?),
        Credentials::Digest { user, password_env } => Auth::Digest {
            user: user.clone(),
            password: var(password_env)?,
        },
    })
}

/// An http(s) URL without a password in it.
fn check_endpoint(url: &str) -> Result<(), PublishError> {
    let parsed = reqwest::Url::parse(url)
        .map_err(|e| PublishError::Usage(format!("`{url}` is not a URL: {e}")))?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return Err(PublishError::Usage(format!(
            "`{url}` is not an http(s) URL"
        )));
    }
    if parsed.password().is_some() {
        return Err(PublishError::Usage(
            "the endpoint URL holds a password, which would show in process lists and logs: \
             pass --user USER --password-env VARIABLE instead"
                .into(),
        ));
    }
    Ok(())
}

/// Where an update endpoint's store answers queries, when not told: Oxigraph
/// and Fuseki name their endpoints `.../update` and `.../query`; other stores
/// (Virtuoso's `/sparql`, GraphDB's repositories) take both at one URL.
fn query_endpoint_of(update_endpoint: &str) -> String {
    match update_endpoint.strip_suffix("/update") {
        Some(base) => format!("{base}/query"),
        None => update_endpoint.to_owned(),
    }
}

/// The graph that `--method update` fills before moving it into place: one
/// per target graph, so a failed run's leftovers are found and dropped by
/// the next.
fn staging_graph(graph: &str) -> String {
    format!(
        "urn:orgdir:staging:{}",
        &hex(&Sha256::digest(graph.as_bytes()))[..32]
    )
}
