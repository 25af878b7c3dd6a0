//! Validation reports for people and machines: one [`Report`] value, one
//! writer per [`ReportFormat`].

mod json;
pub(crate) mod sarif;
/// The SARIF 2.1.0 schema, for every SARIF orgdir writes.
pub use sarif::SCHEMA as SARIF_SCHEMA;
pub(crate) mod text;
mod turtle;

use std::io::{self, Write};

use crate::rdf::vocab;
use crate::validate::Report;

/// How a report is written (`orgdir validate --format`; cli.rs says what
/// each is, as help): one formatter file each.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReportFormat {
    Text,
    Turtle,
    Json,
    Sarif,
}

/// What the report describes besides its results.
pub struct Context<'a> {
    pub organizations: usize,
    pub shape_files: &'a [std::path::PathBuf],
    /// Where the shapes came from: a directory or `built-in`.
    pub shapes_label: String,
}

pub fn write(
    report: &Report,
    context: &Context<'_>,
    format: ReportFormat,
    shown: text::Shown,
    out: &mut dyn Write,
) -> io::Result<()> {
    match format {
        ReportFormat::Text => out.write_all(text::render_shown(report, context, shown).as_bytes()),
        ReportFormat::Turtle => turtle::write(report, out),
        ReportFormat::Json => json::write(report, context, out),
        ReportFormat::Sarif => sarif::write(report, out),
    }
}

/// Short forms of the IRIs a report shows.
const PREFIXES: &[(&str, &str)] = &[
    ("sh", vocab::sh::NS),
    ("schema", vocab::schema::NS),
    ("skos", vocab::skos::NS),
    ("xsd", vocab::xsd::NS),
    ("rdf", vocab::rdf::NS),
    ("os", "urn:orgdir:shapes#"),
];

/// `<http://schema.org/url>` -> `schema:url`; other IRIs keep their brackets.
/// `text` escaped for HTML or XML text and attribute values.
pub fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

/// `text` as HTML, escaped, with its Markdown code spans (`` `x` ``) as
/// `<code>` elements: the named queries' descriptions and the link
/// checker's suggestions are written in Markdown for the Markdown report
/// and read in HTML too. An unpaired backtick stays as it is.
pub fn html_code_spans(text: &str) -> String {
    let parts: Vec<&str> = text.split('`').collect();
    if parts.len() < 3 {
        return escape(text);
    }
    let mut out = String::with_capacity(text.len() + 16);
    for (i, part) in parts.iter().enumerate() {
        let last_unpaired = i == parts.len() - 1 && i % 2 == 1;
        if i % 2 == 1 && !last_unpaired {
            out.push_str("<code>");
            out.push_str(&escape(part));
            out.push_str("</code>");
        } else {
            if last_unpaired {
                out.push('`');
            }
            out.push_str(&escape(part));
        }
    }
    out
}

pub fn compact(iri: &str) -> String {
    let mut out = String::with_capacity(iri.len() + 2);
    push_compact(&mut out, iri);
    out
}

/// [`compact`], appended to `out`: the text report writes 100,000 of them
/// without a String each.
pub fn push_compact(out: &mut String, iri: &str) {
    for (prefix, ns) in PREFIXES {
        if let Some(local) = iri.strip_prefix(ns)
            && !local.is_empty()
            && local
                .chars()
                .all(|c| c.is_alphanumeric() || c == '_' || c == '-')
        {
            out.push_str(prefix);
            out.push(':');
            out.push_str(local);
            return;
        }
    }
    out.push('<');
    out.push_str(iri);
    out.push('>');
}

/// serde_json's `PrettyFormatter` with an indent of two spaces, the same
/// bytes, but each line break and its indentation one write, not one write
/// a level: 100,000 SARIF results (nine levels deep) were written in a
/// median 0.196 s of 6 runs through the buffer alone, 0.146 s of 7 with
/// this too (`orgdir -v validate --format sarif`'s report step; the tests
/// compare the bytes with `to_writer_pretty`'s).
#[derive(Default)]
pub(crate) struct Pretty {
    level: usize,
    has_value: bool,
}

/// `,` then a line break and 64 levels of indentation.
const BREAK: &[u8; 130] = b",\n                                                                                                                                ";

impl Pretty {
    /// A line break at the current level, after a comma unless `first`.
    fn line<W: ?Sized + io::Write>(&self, w: &mut W, first: bool) -> io::Result<()> {
        let from = usize::from(first);
        match BREAK.get(..2 + 2 * self.level) {
            Some(line) => w.write_all(&line[from..]),
            None => {
                w.write_all(&BREAK[from..2])?;
                (0..self.level).try_for_each(|_| w.write_all(b"  "))
            }
        }
    }

    fn close<W: ?Sized + io::Write>(&mut self, w: &mut W, bracket: &[u8]) -> io::Result<()> {
        self.level -= 1;
        if self.has_value {
            self.line(w, true)?;
        }
        w.write_all(bracket)
    }
}

impl serde_json::ser::Formatter for Pretty {
    fn begin_array<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.level += 1;
        self.has_value = false;
        w.write_all(b"[")
    }

    fn end_array<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.close(w, b"]")
    }

    fn begin_array_value<W: ?Sized + io::Write>(
        &mut self,
        w: &mut W,
        first: bool,
    ) -> io::Result<()> {
        self.line(w, first)
    }

    fn end_array_value<W: ?Sized + io::Write>(&mut self, _: &mut W) -> io::Result<()> {
        self.has_value = true;
        Ok(())
    }

    fn begin_object<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.level += 1;
        self.has_value = false;
        w.write_all(b"{")
    }

    fn end_object<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.close(w, b"}")
    }

    fn begin_object_key<W: ?Sized + io::Write>(
        &mut self,
        w: &mut W,
        first: bool,
    ) -> io::Result<()> {
        self.line(w, first)
    }

    fn begin_object_value<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        w.write_all(b": ")
    }

    fn end_object_value<W: ?Sized + io::Write>(&mut self, _: &mut W) -> io::Result<()> {
        self.has_value = true;
        Ok(())
    }
}

/// `value` as pretty JSON (as `serde_json::to_writer_pretty`) and a line
/// break, through a buffer of a type serde_json knows: written a few bytes
/// at a time through `dyn Write`, 100,000 SARIF results took 0.28-0.43 s,
/// against 0.08-0.11 s pretty-printed into `io::sink()`.
pub(crate) fn write_pretty(value: &impl serde::Serialize, out: &mut dyn Write) -> io::Result<()> {
    let mut buffered = io::BufWriter::with_capacity(1 << 16, out);
    value.serialize(&mut serde_json::Serializer::with_formatter(
        &mut buffered,
        Pretty::default(),
    ))?;
    buffered.write_all(b"\n")?;
    buffered.flush()
}

/// A value serialized as the string its `Display` writes, straight into
/// the output (serde's `collect_str`, escaped as a `String` field is): the
/// JSON and SARIF reports name terms and files without a String each.
pub(crate) struct Displayed<T>(pub T);

impl<T: std::fmt::Display> serde::Serialize for Displayed<T> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(&self.0)
    }
}

/// Compacts every `<iri>` in a SPARQL path or a term's N-Triples form.
pub fn compact_all(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    push_compact_all(&mut out, text);
    out
}

/// [`compact_all`], appended to `out`.
pub fn push_compact_all(out: &mut String, text: &str) {
    let mut rest = text;
    while let Some(start) = rest.find('<') {
        let Some(len) = rest[start..].find('>') else {
            break;
        };
        out.push_str(&rest[..start]);
        push_compact(out, &rest[start + 1..start + len]);
        rest = &rest[start + len + 1..];
    }
    out.push_str(rest);
}

/// The name of a rule: the constraint component's local name, for SARIF rule
/// ids and JSON.
pub fn component_name(iri: &str) -> &str {
    iri.rsplit(['#', '/']).next().unwrap_or(iri)
}

/// Results with every optional part present and absent, every severity,
/// and text that JSON must escape: what the writers' tests compare on.
#[cfg(test)]
pub(crate) fn sample_report() -> Report {
    use oxrdf::{Literal, NamedNode, Term};

    use crate::source::Pos;
    use crate::validate::{Finding, Location, Path, Severity};
    let sh = |local: &str| NamedNode::new_unchecked(format!("http://www.w3.org/ns/shacl#{local}"));
    let org =
        |id: &str| Term::NamedNode(NamedNode::new_unchecked(format!("https://x.test/org/{id}")));
    let full = Finding {
        severity: Severity::Violation,
        component: sh("MinCountConstraintComponent"),
        shape: Some(Term::NamedNode(NamedNode::new_unchecked(
            "urn:orgdir:shapes#Org",
        ))),
        focus: org("a"),
        path: Some(Path::Predicate(vocab::schema::NAME.into_owned())),
        value: Some(Term::Literal(Literal::new_simple_literal(
            "a \"quoted\" \\ tab\t \u{1} é",
        ))),
        message: "needs a \"name\"\n(and more)".into(),
        location: Some(Location {
            file: std::path::PathBuf::from("./data/more/orgs.yaml"),
            pos: Pos { line: 3, col: 5 },
            value: Some(Pos { line: 3, col: 11 }),
            help: Some("did you mean `b`?".into()),
        }),
    };
    let bare = Finding {
        severity: Severity::Warning,
        component: sh("PatternConstraintComponent"),
        shape: None,
        focus: org("b"),
        path: None,
        value: None,
        message: "plain".into(),
        location: None,
    };
    let mut findings = vec![full.clone(), bare.clone()];
    for severity in [Severity::Info, Severity::Other(sh("Custom"))] {
        findings.push(Finding {
            severity,
            component: sh("SPARQLConstraintComponent"),
            ..full.clone()
        });
    }
    // A location without help or an underlined value.
    let mut located = bare;
    located.location = Some(Location {
        file: std::path::PathBuf::from("data/orgs.yaml"),
        pos: Pos { line: 9, col: 1 },
        value: None,
        help: None,
    });
    findings.push(located);
    Report { findings }
}

#[cfg(test)]
mod tests {
    #[test]
    fn code_spans_become_code_elements_and_the_rest_is_escaped() {
        assert_eq!(
            super::html_code_spans("run `orgdir <x>` & see"),
            "run <code>orgdir &lt;x&gt;</code> &amp; see"
        );
        assert_eq!(super::html_code_spans("a ` b"), "a ` b");
        assert_eq!(
            super::html_code_spans("`a` and `b"),
            "<code>a</code> and `b"
        );
    }

    use super::*;

    #[test]
    fn pretty_writes_the_bytes_of_serde_jsons_pretty_printer() {
        let mut deep = serde_json::json!("leaf");
        // Past the 64 levels of indentation written at once.
        for level in 0..70 {
            deep = if level % 2 == 0 {
                serde_json::json!({ "k": deep, "n": level, "empty": {}, "none": [] })
            } else {
                serde_json::json!([deep, level, [], {}])
            };
        }
        for value in [
            deep,
            serde_json::json!([]),
            serde_json::json!({}),
            serde_json::json!({"a": [1, {"b": null}], "c": "\"q\"\n"}),
        ] {
            let mut ours = Vec::new();
            write_pretty(&value, &mut ours).unwrap();
            let mut theirs = serde_json::to_vec_pretty(&value).unwrap();
            theirs.push(b'\n');
            assert_eq!(
                String::from_utf8(ours).unwrap(),
                String::from_utf8(theirs).unwrap()
            );
        }
    }

    #[test]
    fn compacts_known_namespaces_only() {
        assert_eq!(compact("http://schema.org/url"), "schema:url");
        assert_eq!(compact("http://example.org/x"), "<http://example.org/x>");
        assert_eq!(compact("http://schema.org/a/b"), "<http://schema.org/a/b>");
        assert_eq!(
            compact_all(
                "(<http://schema.org/additionalType> / <http://www.w3.org/2004/02/skos/core#notation>)"
            ),
            "(schema:additionalType / skos:notation)"
        );
        assert_eq!(
            component_name("http://www.w3.org/ns/shacl#MinCountConstraintComponent"),
            "MinCountConstraintComponent"
        );
    }
}
