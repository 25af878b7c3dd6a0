//! The text report, in the style of rustc: severity and constraint, the
//! message, `--> file:line:col`, the YAML line with the value underlined, then
//! the shape and path.

use std::fmt::Write as _;

use oxrdf::Term;

use super::{Context, compact, compact_all};
use crate::source::diag::{LineCache, snippet};
use crate::validate::{Finding, Report};

pub fn render(report: &Report, context: &Context<'_>) -> String {
    let mut lines = LineCache::default();
    let mut out = String::new();
    for f in &report.findings {
        finding(&mut out, f, &mut lines);
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

fn finding(out: &mut String, f: &Finding, lines: &mut LineCache) {
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
    let mut notes = Vec::new();
    if let Some(shape) = &f.shape
        && let Term::NamedNode(n) = shape
    {
        notes.push(format!("shape {}", compact(n.as_str())));
    }
    if let Some(p) = &f.path {
        notes.push(format!("path {}", compact_all(&p.to_string())));
    }
    if let Some(v) = &f.value {
        notes.push(format!("value {}", term(v)));
    }
    notes.push(format!("focus {}", term(&f.focus)));
    let _ = writeln!(out, "   = {}", notes.join(", "));
    if let Some(help) = f.location.as_ref().and_then(|l| l.help.as_deref()) {
        let _ = writeln!(out, "   = help: {help}");
    }
    out.push('\n');
}

fn term(t: &Term) -> String {
    compact_all(&t.to_string())
}
