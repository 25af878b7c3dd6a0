//! The change stream at `/ldes` (LDES over TREE): routes and caching through
//! the router, and a real LDES client (npm `ldes-client`, run by `.ci/run`)
//! replicating the stream into the latest dump, then resuming after one
//! more release.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::process::Command;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use oxrdf::{GraphName, NamedOrBlankNode, Quad, Term};

use super::common::{RealServer, get, send};
use super::{ids, json, release_three, served, two_releases};

const IS_VERSION_OF: &str = "http://purl.org/dc/terms/isVersionOf";
const CREATED: &str = "http://purl.org/dc/terms/created";
const TREE_NODE: &str = "https://w3id.org/tree#node";

/// One organization's version, as a client extracted it.
#[derive(Debug)]
struct Member {
    version: String,
    organization: String,
    created: String,
    record: BTreeSet<String>,
}

fn quads(text: &str, base: Option<&str>, trig: bool) -> Vec<Quad> {
    if trig {
        let parser = oxttl::TriGParser::new();
        let parser = match base {
            Some(b) => parser.with_base_iri(b).unwrap(),
            None => parser,
        };
        parser.for_slice(text.as_bytes()).collect::<Result<_, _>>()
    } else {
        oxttl::NQuadsParser::new()
            .for_slice(text.as_bytes())
            .collect::<Result<_, _>>()
    }
    .unwrap_or_else(|e| panic!("not RDF ({e}):\n{text}"))
}

fn subject_is(q: &Quad, iri: &str) -> bool {
    matches!(&q.subject, NamedOrBlankNode::NamedNode(s) if s.as_str() == iri)
}

/// The members in `quads`: each subject with `dcterms:isVersionOf`, with
/// its named graph.
fn members(quads: &[Quad]) -> Vec<Member> {
    let mut out = Vec::new();
    for q in quads {
        if q.predicate.as_str() != IS_VERSION_OF || !q.graph_name.is_default_graph() {
            continue;
        }
        let NamedOrBlankNode::NamedNode(version) = &q.subject else {
            panic!("a member is an IRI")
        };
        let Term::NamedNode(organization) = &q.object else {
            panic!("a version is of an IRI")
        };
        let created = quads
            .iter()
            .find(|c| subject_is(c, version.as_str()) && c.predicate.as_str() == CREATED)
            .map(|c| match &c.object {
                Term::Literal(l) => l.value().to_owned(),
                other => panic!("created is a literal, not {other}"),
            })
            .unwrap_or_else(|| panic!("{version} has no dcterms:created"));
        let graph = GraphName::NamedNode(version.clone());
        let record = quads
            .iter()
            .filter(|g| g.graph_name == graph)
            .map(|g| format!("{} .", oxrdf::TripleRef::from(g.as_ref())))
            .collect();
        out.push(Member {
            version: version.as_str().to_owned(),
            organization: organization.as_str().to_owned(),
            created,
            record,
        });
    }
    out
}

/// Each organization's record in a release's `orgs.nt`: its lines and its
/// memberships', by organization IRI.
fn records(release: &Path) -> BTreeMap<String, BTreeSet<String>> {
    let mut out: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for line in std::fs::read_to_string(release.join("orgs.nt"))
        .unwrap()
        .lines()
    {
        let subject = line[1..].split('>').next().unwrap();
        let Some((prefix, rest)) = subject.split_once("/org/") else {
            continue;
        };
        let id = rest.split('/').next().unwrap();
        out.entry(format!("{prefix}/org/{id}"))
            .or_default()
            .insert(line.to_owned());
    }
    out
}

/// What a harvester holds after applying `members`: the latest version of
/// each organization.
fn apply(copy: &mut BTreeMap<String, (String, BTreeSet<String>)>, members: Vec<Member>) {
    for m in members {
        let newer = copy
            .get(&m.organization)
            .is_none_or(|(created, _)| *created < m.created);
        if newer {
            copy.insert(m.organization, (m.created, m.record));
        }
    }
}

fn materialized(
    copy: &BTreeMap<String, (String, BTreeSet<String>)>,
) -> BTreeMap<String, BTreeSet<String>> {
    copy.iter()
        .map(|(org, (_, record))| (org.clone(), record.clone()))
        .collect()
}

/// The ids a release's change list names as added or changed.
fn changed_ids(release: &Path) -> BTreeSet<String> {
    let changes = json(&release.join("changes.json"));
    ids(&changes["added"])
        .into_iter()
        .chain(ids(&changes["changed"]))
        .collect()
}

fn id_of(organization: &str) -> String {
    organization.rsplit('/').next().unwrap().to_owned()
}

#[tokio::test]
async fn the_stream_serves_each_release_node_and_pages_with_their_caching() {
    let tmp = tempfile::tempdir().unwrap();
    two_releases(tmp.path());
    let dist = tmp.path().join("dist");
    let state = served(&dist);

    let a = send(&state, get("/ldes", Some("text/turtle"))).await;
    assert_eq!(a.status, StatusCode::OK);
    assert!(
        a.headers[header::CONTENT_TYPE]
            .to_str()
            .unwrap()
            .starts_with("application/trig")
    );
    assert_eq!(a.headers[header::CACHE_CONTROL], "no-cache");
    let etag = a.headers[header::ETAG].to_str().unwrap().to_owned();
    let root = quads(&a.body, Some("http://h.test/ldes"), true);
    let mut nodes: Vec<String> = root
        .iter()
        .filter(|q| q.predicate.as_str() == TREE_NODE)
        .map(|q| q.object.to_string())
        .collect();
    nodes.sort();
    assert_eq!(
        nodes,
        ["<http://h.test/ldes/v1>", "<http://h.test/ldes/v2>"]
    );
    let again = Request::get("/ldes")
        .header(header::IF_NONE_MATCH, &etag)
        .body(Body::empty())
        .unwrap();
    assert_eq!(send(&state, again).await.status, StatusCode::NOT_MODIFIED);

    let mut held = BTreeMap::new();
    for version in ["v1", "v2"] {
        let a = send(&state, get(&format!("/ldes/{version}"), None)).await;
        assert_eq!(a.status, StatusCode::OK, "{}", a.body);
        assert_eq!(
            a.headers[header::CACHE_CONTROL],
            "public, max-age=31536000, immutable"
        );
        let node_url = format!("http://h.test/ldes/{version}");
        let node = quads(&a.body, Some(&node_url), true);
        let pages: Vec<String> = node
            .iter()
            .filter(|q| q.predicate.as_str() == TREE_NODE)
            .map(|q| q.object.to_string())
            .collect();
        assert_eq!(pages, [format!("<{node_url}/1>")]);

        let a = send(&state, get(&format!("/ldes/{version}/1"), None)).await;
        assert_eq!(a.status, StatusCode::OK);
        assert_eq!(
            a.headers[header::CACHE_CONTROL],
            "public, max-age=31536000, immutable"
        );
        let etag = a.headers[header::ETAG].to_str().unwrap().to_owned();
        // Compressed for a client that accepts it, the same page.
        let zipped = Request::get(format!("/ldes/{version}/1"))
            .header(header::ACCEPT_ENCODING, "gzip, deflate, br")
            .body(Body::empty())
            .unwrap();
        let z = send(&state, zipped).await;
        assert_eq!(z.headers[header::CONTENT_ENCODING], "gzip");
        assert_ne!(z.headers[header::ETAG].to_str().unwrap(), etag);
        let mut unzipped = String::new();
        std::io::Read::read_to_string(
            &mut flate2::read::GzDecoder::new(&z.bytes[..]),
            &mut unzipped,
        )
        .unwrap();
        assert_eq!(unzipped, a.body);
        let page = members(&quads(&a.body, Some(&format!("{node_url}/1")), true));
        let on_page: BTreeSet<String> = page.iter().map(|m| id_of(&m.organization)).collect();
        assert_eq!(
            on_page,
            changed_ids(&dist.join(version)),
            "{version}'s members"
        );
        apply(&mut held, page);
        let again = Request::get(format!("/ldes/{version}/1"))
            .header(header::IF_NONE_MATCH, &etag)
            .body(Body::empty())
            .unwrap();
        assert_eq!(send(&state, again).await.status, StatusCode::NOT_MODIFIED);
    }
    assert_eq!(materialized(&held), records(&dist.join("v2")));

    for missing in [
        "/ldes/v1/2",
        "/ldes/v1/01",
        "/ldes/v1/+1",
        "/ldes/v9",
        "/ldes/latest/1",
    ] {
        assert_eq!(
            send(&state, get(missing, None)).await.status,
            StatusCode::NOT_FOUND,
            "{missing}"
        );
    }
    // A release written before the stream existed is left out of it.
    std::fs::remove_dir_all(dist.join("v1/ldes")).unwrap();
    let a = send(&state, get("/ldes", None)).await;
    assert!(
        !a.body.contains("ldes/v1>") && a.body.contains("ldes/v2>"),
        "{}",
        a.body
    );
    assert_ne!(a.headers[header::ETAG].to_str().unwrap(), etag);

    // The dataset description links the stream and the release feeds.
    let a = send(&state, get("/.well-known/void", None)).await;
    assert_eq!(a.status, StatusCode::OK);
    let void: Vec<oxrdf::Triple> = oxttl::TurtleParser::new()
        .for_slice(a.body.as_bytes())
        .collect::<Result<_, _>>()
        .unwrap_or_else(|e| panic!("void is not Turtle ({e}):\n{}", a.body));
    let object = |s: &str, p: &str| -> Vec<String> {
        void.iter()
            .filter(|t| t.subject.to_string() == format!("<{s}>") && t.predicate.as_str() == p)
            .map(|t| t.object.to_string())
            .collect()
    };
    let dataset = state.snapshot().dataset.clone();
    let base = state.snapshot().base.clone();
    let distributions = object(&dataset, "http://www.w3.org/ns/dcat#distribution");
    for feed in ["ldes", "dumps/releases/", "dumps/releases/changes"] {
        assert!(
            distributions.contains(&format!("<{base}{feed}>")),
            "{feed} in {distributions:?}"
        );
    }
    assert_eq!(
        object(
            &format!("{base}ldes"),
            "http://purl.org/dc/terms/conformsTo"
        ),
        ["<https://w3id.org/ldes/specification>"]
    );
    assert!(
        distributions.contains(&format!("<{base}dumps/orgs.nt>")),
        "the dumps are still there"
    );

    // Without --releases there is no stream, and VoID names none.
    let without = super::common::state_with_dumps();
    assert_eq!(
        send(&without, get("/ldes", None)).await.status,
        StatusCode::NOT_FOUND
    );
    let a = send(&without, get("/.well-known/void", None)).await;
    assert_eq!(a.status, StatusCode::OK);
    assert!(!a.body.contains("/ldes"), "{}", a.body);
}

/// Runs the LDES client over `url`, keeping its state in `state`; returns
/// the members it emitted.
fn harvest(client: &str, url: &str, state: &Path) -> Vec<Member> {
    let out = Command::new(client)
        .arg(url)
        .arg("--save")
        .arg(state)
        .output()
        .unwrap_or_else(|e| panic!("cannot run {client}: {e}"));
    assert!(
        out.status.success(),
        "ldes-client failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    members(&quads(&String::from_utf8(out.stdout).unwrap(), None, false))
}

#[test]
#[ignore = "needs the npm ldes-client (ORGDIR_TEST_LDES_CLIENT): run by .ci/run"]
fn an_ldes_client_replicates_the_latest_dump_then_fetches_only_new_members() {
    let client = std::env::var("ORGDIR_TEST_LDES_CLIENT")
        .expect("ORGDIR_TEST_LDES_CLIENT: the path of ldes-client");
    let tmp = tempfile::tempdir().unwrap();
    let data = two_releases(tmp.path());
    let dist = tmp.path().join("dist");
    let server = RealServer::start(served(&dist));
    let url = format!("http://{}/ldes", server.addr);
    let state = tmp.path().join("client-state");

    let first = harvest(&client, &url, &state);
    let v1 = changed_ids(&dist.join("v1"));
    let v2 = changed_ids(&dist.join("v2"));
    assert_eq!(first.len(), v1.len() + v2.len(), "every member once");
    let mut held = BTreeMap::new();
    apply(&mut held, first);
    assert_eq!(materialized(&held), records(&dist.join("v2")));

    // Immutable pages are never fetched again: gone from the server, they
    // are not missed.
    for version in ["v1", "v2"] {
        std::fs::remove_file(dist.join(version).join("ldes/1.trig")).unwrap();
    }

    // One more release: `newone` renamed, `regional` withdrawn.
    release_three(&data, &dist);

    let second = harvest(&client, &url, &state);
    let emitted: BTreeSet<String> = second.iter().map(|m| id_of(&m.organization)).collect();
    assert_eq!(
        emitted,
        BTreeSet::from(["newone".into(), "regional".into()])
    );
    assert_eq!(emitted, changed_ids(&dist.join("v3")));
    assert!(
        second.iter().all(|m| m.version.ends_with("/release/v3")),
        "only v3's members: {:?}",
        second.iter().map(|m| &m.version).collect::<Vec<_>>()
    );
    apply(&mut held, second);
    assert_eq!(materialized(&held), records(&dist.join("v3")));

    // Nothing new: nothing emitted.
    assert!(harvest(&client, &url, &state).is_empty());
    server.stop();
}
