//! `orgdir query` from the command line, and the named queries shipped in
//! `queries/` against the bundled data.

use std::path::Path;
use std::process::{Command, Output};

fn orgdir(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_orgdir"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(args)
        .output()
        .unwrap()
}

fn stdout(o: &Output) -> String {
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    String::from_utf8(o.stdout.clone()).unwrap()
}

#[test]
fn formats_of_a_select() {
    let data = ["--data", "tests/fixtures/valid/data"];
    let q = "PREFIX schema: <http://schema.org/> SELECT ?name WHERE { ?o a schema:Organization ; schema:name ?name } ORDER BY ?name";
    let table = stdout(&orgdir(&[&data[..], &["query", "-e", q]].concat()));
    let widest = "Régional Library Association — ünïcode";
    assert_eq!(
        table,
        format!(
            "name\n{}\nChild Division\nParent Association\n{widest}\n(3 rows)\n",
            "-".repeat(widest.chars().count())
        )
    );
    let csv = stdout(&orgdir(
        &[&data[..], &["query", "-e", q, "--format", "csv"]].concat(),
    ));
    assert!(csv.starts_with("name\r\nChild Division\r\n"), "{csv}");
    let json = stdout(&orgdir(
        &[&data[..], &["query", "-e", q, "--format", "json"]].concat(),
    ));
    let parsed: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(parsed["results"]["bindings"].as_array().unwrap().len(), 3);
    let ask = stdout(&orgdir(
        &[&data[..], &["query", "-e", "ASK { ?s ?p ?o }"]].concat(),
    ));
    assert_eq!(ask, "true\n");
}

#[test]
fn bad_queries_exit_2_with_a_message() {
    let syntax = orgdir(&["query", "-e", "SELECT ?x WHERE {"]);
    assert_eq!(syntax.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&syntax.stderr).contains("SPARQL syntax error"));
    let unknown = orgdir(&["query", "no-such-query"]);
    assert_eq!(unknown.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&unknown.stderr).contains("no query named `no-such-query`"));
    let usage = orgdir(&["query"]);
    assert_eq!(usage.status.code(), Some(2));
}

/// Every shipped query parses, has a title and a description, and finds
/// something (but the one for organizations without a website: all have one;
/// and the link-check one, which needs `serve --linkcheck`: tests/linkcheck.rs
/// runs it).
#[test]
fn shipped_queries_answer_on_the_bundled_data() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let queries = orgdir::store::load_queries(&root.join("queries")).unwrap();
    assert_eq!(queries.len(), 8);
    for q in &queries {
        assert!(
            !q.title.is_empty() && !q.description.is_empty(),
            "{}",
            q.name
        );
        let out = stdout(&orgdir(&["query", &q.name, "--format", "csv"]));
        if !["without-website", "ala-divisions-failing-websites"].contains(&q.name.as_str()) {
            assert!(out.lines().count() >= 2, "{} found nothing:\n{out}", q.name);
        }
    }
    let divisions = stdout(&orgdir(&["query", "ala-divisions", "--format", "csv"]));
    assert_eq!(divisions.lines().count(), 7, "six divisions:\n{divisions}");
    let no_site = stdout(&orgdir(&["query", "without-website", "--format", "csv"]));
    assert_eq!(
        no_site.lines().count(),
        1,
        "every bundled organization has a website:\n{no_site}"
    );
}

/// A query nested deeper than the main thread's stack holds is refused as
/// the endpoint refuses it, with exit 2 and a message, never a crash; one
/// within the endpoint's limits is answered.
#[test]
fn a_deeply_nested_query_is_refused_not_a_crash() {
    let data = ["--data", "tests/fixtures/valid/data"];
    let nested = |n: usize| format!("ASK {{ FILTER({}1{}) }}", "(".repeat(n), ")".repeat(n));
    let deep = orgdir(&[&data[..], &["query", "-e", &nested(20_000)]].concat());
    let stderr = String::from_utf8_lossy(&deep.stderr);
    assert_eq!(deep.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("levels deep"), "{stderr}");
    // At the endpoint's limit of nesting, answered. (Before the guard,
    // 5,000 levels aborted the process with a stack overflow.)
    let within = orgdir(&[&data[..], &["query", "-e", &nested(98)]].concat());
    assert!(stdout(&within).contains("true"));
}
