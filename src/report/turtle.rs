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
    let mut w = serializer.for_writer(out);
    for t in triples(report) {
        w.serialize_triple(&t)?;
    }
    w.finish()?;
    Ok(())
}

/// The report as triples: results and path nodes are blank nodes.
pub fn triples(report: &Report) -> Vec<Triple> {
    let mut g = Vec::new();
    let root = BlankNode::default();
    let add = |g: &mut Vec<Triple>, s: &BlankNode, p: NamedNodeRef<'_>, o: Term| {
        g.push(Triple::new(s.clone(), p, o));
    };
    add(&mut g, &root, rdf::TYPE, sh::VALIDATION_REPORT.into());
    let conforms = Literal::new_typed_literal(report.conforms().to_string(), xsd::BOOLEAN);
    add(&mut g, &root, sh::CONFORMS, conforms.into());
    for f in &report.findings {
        let r = BlankNode::default();
        add(&mut g, &root, sh::RESULT, r.clone().into());
        add(&mut g, &r, rdf::TYPE, sh::VALIDATION_RESULT.into());
        add(&mut g, &r, sh::FOCUS_NODE, f.focus.clone());
        if let Some(p) = &f.path {
            let p = path(&mut g, p);
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
fn path(g: &mut Vec<Triple>, p: &Path) -> Term {
    let node = |g: &mut Vec<Triple>, predicate: NamedNodeRef<'_>, object: Term| {
        let n = BlankNode::default();
        g.push(Triple::new(n.clone(), predicate, object));
        Term::from(n)
    };
    match p {
        Path::Predicate(p) => p.clone().into(),
        Path::Sequence(paths) => list(g, paths),
        Path::Alternative(paths) => {
            let l = list(g, paths);
            node(g, sh::ALTERNATIVE_PATH, l)
        }
        Path::Inverse(inner) => {
            let i = path(g, inner);
            node(g, sh::INVERSE_PATH, i)
        }
        Path::ZeroOrMore(inner) => {
            let i = path(g, inner);
            node(g, sh::ZERO_OR_MORE_PATH, i)
        }
        Path::OneOrMore(inner) => {
            let i = path(g, inner);
            node(g, sh::ONE_OR_MORE_PATH, i)
        }
        Path::ZeroOrOne(inner) => {
            let i = path(g, inner);
            node(g, sh::ZERO_OR_ONE_PATH, i)
        }
    }
}

fn list(g: &mut Vec<Triple>, items: &[Path]) -> Term {
    let mut rest: Term = rdf::NIL.into();
    for item in items.iter().rev() {
        let cell = BlankNode::default();
        let first = path(g, item);
        g.push(Triple::new(cell.clone(), rdf::FIRST, first));
        g.push(Triple::new(cell.clone(), rdf::REST, rest));
        rest = cell.into();
    }
    rest
}
