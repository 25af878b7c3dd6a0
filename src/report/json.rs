//! The JSON report: the results with their YAML locations, for scripts.

use std::io::{self, Write};

use serde_json::{Value, json};

use super::{Context, component_name};
use crate::validate::{Finding, Report};

pub fn write(report: &Report, context: &Context<'_>, out: &mut dyn Write) -> io::Result<()> {
    let value = json!({
        "conforms": report.conforms(),
        "passes": report.passes(false),
        "violations": report.violations(),
        "warnings": report.warnings(),
        "organizations": context.organizations,
        "shapes": context.shape_files.iter().map(|p| p.display().to_string()).collect::<Vec<_>>(),
        "results": report.findings.iter().map(result).collect::<Vec<_>>(),
    });
    serde_json::to_writer_pretty(&mut *out, &value)?;
    out.write_all(b"\n")
}

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
