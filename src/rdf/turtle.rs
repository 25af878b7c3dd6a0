//! Turtle for people: prefixes first, then one block per subject in N-Triples
//! order, `a` first, one predicate per line, a blank line between blocks.

use std::fmt::Write as _;
use std::io::{self, Write};

use oxrdf::{Literal, NamedNodeRef, Term};

use super::dump::DescriptionWriter;
use super::mapping::Description;
use super::ntriples::{push_literal, push_quoted};
use super::vocab::{rdf, xsd};

pub struct TurtleWriter<W: Write> {
    out: W,
    prefixes: Vec<(String, String)>,
    block: String,
}

impl<W: Write> TurtleWriter<W> {
    /// Writes the `@prefix` lines; `prefixes` are (name, namespace) pairs.
    pub fn new(mut out: W, prefixes: Vec<(String, String)>) -> io::Result<Self> {
        for (name, ns) in &prefixes {
            writeln!(out, "@prefix {name}: <{ns}> .")?;
        }
        Ok(TurtleWriter {
            out,
            prefixes,
            block: String::new(),
        })
    }

    fn iri(&self, out: &mut String, iri: &str) {
        for (name, ns) in &self.prefixes {
            if let Some(local) = iri.strip_prefix(ns.as_str())
                && is_simple_local_name(local)
            {
                out.push_str(name);
                out.push(':');
                out.push_str(local);
                return;
            }
        }
        out.push('<');
        out.push_str(iri);
        out.push('>');
    }

    fn term(&self, out: &mut String, term: &Term) {
        match term {
            Term::NamedNode(n) => self.iri(out, n.as_str()),
            Term::Literal(l) => self.literal(out, l),
            other => {
                let _ = write!(out, "{other}");
            }
        }
    }

    fn literal(&self, out: &mut String, l: &Literal) {
        if l.language().is_some() || l.datatype() == xsd::STRING {
            push_literal(out, l);
        } else {
            push_quoted(out, l.value());
            out.push_str("^^");
            self.iri(out, l.datatype().as_str());
        }
    }
}

/// Whether `local` can follow `prefix:` without escapes (a conservative subset
/// of Turtle's PN_LOCAL).
fn is_simple_local_name(local: &str) -> bool {
    let mut chars = local.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphanumeric() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
        && !local.ends_with('-')
}

impl<W: Write> DescriptionWriter for TurtleWriter<W> {
    fn write(&mut self, d: &Description) -> io::Result<()> {
        let mut block = std::mem::take(&mut self.block);
        block.clear();
        block.push('\n');
        self.iri(&mut block, d.subject.as_str());
        let types = d.properties.iter().filter(|(p, _)| *p == rdf::TYPE);
        let others = d.properties.iter().filter(|(p, _)| *p != rdf::TYPE);
        let mut previous: Option<NamedNodeRef<'_>> = None;
        for (p, o) in types.chain(others) {
            if previous == Some(*p) {
                block.push_str(" ,\n        ");
            } else {
                block.push_str(if previous.is_some() { " ;\n    " } else { " " });
                if *p == rdf::TYPE {
                    block.push('a');
                } else {
                    self.iri(&mut block, p.as_str());
                }
                block.push(' ');
                previous = Some(*p);
            }
            self.term(&mut block, o);
        }
        block.push_str(" .\n");
        self.out.write_all(block.as_bytes())?;
        self.block = block;
        Ok(())
    }

    fn finish(mut self: Box<Self>) -> io::Result<()> {
        self.out.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::is_simple_local_name;

    #[test]
    fn local_names() {
        assert!(is_simple_local_name("ala") && is_simple_local_name("new-mexico"));
        assert!(is_simple_local_name("4h") && is_simple_local_name("gYear"));
        assert!(!is_simple_local_name("ala/role/x") && !is_simple_local_name(""));
        assert!(
            !is_simple_local_name("a.")
                && !is_simple_local_name("-a")
                && !is_simple_local_name("a-")
        );
    }
}
