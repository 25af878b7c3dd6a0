//! N-Triples, one line per triple in canonical form (RDF 1.1 N-Triples
//! §canonical), sorted: for our IRI-only graphs these lines are also the
//! RDFC-1.0 canonical N-Quads of the dataset.
//!
//! Terms are written by hand rather than through `Display`: the dumps are
//! mostly long literals without anything to escape, which are then copied
//! whole. The escaping is oxrdf's canonical one; the tests compare the dump
//! with oxrdf's own canonical N-Quads.

use std::fmt::Write as _;
use std::io::{self, Write};

use oxrdf::{Literal, Term};

use super::dump::DescriptionWriter;
use super::mapping::Description;
use super::vocab::xsd;

/// Appends `"value"` with canonical N-Triples escapes.
pub fn push_quoted(out: &mut String, value: &str) {
    out.push('"');
    let plain = !value
        .bytes()
        .any(|b| b < 0x20 || b == 0x7F || b == b'"' || b == b'\\')
        && !value.contains(['\u{FFFE}', '\u{FFFF}']);
    if plain {
        out.push_str(value);
    } else {
        for c in value.chars() {
            match c {
                '\u{8}' => out.push_str("\\b"),
                '\t' => out.push_str("\\t"),
                '\n' => out.push_str("\\n"),
                '\u{C}' => out.push_str("\\f"),
                '\r' => out.push_str("\\r"),
                '"' => out.push_str("\\\""),
                '\\' => out.push_str("\\\\"),
                '\0'..='\u{1F}' | '\u{7F}' | '\u{FFFE}' | '\u{FFFF}' => {
                    let _ = write!(out, "\\u{:04X}", u32::from(c));
                }
                _ => out.push(c),
            }
        }
    }
    out.push('"');
}

/// Appends a literal in canonical N-Triples form.
pub fn push_literal(out: &mut String, l: &Literal) {
    push_quoted(out, l.value());
    if let Some(language) = l.language() {
        out.push('@');
        out.push_str(language);
    } else if l.datatype() != xsd::STRING {
        out.push_str("^^<");
        out.push_str(l.datatype().as_str());
        out.push('>');
    }
}

fn push_term(out: &mut String, term: &Term) {
    match term {
        Term::NamedNode(n) => {
            out.push('<');
            out.push_str(n.as_str());
            out.push('>');
        }
        Term::Literal(l) => push_literal(out, l),
        other => {
            let _ = write!(out, "{other}");
        }
    }
}

pub struct NTriplesWriter<W: Write> {
    out: W,
    lines: String,
}

impl<W: Write> NTriplesWriter<W> {
    pub fn new(out: W) -> Self {
        NTriplesWriter {
            out,
            lines: String::new(),
        }
    }
}

/// Appends the canonical N-Triples lines of `d`, in order.
pub fn push_description(out: &mut String, d: &Description) {
    for (p, o) in &d.properties {
        out.push('<');
        out.push_str(d.subject.as_str());
        out.push_str("> <");
        out.push_str(p.as_str());
        out.push_str("> ");
        push_term(out, o);
        out.push_str(" .\n");
    }
}

impl<W: Write> DescriptionWriter for NTriplesWriter<W> {
    fn write(&mut self, d: &Description) -> io::Result<()> {
        self.lines.clear();
        push_description(&mut self.lines, d);
        self.out.write_all(self.lines.as_bytes())
    }

    fn finish(mut self: Box<Self>) -> io::Result<()> {
        self.out.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn literals_are_written_as_oxrdf_writes_them() {
        for value in [
            "plain",
            "quote \" and \\",
            "tab\tnew\nline\r",
            "\u{0}\u{1F}\u{7F}é\u{FFFE}",
            "</script>",
        ] {
            for literal in [
                Literal::new_simple_literal(value),
                Literal::new_language_tagged_literal_unchecked(value, "en"),
                Literal::new_typed_literal(value, xsd::DATE),
            ] {
                let mut ours = String::new();
                push_literal(&mut ours, &literal);
                assert_eq!(ours, literal.to_string());
            }
        }
    }
}
