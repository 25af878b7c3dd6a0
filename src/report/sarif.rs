//! SARIF 2.1.0, the format GitHub code scanning reads: each result is shown on
//! its YAML line in a pull request.

use std::collections::BTreeMap;
use std::io::{self, Write};

use serde_json::{Value, json};

use super::component_name;
use crate::validate::{Finding, Report, Severity};

pub const SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";

pub fn write(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    // One rule per constraint component, in a stable order.
    let rules: BTreeMap<&str, &str> = report
        .findings
        .iter()
        .map(|f| (component_name(f.component.as_str()), f.component.as_str()))
        .collect();
    let index: BTreeMap<&str, usize> = rules.keys().enumerate().map(|(i, k)| (*k, i)).collect();
    let rules: Vec<Value> = rules
        .iter()
        .map(|(id, iri)| {
            json!({
                "id": id,
                "helpUri": format!("https://www.w3.org/TR/shacl/#{id}"),
                "shortDescription": { "text": format!("SHACL {id}") },
                "properties": { "sourceConstraintComponent": iri },
            })
        })
        .collect();
    let results: Vec<Value> = report
        .findings
        .iter()
        .map(|f| result(f, index[component_name(f.component.as_str())]))
        .collect();
    let mut driver = driver(rules);
    driver["informationUri"] = json!("https://www.w3.org/TR/shacl/");
    write_log(driver, results, out)
}

/// The tool part of a log: orgdir, its version, the rules.
fn driver(rules: Vec<Value>) -> Value {
    json!({
        "name": "orgdir",
        "version": env!("CARGO_PKG_VERSION"),
        "rules": rules,
    })
}

/// A SARIF 2.1.0 log of one run of `driver` with `results`.
fn write_log(driver: Value, results: Vec<Value>, out: &mut dyn Write) -> io::Result<()> {
    let value = json!({
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [{ "tool": { "driver": driver }, "results": results }],
    });
    serde_json::to_writer_pretty(&mut *out, &value)?;
    out.write_all(b"\n")
}

fn result(f: &Finding, rule_index: usize) -> Value {
    let level = match f.severity {
        Severity::Violation | Severity::Other(_) => "error",
        Severity::Warning => "warning",
        Severity::Info => "note",
    };
    let mut value = json!({
        "ruleId": component_name(f.component.as_str()),
        "ruleIndex": rule_index,
        "level": level,
        "message": { "text": f.message },
        "properties": {
            "focusNode": f.focus.to_string(),
            "resultPath": f.path.as_ref().map(ToString::to_string),
            "value": f.value.as_ref().map(ToString::to_string),
            "sourceShape": f.shape.as_ref().map(ToString::to_string),
        },
    });
    if let Some(l) = &f.location {
        value["locations"] = json!([location(&l.file, Some(l.pos))]);
    }
    value
}

/// A physical location: SARIF wants a URI reference, so a relative path
/// with `/` separators; the region when the place in the file is known.
fn location(file: &std::path::Path, pos: Option<crate::source::Pos>) -> Value {
    let uri: Vec<String> = file
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .filter(|c| c != ".")
        .collect();
    let mut physical = json!({ "artifactLocation": { "uri": uri.join("/") } });
    if let Some(pos) = pos {
        physical["region"] = json!({ "startLine": pos.line, "startColumn": pos.col });
    }
    json!({ "physicalLocation": physical })
}

/// The rule of every problem that stops the data from loading (YAML syntax,
/// an unknown key, a duplicate id, ...): it is reported before any shape is
/// checked.
pub const LOAD_RULE: &str = "orgdir/load";

/// A SARIF log of the problems that stopped the data (or the shapes) from
/// loading, each an error at its file, line and column, so that code
/// scanning shows a YAML typo on the pull request's line as it shows a
/// SHACL violation.
pub fn write_diagnostics(
    diagnostics: &[crate::source::Diagnostic],
    out: &mut dyn Write,
) -> io::Result<()> {
    let results: Vec<Value> = diagnostics
        .iter()
        .map(|d| {
            let mut value = json!({
                "ruleId": LOAD_RULE,
                "ruleIndex": 0,
                "level": "error",
                "message": { "text": d.message },
                "locations": [location(&d.path, d.pos)],
            });
            if let Some(r) = &d.related {
                value["relatedLocations"] = json!([{
                    "id": 0,
                    "physicalLocation": location(&r.path, Some(r.pos))["physicalLocation"],
                    "message": { "text": r.label },
                }]);
            }
            value
        })
        .collect();
    let rules = vec![json!({
        "id": LOAD_RULE,
        "shortDescription": { "text": "The data cannot be loaded" },
        "fullDescription": { "text": "YAML syntax, unknown keys, values of the wrong type, duplicate ids and broken references: found while reading the source files, before any shape is checked." },
    })];
    write_log(driver(rules), results, out)
}
