//! `orgdir linkcheck` against a mock server on 127.0.0.1 (never the
//! internet) that answers every case the checker must classify.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use orgdir::linkcheck::{self, Checker, Concurrency, Settings, Status, Target};

mod common;

#[derive(Default)]
struct Mock {
    hits: Mutex<HashMap<String, usize>>,
    user_agents: Mutex<Vec<String>>,
    in_flight: AtomicUsize,
    most_in_flight: AtomicUsize,
}

impl Mock {
    /// Counts a request to `path`; returns how many came before it.
    fn hit(&self, path: &str) -> usize {
        let mut hits = self.hits.lock().unwrap();
        let n = hits.entry(path.to_owned()).or_default();
        *n += 1;
        *n - 1
    }
}

fn redirect(code: u16, to: &str) -> Response {
    (
        StatusCode::from_u16(code).unwrap(),
        [(header::LOCATION, to.to_owned())],
    )
        .into_response()
}

async fn answer(
    State(mock): State<Arc<Mock>>,
    Path(path): Path<String>,
    axum::extract::RawQuery(query): axum::extract::RawQuery,
    method: Method,
    headers: axum::http::HeaderMap,
) -> Response {
    let before = mock.hit(&path);
    if let Some(ua) = headers
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
    {
        mock.user_agents.lock().unwrap().push(ua.to_owned());
    }
    match path.as_str() {
        // The Wayback Machine's availability API: a snapshot of /404 only.
        "wayback/available" => {
            let params: HashMap<String, String> =
                serde_urlencoded::from_str(&query.unwrap_or_default()).unwrap();
            let url = &params["url"];
            let body = if url.ends_with("/404") {
                serde_json::json!({ "url": url, "archived_snapshots": { "closest": {
                    "status": "200", "available": true, "timestamp": "20200101000000",
                    "url": format!("http://web.archive.org/web/20200101000000/{url}") } } })
            } else {
                serde_json::json!({ "url": url, "archived_snapshots": {} })
            };
            axum::Json(body).into_response()
        }
        "ok" => StatusCode::OK.into_response(),
        "404" => StatusCode::NOT_FOUND.into_response(),
        "410" => StatusCode::GONE.into_response(),
        "403" => StatusCode::FORBIDDEN.into_response(),
        // The first attempt fails (a 5xx to HEAD is retried, not confirmed
        // by GET); the retry succeeds.
        "flaky" if before < 1 => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
        "flaky" => StatusCode::OK.into_response(),
        "always-500" => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
        "429" if before == 0 => {
            (StatusCode::TOO_MANY_REQUESTS, [(header::RETRY_AFTER, "1")]).into_response()
        }
        "429" => StatusCode::OK.into_response(),
        "always-429" => {
            (StatusCode::TOO_MANY_REQUESTS, [(header::RETRY_AFTER, "0")]).into_response()
        }
        "301" => redirect(301, "/ok"),
        "308-a" => redirect(308, "/308-b"),
        "308-b" => redirect(308, "/ok"),
        "302" => redirect(302, "/ok"),
        "mixed" => redirect(301, "/302"),
        "loop-a" => redirect(302, "/loop-b"),
        "loop-b" => redirect(302, "/loop-a"),
        "head-405" if method == Method::HEAD => StatusCode::METHOD_NOT_ALLOWED.into_response(),
        "head-405" => StatusCode::OK.into_response(),
        "hang" => {
            tokio::time::sleep(Duration::from_secs(30)).await;
            StatusCode::OK.into_response()
        }
        "slow-body" | "huge" => {
            let slow = path == "slow-body";
            let chunks = futures_chunks(slow);
            (StatusCode::OK, Body::from_stream(chunks)).into_response()
        }
        p if p.starts_with("slow") => {
            let now = mock.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
            mock.most_in_flight.fetch_max(now, Ordering::SeqCst);
            tokio::time::sleep(Duration::from_millis(150)).await;
            mock.in_flight.fetch_sub(1, Ordering::SeqCst);
            StatusCode::OK.into_response()
        }
        _ => StatusCode::NOT_FOUND.into_response(),
    }
}

/// A body that never ends quickly: 1 KiB every 100 ms (slow), or 1 MiB
/// chunks without end (huge). The checker must not wait for either.
fn futures_chunks(
    slow: bool,
) -> impl futures_util::Stream<Item = Result<bytes::Bytes, std::io::Error>> + Send {
    futures_util::stream::unfold((), move |()| async move {
        let chunk = if slow {
            tokio::time::sleep(Duration::from_millis(100)).await;
            bytes::Bytes::from(vec![b'x'; 1024])
        } else {
            bytes::Bytes::from(vec![b'x'; 1 << 20])
        };
        Some((Ok(chunk), ()))
    })
}

/// The mock on 127.0.0.1:0, on its own runtime.
struct Server {
    addr: SocketAddr,
    mock: Arc<Mock>,
    _runtime: tokio::runtime::Runtime,
}

impl Server {
    fn start() -> Server {
        let mock = Arc::new(Mock::default());
        let app = Router::new()
            .route("/{*path}", axum::routing::any(answer))
            .with_state(Arc::clone(&mock));
        let (addr, runtime) = common::mock(app);
        Server {
            addr,
            mock,
            _runtime: runtime,
        }
    }

    fn url(&self, path: &str) -> String {
        format!("http://{}/{path}", self.addr)
    }
}

fn settings() -> Settings {
    Settings {
        timeout: Duration::from_millis(700),
        connect_timeout: Duration::from_millis(700),
        retries: 1,
        retry_wait: Duration::from_millis(50),
        allow_private: true,
        ..Settings::default()
    }
}

fn target(url: String) -> Target {
    Target { url, uses: vec![] }
}

fn check_all(
    urls: Vec<String>,
    settings: Settings,
    concurrency: Concurrency,
) -> Vec<linkcheck::Outcome> {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let checker = Arc::new(Checker::new(settings).unwrap());
    let targets: Vec<Target> = urls.into_iter().map(target).collect();
    runtime.block_on(linkcheck::check_all(
        checker,
        &targets,
        concurrency,
        |_, _| {},
    ))
}

#[test]
fn every_status_is_classified() {
    let server = Server::start();
    let refused = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = l.local_addr().unwrap().port();
        drop(l);
        format!("http://127.0.0.1:{port}/")
    };
    let cases: Vec<(String, Status, Option<u16>)> = vec![
        (server.url("ok"), Status::Ok, Some(200)),
        (server.url("404"), Status::Broken, Some(404)),
        (server.url("410"), Status::Broken, Some(410)),
        (server.url("403"), Status::Blocked, Some(403)),
        (server.url("flaky"), Status::Ok, Some(200)),
        (server.url("always-500"), Status::ServerError, Some(500)),
        (server.url("429"), Status::Ok, Some(200)),
        (server.url("always-429"), Status::Blocked, Some(429)),
        (server.url("301"), Status::Redirected, Some(200)),
        (server.url("308-a"), Status::Redirected, Some(200)),
        (server.url("302"), Status::Ok, Some(200)),
        (server.url("mixed"), Status::Redirected, Some(200)),
        (server.url("loop-a"), Status::Broken, None),
        (server.url("head-405"), Status::Ok, Some(200)),
        (server.url("hang"), Status::Timeout, None),
        (refused, Status::Broken, None),
        // TLS spoken to a plain-HTTP server: the handshake fails.
        (
            server.url("ok").replace("http://", "https://"),
            Status::TlsError,
            None,
        ),
        (server.url("slow-body"), Status::Ok, Some(200)),
        (server.url("huge"), Status::Ok, Some(200)),
        ("ftp://example.org/".into(), Status::Invalid, None),
        ("not a url".into(), Status::Invalid, None),
    ];
    let outcomes = check_all(
        cases.iter().map(|(u, _, _)| u.clone()).collect(),
        settings(),
        Concurrency::default(),
    );
    for ((url, status, code), o) in cases.iter().zip(&outcomes) {
        assert_eq!(o.url, *url);
        assert_eq!((o.status, o.http_status), (*status, *code), "{url}: {o:?}");
    }
    let by = |path: &str| outcomes.iter().find(|o| o.url == server.url(path)).unwrap();

    // Retries: counted, and only where they help.
    assert_eq!(by("flaky").attempts, 2);
    assert_eq!(by("always-500").attempts, 2, "1 + --retries");
    assert_eq!(by("404").attempts, 1);
    assert_eq!(by("hang").attempts, 2);
    // Retry-After: 1 was honoured.
    assert_eq!(by("429").attempts, 2);
    assert!(by("429").elapsed_ms >= 1000, "{:?}", by("429"));

    // Redirects: every hop recorded; permanent ones suggest the new URL.
    let moved = by("308-a");
    let hops: Vec<(u16, String)> = moved
        .redirects
        .iter()
        .map(|h| (h.status, h.url.clone()))
        .collect();
    assert_eq!(
        hops,
        [(308, server.url("308-a")), (308, server.url("308-b"))]
    );
    assert_eq!(
        moved.suggested_url.as_deref(),
        Some(server.url("ok").as_str())
    );
    assert_eq!(moved.final_url.as_deref(), Some(server.url("ok").as_str()));
    assert_eq!(
        by("mixed").suggested_url.as_deref(),
        Some(server.url("302").as_str()),
        "only the permanent part"
    );
    let temporary = by("302");
    assert_eq!(
        temporary.final_url.as_deref(),
        Some(server.url("ok").as_str())
    );
    assert_eq!(temporary.suggested_url, None);
    assert!(
        by("loop-a")
            .error
            .as_deref()
            .unwrap()
            .contains("redirect loop")
    );
    // HEAD refused: the GET decided.
    assert_eq!(server.mock.hits.lock().unwrap()["head-405"], 2);
    // Bodies are not read: the slow and the endless one are `ok` above, where
    // reading either would have run into the 700 ms timeout.
}

#[test]
fn private_addresses_are_refused_unless_allowed() {
    let server = Server::start();
    let outcomes = check_all(
        vec![
            server.url("ok"),
            "http://10.0.0.1/".into(),
            "http://[::1]/".into(),
        ],
        Settings {
            allow_private: false,
            ..settings()
        },
        Concurrency::default(),
    );
    for o in &outcomes {
        assert_eq!(o.status, Status::Invalid, "{o:?}");
        assert!(
            o.error.as_deref().unwrap().contains("--allow-private"),
            "{o:?}"
        );
    }
    assert!(
        server.mock.hits.lock().unwrap().is_empty(),
        "no request was sent"
    );
}

#[test]
fn the_per_host_limit_holds() {
    let server = Server::start();
    let urls: Vec<String> = (0..10).map(|i| server.url(&format!("slow-{i}"))).collect();
    let outcomes = check_all(
        urls,
        settings(),
        Concurrency {
            total: 32,
            per_host: 2,
        },
    );
    assert!(outcomes.iter().all(|o| o.status == Status::Ok));
    let most = server.mock.most_in_flight.load(Ordering::SeqCst);
    assert_eq!(
        most, 2,
        "at most 2 requests at once to one host, and no fewer"
    );
}

/// A data directory: a minimal dataset.yaml and `records` as orgs.yaml.
fn write_records(dir: &std::path::Path, records: &str) {
    std::fs::write(
        dir.join("dataset.yaml"),
        "id: links\ntitle: Links\nbase: https://data.example.org/\nmodified: 2024-01-01\n\
         publisher:\n  name: Links Publisher\n  url: https://publisher.example.org/contact\n",
    )
    .unwrap();
    std::fs::write(dir.join("orgs.yaml"), records).unwrap();
}

fn write_data(dir: &std::path::Path, server: &Server) {
    write_records(
        dir,
        &format!(
            "# Organizations with websites in every state.\n\
             - id: fine\n  name: American Library Association\n  category: national\n  url: {ok}\n\
             - id: moved\n  name: Moved\n  category: national\n  url: \"{moved}\"  # keep this comment\n\
             - id: gone\n  name: Gone\n  category: national\n  url: {gone}\n  parentOrganization: fine\n\
             - id: closed\n  name: Closed\n  category: national\n  url: {gone2}\n  dissolutionDate: 2001\n\
             - id: twin\n  name: Twin\n  category: national\n  url: {ok}\n",
            ok = server.url("ok"),
            moved = server.url("301"),
            gone = server.url("404"),
            gone2 = server.url("410"),
        ),
    );
}

/// `orgdir linkcheck` on `data`, run in `data` (where it finds orgdir.toml
/// and .orgdirignore, if a test wrote them).
fn orgdir(data: &std::path::Path, args: &[&str]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_orgdir"))
        .current_dir(data)
        .arg("--data")
        .arg(data)
        .args([
            "-q",
            "linkcheck",
            "--allow-private",
            "--retries",
            "0",
            "--timeout",
            "2",
        ])
        .arg("--history")
        .arg(data.join("history.jsonl"))
        .args(args)
        .output()
        .unwrap()
}

#[test]
fn the_command_reports_each_problem_at_its_yaml_line() {
    let server = Server::start();
    let tmp = tempfile::tempdir().unwrap();
    write_data(tmp.path(), &server);
    let before = std::fs::read(tmp.path().join("orgs.yaml")).unwrap();

    let out = orgdir(tmp.path(), &[]);
    assert_eq!(out.status.code(), Some(1), "a broken link: exit 1");
    let text = String::from_utf8(out.stdout).unwrap();
    let orgs = tmp.path().join("orgs.yaml");
    let orgs = orgs.display();
    assert!(
        text.contains(&format!("broken (404): {}", server.url("404"))),
        "{text}"
    );
    assert!(
        text.contains(&format!("--> {orgs}:13:8  url of gone (Gone)")),
        "{text}"
    );
    assert!(
        text.contains(&format!("redirected (200): {}", server.url("301"))),
        "{text}"
    );
    assert!(
        text.contains(&format!(
            "help: the site moved permanently: `url: {}`",
            server.url("ok")
        )),
        "{text}"
    );
    assert!(
        text.contains("help: the organization is dissolved: no fix is needed"),
        "{text}"
    );
    assert!(
        text.contains("4 URLs checked: 1 ok, 1 redirected, 2 broken"),
        "{text}"
    );
    // The User-Agent names orgdir and the directory's publisher as the contact.
    let ua = server.mock.user_agents.lock().unwrap()[0].clone();
    assert_eq!(
        ua,
        format!(
            "orgdir-linkcheck/{} (+https://publisher.example.org/contact)",
            env!("CARGO_PKG_VERSION")
        )
    );
    // The two organizations sharing a URL: checked once.
    assert_eq!(
        server.mock.hits.lock().unwrap()["ok"],
        2,
        "once for `fine`/`twin`, once after 301"
    );

    let json_path = tmp.path().join("report.json");
    let out = orgdir(
        tmp.path(),
        &["--format", "json", "--out", json_path.to_str().unwrap()],
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty(), "the report went to --out");
    let json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&json_path).unwrap()).unwrap();
    assert_eq!(json["checked"], 4);
    assert_eq!(json["counts"]["broken"], 2);
    let ok = &json["results"][0];
    assert_eq!(ok["status"], "ok");
    let uses: Vec<&str> = ok["uses"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["organization"].as_str().unwrap())
        .collect();
    assert_eq!(uses, ["fine", "twin"]);
    assert_eq!(json["results"][1]["suggested_url"], server.url("ok"));

    assert_eq!(
        std::fs::read(tmp.path().join("orgs.yaml")).unwrap(),
        before,
        "data/ is never written"
    );

    // Without --allow-private the local mock is refused: invalid, exit 1.
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_orgdir"))
        .arg("--data")
        .arg(tmp.path())
        .args(["-q", "linkcheck", "--no-history"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stdout).contains("4 invalid"));

    // --rdf, then `serve --linkcheck`: the results in a named graph, the
    // named query over them, and the status on the organization's page.
    let rdf = tmp.path().join("links.ttl");
    orgdir(
        tmp.path(),
        &[
            "--rdf",
            rdf.to_str().unwrap(),
            "--now",
            "2026-03-01T00:00:00Z",
            "--no-history",
        ],
    );
    serve_linkcheck(tmp.path(), &rdf);

    // --archive: the closest snapshot of each broken URL, from the
    // availability API (here the mock).
    let endpoint = server.url("wayback/available");
    let out = orgdir(tmp.path(), &["--archive", "--archive-endpoint", &endpoint]);
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains(&format!(
            "help: an archived copy: http://web.archive.org/web/20200101000000/{}",
            server.url("404")
        )),
        "{text}"
    );
    assert_eq!(
        server.mock.hits.lock().unwrap()["wayback/available"],
        2,
        "asked for both broken URLs"
    );
    assert_eq!(text.matches("an archived copy").count(), 1);

    // --fix: the moved URL is rewritten, every other byte kept (the quotes,
    // the comment, the other records).
    let out = orgdir(tmp.path(), &["--fix"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(&format!(
            "fixed {orgs}:9:8: url: {} -> {}",
            server.url("301"),
            server.url("ok")
        )),
        "{stderr}"
    );
    let after = std::fs::read_to_string(tmp.path().join("orgs.yaml")).unwrap();
    let expected = String::from_utf8(before.clone()).unwrap().replace(
        &format!("url: \"{}\"  # keep this comment", server.url("301")),
        &format!("url: \"{}\"  # keep this comment", server.url("ok")),
    );
    assert_ne!(expected.as_bytes(), &before[..]);
    assert_eq!(after, expected);
    let again = orgdir(tmp.path(), &[]);
    assert!(
        !String::from_utf8_lossy(&again.stdout).contains("redirected"),
        "fixed for good"
    );

    // Bad input: exit 2.
    std::fs::write(tmp.path().join("broken.yaml"), "- id: [\n").unwrap();
    assert_eq!(orgdir(tmp.path(), &[]).status.code(), Some(2));
}

/// The data of `data` served with the link-check results of `rdf`.
fn serve_linkcheck(data: &std::path::Path, rdf: &std::path::Path) {
    let source = orgdir::source::load(data, Default::default()).unwrap();
    let queries = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("queries");
    let mut snapshot =
        orgdir::store::load(&source, orgdir::store::load_queries(&queries).unwrap()).unwrap();
    let before = snapshot.version.clone();
    orgdir::store::add_linkcheck(&mut snapshot, rdf).unwrap();
    assert_ne!(
        snapshot.version, before,
        "cached answers of the data alone do not stand"
    );
    let state = Arc::new(orgdir::server::AppState::new(snapshot, Default::default()));
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let rows = common::send(
            &state,
            common::get(
                "/queries/ala-divisions-failing-websites",
                Some("application/sparql-results+json"),
            ),
        )
        .await;
        let json: serde_json::Value = serde_json::from_str(&rows.body).unwrap();
        let bindings = json["results"]["bindings"].as_array().unwrap();
        assert_eq!(bindings.len(), 1, "{json}");
        let row = &bindings[0];
        assert_eq!(row["name"]["value"], "Gone");
        assert_eq!(row["status"]["value"], "broken");
        assert_eq!(row["state"]["value"], "failing");
        assert_eq!(row["since"]["value"], "2026-03-01T00:00:00Z");
        let page = common::send(&state, common::get("/org/gone", Some("text/html"))).await;
        let doc = scraper::Html::parse_document(&page.body);
        let facts: Vec<String> = doc
            .select(&scraper::Selector::parse("dl.facts dt, dl.facts dd").unwrap())
            .map(|e| e.text().collect::<String>().trim().to_owned())
            .collect();
        let i = facts
            .iter()
            .position(|f| f == "Link check")
            .expect("a Link check fact");
        assert_eq!(
            facts[i + 1],
            "broken (404), failing since 2026-03-01T00:00:00Z (checked 2026-03-01T00:00:00Z)"
        );
    });
}

fn write_one(dir: &std::path::Path, url: &str) {
    write_records(
        dir,
        &format!("- id: flaky\n  name: Flaky\n  category: national\n  url: {url}\n"),
    );
}

#[test]
fn a_failing_link_is_dead_after_three_runs_over_seven_days() {
    let server = Server::start();
    let tmp = tempfile::tempdir().unwrap();
    write_one(tmp.path(), &server.url("always-500"));
    let json = |out: &std::process::Output| -> serde_json::Value {
        serde_json::from_slice(&out.stdout).unwrap()
    };
    let run = |now: &str| orgdir(tmp.path(), &["--format", "json", "--now", now]);

    // A 5xx is not yet a failure of the run: CI stays green...
    let first = run("2026-01-01T00:00:00Z");
    assert_eq!(first.status.code(), Some(0));
    let r = &json(&first)["results"][0];
    assert_eq!(
        (r["status"].as_str(), r["state"].as_str()),
        (Some("server_error"), Some("failing"))
    );
    assert_eq!(r["since"], "2026-01-01T00:00:00Z");
    assert_eq!(run("2026-01-04T00:00:00Z").status.code(), Some(0));
    // ...until it has failed in 3 runs over 7 days.
    let third = run("2026-01-09T00:00:00Z");
    assert_eq!(third.status.code(), Some(1));
    let r = &json(&third)["results"][0];
    assert_eq!(
        (r["state"].as_str(), r["consecutive_failures"].as_u64()),
        (Some("dead"), Some(3))
    );
    assert_eq!(r["since"], "2026-01-01T00:00:00Z");
    let history = std::fs::read_to_string(tmp.path().join("history.jsonl")).unwrap();
    assert_eq!(history.lines().count(), 3);

    // --max-age: a result younger than that is not fetched again.
    let hits = server.mock.hits.lock().unwrap()["always-500"];
    let cached = orgdir(
        tmp.path(),
        &[
            "--format",
            "json",
            "--now",
            "2026-01-09T00:30:00Z",
            "--max-age",
            "3600",
        ],
    );
    assert_eq!(
        server.mock.hits.lock().unwrap()["always-500"],
        hits,
        "no request"
    );
    let r = &json(&cached)["results"][0];
    assert_eq!(
        (r["reused"].as_bool(), r["checked_at"].as_str()),
        (Some(true), Some("2026-01-09T00:00:00Z"))
    );
    assert_eq!(
        std::fs::read_to_string(tmp.path().join("history.jsonl")).unwrap(),
        history,
        "a reused result is not a new run"
    );

    // A history that does not parse is bad input, at its line; it is left alone.
    std::fs::write(
        tmp.path().join("history.jsonl"),
        format!("{history}not json\n"),
    )
    .unwrap();
    let bad = run("2026-01-10T00:00:00Z");
    assert_eq!(bad.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&bad.stderr);
    assert!(stderr.contains("history.jsonl:4:1"), "{stderr}");
    assert!(
        std::fs::read_to_string(tmp.path().join("history.jsonl"))
            .unwrap()
            .ends_with("not json\n")
    );
}

#[test]
fn markdown_html_and_sarif_reports() {
    let server = Server::start();
    let tmp = tempfile::tempdir().unwrap();
    write_data(tmp.path(), &server);
    assert_eq!(
        orgdir(tmp.path(), &["--now", "2026-02-01T00:00:00Z"])
            .status
            .code(),
        Some(1)
    );
    let report = |format: &str| {
        let out = orgdir(
            tmp.path(),
            &["--format", format, "--now", "2026-02-02T00:00:00Z"],
        );
        assert_eq!(out.status.code(), Some(1), "{format}");
        String::from_utf8(out.stdout).unwrap()
    };
    let orgs = tmp.path().join("orgs.yaml");
    let orgs = orgs.display();

    let md = report("md");
    assert!(
        md.starts_with("# Link check: 4 URLs, 2026-02-02T00:00:00Z"),
        "{md}"
    );
    assert!(md.contains("| broken | 2 |"), "{md}");
    assert!(
        md.contains(&format!("### `broken` (404): <{}>", server.url("404"))),
        "{md}"
    );
    assert!(
        md.contains(&format!("- `{orgs}:13`: `url` of **Gone** (`gone`)")),
        "{md}"
    );
    assert!(
        md.contains("- failing since 2026-02-01T00:00:00Z (2 runs in a row)"),
        "{md}"
    );
    assert!(
        md.contains(&format!(
            "- **fix**: the site moved permanently: `url: {}`",
            server.url("ok")
        )),
        "{md}"
    );

    let html = report("html");
    let doc = scraper::Html::parse_document(&html);
    assert!(doc.errors.is_empty(), "{:?}", doc.errors);
    let select = |css: &str| doc.select(&scraper::Selector::parse(css).unwrap()).count();
    assert_eq!(select("#results tbody tr"), 4);
    assert_eq!(select("th button[data-col]"), 5, "sortable columns");
    assert!(
        select("svg rect") >= 8 + 3,
        "bars for both runs and the legend"
    );
    assert_eq!(select("script[src], link[href]"), 0, "self-contained");

    let sarif: serde_json::Value = serde_json::from_str(&report("sarif")).unwrap();
    let results = sarif["runs"][0]["results"].as_array().unwrap();
    let gone = results
        .iter()
        .find(|r| r["message"]["text"].as_str().unwrap().contains("/404"))
        .unwrap();
    assert_eq!(gone["ruleId"], "broken");
    assert_eq!(gone["level"], "error");
    let region = &gone["locations"][0]["physicalLocation"]["region"];
    assert_eq!(
        (region["startLine"].as_u64(), region["startColumn"].as_u64()),
        (Some(13), Some(8))
    );
    let moved = results
        .iter()
        .find(|r| r["ruleId"] == "redirected")
        .unwrap();
    assert_eq!(moved["level"], "warning");
}

#[test]
fn the_help_says_what_the_exit_codes_are() {
    let help = std::process::Command::new(env!("CARGO_BIN_EXE_orgdir"))
        .args(["linkcheck", "--help"])
        .output()
        .unwrap();
    let help = String::from_utf8(help.stdout).unwrap().replace('\n', " ");
    assert!(
        help.contains("a timeout, server error or TLS error alone does not fail the run (exit 0)"),
        "{help}"
    );
    assert!(
        help.contains("Exit 1 when a link is broken or invalid"),
        "{help}"
    );
    // What the code does, for each sentence.
    let server = Server::start();
    let tmp = tempfile::tempdir().unwrap();
    write_one(tmp.path(), &server.url("always-500"));
    assert_eq!(
        orgdir(tmp.path(), &[]).status.code(),
        Some(0),
        "a 5xx alone"
    );
    write_one(tmp.path(), &server.url("404"));
    assert_eq!(
        orgdir(tmp.path(), &[]).status.code(),
        Some(1),
        "a broken link"
    );
    write_records(tmp.path(), "- id: x\n  name: X\n  category: nowhere\n");
    assert_eq!(orgdir(tmp.path(), &[]).status.code(), Some(2), "bad input");
}

#[test]
fn runs_at_once_on_one_history_are_all_recorded() {
    let server = Server::start();
    let tmp = tempfile::tempdir().unwrap();
    write_one(tmp.path(), &server.url("ok"));
    let runs: Vec<_> = (0..8)
        .map(|i| {
            let data = tmp.path().to_owned();
            std::thread::spawn(move || {
                orgdir(&data, &["--now", &format!("2026-01-0{}T00:00:00Z", i + 1)])
            })
        })
        .collect();
    for run in runs {
        let out = run.join().unwrap();
        assert_eq!(
            out.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let history = std::fs::read_to_string(tmp.path().join("history.jsonl")).unwrap();
    assert_eq!(history.lines().count(), 8, "{history}");
    for line in history.lines() {
        serde_json::from_str::<serde_json::Value>(line).unwrap();
    }
}

/// A machine without a network (a CI runner without DNS) is not a
/// directory of broken sites: the run says so, records nothing, exits 2.
#[test]
fn an_unreachable_network_is_said_so_and_recorded_nowhere() {
    let tmp = tempfile::tempdir().unwrap();
    let records = |urls: &[String]| -> String {
        urls.iter()
            .enumerate()
            .map(|(i, u)| {
                format!("- id: org-{i}\n  name: Org {i}\n  category: national\n  url: {u}\n")
            })
            .collect()
    };
    // No name resolves (.invalid never does, RFC 6761).
    let names: Vec<String> = (0..4)
        .map(|i| format!("https://org-{i}.invalid/"))
        .collect();
    write_records(tmp.path(), &records(&names));
    let out = orgdir(tmp.path(), &["--format", "json"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains(
            "the network looks unreachable: 4 of 4 URLs failed to resolve their host name"
        ),
        "{stderr}"
    );
    assert!(out.stdout.is_empty());
    assert!(!tmp.path().join("history.jsonl").exists());

    // No connection is made: a closed port on this machine, four times.
    let closed = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let refused: Vec<String> = (0..4)
        .map(|i| format!("http://127.0.0.1:{closed}/org-{i}"))
        .collect();
    write_records(tmp.path(), &records(&refused));
    let out = orgdir(tmp.path(), &[]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("4 of 4 URLs failed to connect"), "{stderr}");
    assert!(!tmp.path().join("history.jsonl").exists());

    // One site answers: the network works, and the others are broken.
    let server = Server::start();
    let mut mixed = refused.clone();
    mixed.push(server.url("ok"));
    write_records(tmp.path(), &records(&mixed));
    let out = orgdir(tmp.path(), &["--format", "json"]);
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let broken = report["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["status"] == "broken")
        .count();
    assert_eq!(broken, 4);
    assert!(tmp.path().join("history.jsonl").exists());
}

/// Records with these URLs, one each.
fn records_of(urls: &[String]) -> String {
    urls.iter()
        .enumerate()
        .map(|(i, u)| format!("- id: org-{i}\n  name: Org {i}\n  category: national\n  url: {u}\n"))
        .collect()
}

fn json(out: &std::process::Output) -> serde_json::Value {
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stderr)))
}

/// (url, status) of each result, and (url, reason) of each URL skipped.
type Verdicts = (Vec<(String, String)>, Vec<(String, String)>);

/// The verdicts of a JSON report.
fn verdicts(report: &serde_json::Value) -> Verdicts {
    let pairs = |key: &str, field: &str| {
        report[key]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| {
                (
                    r["url"].as_str().unwrap().to_owned(),
                    r[field].as_str().unwrap().to_owned(),
                )
            })
            .collect()
    };
    (pairs("results", "status"), pairs("skipped", "reason"))
}

#[test]
fn include_exclude_and_the_ignore_file_choose_what_is_fetched() {
    let server = Server::start();
    let tmp = tempfile::tempdir().unwrap();
    let urls: Vec<String> = ["ok", "404", "410", "403"]
        .iter()
        .map(|p| server.url(p))
        .collect();
    write_records(tmp.path(), &records_of(&urls));
    std::fs::write(
        tmp.path().join(".orgdirignore"),
        "# gone for good\n\n/410$\n",
    )
    .unwrap();

    let out = orgdir(
        tmp.path(),
        &["--no-history", "--format", "json", "--exclude", "/404$"],
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report = json(&out);
    let (results, skipped) = verdicts(&report);
    assert_eq!(
        results,
        [
            (urls[0].clone(), "ok".into()),
            (urls[3].clone(), "blocked".into())
        ]
    );
    assert_eq!(
        skipped,
        [
            (urls[1].clone(), "excluded".into()),
            (urls[2].clone(), "excluded".into())
        ]
    );
    assert_eq!(report["skipped"][0]["from"], "--exclude");
    assert!(
        report["skipped"][1]["from"]
            .as_str()
            .unwrap()
            .ends_with(".orgdirignore:3")
    );
    // What is skipped is never asked for.
    let hits = server.mock.hits.lock().unwrap().clone();
    assert!(
        !hits.contains_key("404") && !hits.contains_key("410"),
        "{hits:?}"
    );

    // --include: only what matches it, and it wins over an exclude.
    let out = orgdir(
        tmp.path(),
        &[
            "--no-history",
            "--format",
            "json",
            "--include",
            "/4[01][0-9]$",
            "--exclude",
            "/403$",
        ],
    );
    let (results, skipped) = verdicts(&json(&out));
    assert_eq!(
        results.iter().map(|r| r.0.as_str()).collect::<Vec<_>>(),
        [&urls[1], &urls[2], &urls[3]]
    );
    assert_eq!(skipped, [(urls[0].clone(), "not_included".into())]);
    assert_eq!(out.status.code(), Some(1));

    // The text report says what was not checked.
    let out = orgdir(tmp.path(), &["--no-history", "--exclude", "/40[34]$"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("1 URL checked: 1 ok"), "{text}");
    assert!(text.contains("3 URLs not checked: 3 excluded"), "{text}");

    // A bad pattern is bad input, where it is.
    std::fs::write(tmp.path().join(".orgdirignore"), "ok\n(unclosed\n").unwrap();
    let out = orgdir(tmp.path(), &["--no-history"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains(".orgdirignore:2:1: `(unclosed` is not a regular expression"),
        "{stderr}"
    );
    let out = orgdir(tmp.path(), &["--no-history", "--exclude", "["]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("not a regular expression"));
}

#[test]
fn accept_says_which_statuses_work() {
    let server = Server::start();
    let tmp = tempfile::tempdir().unwrap();
    let urls: Vec<String> = ["ok", "403", "404"].iter().map(|p| server.url(p)).collect();
    write_records(tmp.path(), &records_of(&urls));
    let statuses = |args: &[&str]| {
        let mut all = vec!["--no-history", "--format", "json"];
        all.extend_from_slice(args);
        let out = orgdir(tmp.path(), &all);
        (
            verdicts(&json(&out))
                .0
                .into_iter()
                .map(|r| r.1)
                .collect::<Vec<_>>(),
            out.status.code(),
        )
    };
    assert_eq!(
        statuses(&[]),
        (
            vec!["ok".into(), "blocked".into(), "broken".into()],
            Some(1)
        )
    );
    assert_eq!(
        statuses(&["--accept", "200..=299,403"]),
        (vec!["ok".into(), "ok".into(), "broken".into()], Some(1))
    );
    assert_eq!(
        statuses(&["--accept", "200..300,403..=404"]),
        (vec!["ok".into(), "ok".into(), "ok".into()], Some(0))
    );
    // A 2xx left out of the list is not working.
    assert_eq!(
        statuses(&["--accept", "403"]),
        (vec!["broken".into(), "ok".into(), "broken".into()], Some(1))
    );
    let out = orgdir(tmp.path(), &["--accept", "2xx"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("`2xx` is not an HTTP status"));
}

#[test]
fn offline_fetches_nothing_and_reports_the_history() {
    let server = Server::start();
    let tmp = tempfile::tempdir().unwrap();
    let history = tmp.path().join("history.jsonl");
    let mut urls: Vec<String> = ["ok", "404"].iter().map(|p| server.url(p)).collect();
    write_records(tmp.path(), &records_of(&urls));
    let first = orgdir(tmp.path(), &["--now", "2026-01-01T00:00:00Z"]);
    assert_eq!(first.status.code(), Some(1));
    let recorded = std::fs::read(&history).unwrap();
    let asked = server.mock.hits.lock().unwrap().values().sum::<usize>();

    // Later, with URLs never checked and two that need no network to judge.
    urls.push(server.url("new"));
    urls.push("ftp://files.example.org/".into());
    urls.push("http://10.1.2.3/".into());
    urls.push("http://intranet.localhost/".into());
    write_records(tmp.path(), &records_of(&urls));
    let out = orgdir(
        tmp.path(),
        &[
            "--offline",
            "--format",
            "json",
            "--now",
            "2026-06-01T00:00:00Z",
        ],
    );
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report = json(&out);
    assert_eq!(report["offline"], true);
    let (results, skipped) = verdicts(&report);
    assert_eq!(
        results,
        [
            (urls[0].clone(), "ok".into()),
            (urls[1].clone(), "broken".into()),
            (urls[3].clone(), "invalid".into()),
        ]
    );
    // The helper passes --allow-private: a private address is then only
    // judged by fetching it.
    assert_eq!(
        skipped,
        [
            (urls[2].clone(), "offline".into()),
            (urls[4].clone(), "offline".into()),
            (urls[5].clone(), "offline".into()),
        ]
    );
    // The history's results carry the time they were fetched.
    assert_eq!(report["results"][0]["reused"], true);
    assert_eq!(report["results"][0]["checked_at"], "2026-01-01T00:00:00Z");
    // Nothing was asked, nothing recorded.
    assert_eq!(
        server.mock.hits.lock().unwrap().values().sum::<usize>(),
        asked
    );
    assert_eq!(std::fs::read(&history).unwrap(), recorded);

    // Without --allow-private, private addresses and local names are
    // invalid offline as online (the mock's 127.0.0.1 too).
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_orgdir"))
        .current_dir(tmp.path())
        .args([
            "--data",
            ".",
            "-q",
            "linkcheck",
            "--offline",
            "--format",
            "json",
        ])
        .arg("--history")
        .arg(&history)
        .output()
        .unwrap();
    let report = json(&out);
    let (results, skipped) = verdicts(&report);
    assert!(skipped.is_empty(), "{skipped:?}");
    assert!(results.iter().all(|r| r.1 == "invalid"), "{results:?}");
    assert!(
        report["results"][4]["error"]
            .as_str()
            .unwrap()
            .contains("10.1.2.3")
    );
    assert!(
        report["results"][5]["error"]
            .as_str()
            .unwrap()
            .contains("local name")
    );
    assert_eq!(std::fs::read(&history).unwrap(), recorded);

    let text = orgdir(tmp.path(), &["--offline", "--now", "2026-06-01T00:00:00Z"]);
    let text = String::from_utf8_lossy(&text.stdout);
    assert!(
        text.contains("(the result of 2026-01-01T00:00:00Z, --offline)"),
        "{text}"
    );
    assert!(
        text.contains("3 URLs not checked: 3 offline with no earlier result in the history"),
        "{text}"
    );
}

#[test]
fn orgdir_toml_gives_defaults_the_command_line_overrides() {
    let server = Server::start();
    let tmp = tempfile::tempdir().unwrap();
    let urls: Vec<String> = ["ok", "403", "404"].iter().map(|p| server.url(p)).collect();
    write_records(tmp.path(), &records_of(&urls));
    let run = |args: &[&str]| {
        let mut all = vec!["--no-history", "--format", "json"];
        all.extend_from_slice(args);
        verdicts(&json(&orgdir(tmp.path(), &all)))
    };
    let statuses = |v: Verdicts| (v.0.into_iter().map(|r| r.1).collect::<Vec<_>>(), v.1.len());
    // Default: 403 is blocked, nothing skipped.
    assert_eq!(
        statuses(run(&[])),
        (vec!["ok".into(), "blocked".into(), "broken".into()], 0)
    );
    std::fs::write(
        tmp.path().join("orgdir.toml"),
        "# this repository's defaults\n[linkcheck]\naccept = \"200..=299,403\"\nexclude = [\"/404$\"]\n\n[serve]\ncache-size = 16\n",
    )
    .unwrap();
    // The file: 403 accepted, /404 excluded.
    assert_eq!(statuses(run(&[])), (vec!["ok".into(), "ok".into()], 1));
    // The command line wins, key by key: its --accept, the file's exclude...
    assert_eq!(
        statuses(run(&["--accept", "200"])),
        (vec!["ok".into(), "blocked".into()], 1)
    );
    // ...and its --exclude replaces the file's list.
    assert_eq!(
        statuses(run(&["--exclude", "/ok$"])),
        (vec!["ok".into(), "broken".into()], 1)
    );
    // --config names another file; a bad value there is reported at its line.
    let other = tmp.path().join("other.toml");
    std::fs::write(&other, "[linkcheck]\nretries = \"many\"\ntimout = 3\n").unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_orgdir"))
        .current_dir(tmp.path())
        .args(["--data", ".", "--config"])
        .arg(&other)
        .args(["linkcheck", "--no-history"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("other.toml:2:11: `retries`: invalid value 'many'"),
        "{stderr}"
    );
    assert!(
        stderr.contains("other.toml:3:1: `timout` is not an option of `orgdir linkcheck`: did you mean `timeout`?"),
        "{stderr}"
    );
    assert!(stderr.contains("2 problems in"), "{stderr}");
}
