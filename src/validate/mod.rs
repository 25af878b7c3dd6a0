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
pub mod remember;
pub mod shapes;
pub mod sparql;
mod terms;

use std::fmt;
use std::path::PathBuf;

use oxrdf::{NamedNode, Term};

use crate::source::Pos;

pub use engine::{validate, validate_graph};
pub use shapes::{Shapes, ShapesError, ShapesSource};

use crate::error::{Error, exit};
use crate::report::{self, Context, ReportFormat};
use crate::source::{self, Limits, Source};

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
}

/// Loads, validates and writes the report to `out`; returns the exit code:
/// 0 when the data passes, 1 when it does not.
pub fn run(options: &ValidateOptions, out: &mut dyn std::io::Write) -> Result<u8, Error> {
    let start = std::time::Instant::now();
    let shapes = options.shapes.load()?;
    let source = source::load(&options.data, options.limits)?;
    let loaded = start.elapsed();
    tracing::debug!("validation: source loaded; {}", crate::fsutil::memory());
    let organizations = source.organizations.len();
    let report = validate_dropping(source, &options.data, options.limits, &shapes, None)?;
    let validated = start.elapsed();
    let context = context(organizations, &shapes, &options.shapes);
    let mut buffered = std::io::BufWriter::with_capacity(1 << 16, out);
    report::write(&report, &context, options.format, &mut buffered)
        .and_then(|()| std::io::Write::flush(&mut buffered))
        .map_err(Error::io("write", "the report"))?;
    if options.timings {
        eprintln!(
            "orgdir: load {:.3} s, validate and locate {:.3} s, report ({} results) {:.3} s",
            loaded.as_secs_f64(),
            (validated - loaded).as_secs_f64(),
            report.findings.len(),
            (start.elapsed() - validated).as_secs_f64()
        );
    }
    Ok(if report.passes(options.strict) {
        exit::SUCCESS
    } else {
        exit::FINDINGS
    })
}

/// Validation before publishing (`build`, `serve`): a violation is an error
/// that carries the text report. Otherwise returns the number of warnings and
/// their text report (empty when there are none), to be shown.
pub fn check(source: &Source, shapes: &ShapesSource) -> Result<(usize, String), Error> {
    let loaded = shapes.load()?;
    let report = validate(source, &loaded)?;
    verdict(
        &report,
        &context(source.organizations.len(), &loaded, shapes),
    )
}

/// [`check`] for a caller done with the source: it is dropped while the
/// engine runs (at a million records it takes a gigabyte, more than the
/// graph) and loaded again from `data` only if there are findings to locate.
pub fn check_dropping(
    source: Source,
    data: &std::path::Path,
    limits: Limits,
    shapes: &ShapesSource,
    ntriples: Option<&std::path::Path>,
) -> Result<(usize, String), Error> {
    let loaded = shapes.load()?;
    let organizations = source.organizations.len();
    let report = validate_dropping(source, data, limits, &loaded, ntriples)?;
    verdict(&report, &context(organizations, &loaded, shapes))
}

/// Validates `source`, dropping it before the graph is collected; with
/// findings, loads it again to locate them.
///
/// The graph is read back from `ntriples`, the source's canonical N-Triples
/// (`build` has just written them), or from a temporary file of them written
/// here: holding the source and the graph at once is what made validation
/// peak at 1.6 GB for a million records.
fn validate_dropping(
    source: Source,
    data: &std::path::Path,
    limits: Limits,
    shapes: &Shapes,
    ntriples: Option<&std::path::Path>,
) -> Result<Report, Error> {
    use crate::rdf::DescriptionWriter;
    use std::io::{BufReader, BufWriter, Seek};
    let spill = |e: std::io::Error| Error::io("write a temporary file of", "the graph")(e);
    let file = match ntriples {
        Some(path) => std::fs::File::open(path).map_err(Error::io("read", path))?,
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
        .map_err(|e| Error::Query(format!("reading the graph back: {e}")))?;
    let mut report = engine::unlocated(builder, shapes)?;
    if report.findings.is_empty() {
        return Ok(report);
    }
    let source = source::load(data, limits)?;
    engine::locate_all(&source, &mut report);
    Ok(report)
}

/// Passes with the warnings' count and text, or fails with the violations.
fn verdict(report: &Report, context: &Context<'_>) -> Result<(usize, String), Error> {
    let text = if report.findings.is_empty() {
        String::new()
    } else {
        report::text::render(report, context)
    };
    if report.passes(false) {
        return Ok((report.findings.len(), text));
    }
    Err(Error::Invalid {
        violations: report.violations(),
        report: text,
    })
}

fn context<'a>(organizations: usize, shapes: &'a Shapes, from: &ShapesSource) -> Context<'a> {
    Context {
        organizations,
        shape_files: &shapes.files,
        shapes_label: from.to_string(),
    }
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
            Severity::Info => "http://www.w3.org/ns/shacl#Info",
            Severity::Warning => "http://www.w3.org/ns/shacl#Warning",
            Severity::Violation => "http://www.w3.org/ns/shacl#Violation",
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
