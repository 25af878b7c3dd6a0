//! Memento (RFC 7089) over the releases: the original's links, the TimeGate,
//! the TimeMap and the mementos through the router, against four releases
//! built here (a rename, a changed membership, an addition, two withdrawals
//! and a merger); and a real Memento client (PyPI `memento_client`, run by
//! `.ci/run`) negotiating against the server on 127.0.0.1.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use orgdir::server::{AppState, Limits};

use super::common::{RealServer, send};
use super::{release, release_three, stderr, two_releases};

const BASE: &str = "https://data.example.org/";
const HOST: &str = "dir.test:8080";

/// Four releases of the fixture: v1 (2026-11-01); v2 (2026-12-01): `parent`
/// renamed, `child`'s role changed, `gone` withdrawn, `newone` added; v3
/// (2027-01-01): `newone` renamed, `regional` withdrawn; v4 (2027-02-01):
/// `child` merged into `parent`.
fn four_releases(dir: &Path) -> (PathBuf, PathBuf) {
    let data = two_releases(dir);
    let dist = dir.join("dist");
    release_three(&data, &dist);
    let orgs = std::fs::read_to_string(data.join("orgs.yaml")).unwrap();
    let merged = orgs.replace(
        "  parentOrganization: parent\n",
        "  parentOrganization: parent\n  status: merged\n  replacedBy: parent\n  statusDate: 2027-01-15\n",
    );
    assert_ne!(orgs, merged);
    std::fs::write(data.join("orgs.yaml"), merged).unwrap();
    let out = release(&data, &dist, "v4", "2027-02-01", &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    (data, dist)
}

/// `data` served as it is now, with the releases in `dist`.
fn served(data: &Path, dist: &Path) -> Arc<AppState> {
    let source = orgdir::source::load(data, Default::default()).unwrap();
    let snapshot = orgdir::store::load(&source, vec![]).unwrap();
    Arc::new(AppState::new(snapshot, Limits::default()).with_releases(dist.to_owned()))
}

fn request(uri: &str, headers: &[(&str, &str)]) -> Request<Body> {
    let mut r = Request::get(uri).header(header::HOST, HOST);
    for (k, v) in headers {
        r = r.header(*k, *v);
    }
    r.body(Body::empty()).unwrap()
}

/// The `(uri, rel, datetime)` of each link of a `Link` header or TimeMap
/// (links are split at a comma outside quotes and `<>`).
fn links(text: &str) -> Vec<(String, String, Option<String>)> {
    let (mut items, mut item, mut quoted, mut in_uri) = (Vec::new(), String::new(), false, false);
    for c in text.chars() {
        match c {
            '"' if !in_uri => quoted = !quoted,
            '<' if !quoted => in_uri = true,
            '>' if !quoted => in_uri = false,
            ',' if !quoted && !in_uri => {
                items.push(std::mem::take(&mut item));
                continue;
            }
            _ => {}
        }
        item.push(c);
    }
    items.push(item);
    items
        .iter()
        .filter(|i| !i.trim().is_empty())
        .map(|item| {
            let (uri, params) = item.trim().split_once('>').expect("<uri>");
            let param = |name: &str| {
                params.split(';').map(str::trim).find_map(|p| {
                    p.strip_prefix(&format!("{name}=\""))
                        .map(|v| v.trim_end_matches('"').to_owned())
                })
            };
            (
                uri.trim_start_matches('<').to_owned(),
                param("rel").unwrap_or_default(),
                param("datetime"),
            )
        })
        .collect()
}

/// `found` links organization `id`'s original and TimeGate at `origin`.
fn names_original_and_timegate(found: &[(String, String, Option<String>)], origin: &str, id: &str) {
    assert_eq!(
        rel_uri(found, "original"),
        Some(format!("{origin}/org/{id}"))
    );
    assert_eq!(
        rel_uri(found, "timegate"),
        Some(format!("{origin}/timegate/org/{id}"))
    );
}

/// Each of `paths` answers 404.
async fn not_found(state: &Arc<AppState>, paths: &[&str]) {
    for path in paths {
        let a = send(state, request(path, &[])).await;
        assert_eq!(a.status, StatusCode::NOT_FOUND, "{path}: {}", a.body);
    }
}

fn rel_uri(links: &[(String, String, Option<String>)], rel: &str) -> Option<String> {
    links
        .iter()
        .find(|(_, r, _)| r.split(' ').any(|x| x == rel))
        .map(|(u, _, _)| u.clone())
}

/// The record of `id` in `release`'s orgs.nt: its lines, read whole.
fn record(release: &Path, id: &str) -> BTreeSet<String> {
    let org = format!("<{BASE}org/{id}");
    std::fs::read_to_string(release.join("orgs.nt"))
        .unwrap()
        .lines()
        .filter(|l| l.starts_with(&format!("{org}> ")) || l.starts_with(&format!("{org}/")))
        .map(str::to_owned)
        .collect()
}

fn lines(text: &str) -> BTreeSet<String> {
    text.lines().map(str::to_owned).collect()
}

#[tokio::test]
async fn an_organization_links_its_timegate_and_timemap_and_each_names_its_mementos() {
    let tmp = tempfile::tempdir().unwrap();
    let (data, dist) = four_releases(tmp.path());
    let state = served(&data, &dist);
    let origin = format!("http://{HOST}");

    // The original names its TimeGate and TimeMap, at the origin asked.
    let a = send(&state, request("/org/parent", &[])).await;
    assert_eq!(a.status, StatusCode::OK);
    let link = a.headers[header::LINK].to_str().unwrap();
    let found = links(link);
    assert_eq!(
        rel_uri(&found, "timegate").as_deref(),
        Some(format!("{origin}/timegate/org/parent").as_str()),
        "{link}"
    );
    assert_eq!(
        rel_uri(&found, "timemap").as_deref(),
        Some(format!("{origin}/timemap/org/parent").as_str())
    );
    assert!(rel_uri(&found, "alternate").is_some(), "{link}");
    // HTTP/2 names the origin in the URI (`:authority`), not in Host; a
    // request that names none still gets its page, without the links.
    let h2 = Request::get("http://h2.test/org/parent")
        .body(Body::empty())
        .unwrap();
    let a = send(&state, h2).await;
    let link = a.headers[header::LINK].to_str().unwrap();
    assert!(
        link.contains("<http://h2.test/timegate/org/parent>"),
        "{link}"
    );
    let a = send(
        &state,
        Request::get("/org/parent").body(Body::empty()).unwrap(),
    )
    .await;
    assert_eq!(a.status, StatusCode::OK);
    assert!(
        !a.headers[header::LINK]
            .to_str()
            .unwrap()
            .contains("timegate")
    );
    // A withdrawn organization's tombstone too; a place's page not.
    let a = send(&state, request("/org/gone", &[])).await;
    assert_eq!(a.status, StatusCode::GONE);
    assert!(
        a.headers[header::LINK]
            .to_str()
            .unwrap()
            .contains("rel=\"timegate\"")
    );
    let a = send(&state, request("/place/new-mexico", &[])).await;
    if a.status == StatusCode::OK {
        assert!(
            !a.headers[header::LINK]
                .to_str()
                .unwrap()
                .contains("timegate")
        );
    }

    // The TimeMap: every release in which the record changed, and no other.
    for (id, versions) in [
        // The merger adds `dcterms:replaces` to the successor.
        ("parent", &["v1", "v2", "v4"][..]),
        ("child", &["v1", "v2", "v4"]),
        ("gone", &["v1", "v2"]),
        ("newone", &["v2", "v3"]),
        ("regional", &["v1", "v3"]),
    ] {
        let a = send(&state, request(&format!("/timemap/org/{id}"), &[])).await;
        assert_eq!(a.status, StatusCode::OK, "{id}");
        assert_eq!(a.headers[header::CONTENT_TYPE], "application/link-format");
        let found = links(&a.body);
        let mementos: Vec<String> = found
            .iter()
            .filter(|(_, rel, _)| rel.split(' ').any(|r| r == "memento"))
            .map(|(uri, _, _)| uri.clone())
            .collect();
        let expected: Vec<String> = versions
            .iter()
            .map(|v| format!("{origin}/org/{id}/release/{v}"))
            .collect();
        assert_eq!(mementos, expected, "{id}:\n{}", a.body);
        names_original_and_timegate(&found, &origin, id);
        assert_eq!(
            rel_uri(&found, "self"),
            Some(format!("{origin}/timemap/org/{id}"))
        );
    }
    let a = send(&state, request("/timemap/org/regional", &[])).await;
    let found = links(&a.body);
    let dates: Vec<Option<String>> = found.iter().skip(3).map(|l| l.2.clone()).collect();
    assert_eq!(
        dates,
        [
            Some("Sun, 01 Nov 2026 00:00:00 GMT".to_owned()),
            Some("Fri, 01 Jan 2027 00:00:00 GMT".to_owned())
        ]
    );
    not_found(
        &state,
        &[
            "/timemap/org/nobody",
            "/timemap/place/new-mexico",
            "/timemap/org/parent/role/x",
        ],
    )
    .await;

    // The TimeGate: the memento in force at the date asked.
    for (id, at, version) in [
        ("regional", "Tue, 15 Dec 2026 10:00:00 GMT", "v1"),
        ("regional", "Fri, 01 Jan 2027 00:00:00 GMT", "v3"),
        ("regional", "Thu, 31 Dec 2026 23:59:59 GMT", "v1"),
        ("parent", "Tue, 15 Dec 2026 10:00:00 GMT", "v2"),
        // Before the first: the first.
        ("parent", "Wed, 01 Jan 2020 00:00:00 GMT", "v1"),
        ("child", "Mon, 01 Mar 2027 00:00:00 GMT", "v4"),
    ] {
        let a = send(
            &state,
            request(&format!("/timegate/org/{id}"), &[("accept-datetime", at)]),
        )
        .await;
        assert_eq!(a.status, StatusCode::FOUND, "{id} at {at}");
        assert_eq!(
            a.headers[header::LOCATION],
            format!("{origin}/org/{id}/release/{version}"),
            "{id} at {at}"
        );
        let vary = a.headers[header::VARY].to_str().unwrap();
        assert!(vary.starts_with("accept-datetime"), "{vary}");
        let found = links(a.headers[header::LINK].to_str().unwrap());
        assert_eq!(
            rel_uri(&found, "original"),
            Some(format!("{origin}/org/{id}"))
        );
        assert!(rel_uri(&found, "timemap").is_some());
    }
    // No Accept-Datetime: the newest.
    let a = send(&state, request("/timegate/org/newone", &[])).await;
    assert_eq!(
        a.headers[header::LOCATION],
        format!("{origin}/org/newone/release/v3")
    );
    let a = send(
        &state,
        request("/timegate/org/newone", &[("accept-datetime", "last week")]),
    )
    .await;
    assert_eq!(a.status, StatusCode::BAD_REQUEST);
    assert!(a.body.contains("Accept-Datetime"), "{}", a.body);
}

#[tokio::test]
async fn a_memento_is_the_record_as_its_release_holds_it() {
    let tmp = tempfile::tempdir().unwrap();
    let (data, dist) = four_releases(tmp.path());
    let state = served(&data, &dist);
    let origin = format!("http://{HOST}");

    for (id, version) in [
        ("parent", "v1"),
        ("parent", "v2"),
        ("child", "v1"),
        ("child", "v2"),
        ("child", "v4"),
        ("gone", "v2"),
        ("regional", "v3"),
    ] {
        let path = format!("/org/{id}/release/{version}");
        let a = send(
            &state,
            request(&path, &[("accept", "application/n-triples")]),
        )
        .await;
        assert_eq!(a.status, StatusCode::OK, "{path}: {}", a.body);
        assert_eq!(lines(&a.body), record(&dist.join(version), id), "{path}");
        let date = match version {
            "v1" => "Sun, 01 Nov 2026 00:00:00 GMT",
            "v2" => "Tue, 01 Dec 2026 00:00:00 GMT",
            "v3" => "Fri, 01 Jan 2027 00:00:00 GMT",
            _ => "Mon, 01 Feb 2027 00:00:00 GMT",
        };
        assert_eq!(a.headers["memento-datetime"], date, "{path}");
        let found = links(a.headers[header::LINK].to_str().unwrap());
        names_original_and_timegate(&found, &origin, id);
        assert!(rel_uri(&found, "timemap").is_some());
        assert_eq!(
            rel_uri(&found, "alternate"),
            Some(format!("{path}.ttl")),
            "{path}"
        );
    }
    // A script on another origin may read the Memento headers.
    let a = send(
        &state,
        request(
            "/org/parent/release/v1",
            &[("origin", "http://elsewhere.test")],
        ),
    )
    .await;
    let exposed = a.headers["access-control-expose-headers"].to_str().unwrap();
    assert!(
        exposed.contains("memento-datetime") && exposed.contains("link"),
        "{exposed}"
    );

    // The rename and the membership are those of v1, not today's.
    let v1 = send(&state, request("/org/parent/release/v1.nt", &[])).await;
    assert!(v1.body.contains("\"Parent Association\""), "{}", v1.body);
    assert!(!v1.body.contains("renamed"), "{}", v1.body);
    let child = send(&state, request("/org/child/release/v1.ttl", &[])).await;
    assert_eq!(
        child.headers[header::CONTENT_TYPE],
        "text/turtle; charset=utf-8"
    );
    assert!(child.body.contains("division"), "{}", child.body);
    let links_v1 = links(v1.headers[header::LINK].to_str().unwrap());
    assert_eq!(
        rel_uri(&links_v1, "next"),
        Some(format!("{origin}/org/parent/release/v2"))
    );
    assert_eq!(rel_uri(&links_v1, "prev"), None);

    // The HTML page says which release it shows and links to the others.
    let a = send(
        &state,
        request("/org/parent/release/v1", &[("accept", "text/html")]),
    )
    .await;
    assert_eq!(a.status, StatusCode::OK);
    // minijinja escapes `/` in attributes.
    let a = super::common::Answer {
        body: a.body.replace("&#x2f;", "/"),
        ..a
    };
    assert!(a.body.contains("<h1>Parent Association</h1>"), "{}", a.body);
    assert!(
        a.body
            .contains("release <a href=\"/dumps/releases/v1/\">v1</a>"),
        "{}",
        a.body
    );
    assert!(
        a.body.contains("<strong aria-current=\"page\">v1</strong>"),
        "{}",
        a.body
    );
    assert!(
        a.body.contains("<a href=\"/org/parent/release/v2\">v2</a>"),
        "{}",
        a.body
    );
    assert!(
        a.body
            .contains("<a href=\"/org/parent\">the current version</a>")
    );
    // A withdrawn record's memento before its withdrawal is its page, whole.
    let a = send(
        &state,
        request("/org/gone/release/v1", &[("accept", "text/html")]),
    )
    .await;
    assert_eq!(a.status, StatusCode::OK);
    assert!(
        a.body.contains("Gone Guild") && !a.body.contains("Withdrawn"),
        "{}",
        a.body
    );
    let a = send(
        &state,
        request("/org/child/release/v4", &[("accept", "text/html")]),
    )
    .await;
    assert!(a.body.contains("Merged into"), "{}", a.body);

    // A release in which the record did not change: its memento then.
    let a = send(&state, request("/org/regional/release/v2", &[])).await;
    assert_eq!(a.status, StatusCode::FOUND);
    assert_eq!(
        a.headers[header::LOCATION],
        format!("{origin}/org/regional/release/v1")
    );
    not_found(
        &state,
        &[
            "/org/newone/release/v1",
            "/org/parent/release/v9",
            "/org/nobody/release/v1",
            "/org/parent/release/..%2Fv1",
            "/org/parent/role/child/release/v1",
        ],
    )
    .await;
}

#[tokio::test]
async fn without_releases_there_is_no_time_travel() {
    let state = super::common::state(Default::default());
    let a = send(&state, request("/org/parent", &[])).await;
    assert_eq!(a.status, StatusCode::OK);
    assert!(
        !a.headers[header::LINK]
            .to_str()
            .unwrap()
            .contains("timegate")
    );
    not_found(
        &state,
        &[
            "/timegate/org/parent",
            "/timemap/org/parent",
            "/org/parent/release/v1",
        ],
    )
    .await;
}

#[test]
#[ignore = "needs PyPI memento_client (ORGDIR_TEST_MEMENTO_CLIENT): run by .ci/run"]
fn a_memento_client_finds_the_timegate_and_the_version_in_force() {
    let python = std::env::var("ORGDIR_TEST_MEMENTO_CLIENT")
        .expect("ORGDIR_TEST_MEMENTO_CLIENT: a python3 with memento_client");
    let tmp = tempfile::tempdir().unwrap();
    let (data, dist) = four_releases(tmp.path());
    let server = RealServer::start(served(&data, &dist));
    let origin = format!("http://{}", server.addr);
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/clients/memento_check.py");
    let out = Command::new(python)
        .arg(&script)
        .arg(&origin)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}\n{}", stderr(&out));
    assert!(stdout.contains("ok parent at 2026-12-15"), "{stdout}");
    server.stop();
}
