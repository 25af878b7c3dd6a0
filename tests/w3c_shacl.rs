//! The W3C SHACL test suite (Core and SHACL-SPARQL), run through orgdir's
//! `validate` module: the shapes compiled by `Shapes::from_turtle`, the data
//! validated by `validate_graph`, exactly as `orgdir validate` does.
//!
//! The suite is read from `../shared/testsuites/shacl-w3c/` (or from
//! `$SHACL_W3C_SUITE`). A test passes when orgdir's report has the expected
//! `sh:conforms` and the same results, compared as the suite's own harnesses
//! do: each result by focus node, path, value, severity, constraint component
//! and source shape, blank nodes standing for any blank node, messages ignored.
//! A `sht:Failure` test passes when orgdir refuses the shapes or the data.
//!
//! The failures orgdir accepts are listed in `KNOWN_FAILURES` with their
//! reason; the test fails when another test fails, and also when a listed one
//! starts to pass (so the list stays true). README gives the counts.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use orgdir::validate::{Path as ShaclPath, Report, Shapes, validate_graph};
use oxigraph::io::{RdfFormat, RdfParser};
use oxigraph::model::{Graph, NamedNode, NamedNodeRef, NamedOrBlankNodeRef, Term, TermRef};

const MF: &str = "http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#";
const SHT: &str = "http://www.w3.org/ns/shacl-test#";
const SH: &str = "http://www.w3.org/ns/shacl#";
const RDF: &str = "http://www.w3.org/1999/02/22-rdf-syntax-ns#";

/// Tests orgdir fails, with why. Keyed by the test file, relative to the suite.
const KNOWN_FAILURES: &[(&str, &str)] = &[
    (
        "sparql/component/optional-001.ttl",
        "SPARQL-based constraint components (sh:ConstraintComponent with validators) are not \
         implemented by shacl 0.3.37; orgdir's shapes do not use them",
    ),
    (
        "sparql/component/propertyValidator-select-001.ttl",
        "SPARQL-based constraint components: as above",
    ),
    (
        "sparql/component/validator-001.ttl",
        "SPARQL-based constraint components: as above",
    ),
    (
        "sparql/pre-binding/pre-binding-003.ttl",
        "$this in a FILTER of a nested group: Oxigraph's variable substitution binds $this \
         at the start of the evaluation, and a nested group is evaluated apart, so the FILTER \
         sees it unbound (the spec substitutes the value into the query instead)",
    ),
    (
        "sparql/pre-binding/pre-binding-004.ttl",
        "BIND ($this AS ?that): unbound in the BIND, for the same reason as pre-binding-003",
    ),
    (
        "sparql/pre-binding/shapesGraph-001.ttl",
        "$shapesGraph: orgdir validates the data graph alone and offers no shapes graph to \
         queries",
    ),
];

fn suite() -> PathBuf {
    match std::env::var_os("SHACL_W3C_SUITE") {
        Some(dir) => PathBuf::from(dir),
        None => Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/testsuites/shacl-w3c"),
    }
}

fn iri(ns: &str, local: &str) -> NamedNode {
    NamedNode::new(format!("{ns}{local}")).unwrap()
}

fn file_iri(path: &Path) -> String {
    format!("file://{}", path.canonicalize().unwrap().display())
}

fn parse(path: &Path) -> Result<Graph, String> {
    let text = fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let mut graph = Graph::new();
    for t in RdfParser::from_format(RdfFormat::Turtle)
        .with_base_iri(file_iri(path))
        .unwrap()
        .for_slice(&text)
    {
        let q = t.map_err(|e| format!("{}: {e}", path.display()))?;
        graph.insert(q.as_ref());
    }
    Ok(graph)
}

fn object<'a, 'b>(
    g: &'a Graph,
    s: impl Into<NamedOrBlankNodeRef<'b>>,
    p: &'b NamedNode,
) -> Option<TermRef<'a>> {
    g.object_for_subject_predicate(s, p)
}

fn list<'a>(g: &'a Graph, mut head: TermRef<'a>) -> Vec<TermRef<'a>> {
    let (first, rest) = (iri(RDF, "first"), iri(RDF, "rest"));
    let mut items = Vec::new();
    loop {
        let node = match head {
            TermRef::NamedNode(n) => NamedOrBlankNodeRef::from(n),
            TermRef::BlankNode(b) => NamedOrBlankNodeRef::from(b),
            _ => break,
        };
        let Some(item) = object(g, node, &first) else {
            break;
        };
        items.push(item);
        match object(g, node, &rest) {
            Some(r) => head = r,
            None => break,
        }
    }
    items
}

/// Every test file of the suite, following `mf:include` from `manifest.ttl`.
fn test_files(manifest: &Path, out: &mut Vec<PathBuf>) {
    let g = parse(manifest).unwrap();
    let include = iri(MF, "include");
    let mut includes: Vec<PathBuf> = g
        .triples_for_predicate(&include)
        .filter_map(|t| match t.object {
            TermRef::NamedNode(n) => n.as_str().strip_prefix("file://").map(PathBuf::from),
            _ => None,
        })
        .collect();
    includes.sort();
    let has_entries = g
        .triples_for_predicate(&iri(MF, "entries"))
        .next()
        .is_some();
    if has_entries {
        out.push(manifest.to_owned());
    }
    for inc in includes {
        if inc.file_name().is_some_and(|n| n == "manifest.ttl") {
            test_files(&inc, out);
        } else {
            out.push(inc);
        }
    }
}

/// One result, as the suite compares it.
type Key = (String, String, String, String, String, String);

fn term_key(t: Option<TermRef<'_>>) -> String {
    match t {
        None => "-".into(),
        Some(TermRef::BlankNode(_)) => "_:".into(),
        Some(TermRef::Literal(l)) => {
            // Compare literals by value and datatype as written.
            format!("{l}")
        }
        Some(t) => t.to_string(),
    }
}

/// An expected `sh:resultPath` node in the SPARQL syntax of [`ShaclPath`].
fn path_key(g: &Graph, t: Option<TermRef<'_>>) -> String {
    fn path(g: &Graph, t: TermRef<'_>) -> String {
        let node = match t {
            TermRef::NamedNode(n) => return format!("<{}>", n.as_str()),
            TermRef::BlankNode(b) => NamedOrBlankNodeRef::from(b),
            other => return other.to_string(),
        };
        let one = |local: &str| object(g, node, &iri(SH, local));
        let join = |items: Vec<TermRef<'_>>, sep: &str| {
            let parts: Vec<String> = items.into_iter().map(|i| path(g, i)).collect();
            format!("({})", parts.join(sep))
        };
        if object(g, node, &iri(RDF, "first")).is_some() {
            return join(list(g, t), " / ");
        }
        if let Some(l) = one("alternativePath") {
            return join(list(g, l), " | ");
        }
        if let Some(p) = one("inversePath") {
            return format!("^{}", path(g, p));
        }
        if let Some(p) = one("zeroOrMorePath") {
            return format!("{}*", path(g, p));
        }
        if let Some(p) = one("oneOrMorePath") {
            return format!("{}+", path(g, p));
        }
        if let Some(p) = one("zeroOrOnePath") {
            return format!("{}?", path(g, p));
        }
        "_:".into()
    }
    t.map_or("-".into(), |t| path(g, t))
}

fn expected_results(g: &Graph, report: TermRef<'_>) -> (bool, Vec<Key>) {
    let node = match report {
        TermRef::BlankNode(b) => NamedOrBlankNodeRef::from(b),
        TermRef::NamedNode(n) => NamedOrBlankNodeRef::from(n),
        _ => panic!("a report is a node"),
    };
    let conforms = object(g, node, &iri(SH, "conforms")).is_some_and(|c| match c {
        TermRef::Literal(l) => l.value() == "true",
        _ => false,
    });
    let mut keys: Vec<Key> = g
        .objects_for_subject_predicate(node, &iri(SH, "result"))
        .map(|r| {
            let r = match r {
                TermRef::BlankNode(b) => NamedOrBlankNodeRef::from(b),
                TermRef::NamedNode(n) => NamedOrBlankNodeRef::from(n),
                _ => panic!("a result is a node"),
            };
            let get = |local: &str| object(g, r, &iri(SH, local));
            (
                term_key(get("focusNode")),
                path_key(g, get("resultPath")),
                term_key(get("value")),
                term_key(get("resultSeverity")),
                term_key(get("sourceConstraintComponent")),
                term_key(get("sourceShape")),
            )
        })
        .collect();
    keys.sort();
    (conforms, keys)
}

fn actual_results(report: &Report) -> (bool, Vec<Key>) {
    let mut keys: Vec<Key> = report
        .findings
        .iter()
        .map(|f| {
            let severity = NamedNodeRef::new(f.severity.iri()).unwrap();
            (
                term_key(Some(f.focus.as_ref())),
                f.path.as_ref().map_or("-".into(), ShaclPath::to_string),
                term_key(f.value.as_ref().map(Term::as_ref)),
                term_key(Some(severity.into())),
                term_key(Some(f.component.as_ref().into())),
                term_key(f.shape.as_ref().map(Term::as_ref)),
            )
        })
        .collect();
    keys.sort();
    (report.conforms(), keys)
}

enum Outcome {
    Pass,
    Fail(String),
    Skip(String),
}

fn run_entry(g: &Graph, entry: TermRef<'_>, file: &Path) -> Outcome {
    let entry = match entry {
        TermRef::NamedNode(n) => NamedOrBlankNodeRef::from(n),
        TermRef::BlankNode(b) => NamedOrBlankNodeRef::from(b),
        _ => return Outcome::Skip("entry is not a node".into()),
    };
    let validate_type = iri(SHT, "Validate");
    if object(g, entry, &iri(RDF, "type")) != Some(validate_type.as_ref().into()) {
        return Outcome::Skip("not a sht:Validate test".into());
    }
    let Some(action) = object(g, entry, &iri(MF, "action")) else {
        return Outcome::Skip("no mf:action".into());
    };
    let action = match action {
        TermRef::BlankNode(b) => NamedOrBlankNodeRef::from(b),
        TermRef::NamedNode(n) => NamedOrBlankNodeRef::from(n),
        _ => return Outcome::Skip("mf:action is not a node".into()),
    };
    let graph_path = |local: &str| -> Option<PathBuf> {
        match object(g, action, &iri(SHT, local))? {
            TermRef::NamedNode(n) => n.as_str().strip_prefix("file://").map(PathBuf::from),
            _ => None,
        }
    };
    let (Some(data_path), Some(shapes_path)) = (graph_path("dataGraph"), graph_path("shapesGraph"))
    else {
        return Outcome::Skip("no data or shapes graph".into());
    };
    let Some(result) = object(g, entry, &iri(MF, "result")) else {
        return Outcome::Skip("no mf:result".into());
    };
    let expect_failure = result == TermRef::from(iri(SHT, "Failure").as_ref());

    let run = || -> Result<Report, String> {
        let shapes_text = fs::read_to_string(&shapes_path).map_err(|e| e.to_string())?;
        let shapes = Shapes::from_turtle(&shapes_text, Some(&file_iri(&shapes_path)))?;
        if shapes.checked_natively() {
            NATIVE.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        }
        let data = parse(&data_path)?;
        validate_graph(data.iter(), &shapes).map_err(|e| e.to_string())
    };
    match (run(), expect_failure) {
        (Err(_), true) => Outcome::Pass,
        (Ok(r), true) => Outcome::Fail(format!(
            "expected a failure, got a report with {} results",
            r.findings.len()
        )),
        (Err(e), false) => Outcome::Fail(format!("error: {e}")),
        (Ok(report), false) => {
            let expected = expected_results(g, result);
            let actual = actual_results(&report);
            if expected == actual {
                Outcome::Pass
            } else {
                Outcome::Fail(format!(
                    "{}\n  expected conforms={} {:#?}\n  actual conforms={} {:#?}",
                    file.display(),
                    expected.0,
                    expected.1,
                    actual.0,
                    actual.1
                ))
            }
        }
    }
}

/// How many tests had shapes that orgdir checks itself, without the engine
/// (src/validate/native.rs).
static NATIVE: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

#[test]
fn w3c_shacl_test_suite() {
    let root = suite();
    assert!(
        root.join("manifest.ttl").is_file(),
        "the W3C SHACL test suite is not at {} (set SHACL_W3C_SUITE)",
        root.display()
    );
    let mut files = Vec::new();
    test_files(&root.join("manifest.ttl"), &mut files);
    let root = root.canonicalize().unwrap();
    let mut outcomes: BTreeMap<String, (String, Outcome)> = BTreeMap::new();
    for file in &files {
        let g = parse(file).unwrap();
        let entries = iri(MF, "entries");
        let lists: Vec<TermRef<'_>> = g
            .triples_for_predicate(&entries)
            .map(|t| t.object)
            .collect();
        let name = file
            .strip_prefix(&root)
            .unwrap_or(file)
            .display()
            .to_string();
        for head in lists {
            for (i, entry) in list(&g, head).into_iter().enumerate() {
                let section = name.split('/').next().unwrap_or("").to_owned();
                let key = if i == 0 {
                    name.clone()
                } else {
                    format!("{name}#{i}")
                };
                outcomes.insert(key, (section, run_entry(&g, entry, file)));
            }
        }
    }
    let mut counts: BTreeMap<(&str, &str), usize> = BTreeMap::new();
    let mut unexpected = Vec::new();
    for (name, (section, outcome)) in &outcomes {
        let known = KNOWN_FAILURES.iter().find(|(n, _)| n == name);
        let kind = match outcome {
            Outcome::Pass => "pass",
            Outcome::Fail(_) => "fail",
            Outcome::Skip(_) => "skip",
        };
        *counts.entry((section.as_str(), kind)).or_default() += 1;
        match (outcome, known) {
            (Outcome::Fail(why), None) => unexpected.push(format!("FAIL {name}: {why}")),
            (Outcome::Pass, Some(_)) => {
                unexpected.push(format!("{name} passes now: remove it from KNOWN_FAILURES"))
            }
            (Outcome::Skip(why), _) => println!("skip {name}: {why}"),
            _ => {}
        }
    }
    for ((section, kind), n) in &counts {
        println!("{section}: {kind} {n}");
    }
    let native = NATIVE.load(std::sync::atomic::Ordering::Relaxed);
    println!("checked by orgdir without the engine: {native}");
    assert!(outcomes.len() > 100, "only {} tests found", outcomes.len());
    assert!(unexpected.is_empty(), "{}", unexpected.join("\n\n"));
    assert!(
        native >= 25,
        "only {native} tests reached orgdir's own checks"
    );
}
