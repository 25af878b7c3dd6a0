//! The embedded Oxigraph store: the built graph, loaded once, queried read-only.

use std::io;
use std::path::{Path, PathBuf};
use std::time::Instant;

use oxigraph::model::{GraphName, NamedOrBlankNode, Quad};
use oxigraph::sparql::{PreparedSparqlQuery, SparqlEvaluator, SparqlSyntaxError};
use oxigraph::store::{StorageError, Store};

use crate::rdf::Graph;
use crate::rdf::dump::{DescriptionWriter, Hashing};
use crate::rdf::ntriples::NTriplesWriter;
use crate::source::{Diagnostic, Pos, Source};

/// The data being served: the store, and what identifies its content.
pub struct Snapshot {
    pub store: Store,
    /// SHA-256 of the canonical N-Triples: changes exactly when the data does.
    pub version: String,
    pub triples: u64,
    pub organizations: usize,
    /// The dataset base IRI, under which organization pages live.
    pub base: String,
    pub queries: Vec<NamedQuery>,
}

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("cannot load the store: {0}")]
    Storage(#[from] StorageError),
    #[error("cannot read {}: {source}", path.display())]
    Io { path: PathBuf, source: io::Error },
    #[error("{} problem{} in the named queries", .0.len(), if .0.len() == 1 { "" } else { "s" })]
    Queries(Vec<Diagnostic>),
}

/// Loads the graph of `source` into a new in-memory store.
pub fn load(source: &Source, queries: Vec<NamedQuery>) -> Result<Snapshot, StoreError> {
    let start = Instant::now();
    let graph = Graph::new(source);
    let store = Store::new()?;
    let mut hash = Hashing::new(io::sink());
    let mut triples = 0;
    {
        let mut nt = NTriplesWriter::new(&mut hash);
        let mut quads = Vec::with_capacity(4096);
        for d in graph.descriptions() {
            let _ = nt.write(&d);
            let subject = NamedOrBlankNode::from(d.subject);
            for (p, o) in d.properties {
                quads.push(Quad::new(
                    subject.clone(),
                    p.into_owned(),
                    o,
                    GraphName::DefaultGraph,
                ));
            }
            if quads.len() >= 4000 {
                triples += quads.len() as u64;
                store.extend(quads.drain(..))?;
            }
        }
        triples += quads.len() as u64;
        store.extend(quads)?;
        let _ = Box::new(nt).finish();
    }
    let (_, version) = hash.digest();
    tracing::debug!(triples, elapsed = ?start.elapsed(), "store loaded");
    Ok(Snapshot {
        store,
        version,
        triples,
        organizations: source.organizations.len(),
        base: source.dataset.base.value.to_string(),
        queries,
    })
}

/// A query from `queries/`: `name.rq`, opening with `# title:` and
/// `# description:` comment lines.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct NamedQuery {
    pub name: String,
    pub title: String,
    pub description: String,
    pub text: String,
}

/// Reads every `*.rq` file of `dir` (sorted), checking that each parses.
pub fn load_queries(dir: &Path) -> Result<Vec<NamedQuery>, StoreError> {
    let io = |source| StoreError::Io {
        path: dir.to_owned(),
        source,
    };
    let mut paths: Vec<PathBuf> = match std::fs::read_dir(dir) {
        Ok(entries) => entries
            .map(|e| e.map(|e| e.path()))
            .collect::<Result<_, _>>()
            .map_err(io)?,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(io(e)),
    };
    paths.retain(|p| p.extension().is_some_and(|e| e == "rq"));
    paths.sort();
    let mut queries = Vec::new();
    let mut problems = Vec::new();
    for path in paths {
        let text = std::fs::read_to_string(&path).map_err(|source| StoreError::Io {
            path: path.clone(),
            source,
        })?;
        let name = path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        let (mut title, mut description) = (String::new(), String::new());
        for line in text.lines().map_while(|l| l.strip_prefix('#')) {
            if let Some(t) = line.trim().strip_prefix("title:") {
                title = t.trim().to_owned();
            } else if let Some(d) = line.trim().strip_prefix("description:") {
                description = d.trim().to_owned();
            }
        }
        if title.is_empty() {
            problems.push(Diagnostic::at(
                &path,
                Pos { line: 1, col: 1 },
                "a named query opens with a `# title:` comment line",
            ));
        }
        if let Err(e) = parse_query(&text) {
            problems.push(Diagnostic::file(&path, format!("SPARQL syntax error: {e}")));
        }
        queries.push(NamedQuery {
            name,
            title,
            description,
            text,
        });
    }
    if problems.is_empty() {
        Ok(queries)
    } else {
        Err(StoreError::Queries(problems))
    }
}

/// Parses a query as the endpoint will (no base IRI, no SERVICE calls).
pub fn parse_query(text: &str) -> Result<PreparedSparqlQuery, SparqlSyntaxError> {
    SparqlEvaluator::new().parse_query(text)
}
