//! `orgdir build --release`: immutable releases, change lists, dates of last
//! change, the `latest` pointer and index, and `/dumps/releases/` in serve;
//! the change stream at `/ldes` in [`ldes`].

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::Arc;

use axum::http::{StatusCode, header};
use orgdir::server::{AppState, Limits};

#[path = "../common/mod.rs"]
mod common;
mod ldes;
mod memento;
use common::{fixtures, get, send};

fn orgdir(data: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_orgdir"))
        .arg("--data")
        .arg(data)
        .arg("-q")
        .args(args)
        .env("ORGDIR_CACHE_DIR", "")
        .output()
        .unwrap()
}

fn release(data: &Path, out: &Path, version: &str, date: &str, extra: &[&str]) -> Output {
    let out = out.to_str().unwrap();
    let mut args = vec![
        "build",
        "--out",
        out,
        "--release",
        version,
        "--release-date",
        date,
    ];
    args.extend(extra);
    orgdir(data, &args)
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn json(path: &Path) -> serde_json::Value {
    serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap()
}

fn ids(list: &serde_json::Value) -> Vec<String> {
    list.as_array()
        .unwrap()
        .iter()
        .map(|e| e["id"].as_str().unwrap().to_owned())
        .collect()
}

/// Each organization's `schema:dateModified` in a release's orgs.nt.
fn dates(release: &Path) -> BTreeMap<String, String> {
    std::fs::read_to_string(release.join("orgs.nt"))
        .unwrap()
        .lines()
        .filter(|l| l.contains("/org/") && l.contains("<http://schema.org/dateModified>"))
        .map(|l| {
            let id = l.split("/org/").nth(1).unwrap().split('>').next().unwrap();
            let date = l.split('"').nth(1).unwrap();
            (id.to_owned(), date.to_owned())
        })
        .collect()
}

/// The fixture plus one organization, `gone`, that the next version withdraws.
fn version_one(dir: &Path) -> PathBuf {
    let data = dir.join("data");
    std::fs::create_dir_all(data.join("more")).unwrap();
    for f in ["dataset.yaml", "orgs.yaml", "more/regional.yml"] {
        std::fs::copy(fixtures().join("valid/data").join(f), data.join(f)).unwrap();
    }
    std::fs::write(
        data.join("more/gone.yml"),
        "- id: gone\n  name: Gone Guild\n  category: international\n  url: https://gone.example.org/\n",
    )
    .unwrap();
    data
}

/// Version two: `parent` renamed, `child`'s role in `parent` changed,
/// `gone` withdrawn, `newone` added; `regional` untouched.
fn version_two(data: &Path) {
    let orgs = std::fs::read_to_string(data.join("orgs.yaml")).unwrap();
    let changed = orgs
        .replace(
            "name: Parent Association",
            "name: Parent Association, renamed",
        )
        .replace("roleName: division", "roleName: section");
    assert_ne!(orgs, changed);
    std::fs::write(data.join("orgs.yaml"), changed).unwrap();
    withdraw(&data.join("more/gone.yml"), "Listed by mistake.");
    std::fs::write(
        data.join("more/new.yml"),
        "- id: newone\n  name: New One\n  category: regional\n",
    )
    .unwrap();
}

/// Two releases, `v1` (2026-11-01) and `v2` (2026-12-01: a rename, a changed
/// role, a withdrawal, an addition), under `dir/dist`; returns the data.
pub(crate) fn two_releases(dir: &Path) -> std::path::PathBuf {
    let data = version_one(dir);
    let dist = dir.join("dist");
    let out = release(&data, &dist, "v1", "2026-11-01", &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    version_two(&data);
    let out = release(&data, &dist, "v2", "2026-12-01", &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    data
}

/// Release `v3` (2027-01-01) of `data` into `dist`: `newone` renamed,
/// `regional` withdrawn.
fn release_three(data: &Path, dist: &Path) {
    let news = std::fs::read_to_string(data.join("more/new.yml")).unwrap();
    std::fs::write(
        data.join("more/new.yml"),
        news.replace("New One", "New One Renamed"),
    )
    .unwrap();
    withdraw(&data.join("more/regional.yml"), "A test of withdrawal.");
    let out = release(data, dist, "v3", "2027-01-01", &[]);
    assert!(out.status.success(), "{}", stderr(&out));
}

#[test]
fn a_release_dated_before_the_one_it_follows_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let data = version_one(tmp.path());
    let dist = tmp.path().join("dist");
    assert!(
        release(&data, &dist, "v1", "2026-11-01", &[])
            .status
            .success()
    );
    let out = release(&data, &dist, "v2", "2026-10-31", &[]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.contains(
            "before the release it follows (v1, 2026-11-01): releases are ordered by date"
        ),
        "{err}"
    );
    assert!(!dist.join("v2").exists());
    // The same day is no step back.
    let out = release(&data, &dist, "v2", "2026-11-01", &[]);
    assert!(out.status.success(), "{}", stderr(&out));
}

/// Retires the record that ends `file`: `status: withdrawn`, with `note`.
fn withdraw(file: &Path, note: &str) {
    let mut text = std::fs::read_to_string(file).unwrap();
    text.push_str(&format!(
        "  status: withdrawn\n  statusDate: 2026-11-15\n  statusNote: {note}\n"
    ));
    std::fs::write(file, text).unwrap();
}

#[test]
fn releases_record_what_changed_and_when() {
    let tmp = tempfile::tempdir().unwrap();
    let data = version_one(tmp.path());
    let dist = tmp.path().join("dist");

    let out = release(&data, &dist, "2026.11", "2026-11-01", &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    let v1 = dist.join("2026.11");
    assert_eq!(
        std::fs::read_link(dist.join("latest")).unwrap(),
        Path::new("2026.11")
    );
    let changes = json(&v1.join("changes.json"));
    assert_eq!(
        ids(&changes["added"]),
        ["child", "gone", "parent", "regional"]
    );
    assert!(changes["previous"].is_null());
    assert!(
        dates(&v1).values().all(|d| d == "2026-11-01") && dates(&v1).len() == 4,
        "{:?}",
        dates(&v1)
    );

    version_two(&data);
    let out = release(&data, &dist, "2026.12", "2026-12-01", &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    let v2 = dist.join("2026.12");
    assert_eq!(
        std::fs::read_link(dist.join("latest")).unwrap(),
        Path::new("2026.12")
    );
    let changes = json(&v2.join("changes.json"));
    assert_eq!(changes["previous"], "2026.11");
    assert_eq!(ids(&changes["added"]), ["newone"]);
    assert_eq!(
        ids(&changes["removed"]),
        Vec::<String>::new(),
        "a withdrawn record stays"
    );
    assert_eq!(ids(&changes["changed"]), ["child", "gone", "parent"]);
    assert_eq!(
        changes["changed"][0]["properties"],
        serde_json::json!(["http://schema.org/memberOf"]),
        "a membership's role changed"
    );
    assert_eq!(
        changes["changed"][1]["properties"],
        serde_json::json!([
            "http://purl.org/dc/terms/date",
            "http://www.w3.org/2004/02/skos/core#changeNote",
            "http://www.w3.org/ns/adms#status"
        ]),
        "withdrawn"
    );
    assert_eq!(
        changes["changed"][2]["properties"],
        serde_json::json!(["http://schema.org/name"])
    );
    assert_eq!(
        dates(&v2),
        BTreeMap::from([
            ("child".into(), "2026-12-01".into()),
            ("gone".into(), "2026-12-01".into()),
            ("newone".into(), "2026-12-01".into()),
            ("parent".into(), "2026-12-01".into()),
            ("regional".into(), "2026-11-01".into()),
        ]),
        "an unchanged record keeps the date of its last change"
    );
    let md = std::fs::read_to_string(v2.join("changes.md")).unwrap();
    assert!(md.starts_with("# Changes in release 2026.12 (2026-12-01)\n\nAgainst release 2026.11 (2026-11-01): 1 added, 0 removed, 3 changed.\n"), "{md}");
    assert!(
        md.contains("- `parent` Parent Association, renamed: name\n"),
        "{md}"
    );
    assert!(md.contains("- `child` Child Division: memberOf\n"), "{md}");

    // changes.ttl: one action per record, of the right kind.
    let ttl = std::fs::read(v2.join("changes.ttl")).unwrap();
    let mut kinds = BTreeMap::<String, usize>::new();
    for t in oxttl::TurtleParser::new().for_slice(&ttl) {
        let t = t.unwrap();
        if t.predicate.as_str() == "http://www.w3.org/1999/02/22-rdf-syntax-ns#type" {
            *kinds.entry(t.object.to_string()).or_default() += 1;
        }
    }
    // newone, and the status the withdrawal mints (`other`).
    assert_eq!(
        changes["other"],
        serde_json::json!([{"iri": "https://data.example.org/status/withdrawn", "change": "added"}])
    );
    assert_eq!(kinds["<http://schema.org/AddAction>"], 2);
    assert_eq!(kinds.get("<http://schema.org/DeleteAction>"), None);
    assert_eq!(kinds["<http://schema.org/UpdateAction>"], 3);
    assert_eq!(kinds["<http://schema.org/Dataset>"], 1);

    // No change at all: an empty list, every date carried over.
    let out = release(&data, &dist, "2027.01", "2027-01-01", &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    let v3 = dist.join("2027.01");
    let changes = json(&v3.join("changes.json"));
    for list in ["added", "removed", "changed", "other"] {
        assert_eq!(changes[list], serde_json::json!([]), "{list}");
    }
    assert_eq!(dates(&v3), dates(&v2));

    // Against an explicit older release.
    let v1_path = v1.to_str().unwrap().to_owned();
    let out = release(
        &data,
        &dist,
        "against-v1",
        "2027-02-01",
        &["--previous", &v1_path],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let changes = json(&dist.join("against-v1/changes.json"));
    assert_eq!(changes["previous"], "2026.11");
    assert_eq!(ids(&changes["changed"]), ["child", "gone", "parent"]);

    // The index lists every release, oldest first, and each file's hash is right.
    let index = json(&dist.join("releases.json"));
    assert_eq!(index["latest"], "against-v1");
    let versions: Vec<&str> = index["releases"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["version"].as_str().unwrap())
        .collect();
    assert_eq!(versions, ["2026.11", "2026.12", "2027.01", "against-v1"]);
    for r in index["releases"].as_array().unwrap() {
        let dir = dist.join(r["version"].as_str().unwrap());
        for f in r["files"].as_array().unwrap() {
            let bytes = std::fs::read(dir.join(f["name"].as_str().unwrap())).unwrap();
            assert_eq!(f["bytes"], bytes.len() as u64);
            let sha = <sha2::Sha256 as sha2::Digest>::digest(&bytes);
            let hex: String = sha.iter().map(|b| format!("{b:02x}")).collect();
            assert_eq!(f["sha256"], hex, "{}", f["name"]);
        }
    }
}

#[test]
fn a_release_is_never_rewritten_and_bad_versions_are_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let data = version_one(tmp.path());
    let dist = tmp.path().join("dist");
    let out = release(&data, &dist, "v1", "2026-11-01", &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    let before = std::fs::read(dist.join("v1/orgs.nt")).unwrap();

    version_two(&data);
    let out = release(&data, &dist, "v1", "2026-12-01", &[]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("a release is never rewritten"),
        "{}",
        stderr(&out)
    );
    assert_eq!(std::fs::read(dist.join("v1/orgs.nt")).unwrap(), before);

    for bad in ["latest", "../up", ".hidden", "a/b", ""] {
        let out = release(&data, &dist, bad, "2026-12-01", &[]);
        assert_eq!(out.status.code(), Some(2), "{bad}: {}", stderr(&out));
    }
    let out = release(&data, &dist, "v2", "2026-13-01", &[]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));

    // A plain build does not replace a directory of releases.
    let out = orgdir(&data, &["build", "--out", dist.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("which orgdir did not write"),
        "{}",
        stderr(&out)
    );
    assert!(dist.join("v1/orgs.nt").exists());

    let entries: Vec<String> = std::fs::read_dir(&dist)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(
        entries
            .iter()
            .all(|e| ["v1", "latest", "releases.json"].contains(&e.as_str())),
        "no staging left: {entries:?}"
    );
}

fn served(dist: &Path) -> Arc<AppState> {
    let root = fixtures();
    let source = orgdir::source::load(&root.join("valid/data"), Default::default()).unwrap();
    let snapshot = orgdir::store::load(&source, vec![]).unwrap();
    orgdir::store::write_dumps(&snapshot.dumps, &source);
    Arc::new(AppState::new(snapshot, Limits::default()).with_releases(dist.to_owned()))
}

#[tokio::test]
async fn serve_lists_releases_serves_their_files_and_merges_changes() {
    let tmp = tempfile::tempdir().unwrap();
    let data = version_one(tmp.path());
    let dist = tmp.path().join("dist");
    assert!(
        release(&data, &dist, "v1", "2026-11-01", &[])
            .status
            .success()
    );
    version_two(&data);
    assert!(
        release(&data, &dist, "v2", "2026-12-01", &[])
            .status
            .success()
    );
    // v3: merged since v1, `newone` is still added (with its new name) and
    // `regional` changed.
    release_three(&data, &dist);
    let state = served(&dist);

    let a = send(&state, get("/dumps/releases/", None)).await;
    assert_eq!(a.status, StatusCode::OK);
    let index: serde_json::Value = serde_json::from_str(&a.body).unwrap();
    assert_eq!(index["latest"], "v3");
    assert_eq!(index["releases"][1]["url"], "/dumps/releases/v2/");
    let file = &index["releases"][1]["files"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["name"] == "orgs.nt")
        .unwrap()
        .clone();
    assert_eq!(file["url"], "/dumps/releases/v2/orgs.nt");

    let a = send(&state, get("/dumps/releases/v2/orgs.nt", None)).await;
    assert_eq!(a.status, StatusCode::OK);
    assert_eq!(a.bytes, std::fs::read(dist.join("v2/orgs.nt")).unwrap());
    let etag = a.headers[header::ETAG].to_str().unwrap().to_owned();
    assert!(
        etag.contains(&file["sha256"].as_str().unwrap()[..32]),
        "{etag}"
    );
    let conditional = axum::http::Request::get("/dumps/releases/v2/orgs.nt")
        .header(header::IF_NONE_MATCH, &etag)
        .body(axum::body::Body::empty())
        .unwrap();
    assert_eq!(
        send(&state, conditional).await.status,
        StatusCode::NOT_MODIFIED
    );

    for name in [
        "release.json",
        "changes.json",
        "changes.ttl",
        "SHA256SUMS",
        "void.ttl",
    ] {
        let a = send(&state, get(&format!("/dumps/releases/v2/{name}"), None)).await;
        assert_eq!(a.status, StatusCode::OK, "{name}");
        assert_eq!(
            a.bytes,
            std::fs::read(dist.join("v2").join(name)).unwrap(),
            "{name}"
        );
    }

    let a = send(&state, get("/dumps/releases/latest/changes.md", None)).await;
    assert_eq!(a.status, StatusCode::TEMPORARY_REDIRECT);
    assert_eq!(a.headers[header::LOCATION], "/dumps/releases/v3/changes.md");

    for missing in [
        "/dumps/releases/v9/orgs.nt",
        "/dumps/releases/v2/secret.txt",
        "/dumps/releases/..%2Fv1/orgs.nt",
        "/dumps/releases/v2/..%2F..%2Fdata%2Forgs.yaml",
        "/dumps/releases/changes?since=v0",
        // `latest` checks the name as the versions do (this was a 500, and
        // any other name went into Location unchecked).
        "/dumps/releases/latest/%0d%0aSet-Cookie:%20x",
        "/dumps/releases/latest/secret.txt",
    ] {
        assert_eq!(
            send(&state, get(missing, None)).await.status,
            StatusCode::NOT_FOUND,
            "{missing}"
        );
    }

    let a = send(&state, get("/dumps/releases/changes?since=v1", None)).await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.body);
    let merged: serde_json::Value = serde_json::from_str(&a.body).unwrap();
    assert_eq!(merged["releases"], serde_json::json!(["v2", "v3"]));
    assert_eq!(ids(&merged["added"]), ["newone"]);
    assert_eq!(merged["added"][0]["name"], "New One Renamed");
    assert_eq!(ids(&merged["removed"]), Vec::<String>::new());
    assert_eq!(
        ids(&merged["changed"]),
        ["child", "gone", "parent", "regional"]
    );

    let a = send(&state, get("/dumps/releases/changes?since=v3", None)).await;
    let merged: serde_json::Value = serde_json::from_str(&a.body).unwrap();
    assert_eq!(merged["releases"], serde_json::json!([]));
    assert_eq!(merged["added"], serde_json::json!([]));

    let a = send(&state, get("/dumps/releases/changes", None)).await;
    assert_eq!(a.status, StatusCode::BAD_REQUEST);
}

#[test]
fn a_release_that_drops_a_published_iri_is_refused_and_one_that_retires_it_is_not() {
    let tmp = tempfile::tempdir().unwrap();
    let data = version_one(tmp.path());
    let dist = tmp.path().join("dist");
    let out = release(&data, &dist, "v1", "2026-11-01", &[]);
    assert!(out.status.success(), "{}", stderr(&out));

    // `gone` and `regional` deleted from the data: both IRIs named, nothing written.
    let gone = std::fs::read_to_string(data.join("more/gone.yml")).unwrap();
    let regional = std::fs::read_to_string(data.join("more/regional.yml")).unwrap();
    std::fs::remove_file(data.join("more/gone.yml")).unwrap();
    std::fs::write(data.join("more/regional.yml"), "[]\n").unwrap();
    let out = release(&data, &dist, "v2", "2026-12-01", &[]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(err.contains("would break 2 IRIs"), "{err}");
    for iri in [
        "https://data.example.org/org/gone",
        "https://data.example.org/org/regional",
    ] {
        assert!(err.lines().any(|l| l.trim() == iri), "{iri}: {err}");
    }
    assert!(err.contains("status: withdrawn"), "{err}");
    assert!(!dist.join("v2").exists());
    assert_eq!(
        std::fs::read_link(dist.join("latest")).unwrap(),
        Path::new("v1")
    );

    // Retired instead (one withdrawn, one merged into `parent`): released.
    std::fs::write(data.join("more/gone.yml"), gone).unwrap();
    withdraw(&data.join("more/gone.yml"), "Listed by mistake.");
    std::fs::write(
        data.join("more/regional.yml"),
        format!("{regional}  status: merged\n  replacedBy: parent\n  statusDate: 2026-11-20\n"),
    )
    .unwrap();
    let out = release(&data, &dist, "v2", "2026-12-01", &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    let changes = json(&dist.join("v2/changes.json"));
    assert_eq!(ids(&changes["changed"]), ["gone", "parent", "regional"]);
    let nt = std::fs::read_to_string(dist.join("v2/orgs.nt")).unwrap();
    assert!(nt.contains(
        "<https://data.example.org/org/regional> <http://purl.org/dc/terms/isReplacedBy> <https://data.example.org/org/parent> .\n"
    ));
    assert!(nt.contains(
        "<https://data.example.org/org/gone> <http://www.w3.org/ns/adms#status> <https://data.example.org/status/withdrawn> .\n"
    ));
}
