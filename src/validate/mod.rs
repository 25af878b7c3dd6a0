//! SHACL validation of the mapped graph, each result pointed back at the YAML.
//!
//! Validators report a focus node and a path; maintainers edit YAML. orgdir
//! owns both, so every result is located at the key whose value broke it
//! (see [`locate`]). The engine is rudof's `shacl` crate, pinned exactly and
//! used only from [`engine`] and [`graph`], so that a change of engine stays
//! in this module.
//!
//! - [`shapes`] reads `shapes/*.ttl` (the user's own shapes included);
//! - [`engine`] runs the engine over the graph `rdf::mapping` produces, or
//!   [`native`], orgdir's own checks of the SHACL Core its shapes use;
//! - [`graph`] holds the data as the engine and the SPARQL evaluator read it;
//! - [`sparql`] runs the SHACL-SPARQL constraints of targeted shapes with
//!   Oxigraph's evaluator over that graph, [`closure`] answering their
//!   `(p|q)+` paths;
//! - [`locate`] maps each result to a file, line and column.

mod closure;
pub mod engine;
pub mod graph;
pub mod locate;
mod native;
pub mod shapes;
pub mod sparql;
mod terms;

use std::fmt;
use std::path::PathBuf;

use oxrdf::{NamedNode, Term};

use crate::source::Pos;

pub use engine::{validate, validate_graph};
pub use shapes::{Shapes, ShapesError, ShapesSource};

pub use engine::EngineError;

use crate::fsutil::FsError;
use crate::source::{self, Limits, Source};

/// What stops a validation from giving its report.
#[derive(Debug, thiserror::Error)]
pub enum ValidateError {
    #[error(transparent)]
    Shapes(#[from] ShapesError),
    #[error(transparent)]
    Engine(#[from] EngineError),
    #[error(transparent)]
    Source(#[from] source::SourceError),
    #[error(transparent)]
    Fs(#[from] FsError),
    #[error("reading the graph back: {0}")]
    ReadBack(String),
}

/// Up to this many organizations, validation holds the source and its graph
/// at once and collects the graph straight from the source. Above it, the
/// source is dropped first and the graph read back from N-Triples: holding
/// both made validation peak at 1.6 GB for a million records. Measured with
/// `orgdir validate` on synthetic records (bench/RESULTS.md): at 100,000,
/// held 4.8 to 5.6 s and 250 MB, dropped 6.9 to 8.1 s and 150 MB; at
/// 250,000, held 16.0 s and 602 MB, dropped 21.2 s and 330 MB.
pub const HOLD_SOURCE_UP_TO: usize = 250_000;

/// Validates `source`; above `hold_up_to` organizations it is dropped before
/// the graph is collected and, with findings, loaded again to locate them.
///
/// The graph is then read back from `ntriples`, the source's canonical
/// N-Triples (`build` has just written them), or from a temporary file of
/// them written here.
pub fn validate_dropping(
    source: Source,
    data: &std::path::Path,
    limits: Limits,
    shapes: &Shapes,
    ntriples: Option<&std::path::Path>,
    hold_up_to: usize,
) -> Result<Report, ValidateError> {
    if source.organizations.len() <= hold_up_to {
        return Ok(validate(&source, shapes)?);
    }
    use crate::rdf::DescriptionWriter;
    use std::io::{BufReader, BufWriter, Seek};
    let spill = |e: std::io::Error| FsError::io("write a temporary file of", "the graph")(e);
    let file = match ntriples {
        Some(path) => std::fs::File::open(path).map_err(FsError::io("read", path))?,
        None => {
            let mut out = BufWriter::with_capacity(1 << 16, tempfile::tempfile().map_err(spill)?);
            let mut writer = crate::rdf::ntriples::NTriplesWriter::new(&mut out);
            for d in crate::rdf::Graph::new(&source).descriptions() {
                writer.write(&d).map_err(spill)?;
            }
            let mut file = out.into_inner().map_err(|e| spill(e.into_error()))?;
            file.rewind().map_err(spill)?;
            file
        }
    };
    drop(source);
    let builder = engine::collect_ntriples(BufReader::with_capacity(1 << 16, file))
        .map_err(|e| ValidateError::ReadBack(e.to_string()))?;
    let mut report = engine::unlocated(builder, shapes)?;
    if report.findings.is_empty() {
        return Ok(report);
    }
    let source = source::load(data, limits)?;
    engine::locate_all(&source, &mut report);
    Ok(report)
}

/// How serious a result is (`sh:severity`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Severity {
    Info,
    Warning,
    Violation,
    /// A severity of the shapes' own: it fails validation like a violation.
    Other(NamedNode),
}

impl Severity {
    pub fn iri(&self) -> &str {
        match self {
            Severity::Info => crate::rdf::vocab::sh::INFO.as_str(),
            Severity::Warning => crate::rdf::vocab::sh::WARNING.as_str(),
            Severity::Violation => crate::rdf::vocab::sh::VIOLATION.as_str(),
            Severity::Other(iri) => iri.as_str(),
        }
    }

    /// Whether the result fails validation without `--strict`.
    pub fn fails(&self) -> bool {
        matches!(self, Severity::Violation | Severity::Other(_))
    }

    fn rank(&self) -> u8 {
        match self {
            Severity::Info => 0,
            Severity::Warning => 1,
            Severity::Violation | Severity::Other(_) => 2,
        }
    }
}

impl PartialOrd for Severity {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Severity {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.rank()
            .cmp(&other.rank())
            .then_with(|| self.iri().cmp(other.iri()))
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Severity::Info => f.write_str("info"),
            Severity::Warning => f.write_str("warning"),
            Severity::Violation => f.write_str("violation"),
            Severity::Other(iri) => write!(f, "{iri}"),
        }
    }
}

impl serde::Serialize for Severity {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// One validation result (`sh:ValidationResult`), with its YAML location.
#[derive(Debug, Clone, PartialEq)]
pub struct Finding {
    pub severity: Severity,
    /// `sh:sourceConstraintComponent`, e.g. `sh:MinCountConstraintComponent`.
    pub component: NamedNode,
    /// `sh:sourceShape`: an IRI or a blank node label.
    pub shape: Option<Term>,
    pub focus: Term,
    /// `sh:resultPath`.
    pub path: Option<Path>,
    pub value: Option<Term>,
    pub message: String,
    pub location: Option<Location>,
}

/// A SHACL property path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Path {
    Predicate(NamedNode),
    Sequence(Vec<Path>),
    Alternative(Vec<Path>),
    Inverse(Box<Path>),
    ZeroOrMore(Box<Path>),
    OneOrMore(Box<Path>),
    ZeroOrOne(Box<Path>),
}

impl Path {
    /// The predicate the path starts with: the YAML key it reads
    /// (`schema:additionalType` for `( schema:additionalType skos:notation )`).
    pub fn first_predicate(&self) -> Option<&NamedNode> {
        match self {
            Path::Predicate(p) => Some(p),
            Path::Sequence(paths) => paths.first().and_then(Path::first_predicate),
            _ => None,
        }
    }
}

/// SPARQL property path syntax, IRIs in `<...>`.
impl fmt::Display for Path {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let join = |f: &mut fmt::Formatter<'_>, paths: &[Path], sep: &str| {
            f.write_str("(")?;
            for (i, p) in paths.iter().enumerate() {
                if i > 0 {
                    f.write_str(sep)?;
                }
                write!(f, "{p}")?;
            }
            f.write_str(")")
        };
        match self {
            Path::Predicate(p) => write!(f, "{p}"),
            Path::Sequence(paths) => join(f, paths, " / "),
            Path::Alternative(paths) => join(f, paths, " | "),
            Path::Inverse(p) => write!(f, "^{p}"),
            Path::ZeroOrMore(p) => write!(f, "{p}*"),
            Path::OneOrMore(p) => write!(f, "{p}+"),
            Path::ZeroOrOne(p) => write!(f, "{p}?"),
        }
    }
}

/// Where in the YAML a finding points.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location {
    pub file: PathBuf,
    /// The key whose value is wrong, or the record's first key for a missing one.
    pub pos: Pos,
    /// The value to underline, when there is one.
    pub value: Option<Pos>,
    /// A suggestion (`did you mean ...?`), for a reference to an unknown id.
    pub help: Option<String>,
}

/// Every result of a validation, in file, line and column order.
#[derive(Debug, Clone, Default)]
pub struct Report {
    pub findings: Vec<Finding>,
}

impl Report {
    /// Results that fail validation: violations and the shapes' own severities.
    pub fn violations(&self) -> usize {
        self.findings.iter().filter(|f| f.severity.fails()).count()
    }

    pub fn warnings(&self) -> usize {
        self.findings
            .iter()
            .filter(|f| f.severity == Severity::Warning)
            .count()
    }

    /// `sh:conforms`: in SHACL, any result at all, a warning included, means
    /// the data does not conform.
    pub fn conforms(&self) -> bool {
        self.findings.is_empty()
    }

    /// Whether orgdir accepts the data: no violation, and with `strict` no
    /// result at all.
    pub fn passes(&self, strict: bool) -> bool {
        if strict {
            self.findings.is_empty()
        } else {
            self.violations() == 0
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Both ways of collecting the graph, the source held or dropped and
    /// read back from text (then loaded again to locate), find the same, at
    /// the same lines.
    #[test]
    fn holding_or_dropping_the_source_finds_the_same() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let shapes = ShapesSource::Dir(root.join("shapes")).load().unwrap();
        let cases = root.join("tests/fixtures/invalid/shacl");
        let mut compared = 0;
        for entry in std::fs::read_dir(&cases).unwrap() {
            let data = entry.unwrap().path().join("data");
            if !data.is_dir() {
                continue;
            }
            let run = |hold_up_to| {
                let source = source::load(&data, Limits::default()).unwrap();
                validate_dropping(source, &data, Limits::default(), &shapes, None, hold_up_to)
                    .unwrap()
                    .findings
            };
            let (held, dropped) = (run(usize::MAX), run(0));
            assert!(!held.is_empty(), "{}", data.display());
            assert!(held.iter().all(|f| f.location.is_some()));
            assert_eq!(held, dropped, "{}", data.display());
            compared += 1;
        }
        assert!(compared >= 10, "{compared} cases");
    }
}
