//! The command line, as clap types only; doc comments are the help text.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use crate::{linkcheck, publish, server};

/// Publish a directory of organizations as linked data.
///
/// Reads the YAML source in DATA, maps it to schema.org RDF and writes dumps
/// that harvesters can trust.
///
/// Exit codes: 0 success, 1 findings, 2 bad input, usage or I/O error.
#[derive(Debug, Parser)]
#[command(name = "orgdir", version, max_term_width = 100)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Args)]
pub struct GlobalArgs {
    /// The data directory: dataset.yaml and the organization records.
    #[arg(long, global = true, value_name = "DIR", default_value = "data")]
    pub data: PathBuf,

    /// Say more (timings of each step).
    #[arg(short, long, global = true, action = clap::ArgAction::Count, conflicts_with = "quiet")]
    pub verbose: u8,

    /// Say nothing but errors.
    #[arg(short, long, global = true)]
    pub quiet: bool,

    /// The SHACL shapes (*.ttl). Default: `shapes` if that directory exists, else
    /// the shapes built into orgdir.
    #[arg(long, global = true, value_name = "DIR")]
    pub shapes: Option<PathBuf>,

    /// When another orgdir run is writing the same output, history or data file,
    /// fail at once (exit 2) instead of waiting for it.
    #[arg(long, global = true)]
    pub no_wait: bool,

    /// Defaults for linkcheck's and serve's options, read from FILE instead of
    /// ./orgdir.toml (which is read when it exists). The command line wins.
    #[arg(long, global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,

    /// Refuse YAML files larger than this many bytes.
    #[arg(long, global = true, value_name = "BYTES", default_value_t = crate::source::Limits::default().max_file_bytes)]
    pub max_file_size: u64,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Check the source and write Turtle, N-Triples and JSON-LD dumps with VoID metadata.
    ///
    /// OUT is replaced atomically: the files are written beside it and renamed
    /// into place, so an error leaves the previous OUT exactly as it was.
    Build {
        /// Where to write orgs.ttl, orgs.nt, orgs.jsonld, void.ttl and SHA256SUMS
        /// (with --release: the directory of releases).
        #[arg(long, value_name = "DIR", default_value = "dist")]
        out: PathBuf,

        /// Write release VERSION into OUT/VERSION/ (never rewritten), with a change
        /// list against the previous release (changes.md, changes.ttl,
        /// changes.json), point OUT/latest at it and list it in OUT/releases.json.
        #[arg(long, value_name = "VERSION")]
        release: Option<String>,

        /// The release to compare with. Default: OUT/latest.
        #[arg(long, value_name = "DIR", requires = "release")]
        previous: Option<PathBuf>,

        /// The release's date (YYYY-MM-DD). Default: today (UTC).
        #[arg(long, value_name = "DATE", requires = "release", value_parser = parse_day)]
        release_date: Option<crate::source::Date>,
    },

    /// Check the data against the SHACL shapes; report each result at its YAML line.
    ///
    /// Exit 0 when the data conforms (warnings are printed), 1 on violations (or
    /// on warnings with --strict), 2 when the data or shapes cannot be loaded.
    /// With --format sarif, what stopped the load is a SARIF log too. With -q,
    /// the text report shows only what fails the run.
    Validate {
        /// The report's format.
        #[arg(long, value_enum, default_value = "text")]
        format: ReportFormat,

        /// Fail on warnings too.
        #[arg(long)]
        strict: bool,

        /// Print the first N results in full and only count the rest (the
        /// text report ends with a count of every result by constraint and
        /// message either way).
        #[arg(long, value_name = "N")]
        max_findings: Option<usize>,
    },

    /// Serve the data: the directory and a page for every organization, place and
    /// category (HTML, Turtle, N-Triples, JSON-LD), a read-only SPARQL 1.1 endpoint
    /// with a query page at /sparql, the named queries, and the dumps at /dumps/.
    ///
    /// Validates the data, loads it into an embedded Oxigraph store and answers
    /// until Ctrl-C or SIGTERM. Every query has a time limit that cancels it;
    /// answers and pages are cached until the data changes.
    Serve {
        /// Where to listen. The default is reachable from this machine only.
        #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:7878")]
        addr: SocketAddr,

        /// The named queries (*.rq) served at /queries.
        #[arg(long, value_name = "DIR", default_value = "queries")]
        queries: PathBuf,

        /// Cancel a query after this many seconds.
        #[arg(long, value_name = "SECONDS", default_value_t = server::Limits::default().query_timeout.as_secs_f64())]
        query_timeout: f64,

        /// Refuse answers with more solutions or triples than this.
        #[arg(long, value_name = "N", default_value_t = server::Limits::default().max_results)]
        max_results: usize,

        /// Memory for cached answers and pages, in MiB (0: no cache).
        #[arg(long, value_name = "MIB", default_value_t = server::Limits::default().cache_bytes >> 20)]
        cache_size: usize,

        /// Keep the store on disk in DIR (RocksDB) and reuse it at the next start when the
        /// data has not changed. Needs orgdir built with `--features rocksdb`.
        #[arg(long, value_name = "DIR", conflicts_with = "watch")]
        store: Option<PathBuf>,

        /// Rebuild and swap the served data when a file under --data or --queries changes.
        /// A change that does not load leaves the previous data served.
        #[arg(long)]
        watch: bool,

        /// Serve no /search, /suggest or /reconcile, and build no name index for
        /// them: a smaller, quicker server for SPARQL, the pages and the dumps.
        #[arg(long)]
        no_search: bool,

        /// Serve link-check results (`orgdir linkcheck --rdf FILE`) in the named graph
        /// <BASE>linkcheck, and show each website's status on its organization's page.
        #[arg(long, value_name = "FILE")]
        linkcheck: Option<PathBuf>,

        /// Serve the releases of `orgdir build --release` written here at
        /// /dumps/releases/ (when DIR holds releases.json), with a merged change list
        /// at /dumps/releases/changes?since=VERSION.
        #[arg(long, value_name = "DIR", default_value = "dist")]
        releases: PathBuf,

        #[command(flatten)]
        public: PublicArgs,
    },

    /// Check every organization's website for link rot and report it.
    ///
    /// Each distinct URL is checked once (HEAD, then GET when HEAD fails), following
    /// redirects and retrying timeouts, 5xx and 429. Exit 1 when a link is broken
    /// or invalid, or dead (failing --dead-after runs in a row over --dead-days); a
    /// timeout, server error or TLS error alone does not fail the run (exit 0). Exit 2
    /// on bad input. Redirected and blocked links are reported but do not fail.
    Linkcheck {
        /// Check the sameAs links too.
        #[arg(long)]
        all: bool,

        /// The report's format.
        #[arg(long, value_enum, default_value = "text")]
        format: LinkcheckFormat,

        /// Write the report to FILE (atomically) instead of standard output.
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,

        /// Checks at once, in all.
        #[arg(long, value_name = "N", default_value_t = linkcheck::Concurrency::default().total)]
        concurrency: usize,

        /// Checks at once per host.
        #[arg(long, value_name = "N", default_value_t = linkcheck::Concurrency::default().per_host)]
        per_host: usize,

        /// Seconds for one request to be answered.
        #[arg(long, value_name = "SECONDS", default_value_t = linkcheck::Settings::default().timeout.as_secs_f64())]
        timeout: f64,

        /// Seconds to connect.
        #[arg(long, value_name = "SECONDS", default_value_t = linkcheck::Settings::default().connect_timeout.as_secs_f64())]
        connect_timeout: f64,

        /// Attempts after the first for timeouts, 5xx and 429.
        #[arg(long, value_name = "N", default_value_t = linkcheck::Settings::default().retries)]
        retries: u32,

        /// Seconds before the first retry; doubled at each, at most 30 (Retry-After
        /// is honoured up to that).
        #[arg(long, value_name = "SECONDS", default_value_t = linkcheck::Settings::default().retry_wait.as_secs_f64())]
        retry_wait: f64,

        /// Also check loopback, private and link-local addresses (refused by default).
        #[arg(long)]
        allow_private: bool,

        /// The history of runs, appended to at each run (JSON lines).
        #[arg(
            long,
            value_name = "FILE",
            default_value = "reports/linkcheck-history.jsonl"
        )]
        history: PathBuf,

        /// Keep no history: every failure is new.
        #[arg(long, conflicts_with = "max_age")]
        no_history: bool,

        /// A URL is dead after failing in this many runs in a row...
        #[arg(long, value_name = "N", default_value_t = linkcheck::Rules::default().dead_after)]
        dead_after: u32,

        /// ...spanning at least this many days.
        #[arg(long, value_name = "DAYS", default_value_t = linkcheck::Rules::default().dead_days)]
        dead_days: u32,

        /// Do not fetch a URL whose last result in the history is younger than this
        /// (0: always fetch).
        #[arg(long, value_name = "SECONDS", default_value_t = 0)]
        max_age: u64,

        /// Rewrite in place the `url` of each record whose site moved permanently,
        /// changing nothing else in the file. Without it, data/ is never written.
        #[arg(long)]
        fix: bool,

        /// Suggest the closest Internet Archive snapshot of each broken or dead URL.
        #[arg(long)]
        archive: bool,

        /// The Wayback Machine availability API that --archive asks.
        #[arg(long, value_name = "URL", default_value = crate::linkcheck::archive::DEFAULT_ENDPOINT)]
        archive_endpoint: String,

        /// Also write the results as RDF (schema:CheckAction; Turtle, or N-Triples for
        /// a .nt file), for `orgdir serve --linkcheck FILE` or a triplestore.
        #[arg(long, value_name = "FILE")]
        rdf: Option<PathBuf>,

        /// Check only URLs matching REGEX (repeatable). A URL matching both an
        /// --include and an --exclude is checked.
        #[arg(long, value_name = "REGEX", value_parser = parse_regex)]
        include: Vec<String>,

        /// Skip URLs matching REGEX (repeatable); the lines of .orgdirignore in the
        /// current directory, one REGEX a line, are excludes too.
        #[arg(long, value_name = "REGEX", value_parser = parse_regex)]
        exclude: Vec<String>,

        /// The HTTP statuses that count as working, instead of 2xx:
        /// `200..=299,403` (ranges with ..= or .., and single codes).
        #[arg(long, value_name = "STATUSES", value_parser = parse_accept)]
        accept: Option<linkcheck::Accept>,

        /// Fetch nothing: check what needs no network (the URL's syntax, private
        /// addresses) and report each other URL with its last result in the
        /// history, whatever its age. Nothing is added to the history.
        #[arg(long, conflicts_with_all = ["fix", "archive"])]
        offline: bool,

        /// The time of the run, RFC 3339 (for tests).
        #[arg(long, value_name = "TIME", hide = true, value_parser = parse_now)]
        now: Option<time::OffsetDateTime>,
    },

    /// Replace a named graph in a triplestore with the data, then check what the
    /// store holds.
    ///
    /// Loads and validates the data as build does, then sends the graph with the
    /// SPARQL 1.1 Graph Store protocol (one streamed PUT of N-Triples; with
    /// --method gsp-batches, a PUT and POSTs of --batch-size triples each, for
    /// stores that hold a whole request in memory) or, with --method update,
    /// SPARQL 1.1 Update (batches into a staging graph, then one MOVE).
    /// Afterwards the remote graph's triple count must equal the build's
    /// (with --verify, its triples too). Exit 0 when it does, 1 when it does not,
    /// 2 when the data is bad or the store refuses or cannot be reached.
    Publish {
        /// The Graph Store endpoint (Oxigraph: http://HOST:7878/store, Fuseki:
        /// http://HOST:3030/DATASET/data), or with --method update the SPARQL Update
        /// endpoint (Oxigraph: .../update). With --store-kind, the store's base URL
        /// (Virtuoso: http://HOST:8890, Fuseki: http://HOST:3030/DATASET, GraphDB:
        /// http://HOST:7200/repositories/REPO), to which the preset adds the path.
        #[arg(long, value_name = "URL")]
        endpoint: String,

        /// The store, for its paths, graph parameter, batch sizes and quirks (see
        /// README's table); every option given overrides the preset.
        #[arg(long, value_enum, value_name = "KIND", default_value = "generic")]
        store_kind: PublishStore,

        /// The named graph to replace. Default: the dataset's IRI.
        #[arg(long, value_name = "IRI")]
        graph: Option<String>,

        /// Publish this release of `build --release` (OUT/VERSION or OUT/latest) as
        /// it is, its orgs.nt checked against its release.json, instead of the data.
        #[arg(long, value_name = "DIR")]
        release: Option<PathBuf>,

        /// How to send the graph. Default: the preset's (gsp; for Virtuoso
        /// gsp-batches, as one PUT of 15 million triples stalled inside it).
        #[arg(long, value_enum)]
        method: Option<PublishMethod>,

        /// The Graph Store protocol's query parameter naming the graph (Virtuoso's
        /// /sparql-graph-crud calls it graph-uri).
        /// Default: the preset's (graph).
        #[arg(long, value_name = "NAME")]
        graph_param: Option<String>,

        /// Count (and with --verify, read) the remote graph with SPARQL queries to
        /// this endpoint. Default with --method update: --endpoint, with a final
        /// /update made /query (Oxigraph, Fuseki); with gsp the graph is read back
        /// through the Graph Store protocol.
        #[arg(long, value_name = "URL")]
        query_endpoint: Option<String>,

        /// The user for HTTP Basic authentication; the password is read from
        /// --password-env.
        #[arg(long, value_name = "USER", requires = "password_env")]
        user: Option<String>,

        /// The environment variable that holds the password (never the password
        /// itself: command lines are visible to every user of the machine).
        #[arg(long, value_name = "VARIABLE", requires = "user")]
        password_env: Option<String>,

        /// The environment variable that holds a bearer token.
        #[arg(long, value_name = "VARIABLE", conflicts_with = "user")]
        bearer_env: Option<String>,

        /// Authenticate --user with HTTP Digest (RFC 7616) instead of Basic, as
        /// Virtuoso's /sparql-graph-crud-auth and /sparql-auth ask: nothing is
        /// sent until the store's challenge, and the password never travels.
        #[arg(long, requires = "user")]
        digest: bool,

        /// Also check that the remote graph holds exactly the build's triples
        /// (and so has its canonical hash), not only as many.
        #[arg(long)]
        verify: bool,

        /// At most this many triples per request with --method gsp-batches (PUT,
        /// then POSTs) and --method update (INSERT DATA). Default: the preset's
        /// (10000; Virtuoso's 50000, and 1000 for its INSERT DATA).
        #[arg(long, value_name = "N")]
        batch_size: Option<usize>,

        /// At most this many batches in flight at once with --method
        /// gsp-batches and update (after the first, which replaces the
        /// graph). Default: the preset's (1; Virtuoso's, 2).
        #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..=64))]
        in_flight: Option<u16>,

        /// Seconds for one request, body included.
        #[arg(long, value_name = "SECONDS", default_value_t = publish::Settings::default().timeout.as_secs_f64())]
        timeout: f64,

        /// Seconds to connect.
        #[arg(long, value_name = "SECONDS", default_value_t = publish::Settings::default().connect_timeout.as_secs_f64())]
        connect_timeout: f64,

        /// Attempts after the first, on connection errors and 5xx answers.
        #[arg(long, value_name = "N", default_value_t = publish::Settings::default().retries)]
        retries: u32,

        /// Seconds before the first retry; doubled at each, at most 30.
        #[arg(long, value_name = "SECONDS", default_value_t = publish::Settings::default().retry_wait.as_secs_f64())]
        retry_wait: f64,
    },

    /// Run a SPARQL query against the data and print the results.
    Query {
        /// The name of a query in --queries (its file name without .rq).
        #[arg(required_unless_present_any = ["file", "expression"], conflicts_with_all = ["file", "expression"])]
        name: Option<String>,

        /// Read the query from this file.
        #[arg(long, value_name = "FILE", conflicts_with = "expression")]
        file: Option<PathBuf>,

        /// The query itself.
        #[arg(short = 'e', long = "expression", value_name = "SPARQL")]
        expression: Option<String>,

        /// Output: an aligned table, CSV, TSV or SPARQL JSON results (graphs: Turtle, N-Triples, JSON-LD).
        #[arg(long, value_enum, default_value = "table")]
        format: QueryFormat,

        /// The named queries.
        #[arg(long, value_name = "DIR", default_value = "queries")]
        queries: PathBuf,
    },

    /// Find organizations by name, alternate name or acronym (in any case, accents,
    /// word order, with a typo or two), or by words of their descriptions and places,
    /// ranked as /search ranks them.
    Search {
        /// What to look for.
        query: String,

        /// How many results.
        #[arg(long, value_name = "N", default_value_t = 10)]
        limit: usize,

        /// Output: an aligned table or JSON.
        #[arg(long, value_enum, default_value = "table")]
        format: SearchFormat,
    },

    /// Match a CSV column of organization names to the directory's IRIs, as
    /// /reconcile does for OpenRefine, offline.
    ///
    /// Writes the CSV with four columns added: orgdir_id (the matched organization's
    /// IRI, or the best candidate's), orgdir_name, orgdir_score (0-100) and
    /// orgdir_match (true only when one candidate is clearly right). Exit 2 on a CSV
    /// that cannot be read, with its line.
    Reconcile {
        /// The CSV file, with a header row.
        file: PathBuf,

        /// The column holding the names.
        #[arg(long, value_name = "NAME")]
        column: String,

        /// A column whose values should agree with a property of the organization:
        /// COL=PROP, PROP one of url, areaServed, parentOrganization, memberOf, sameAs.
        /// Repeatable.
        #[arg(long = "property", value_name = "COL=PROP", value_parser = parse_property)]
        properties: Vec<(String, String)>,

        /// Write the CSV to FILE (atomically) instead of standard output.
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
    },

    /// Print the JSON Schema (draft 2020-12) of the source files, for editors.
    ///
    /// FILE is `organizations` (the files of records, the default) or `dataset`
    /// (dataset.yaml). With --out DIR, write both into DIR instead, as
    /// organizations.schema.json and dataset.schema.json; `orgdir serve` serves
    /// them at /schema/. Point an editor at them with a first line
    /// `# yaml-language-server: $schema=PATH-OR-URL`.
    Schema {
        #[arg(value_enum, default_value = "organizations")]
        file: SchemaFile,

        /// The directory to write both schemas into (each file written atomically).
        #[arg(long, value_name = "DIR", conflicts_with = "file")]
        out: Option<PathBuf>,
    },

    /// Print the completion script for SHELL on standard output.
    ///
    /// bash: `orgdir completions bash > ~/.local/share/bash-completion/completions/orgdir`;
    /// zsh: `orgdir completions zsh > ~/.zfunc/_orgdir` (with ~/.zfunc in $fpath);
    /// fish: `orgdir completions fish > ~/.config/fish/completions/orgdir.fish`.
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },

    /// Print the manual page (roff) on standard output: `orgdir man | man -l -`.
    ///
    /// With --out DIR, write orgdir.1 and a page for each command (orgdir-build.1,
    /// ...) into DIR instead, for `man -M` or a package.
    Man {
        /// The directory to write the pages into (each file written atomically).
        #[arg(long, value_name = "DIR")]
        out: Option<PathBuf>,
    },
}

/// A regular expression, checked here so that a bad one in orgdir.toml is
/// reported at its line.
fn parse_regex(s: &str) -> Result<String, String> {
    linkcheck::filter::check_pattern(s).map(|()| s.to_owned())
}

fn parse_accept(s: &str) -> Result<linkcheck::Accept, String> {
    s.parse()
}

/// `--property COL=PROP`.
fn parse_property(s: &str) -> Result<(String, String), String> {
    let (column, property) = s
        .split_once('=')
        .ok_or_else(|| format!("`{s}` is not COL=PROP"))?;
    let known: Vec<&str> = crate::search::matching::PROPERTIES
        .iter()
        .map(|(id, _)| *id)
        .collect();
    if column.is_empty() || !known.contains(&property) {
        return Err(format!("`{s}`: PROP must be one of {}", known.join(", ")));
    }
    Ok((column.to_owned(), property.to_owned()))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum SearchFormat {
    Table,
    Json,
}

/// What keeps `orgdir serve` safe in public. Each default is the one of
/// `server::Limits::default()`, said again here for the help text only.
#[derive(Debug, Args)]
#[command(next_help_heading = "Public endpoint")]
pub struct PublicArgs {
    /// Cancel a query that allocates more than this many MiB. Default: half this
    /// machine's memory divided among the --concurrent-queries and --long-queries.
    #[arg(long, value_name = "MIB")]
    pub query_memory: Option<usize>,

    /// Queries evaluated at once; more wait --queue-wait for a turn.
    #[arg(long, value_name = "N", default_value_t = server::Limits::default().concurrent_queries)]
    pub concurrent_queries: usize,

    /// Queries that may run longer than usual at once (more CPU time, or longer in their
    /// slot, than four times the 90th percentile of the last answers: 50 ms to 0.5 s of
    /// CPU, 1 to 30 s in the slot; default: a quarter of --concurrent-queries); another is
    /// cancelled then with a 503. A long query gives its --concurrent-queries slot back
    /// and runs at the lowest CPU priority.
    #[arg(long, value_name = "N")]
    pub long_queries: Option<usize>,

    /// Seconds a query waits for a turn before a 503 with Retry-After.
    #[arg(long, value_name = "SECONDS", default_value_t = server::Limits::default().queue_wait.as_secs_f64())]
    pub queue_wait: f64,

    /// Queries at once from one client address; more get 429.
    #[arg(long, value_name = "N", default_value_t = server::Limits::default().per_client)]
    pub per_client: usize,

    /// Seconds of query time one client may use a minute; past it, 429.
    #[arg(long, value_name = "SECONDS", default_value_t = server::Limits::default().client_budget.as_secs_f64())]
    pub client_budget: f64,

    /// Count clients by the address a proxy in front put last in X-Forwarded-For
    /// (only behind a proxy that sets it: anyone can send the header).
    #[arg(long)]
    pub trust_forwarded_for: bool,

    /// Evaluate SERVICE (federated queries). Off by default: a query then makes the
    /// server connect to the address it names. Loopback and private addresses stay
    /// refused unless --allow-private.
    #[arg(long)]
    pub allow_service: bool,

    /// With --allow-service: let SERVICE reach loopback, private and link-local
    /// addresses.
    #[arg(long, requires = "allow_service")]
    pub allow_private: bool,

    /// Seconds the requests in flight get at Ctrl-C or SIGTERM before their queries
    /// are cancelled.
    #[arg(long, value_name = "SECONDS", default_value_t = server::Limits::default().shutdown_grace.as_secs_f64())]
    pub shutdown_grace: f64,

    /// Open connections at most (default: the file-descriptor limit less 64); more
    /// wait to be accepted.
    #[arg(long, value_name = "N")]
    pub max_connections: Option<usize>,

    /// The access log and messages on stderr: text, or one JSON object a line.
    #[arg(long, value_enum, default_value = "text")]
    pub log_format: LogFormat,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum LogFormat {
    Text,
    Json,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum PublishMethod {
    /// SPARQL 1.1 Graph Store HTTP Protocol: one PUT.
    Gsp,
    /// The Graph Store protocol in bounded requests: a PUT of the first
    /// --batch-size triples, POSTs of the rest (each its own transaction on the
    /// store; readers see the graph grow while it is sent).
    GspBatches,
    /// SPARQL 1.1 Update: INSERT DATA batches into a staging graph, then MOVE.
    Update,
}

/// `orgdir publish --store-kind` (config.rs maps it to `publish::StoreKind`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum PublishStore {
    /// --endpoint is the endpoint itself; nothing else assumed.
    Generic,
    /// Oxigraph server: /store, /update, /query.
    Oxigraph,
    /// Virtuoso 7: /sparql-graph-crud-auth and /sparql-auth with Digest, graph-uri.
    Virtuoso,
    /// Apache Jena Fuseki: DATASET/data, /update, /query.
    Fuseki,
    /// GraphDB: REPO/rdf-graphs/service, /statements, REPO.
    Graphdb,
    /// QLever: everything at its root; a bearer token to write.
    Qlever,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum QueryFormat {
    Table,
    Csv,
    Tsv,
    Json,
}

/// `orgdir schema FILE`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum SchemaFile {
    Organizations,
    Dataset,
}

/// `orgdir validate --format` (config.rs maps it to `report::ReportFormat`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ReportFormat {
    /// rustc-style: each result at its YAML line, the value underlined.
    Text,
    /// The standard `sh:ValidationReport` graph, in Turtle.
    Turtle,
    /// The results with their YAML locations.
    Json,
    /// SARIF 2.1.0, for GitHub code scanning and other CI annotations.
    Sarif,
}

/// `orgdir linkcheck --format` (config.rs maps it to `linkcheck::LinkcheckFormat`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum LinkcheckFormat {
    Text,
    Json,
    /// Markdown, for a pull-request comment or an issue.
    Md,
    /// One self-contained page: counts, a chart over the runs, a sortable table.
    Html,
    /// SARIF 2.1.0, for GitHub code scanning.
    Sarif,
}

fn parse_day(s: &str) -> Result<crate::source::Date, String> {
    crate::source::parse_date(s)
        .filter(|d| !d.is_year())
        .ok_or_else(|| format!("`{s}` is not a date (YYYY-MM-DD)"))
}

fn parse_now(s: &str) -> Result<time::OffsetDateTime, String> {
    crate::linkcheck::history::parse_time(s).ok_or_else(|| format!("`{s}` is not an RFC 3339 time"))
}
