//! The standard `sh:ValidationReport` graph, in Turtle: what pySHACL and
//! rudof print, for tools that read SHACL reports.

use std::io::{self, Write};

use oxigraph::io::{RdfFormat, RdfSerializer};
use oxrdf::{BlankNode, Literal, NamedNodeRef, Term, Triple};

use super::PREFIXES;
use crate::rdf::vocab::{rdf, sh, xsd};
use crate::validate::{Path, Report};

pub fn write(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    let mut serializer = RdfSerializer::from_format(RdfFormat::Turtle);
    for (prefix, ns) in PREFIXES {
        serializer = serializer
            .with_prefix(*prefix, *ns)
            .expect("the prefixes are valid IRIs");
    }
    // Into a buffer of a type the serializer knows, as in super::write_pretty.
    let mut w = serializer.for_writer(io::BufWriter::with_capacity(1 << 16, out));
    for t in triples(report) {
        w.serialize_triple(&t)?;
    }
    w.finish()?.flush()
}

/// Blank node labels in the order the report makes them, so the same
/// results are written as the same bytes (random labels made every run's
/// report differ).
#[derive(Default)]
struct Labels(usize);

impl Labels {
    fn next(&mut self, kind: &str) -> BlankNode {
        self.0 += 1;
        BlankNode::new_unchecked(format!("{kind}{}", self.0))
    }
}

/// The report as triples: results and path nodes are blank nodes.
pub fn triples(report: &Report) -> Vec<Triple> {
    let mut g = Vec::new();
    let mut labels = Labels::default();
    let root = BlankNode::new_unchecked("report");
    let add = |g: &mut Vec<Triple>, s: &BlankNode, p: NamedNodeRef<'_>, o: Term| {
        g.push(Triple::new(s.clone(), p, o));
    };
    add(&mut g, &root, rdf::TYPE, sh::VALIDATION_REPORT.into());
    let conforms = Literal::new_typed_literal(report.conforms().to_string(), xsd::BOOLEAN);
    add(&mut g, &root, sh::CONFORMS, conforms.into());
    for f in &report.findings {
        let r = labels.next("r");
        add(&mut g, &root, sh::RESULT, r.clone().into());
        add(&mut g, &r, rdf::TYPE, sh::VALIDATION_RESULT.into());
        add(&mut g, &r, sh::FOCUS_NODE, f.focus.clone());
        if let Some(p) = &f.path {
            let p = path(&mut g, &mut labels, p);
            add(&mut g, &r, sh::RESULT_PATH, p);
        }
        if let Some(v) = &f.value {
            add(&mut g, &r, sh::VALUE, v.clone());
        }
        let severity = NamedNodeRef::new_unchecked(f.severity.iri());
        add(&mut g, &r, sh::RESULT_SEVERITY, severity.into());
        add(
            &mut g,
            &r,
            sh::SOURCE_CONSTRAINT_COMPONENT,
            f.component.clone().into(),
        );
        if let Some(shape) = &f.shape {
            add(&mut g, &r, sh::SOURCE_SHAPE, shape.clone());
        }
        if !f.message.is_empty() {
            let m = Literal::new_simple_literal(&f.message);
            add(&mut g, &r, sh::RESULT_MESSAGE, m.into());
        }
    }
    g
}

/// A path as SHACL writes it: an IRI, a list for a sequence, a node for the rest.
fn path(g: &mut Vec<Triple>, labels: &mut Labels, p: &Path) -> Term {
    let node =
        |g: &mut Vec<Triple>, labels: &mut Labels, predicate: NamedNodeRef<'_>, object: Term| {
            let n = labels.next("p");
            g.push(Triple::new(n.clone(), predicate, object));
            Term::from(n)
        };
    match p {
        Path::Predicate(p) => p.clone().into(),
        Path::Sequence(paths) => list(g, labels, paths),
        Path::Alternative(paths) => {
            let l = list(g, labels, paths);
            node(g, labels, sh::ALTERNATIVE_PATH, l)
        }
        Path::Inverse(inner) => {
            let i = path(g, labels, inner);
            node(g, labels, sh::INVERSE_PATH, i)
        }
        Path::ZeroOrMore(inner) => {
            let i = path(g, labels, inner);
            node(g, labels, sh::ZERO_OR_MORE_PATH, i)
        }
        Path::OneOrMore(inner) => {
            let i = path(g, labels, inner);
            node(g, labels, sh::ONE_OR_MORE_PATH, i)
        }
        Path::ZeroOrOne(inner) => {
            let i = path(g, labels, inner);
            node(g, labels, sh::ZERO_OR_ONE_PATH, i)
        }
    }
}

fn list(g: &mut Vec<Triple>, labels: &mut Labels, items: &[Path]) -> Term {
    let mut rest: Term = rdf::NIL.into();
    for item in items.iter().rev() {
        let cell = labels.next("p");
        let first = path(g, labels, item);
        g.push(Triple::new(cell.clone(), rdf::FIRST, first));
        g.push(Triple::new(cell.clone(), rdf::REST, rest));
        rest = cell.into();
    }
    rest
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_results_are_the_same_bytes() {
        let mut report = crate::report::sample_report();
        let p = |local: &str| {
            Path::Predicate(oxrdf::NamedNode::new_unchecked(format!(
                "http://schema.org/{local}"
            )))
        };
        report.findings[1].path = Some(Path::Sequence(vec![
            p("memberOf"),
            Path::Alternative(vec![p("name"), Path::Inverse(Box::new(p("member")))]),
            Path::ZeroOrMore(Box::new(p("parentOrganization"))),
        ]));
        let write_one = || {
            let mut out = Vec::new();
            write(&report, &mut out).unwrap();
            String::from_utf8(out).unwrap()
        };
        let first = write_one();
        assert_eq!(first, write_one());
        let parsed: Vec<_> = oxttl::TurtleParser::new()
            .for_slice(first.as_bytes())
            .collect::<Result<_, _>>()
            .unwrap();
        assert_eq!(parsed.len(), triples(&report).len(), "{first}");
        assert!(first.contains("_:report a sh:ValidationReport"), "{first}");
    }
}
