//! The JSON Schema of the source files (`orgdir schema`) against the loader
//! and the shapes: a real validator (PyPI check-jsonschema, as editors' and
//! CI's users run it) and `orgdir validate` must give every file the same
//! verdict, over every fixture and over cases made from the key tables of
//! `src/source/schema.rs`. The rules no schema can state are the fixtures of
//! `schema::BEYOND_A_SCHEMA`: check-jsonschema must accept those files, and
//! orgdir must not.
//!
//! The check-jsonschema tests are ignored by default (they need it on PATH);
//! `.ci/run` installs it and runs them: `cargo test --test schema -- --ignored`.

mod common;

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use orgdir::source::schema::{
    self, BEYOND_A_SCHEMA, DATASET, Key, Kind, MEMBERSHIP, ORGANIZATION, PUBLISHER,
};

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn orgdir() -> Command {
    Command::new(env!("CARGO_BIN_EXE_orgdir"))
}

#[test]
fn the_committed_schemas_are_what_orgdir_schema_writes() {
    let dir = tempfile::tempdir().unwrap();
    let status = orgdir()
        .arg("schema")
        .arg("--out")
        .arg(dir.path())
        .status()
        .unwrap();
    assert!(status.success());
    for (name, _) in schema::files() {
        let written = fs::read_to_string(dir.path().join(name)).unwrap();
        let committed = fs::read_to_string(repo().join("schema").join(name)).unwrap();
        assert!(
            written == committed,
            "schema/{name} is out of date: run `cargo run -- schema --out schema`"
        );
    }
    // Without --out, one schema on stdout, organizations by default.
    let one = orgdir().arg("schema").output().unwrap();
    assert!(one.status.success());
    let printed: serde_json::Value = serde_json::from_slice(&one.stdout).unwrap();
    assert_eq!(printed, schema::organizations());
    let one = orgdir().args(["schema", "dataset"]).output().unwrap();
    let printed: serde_json::Value = serde_json::from_slice(&one.stdout).unwrap();
    assert_eq!(printed, schema::dataset());
}

/// The files of `data` that `orgdir validate` rejects (a load error or a
/// violation in them; warnings do not count), from its SARIF log.
fn rejected_by_orgdir(data: &Path, args: &[&str]) -> BTreeSet<PathBuf> {
    let output = orgdir()
        .arg("--data")
        .arg(data)
        .args(args)
        .args(["validate", "--format", "sarif"])
        .output()
        .unwrap();
    let log: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap_or_else(|e| {
        panic!(
            "{}: no SARIF log ({e}): {}",
            data.display(),
            String::from_utf8_lossy(&output.stderr)
        )
    });
    let mut files = BTreeSet::new();
    for result in log["runs"][0]["results"].as_array().unwrap() {
        if result["level"] != "error" {
            continue;
        }
        let uri = result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
            .as_str()
            .unwrap();
        files.insert(fs::canonicalize(uri).unwrap_or_else(|_| PathBuf::from(uri)));
    }
    files
}

/// The files check-jsonschema rejects (a schema error or a file it cannot
/// parse), each checked against the schema its name calls for.
fn rejected_by_the_schema(files: &[PathBuf]) -> BTreeSet<PathBuf> {
    let schemas = tempfile::tempdir().unwrap();
    let mut rejected = BTreeSet::new();
    for (name, value) in schema::files() {
        let path = schemas.path().join(name);
        fs::write(&path, serde_json::to_vec(&value).unwrap()).unwrap();
        let for_dataset = name == "dataset.schema.json";
        let targets: Vec<&PathBuf> = files
            .iter()
            .filter(|f| (f.file_name().unwrap() == "dataset.yaml") == for_dataset)
            .collect();
        if targets.is_empty() {
            continue;
        }
        let output = Command::new("check-jsonschema")
            .args(["--output-format", "json", "--schemafile"])
            .arg(&path)
            .args(&targets)
            .output()
            .expect("check-jsonschema runs (pip install check-jsonschema)");
        let report: serde_json::Value =
            serde_json::from_slice(&output.stdout).unwrap_or_else(|e| {
                let shown =
                    |b: &[u8]| String::from_utf8_lossy(&b[..b.len().min(4000)]).into_owned();
                panic!(
                    "check-jsonschema's report ({e}): {}{}",
                    shown(&output.stdout),
                    shown(&output.stderr)
                )
            });
        for kind in ["errors", "parse_errors"] {
            for error in report[kind].as_array().unwrap() {
                rejected.insert(fs::canonicalize(error["filename"].as_str().unwrap()).unwrap());
            }
        }
    }
    rejected
}

fn yaml_files(dir: &Path, into: &mut Vec<PathBuf>) {
    let mut entries: Vec<_> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            yaml_files(&path, into);
        } else if matches!(
            path.extension().and_then(|e| e.to_str()),
            Some("yaml" | "yml")
        ) {
            into.push(fs::canonicalize(path).unwrap());
        }
    }
}

/// Every data directory among the fixtures: (name, directory, global args).
fn fixtures() -> Vec<(String, PathBuf, Vec<String>)> {
    let mut out = vec![("data/".to_string(), repo().join("data"), Vec::new())];
    fn walk(dir: &Path, name: &str, out: &mut Vec<(String, PathBuf, Vec<String>)>) {
        if dir.join("data").is_dir() {
            let args = fs::read_to_string(dir.join("args")).unwrap_or_default();
            let args = args.split_whitespace().map(String::from).collect();
            out.push((name.to_string(), dir.join("data"), args));
            return;
        }
        let mut entries: Vec<_> = fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        entries.sort();
        for path in entries.into_iter().filter(|p| p.is_dir()) {
            let file = path.file_name().unwrap().to_string_lossy();
            let name = if name.is_empty() {
                file.to_string()
            } else {
                format!("{name}/{file}")
            };
            walk(&path, &name, out);
        }
    }
    let fixtures = repo().join("tests/fixtures");
    walk(&fixtures.join("valid"), "valid", &mut out);
    walk(&fixtures.join("invalid"), "", &mut out);
    out
}

const UNSAFE_TO_EXPAND: &str = "billion-laughs";

#[test]
#[ignore = "needs check-jsonschema (pip install check-jsonschema); .ci/run runs it"]
fn check_jsonschema_and_orgdir_agree_on_every_fixture() {
    let fixtures = fixtures();
    let mut all = Vec::new();
    for (name, data, _) in &fixtures {
        // check-jsonschema expands the aliases of billion-laughs (gigabytes:
        // the attack the loader's limits are there for), so it is not given
        // that file; the loader refuses it.
        if name != UNSAFE_TO_EXPAND {
            yaml_files(data, &mut all);
        }
    }
    let schema_rejects = rejected_by_the_schema(&all);
    let mut problems = Vec::new();
    let mut beyond_seen = BTreeSet::new();
    for (name, data, args) in &fixtures {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let orgdir_rejects = rejected_by_orgdir(data, &args);
        let mut files = Vec::new();
        yaml_files(data, &mut files);
        let beyond = BEYOND_A_SCHEMA.iter().find(|(case, _)| case == name);
        if name == UNSAFE_TO_EXPAND {
            assert!(beyond.is_some() && !orgdir_rejects.is_empty());
            beyond_seen.insert(name.clone());
            continue;
        }
        for file in &files {
            let (by_schema, by_orgdir) =
                (schema_rejects.contains(file), orgdir_rejects.contains(file));
            let shown = file.strip_prefix(repo()).unwrap_or(file).display();
            match beyond {
                // A rule past a schema: the schema passes the file that breaks it.
                Some(_) if by_orgdir && !by_schema => {
                    beyond_seen.insert(name.clone());
                }
                Some((_, rule)) if by_schema => problems.push(format!(
                    "{shown}: rejected by the schema, though `{name}` is listed as beyond a schema ({rule})"
                )),
                _ if by_schema != by_orgdir => problems.push(format!(
                    "{shown}: the schema {} it, orgdir {} it",
                    if by_schema { "rejects" } else { "accepts" },
                    if by_orgdir { "rejects" } else { "accepts" },
                )),
                _ => {}
            }
        }
    }
    for (case, rule) in BEYOND_A_SCHEMA {
        if !beyond_seen.contains(*case) {
            problems.push(format!(
                "{case} ({rule}): listed as beyond a schema, but no file of it is rejected by orgdir alone"
            ));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// Values of each kind near the edge of what it accepts: (YAML, accepted).
fn samples(kind: Kind) -> &'static [(&'static str, bool)] {
    match kind {
        Kind::Slug => &[
            ("a-1", true),
            ("9lives", true),
            ("Ala", false),
            ("-a", false),
            ("a b", false),
            ("''", false),
        ],
        Kind::Text => &[
            ("x", true),
            ("' x '", true),
            ("' '", false),
            ("''", false),
            ("12", false),
            ("[x]", false),
        ],
        Kind::TextOrTexts => &[
            ("x", true),
            ("[x, y]", true),
            ("[]", true),
            ("[x, '']", false),
            ("[1]", false),
        ],
        Kind::Texts => &[("[x]", true), ("[]", true), ("x", false), ("['  ']", false)],
        Kind::Iri => &[
            ("'https://a.example/'", true),
            ("'urn:isni:0000000121479135'", true),
            ("'a.example'", false),
            ("'https://a b/'", false),
            ("'https://a/<'", false),
        ],
        Kind::Iris => &[
            ("['http://www.wikidata.org/entity/Q1']", true),
            ("[]", true),
            ("['no scheme']", false),
            ("'http://a/'", false),
        ],
        Kind::WebUrl => &[
            ("'http://a.example'", true),
            ("'https://a.example/x?y#z'", true),
            ("'ftp://a.example/'", false),
            ("'https:///x'", false),
            ("'https://'", false),
            ("'javascript:alert(1)'", false),
            ("'https://a b/'", false),
        ],
        Kind::Base => &[
            ("'https://a.example/'", true),
            ("'https://a.example/x/'", true),
            ("'https://a.example'", false),
            ("'urn:x/'", false),
        ],
        Kind::Date => &[
            ("1923", true),
            ("'1923'", true),
            ("1924-02-29", true),
            ("1900-02-29", false),
            ("1923-13-01", false),
            ("85", false),
            ("'85'", false),
            ("1923.5", false),
            ("'1923-1-1'", false),
            ("last year", false),
        ],
        Kind::Day => &[
            ("2024-02-29", true),
            ("2000-02-29", true),
            ("2100-02-29", false),
            ("2023-02-29", false),
            ("2024", false),
            ("'2024-2-1'", false),
        ],
        Kind::Email => &[
            ("a@b.example", true),
            ("first.last@a.b.example", true),
            ("a.example", false),
            ("a@b", false),
            ("a@@b.example", false),
            ("'a b@c.example'", false),
            ("a@b..example", false),
        ],
        Kind::Category => &[
            ("regional", true),
            ("international", true),
            ("Regional", false),
            ("state", false),
        ],
        Kind::Memberships => &[
            ("[a]", true),
            ("[{id: a}]", true),
            ("[a, b]", true),
            ("[a, a]", false),
            ("a", false),
            ("[A]", false),
            ("[{roleName: x}]", false),
            ("[{id: a, role: x}]", false),
        ],
        // In a record with every key: `withdrawn` is refused there because
        // the record has a `replacedBy` (the status cases try it without).
        Kind::Status => &[
            ("merged", true),
            ("withdrawn", false),
            ("Merged", false),
            ("active", false),
            ("[merged]", false),
        ],
        Kind::Publisher => &[
            ("{name: P}", true),
            ("{name: P, url: 'https://p.example/'}", true),
            ("{url: 'https://p.example/'}", false),
            ("{name: P, homepage: x}", false),
            ("P", false),
        ],
    }
}

/// A mapping in block style, the keys of `table` with their examples, with
/// `key` given `value` instead (or left out, for `None`), `extra` added.
fn mapping(
    table: &[Key],
    indent: &str,
    first: &str,
    key: &str,
    value: Option<&str>,
    extra: &str,
) -> String {
    let mut text = String::new();
    for k in table {
        let v = if k.name == key {
            value
        } else {
            Some(k.example)
        };
        let Some(v) = v else { continue };
        let lead = if text.is_empty() { first } else { indent };
        text.push_str(&format!("{lead}{}: {v}\n", k.name));
    }
    text.push_str(extra);
    text
}

struct Case {
    what: String,
    dataset: String,
    records: String,
    accepted: bool,
}

/// The records file: the organization of the examples, `a`, `b`, `a-1`
/// and `9lives` (the organizations samples name) and `ala` (which the examples name).
fn records(organization: &str, id: Option<&str>) -> String {
    let others = "- {id: ala, name: ALA, category: national, url: 'https://www.ala.org/', description: x}\n\
                  - {id: a, name: A, category: national, url: 'https://a.example/', description: x}\n\
                  - {id: b, name: B, category: national, url: 'https://b.example/', description: x}\n\
                  - {id: a-1, name: A1, category: national, url: 'https://a1.example/', description: x}\n\
                  - {id: 9lives, name: Nine, category: national, url: 'https://9.example/', description: x}\n";
    // Not the organization's own id, when that is what is tried.
    let others: String = others
        .lines()
        .filter(|line| id.is_none_or(|id| !line.starts_with(&format!("- {{id: {id},"))))
        .map(|line| format!("{line}\n"))
        .collect();
    format!("{organization}{others}")
}

fn cases() -> Vec<Case> {
    let dataset =
        |key: &str, value: Option<&str>, extra: &str| mapping(DATASET, "", "", key, value, extra);
    let organization = |key: &str, value: Option<&str>, extra: &str| {
        // memberOf as a mapping with every membership key, so those are tried too.
        let member = mapping(MEMBERSHIP, "      ", "    - ", "", None, "");
        let with_member = |k: &str, v: Option<&str>| {
            if k == "memberOf" {
                v.map(String::from)
            } else {
                Some(format!("\n{member}"))
            }
        };
        let mut text = String::new();
        for k in ORGANIZATION {
            let v = if k.name == key {
                value.map(String::from)
            } else if k.name == "memberOf" {
                with_member(key, None)
            } else {
                Some(k.example.to_string())
            };
            let Some(v) = v else { continue };
            let lead = if text.is_empty() { "- " } else { "  " };
            text.push_str(&format!("{lead}{}: {v}\n", k.name));
        }
        text.push_str(extra);
        records(&text, value.filter(|_| key == "id"))
    };
    let base_records = organization("", None, "");
    let base_dataset = dataset("", None, "");
    let mut cases = vec![Case {
        what: "every key with its example".into(),
        dataset: base_dataset.clone(),
        records: base_records.clone(),
        accepted: true,
    }];
    let mut records_case = |records: String, what: String, accepted: bool| {
        cases.push(Case {
            what,
            dataset: base_dataset.clone(),
            records,
            accepted,
        });
    };
    for k in ORGANIZATION {
        for (v, ok) in samples(k.kind) {
            records_case(
                organization(k.name, Some(v), ""),
                format!("{}: {v}", k.name),
                *ok,
            );
        }
        if k.required {
            records_case(
                organization(k.name, None, ""),
                format!("no {}", k.name),
                false,
            );
        }
    }
    records_case(
        organization("", None, "  memerOf: [ala]\n"),
        "an unknown key".into(),
        false,
    );
    // The status keys need each other: the record of every key (merged)
    // with `status` set to `status` (or left out) and `dropped` left out.
    let retired = |status: Option<&str>, dropped: &[&str]| {
        let every = organization("", None, "");
        let mut text = String::new();
        for line in every.lines() {
            let key = line
                .trim_start_matches(['-', ' '])
                .split(':')
                .next()
                .unwrap();
            let own = line.starts_with("  ") || line.starts_with("- id: nmla");
            if own && key == "status" {
                if let Some(status) = status {
                    text.push_str(&format!("  status: {status}\n"));
                }
            } else if !(own && dropped.contains(&key)) {
                text.push_str(&format!("{line}\n"));
            }
        }
        text
    };
    for (status, dropped, accepted) in [
        (Some("withdrawn"), &["replacedBy"][..], true),
        (Some("withdrawn"), &["replacedBy", "statusNote"], false),
        (Some("withdrawn"), &["replacedBy", "statusDate"], false),
        (Some("merged"), &["statusNote"], true),
        (Some("merged"), &["replacedBy"], false),
        (Some("merged"), &["statusDate"], false),
        (None, &["statusDate", "statusNote"], false),
        (None, &["replacedBy", "statusNote"], false),
        (None, &["replacedBy", "statusDate"], false),
        (None, &["replacedBy", "statusDate", "statusNote"], true),
    ] {
        records_case(
            retired(status, dropped),
            format!("status {status:?} without {dropped:?}"),
            accepted,
        );
    }
    let member = |key: &str, value: Option<&str>| {
        let member = mapping(MEMBERSHIP, "      ", "    - ", key, value, "");
        organization("memberOf", Some(&format!("\n{member}")), "")
    };
    for k in MEMBERSHIP {
        for (v, ok) in samples(k.kind) {
            records_case(
                member(k.name, Some(v)),
                format!("memberOf.{}: {v}", k.name),
                *ok,
            );
        }
        if k.required {
            records_case(
                member(k.name, None),
                format!("memberOf without {}", k.name),
                false,
            );
        }
    }
    let mut dataset_case = |dataset: String, what: String, accepted: bool| {
        cases.push(Case {
            what,
            dataset,
            records: base_records.clone(),
            accepted,
        });
    };
    for k in DATASET {
        for (v, ok) in samples(k.kind) {
            dataset_case(
                dataset(k.name, Some(v), ""),
                format!("dataset {}: {v}", k.name),
                *ok,
            );
        }
        if k.required {
            dataset_case(
                dataset(k.name, None, ""),
                format!("dataset without {}", k.name),
                false,
            );
        }
    }
    dataset_case(
        dataset("", None, "licence: 'https://a.example/'\n"),
        "dataset: an unknown key".into(),
        false,
    );
    let publisher = |key: &str, value: Option<&str>| {
        let publisher = mapping(PUBLISHER, "  ", "  ", key, value, "");
        dataset("publisher", Some(&format!("\n{publisher}")), "")
    };
    for k in PUBLISHER {
        for (v, ok) in samples(k.kind) {
            dataset_case(
                publisher(k.name, Some(v)),
                format!("publisher.{}: {v}", k.name),
                *ok,
            );
        }
        if k.required {
            dataset_case(
                publisher(k.name, None),
                format!("publisher without {}", k.name),
                false,
            );
        }
    }
    cases
}

#[test]
#[ignore = "needs check-jsonschema (pip install check-jsonschema); .ci/run runs it"]
fn check_jsonschema_and_orgdir_agree_on_each_key_and_each_kind_of_value() {
    let work = tempfile::tempdir().unwrap();
    let cases = cases();
    eprintln!("{} cases", cases.len());
    let mut all = Vec::new();
    let mut dirs = Vec::new();
    for (i, case) in cases.iter().enumerate() {
        let dir = work.path().join(format!("case-{i}"));
        fs::create_dir(&dir).unwrap();
        fs::write(dir.join("dataset.yaml"), &case.dataset).unwrap();
        fs::write(dir.join("orgs.yaml"), &case.records).unwrap();
        let dir = fs::canonicalize(dir).unwrap();
        all.push(dir.join("dataset.yaml"));
        all.push(dir.join("orgs.yaml"));
        dirs.push(dir);
    }
    let schema_rejects = rejected_by_the_schema(&all);
    let mut problems = Vec::new();
    for (case, dir) in cases.iter().zip(&dirs) {
        let orgdir_rejects = rejected_by_orgdir(dir, &[]);
        let by_schema = [dir.join("dataset.yaml"), dir.join("orgs.yaml")]
            .iter()
            .any(|f| schema_rejects.contains(f));
        let by_orgdir = !orgdir_rejects.is_empty();
        if by_schema == case.accepted || by_orgdir == case.accepted {
            problems.push(format!(
                "{} ({}): expected {}, the schema {}, orgdir {}\n--- dataset.yaml\n{}--- orgs.yaml\n{}",
                case.what,
                dir.display(),
                if case.accepted { "accepted" } else { "rejected" },
                if by_schema { "rejects" } else { "accepts" },
                if by_orgdir { "rejects" } else { "accepts" },
                case.dataset,
                case.records,
            ));
        }
    }
    assert!(
        problems.is_empty(),
        "{} of {} cases:\n{}",
        problems.len(),
        cases.len(),
        problems.join("\n")
    );
}
