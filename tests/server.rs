//! The HTTP server: every route and negotiation case through the router
//! (no socket), and one real server on 127.0.0.1:0.

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use clap::Parser;
use orgdir::server::{AppState, Limits};
use orgdir::source::{self, Limits as SourceLimits};
use orgdir::store;

mod common;
use common::*;

const NAMES: &str = "PREFIX schema: <http://schema.org/> SELECT ?name WHERE { ?o a schema:Organization ; schema:name ?name } ORDER BY ?name";
const GRAPH: &str = "PREFIX schema: <http://schema.org/> CONSTRUCT { ?a schema:memberOf ?b } WHERE { ?a schema:memberOf ?b }";
/// Five-way cross product of the fixture's triples: a billion rows.
const RUNAWAY: &str = "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l . ?m ?n2 ?o }";

#[tokio::test]
async fn select_results_in_every_format_by_accept_and_parameter() {
    let s = state(Limits::default());
    let uri = format!("/sparql?{}", encode(NAMES));
    let json = send(&s, get(&uri, None)).await;
    assert_eq!(json.status, StatusCode::OK);
    assert_eq!(content_type(&json), "application/sparql-results+json");
    let parsed: serde_json::Value = serde_json::from_str(&json.body).unwrap();
    assert_eq!(parsed["results"]["bindings"].as_array().unwrap().len(), 3);
    assert_eq!(
        parsed["results"]["bindings"][0]["name"]["value"],
        "Child Division"
    );

    for (accept, media, needle) in [
        (
            "application/sparql-results+xml",
            "application/sparql-results+xml",
            "<sparql",
        ),
        (
            "text/csv",
            "text/csv; charset=utf-8",
            "name\r\nChild Division\r\n",
        ),
        (
            "text/tab-separated-values",
            "text/tab-separated-values; charset=utf-8",
            "?name\n\"Child Division\"\n",
        ),
        (
            "text/csv;q=0.2, application/sparql-results+xml;q=0.9",
            "application/sparql-results+xml",
            "<sparql",
        ),
        (
            "application/sparql-results+json;q=0.1, text/*",
            "text/csv; charset=utf-8",
            "name\r\n",
        ),
    ] {
        let a = send(&s, get(&uri, Some(accept))).await;
        assert_eq!(a.status, StatusCode::OK, "{accept}");
        assert_eq!(content_type(&a), media, "{accept}");
        assert!(a.body.contains(needle), "{accept}: {}", a.body);
    }
    let tsv = send(
        &s,
        get(
            &format!("{uri}&format=tsv"),
            Some("application/sparql-results+json"),
        ),
    )
    .await;
    assert_eq!(
        content_type(&tsv),
        "text/tab-separated-values; charset=utf-8",
        "format= wins"
    );

    let ask = send(
        &s,
        get(&format!("/sparql?{}", encode("ASK { ?s ?p ?o }")), None),
    )
    .await;
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(&ask.body).unwrap()["boolean"],
        true
    );

    let refused = send(&s, get(&uri, Some("image/png"))).await;
    assert_eq!(refused.status, StatusCode::NOT_ACCEPTABLE);
    assert!(
        refused.body.contains("application/sparql-results+json"),
        "{}",
        refused.body
    );
    // A `format` that names nothing SELECT can give is passed over for Accept
    // (SPARQLWrapper sends several, some of which no server knows).
    let bad_format = send(&s, get(&format!("{uri}&format=turtle"), Some("text/csv"))).await;
    assert_eq!(bad_format.status, StatusCode::OK);
    assert!(content_type(&bad_format).starts_with("text/csv"));
    let listed = send(
        &s,
        get(
            &format!("{uri}&format=json-ld&format=nonsense,text/tab-separated-values&results=xml"),
            None,
        ),
    )
    .await;
    assert!(content_type(&listed).starts_with("text/tab-separated-values"));
    for twice in [
        format!("{uri}&{}", encode(NAMES)),
        format!("{uri}&update=CLEAR%20ALL"),
    ] {
        let refused = send(&s, get(&twice, None)).await;
        assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{twice}");
    }
}

#[tokio::test]
async fn graph_results_in_every_rdf_format() {
    let s = state(Limits::default());
    let uri = format!("/sparql?{}", encode(GRAPH));
    for (accept, media, parse_as) in [
        (
            None,
            "text/turtle; charset=utf-8",
            oxigraph::io::RdfFormat::Turtle,
        ),
        (
            Some("application/n-triples"),
            "application/n-triples",
            oxigraph::io::RdfFormat::NTriples,
        ),
        (
            Some("application/ld+json"),
            "application/ld+json",
            oxigraph::io::RdfFormat::JsonLd {
                profile: Default::default(),
            },
        ),
        (
            Some("application/rdf+xml"),
            "application/rdf+xml",
            oxigraph::io::RdfFormat::RdfXml,
        ),
    ] {
        let a = send(&s, get(&uri, accept)).await;
        assert_eq!(a.status, StatusCode::OK);
        assert_eq!(content_type(&a), media);
        let triples = oxigraph::io::RdfParser::from_format(parse_as)
            .for_slice(a.body.as_bytes())
            .collect::<Result<Vec<_>, _>>()
            .unwrap();
        assert_eq!(triples.len(), 4, "{media}: {}", a.body);
    }
    let refused = send(&s, get(&uri, Some("text/csv"))).await;
    assert_eq!(refused.status, StatusCode::NOT_ACCEPTABLE);
}

#[tokio::test]
async fn post_forms_and_direct_queries_and_refused_updates() {
    let s = state(Limits::default());
    let post = |content_type: &str, body: String| {
        Request::post("/sparql")
            .header(header::CONTENT_TYPE, content_type)
            .header(header::ACCEPT, "text/csv")
            .body(Body::from(body))
            .unwrap()
    };
    let form = send(&s, post("application/x-www-form-urlencoded", encode(NAMES))).await;
    assert_eq!(
        (form.status, form.body.lines().count()),
        (StatusCode::OK, 4)
    );
    let direct = send(&s, post("application/sparql-query", NAMES.into())).await;
    assert_eq!(direct.body, form.body);

    for (ct, body) in [
        (
            "application/sparql-update",
            "INSERT DATA { <s:a> <s:b> <s:c> }".to_owned(),
        ),
        (
            "application/x-www-form-urlencoded",
            "update=INSERT+DATA+%7B%7D".to_owned(),
        ),
    ] {
        let a = send(&s, post(ct, body)).await;
        assert_eq!(a.status, StatusCode::FORBIDDEN, "{ct}");
        assert!(a.body.contains("read-only"));
    }
    let get_update = send(&s, get("/sparql?update=INSERT+DATA+%7B%7D", None)).await;
    assert_eq!(get_update.status, StatusCode::FORBIDDEN);
    let other = send(&s, post("text/plain", NAMES.into())).await;
    assert_eq!(other.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    let missing = send(
        &s,
        post("application/x-www-form-urlencoded", "format=csv".into()),
    )
    .await;
    assert_eq!(missing.status, StatusCode::BAD_REQUEST);

    let syntax = send(
        &s,
        get(&format!("/sparql?{}", encode("SELECT ?x WHERE {")), None),
    )
    .await;
    assert_eq!(syntax.status, StatusCode::BAD_REQUEST);
    assert!(
        syntax.body.starts_with("SPARQL syntax error"),
        "{}",
        syntax.body
    );
}

#[tokio::test]
async fn dataset_parameters_select_the_graphs() {
    let s = state(Limits::default());
    let count = |extra: &str| {
        format!(
            "/sparql?{}{extra}",
            encode("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")
        )
    };
    let csv = |extra: &'static str| {
        let s = Arc::clone(&s);
        async move { send(&s, get(&count(extra), Some("text/csv"))).await }
    };
    let n = |a: &Answer| a.body.lines().nth(1).unwrap().to_owned();
    assert_eq!(n(&csv("").await), "63");
    let none = csv("&default-graph-uri=http://example.org/no-such-graph").await;
    assert_eq!(n(&none), "0");
    let both = csv("&default-graph-uri=http://example.org/g&named-graph-uri=http://example.org/h");
    assert_eq!(both.await.status, StatusCode::OK);
    let bad = csv("&default-graph-uri=not%20an%20iri").await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn answers_are_cached_with_etags_and_304() {
    let s = state(Limits::default());
    let uri = format!("/sparql?{}", encode(NAMES));
    assert_eq!(s.cache.bytes(), 0);
    let first = send(&s, get(&uri, None)).await;
    let etag = first
        .headers
        .get(header::ETAG)
        .unwrap()
        .to_str()
        .unwrap()
        .to_owned();
    assert!(s.cache.bytes() > first.body.len(), "the answer is cached");
    let again = send(&s, get(&uri, None)).await;
    assert_eq!(
        (
            again.body,
            again.headers.get(header::ETAG).unwrap().to_str().unwrap()
        ),
        (first.body, etag.as_str())
    );
    let request = Request::get(&uri)
        .header(header::IF_NONE_MATCH, &etag)
        .body(Body::empty())
        .unwrap();
    let not_modified = send(&s, request).await;
    assert_eq!(not_modified.status, StatusCode::NOT_MODIFIED);
    assert!(not_modified.body.is_empty());
    let csv = send(&s, get(&uri, Some("text/csv"))).await;
    assert_ne!(
        csv.headers.get(header::ETAG).unwrap().to_str().unwrap(),
        etag,
        "another format, another tag"
    );
}

#[tokio::test]
async fn runaway_queries_are_cancelled_while_others_are_served() {
    let s = state(Limits {
        query_timeout: Duration::from_millis(300),
        ..Limits::default()
    });
    let start = Instant::now();
    let runaway = tokio::spawn({
        let s = Arc::clone(&s);
        async move { send(&s, get(&format!("/sparql?{}", encode(RUNAWAY)), None)).await }
    });
    tokio::time::sleep(Duration::from_millis(50)).await;
    let quick = send(&s, get(&format!("/sparql?{}", encode(NAMES)), None)).await;
    assert_eq!(quick.status, StatusCode::OK);
    let runaway = runaway.await.unwrap();
    assert_eq!(
        runaway.status,
        StatusCode::SERVICE_UNAVAILABLE,
        "{}",
        runaway.body
    );
    assert!(runaway.body.contains("was cancelled"), "{}", runaway.body);
    assert!(start.elapsed() < Duration::from_secs(5));
    // The evaluation itself stops, not just the wait for it.
    let deadline = Instant::now() + Duration::from_secs(5);
    while s.running_queries() > 0 {
        assert!(
            Instant::now() < deadline,
            "the cancelled query is still running"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn result_caps_and_request_limits() {
    let s = state(Limits {
        max_results: 5,
        max_body: 1000,
        max_uri: 2000,
        ..Limits::default()
    });
    let all = send(
        &s,
        get(
            &format!("/sparql?{}", encode("SELECT * WHERE { ?s ?p ?o }")),
            None,
        ),
    )
    .await;
    assert_eq!(all.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(all.body.contains("more than 5 results"));
    let five = send(
        &s,
        get(
            &format!("/sparql?{}", encode("SELECT * WHERE { ?s ?p ?o } LIMIT 5")),
            None,
        ),
    )
    .await;
    assert_eq!(five.status, StatusCode::OK);

    let big = Request::post("/sparql")
        .header(header::CONTENT_TYPE, "application/sparql-query")
        .body(Body::from(format!("{NAMES} #{}", "x".repeat(5000))))
        .unwrap();
    assert_eq!(send(&s, big).await.status, StatusCode::PAYLOAD_TOO_LARGE);
    let long = get(
        &format!(
            "/sparql?{}",
            encode(&format!("{NAMES} #{}", "x".repeat(3000)))
        ),
        None,
    );
    assert_eq!(send(&s, long).await.status, StatusCode::URI_TOO_LONG);
}

#[tokio::test]
async fn service_description_and_cors() {
    let s = state(Limits::default());
    let sd = send(&s, get("/sparql", Some("text/turtle"))).await;
    assert_eq!(sd.status, StatusCode::OK);
    assert!(
        sd.body.contains("sd:Service") && sd.body.contains("void:triples 63"),
        "{}",
        sd.body
    );
    let nt = send(&s, get("/sparql", Some("application/n-triples"))).await;
    assert!(
        nt.body
            .contains("<http://www.w3.org/ns/sparql-service-description#endpoint>")
    );

    let preflight = Request::options("/sparql")
        .header(header::ORIGIN, "https://yasgui.example.org")
        .header(header::ACCESS_CONTROL_REQUEST_METHOD, "POST")
        .header(header::ACCESS_CONTROL_REQUEST_HEADERS, "content-type")
        .body(Body::empty())
        .unwrap();
    let a = send(&s, preflight).await;
    assert_eq!(
        a.headers.get(header::ACCESS_CONTROL_ALLOW_ORIGIN).unwrap(),
        "*"
    );
    let methods = a
        .headers
        .get(header::ACCESS_CONTROL_ALLOW_METHODS)
        .unwrap()
        .to_str()
        .unwrap();
    assert!(methods.contains("POST") && methods.contains("GET"));
}

#[tokio::test]
async fn the_schemas_of_the_source_files_are_served() {
    let s = state(Limits::default());
    for (name, schema) in orgdir::source::schema::files() {
        let a = send(&s, get(&format!("/schema/{name}"), None)).await;
        assert_eq!(a.status, StatusCode::OK);
        assert_eq!(content_type(&a), "application/schema+json");
        let served: serde_json::Value = serde_json::from_str(&a.body).unwrap();
        assert_eq!(served, schema);
        // Byte for byte what `orgdir schema --out` writes (and schema/ holds).
        let committed = std::fs::read_to_string(
            Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("schema")
                .join(name),
        )
        .unwrap();
        assert_eq!(a.body, committed);
    }
    let list = send(&s, get("/schema/", Some("application/json"))).await;
    let list: serde_json::Value = serde_json::from_str(&list.body).unwrap();
    let urls: Vec<&str> = list["schemas"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["url"].as_str().unwrap())
        .collect();
    assert_eq!(
        urls,
        [
            "/schema/organizations.schema.json",
            "/schema/dataset.schema.json"
        ]
    );
    let page = send(&s, get("/schema/", Some("text/html"))).await;
    assert_eq!(page.status, StatusCode::OK);
    // minijinja escapes `/` in values.
    let body = page.body.replace("&#x2f;", "/");
    assert!(
        body.contains(
            "# yaml-language-server: $schema=https://data.example.org/schema/organizations.schema.json"
        ) && body.contains("<code>memberOf</code>")
            && body.contains("every id is unique across all the files"),
        "{body}"
    );
    let missing = send(&s, get("/schema/../Cargo.toml", None)).await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    let missing = send(&s, get("/schema/other.json", None)).await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn named_queries_are_listed_and_run() {
    let s = state(Limits::default());
    let list = send(&s, get("/queries", Some("application/json"))).await;
    let parsed: serde_json::Value = serde_json::from_str(&list.body).unwrap();
    let names: Vec<&str> = parsed
        .as_array()
        .unwrap()
        .iter()
        .map(|q| q["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["graph", "names"]);
    let html = send(&s, get("/queries", Some("text/html"))).await;
    assert_eq!(content_type(&html), "text/html; charset=utf-8");
    assert!(
        html.body.contains("Names &lt;of&gt; organizations"),
        "titles are escaped"
    );
    assert!(html.body.contains("href=\"/queries/names\""));

    let run = send(&s, get("/queries/names?format=csv", None)).await;
    assert_eq!(run.status, StatusCode::OK);
    assert!(
        run.body.starts_with("organization,name\r\n"),
        "{}",
        run.body
    );
    let graph = send(&s, get("/queries/graph", Some("application/n-triples"))).await;
    assert_eq!(
        graph.body.lines().count(),
        4,
        "three members and one role node"
    );
    let missing = send(&s, get("/queries/nope", None)).await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
}

#[test]
fn a_real_server_answers_a_form_post_on_loopback() {
    use std::io::{Read, Write};
    let server = RealServer::start(state(Limits::default()));
    let addr = server.addr;
    // The request shape of SPARQLWrapper and similar clients.
    let body = encode(NAMES);
    let request = format!(
        "POST /sparql HTTP/1.1\r\nHost: {addr}\r\nAccept: application/sparql-results+json\r\n\
         Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    let mut stream = std::net::TcpStream::connect(addr).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    stream.write_all(request.as_bytes()).unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    assert!(response.starts_with("HTTP/1.1 200 OK"), "{response}");
    assert!(response.contains("\"Parent Association\""), "{response}");
    server.stop();
}

#[test]
fn a_client_that_sends_its_headers_too_slowly_is_disconnected() {
    use std::io::{Read, Write};
    let server = RealServer::start(state(Limits {
        header_timeout: Duration::from_millis(300),
        ..Limits::default()
    }));
    let addr = server.addr;
    let mut stream = std::net::TcpStream::connect(addr).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let start = Instant::now();
    stream
        .write_all(b"GET /sparql HTTP/1.1\r\nHost: x\r\n")
        .unwrap();
    let mut rest = Vec::new();
    // The server closes the connection (after a 408 or without a word).
    let read = stream.read_to_end(&mut rest);
    assert!(
        read.is_ok(),
        "the server kept the connection open: {read:?}"
    );
    assert!(
        start.elapsed() < Duration::from_secs(5),
        "{:?}",
        start.elapsed()
    );
    let text = String::from_utf8_lossy(&rest);
    assert!(
        text.is_empty() || text.starts_with("HTTP/1.1 408"),
        "{text}"
    );

    // A connection that never sends a byte is closed too.
    let mut idle = std::net::TcpStream::connect(addr).unwrap();
    idle.set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let start = Instant::now();
    let mut buf = Vec::new();
    assert!(
        idle.read_to_end(&mut buf).is_ok(),
        "the idle connection was kept"
    );
    assert!(start.elapsed() < Duration::from_secs(5));

    // And so is a keep-alive connection left idle after an answer.
    let mut kept = std::net::TcpStream::connect(addr).unwrap();
    kept.set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    kept.write_all(b"GET /queries HTTP/1.1\r\nHost: x\r\nAccept: application/json\r\n\r\n")
        .unwrap();
    let start = Instant::now();
    let mut answer = Vec::new();
    assert!(
        kept.read_to_end(&mut answer).is_ok(),
        "the keep-alive connection was kept"
    );
    assert!(String::from_utf8_lossy(&answer).starts_with("HTTP/1.1 200"));
    assert!(start.elapsed() < Duration::from_secs(5));
    server.stop();
}

#[tokio::test]
async fn watch_swaps_in_changed_data_and_keeps_the_old_on_errors() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    std::fs::create_dir_all(data.join("more")).unwrap();
    for f in ["dataset.yaml", "orgs.yaml", "more/regional.yml"] {
        std::fs::copy(root.join("valid/data").join(f), data.join(f)).unwrap();
    }
    let queries = tmp.path().join("queries");
    std::fs::create_dir(&queries).unwrap();
    let source = source::load(&data, SourceLimits::default()).unwrap();
    let s = Arc::new(AppState::new(
        store::load(&source, vec![]).unwrap(),
        Limits::default(),
    ));
    let first = s.snapshot().version.clone();
    // The command's own reload, counted: a change not swapped in is
    // checked once the watcher has tried it, not after a guessed sleep.
    let cli = orgdir::cli::Cli::parse_from([
        "orgdir".as_ref(),
        "--data".as_ref(),
        data.as_os_str(),
        "serve".as_ref(),
        "--queries".as_ref(),
        queries.as_os_str(),
        "--watch".as_ref(),
    ] as [&std::ffi::OsStr; 7]);
    let orgdir::config::Task::Serve(options) = orgdir::config::Config::from(cli).task else {
        panic!("a serve command");
    };
    let mut watching = orgdir::commands::serve::watch_options(&options);
    let tries = Arc::new(AtomicUsize::new(0));
    let (reload, counted) = (Arc::clone(&watching.reload), Arc::clone(&tries));
    watching.reload = Arc::new(move || {
        let result = reload();
        counted.fetch_add(1, Ordering::SeqCst);
        result
    });
    watching.interval = Duration::from_millis(50);
    let watcher = tokio::spawn(orgdir::server::watch(Arc::clone(&s), watching));
    let tried_again = |since: usize| {
        let tries = Arc::clone(&tries);
        async move {
            let deadline = Instant::now() + Duration::from_secs(10);
            while tries.load(Ordering::SeqCst) <= since {
                assert!(
                    Instant::now() < deadline,
                    "the watcher never tried the change"
                );
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        }
    };
    let wait_for = |want: usize| {
        let s = Arc::clone(&s);
        async move {
            let deadline = Instant::now() + Duration::from_secs(10);
            while s.snapshot().organizations != want {
                assert!(
                    Instant::now() < deadline,
                    "no reload to {want} organizations"
                );
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        }
    };
    let names = |s: &Arc<AppState>| {
        let s = Arc::clone(s);
        async move {
            send(
                &s,
                get(&format!("/sparql?{}", encode(NAMES)), Some("text/csv")),
            )
            .await
            .body
        }
    };
    assert_eq!(names(&s).await.lines().count(), 4);

    std::fs::write(
        data.join("added.yaml"),
        "- id: added\n  name: Added Later\n  category: regional\n",
    )
    .unwrap();
    wait_for(4).await;
    assert_ne!(s.snapshot().version, first);
    assert!(
        names(&s).await.contains("Added Later"),
        "the new data is served"
    );
    // The name index is rebuilt with it.
    let found = send(&s, get("/search?q=added%20later&format=json", None)).await;
    assert!(
        found.body.contains("\"name\":\"Added Later\""),
        "{}",
        found.body
    );

    // A broken change is not swapped in.
    let before = s.snapshot().version.clone();
    let since = tries.load(Ordering::SeqCst);
    std::fs::write(data.join("added.yaml"), "- id: added\n  name: [broken\n").unwrap();
    tried_again(since).await;
    assert_eq!(s.snapshot().version, before);
    assert!(
        names(&s).await.contains("Added Later"),
        "the previous data is still served"
    );

    // Nor is a change that loads but violates a shape (a membership of itself).
    let since = tries.load(Ordering::SeqCst);
    std::fs::write(
        data.join("added.yaml"),
        "- id: added\n  name: Added Later\n  category: regional\n  memberOf: [added]\n",
    )
    .unwrap();
    tried_again(since).await;
    assert_eq!(s.snapshot().version, before);

    // Named queries are watched too.
    std::fs::write(data.join("added.yaml"), "").unwrap();
    std::fs::remove_file(data.join("added.yaml")).unwrap();
    std::fs::write(
        queries.join("names.rq"),
        format!("# title: Names\n{NAMES}\n"),
    )
    .unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    while s.snapshot().queries.len() != 1 || s.snapshot().organizations != 3 {
        assert!(Instant::now() < deadline, "no reload of the queries");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    watcher.abort();
}
