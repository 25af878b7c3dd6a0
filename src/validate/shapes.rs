//! Loads the shapes graph from a directory of Turtle files (`shapes/*.ttl`).
//!
//! The files are parsed with Oxigraph's Turtle parser, which gives the line
//! and column of a syntax error, into one graph; the engine then compiles it.
//! Blank nodes are renamed per file so that two files' `_:b0` stay apart.

use std::fs::File;
use std::io::BufReader;
use std::path::{Path, PathBuf};

use oxigraph::io::{RdfFormat, RdfParseError, RdfParser};
use oxigraph::model::{Graph, NamedNodeRef, TripleRef};
use rudof_rdf::rdf_impl::OxigraphInMemory;
use shacl::ir::IRSchema;

use super::native;
use super::sparql::{self, SparqlConstraint};
use crate::source::{Diagnostic, Pos};

/// Where the shapes come from: `--shapes DIR`, or `shapes/` when it exists,
/// or else the shapes built into orgdir (the ones this repository ships).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ShapesSource {
    Dir(PathBuf),
    Bundled,
}

/// The shapes of `shapes/`, built in for running orgdir outside its repository.
pub const BUNDLED: &[(&str, &str)] = &[
    ("dataset.ttl", include_str!("../../shapes/dataset.ttl")),
    (
        "organization.ttl",
        include_str!("../../shapes/organization.ttl"),
    ),
    ("relations.ttl", include_str!("../../shapes/relations.ttl")),
];

impl ShapesSource {
    /// `--shapes DIR` if given, else `shapes` in the working directory if it
    /// exists, else the built-in shapes.
    pub fn resolve(dir: Option<PathBuf>) -> Self {
        match dir {
            Some(d) => ShapesSource::Dir(d),
            None if Path::new("shapes").is_dir() => ShapesSource::Dir("shapes".into()),
            None => ShapesSource::Bundled,
        }
    }

    pub fn load(&self) -> Result<Shapes, ShapesError> {
        match self {
            ShapesSource::Dir(d) => Shapes::load(d),
            ShapesSource::Bundled => {
                let text: String = BUNDLED
                    .iter()
                    .map(|(_, t)| *t)
                    .collect::<Vec<_>>()
                    .join("\n");
                let mut shapes =
                    Shapes::from_turtle(&text, None).map_err(|message| ShapesError::Invalid {
                        dir: "(built-in shapes)".into(),
                        message,
                    })?;
                shapes.files = BUNDLED
                    .iter()
                    .map(|(name, _)| PathBuf::from(format!("(built-in)/{name}")))
                    .collect();
                Ok(shapes)
            }
        }
    }
}

impl std::fmt::Display for ShapesSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ShapesSource::Dir(d) => write!(f, "{}", d.display()),
            ShapesSource::Bundled => f.write_str("built-in"),
        }
    }
}

/// A compiled shapes graph and where it came from.
pub struct Shapes {
    pub(crate) schema: IRSchema,
    /// The SHACL-SPARQL constraints orgdir runs itself (see [`super::sparql`]).
    pub(crate) sparql: Vec<SparqlConstraint>,
    /// Whether every target is a class target, so that the data can be
    /// validated chunk by chunk of focus nodes (see [`super::graph`]).
    pub(crate) class_targets_only: bool,
    /// The shapes as orgdir checks them itself, when it can (see
    /// [`super::native`]); else the engine checks SHACL Core.
    pub(crate) native: Option<native::CoreShapes>,
    /// The files read, sorted.
    pub files: Vec<PathBuf>,
}

#[derive(Debug, thiserror::Error)]
pub enum ShapesError {
    /// A file cannot be read or is not valid Turtle.
    #[error("{} problem{} in the shapes", .0.len(), if .0.len() == 1 { "" } else { "s" })]
    Syntax(Vec<Diagnostic>),
    #[error("no shapes: {} holds no .ttl file", .0.display())]
    Empty(PathBuf),
    /// The graph parses but is not a valid shapes graph.
    #[error("invalid shapes in {}: {message}", dir.display())]
    Invalid { dir: PathBuf, message: String },
}

impl Shapes {
    /// Reads every `*.ttl` under `dir` (sorted, subdirectories included).
    pub fn load(dir: &Path) -> Result<Shapes, ShapesError> {
        let mut files = crate::fsutil::files(dir)
            .map_err(|e| ShapesError::Syntax(vec![Diagnostic::file(dir, e.to_string())]))?;
        files.retain(|p| p.extension().is_some_and(|e| e == "ttl"));
        if files.is_empty() {
            return Err(ShapesError::Empty(dir.to_owned()));
        }
        let mut graph = Graph::new();
        let mut problems = Vec::new();
        for path in &files {
            if let Err(d) = read_turtle(path, &mut graph) {
                problems.push(d);
            }
        }
        if !problems.is_empty() {
            return Err(ShapesError::Syntax(problems));
        }
        compile(graph, files).map_err(|message| ShapesError::Invalid {
            dir: dir.to_owned(),
            message,
        })
    }

    /// Whether orgdir checks these shapes' SHACL Core constraints itself.
    pub fn checked_natively(&self) -> bool {
        self.native.is_some()
    }

    /// These shapes with SHACL Core left to the engine, as for shapes that
    /// use more than orgdir checks itself (tests compare the two).
    pub fn with_engine_only(mut self) -> Self {
        self.native = None;
        self
    }

    /// Parses shapes given as Turtle text (for tests and the W3C suite).
    pub fn from_turtle(text: &str, base: Option<&str>) -> Result<Shapes, String> {
        let mut graph = Graph::new();
        let mut parser = RdfParser::from_format(RdfFormat::Turtle);
        if let Some(base) = base {
            parser = parser.with_base_iri(base).map_err(|e| e.to_string())?;
        }
        for quad in parser.for_slice(text.as_bytes()) {
            let quad = quad.map_err(|e| e.to_string())?;
            graph.insert(TripleRef::new(&quad.subject, &quad.predicate, &quad.object));
        }
        compile(graph, Vec::new())
    }
}

fn compile(mut graph: Graph, files: Vec<PathBuf>) -> Result<Shapes, String> {
    let sparql = sparql::extract(&mut graph)?;
    let class_targets_only = [
        "targetNode",
        "targetSubjectsOf",
        "targetObjectsOf",
        "targetWhere",
        "target",
    ]
    .iter()
    .all(|t| {
        let p = format!("{}{t}", crate::rdf::vocab::sh::NS);
        graph
            .triples_for_predicate(NamedNodeRef::new_unchecked(&p))
            .next()
            .is_none()
    });
    let native = native::compile(&graph);
    let mut engine_graph = OxigraphInMemory::new();
    for t in &graph {
        engine_graph
            .add_triple_ref(t.subject, t.predicate, t.object)
            .map_err(|e| e.to_string())?;
    }
    let ast = shacl::rdf::ShaclParser::new(engine_graph)
        .parse()
        .map_err(|e| e.to_string())?;
    Ok(Shapes {
        schema: IRSchema::try_from(ast).map_err(|e| e.to_string())?,
        sparql,
        class_targets_only,
        native,
        files,
    })
}

/// Adds the triples of one Turtle file to `graph`, or says where it is wrong.
fn read_turtle(path: &Path, graph: &mut Graph) -> Result<(), Diagnostic> {
    let file = File::open(path).map_err(|e| Diagnostic::file(path, e.to_string()))?;
    let base = format!("file://{}", path.display());
    let parser = RdfParser::from_format(RdfFormat::Turtle)
        .with_base_iri(&base)
        .unwrap_or_else(|_| RdfParser::from_format(RdfFormat::Turtle))
        .rename_blank_nodes();
    for quad in parser.for_reader(BufReader::new(file)) {
        match quad {
            Ok(q) => {
                graph.insert(TripleRef::new(&q.subject, &q.predicate, &q.object));
            }
            Err(RdfParseError::Syntax(e)) => {
                let message = e.to_string();
                // The message starts with its own "Parser error at line ..."; the
                // diagnostic shows the position in FILE:LINE:COL form instead.
                let message = match message.split_once(": ") {
                    Some((head, rest)) if head.contains("line") => rest.to_owned(),
                    _ => message,
                };
                return Err(match e.location() {
                    Some(range) => {
                        let pos = Pos {
                            line: u32::try_from(range.start.line + 1).unwrap_or(u32::MAX),
                            col: u32::try_from(range.start.column + 1).unwrap_or(u32::MAX),
                        };
                        Diagnostic::at(path, pos, message)
                    }
                    None => Diagnostic::file(path, message),
                });
            }
            Err(RdfParseError::Io(e)) => return Err(Diagnostic::file(path, e.to_string())),
        }
    }
    Ok(())
}
