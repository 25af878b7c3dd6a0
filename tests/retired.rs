//! Retired records keep their IRIs: a withdrawn one answers 410 Gone with a
//! tombstone (HTML and RDF) and leaves the directory, the search and the
//! sitemap; a merged one keeps its page, whose first line names its
//! successor, and stays in the directory with that note.

mod common;

use std::path::Path;
use std::process::Command;
use std::sync::Arc;

use axum::http::StatusCode;
use orgdir::server::{AppState, Limits};
use orgdir::source::{self, Limits as SourceLimits};
use orgdir::store;

use common::{get, send};

const ORGS: &str = "\
- id: ala
  name: American Library Association
  description: The oldest library association.
  url: https://www.ala.org/
  category: national
- id: llama
  name: Library Leadership and Management Association
  alternateName: LLAMA
  description: Leadership and management.
  url: https://www.ala.org/llama/
  category: national
  status: merged
  replacedBy: core
  statusDate: 2020-09-01
  statusNote: Merged into Core.
- id: core
  name: 'Core: Leadership, Infrastructure, Futures'
  description: The successor of LLAMA.
  url: https://www.ala.org/core/
  category: national
- id: mistake
  name: Mistaken Entry Society
  description: Never an organization of this directory.
  url: https://mistake.example.org/
  category: regional
  status: withdrawn
  statusDate: 2026-11-15
  statusNote: Listed by mistake; it is a company, not an association.
";

fn data(dir: &Path) -> std::path::PathBuf {
    let data = dir.join("data");
    std::fs::create_dir_all(&data).unwrap();
    std::fs::copy(
        common::fixtures().join("valid/data/dataset.yaml"),
        data.join("dataset.yaml"),
    )
    .unwrap();
    std::fs::write(data.join("orgs.yaml"), ORGS).unwrap();
    data
}

fn state(data: &Path) -> Arc<AppState> {
    let source = source::load(data, SourceLimits::default()).unwrap();
    Arc::new(AppState::new(
        store::load(&source, vec![]).unwrap(),
        Limits::default(),
    ))
}

#[test]
fn retired_records_validate() {
    let tmp = tempfile::tempdir().unwrap();
    let data = data(tmp.path());
    let out = Command::new(env!("CARGO_BIN_EXE_orgdir"))
        .arg("--data")
        .arg(&data)
        .args(["validate"])
        .env("ORGDIR_CACHE_DIR", "")
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
}

#[tokio::test]
async fn a_withdrawn_iri_answers_gone_with_its_tombstone() {
    let tmp = tempfile::tempdir().unwrap();
    let state = state(&data(tmp.path()));

    let page = send(&state, get("/org/mistake", Some("text/html"))).await;
    assert_eq!(page.status, StatusCode::GONE);
    let html = page.body.replace("&#x2f;", "/");
    assert!(html.contains("<h1>Mistaken Entry Society</h1>"), "{html}");
    assert!(html.contains("<p class=\"notice\" role=\"status\">Withdrawn on <span class=\"date\">2026-11-15</span>. Listed by mistake; it is a company, not an association.</p>"), "{html}");
    // A tombstone: the name, the date, the reason, and not the record.
    assert!(!html.contains("mistake.example.org"), "{html}");
    assert!(!html.contains("Never an organization"), "{html}");

    for (accept, status) in [
        ("text/turtle", "<https://data.example.org/status/withdrawn>"),
        (
            "application/n-triples",
            "<https://data.example.org/status/withdrawn>",
        ),
    ] {
        let rdf = send(&state, get("/org/mistake", Some(accept))).await;
        assert_eq!(rdf.status, StatusCode::GONE, "{accept}");
        assert!(rdf.body.contains(status), "{accept}: {}", rdf.body);
        assert!(rdf.body.contains("2026-11-15"), "{accept}: {}", rdf.body);
    }
    let rdf = send(&state, get("/org/mistake.jsonld", None)).await;
    assert_eq!(rdf.status, StatusCode::GONE);
    assert!(rdf.body.contains("Listed by mistake"), "{}", rdf.body);

    // Not in the directory, the search, the typeahead or the sitemap.
    let home = send(&state, get("/", Some("text/html"))).await;
    assert_eq!(home.status, StatusCode::OK);
    assert!(
        !home.body.contains("Mistaken Entry Society"),
        "{}",
        home.body
    );
    assert!(
        home.body.contains("<dd>3</dd>"),
        "three organizations listed"
    );
    let found = send(
        &state,
        get("/search?q=Mistaken+Entry+Society", Some("application/json")),
    )
    .await;
    assert_eq!(found.status, StatusCode::OK);
    assert!(!found.body.contains("/org/mistake"), "{}", found.body);
    let suggested = send(&state, get("/suggest?prefix=Mistaken", None)).await;
    assert!(
        !suggested.body.contains("/org/mistake"),
        "{}",
        suggested.body
    );
    let sitemap = send(&state, get("/sitemap.xml", None)).await;
    assert!(!sitemap.body.contains("/org/mistake"), "{}", sitemap.body);
    assert!(sitemap.body.contains("/org/llama"), "{}", sitemap.body);
}

#[tokio::test]
async fn a_merged_iri_keeps_its_page_which_names_its_successor_first() {
    let tmp = tempfile::tempdir().unwrap();
    let state = state(&data(tmp.path()));

    let page = send(&state, get("/org/llama", Some("text/html"))).await;
    assert_eq!(page.status, StatusCode::OK);
    let body = page.body.replace("&#x2f;", "/");
    let main = body.split("<main>").nth(1).unwrap();
    let first = main.trim_start().lines().next().unwrap();
    assert_eq!(
        first,
        "<p class=\"notice\" role=\"status\">Merged into <a href=\"/org/core\">Core: Leadership, \
         Infrastructure, Futures</a> on <span class=\"date\">2020-09-01</span>. Merged into Core.</p>"
    );
    assert!(
        main.contains("https://www.ala.org/llama/"),
        "the record stays"
    );

    let ttl = send(&state, get("/org/llama", Some("text/turtle"))).await;
    assert_eq!(ttl.status, StatusCode::OK);
    let graph: Vec<oxrdf::Triple> = oxttl::TurtleParser::new()
        .for_slice(ttl.body.as_bytes())
        .map(|t| t.unwrap())
        .collect();
    assert!(graph.iter().any(|t| {
        t.predicate.as_str() == "http://purl.org/dc/terms/isReplacedBy"
            && t.object.to_string() == "<https://data.example.org/org/core>"
    }));

    // The successor says what it was formed from.
    let core = send(&state, get("/org/core", Some("text/html"))).await;
    let core = core.body.replace("&#x2f;", "/");
    assert!(
        core.contains("<dt>Formed from</dt><dd><a href=\"/org/llama\">Library Leadership and Management Association</a></dd>"),
        "{core}"
    );

    // Listed where it was, with the note.
    let home = send(&state, get("/", Some("text/html"))).await;
    let home = home.body.replace("&#x2f;", "/");
    let entry = home
        .split("<li>")
        .find(|li| li.contains("/org/llama"))
        .unwrap();
    assert!(
        entry.contains("Merged into <a href=\"/org/core\">Core: Leadership, Infrastructure, Futures</a> on <span class=\"date\">2020-09-01</span>."),
        "{entry}"
    );
}
