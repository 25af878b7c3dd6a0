//! The text report, in the style of rustc: severity and constraint, the
//! message, `--> file:line:col`, the YAML line with the value underlined, then
//! the shape and path.

use std::fmt::Write as _;

use oxrdf::Term;

use super::{Context, compact, push_compact, push_compact_all};
use crate::source::diag::{LineCache, snippet};
use crate::validate::{Finding, Report};

/// What the text report shows of the results.
#[derive(Debug, Clone, Copy, Default)]
pub struct Shown {
    /// Print this many results in full; the rest are only counted.
    pub max_findings: Option<usize>,
    /// `-q`: only the results that fail the run (violations; warnings too
    /// with `strict`), and the verdict only when it fails.
    pub quiet: bool,
    pub strict: bool,
}

pub fn render(report: &Report, context: &Context<'_>) -> String {
    render_shown(report, context, Shown::default())
}

pub fn render_shown(report: &Report, context: &Context<'_>, shown: Shown) -> String {
    let mut lines = LineCache::default();
    let mut files = FileNames::default();
    let mut out = String::new();
    let failing = |f: &&Finding| shown.strict || f.severity.fails();
    let listed: Vec<&Finding> = report
        .findings
        .iter()
        .filter(|f| !shown.quiet || failing(f))
        .collect();
    let limit = shown.max_findings.unwrap_or(usize::MAX);
    for f in listed.iter().take(limit) {
        finding(&mut out, f, &mut lines, &mut files);
    }
    if listed.len() > limit {
        let _ = writeln!(
            out,
            "... and {} more, not shown (--max-findings {limit}); all are counted below\n",
            listed.len() - limit
        );
    }
    if listed.len() > 1 {
        summary(&mut out, &listed);
    }
    if shown.quiet && report.passes(shown.strict) {
        return out;
    }
    let count = |n: usize, word: &str| format!("{n} {word}{}", if n == 1 { "" } else { "s" });
    let verdict = if report.conforms() {
        "conforms"
    } else if report.passes(false) {
        "passes with warnings"
    } else {
        "does not conform"
    };
    let _ = writeln!(
        out,
        "{verdict}: {}, {} ({} organizations; shapes: {})",
        count(report.violations(), "violation"),
        count(report.warnings(), "warning"),
        context.organizations,
        context.shapes_label,
    );
    out
}

/// The results counted by severity, constraint and message, most first: a
/// directory with 13,000 records without a description reads as one line.
fn summary(out: &mut String, findings: &[&Finding]) {
    use std::collections::HashMap;
    // Counted by what the results hold, then named: two Strings a result
    // cost more than the rest of the summary.
    let mut raw: HashMap<(&crate::validate::Severity, &str, &str), usize> = HashMap::new();
    for f in findings {
        let key = (&f.severity, f.component.as_str(), f.message.as_str());
        *raw.entry(key).or_default() += 1;
    }
    let mut counts: HashMap<(String, String, &str), usize> = HashMap::new();
    for ((severity, component, message), n) in raw {
        *counts
            .entry((severity.to_string(), compact(component), message))
            .or_default() += n;
    }
    let mut rows: Vec<_> = counts.into_iter().collect();
    rows.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    let width = rows.first().map_or(1, |r| r.1.to_string().len());
    let _ = writeln!(out, "summary:");
    for ((severity, component, message), n) in rows {
        let _ = writeln!(out, "  {n:>width$} {severity}[{component}]: {message}");
    }
    out.push('\n');
}

// Each result is written into `out` piece by piece, its IRIs compacted in
// place: without a String per IRI, 100,000 results took 0.201 s instead of
// 0.268 (bench/report.sh 100000 5).
fn finding<'a>(out: &mut String, f: &'a Finding, lines: &mut LineCache, files: &mut FileNames<'a>) {
    let _ = write!(out, "{}[", f.severity);
    push_compact(out, f.component.as_str());
    let _ = writeln!(out, "]: {}", f.message);
    match &f.location {
        Some(l) => {
            out.push_str("  --> ");
            out.push_str(files.name(&l.file));
            let _ = writeln!(out, ":{}:{}", l.pos.line, l.pos.col);
            let at = l.value.unwrap_or(l.pos);
            snippet(out, lines.get(&l.file, at.line), at, None);
        }
        None => {
            out.push_str("  --> ");
            term(out, &f.focus);
            out.push('\n');
        }
    }
    out.push_str("   = ");
    if let Some(shape) = &f.shape
        && let Term::NamedNode(n) = shape
    {
        out.push_str("shape ");
        push_compact(out, n.as_str());
        out.push_str(", ");
    }
    if let Some(p) = &f.path {
        out.push_str("path ");
        match p {
            crate::validate::Path::Predicate(n) => push_compact(out, n.as_str()),
            p => push_compact_all(out, &p.to_string()),
        }
        out.push_str(", ");
    }
    if let Some(v) = &f.value {
        out.push_str("value ");
        term(out, v);
        out.push_str(", ");
    }
    out.push_str("focus ");
    term(out, &f.focus);
    out.push('\n');
    if let Some(help) = f.location.as_ref().and_then(|l| l.help.as_deref()) {
        let _ = writeln!(out, "   = help: {help}");
    }
    out.push('\n');
}

/// Each file's name as shown, made once: most results share a few files.
#[derive(Default)]
struct FileNames<'a> {
    last: Option<(&'a std::path::Path, String)>,
}

impl<'a> FileNames<'a> {
    fn name(&mut self, path: &'a std::path::Path) -> &str {
        match &mut self.last {
            Some((last, name)) if *last == path => {}
            slot => *slot = Some((path, path.display().to_string())),
        }
        self.last.as_ref().map_or("", |(_, name)| name)
    }
}

/// A term as N-Triples writes it, its IRIs compacted.
fn term(out: &mut String, t: &Term) {
    match t {
        Term::NamedNode(n) => push_compact(out, n.as_str()),
        t => push_compact_all(out, &t.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::compact_all;

    /// The writer of a result this one replaced: a String per IRI.
    fn by_strings(out: &mut String, f: &Finding, lines: &mut LineCache) {
        let term = |t: &Term| compact_all(&t.to_string());
        let component = compact(f.component.as_str());
        let _ = writeln!(out, "{}[{component}]: {}", f.severity, f.message);
        match &f.location {
            Some(l) => {
                let _ = writeln!(
                    out,
                    "  --> {}:{}:{}",
                    l.file.display(),
                    l.pos.line,
                    l.pos.col
                );
                let at = l.value.unwrap_or(l.pos);
                snippet(out, lines.get(&l.file, at.line), at, None);
            }
            None => {
                let _ = writeln!(out, "  --> {}", term(&f.focus));
            }
        }
        out.push_str("   = ");
        if let Some(shape) = &f.shape
            && let Term::NamedNode(n) = shape
        {
            let _ = write!(out, "shape {}, ", compact(n.as_str()));
        }
        if let Some(p) = &f.path {
            let _ = write!(out, "path {}, ", compact_all(&p.to_string()));
        }
        if let Some(v) = &f.value {
            let _ = write!(out, "value {}, ", term(v));
        }
        let _ = writeln!(out, "focus {}", term(&f.focus));
        if let Some(help) = f.location.as_ref().and_then(|l| l.help.as_deref()) {
            let _ = writeln!(out, "   = help: {help}");
        }
        out.push('\n');
    }

    #[test]
    fn each_result_reads_as_with_a_string_per_iri() {
        use crate::validate::Path;
        let mut report = crate::report::sample_report();
        // Every kind of path and term the report compacts.
        let schema = |local: &str| {
            oxrdf::NamedNode::new_unchecked(format!("{}{local}", crate::rdf::vocab::schema::NS))
        };
        let mut more = report.findings[0].clone();
        more.path = Some(Path::Sequence(vec![
            Path::Predicate(schema("additionalType")),
            Path::Inverse(Box::new(Path::Predicate(oxrdf::NamedNode::new_unchecked(
                "http://example.org/not/compacted",
            )))),
        ]));
        more.value = Some(Term::Literal(oxrdf::Literal::new_typed_literal(
            "2020-09-01",
            crate::rdf::vocab::xsd::DATE,
        )));
        more.focus = Term::BlankNode(oxrdf::BlankNode::new_unchecked("b0"));
        more.location = None;
        report.findings.push(more);
        let (mut new, mut old) = (String::new(), String::new());
        let (mut a, mut b) = (LineCache::default(), LineCache::default());
        let mut files = FileNames::default();
        for f in &report.findings {
            finding(&mut new, f, &mut a, &mut files);
            by_strings(&mut old, f, &mut b);
        }
        assert_eq!(new, old);
        assert!(
            new.contains("path (schema:additionalType / ^<http://example.org/not/compacted>)"),
            "{new}"
        );
    }
}
