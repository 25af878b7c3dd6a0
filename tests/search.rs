//! The name index on a synthetic directory of several thousand
//! organizations with real-looking names in seven languages and five
//! scripts: the gold queries of every category, with floors on precision at
//! 1 and on the precision of `match: true`.

use orgdir::search::Index;
use orgdir::synth::{self, SynthOptions, names};

const RECORDS: usize = 4000;

/// One directory for every test of this file (its index takes a while in
/// a debug build).
fn directory() -> &'static (tempfile::TempDir, Index, Vec<names::Naming>) {
    static DIRECTORY: std::sync::OnceLock<(tempfile::TempDir, Index, Vec<names::Naming>)> =
        std::sync::OnceLock::new();
    DIRECTORY.get_or_init(build)
}

fn build() -> (tempfile::TempDir, Index, Vec<names::Naming>) {
    let dir = tempfile::tempdir().unwrap();
    let options = SynthOptions {
        records: RECORDS,
        real_names: true,
        ..SynthOptions::default()
    };
    synth::write(dir.path(), &options).unwrap();
    let source = orgdir::source::load(dir.path(), Default::default()).unwrap();
    let snapshot = orgdir::store::load(&source, Vec::new()).unwrap();
    // `serve` indexes the records while the store loads; what it indexes
    // must be what the store's graph says.
    let from_store = orgdir::search::entries::read(&snapshot.store).unwrap();
    assert_eq!(orgdir::search::entries::from_source(&source), from_store);
    let index = Index::from_source(&source).unwrap();
    assert_eq!(index.len(), RECORDS);
    (dir, index, names::namings(RECORDS, options.seed))
}

/// The record index of an organization IRI (`.../org/org-<n>`).
fn record(iri: &str) -> usize {
    iri.rsplit("org-").next().unwrap().parse().unwrap()
}

#[test]
fn gold_queries_find_the_right_organization() {
    let (_dir, index, namings) = directory();
    let gold = names::gold(namings, 150, 7);
    let results = names::evaluate(&gold, namings, |q| {
        let first = index.reconcile(q, &[], 5).into_iter().next()?;
        Some((record(&index.entry(first.candidate.ord).iri), first.matched))
    });
    let mut failures = Vec::new();
    for p in &results {
        println!(
            "{:<12} {:>4} queries  P@1 {:.3}  match claimed {:>4}, right {:>4}",
            p.category,
            p.queries,
            p.at_1(),
            p.matched,
            p.matched_right
        );
        let floor = match p.category {
            "exact" | "variant" | "alternate" | "script" | "ambiguous" => 0.97,
            "typo" => 0.9,
            "affiliation" => 0.8,
            _ => 0.0,
        };
        if p.category != "all" && p.queries < 50 {
            failures.push(format!("{}: only {} gold queries", p.category, p.queries));
        }
        if p.at_1() < floor {
            failures.push(format!("{}: P@1 {:.3} < {floor}", p.category, p.at_1()));
        }
    }
    let all = results.last().unwrap();
    let precision = all.matched_right as f64 / all.matched.max(1) as f64;
    println!("match: true right {precision:.4} of {} claims", all.matched);
    if precision < 0.99 {
        failures.push(format!("match: true right only {precision:.4} of the time"));
    }
    // Exact names must be matched automatically most of the time, or
    // `match` says nothing.
    let exact = results.iter().find(|p| p.category == "exact").unwrap();
    if (exact.matched as f64) < 0.9 * exact.queries as f64 {
        failures.push(format!(
            "only {} of {} exact names matched",
            exact.matched, exact.queries
        ));
    }
    let ambiguous = results.iter().find(|p| p.category == "ambiguous").unwrap();
    if ambiguous.matched > 0 {
        failures.push(format!(
            "{} shared names matched automatically",
            ambiguous.matched
        ));
    }
    assert!(failures.is_empty(), "{failures:#?}");
}

#[test]
fn typing_a_prefix_suggests_the_organization() {
    let (_dir, index, namings) = directory();
    let mut found = 0;
    let mut asked = 0;
    for (i, n) in namings.iter().enumerate().step_by(37) {
        // The name typed but for its last three characters.
        let chars: Vec<char> = n.name.chars().collect();
        if chars.len() < 8 {
            continue;
        }
        let prefix: String = chars[..chars.len() - 3].iter().collect();
        asked += 1;
        let suggested = index.suggest(&prefix, 10);
        // A shared name counts as found by its twin too.
        let hit = |c: &orgdir::search::Candidate| {
            let r = record(&index.entry(c.ord).iri);
            r == i || namings[r].name == n.name
        };
        if suggested.iter().any(hit) {
            found += 1;
        } else {
            println!("{prefix:?} did not suggest {:?}", n.name);
        }
    }
    println!("{found} of {asked} prefixes suggested the organization in the top 10");
    assert!(found as f64 >= 0.95 * asked as f64, "{found} of {asked}");
}

#[test]
fn the_index_kept_beside_a_store_is_reused_until_the_graph_changes() {
    let data =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/reconcile/data");
    let source = orgdir::source::load(&data, Default::default()).unwrap();
    let snapshot = orgdir::store::load(&source, Vec::new()).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let kept = dir.path().join("store.search");
    let version_file = kept.join("orgdir-version");
    let first = Index::open_or_build(&snapshot.store, &kept, &snapshot.version).unwrap();
    assert_eq!(
        std::fs::read_to_string(&version_file).unwrap(),
        snapshot.version
    );
    let built = std::fs::metadata(kept.join("meta.json"))
        .unwrap()
        .modified()
        .unwrap();
    let ala = |index: &Index| index.entry(index.find("ALA", 1)[0].ord).iri.clone();
    assert_eq!(ala(&first), "https://orgs.example.org/org/ala");
    drop(first);
    // The same graph: the files are opened, not written again.
    let again = Index::open_or_build(&snapshot.store, &kept, &snapshot.version).unwrap();
    assert_eq!(
        std::fs::metadata(kept.join("meta.json"))
            .unwrap()
            .modified()
            .unwrap(),
        built
    );
    assert_eq!(ala(&again), "https://orgs.example.org/org/ala");
    drop(again);
    // Another graph: built anew and swapped in, nothing left beside it.
    let rebuilt = Index::open_or_build(&snapshot.store, &kept, "another version").unwrap();
    assert_eq!(
        std::fs::read_to_string(&version_file).unwrap(),
        "another version"
    );
    assert_eq!(ala(&rebuilt), "https://orgs.example.org/org/ala");
    let beside: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(beside, [std::ffi::OsString::from("store.search")]);
}

/// `orgdir serve` on `data` with the cache in `cache`: the lines it logged
/// until it served, and its `/suggest` answer for `prefix`.
fn serve_and_suggest(
    data: &std::path::Path,
    cache: &std::path::Path,
    prefix: &str,
) -> (String, String) {
    use std::io::{Read, Write};
    let queries = data.parent().unwrap().join("no-queries");
    std::fs::create_dir_all(&queries).unwrap();
    // Into a file: a pipe no longer read would fail the server's next line.
    let log_path = data.parent().unwrap().join("serve.log");
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_orgdir"))
        .arg("-v")
        .arg("--data")
        .arg(data)
        .args(["serve", "--addr", "127.0.0.1:0", "--queries"])
        .arg(&queries)
        .env("ORGDIR_CACHE_DIR", cache)
        .stderr(std::fs::File::create(&log_path).unwrap())
        .spawn()
        .unwrap();
    let started = std::time::Instant::now();
    let log = loop {
        let log = std::fs::read_to_string(&log_path).unwrap();
        if log.contains("orgdir: serving") {
            break log;
        }
        if let Some(status) = child.try_wait().unwrap() {
            panic!("orgdir serve ended ({status}): {log}");
        }
        assert!(started.elapsed().as_secs() < 120, "never served: {log}");
        std::thread::sleep(std::time::Duration::from_millis(20));
    };
    let addr = log
        .split("http://")
        .nth(1)
        .and_then(|r| r.split('/').next())
        .unwrap_or_else(|| panic!("{log}"))
        .to_owned();
    let mut stream = std::net::TcpStream::connect(&addr).unwrap();
    write!(
        stream,
        "GET /suggest?prefix={} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n",
        prefix.replace(' ', "%20")
    )
    .unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).unwrap();
    let _ = child.kill();
    let _ = child.wait();
    let body = answer.split_once("\r\n\r\n").map(|(_, b)| b.to_owned());
    (log, body.unwrap_or_else(|| panic!("{answer}")))
}

#[test]
fn the_in_memory_servers_index_is_remembered_for_the_same_data_only() {
    let fixture =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/reconcile/data");
    let dir = tempfile::tempdir().unwrap();
    let (data, cache) = (dir.path().join("data"), dir.path().join("cache"));
    std::fs::create_dir(&data).unwrap();
    for file in ["dataset.yaml", "orgs.yaml"] {
        std::fs::copy(fixture.join(file), data.join(file)).unwrap();
    }
    let kept = || std::fs::read_dir(cache.join("search")).unwrap().count();
    let reused = "reusing the name index";

    let (log, first) = serve_and_suggest(&data, &cache, "American Lib");
    assert!(!log.contains(reused), "{log}");
    assert!(first.contains("American Library Association"), "{first}");
    assert_eq!(kept(), 1);
    // The same data again: tantivy's files are read back, the answers alike.
    let (log, again) = serve_and_suggest(&data, &cache, "American Lib");
    assert!(log.contains(reused), "{log}");
    // On the same key as the verdict, which is remembered too.
    assert!(log.contains("the same data passed before"), "{log}");
    assert_eq!(again, first);
    assert_eq!(kept(), 1);
    // Another name: a new index, never the remembered one.
    let orgs = data.join("orgs.yaml");
    let text = std::fs::read_to_string(&orgs).unwrap();
    let renamed = text.replace(
        "name: American Library Association",
        "name: American Librarians Guild",
    );
    assert_ne!(renamed, text);
    std::fs::write(&orgs, &renamed).unwrap();
    let (log, changed) = serve_and_suggest(&data, &cache, "American Lib");
    assert!(!log.contains(reused), "{log}");
    assert!(changed.contains("American Librarians Guild"), "{changed}");
    assert!(
        !changed.contains("American Library Association"),
        "{changed}"
    );
    // One index per version of the data served lately, no more.
    for edit in 0..4 {
        std::fs::write(&orgs, format!("{renamed}# edit {edit}\n")).unwrap();
        let (log, _) = serve_and_suggest(&data, &cache, "American Lib");
        assert!(!log.contains(reused), "{log}");
    }
    assert_eq!(kept(), 4);
}
