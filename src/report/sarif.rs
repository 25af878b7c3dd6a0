//! SARIF 2.1.0, the format GitHub code scanning reads: each result is shown on
//! its YAML line in a pull request.

use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap};
use std::io::{self, Write};

use serde::Serialize;
use serde_json::{Value, json};

use super::{Displayed, component_name};
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
    // Each file's URI made once, not once a result.
    let mut uris: HashMap<&std::path::Path, String> = HashMap::new();
    for l in report.findings.iter().filter_map(|f| f.location.as_ref()) {
        uris.entry(&l.file).or_insert_with(|| uri(&l.file));
    }
    let results: Vec<SarifResult<'_>> = report
        .findings
        .iter()
        .map(|f| result(f, index[component_name(f.component.as_str())], &uris))
        .collect();
    let driver = Driver {
        information_uri: Some("https://www.w3.org/TR/shacl/"),
        ..Driver::of(rules)
    };
    write_log(driver, &results, out)
}

// The log is written by serde from borrowed structs, not built as a
// `serde_json::Value` first: at 100,000 results the tree cost 2.1 s of
// building and dropping maps (`orgdir -v validate --format sarif`,
// bench/RESULTS.md). The fields keep the order the tree had: the same bytes.

#[derive(Serialize)]
struct Log<'a, R: Serialize> {
    #[serde(rename = "$schema")]
    schema: &'static str,
    version: &'static str,
    runs: [Run<'a, R>; 1],
}

#[derive(Serialize)]
struct Run<'a, R: Serialize> {
    tool: Tool,
    results: &'a [R],
}

#[derive(Serialize)]
struct Tool {
    driver: Driver,
}

/// The tool part of a log: orgdir, its version, the rules.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Driver {
    name: &'static str,
    version: &'static str,
    rules: Vec<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    information_uri: Option<&'static str>,
}

impl Driver {
    fn of(rules: Vec<Value>) -> Driver {
        Driver {
            name: "orgdir",
            version: env!("CARGO_PKG_VERSION"),
            rules,
            information_uri: None,
        }
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifResult<'a> {
    rule_id: &'a str,
    rule_index: usize,
    level: &'static str,
    message: Text<'a>,
    properties: Properties<'a>,
    #[serde(skip_serializing_if = "Option::is_none")]
    locations: Option<[Location<'a>; 1]>,
}

#[derive(Serialize)]
struct Text<'a> {
    text: &'a str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Properties<'a> {
    focus_node: Displayed<&'a oxrdf::Term>,
    result_path: Option<Displayed<&'a crate::validate::Path>>,
    value: Option<Displayed<&'a oxrdf::Term>>,
    source_shape: Option<Displayed<&'a oxrdf::Term>>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Location<'a> {
    physical_location: Physical<'a>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Physical<'a> {
    artifact_location: Artifact<'a>,
    #[serde(skip_serializing_if = "Option::is_none")]
    region: Option<Region>,
}

#[derive(Serialize)]
struct Artifact<'a> {
    uri: Cow<'a, str>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Region {
    start_line: u32,
    start_column: u32,
}

/// A SARIF 2.1.0 log of one run of `driver` with `results`.
fn write_log<R: Serialize>(driver: Driver, results: &[R], out: &mut dyn Write) -> io::Result<()> {
    let log = Log {
        schema: SCHEMA,
        version: "2.1.0",
        runs: [Run {
            tool: Tool { driver },
            results,
        }],
    };
    super::write_pretty(&log, out)
}

fn result<'a>(
    f: &'a Finding,
    rule_index: usize,
    uris: &'a HashMap<&std::path::Path, String>,
) -> SarifResult<'a> {
    let level = match f.severity {
        Severity::Violation | Severity::Other(_) => "error",
        Severity::Warning => "warning",
        Severity::Info => "note",
    };
    SarifResult {
        rule_id: component_name(f.component.as_str()),
        rule_index,
        level,
        message: Text { text: &f.message },
        properties: Properties {
            focus_node: Displayed(&f.focus),
            result_path: f.path.as_ref().map(Displayed),
            value: f.value.as_ref().map(Displayed),
            source_shape: f.shape.as_ref().map(Displayed),
        },
        locations: f.location.as_ref().map(|l| {
            [region(
                Cow::Borrowed(uris[l.file.as_path()].as_str()),
                Some(l.pos),
            )]
        }),
    }
}

/// A physical location: SARIF wants a URI reference, so a relative path
/// with `/` separators; the region when the place in the file is known.
fn location(file: &std::path::Path, pos: Option<crate::source::Pos>) -> Location<'static> {
    region(Cow::Owned(uri(file)), pos)
}

/// `file` as a URI reference: its components joined by `/`, without `.`.
fn uri(file: &std::path::Path) -> String {
    let parts: Vec<String> = file
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .filter(|c| c != ".")
        .collect();
    parts.join("/")
}

fn region(uri: Cow<'_, str>, pos: Option<crate::source::Pos>) -> Location<'_> {
    Location {
        physical_location: Physical {
            artifact_location: Artifact { uri },
            region: pos.map(|pos| Region {
                start_line: pos.line,
                start_column: pos.col,
            }),
        },
    }
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
                    "physicalLocation": location(&r.path, Some(r.pos)).physical_location,
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
    write_log(Driver::of(rules), &results, out)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The writer this one replaced: a `serde_json::Value` tree.
    fn by_tree(report: &Report) -> Vec<u8> {
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
            .map(|f| {
                let level = match f.severity {
                    Severity::Violation | Severity::Other(_) => "error",
                    Severity::Warning => "warning",
                    Severity::Info => "note",
                };
                let mut value = json!({
                    "ruleId": component_name(f.component.as_str()),
                    "ruleIndex": index[component_name(f.component.as_str())],
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
            })
            .collect();
        let mut driver = json!({
            "name": "orgdir",
            "version": env!("CARGO_PKG_VERSION"),
            "rules": rules,
        });
        driver["informationUri"] = json!("https://www.w3.org/TR/shacl/");
        let value = json!({
            "$schema": SCHEMA,
            "version": "2.1.0",
            "runs": [{ "tool": { "driver": driver }, "results": results }],
        });
        let mut out = serde_json::to_vec_pretty(&value).unwrap();
        out.push(b'\n');
        out
    }

    #[test]
    fn the_same_bytes_as_the_value_tree() {
        for report in [crate::report::sample_report(), Report::default()] {
            let mut out = Vec::new();
            write(&report, &mut out).unwrap();
            assert_eq!(
                String::from_utf8(out).unwrap(),
                String::from_utf8(by_tree(&report)).unwrap()
            );
        }
    }
}
