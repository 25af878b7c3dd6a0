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
    let value = json!({
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {
                "driver": {
                    "name": "orgdir",
                    "version": env!("CARGO_PKG_VERSION"),
                    "informationUri": "https://www.w3.org/TR/shacl/",
                    "rules": rules,
                }
            },
            "results": results,
        }],
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
        // SARIF wants a URI reference: relative paths with `/` separators.
        let uri: Vec<String> = l
            .file
            .components()
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .filter(|c| c != ".")
            .collect();
        value["locations"] = json!([{
            "physicalLocation": {
                "artifactLocation": { "uri": uri.join("/") },
                "region": { "startLine": l.pos.line, "startColumn": l.pos.col },
            }
        }]);
    }
    value
}
