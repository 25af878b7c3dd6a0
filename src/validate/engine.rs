//! Runs rudof's SHACL engine (`shacl`, pinned exactly in Cargo.toml) over the
//! mapped graph. With graph.rs (which implements the engine's data traits),
//! this is the only file that names the engine's types.
//!
//! The graph goes to the engine as triples, not as Turtle to parse again, in
//! orgdir's own compact graph ([`super::graph`]), chunk by chunk of focus
//! nodes. SHACL Core runs in the engine's native mode, unless orgdir checks
//! it itself ([`super::native`], when the shapes keep to what it knows). The `sh:sparql`
//! constraints of targeted shapes run in [`super::sparql`], and any SPARQL
//! left to the engine too, with Oxigraph's evaluator over the same graph.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use oxigraph::model::NamedOrBlankNode;
use oxrdf::{NamedNode, Term, TripleRef};
use rudof_rdf::rdf_core::SHACLPath;
use shacl::types::Severity as ShaclSeverity;
use shacl::validator::engine::{Engine, NativeEngine};
use shacl::validator::processor::ShaclProcessor;
use shacl::validator::report::ValidationResult;
use shacl::validator::{ShaclConfig, ShaclValidationMode};

use super::graph::{self, View};
use super::{Finding, Path, Report, Severity, Shapes, locate, native, sparql};
use crate::rdf::Graph;
use crate::source::Source;

#[derive(Debug, thiserror::Error)]
#[error("the SHACL engine failed: {0}")]
pub struct EngineError(String);

/// How many focus nodes (typed subjects) the engine validates at a time.
/// Its state grows with the nodes it has seen: about 12 kB per record.
const CHUNK: usize = 5_000;

/// Validates the graph of `source` against `shapes`, each result located in
/// the YAML.
pub fn validate(source: &Source, shapes: &Shapes) -> Result<Report, EngineError> {
    let mut report = unlocated(collect(source), shapes)?;
    locate_all(source, &mut report);
    Ok(report)
}

/// The graph of `source`, ready for [`unlocated`]: after this the source is
/// needed again only to locate findings.
pub fn collect(source: &Source) -> graph::Builder {
    let graph = Graph::new(source);
    let mut builder = graph::Builder::default();
    for d in graph.descriptions() {
        let subject = NamedOrBlankNode::from(d.subject.clone());
        for (p, o) in &d.properties {
            builder.add(&subject, &p.into_owned(), o);
        }
    }
    tracing::debug!("validation: triples collected; {}", crate::fsutil::memory());
    builder
}

/// The graph of an N-Triples document (the data's canonical dump), ready for
/// [`unlocated`]: what [`collect`] gives, without the source in memory.
pub fn collect_ntriples(reader: impl std::io::Read) -> Result<graph::Builder, String> {
    let mut builder = graph::Builder::default();
    for triple in oxttl::NTriplesParser::new().for_reader(reader) {
        let t = triple.map_err(|e| e.to_string())?;
        builder.add(&t.subject, &t.predicate, &t.object);
    }
    tracing::debug!("validation: triples read back; {}", crate::fsutil::memory());
    Ok(builder)
}

/// Runs the engine over a collected graph; the findings are not located yet.
pub fn unlocated(builder: graph::Builder, shapes: &Shapes) -> Result<Report, EngineError> {
    let report = run(builder, shapes)?;
    tracing::debug!("validation: engine done; {}", crate::fsutil::memory());
    Ok(report)
}

/// Locates every finding in the YAML of `source` and puts them in file order.
pub fn locate_all(source: &Source, report: &mut Report) {
    locate::locate(source, &mut report.findings);
    // In file order (dataset.yaml first), then line and column.
    let order: std::collections::HashMap<&std::path::Path, usize> = source
        .files
        .iter()
        .enumerate()
        .map(|(i, f)| (f.path.as_path(), i))
        .collect();
    report.findings.sort_by(|a, b| {
        let key = |f: &Finding| {
            f.location
                .as_ref()
                .map(|l| (order.get(l.file.as_path()).copied(), l.pos))
        };
        key(a)
            .cmp(&key(b))
            .then_with(|| b.severity.cmp(&a.severity))
    });
}

/// Validates any graph, given as triples (the W3C test suite uses this).
pub fn validate_graph<'a>(
    triples: impl IntoIterator<Item = TripleRef<'a>>,
    shapes: &Shapes,
) -> Result<Report, EngineError> {
    let mut builder = graph::Builder::default();
    for t in triples {
        let t = t.into_owned();
        builder.add(&t.subject, &t.predicate, &t.object);
    }
    run(builder, shapes)
}

fn run(builder: graph::Builder, shapes: &Shapes) -> Result<Report, EngineError> {
    let graph = Arc::new(builder.finish(CHUNK));
    tracing::debug!(
        "validation: compact graph built; {}",
        crate::fsutil::memory()
    );
    // SHACL Core by orgdir itself where it can, beside the SPARQL constraints.
    if let Some(native) = &shapes.native {
        let checker = native::Checker::new(native, &graph);
        if let Some(focus) = checker.focus_nodes() {
            let (mut findings, sparql) = std::thread::scope(|scope| {
                let sparql =
                    scope.spawn(|| sparql::run(&shapes.sparql, &graph).map_err(EngineError));
                let findings = checker.run(&focus);
                (findings, sparql.join().expect("the SPARQL thread panicked"))
            });
            findings.extend(sparql?);
            return Ok(Report { findings });
        }
    }
    let chunks: Vec<Option<u32>> = if shapes.class_targets_only {
        (0..graph.chunks()).map(Some).collect()
    } else {
        vec![None]
    };
    // The engine keeps to about one core; chunks go to one thread per core,
    // and the SHACL-SPARQL constraints to one more, at the same time.
    let next = AtomicUsize::new(0);
    let workers = std::thread::available_parallelism().map_or(1, |n| n.get());
    let (results, sparql) = std::thread::scope(|scope| {
        let sparql = scope.spawn(|| sparql::run(&shapes.sparql, &graph).map_err(EngineError));
        let handles: Vec<_> = (0..workers.min(chunks.len()))
            .map(|_| {
                scope.spawn(|| {
                    let mut found = Vec::new();
                    loop {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        let Some(&chunk) = chunks.get(i) else {
                            return Ok(found);
                        };
                        let mut validation = Processor {
                            data: View::new(Arc::clone(&graph), chunk),
                        };
                        let report = validation
                            .validate(
                                &shapes.schema,
                                &ShaclValidationMode::Native,
                                &ShaclConfig::default(),
                            )
                            .map_err(|e| EngineError(e.to_string()))?;
                        found.extend(report.results().iter().map(finding));
                    }
                })
            })
            .collect();
        let results: Vec<Result<Vec<Finding>, EngineError>> = handles
            .into_iter()
            .map(|h| h.join().expect("a validation thread panicked"))
            .collect();
        (results, sparql.join().expect("the SPARQL thread panicked"))
    });
    let mut findings = Vec::new();
    for r in results {
        findings.extend(r?);
    }
    findings.extend(sparql?);
    Ok(Report { findings })
}

/// The engine's processor over a [`View`]: the native engine, without the
/// class index (built from every triple, it would ignore the view's chunk).
struct Processor {
    data: View,
}

impl ShaclProcessor<View> for Processor {
    fn store(&self) -> &View {
        &self.data
    }

    fn runner(_mode: &ShaclValidationMode, config: &ShaclConfig) -> Box<dyn Engine<View>> {
        Box::new(NativeEngine::new(config.recursion_semantics()))
    }

    fn use_class_index(&self) -> bool {
        false
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
