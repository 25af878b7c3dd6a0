//! Runs rudof's SHACL engine (`shacl`, pinned exactly in Cargo.toml) over the
//! mapped graph. This is the only file that names the engine's types.
//!
//! The graph goes to the engine as triples, not as Turtle to parse again.
//! SHACL Core runs in the engine's native mode. The `sh:sparql` constraints of
//! targeted shapes run in [`super::sparql`] on an Oxigraph store of the same
//! triples; the engine builds its own store only when SPARQL is left to it.

use oxigraph::model::{GraphName, GraphNameRef, NamedOrBlankNode, Quad};
use oxigraph::store::Store;
use oxrdf::{NamedNode, Term, TripleRef};
use rudof_rdf::rdf_core::SHACLPath;
use rudof_rdf::rdf_impl::OxigraphInMemory;
use shacl::error::ValidationError;
use shacl::types::Severity as ShaclSeverity;
use shacl::validator::engine::{Engine, NativeEngine};
use shacl::validator::processor::ShaclProcessor;
use shacl::validator::report::ValidationResult;
use shacl::validator::{ShaclConfig, ShaclValidationMode};
use sparql_service::RdfData;

use super::{Finding, Path, Report, Severity, Shapes, locate, sparql};
use crate::rdf::Graph;
use crate::source::Source;

#[derive(Debug, thiserror::Error)]
#[error("the SHACL engine failed: {0}")]
pub struct EngineError(String);

/// Validates the graph of `source` against `shapes`, each result located in
/// the YAML.
pub fn validate(source: &Source, shapes: &Shapes) -> Result<Report, EngineError> {
    let graph = Graph::new(source);
    let mut data = OxigraphInMemory::new();
    let store = sparql_store(shapes)?;
    for d in graph.descriptions() {
        for (p, o) in &d.properties {
            data.add_triple_ref(&d.subject, *p, o)
                .map_err(|e| EngineError(e.to_string()))?;
        }
        if let Some(store) = &store {
            let subject = NamedOrBlankNode::from(d.subject.clone());
            store
                .extend(d.properties.iter().map(|(p, o)| {
                    Quad::new(subject.clone(), *p, o.clone(), GraphName::DefaultGraph)
                }))
                .map_err(|e| EngineError(e.to_string()))?;
        }
    }
    drop(graph);
    let mut report = run(data, store.as_ref(), shapes)?;
    locate::locate(source, &mut report.findings);
    report.findings.sort_by(|a, b| {
        let key = |f: &Finding| {
            f.location
                .as_ref()
                .map(|l| (source_order(source, &l.file), l.pos))
        };
        key(a)
            .cmp(&key(b))
            .then_with(|| b.severity.cmp(&a.severity))
    });
    Ok(report)
}

/// Validates any graph, given as triples (the W3C test suite uses this).
pub fn validate_graph<'a>(
    triples: impl IntoIterator<Item = TripleRef<'a>>,
    shapes: &Shapes,
) -> Result<Report, EngineError> {
    let mut data = OxigraphInMemory::new();
    let store = sparql_store(shapes)?;
    for t in triples {
        data.add_triple_ref(t.subject, t.predicate, t.object)
            .map_err(|e| EngineError(e.to_string()))?;
        if let Some(store) = &store {
            store
                .insert(t.in_graph(GraphNameRef::DefaultGraph))
                .map_err(|e| EngineError(e.to_string()))?;
        }
    }
    run(data, store.as_ref(), shapes)
}

/// A store for the SHACL-SPARQL constraints orgdir runs, if there are any.
fn sparql_store(shapes: &Shapes) -> Result<Option<Store>, EngineError> {
    if shapes.sparql.is_empty() {
        return Ok(None);
    }
    Store::new()
        .map(Some)
        .map_err(|e| EngineError(e.to_string()))
}

fn source_order(source: &Source, file: &std::path::Path) -> usize {
    source
        .files
        .iter()
        .position(|f| f.path == file)
        .unwrap_or(usize::MAX)
}

fn run(
    data: OxigraphInMemory,
    store: Option<&Store>,
    shapes: &Shapes,
) -> Result<Report, EngineError> {
    let data = RdfData::from_graph(data).map_err(|e| EngineError(e.to_string()))?;
    let mut validation = Processor {
        data,
        needs_store: shapes.engine_sparql,
    };
    let report = validation
        .validate(
            &shapes.schema,
            &ShaclValidationMode::Native,
            &ShaclConfig::default(),
        )
        .map_err(|e| EngineError(e.to_string()))?;
    let mut findings: Vec<Finding> = report.results().iter().map(finding).collect();
    if let Some(store) = store {
        findings.extend(sparql::run(&shapes.sparql, store).map_err(EngineError)?);
    }
    Ok(Report { findings })
}

/// The engine's in-memory processor, except that it builds the engine's
/// SPARQL store (a second copy of the data) only when the engine has SPARQL
/// to run.
struct Processor {
    data: RdfData,
    needs_store: bool,
}

impl ShaclProcessor<RdfData> for Processor {
    fn store(&self) -> &RdfData {
        &self.data
    }

    fn runner(_mode: &ShaclValidationMode, config: &ShaclConfig) -> Box<dyn Engine<RdfData>> {
        Box::new(NativeEngine::new(config.recursion_semantics()))
    }

    fn prepare_store(&mut self) -> Result<(), ValidationError> {
        if self.needs_store {
            self.data.check_store().map_err(ValidationError::from)?;
        }
        Ok(())
    }
}

fn finding(r: &ValidationResult) -> Finding {
    let severity = match r.severity() {
        ShaclSeverity::Violation => Severity::Violation,
        ShaclSeverity::Generic(iri) => Severity::Other(iri.named_node().clone()),
        ShaclSeverity::Warning => Severity::Warning,
        ShaclSeverity::Info | ShaclSeverity::Debug | ShaclSeverity::Trace => Severity::Info,
    };
    let component = match Term::from(r.constraint_component().clone()) {
        Term::NamedNode(n) => n,
        other => NamedNode::new_unchecked(other.to_string()),
    };
    let messages = r.message();
    let message = messages
        .get(None)
        .or_else(|| messages.iter().map(|(_, m)| m).min())
        .cloned()
        .unwrap_or_default();
    Finding {
        severity,
        component,
        shape: r.source().map(|s| Term::from(s.clone())),
        focus: Term::from(r.focus_node().clone()),
        path: r.path().map(path),
        value: r.value().map(|v| Term::from(v.clone())),
        message,
        location: None,
    }
}

fn path(p: &SHACLPath) -> Path {
    let all = |paths: &[SHACLPath]| paths.iter().map(path).collect();
    match p {
        SHACLPath::Predicate { pred } => Path::Predicate(pred.named_node().clone()),
        SHACLPath::Sequence { paths } => Path::Sequence(all(paths)),
        SHACLPath::Alternative { paths } => Path::Alternative(all(paths)),
        SHACLPath::Inverse { path: p } => Path::Inverse(Box::new(path(p))),
        SHACLPath::ZeroOrMore { path: p } => Path::ZeroOrMore(Box::new(path(p))),
        SHACLPath::OneOrMore { path: p } => Path::OneOrMore(Box::new(path(p))),
        SHACLPath::ZeroOrOne { path: p } => Path::ZeroOrOne(Box::new(path(p))),
    }
}
