//! Every case under `tests/fixtures/invalid/` is a data directory with one
//! class of problem. `expected.txt` lists the diagnostics it must produce, one
//! `FILE:LINE:COL: message` per line, in order; an optional `args` file holds
//! extra global options. Each case must exit 2, show the offending source
//! line under each diagnostic, and leave the previous output untouched.
//! (`shacl/` holds data that loads but violates a shape: see tests/validate.rs.)

mod common;

use std::fs;
use std::path::Path;
use std::process::Command;

const PREVIOUS: &str = "<http://example.org/s> <http://example.org/p> \"previous build\" .\n";

fn run_case(case: &Path) -> Result<(), String> {
    let expected = fs::read_to_string(case.join("expected.txt")).map_err(|e| e.to_string())?;
    let extra = fs::read_to_string(case.join("args")).unwrap_or_default();
    let work = tempfile::tempdir().unwrap();
    let out = work.path().join("dist");
    fs::create_dir(&out).unwrap();
    fs::write(out.join("orgs.nt"), PREVIOUS).unwrap();

    let output = Command::new(env!("CARGO_BIN_EXE_orgdir"))
        .current_dir(case)
        .args(["--data", "data"])
        .args(extra.split_whitespace())
        .args(["build", "--out"])
        .arg(&out)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    let mut problems = Vec::new();
    if output.status.code() != Some(2) {
        problems.push(format!("exit code {:?}, expected 2", output.status.code()));
    }
    let headlines: Vec<&str> = stderr
        .lines()
        .filter_map(|l| l.strip_prefix("error: "))
        .filter(|l| !l.contains(" in the source data; nothing was written"))
        .collect();
    let expected: Vec<&str> = expected.lines().collect();
    if headlines != expected {
        problems.push(format!(
            "diagnostics differ\n  expected: {expected:#?}\n  actual:   {headlines:#?}"
        ));
    }
    // Each located diagnostic shows its source line under it.
    for line in &expected {
        let mut parts = line.splitn(4, ':');
        let (Some(file), Some(number), Some(_col)) = (parts.next(), parts.next(), parts.next())
        else {
            continue;
        };
        let Ok(n) = number.parse::<usize>() else {
            continue;
        };
        let source = fs::read(case.join(file)).unwrap();
        let text = String::from_utf8_lossy(&source);
        let Some(source_line) = text.lines().nth(n - 1) else {
            continue;
        };
        let shown = format!("{n} | {source_line}");
        if !stderr.contains(shown.trim_end()) {
            problems.push(format!("source line not shown: {shown:?}"));
        }
    }
    if fs::read_to_string(out.join("orgs.nt")).unwrap() != PREVIOUS
        || fs::read_dir(&out).unwrap().count() != 1
    {
        problems.push("the previous output was changed".into());
    }
    let leftovers: Vec<_> = fs::read_dir(work.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .filter(|n| n != "dist")
        .collect();
    if !leftovers.is_empty() {
        problems.push(format!("left files beside the output: {leftovers:?}"));
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "{}:\n{}\nstderr:\n{stderr}",
            case.display(),
            problems.join("\n")
        ))
    }
}

#[test]
fn every_invalid_fixture_reports_its_problems_and_writes_nothing() {
    let cases = cases();
    assert!(cases.len() >= 15, "fixtures missing: {cases:?}");
    let failures: Vec<String> = cases.iter().filter_map(|c| run_case(c).err()).collect();
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

/// The invalid cases, sorted; not `shacl/`, data that loads but breaks a
/// shape (tests/validate.rs).
fn cases() -> Vec<std::path::PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/invalid");
    let mut cases: Vec<_> = fs::read_dir(&root)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir() && !p.ends_with("shacl"))
        .collect();
    cases.sort();
    cases
}

/// `validate --format sarif` on `case`: its exit code and its log.
fn sarif_of(case: &Path) -> (Option<i32>, serde_json::Value) {
    let extra = fs::read_to_string(case.join("args")).unwrap_or_default();
    let output = Command::new(env!("CARGO_BIN_EXE_orgdir"))
        .current_dir(case)
        .args(["--data", "data"])
        .args(extra.split_whitespace())
        .args(["validate", "--format", "sarif"])
        .output()
        .unwrap();
    let log = serde_json::from_slice(&output.stdout).unwrap_or_else(|e| {
        panic!(
            "{}: no SARIF on stdout ({e}): {}",
            case.display(),
            String::from_utf8_lossy(&output.stdout)
        )
    });
    (output.status.code(), log)
}

/// A load error is a SARIF result at the place the text names, so code
/// scanning shows it on the pull request's line: for every invalid case,
/// the results read as `FILE:LINE:COL: message` are `expected.txt`.
#[test]
fn every_load_error_is_a_sarif_result_at_its_place() {
    for case in cases() {
        let (code, log) = sarif_of(&case);
        assert_eq!(code, Some(2), "{}", case.display());
        let run = &log["runs"][0];
        assert_eq!(run["tool"]["driver"]["rules"][0]["id"], "orgdir/load");
        let results: Vec<String> = run["results"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| {
                assert_eq!(r["level"], "error");
                assert_eq!(r["ruleId"], "orgdir/load");
                let place = &r["locations"][0]["physicalLocation"];
                let uri = place["artifactLocation"]["uri"].as_str().unwrap();
                let text = r["message"]["text"].as_str().unwrap();
                match place.get("region") {
                    Some(region) => format!(
                        "{uri}:{}:{}: {text}",
                        region["startLine"], region["startColumn"]
                    ),
                    None => format!("{uri}: {text}"),
                }
            })
            .collect();
        let expected = fs::read_to_string(case.join("expected.txt")).unwrap();
        let expected: Vec<&str> = expected.lines().collect();
        assert_eq!(results, expected, "{}", case.display());
    }
    // A duplicate's first definition is the result's related location.
    let duplicate =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/invalid/duplicate-id");
    let (_, log) = sarif_of(&duplicate);
    let related = &log["runs"][0]["results"][0]["relatedLocations"][0];
    assert_eq!(
        related["physicalLocation"]["artifactLocation"]["uri"],
        "data/a.yaml"
    );
    assert!(related["physicalLocation"]["region"]["startLine"].is_u64());
}

/// Every log that `validate --format sarif` writes, whatever failed, is
/// valid against the SARIF 2.1.0 schema (vendored, checked offline).
#[test]
#[ignore = "needs check-jsonschema (PyPI), which .ci/run installs"]
fn every_sarif_log_is_valid_sarif_2_1_0() {
    let schema = common::fixtures().join("sarif-2.1.0/sarif-schema-2.1.0.json");
    let mut logs: Vec<(String, serde_json::Value)> = cases()
        .iter()
        .map(|c| (c.display().to_string(), sarif_of(c).1))
        .collect();
    // And a log of SHACL results, for the same schema.
    let shacl = common::fixtures().join("invalid/shacl/url-not-http");
    let output = Command::new(env!("CARGO_BIN_EXE_orgdir"))
        .current_dir(&shacl)
        .arg("--shapes")
        .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("shapes"))
        .args(["validate", "--format", "sarif"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    logs.push((
        "shacl".into(),
        serde_json::from_slice(&output.stdout).unwrap(),
    ));
    let failures: Vec<String> = logs
        .iter()
        .filter_map(|(case, log)| {
            common::check_jsonschema(&schema, log)
                .err()
                .map(|e| format!("{case}: {e}"))
        })
        .collect();
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// The classes of bad input the loader must recognise, each with a fixture.
#[test]
fn each_class_of_bad_input_has_a_fixture() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/invalid");
    for (case, needle) in [
        ("yaml-syntax", "YAML: "),
        ("tab-indent", "a tab in the indentation"),
        ("unclosed-flow", "this `[` is never closed"),
        ("unclosed-map", "this `{` is never closed"),
        ("wrong-types", "must be a string, found a number"),
        ("unknown-key", "did you mean `memberOf`?"),
        ("missing-required", "missing required key `name`"),
        ("bad-id", "invalid id"),
        ("duplicate-id", "duplicate id `ala`"),
        ("malformed-iri", "malformed IRI"),
        ("bad-email", "invalid email address"),
        ("bad-date", "invalid date"),
        ("not-utf8", "not valid UTF-8"),
        ("empty-file", "the file is empty"),
        ("billion-laughs", "refused, not expanded"),
        ("too-deep", "levels deep, over the limit"),
        ("too-large", "over the limit of 1000 bytes"),
    ] {
        let expected = fs::read_to_string(root.join(case).join("expected.txt")).unwrap();
        assert!(
            expected.contains(needle),
            "{case}: no `{needle}` in {expected}"
        );
        // And the loader itself says so, not only the fixture.
        let extra = fs::read_to_string(root.join(case).join("args")).unwrap_or_default();
        let output = Command::new(env!("CARGO_BIN_EXE_orgdir"))
            .current_dir(root.join(case))
            .args(["--data", "data"])
            .args(extra.split_whitespace())
            .arg("validate")
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{case}: {stderr}");
        assert!(stderr.contains(needle), "{case}: no `{needle}` in {stderr}");
    }
}

/// Where the parser gave up is still said, beside the slip it was about.
#[test]
fn a_slip_far_from_where_the_parser_gave_up_names_both() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/invalid");
    for (case, gave_up) in [
        (
            "tab-indent",
            "data/orgs.yaml:5:16: the parser gave up here: YAML: while scanning a plain scalar, found a tab",
        ),
        (
            "unclosed-flow",
            "data/orgs.yaml:7:9: the parser gave up here: YAML: illegal placement of ':' indicator",
        ),
    ] {
        let output = Command::new(env!("CARGO_BIN_EXE_orgdir"))
            .current_dir(root.join(case))
            .args(["--data", "data", "validate"])
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains(gave_up), "{case}: {stderr}");
    }
}
