//! The JSON report: the results with their YAML locations, for scripts.
//!
//! Written by serde from borrowed structs, not built as a `serde_json::Value`
//! first: at 100,000 results the tree cost 1.46 s of building and dropping
//! maps, the structs 0.1 s (`orgdir -v validate --format json`, bench/RESULTS.md).
//! The fields keep the order the tree had, so the bytes are the same.

use std::io::{self, Write};

use serde::Serialize;

use super::{Context, Displayed, component_name};
use crate::validate::{Finding, Report, Severity};

#[derive(Serialize)]
struct Log<'a> {
    conforms: bool,
    passes: bool,
    violations: usize,
    warnings: usize,
    organizations: usize,
    shapes: Vec<String>,
    results: Vec<Result<'a>>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Result<'a> {
    severity: &'a Severity,
    constraint: &'a str,
    source_constraint_component: &'a str,
    source_shape: Option<Displayed<&'a oxrdf::Term>>,
    focus_node: Displayed<&'a oxrdf::Term>,
    result_path: Option<Displayed<&'a crate::validate::Path>>,
    value: Option<Displayed<&'a oxrdf::Term>>,
    message: &'a str,
    location: Option<Location<'a>>,
}

#[derive(Serialize)]
struct Location<'a> {
    file: Displayed<std::path::Display<'a>>,
    line: u32,
    column: u32,
    help: Option<&'a str>,
}

pub fn write(report: &Report, context: &Context<'_>, out: &mut dyn Write) -> io::Result<()> {
    let log = Log {
        conforms: report.conforms(),
        passes: report.passes(false),
        violations: report.violations(),
        warnings: report.warnings(),
        organizations: context.organizations,
        shapes: context
            .shape_files
            .iter()
            .map(|p| p.display().to_string())
            .collect(),
        results: report.findings.iter().map(result).collect(),
    };
    super::write_pretty(&log, out)
}

fn result(f: &Finding) -> Result<'_> {
    Result {
        severity: &f.severity,
        constraint: component_name(f.component.as_str()),
        source_constraint_component: f.component.as_str(),
        source_shape: f.shape.as_ref().map(Displayed),
        focus_node: Displayed(&f.focus),
        result_path: f.path.as_ref().map(Displayed),
        value: f.value.as_ref().map(Displayed),
        message: &f.message,
        location: f.location.as_ref().map(|l| Location {
            file: Displayed(l.file.display()),
            line: l.pos.line,
            column: l.pos.col,
            help: l.help.as_deref(),
        }),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    use super::*;

    /// The writer this one replaced: a `serde_json::Value` tree.
    fn by_tree(report: &Report, context: &Context<'_>) -> Vec<u8> {
        fn result(f: &Finding) -> Value {
            let location = f.location.as_ref().map(|l| {
                json!({
                    "file": l.file.display().to_string(),
                    "line": l.pos.line,
                    "column": l.pos.col,
                    "help": l.help,
                })
            });
            json!({
                "severity": f.severity,
                "constraint": component_name(f.component.as_str()),
                "sourceConstraintComponent": f.component.as_str(),
                "sourceShape": f.shape.as_ref().map(ToString::to_string),
                "focusNode": f.focus.to_string(),
                "resultPath": f.path.as_ref().map(ToString::to_string),
                "value": f.value.as_ref().map(ToString::to_string),
                "message": f.message,
                "location": location,
            })
        }
        let value = json!({
            "conforms": report.conforms(),
            "passes": report.passes(false),
            "violations": report.violations(),
            "warnings": report.warnings(),
            "organizations": context.organizations,
            "shapes": context.shape_files.iter().map(|p| p.display().to_string()).collect::<Vec<_>>(),
            "results": report.findings.iter().map(result).collect::<Vec<_>>(),
        });
        let mut out = serde_json::to_vec_pretty(&value).unwrap();
        out.push(b'\n');
        out
    }

    #[test]
    fn the_same_bytes_as_the_value_tree() {
        let shapes = [std::path::PathBuf::from("shapes/org.ttl")];
        let context = Context {
            organizations: 7,
            shape_files: &shapes,
            shapes_label: String::new(),
        };
        for report in [crate::report::sample_report(), Report::default()] {
            let mut out = Vec::new();
            write(&report, &context, &mut out).unwrap();
            assert_eq!(
                String::from_utf8(out).unwrap(),
                String::from_utf8(by_tree(&report, &context)).unwrap()
            );
        }
    }
}
