//! `--store-kind`: what orgdir knows about each triplestore it publishes
//! into, in one table. A preset names the store's endpoints under its base
//! URL, the Graph Store protocol's graph parameter, the batch sizes, and the
//! quirks that the protocols leave open. Every option given on the command
//! line overrides the preset's value.
//!
//! The Virtuoso row was measured against Virtuoso 7.2.5 (Debian's
//! `virtuoso-opensource`, its default `virtuoso.ini`), the Oxigraph row
//! against Oxigraph server 0.5; both are tested by `.ci/run`. The others come
//! from the stores' documentation (linked in each row) and are not tested
//! here.

use super::Method;

/// The `--store-kind` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum StoreKind {
    /// Nothing assumed: `--endpoint` is the endpoint itself.
    #[default]
    Generic,
    Oxigraph,
    Virtuoso,
    Fuseki,
    GraphDb,
    Qlever,
}

/// How a store is spoken to. Paths are appended to the store's base URL.
#[derive(Debug, Clone, Copy)]
pub struct Preset {
    pub name: &'static str,
    /// The Graph Store protocol endpoint, without and with credentials
    /// (Virtuoso has one of each).
    pub gsp: Option<(&'static str, &'static str)>,
    /// The SPARQL Update endpoint, without and with credentials; `None` when
    /// the store cannot do what `--method update` needs (`MOVE`).
    pub update: Option<(&'static str, &'static str)>,
    /// The SPARQL query endpoint, for the count check and `--verify`.
    pub query: &'static str,
    pub graph_param: &'static str,
    /// The method when `--method` is not given.
    pub method: Method,
    /// Triples per request with `--method gsp-batches`.
    pub gsp_batch: usize,
    /// Triples per `INSERT DATA` with `--method update`.
    pub update_batch: usize,
    /// Batches in flight at once with gsp-batches and update.
    pub in_flight: usize,
    /// `--user` answers the store's Digest challenge without ever sending
    /// the password (Virtuoso's `-auth` endpoints accept nothing else).
    pub digest: bool,
    /// Bodies are sent with a `Content-Length` rather than chunked.
    pub sized_bodies: bool,
    /// Put before each `INSERT DATA` into the staging graph.
    pub insert_prologue: &'static str,
    /// Answers hold at most this many triples: the remote graph is counted
    /// with `COUNT(*)` and read back for `--verify` in pages of subjects.
    pub max_rows: Option<usize>,
    /// Whether `.ci/run` tests it against the real store.
    pub tested: bool,
    /// Where the paths and limits come from.
    pub source: &'static str,
}

const GENERIC: Preset = Preset {
    name: "generic",
    gsp: None,
    update: None,
    query: "",
    graph_param: "graph",
    method: Method::Gsp,
    gsp_batch: 10_000,
    update_batch: 10_000,
    in_flight: 1,
    digest: false,
    sized_bodies: false,
    insert_prologue: "",
    max_rows: None,
    tested: true,
    source: "the SPARQL 1.1 Protocol, Update and Graph Store HTTP Protocol recommendations",
};

impl StoreKind {
    pub const ALL: [StoreKind; 6] = [
        StoreKind::Oxigraph,
        StoreKind::Virtuoso,
        StoreKind::Fuseki,
        StoreKind::GraphDb,
        StoreKind::Qlever,
        StoreKind::Generic,
    ];

    pub fn preset(self) -> Preset {
        match self {
            StoreKind::Generic => GENERIC,
            StoreKind::Oxigraph => Preset {
                name: "oxigraph",
                gsp: Some(("/store", "/store")),
                update: Some(("/update", "/update")),
                query: "/query",
                tested: true,
                source: "https://github.com/oxigraph/oxigraph/tree/main/cli#usage",
                ..GENERIC
            },
            // Measured here against Virtuoso 7.2.5.1 (see the module's note):
            // - `/sparql-graph-crud-auth` and `/sparql-auth` ask for Digest;
            // - a chunked PUT answers 201 and stores nothing: bodies are sized;
            // - one INSERT DATA of more than about 1,420 triples is refused
            //   ("The length of generated SQL text has exceeded 10000 lines
            //   of code"), of 4,990 and more the parser runs out of memory:
            //   batches of 1,000;
            // - every answer holds at most ResultSetMaxRows (10,000 in the
            //   default virtuoso.ini) rows, GSP GET included;
            // - `DEFINE sql:log-enable 3` (row autocommit, still logged)
            //   made 10 INSERT DATA of 1,000 triples take 7.8 s instead of
            //   11.3 s; only the staging graph is written that way;
            // - one PUT of 14.9 million triples stalled inside it ("Many lock
            //   waits", no progress for 7 minutes; bench/RESULTS.md): by
            //   default the graph goes in Graph Store batches;
            // - it parses and inserts each Graph Store request on one thread:
            //   publishing a release of 15.9 million triples took 180 s in
            //   batches of 10,000 two at a time, 181 s three at a time, 146 s
            //   in batches of 50,000 two at a time, 156 s of 100,000, against
            //   85 s for its bulk loader (bench/RESULTS.md).
            StoreKind::Virtuoso => Preset {
                name: "virtuoso",
                gsp: Some(("/sparql-graph-crud", "/sparql-graph-crud-auth")),
                update: Some(("/sparql", "/sparql-auth")),
                query: "/sparql",
                graph_param: "graph-uri",
                method: Method::GspBatches,
                gsp_batch: 50_000,
                update_batch: 1_000,
                in_flight: 2,
                digest: true,
                sized_bodies: true,
                insert_prologue: "DEFINE sql:log-enable 3\n",
                max_rows: Some(10_000),
                tested: true,
                source: "https://vos.openlinksw.com/owiki/wiki/VOS/VirtGraphProtocolCURLExamples",
            },
            StoreKind::Fuseki => Preset {
                name: "fuseki",
                gsp: Some(("/data", "/data")),
                update: Some(("/update", "/update")),
                query: "/query",
                tested: false,
                source: "https://jena.apache.org/documentation/fuseki2/fuseki-endpoint-configuration.html",
                ..GENERIC
            },
            StoreKind::GraphDb => Preset {
                name: "graphdb",
                gsp: Some(("/rdf-graphs/service", "/rdf-graphs/service")),
                update: Some(("/statements", "/statements")),
                query: "",
                tested: false,
                source: "https://graphdb.ontotext.com/documentation/11.0/sparql-endpoint.html",
                ..GENERIC
            },
            // QLever answers queries, updates and the Graph Store protocol at
            // its root; writing needs its access token (--bearer-env). It has
            // no MOVE, so no --method update.
            StoreKind::Qlever => Preset {
                name: "qlever",
                gsp: Some(("", "")),
                update: None,
                query: "",
                tested: false,
                source: "https://docs.qlever.dev/",
                ..GENERIC
            },
        }
    }

    /// What `--endpoint URL` means for this store: the endpoint itself
    /// (generic), or the store's base URL to which the preset adds the
    /// method's path, unless the URL already ends with it.
    pub fn endpoints(
        self,
        url: &str,
        method: Method,
        credentials: bool,
    ) -> Result<Endpoints, String> {
        let preset = self.preset();
        let base = url.trim_end_matches('/');
        let path = |paths: Option<(&'static str, &'static str)>| {
            paths.map(|(open, auth)| if credentials { auth } else { open })
        };
        let method_path = match method {
            Method::Gsp | Method::GspBatches => path(preset.gsp),
            Method::Update => match path(preset.update) {
                None if self != StoreKind::Generic => {
                    return Err(format!(
                        "{} cannot take --method update (it has no SPARQL MOVE); use \
                         --method gsp or gsp-batches",
                        preset.name
                    ));
                }
                other => other,
            },
        };
        let Some(method_path) = method_path else {
            return Ok(Endpoints {
                endpoint: url.to_owned(),
                query: None,
            });
        };
        // Any of the preset's paths at the end is taken as given.
        let known = [preset.gsp, preset.update]
            .into_iter()
            .flatten()
            .flat_map(|(a, b)| [a, b])
            .chain([preset.query])
            .filter(|p| !p.is_empty());
        let root = known
            .into_iter()
            .find_map(|p| base.strip_suffix(p))
            .unwrap_or(base);
        Ok(Endpoints {
            endpoint: format!("{root}{method_path}"),
            query: Some(format!("{root}{}", preset.query)),
        })
    }
}

/// The endpoints a preset makes of `--endpoint`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoints {
    pub endpoint: String,
    /// The query endpoint, when the preset knows it.
    pub query: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::{Method, StoreKind};

    #[test]
    fn a_base_url_gains_the_methods_path_and_a_full_one_is_kept() {
        let e = StoreKind::Virtuoso
            .endpoints("http://127.0.0.1:8890/", Method::Gsp, true)
            .unwrap();
        assert_eq!(e.endpoint, "http://127.0.0.1:8890/sparql-graph-crud-auth");
        assert_eq!(e.query.as_deref(), Some("http://127.0.0.1:8890/sparql"));
        let e = StoreKind::Virtuoso
            .endpoints("http://127.0.0.1:8890/sparql-auth", Method::Update, true)
            .unwrap();
        assert_eq!(e.endpoint, "http://127.0.0.1:8890/sparql-auth");
        let e = StoreKind::Virtuoso
            .endpoints("http://h:8890", Method::Update, false)
            .unwrap();
        assert_eq!(e.endpoint, "http://h:8890/sparql");
        let e = StoreKind::Fuseki
            .endpoints("http://h:3030/ds/data", Method::Update, false)
            .unwrap();
        assert_eq!(e.endpoint, "http://h:3030/ds/update");
        assert_eq!(e.query.as_deref(), Some("http://h:3030/ds/query"));
        let e = StoreKind::GraphDb
            .endpoints("http://h:7200/repositories/r", Method::Gsp, false)
            .unwrap();
        assert_eq!(
            e.endpoint,
            "http://h:7200/repositories/r/rdf-graphs/service"
        );
        assert_eq!(e.query.as_deref(), Some("http://h:7200/repositories/r"));
        let e = StoreKind::Generic
            .endpoints("http://h/x/", Method::Gsp, false)
            .unwrap();
        assert_eq!(e.endpoint, "http://h/x/");
        assert_eq!(e.query, None);
        assert!(
            StoreKind::Qlever
                .endpoints("http://h:7001", Method::Update, false)
                .unwrap_err()
                .contains("no SPARQL MOVE")
        );
    }
}
