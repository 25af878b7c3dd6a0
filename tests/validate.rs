//! `orgdir validate`: every constraint of `shapes/` has a fixture that breaks
//! it alone, and the report points at the YAML key that broke it.
//!
//! - `tests/fixtures/invalid/shacl/<case>/` holds data that loads but violates
//!   one constraint; `expected.txt` lists each result as
//!   `SEVERITY CONSTRAINT SHAPE FILE:LINE:COL`, in report order.
//! - `tests/fixtures/invalid/shacl/graphs/*.ttl` break the constraints that YAML
//!   cannot reach (the loader and the mapping already guarantee them: a name's
//!   datatype, the category's IRI, ...), each naming what it expects in a
//!   `# expect:` line; `conforms.ttl` passes every shape.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use orgdir::validate::{Shapes, validate_graph};
use oxigraph::io::{RdfFormat, RdfParser};
use oxigraph::model::{NamedNodeRef, Term, TermRef};

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn shacl_cases() -> PathBuf {
    root().join("tests/fixtures/invalid/shacl")
}

fn orgdir(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_orgdir"))
        .current_dir(dir)
        .arg("--shapes")
        .arg(root().join("shapes"))
        .args(args)
        .output()
        .unwrap()
}

fn short(iri: &str) -> String {
    iri.trim_matches(['<', '>'])
        .replace("http://www.w3.org/ns/shacl#", "sh:")
        .replace("urn:orgdir:shapes#", "os:")
}

/// The results of a JSON report, one `SEVERITY CONSTRAINT SHAPE FILE:LINE:COL` line each.
fn result_lines(json: &[u8]) -> Vec<String> {
    let report: serde_json::Value = serde_json::from_slice(json).unwrap();
    report["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            let l = &r["location"];
            format!(
                "{} {} {} {}:{}:{}",
                r["severity"].as_str().unwrap(),
                short(r["sourceConstraintComponent"].as_str().unwrap()),
                short(r["sourceShape"].as_str().unwrap()),
                l["file"].as_str().unwrap(),
                l["line"],
                l["column"]
            )
        })
        .collect()
}

fn cases() -> Vec<PathBuf> {
    let mut cases: Vec<PathBuf> = fs::read_dir(shacl_cases())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.join("data").is_dir())
        .collect();
    cases.sort();
    cases
}

#[test]
fn each_yaml_fixture_reports_its_one_constraint_at_its_key() {
    let cases = cases();
    assert!(cases.len() >= 12, "fixtures missing: {cases:?}");
    let mut failures = Vec::new();
    for case in &cases {
        let expected = fs::read_to_string(case.join("expected.txt")).unwrap();
        let expected: Vec<&str> = expected.lines().collect();
        let out = orgdir(case, &["validate", "--format", "json"]);
        let actual = result_lines(&out.stdout);
        if actual != expected {
            failures.push(format!(
                "{}: expected {expected:#?}\nactual {actual:#?}",
                case.display()
            ));
        }
        let violations = expected.iter().any(|l| l.starts_with("violation"));
        let code = out.status.code();
        if code != Some(if violations { 1 } else { 0 }) {
            failures.push(format!("{}: exit code {code:?}", case.display()));
        }
        // --strict fails on warnings too.
        let strict = orgdir(case, &["validate", "--strict"]).status.code();
        if strict != Some(1) {
            failures.push(format!("{}: --strict exit code {strict:?}", case.display()));
        }
        // The text report shows each location and the YAML line under it.
        let text = String::from_utf8(orgdir(case, &["validate"]).stdout).unwrap();
        for line in &expected {
            let at = line.rsplit(' ').next().unwrap();
            let mut parts = at.split(':');
            let (file, n) = (parts.next().unwrap(), parts.next().unwrap());
            let source = fs::read_to_string(case.join(file)).unwrap();
            let shown = source.lines().nth(n.parse::<usize>().unwrap() - 1).unwrap();
            if !text.contains(&format!("--> {at}")) || !text.contains(&format!("{n} | {shown}")) {
                failures.push(format!(
                    "{}: text report lacks {at}:\n{text}",
                    case.display()
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn the_text_report_underlines_the_value_and_suggests_the_id() {
    let out = orgdir(&shacl_cases().join("parent-unknown"), &["validate"]);
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains("violation[sh:ClassConstraintComponent]: `parentOrganization` names no organization of this dataset\n  --> data/orgs.yaml:13:3\n"),
        "{text}"
    );
    assert!(
        text.contains("13 |   parentOrganization: alx\n   |                       ^^^\n"),
        "{text}"
    );
    assert!(text.contains("= help: did you mean `ala`?"), "{text}");
    assert!(text.contains("path schema:parentOrganization"), "{text}");
    assert!(
        text.contains("does not conform: 1 violation, 0 warnings"),
        "{text}"
    );
}

fn expectations(ttl: &str) -> Vec<String> {
    ttl.lines()
        .filter_map(|l| l.strip_prefix("# expect: "))
        .map(str::to_owned)
        .collect()
}

/// A graph fixture's text and its triples.
fn graph_fixture(file: &Path) -> (String, Vec<oxigraph::model::Quad>) {
    let ttl = fs::read_to_string(file).unwrap();
    let quads = RdfParser::from_format(RdfFormat::Turtle)
        .for_slice(ttl.as_bytes())
        .collect::<Result<_, _>>()
        .unwrap();
    (ttl, quads)
}

#[test]
fn each_graph_fixture_breaks_its_one_constraint() {
    let shapes = Shapes::load(&root().join("shapes")).unwrap();
    let dir = shacl_cases().join("graphs");
    let mut files: Vec<PathBuf> = fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    assert!(files.len() >= 20);
    let mut failures = Vec::new();
    for file in &files {
        let (ttl, quads) = graph_fixture(file);
        let report = validate_graph(quads.iter().map(|q| q.as_ref().into()), &shapes).unwrap();
        let actual: Vec<String> = report
            .findings
            .iter()
            .map(|f| {
                let shape = f.shape.as_ref().map(|s| short(&s.to_string()));
                let shape = match shape {
                    // A blank property shape of os:OrganizationRole.
                    Some(s) if s.starts_with("_:") => "os:OrganizationRole".to_owned(),
                    Some(s) => s,
                    None => "-".to_owned(),
                };
                format!("{} {} {shape}", f.severity, short(f.component.as_str()))
            })
            .collect();
        let expected = expectations(&ttl);
        if actual != expected {
            failures.push(format!(
                "{}: expected {expected:?}, got {actual:?}",
                file.display()
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Every finding with its location, in a stable order. Messages are left
/// out: the engine puts its own text on a `sh:node` result where SHACL (and
/// orgdir) use the shape's `sh:message`.
fn sorted(report: &orgdir::validate::Report) -> Vec<String> {
    let mut all: Vec<String> = report
        .findings
        .iter()
        .map(|f| {
            let mut f = f.clone();
            f.message.clear();
            // Each load of the shapes names their blank nodes anew.
            if let Some(Term::BlankNode(_)) = f.shape {
                f.shape = Some(Term::BlankNode(oxigraph::model::BlankNode::new_unchecked(
                    "shape",
                )));
            }
            format!("{f:?}")
        })
        .collect();
    all.sort();
    all
}

#[test]
fn orgdirs_own_checks_give_what_the_engine_gives() {
    // orgdir checks the SHACL Core of its shapes itself (src/validate/native.rs);
    // the engine (rudof's shacl) must find exactly the same on every fixture.
    let native = Shapes::load(&root().join("shapes")).unwrap();
    assert!(
        native.checked_natively(),
        "the bundled shapes are checked by orgdir"
    );
    let engine = Shapes::load(&root().join("shapes"))
        .unwrap()
        .with_engine_only();
    assert!(!engine.checked_natively());
    let mut compared = 0;
    let mut graphs: Vec<PathBuf> = fs::read_dir(shacl_cases().join("graphs"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    graphs.sort();
    for file in &graphs {
        let (_, quads) = graph_fixture(file);
        let run = |shapes: &Shapes| {
            sorted(&validate_graph(quads.iter().map(|q| q.as_ref().into()), shapes).unwrap())
        };
        let (ours, theirs) = (run(&native), run(&engine));
        assert_eq!(ours, theirs, "{}", file.display());
        compared += usize::from(!ours.is_empty());
    }
    for case in cases().into_iter().chain([root().join("data")]) {
        let data = if case.ends_with("data") {
            case.clone()
        } else {
            case.join("data")
        };
        let source = orgdir::source::load(&data, orgdir::source::Limits::default()).unwrap();
        let ours = sorted(&orgdir::validate::validate(&source, &native).unwrap());
        let theirs = sorted(&orgdir::validate::validate(&source, &engine).unwrap());
        assert_eq!(ours, theirs, "{}", case.display());
        compared += usize::from(!ours.is_empty());
    }
    assert!(
        compared >= 30,
        "only {compared} fixtures had findings to compare"
    );
}

#[test]
fn the_bundled_data_conforms_without_warnings() {
    let out = orgdir(root(), &["validate"]);
    let text = String::from_utf8(out.stdout).unwrap();
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert!(
        text.starts_with("conforms: 0 violations, 0 warnings (15 organizations"),
        "{text}"
    );
}

#[test]
fn the_turtle_report_is_a_shacl_validation_report() {
    let out = orgdir(
        &shacl_cases().join("cycle"),
        &["validate", "--format", "turtle"],
    );
    assert_eq!(out.status.code(), Some(1));
    let quads: Vec<_> = RdfParser::from_format(RdfFormat::Turtle)
        .for_slice(&out.stdout)
        .collect::<Result<_, _>>()
        .unwrap();
    let sh = |l: &str| format!("http://www.w3.org/ns/shacl#{l}");
    let objects = |p: &str| -> Vec<Term> {
        quads
            .iter()
            .filter(|q| q.predicate.as_str() == sh(p))
            .map(|q| q.object.clone())
            .collect()
    };
    let report_iri = sh("ValidationReport");
    let report_type = NamedNodeRef::new(&report_iri).unwrap();
    assert!(
        quads
            .iter()
            .any(|q| q.object.as_ref() == TermRef::from(report_type))
    );
    assert_eq!(objects("conforms").len(), 1);
    assert_eq!(
        objects("conforms")[0].to_string(),
        "\"false\"^^<http://www.w3.org/2001/XMLSchema#boolean>"
    );
    assert_eq!(objects("result").len(), 3);
    assert_eq!(objects("focusNode").len(), 3);
    assert_eq!(objects("resultSeverity").len(), 3);
    assert!(
        objects("sourceShape")
            .iter()
            .all(|s| s.to_string() == "<urn:orgdir:shapes#NoCycle>")
    );
}

#[test]
fn the_sarif_report_has_what_code_scanning_requires() {
    let out = orgdir(
        &shacl_cases().join("url-not-http"),
        &["validate", "--format", "sarif"],
    );
    assert_eq!(out.status.code(), Some(1));
    let sarif: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    // SARIF 2.1.0 requires version and runs; each run a tool.driver.name; each
    // result a message.text (GitHub also wants ruleId and a physical location).
    assert_eq!(sarif["version"], "2.1.0");
    assert!(sarif["$schema"].as_str().unwrap().contains("sarif-2.1.0"));
    let run = &sarif["runs"][0];
    assert_eq!(run["tool"]["driver"]["name"], "orgdir");
    let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
    let results = run["results"].as_array().unwrap();
    assert_eq!(results.len(), 1);
    let r = &results[0];
    assert_eq!(r["level"], "error");
    assert_eq!(r["ruleId"], "PatternConstraintComponent");
    assert_eq!(
        rules[r["ruleIndex"].as_u64().unwrap() as usize]["id"],
        r["ruleId"]
    );
    assert!(!r["message"]["text"].as_str().unwrap().is_empty());
    let location = &r["locations"][0]["physicalLocation"];
    assert_eq!(location["artifactLocation"]["uri"], "data/orgs.yaml");
    assert_eq!(location["region"]["startLine"], 11);
    assert_eq!(location["region"]["startColumn"], 3);
}

#[test]
fn build_writes_nothing_when_the_data_violates_a_shape() {
    let work = tempfile::tempdir().unwrap();
    let out_dir = work.path().join("dist");
    let build = |case: &str| {
        let out = out_dir.to_str().unwrap();
        orgdir(&shacl_cases().join(case), &["build", "--out", out])
    };
    let out = build("member-of-itself");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("--> data/orgs.yaml:15:7"), "{stderr}");
    assert!(stderr.contains("error: 1 SHACL violation"), "{stderr}");
    assert!(stderr.contains("nothing was written"), "{stderr}");
    assert!(!out_dir.exists());
    assert_eq!(fs::read_dir(work.path()).unwrap().count(), 0);

    // Warnings do not stop a build; they are shown.
    let out = build("url-missing");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(
        stderr.contains("warning[sh:MinCountConstraintComponent]: no url"),
        "{stderr}"
    );
    assert!(out_dir.join("orgs.nt").exists());
}

#[test]
fn a_users_own_shape_is_enforced() {
    let shapes = tempfile::tempdir().unwrap();
    for f in fs::read_dir(root().join("shapes")).unwrap() {
        let f = f.unwrap().path();
        fs::copy(&f, shapes.path().join(f.file_name().unwrap())).unwrap();
    }
    fs::write(
        shapes.path().join("local.ttl"),
        "@prefix sh: <http://www.w3.org/ns/shacl#> .\n\
         @prefix schema: <http://schema.org/> .\n\
         <urn:local#NeedsFounding> a sh:NodeShape ; sh:targetClass schema:Organization ;\n\
         sh:property [ sh:path schema:foundingDate ; sh:minCount 1 ] .\n",
    )
    .unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_orgdir"))
        .current_dir(shacl_cases().join("url-not-http"))
        .arg("--shapes")
        .arg(shapes.path())
        .args(["validate", "--format", "json"])
        .output()
        .unwrap();
    let lines = result_lines(&out.stdout);
    // pla has no foundingDate; ala has one.
    assert!(
        lines.iter().any(
            |l| l.starts_with("violation sh:MinCountConstraintComponent")
                && l.ends_with("data/orgs.yaml:8:3")
        ),
        "{lines:#?}"
    );
}

#[test]
fn a_broken_shapes_file_is_bad_input_at_its_line() {
    let shapes = tempfile::tempdir().unwrap();
    fs::write(
        shapes.path().join("broken.ttl"),
        "@prefix sh: <http://www.w3.org/ns/shacl#> .\n<urn:x> a sh:NodeShape ;\n  sh:targetClass .\n",
    )
    .unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_orgdir"))
        .current_dir(root())
        .arg("--shapes")
        .arg(shapes.path())
        .arg("validate")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("broken.ttl:3:"), "{stderr}");
    assert!(stderr.contains("3 |   sh:targetClass ."), "{stderr}");
    assert_eq!(out.stdout.len(), 0);
}

#[test]
fn serve_does_not_start_on_data_that_violates_a_shape() {
    let out = Command::new(env!("CARGO_BIN_EXE_orgdir"))
        .current_dir(shacl_cases().join("dissolved-before-founded"))
        .arg("--shapes")
        .arg(root().join("shapes"))
        .args(["serve", "--addr", "127.0.0.1:0"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("--> data/orgs.yaml:14:3"), "{stderr}");
    assert!(stderr.contains("error: 1 SHACL violation"), "{stderr}");
    assert!(!stderr.contains("serving"), "{stderr}");
}

/// Copies a fixture case (its data/) into `to`.
fn copy_case(case: &str, to: &Path) {
    let from = shacl_cases().join(case).join("data");
    fs::create_dir_all(to.join("data")).unwrap();
    for f in fs::read_dir(&from).unwrap() {
        let f = f.unwrap().path();
        fs::copy(&f, to.join("data").join(f.file_name().unwrap())).unwrap();
    }
}

#[test]
fn a_passing_verdict_is_remembered_until_the_data_changes() {
    let work = tempfile::tempdir().unwrap();
    let cache = work.path().join("cache");
    copy_case("url-missing", work.path());
    let build = |extra_env: Option<(&str, &str)>| {
        let mut c = Command::new(env!("CARGO_BIN_EXE_orgdir"));
        c.current_dir(work.path())
            .env("ORGDIR_CACHE_DIR", &cache)
            .arg("--shapes")
            .arg(root().join("shapes"))
            .args(["build", "--out", "dist"]);
        if let Some((k, v)) = extra_env {
            c.env(k, v);
        }
        c.output().unwrap()
    };
    let first = build(None);
    assert_eq!(first.status.code(), Some(0));
    let verdicts: Vec<PathBuf> = fs::read_dir(cache.join("validated"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(verdicts.len(), 1, "one passing verdict kept");
    // Marks the kept verdict: if the next build shows the mark, it used the
    // verdict instead of validating again.
    let mut verdict: serde_json::Value =
        serde_json::from_slice(&fs::read(&verdicts[0]).unwrap()).unwrap();
    verdict["text"] = "REMEMBERED\n".into();
    fs::write(&verdicts[0], serde_json::to_vec(&verdict).unwrap()).unwrap();
    let second = build(None);
    let stderr = String::from_utf8_lossy(&second.stderr);
    assert!(stderr.contains("REMEMBERED"), "{stderr}");
    // ORGDIR_CACHE_DIR= turns it off.
    let off = build(Some(("ORGDIR_CACHE_DIR", "")));
    assert!(!String::from_utf8_lossy(&off.stderr).contains("REMEMBERED"));

    // Any change to the data: validated again.
    let orgs = work.path().join("data/orgs.yaml");
    let text = fs::read_to_string(&orgs).unwrap();
    fs::write(&orgs, format!("{text}\n# a comment\n")).unwrap();
    let third = build(None);
    let stderr = String::from_utf8_lossy(&third.stderr);
    assert!(!stderr.contains("REMEMBERED"), "{stderr}");
    assert!(
        stderr.contains("warning[sh:MinCountConstraintComponent]"),
        "{stderr}"
    );
    assert_eq!(fs::read_dir(cache.join("validated")).unwrap().count(), 2);

    // A violation is never remembered: the build is refused every time.
    let bad = tempfile::tempdir().unwrap();
    copy_case("member-of-itself", bad.path());
    for _ in 0..2 {
        let out = Command::new(env!("CARGO_BIN_EXE_orgdir"))
            .current_dir(bad.path())
            .env("ORGDIR_CACHE_DIR", &cache)
            .arg("--shapes")
            .arg(root().join("shapes"))
            .args(["build", "--out", "dist"])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(1));
    }
    assert_eq!(fs::read_dir(cache.join("validated")).unwrap().count(), 2);
}

/// A directory of `warned` organizations without a description (a warning
/// each) and, with `violation`, one whose website is an ftp:// address.
fn many_findings(warned: usize, violation: bool) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    fs::create_dir(&data).unwrap();
    fs::copy(
        shacl_cases().join("description-missing/data/dataset.yaml"),
        data.join("dataset.yaml"),
    )
    .unwrap();
    let mut yaml = String::new();
    for i in 0..warned {
        yaml.push_str(&format!(
            "- id: org-{i}\n  name: Organization {i}\n  url: https://org-{i}.example.org/\n  category: national\n"
        ));
    }
    if violation {
        yaml.push_str(
            "- id: ftp\n  name: The FTP Society\n  description: Files.\n  url: ftp://files.example.org/\n  category: national\n",
        );
    }
    fs::write(data.join("orgs.yaml"), yaml).unwrap();
    dir
}

#[test]
fn the_text_report_ends_with_a_count_by_constraint_and_message() {
    let dir = many_findings(40, true);
    let out = orgdir(dir.path(), &["validate"]);
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8_lossy(&out.stdout);
    let summary = text.split("summary:\n").nth(1).expect("a summary");
    let rows: Vec<&str> = summary.lines().take_while(|l| !l.is_empty()).collect();
    assert_eq!(rows.len(), 2, "{summary}");
    assert!(rows[0].trim_start().starts_with("40 warning["), "{rows:?}");
    assert!(rows[1].trim_start().starts_with("1 violation["), "{rows:?}");
    assert_eq!(text.matches("  --> data/orgs.yaml:").count(), 41);

    // --max-findings: three in full, the rest counted.
    let out = orgdir(dir.path(), &["validate", "--max-findings", "3"]);
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(text.matches("  --> data/orgs.yaml:").count(), 3, "{text}");
    assert!(
        text.contains("... and 38 more, not shown (--max-findings 3)"),
        "{text}"
    );
    assert!(text.contains("summary:\n  40 warning["), "{text}");
    assert!(
        text.contains("does not conform: 1 violation, 40 warnings"),
        "{text}"
    );
}

#[test]
fn quiet_validation_prints_only_what_fails() {
    // Warnings only: -q prints nothing at all, and exits 0.
    let dir = many_findings(5, false);
    let out = orgdir(dir.path(), &["-q", "validate"]);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(String::from_utf8_lossy(&out.stdout), "");
    assert_eq!(String::from_utf8_lossy(&out.stderr), "");
    // Without -q the same run shows them.
    let out = orgdir(dir.path(), &["validate"]);
    assert!(String::from_utf8_lossy(&out.stdout).contains("passes with warnings"));
    // A violation: only it, and the verdict.
    let dir = many_findings(5, true);
    let out = orgdir(dir.path(), &["-q", "validate"]);
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(text.matches("  --> data/orgs.yaml:").count(), 1, "{text}");
    assert!(text.starts_with("violation["), "{text}");
    assert!(
        text.contains("does not conform: 1 violation, 5 warnings"),
        "{text}"
    );
    // --strict makes the warnings fail, so -q shows them.
    let dir = many_findings(5, false);
    let out = orgdir(dir.path(), &["-q", "validate", "--strict"]);
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(text.matches("  --> data/orgs.yaml:").count(), 5, "{text}");
}
