//! The embedded Oxigraph store: the built graph, loaded once, queried read-only.

use std::io;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use oxigraph::model::{GraphName, NamedOrBlankNode, Quad};
use oxigraph::sparql::{PreparedSparqlQuery, SparqlEvaluator, SparqlSyntaxError};
use oxigraph::store::{StorageError, Store};

use crate::dist::{DumpSlot, Dumps};
use crate::fsutil::FsError;
use crate::rdf::Graph;
use crate::rdf::dump::{DescriptionWriter, Hashing};
use crate::rdf::ntriples::NTriplesWriter;
use crate::source::{Diagnostic, Pos, Source};

/// The data being served: the store, and what identifies its content.
pub struct Snapshot {
    pub store: Store,
    /// What cached answers are keyed by: the SHA-256 of the canonical
    /// N-Triples (as in void.ttl), mixed with the link-check results when
    /// they are loaded; it changes exactly when what is served does.
    pub version: String,
    pub triples: u64,
    pub organizations: usize,
    /// The dataset base IRI, under which organization pages live.
    pub base: String,
    /// The dataset's IRI and title, for the pages.
    pub dataset: String,
    pub title: String,
    pub queries: Vec<NamedQuery>,
    /// The build's files, for `/dumps/`: written beside the store after it
    /// is loaded, so they do not delay the first answer.
    pub dumps: Arc<DumpSlot>,
    /// The name index over the store's organizations (`/search`,
    /// `/reconcile`), once the command has built it.
    pub names: Option<Arc<crate::search::Index>>,
    /// Whether `/search`, `/suggest` and `/reconcile` are served: `serve
    /// --no-search` builds no name index, and they answer 404.
    pub search: bool,
}

impl Snapshot {
    /// The same dataset over another store: a memento's record, whose page
    /// is built as any other (see `src/server/memento.rs`).
    pub fn with_store(&self, store: Store) -> Snapshot {
        Snapshot {
            store,
            version: self.version.clone(),
            triples: self.triples,
            organizations: self.organizations,
            base: self.base.clone(),
            dataset: self.dataset.clone(),
            title: self.title.clone(),
            queries: self.queries.clone(),
            dumps: Arc::clone(&self.dumps),
            names: None,
            search: self.search,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("cannot load the store: {0}")]
    Storage(#[from] StorageError),
    #[error("cannot read {}: {source}", path.display())]
    Io { path: PathBuf, source: io::Error },
    #[error("{} problem{} in the named queries", .0.len(), if .0.len() == 1 { "" } else { "s" })]
    Queries(Vec<Diagnostic>),
    #[error(transparent)]
    Fs(#[from] FsError),
    #[error("{}: not link-check results: {message}", path.display())]
    Linkcheck { path: PathBuf, message: String },
}

/// Loads the graph of `source` into a new in-memory store.
pub fn load(source: &Source, queries: Vec<NamedQuery>) -> Result<Snapshot, StoreError> {
    let store = Store::new()?;
    let (version, triples) = fill(&store, source, false)?;
    Ok(Snapshot {
        store,
        version,
        triples,
        organizations: source.organizations.len(),
        base: source.dataset.base.value.to_string(),
        dataset: crate::rdf::Iris::of(&source.dataset).dataset(),
        title: source.dataset.title.value.to_string(),
        queries,
        dumps: Arc::default(),
        names: None,
        search: true,
    })
}

/// Loads link-check results (`orgdir linkcheck --rdf FILE`: Turtle, or
/// N-Triples for `.nt`) into the named graph `<base>linkcheck`, replacing
/// what it held; the snapshot's version then covers them too, so cached
/// answers of the data without them are not served.
pub fn add_linkcheck(snapshot: &mut Snapshot, path: &Path) -> Result<(), StoreError> {
    use oxigraph::io::{RdfFormat, RdfParser};
    use oxigraph::model::NamedNode;
    let bytes = std::fs::read(path).map_err(FsError::io("read", path))?;
    let format = if path.extension().is_some_and(|e| e == "nt") {
        RdfFormat::NTriples
    } else {
        RdfFormat::Turtle
    };
    let graph = NamedNode::new(crate::linkcheck::rdf::graph_name(&snapshot.base)).map_err(|e| {
        StoreError::Linkcheck {
            path: path.to_owned(),
            message: format!("the link-check graph's name: {e}"),
        }
    })?;
    let mut quads = Vec::new();
    for quad in RdfParser::from_format(format).for_slice(&bytes) {
        let quad = quad.map_err(|e| StoreError::Linkcheck {
            path: path.to_owned(),
            message: e.to_string(),
        })?;
        quads.push(Quad::new(
            quad.subject,
            quad.predicate,
            quad.object,
            graph.clone(),
        ));
    }
    snapshot.store.clear_graph(&graph)?;
    snapshot.store.extend(quads)?;
    use sha2::{Digest, Sha256};
    let mut hash = Sha256::new();
    hash.update(snapshot.version.as_bytes());
    hash.update(&bytes);
    snapshot.version = crate::rdf::dump::hex(&hash.finalize());
    Ok(())
}

/// Writes the dumps of `source` into a temporary directory and fills `slot`
/// with them, or with why they could not be written.
pub fn write_dumps(slot: &DumpSlot, source: &Source) {
    let start = Instant::now();
    let dumps = Dumps::write_temporary(source).map_err(|e| {
        tracing::error!("cannot write the dumps: {e}");
        e.to_string()
    });
    tracing::debug!(elapsed = ?start.elapsed(), "dumps written");
    let _ = slot.set(dumps);
}

/// Bulk-loads the graph into `store`; returns its version (the SHA-256 of its
/// canonical N-Triples, as in void.ttl) and its triple count.
/// `bulk` for a RocksDB store, whose bulk loader writes SST files directly.
fn fill(store: &Store, source: &Source, bulk: bool) -> Result<(String, u64), StoreError> {
    let start = Instant::now();
    let graph = Graph::new(source);
    let mut hash = Hashing::new(io::sink());
    let mut triples = 0u64;
    {
        let mut nt = NTriplesWriter::new(&mut hash);
        let quads = graph.descriptions().flat_map(|d| {
            // Into a hashing sink: cannot fail.
            let _ = nt.write(&d);
            triples += d.properties.len() as u64;
            let subject = NamedOrBlankNode::from(d.subject);
            d.properties.into_iter().map(move |(p, o)| {
                Quad::new(subject.clone(), p.into_owned(), o, GraphName::DefaultGraph)
            })
        });
        if bulk {
            let mut loader = store.bulk_loader();
            loader.load_quads(quads)?;
            loader.commit()?;
        } else {
            // Into memory, batched inserts beat the bulk loader: 100,000
            // synthetic records load in 7.5 s against 10.2 s.
            let mut batch = Vec::with_capacity(8192);
            for quad in quads {
                batch.push(quad);
                if batch.len() == batch.capacity() {
                    store.extend(batch.drain(..))?;
                }
            }
            store.extend(batch)?;
        }
    }
    let (_, version) = hash.digest();
    tracing::debug!(triples, elapsed = ?start.elapsed(), "store loaded");
    Ok((version, triples))
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
fn parse_query(text: &str) -> Result<PreparedSparqlQuery, SparqlSyntaxError> {
    SparqlEvaluator::new().parse_query(text)
}

/// Written into a persistent store's directory once it is complete; a store
/// without it (an interrupted load) is never reused.
#[cfg(feature = "rocksdb")]
const INFO_FILE: &str = "orgdir-store.json";
/// The release files, written beside the RocksDB files when the store is built.
#[cfg(feature = "rocksdb")]
const DUMPS_DIR: &str = "dumps";

/// What a persistent store holds, so that a restart needs no YAML parsing.
#[cfg(feature = "rocksdb")]
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
struct StoreInfo {
    orgdir: String,
    /// Of the data directory's files: see [`fingerprint`].
    fingerprint: String,
    version: String,
    triples: u64,
    organizations: usize,
    base: String,
    dataset: String,
    title: String,
}

/// The persistent store in `dir`, when it was built from inputs of this
/// `fingerprint`; `None` when it must be built (see [`build_persistent`]).
/// A directory of files without orgdir's record of them is refused.
#[cfg(feature = "rocksdb")]
pub fn open_persistent(
    dir: &Path,
    fingerprint: &str,
    queries: &[NamedQuery],
) -> Result<Option<Snapshot>, StoreError> {
    let info_path = dir.join(INFO_FILE);
    let existing: Option<StoreInfo> = std::fs::read(&info_path)
        .ok()
        .and_then(|bytes| serde_json::from_slice(&bytes).ok());
    if let Some(info) = existing.filter(|i| i.fingerprint == fingerprint) {
        match Store::open(dir) {
            Ok(store) => return Ok(Some(snapshot(store, info, queries.to_vec(), dir))),
            Err(e) => tracing::warn!(
                "cannot reopen the store in {}: {e}; rebuilding",
                dir.display()
            ),
        }
    } else if dir.exists()
        && !info_path.exists()
        && std::fs::read_dir(dir).is_ok_and(|mut d| d.next().is_some())
    {
        return Err(FsError::ForeignOutput {
            path: dir.to_owned(),
            entries: "files but no orgdir-store.json".into(),
        }
        .into());
    }
    Ok(None)
}

/// Builds the persistent store of `source` (validated) beside `dir`, with
/// its release files, and swaps it in.
#[cfg(feature = "rocksdb")]
pub fn build_persistent(
    dir: &Path,
    source: &Source,
    fingerprint: String,
    queries: Vec<NamedQuery>,
) -> Result<Snapshot, StoreError> {
    let staging = crate::fsutil::staging_dir(dir)?;
    let info = {
        let store = Store::open(staging.path())?;
        let (version, triples) = fill(&store, source, true)?;
        store.flush()?;
        let dumps = staging.path().join(DUMPS_DIR);
        std::fs::create_dir(&dumps).map_err(FsError::io("create", &dumps))?;
        Dumps::write(source, &dumps)?;
        StoreInfo {
            orgdir: env!("CARGO_PKG_VERSION").into(),
            fingerprint,
            version,
            triples,
            organizations: source.organizations.len(),
            base: source.dataset.base.value.to_string(),
            dataset: crate::rdf::Iris::of(&source.dataset).dataset(),
            title: source.dataset.title.value.to_string(),
        }
    };
    let json = serde_json::to_vec_pretty(&info).expect("plain data serializes");
    let staged_info = staging.path().join(INFO_FILE);
    std::fs::write(&staged_info, json).map_err(FsError::io("write", &staged_info))?;
    crate::fsutil::replace_dir(staging, dir)?;
    let store = Store::open(dir)?;
    Ok(snapshot(store, info, queries, dir))
}

#[cfg(feature = "rocksdb")]
fn snapshot(store: Store, info: StoreInfo, queries: Vec<NamedQuery>, dir: &Path) -> Snapshot {
    let dumps = Dumps::open(&dir.join(DUMPS_DIR)).map_err(|e| e.to_string());
    Snapshot {
        store,
        version: info.version,
        triples: info.triples,
        organizations: info.organizations,
        base: info.base,
        dataset: info.dataset,
        title: info.title,
        queries,
        dumps: Arc::new(DumpSlot::from(dumps)),
        names: None,
        search: true,
    }
}
