//! Turns the parsed command line into a checked configuration: the rest of
//! orgdir never sees clap types.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use crate::cli::{self, Cli, Command, PublishMethod};
use crate::linkcheck::{self, LinkcheckFormat, LinkcheckOptions};
use crate::publish::{self, Credentials, PublishOptions};
use crate::release::ReleaseOptions;
use crate::report::ReportFormat;
use crate::server;
use crate::source::Limits;
use crate::validate::ShapesSource;

/// How much to print on stderr.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Verbosity {
    Quiet,
    Normal,
    Verbose,
}

#[derive(Debug, Clone)]
pub struct Config {
    pub verbosity: Verbosity,
    /// `--no-wait`: fail when another run holds a lock, instead of waiting.
    pub no_wait: bool,
    pub task: Task,
}

#[derive(Debug, Clone)]
pub enum Task {
    Search(SearchOptions),
    Reconcile(ReconcileOptions),
    Build(BuildOptions),
    Serve(ServeOptions),
    Query(QueryOptions),
    Validate(ValidateOptions),
    Linkcheck(LinkcheckOptions),
    Publish(PublishOptions),
    Completions(clap_complete::Shell),
    /// `orgdir man`: the directory to write the pages into, or stdout.
    Man(Option<PathBuf>),
    /// `orgdir schema`: the directory to write both into, or one on stdout.
    Schema {
        file: crate::cli::SchemaFile,
        out: Option<PathBuf>,
    },
}

/// `orgdir build`.
#[derive(Debug, Clone)]
pub struct BuildOptions {
    pub data: PathBuf,
    /// The output directory; with `release`, the directory of releases.
    pub out: PathBuf,
    /// `--release VERSION`: write `OUT/VERSION/` with a change list.
    pub release: Option<ReleaseOptions>,
    pub limits: Limits,
    pub shapes: ShapesSource,
}

/// `orgdir validate`.
#[derive(Debug, Clone)]
pub struct ValidateOptions {
    pub data: PathBuf,
    pub limits: Limits,
    pub shapes: ShapesSource,
    pub format: ReportFormat,
    /// Fail on warnings too.
    pub strict: bool,
    /// `-v`: print the time of each step on stderr.
    pub timings: bool,
    /// `-q`: the text report shows only what fails the run.
    pub quiet: bool,
    /// The text report shows this many results in full, and counts the rest.
    pub max_findings: Option<usize>,
}

#[derive(Debug, Clone)]
pub struct ServeOptions {
    pub data: PathBuf,
    pub source_limits: Limits,
    pub shapes: ShapesSource,
    pub queries: PathBuf,
    pub addr: SocketAddr,
    pub limits: server::Limits,
    pub watch: bool,
    /// Build the name index and serve `/search`, `/suggest` and
    /// `/reconcile` (not with `--no-search`).
    pub search: bool,
    pub store: Option<PathBuf>,
    /// Link-check results (`orgdir linkcheck --rdf FILE`) to serve beside the data.
    pub linkcheck: Option<PathBuf>,
    /// Releases (`orgdir build --release`) served at /dumps/releases/ when
    /// this directory holds a `releases.json`.
    pub releases: PathBuf,
    /// `-q`: print nothing but errors.
    pub quiet: bool,
    /// `--log-format json`: the access log and messages as JSON lines.
    pub json_log: bool,
}

/// `orgdir search`.
#[derive(Debug, Clone)]
pub struct SearchOptions {
    pub data: PathBuf,
    pub source_limits: Limits,
    pub query: String,
    pub limit: usize,
    pub json: bool,
}

/// `orgdir reconcile`.
#[derive(Debug, Clone)]
pub struct ReconcileOptions {
    pub data: PathBuf,
    pub source_limits: Limits,
    pub file: PathBuf,
    pub column: String,
    /// `(column, property id)`.
    pub properties: Vec<(String, String)>,
    pub out: Option<PathBuf>,
    pub quiet: bool,
}

#[derive(Debug, Clone)]
pub struct QueryOptions {
    pub data: PathBuf,
    pub source_limits: Limits,
    pub queries: PathBuf,
    pub query: QuerySource,
    pub format: QueryFormat,
}

/// `orgdir query --format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QueryFormat {
    Table,
    Csv,
    Tsv,
    Json,
}

#[derive(Debug, Clone)]
pub enum QuerySource {
    Named(String),
    File(PathBuf),
    Text(String),
}

fn serve_limits(
    query_timeout: f64,
    max_results: usize,
    cache_size: usize,
    public: &crate::cli::PublicArgs,
) -> server::Limits {
    let d = server::Limits::default();
    let concurrent_queries = public.concurrent_queries;
    let long_queries = public
        .long_queries
        .unwrap_or((concurrent_queries / 4).max(1));
    server::Limits {
        query_timeout: seconds(query_timeout),
        max_results,
        cache_bytes: cache_size.saturating_mul(1 << 20),
        query_memory: public.query_memory.map_or_else(
            || server::default_query_memory(concurrent_queries + long_queries),
            |m| m.saturating_mul(1 << 20),
        ),
        concurrent_queries,
        long_queries,
        queue_wait: seconds(public.queue_wait),
        per_client: public.per_client,
        client_budget: seconds(public.client_budget),
        trust_forwarded_for: public.trust_forwarded_for,
        federation: if public.allow_service {
            server::guard::Federation::On
        } else {
            server::guard::Federation::Off
        },
        allow_private: public.allow_private,
        shutdown_grace: seconds(public.shutdown_grace),
        max_connections: public.max_connections.unwrap_or(d.max_connections),
        ..d
    }
}

impl From<Cli> for Config {
    fn from(cli: Cli) -> Self {
        let g = cli.global;
        let verbosity = match (g.quiet, g.verbose) {
            (true, _) => Verbosity::Quiet,
            (false, 0) => Verbosity::Normal,
            (false, _) => Verbosity::Verbose,
        };
        let limits = Limits {
            max_file_bytes: g.max_file_size,
            ..Limits::default()
        };
        let shapes = ShapesSource::resolve(g.shapes);
        let task = match cli.command {
            Command::Build {
                out,
                release,
                previous,
                release_date,
            } => Task::Build(BuildOptions {
                data: g.data,
                out,
                release: release.map(|version| ReleaseOptions {
                    version,
                    previous,
                    date: release_date,
                }),
                limits,
                shapes,
            }),
            Command::Validate {
                format,
                strict,
                max_findings,
            } => Task::Validate(ValidateOptions {
                data: g.data,
                limits,
                shapes,
                format: match format {
                    cli::ReportFormat::Text => ReportFormat::Text,
                    cli::ReportFormat::Turtle => ReportFormat::Turtle,
                    cli::ReportFormat::Json => ReportFormat::Json,
                    cli::ReportFormat::Sarif => ReportFormat::Sarif,
                },
                strict,
                timings: verbosity == Verbosity::Verbose,
                quiet: g.quiet,
                max_findings,
            }),
            Command::Serve {
                addr,
                queries,
                query_timeout,
                max_results,
                cache_size,
                watch,
                no_search,
                store,
                linkcheck,
                releases,
                public,
            } => Task::Serve(ServeOptions {
                data: g.data,
                source_limits: limits,
                shapes,
                queries,
                addr,
                limits: serve_limits(query_timeout, max_results, cache_size, &public),
                json_log: public.log_format == crate::cli::LogFormat::Json,
                watch,
                search: !no_search,
                store,
                linkcheck,
                releases,
                quiet: g.quiet,
            }),
            Command::Linkcheck {
                all,
                format,
                out,
                concurrency,
                per_host,
                timeout,
                connect_timeout,
                retries,
                retry_wait,
                allow_private,
                history,
                no_history,
                dead_after,
                dead_days,
                max_age,
                now,
                fix,
                archive,
                archive_endpoint,
                rdf,
                include,
                exclude,
                accept,
                offline,
            } => Task::Linkcheck(LinkcheckOptions {
                data: g.data,
                limits,
                all,
                settings: linkcheck::Settings {
                    timeout: seconds(timeout),
                    connect_timeout: seconds(connect_timeout),
                    retries,
                    retry_wait: seconds(retry_wait),
                    allow_private,
                    accept,
                    ..linkcheck::Settings::default()
                },
                concurrency: linkcheck::Concurrency {
                    total: concurrency,
                    per_host,
                },
                format: match format {
                    cli::LinkcheckFormat::Text => LinkcheckFormat::Text,
                    cli::LinkcheckFormat::Json => LinkcheckFormat::Json,
                    cli::LinkcheckFormat::Md => LinkcheckFormat::Md,
                    cli::LinkcheckFormat::Html => LinkcheckFormat::Html,
                    cli::LinkcheckFormat::Sarif => LinkcheckFormat::Sarif,
                },
                out,
                quiet: g.quiet,
                history: (!no_history).then_some(history),
                rules: linkcheck::Rules {
                    dead_after,
                    dead_days,
                },
                max_age: Duration::from_secs(max_age),
                now,
                fix,
                archive: archive.then_some(archive_endpoint),
                rdf,
                include,
                exclude,
                ignore_file: Some(PathBuf::from(linkcheck::filter::IGNORE_FILE)),
                offline,
            }),
            Command::Publish {
                endpoint,
                store_kind,
                release,
                graph,
                method,
                graph_param,
                query_endpoint,
                user,
                password_env,
                bearer_env,
                digest,
                verify,
                batch_size,
                in_flight,
                timeout,
                connect_timeout,
                retries,
                retry_wait,
            } => Task::Publish(PublishOptions {
                data: g.data,
                limits,
                shapes,
                endpoint,
                query_endpoint,
                graph,
                graph_param,
                method: method.map(|m| match m {
                    PublishMethod::Gsp => publish::Method::Gsp,
                    PublishMethod::GspBatches => publish::Method::GspBatches,
                    PublishMethod::Update => publish::Method::Update,
                }),
                credentials: match (user, password_env, bearer_env) {
                    (Some(user), Some(password_env), _) if digest => {
                        Credentials::Digest { user, password_env }
                    }
                    (Some(user), Some(password_env), _) => {
                        Credentials::Basic { user, password_env }
                    }
                    (_, _, Some(token_env)) => Credentials::Bearer { token_env },
                    _ => Credentials::None,
                },
                verify,
                batch_size,
                in_flight: in_flight.map(usize::from),
                release,
                kind: match store_kind {
                    cli::PublishStore::Generic => publish::StoreKind::Generic,
                    cli::PublishStore::Oxigraph => publish::StoreKind::Oxigraph,
                    cli::PublishStore::Virtuoso => publish::StoreKind::Virtuoso,
                    cli::PublishStore::Fuseki => publish::StoreKind::Fuseki,
                    cli::PublishStore::Graphdb => publish::StoreKind::GraphDb,
                    cli::PublishStore::Qlever => publish::StoreKind::Qlever,
                },
                settings: publish::Settings {
                    timeout: seconds(timeout),
                    connect_timeout: seconds(connect_timeout),
                    retries,
                    retry_wait: seconds(retry_wait),
                },
                quiet: g.quiet,
            }),
            Command::Search {
                query,
                limit,
                format,
            } => Task::Search(SearchOptions {
                data: g.data,
                source_limits: limits,
                query,
                limit,
                json: format == cli::SearchFormat::Json,
            }),
            Command::Reconcile {
                file,
                column,
                properties,
                out,
            } => Task::Reconcile(ReconcileOptions {
                data: g.data,
                source_limits: limits,
                file,
                column,
                properties,
                out,
                quiet: g.quiet,
            }),
            Command::Completions { shell } => Task::Completions(shell),
            Command::Man { out } => Task::Man(out),
            Command::Schema { file, out } => Task::Schema { file, out },
            Command::Query {
                name,
                file,
                expression,
                format,
                queries,
            } => Task::Query(QueryOptions {
                data: g.data,
                source_limits: limits,
                queries,
                query: match (name, file, expression) {
                    (_, Some(file), _) => QuerySource::File(file),
                    (_, _, Some(text)) => QuerySource::Text(text),
                    (Some(name), _, _) => QuerySource::Named(name),
                    (None, None, None) => unreachable!("clap requires one of them"),
                },
                format: match format {
                    cli::QueryFormat::Table => QueryFormat::Table,
                    cli::QueryFormat::Csv => QueryFormat::Csv,
                    cli::QueryFormat::Tsv => QueryFormat::Tsv,
                    cli::QueryFormat::Json => QueryFormat::Json,
                },
            }),
        };
        Config {
            verbosity,
            no_wait: g.no_wait,
            task,
        }
    }
}

/// A duration from a command-line number of seconds (at least a millisecond).
fn seconds(s: f64) -> Duration {
    Duration::from_secs_f64(s.clamp(0.001, 1e9))
}
