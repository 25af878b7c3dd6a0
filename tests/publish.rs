//! `orgdir publish`: against a mock Graph Store on 127.0.0.1 for the
//! protocol's failure cases (refusals, retries, a store that loses triples),
//! and against a real Oxigraph server for both methods (ignored: `.ci/run`
//! installs `oxigraph` from PyPI, starts it and sets ORGDIR_TEST_OXIGRAPH).

use std::collections::{BTreeSet, HashMap};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};

mod common;

/// A Graph Store that keeps each PUT body (and appends each POST body),
/// answering as configured.
#[derive(Default)]
struct Store {
    graphs: Mutex<HashMap<String, Vec<u8>>>,
    puts: AtomicUsize,
    /// Each PUT or POST stored: its method, number of lines and of subjects.
    stored: Mutex<Vec<(Method, usize, usize)>>,
    /// Answer 503 to this many PUTs first.
    fail_first: usize,
    /// Answer 503 to the second POST once.
    fail_a_post: bool,
    posts: AtomicUsize,
    /// Answer every request with this status.
    always: Option<u16>,
    /// Keep all but this many lines of each PUT.
    lose_lines: usize,
    /// Change the first literal's text (same count, other triples).
    alter: bool,
    authorizations: Mutex<Vec<String>>,
    /// Hold each PUT and POST this long before answering (so that requests
    /// sent together overlap).
    delay: Option<std::time::Duration>,
    /// PUTs and POSTs being answered now, and the most at once.
    in_flight: AtomicUsize,
    most_in_flight: AtomicUsize,
    /// PUTs being answered now.
    putting: AtomicUsize,
    /// POSTs that arrived while a PUT was being answered.
    posts_during_a_put: AtomicUsize,
}

/// Counts a request in `counter` until dropped.
struct Flying<'a>(&'a AtomicUsize);

impl<'a> Flying<'a> {
    /// Returns the guard and how many are counted now, this one included.
    fn start(counter: &'a AtomicUsize) -> (Flying<'a>, usize) {
        let now = counter.fetch_add(1, Ordering::SeqCst) + 1;
        (Flying(counter), now)
    }
}

impl Drop for Flying<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

async fn graph_store(
    State(store): State<Arc<Store>>,
    Query(params): Query<HashMap<String, String>>,
    method: Method,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if let Some(a) = headers.get(header::AUTHORIZATION) {
        store
            .authorizations
            .lock()
            .unwrap()
            .push(a.to_str().unwrap().to_owned());
    }
    if let Some(status) = store.always {
        return StatusCode::from_u16(status).unwrap().into_response();
    }
    let graph = params.get("graph").cloned().unwrap_or_default();
    let _flying = matches!(method, Method::PUT | Method::POST).then(|| {
        let (guard, now) = Flying::start(&store.in_flight);
        store.most_in_flight.fetch_max(now, Ordering::SeqCst);
        guard
    });
    match method {
        Method::PUT => {
            let _putting = Flying::start(&store.putting);
            if let Some(delay) = store.delay {
                tokio::time::sleep(delay).await;
            }
            assert_eq!(
                headers[header::CONTENT_TYPE],
                "application/n-triples",
                "PUT as N-Triples"
            );
            if store.puts.fetch_add(1, Ordering::SeqCst) < store.fail_first {
                return (StatusCode::SERVICE_UNAVAILABLE, "warming up").into_response();
            }
            let text = String::from_utf8(body.to_vec()).unwrap();
            let mut lines: Vec<&str> = text.lines().collect();
            lines.truncate(lines.len() - store.lose_lines);
            let mut kept = lines.join("\n") + "\n";
            if store.alter {
                kept = kept.replacen("\"Child Division\"", "\"Child Divison\"", 1);
            }
            store
                .stored
                .lock()
                .unwrap()
                .push((Method::PUT, text.lines().count(), subjects(&body)));
            store
                .graphs
                .lock()
                .unwrap()
                .insert(graph, kept.into_bytes());
            StatusCode::NO_CONTENT.into_response()
        }
        Method::POST => {
            assert_eq!(headers[header::CONTENT_TYPE], "application/n-triples");
            if store.putting.load(Ordering::SeqCst) > 0 {
                store.posts_during_a_put.fetch_add(1, Ordering::SeqCst);
            }
            if let Some(delay) = store.delay {
                tokio::time::sleep(delay).await;
            }
            if store.posts.fetch_add(1, Ordering::SeqCst) == 1 && store.fail_a_post {
                return (StatusCode::SERVICE_UNAVAILABLE, "busy").into_response();
            }
            store.stored.lock().unwrap().push((
                Method::POST,
                String::from_utf8_lossy(&body).lines().count(),
                subjects(&body),
            ));
            let mut graphs = store.graphs.lock().unwrap();
            graphs.entry(graph).or_default().extend_from_slice(&body);
            StatusCode::NO_CONTENT.into_response()
        }
        Method::GET => match store.graphs.lock().unwrap().get(&graph) {
            Some(body) => (
                [(header::CONTENT_TYPE, "application/n-triples")],
                body.clone(),
            )
                .into_response(),
            None => StatusCode::NOT_FOUND.into_response(),
        },
        _ => StatusCode::METHOD_NOT_ALLOWED.into_response(),
    }
}

/// The distinct subjects of an N-Triples body.
fn subjects(body: &[u8]) -> usize {
    String::from_utf8_lossy(body)
        .lines()
        .filter_map(|l| l.split_whitespace().next())
        .collect::<BTreeSet<_>>()
        .len()
}

struct MockStore {
    addr: SocketAddr,
    store: Arc<Store>,
    _runtime: tokio::runtime::Runtime,
}

impl MockStore {
    fn start(store: Store) -> MockStore {
        Self::serve(store, false)
    }

    /// A store that asks for HTTP Digest as Virtuoso's `-auth` endpoints do
    /// (the challenge copied from Virtuoso 7.2), for user `editor` with the
    /// password `secret`, and checks each answer.
    fn with_digest(store: Store) -> MockStore {
        Self::serve(store, true)
    }

    fn serve(store: Store, digest: bool) -> MockStore {
        let store = Arc::new(store);
        let mut app = Router::new()
            .route("/store", axum::routing::any(graph_store))
            .with_state(Arc::clone(&store));
        if digest {
            app = app.layer(axum::middleware::from_fn(digest_guard));
        }
        let (addr, runtime) = common::mock(app);
        MockStore {
            addr,
            store,
            _runtime: runtime,
        }
    }

    fn endpoint(&self) -> String {
        format!("http://{}/store", self.addr)
    }
}

async fn digest_guard(request: axum::extract::Request, next: axum::middleware::Next) -> Response {
    let challenge = || {
        (
            StatusCode::UNAUTHORIZED,
            [(
                header::WWW_AUTHENTICATE,
                r#"Digest realm="SPARQL", domain="/store", nonce="0b874352ba67ac52537d2a3cf54adb68", opaque="5ebe2294ecd0e0f08eab7690d2a6ee69", stale="false", qop="auth", algorithm="MD5""#,
            )],
        )
            .into_response()
    };
    let Some(value) = request
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
    else {
        return challenge();
    };
    let Ok(mut sent) = digest_auth::AuthorizationHeader::parse(value.trim_start_matches("Digest "))
        .or_else(|_| digest_auth::AuthorizationHeader::parse(value))
    else {
        return challenge();
    };
    // The answer covers this request: its method and its path with the query.
    let asked = request.uri().path_and_query().unwrap().as_str().to_owned();
    let claimed = sent.response.clone();
    let context = digest_auth::AuthContext::new_with_method(
        sent.username.clone(),
        "secret",
        asked,
        None::<&[u8]>,
        request.method().as_str().into(),
    );
    sent.digest(&context);
    if sent.response != claimed || sent.nonce != "0b874352ba67ac52537d2a3cf54adb68" {
        return challenge();
    }
    next.run(request).await
}

fn fixture_data() -> PathBuf {
    common::fixtures().join("valid/data")
}

/// `orgdir publish` with short waits (a `--timeout` in `args` replaces 20 s).
fn publish(data: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_orgdir"));
    command
        .arg("--data")
        .arg(data)
        .args(["publish", "--retry-wait", "0.01"]);
    if !args.contains(&"--timeout") {
        command.args(["--timeout", "20"]);
    }
    command.args(args).env("ORGDIR_CACHE_DIR", "");
    for (k, v) in env {
        command.env(k, v);
    }
    command.output().unwrap()
}

/// The fixture published as user `editor` with the password `secret` from
/// the environment.
fn publish_as_editor(endpoint: &str, extra: &[&str], secret: &str) -> Output {
    let mut args = vec![
        "--endpoint",
        endpoint,
        "--user",
        "editor",
        "--password-env",
        "ORGDIR_TEST_PASSWORD",
    ];
    args.extend_from_slice(extra);
    publish(&fixture_data(), &args, &[("ORGDIR_TEST_PASSWORD", secret)])
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// The lines of `orgdir build`'s orgs.nt for `data`: the graph as built.
fn built_lines(data: &Path) -> BTreeSet<String> {
    let out_dir = tempfile::tempdir().unwrap();
    let dist = out_dir.path().join("dist");
    let out = Command::new(env!("CARGO_BIN_EXE_orgdir"))
        .arg("--data")
        .arg(data)
        .args(["-q", "build", "--out"])
        .arg(&dist)
        .env("ORGDIR_CACHE_DIR", "")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    std::fs::read_to_string(dist.join("orgs.nt"))
        .unwrap()
        .lines()
        .map(str::to_owned)
        .collect()
}

fn lines_of(bytes: &[u8]) -> BTreeSet<String> {
    String::from_utf8_lossy(bytes)
        .lines()
        .filter(|l| !l.is_empty())
        .map(str::to_owned)
        .collect()
}

#[test]
fn a_put_that_meets_5xx_is_retried_and_the_graph_checked() {
    let mock = MockStore::start(Store {
        fail_first: 2,
        ..Store::default()
    });
    let out = publish(
        &fixture_data(),
        &["--endpoint", &mock.endpoint(), "--verify"],
        &[],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        mock.store.puts.load(Ordering::SeqCst),
        3,
        "two 503s, then the PUT"
    );
    let graphs = mock.store.graphs.lock().unwrap();
    let (graph, body) = graphs.iter().next().expect("a graph was stored");
    assert_eq!(graphs.len(), 1);
    assert!(
        graph.ends_with("/dataset/fixture"),
        "the dataset IRI: {graph}"
    );
    assert_eq!(lines_of(body), built_lines(&fixture_data()));
    let err = stderr(&out);
    assert!(err.contains("retrying"), "{err}");
    assert!(err.contains("canonical hash"), "{err}");
}

#[test]
fn digest_authentication_answers_the_stores_challenge() {
    let mock = MockStore::with_digest(Store::default());
    let out = publish_as_editor(&mock.endpoint(), &["--digest", "--verify"], "secret");
    assert!(out.status.success(), "{}", stderr(&out));
    let graphs = mock.store.graphs.lock().unwrap();
    assert_eq!(
        lines_of(graphs.values().next().unwrap()),
        built_lines(&fixture_data())
    );
    // Every request that reached the store answered the challenge, one
    // nonce count after another: nothing was sent as Basic.
    let seen = mock.store.authorizations.lock().unwrap().clone();
    assert!(seen.len() >= 2, "{seen:?}");
    for (i, a) in seen.iter().enumerate() {
        assert!(a.starts_with("Digest ") && !a.contains("secret"), "{a}");
        assert!(a.contains(&format!("nc={:08x}", i + 1)), "{i}: {a}");
    }
    drop(graphs);

    // A wrong password, as Digest or first as Basic: refused, said so.
    for extra in [&["--digest"][..], &[][..]] {
        let mock = MockStore::with_digest(Store::default());
        let out = publish_as_editor(&mock.endpoint(), extra, "wrong");
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(2), "{err}");
        assert!(err.contains("refused it (401)"), "{err}");
        assert!(!err.contains("wrong"), "{err}");
        assert!(mock.store.graphs.lock().unwrap().is_empty());
    }
    // A user without --digest is sent as Basic, and answers Digest from the
    // store's first challenge, which offers nothing else.
    let mock = MockStore::with_digest(Store::default());
    let out = publish_as_editor(&mock.endpoint(), &["--verify"], "secret");
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        lines_of(mock.store.graphs.lock().unwrap().values().next().unwrap()),
        built_lines(&fixture_data())
    );
    let seen = mock.store.authorizations.lock().unwrap().clone();
    assert!(seen.iter().all(|a| a.starts_with("Digest ")), "{seen:?}");
}

#[test]
fn gsp_batches_put_the_first_batch_and_post_the_rest() {
    let mock = MockStore::start(Store {
        fail_a_post: true,
        ..Store::default()
    });
    let (changed_dir, fixture) = (tempfile::tempdir().unwrap(), fixture_data());
    let changed = changed_data(changed_dir.path());
    // The store holds another graph first: the batches replace it.
    let out = publish(&changed, &["--endpoint", &mock.endpoint()], &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    mock.store.stored.lock().unwrap().clear();

    let args = ["--endpoint", &mock.endpoint(), "--method", "gsp-batches"];
    let out = publish(&fixture, &[&args[..], &["--batch-size", "7"]].concat(), &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    let built = built_lines(&fixture);
    let graphs = mock.store.graphs.lock().unwrap();
    let (_, body) = graphs.iter().next().unwrap();
    assert_eq!(lines_of(body), built, "PUT then POSTs: the build's graph");
    assert_eq!(
        String::from_utf8_lossy(body).lines().count(),
        built.len(),
        "no batch was sent twice, though one POST was retried"
    );
    let stored = mock.store.stored.lock().unwrap().clone();
    assert!(stored.len() > 2, "{stored:?}");
    assert_eq!(stored[0].0, Method::PUT, "{stored:?}");
    assert!(
        stored[1..].iter().all(|(m, _, _)| m == Method::POST),
        "{stored:?}"
    );
    // Whole descriptions, at most 7 triples, but for a description that has
    // more, which goes alone; and as full as the next description allows.
    assert!(
        stored
            .iter()
            .all(|&(_, n, s)| (1..=7).contains(&n) || s == 1),
        "{stored:?}"
    );
    assert!(
        stored.iter().any(|&(_, n, s)| n <= 7 && s > 1),
        "{stored:?}"
    );
    let err = stderr(&out);
    assert!(err.contains("retrying"), "{err}");
    assert!(
        err.contains(&format!(
            "Graph Store PUT and POSTs, {} requests",
            stored.len()
        )),
        "{err}"
    );
}

#[test]
fn gsp_batches_keep_as_many_posts_in_flight_as_asked_after_the_put() {
    let mock = MockStore::start(Store {
        delay: Some(std::time::Duration::from_millis(40)),
        ..Store::default()
    });
    let fixture = fixture_data();
    let built = built_lines(&fixture);
    for in_flight in [1, 3] {
        mock.store.most_in_flight.store(0, Ordering::SeqCst);
        mock.store.graphs.lock().unwrap().clear();
        let endpoint = mock.endpoint();
        let n = in_flight.to_string();
        let args = [
            "--endpoint",
            &endpoint,
            "--method",
            "gsp-batches",
            "--batch-size",
            "7",
            "--in-flight",
            &n,
        ];
        let out = publish(&fixture, &args, &[]);
        assert!(out.status.success(), "{}", stderr(&out));
        let graphs = mock.store.graphs.lock().unwrap();
        let (_, body) = graphs.iter().next().unwrap();
        assert_eq!(lines_of(body), built, "--in-flight {n}: the build's graph");
        assert_eq!(String::from_utf8_lossy(body).lines().count(), built.len());
        assert_eq!(
            mock.store.most_in_flight.load(Ordering::SeqCst),
            in_flight,
            "--in-flight {n}: requests at once"
        );
    }
    assert_eq!(
        mock.store.posts_during_a_put.load(Ordering::SeqCst),
        0,
        "the PUT is answered before the first POST is sent"
    );
    let out = publish(
        &fixture,
        &["--endpoint", "http://127.0.0.1:9/store", "--in-flight", "0"],
        &[],
    );
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
}

/// A listener that leaves its first connection unaccepted for `stall`, with
/// a receive buffer of a few kB: the client's body fills it, and then the
/// connection stands still, as with a store that stops reading while it
/// clears the old graph.
struct StallingListener {
    inner: tokio::net::TcpListener,
    stall: Option<std::time::Duration>,
}

impl axum::serve::Listener for StallingListener {
    type Io = tokio::net::TcpStream;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        if let Some(stall) = self.stall.take() {
            tokio::time::sleep(stall).await;
        }
        loop {
            if let Ok(accepted) = self.inner.accept().await {
                return accepted;
            }
        }
    }

    fn local_addr(&self) -> std::io::Result<SocketAddr> {
        self.inner.local_addr()
    }
}

#[test]
fn a_store_that_stops_reading_for_a_while_is_waited_for() {
    // reqwest cuts a connection whose data stays unacknowledged for 30 s
    // (TCP_USER_TIMEOUT) unless told otherwise; --timeout is the limit.
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("synth");
    let options = orgdir::synth::SynthOptions {
        records: 5000,
        ..Default::default()
    };
    orgdir::synth::write(&data, &options).unwrap();
    let store = Arc::new(Store::default());
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let listener = runtime.block_on(async {
        let socket = tokio::net::TcpSocket::new_v4().unwrap();
        socket.set_recv_buffer_size(4096).unwrap();
        socket.bind("127.0.0.1:0".parse().unwrap()).unwrap();
        socket.listen(8).unwrap()
    });
    let addr = listener.local_addr().unwrap();
    let app = Router::new()
        .route("/store", axum::routing::any(graph_store))
        .layer(axum::extract::DefaultBodyLimit::disable())
        .with_state(Arc::clone(&store));
    let stalling = StallingListener {
        inner: listener,
        stall: Some(std::time::Duration::from_secs(40)),
    };
    runtime.spawn(async move { axum::serve(stalling, app).await.unwrap() });

    let endpoint = format!("http://{addr}/store");
    let args = [
        "--timeout",
        "120",
        "--retries",
        "0",
        "--endpoint",
        &endpoint,
    ];
    let out = publish(&data, &args, &[]);
    let err = stderr(&out);
    assert!(out.status.success(), "{err}");
    // A log (stderr is a pipe here) hears of the long upload: its step when
    // the run passes 2 s, and again every 10 s while the store stalls.
    let step = format!("orgdir publish: sending the graph to {endpoint} (");
    assert!(err.matches(&step).count() >= 2, "{err}");
    assert_eq!(store.puts.load(Ordering::SeqCst), 1);
    let graphs = store.graphs.lock().unwrap();
    let body = graphs.values().next().unwrap();
    assert!(
        body.len() > 8 << 20,
        "the body outgrew the sockets' buffers"
    );
    assert_eq!(lines_of(body), built_lines(&data));
}

#[test]
fn the_graph_option_names_the_graph() {
    let mock = MockStore::start(Store::default());
    let out = publish(
        &fixture_data(),
        &["--endpoint", &mock.endpoint(), "--graph", "urn:x:g"],
        &[],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(mock.store.graphs.lock().unwrap().contains_key("urn:x:g"));

    let out = publish(
        &fixture_data(),
        &["--endpoint", &mock.endpoint(), "--graph", "not an iri"],
        &[],
    );
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("--graph `not an iri` is not an IRI"));
}

/// `orgdir build --release VERSION` of `data` into `out`; the release's directory.
fn release(data: &Path, out: &Path, version: &str) -> PathBuf {
    let built = Command::new(env!("CARGO_BIN_EXE_orgdir"))
        .arg("--data")
        .arg(data)
        .args(["-q", "build", "--release", version, "--out"])
        .arg(out)
        .env("ORGDIR_CACHE_DIR", "")
        .output()
        .unwrap();
    assert!(built.status.success(), "{}", stderr(&built));
    out.join(version)
}

#[test]
fn a_release_is_published_as_it_was_built_and_a_damaged_one_is_not() {
    let mock = MockStore::start(Store::default());
    let dir = tempfile::tempdir().unwrap();
    let first = release(&fixture_data(), dir.path(), "1.0");
    let changed = changed_data(dir.path());
    let second = release(&changed, &dir.path().join("releases"), "2.0");
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(second.join("release.json")).unwrap()).unwrap();
    // Another release first: the next one replaces it, in batches of whole
    // descriptions read from its orgs.nt.
    let out = publish(
        &fixture_data(),
        &[
            "--release",
            first.to_str().unwrap(),
            "--endpoint",
            &mock.endpoint(),
        ],
        &[],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    mock.store.stored.lock().unwrap().clear();
    let out = publish(
        // No --data: a release needs none.
        Path::new("/nonexistent"),
        &[
            "--release",
            second.to_str().unwrap(),
            "--endpoint",
            &mock.endpoint(),
            "--method",
            "gsp-batches",
            "--batch-size",
            "7",
            "--verify",
        ],
        &[],
    );
    let err = stderr(&out);
    assert!(out.status.success(), "{err}");
    assert!(err.contains("of release 2.0 into"), "{err}");
    assert!(
        err.contains(manifest["canonical_hash"].as_str().unwrap()),
        "the remote graph has the release's canonical hash: {err}"
    );
    let graphs = mock.store.graphs.lock().unwrap();
    assert_eq!(graphs.len(), 1, "the dataset's graph, replaced");
    let (graph, body) = graphs.iter().next().unwrap();
    assert!(graph.contains("/dataset/"), "{graph}");
    assert_eq!(
        lines_of(body),
        lines_of(&std::fs::read(second.join("orgs.nt")).unwrap()),
        "exactly the release's orgs.nt"
    );
    let stored = mock.store.stored.lock().unwrap().clone();
    assert!(stored.len() > 2, "{stored:?}");
    assert!(
        stored
            .iter()
            .all(|&(_, n, s)| (1..=7).contains(&n) || s == 1),
        "{stored:?}"
    );
    drop(graphs);

    // A release whose orgs.nt changed since it was built is refused.
    let nt = second.join("orgs.nt");
    let text = std::fs::read_to_string(&nt).unwrap();
    std::fs::write(
        &nt,
        text.replacen("Parent Association", "Parent Asociation", 1),
    )
    .unwrap();
    // So is a directory that holds no release.
    for (refused, expected) in [
        (second.as_path(), "changed since `build --release` wrote it"),
        (dir.path(), "not a release of `orgdir build --release`"),
    ] {
        let out = publish(
            Path::new("/nonexistent"),
            &[
                "--release",
                refused.to_str().unwrap(),
                "--endpoint",
                &mock.endpoint(),
            ],
            &[],
        );
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(2), "{err}");
        assert!(err.contains(expected), "{err}");
    }
}

#[test]
fn refusals_say_what_to_do_and_never_show_the_secret() {
    let secret = "s3cret-Pa55word";
    for (status, expected) in [
        (401, "refused it (401)"),
        (403, "refused it (403)"),
        (404, "answered 404 Not Found; check the endpoint's path"),
        (400, "answered 400"),
    ] {
        let mock = MockStore::start(Store {
            always: Some(status),
            ..Store::default()
        });
        let out = publish_as_editor(&mock.endpoint(), &[], secret);
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(2), "{status}: {err}");
        assert!(err.contains(expected), "{status}: {err}");
        assert!(!err.contains(secret), "{err}");
        assert_eq!(
            mock.store.puts.load(Ordering::SeqCst),
            0,
            "a refusal is not retried"
        );
        let sent = mock.store.authorizations.lock().unwrap().clone();
        assert_eq!(sent.len(), 1, "one attempt: {sent:?}");
        // Basic base64("editor:s3cret-Pa55word")
        assert_eq!(sent[0], "Basic ZWRpdG9yOnMzY3JldC1QYTU1d29yZA==");
    }

    let mock = MockStore::start(Store::default());
    let out = publish(
        &fixture_data(),
        &[
            "--endpoint",
            &mock.endpoint(),
            "--bearer-env",
            "ORGDIR_TEST_TOKEN",
        ],
        &[("ORGDIR_TEST_TOKEN", "tok-123")],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        mock.store
            .authorizations
            .lock()
            .unwrap()
            .iter()
            .all(|a| a == "Bearer tok-123")
    );
}

#[test]
fn credentials_come_from_the_environment_only() {
    let mock = MockStore::start(Store::default());
    let url = format!("http://editor:hunter2@{}/store", mock.addr);
    let out = publish(&fixture_data(), &["--endpoint", &url], &[]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("holds a password"), "{err}");
    assert!(!err.contains("hunter2"), "{err}");

    let out = publish(
        &fixture_data(),
        &[
            "--endpoint",
            &mock.endpoint(),
            "--bearer-env",
            "ORGDIR_TEST_UNSET_VARIABLE",
        ],
        &[],
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("ORGDIR_TEST_UNSET_VARIABLE is not set"));
    assert_eq!(mock.store.puts.load(Ordering::SeqCst), 0);
}

#[test]
fn a_store_that_loses_or_changes_triples_fails_the_check() {
    let mock = MockStore::start(Store {
        lose_lines: 3,
        ..Store::default()
    });
    let out = publish(&fixture_data(), &["--endpoint", &mock.endpoint()], &[]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("(3 missing)"), "{err}");
    assert!(err.contains("publish again to repair it"), "{err}");

    // Same count, one literal changed: only --verify sees it, and names it.
    let mock = MockStore::start(Store {
        alter: true,
        ..Store::default()
    });
    let out = publish(&fixture_data(), &["--endpoint", &mock.endpoint()], &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    let out = publish(
        &fixture_data(),
        &["--endpoint", &mock.endpoint(), "--verify"],
        &[],
    );
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains("but 1 of the build's are not among them"),
        "{err}"
    );
    assert!(
        err.contains("missing: <https://data.example.org/org/child> <http://schema.org/name> \"Child Division\" ."),
        "{err}"
    );
}

#[test]
fn an_unreachable_store_fails_after_the_retries() {
    // A port nothing listens on: bound, then closed.
    let addr = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let out = publish(
        &fixture_data(),
        &[
            "--endpoint",
            &format!("http://{addr}/store"),
            "--retries",
            "2",
        ],
        &[],
    );
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains("failed after 3 attempts: cannot connect"),
        "{err}"
    );
}

// ---- against a real Oxigraph server ----

/// The Oxigraph server `.ci/run` started.
fn oxigraph() -> String {
    std::env::var("ORGDIR_TEST_OXIGRAPH").expect(
        "ORGDIR_TEST_OXIGRAPH=http://127.0.0.1:PORT, an `oxigraph serve` (pip install oxigraph)",
    )
}

/// The remote graph's lines, read with curl-like plainness (not orgdir's reader).
fn remote_lines(server: &str, graph: &str) -> BTreeSet<String> {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let response = reqwest::Client::new()
            .get(format!("{server}/store"))
            .query(&[("graph", graph)])
            .header(header::ACCEPT, "application/n-triples")
            .send()
            .await
            .unwrap();
        if response.status() == StatusCode::NOT_FOUND {
            return BTreeSet::new();
        }
        assert!(response.status().is_success());
        lines_of(&response.bytes().await.unwrap())
    })
}

fn remote_graphs(server: &str) -> Vec<String> {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let text = reqwest::Client::new()
            .post(format!("{server}/query"))
            .header(header::CONTENT_TYPE, "application/sparql-query")
            .header(header::ACCEPT, "text/csv")
            .body("SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }")
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        text.lines().skip(1).map(|l| l.trim().to_owned()).collect()
    })
}

/// The fixture, changed: one organization renamed, one removed.
fn changed_data(dir: &Path) -> PathBuf {
    let data = dir.join("data");
    std::fs::create_dir_all(&data).unwrap();
    std::fs::copy(
        fixture_data().join("dataset.yaml"),
        data.join("dataset.yaml"),
    )
    .unwrap();
    // Every record is kept (a release refuses to drop an IRI), `more/` too.
    std::fs::create_dir_all(data.join("more")).unwrap();
    std::fs::copy(
        fixture_data().join("more/regional.yml"),
        data.join("more/regional.yml"),
    )
    .unwrap();
    let orgs = std::fs::read_to_string(fixture_data().join("orgs.yaml")).unwrap();
    std::fs::write(
        data.join("orgs.yaml"),
        orgs.replace(
            "name: Parent Association",
            "name: Parent Association, renamed",
        ),
    )
    .unwrap();
    data
}

/// Publishes the fixture, then the changed fixture, with `args`; after each,
/// the remote graph must be exactly the build's.
fn publish_twice(method: &[&str], endpoint: &str, graph: &str) {
    let server = oxigraph();
    let endpoint = format!("{server}{endpoint}");
    let dir = tempfile::tempdir().unwrap();
    let changed = changed_data(dir.path());
    for data in [fixture_data(), changed] {
        let mut args = vec!["--endpoint", &endpoint, "--graph", graph, "--verify"];
        args.extend(method);
        let out = publish(&data, &args, &[]);
        assert!(out.status.success(), "{}", stderr(&out));
        assert_eq!(
            remote_lines(&server, graph),
            built_lines(&data),
            "the remote graph is the build's, replaced, not added to"
        );
    }
    assert!(
        !remote_graphs(&server).contains(&staging_graph(graph)),
        "no staging graph is left"
    );
}

/// The staging graph `--method update` fills for `graph` (as
/// src/publish/mod.rs names it). The tests share one server and run at once,
/// so each looks only for its own graph's staging graph.
fn staging_graph(graph: &str) -> String {
    use sha2::{Digest, Sha256};
    let digest = Sha256::digest(graph.as_bytes());
    let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    format!("urn:orgdir:staging:{}", &hex[..32])
}

#[test]
#[ignore = "needs an Oxigraph server: ORGDIR_TEST_OXIGRAPH (run by .ci/run)"]
fn oxigraph_graph_store_put_replaces_the_graph() {
    publish_twice(&[], "/store", "urn:orgdir:test:gsp");
}

#[test]
#[ignore = "needs an Oxigraph server: ORGDIR_TEST_OXIGRAPH (run by .ci/run)"]
fn oxigraph_graph_store_batches_replace_the_graph() {
    // The preset: the server's base URL, /store added.
    publish_twice(
        &[
            "--store-kind",
            "oxigraph",
            "--method",
            "gsp-batches",
            "--batch-size",
            "7",
        ],
        "",
        "urn:orgdir:test:gsp-batches",
    );
}

#[test]
#[ignore = "needs an Oxigraph server: ORGDIR_TEST_OXIGRAPH (run by .ci/run)"]
fn oxigraph_sparql_update_replaces_the_graph_in_batches() {
    publish_twice(
        &["--method", "update", "--batch-size", "7"],
        "/update",
        "urn:orgdir:test:update",
    );
}

/// A TCP proxy to `upstream` that passes `budget` bytes of requests in all,
/// then cuts every connection: a store that dies mid-upload.
fn dying_proxy(upstream: SocketAddr, budget: usize) -> (SocketAddr, tokio::runtime::Runtime) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let listener = runtime
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .unwrap();
    let addr = listener.local_addr().unwrap();
    let left = Arc::new(AtomicUsize::new(budget));
    runtime.spawn(async move {
        loop {
            let (client, _) = listener.accept().await.unwrap();
            let left = Arc::clone(&left);
            tokio::spawn(async move {
                let server = tokio::net::TcpStream::connect(upstream).await.unwrap();
                let (mut client_read, mut client_write) = client.into_split();
                let (mut server_read, mut server_write) = server.into_split();
                let back = tokio::spawn(async move {
                    let _ = tokio::io::copy(&mut server_read, &mut client_write).await;
                });
                let mut buf = vec![0; 8192];
                loop {
                    let n = match client_read.read(&mut buf).await {
                        Ok(0) | Err(_) => break,
                        Ok(n) => n,
                    };
                    let allowed = left
                        .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |l| {
                            Some(l.saturating_sub(n))
                        })
                        .unwrap()
                        .min(n);
                    if server_write.write_all(&buf[..allowed]).await.is_err() || allowed < n {
                        break;
                    }
                }
                // The store "dies": both sides of the connection are dropped.
                back.abort();
            });
        }
    });
    (addr, runtime)
}

fn server_addr(server: &str) -> SocketAddr {
    server
        .trim_start_matches("http://")
        .trim_end_matches('/')
        .parse()
        .unwrap()
}

#[test]
#[ignore = "needs an Oxigraph server: ORGDIR_TEST_OXIGRAPH (run by .ci/run)"]
fn a_store_dying_mid_upload_is_reported_and_the_next_publish_repairs_it() {
    let server = oxigraph();
    let dir = tempfile::tempdir().unwrap();
    let changed = changed_data(dir.path());
    for (method, path, graph, budget) in [
        ("gsp", "/store", "urn:orgdir:test:dying-gsp", 4000),
        (
            "gsp-batches",
            "/store",
            "urn:orgdir:test:dying-gsp-batches",
            4000,
        ),
        ("update", "/update", "urn:orgdir:test:dying-update", 6000),
    ] {
        let direct = format!("{server}{path}");
        let published = |data: &Path, endpoint: &str| {
            publish(
                data,
                &[
                    "--endpoint",
                    endpoint,
                    "--graph",
                    graph,
                    "--method",
                    method,
                    "--batch-size",
                    "10",
                    "--retries",
                    "1",
                ],
                &[],
            )
        };
        let out = published(&fixture_data(), &direct);
        assert!(out.status.success(), "{}", stderr(&out));
        let before = remote_lines(&server, graph);

        let (proxy, _runtime) = dying_proxy(server_addr(&server), budget);
        let out = published(&changed, &format!("http://{proxy}{path}"));
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(2), "{method}: {err}");
        assert!(err.contains("failed after 2 attempts"), "{method}: {err}");
        if method == "gsp-batches" {
            // The first batches arrived, the rest did not.
            let partial = remote_lines(&server, graph);
            assert!(!partial.is_empty() && partial.len() < built_lines(&changed).len());
        }
        if method == "update" {
            // Readers never saw a half graph: the batches went to staging.
            assert_eq!(remote_lines(&server, graph), before);
            assert!(
                remote_graphs(&server).contains(&staging_graph(graph)),
                "the failed run left its staging graph"
            );
        }

        let out = published(&changed, &direct);
        assert!(out.status.success(), "{method}: {}", stderr(&out));
        assert_eq!(remote_lines(&server, graph), built_lines(&changed));
    }
    let graphs = remote_graphs(&server);
    for graph in ["urn:orgdir:test:dying-gsp", "urn:orgdir:test:dying-update"] {
        assert!(
            !graphs.contains(&staging_graph(graph)),
            "the next publish dropped {graph}'s staging graph"
        );
    }
}

#[test]
fn an_endless_error_body_is_cut_and_echoed_credentials_are_not_shown() {
    // A store answering 500 with a body that never ends, which begins by
    // echoing the request's headers (credentials included).
    async fn endless(headers: axum::http::HeaderMap) -> axum::response::Response {
        let echoed = format!(
            "error; your request: authorization: {}\n",
            headers
                .get("authorization")
                .and_then(|v| v.to_str().ok())
                .unwrap_or("")
        );
        let first = futures_util::stream::once(async move {
            Ok::<_, std::io::Error>(axum::body::Bytes::from(echoed))
        });
        let rest = futures_util::stream::repeat_with(|| {
            Ok::<_, std::io::Error>(axum::body::Bytes::from(vec![b'x'; 1 << 16]))
        });
        axum::response::Response::builder()
            .status(500)
            .body(axum::body::Body::from_stream(
                futures_util::StreamExt::chain(first, rest),
            ))
            .unwrap()
    }
    let app = Router::new().route("/store", axum::routing::any(endless));
    let (addr, _runtime) = common::mock(app);
    let secret = "s3cret-Pa55word";
    let endpoint = format!("http://{addr}/store");
    let started = std::time::Instant::now();
    let out = publish_as_editor(&endpoint, &["--retries", "0"], secret);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        started.elapsed() < std::time::Duration::from_secs(15),
        "{err}"
    );
    assert!(err.contains("500"), "{err}");
    assert!(err.contains("authorization: Basic [redacted]"), "{err}");
    // Neither the password nor its Basic form ("editor:s3cret-Pa55word").
    assert!(!err.contains(secret), "{err}");
    assert!(!err.contains("ZWRpdG9yOnMzY3JldC1QYTU1d29yZA"), "{err}");
    assert!(err.len() < 4096, "{} bytes of error", err.len());
}

// ---- against a real Virtuoso ----

/// The Virtuoso `.ci/run` started: its HTTP base URL. Its `dba` password is
/// in ORGDIR_TEST_VIRTUOSO_PASSWORD, which orgdir reads with --password-env.
fn virtuoso() -> String {
    std::env::var("ORGDIR_TEST_VIRTUOSO").expect(
        "ORGDIR_TEST_VIRTUOSO=http://127.0.0.1:PORT, a `virtuoso-t +foreground` (Debian's \
         virtuoso-opensource) with ORGDIR_TEST_VIRTUOSO_PASSWORD",
    )
}

/// `orgdir publish --store-kind virtuoso` as `dba`, with the password from
/// the environment; `endpoint` replaces the server's base URL when given.
fn publish_to_virtuoso(data: &Path, endpoint: Option<&str>, args: &[&str]) -> Output {
    let server = virtuoso();
    let mut all = vec![
        "--store-kind",
        "virtuoso",
        "--endpoint",
        endpoint.unwrap_or(&server),
        "--user",
        "dba",
        "--password-env",
        "ORGDIR_TEST_VIRTUOSO_PASSWORD",
    ];
    all.extend_from_slice(args);
    publish(data, &all, &[])
}

/// A SPARQL query to Virtuoso's public endpoint, as the protocol's form POST.
fn virtuoso_query(server: &str, query: &str, accept: &str) -> Vec<u8> {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let response = reqwest::Client::new()
            .post(format!("{server}/sparql"))
            .header(header::ACCEPT, accept)
            .form(&[("query", query)])
            .send()
            .await
            .unwrap();
        assert!(response.status().is_success(), "{query}");
        response.bytes().await.unwrap().to_vec()
    })
}

/// What Virtuoso holds in `graph`, as canonical N-Triples lines, parsed by
/// oxttl. Virtuoso answers at most 10,000 rows and sorts at most 10,000
/// (OFFSET included), so the graph is read in pages of subjects from the
/// last one seen (again, in case a page cut it).
fn virtuoso_lines(server: &str, graph: &str) -> BTreeSet<String> {
    const PAGE: usize = 5000;
    let mut lines = BTreeSet::new();
    let mut from = String::new();
    loop {
        let body = virtuoso_query(
            server,
            &format!(
                "CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} \
                 FILTER(STR(?s) >= \"{from}\") }} ORDER BY ?s LIMIT {PAGE}"
            ),
            "application/n-triples",
        );
        let mut read = 0;
        let mut last = from.clone();
        for triple in oxttl::NTriplesParser::new().for_slice(&body) {
            let triple = triple.unwrap();
            if let oxrdf::NamedOrBlankNode::NamedNode(s) = &triple.subject {
                last = last.max(s.as_str().to_owned());
            }
            lines.insert(format!("{triple} ."));
            read += 1;
        }
        if read < PAGE {
            return lines;
        }
        assert!(last > from, "a page of one subject");
        from = last;
    }
}

fn virtuoso_count(server: &str, graph: &str) -> u64 {
    let body = virtuoso_query(
        server,
        &format!("SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}"),
        "text/csv",
    );
    let text = String::from_utf8(body).unwrap();
    text.lines().nth(1).unwrap().trim().parse().unwrap()
}

/// `records` synthetic organizations: more triples than one Virtuoso answer
/// holds (10,000) and than one INSERT DATA takes (about 1,420).
fn synthetic(dir: &Path, records: usize, seed: u64) -> PathBuf {
    let data = dir.join(format!("synth-{seed}"));
    orgdir::synth::write(
        &data,
        &orgdir::synth::SynthOptions {
            records,
            seed,
            ..Default::default()
        },
    )
    .unwrap();
    data
}

/// Publishes each of `datas` in turn into one graph per method with
/// `--verify`; after each, Virtuoso holds exactly the build, and at the end
/// no staging graph is left.
fn virtuoso_publish_in_turn(datas: &[PathBuf], methods: &[(&str, &[&str])], name: &str) {
    let server = virtuoso();
    for (method, extra) in methods {
        let graph = format!("urn:orgdir:test:virtuoso-{name}-{method}");
        for data in datas {
            let built = built_lines(data);
            let mut args = vec!["--method", method, "--graph", &graph, "--verify"];
            args.extend_from_slice(extra);
            let out = publish_to_virtuoso(data, None, &args);
            let err = stderr(&out);
            assert!(out.status.success(), "{method}: {err}");
            assert!(err.contains("the remote graph holds the same"), "{err}");
            assert_eq!(
                virtuoso_lines(&server, &graph),
                built,
                "{method}: the remote graph is the build's, replaced, not added to"
            );
        }
        assert_eq!(virtuoso_count(&server, &staging_graph(&graph)), 0);
    }
}

#[test]
#[ignore = "needs a Virtuoso: ORGDIR_TEST_VIRTUOSO (run by .ci/run)"]
fn virtuoso_every_method_publishes_twice_and_replaces_the_graph() {
    let dir = tempfile::tempdir().unwrap();
    let changed = changed_data(dir.path());
    let batches: &[&str] = &["--batch-size", "7"];
    virtuoso_publish_in_turn(
        &[fixture_data(), changed],
        &[("gsp", &[]), ("gsp-batches", batches), ("update", batches)],
        "small",
    );
}

#[test]
#[ignore = "needs a Virtuoso: ORGDIR_TEST_VIRTUOSO (run by .ci/run)"]
fn virtuoso_takes_a_graph_larger_than_its_limits_with_the_presets_sizes() {
    // 2,000 records: 29,743 triples, so the count check and --verify must
    // page under ResultSetMaxRows, and --method update must cut its INSERT
    // DATA under the SPARQL compiler's limit.
    let dir = tempfile::tempdir().unwrap();
    let datas = [
        synthetic(dir.path(), 2000, 1),
        synthetic(dir.path(), 2000, 2),
    ];
    for data in &datas {
        assert!(built_lines(data).len() > 10_000);
    }
    let timeout: &[&str] = &["--timeout", "300"];
    virtuoso_publish_in_turn(
        &datas,
        &[
            ("gsp", timeout),
            ("gsp-batches", timeout),
            ("update", timeout),
        ],
        "large",
    );
}

#[test]
#[ignore = "needs a Virtuoso: ORGDIR_TEST_VIRTUOSO (run by .ci/run)"]
fn virtuoso_cut_mid_upload_is_reported_and_the_next_publish_repairs_it() {
    let server = virtuoso();
    let dir = tempfile::tempdir().unwrap();
    let changed = changed_data(dir.path());
    for (method, budget) in [("gsp", 4000), ("gsp-batches", 4000), ("update", 6000)] {
        let graph = format!("urn:orgdir:test:virtuoso-dying-{method}");
        let args = [
            "--method",
            method,
            "--graph",
            &graph,
            "--batch-size",
            "10",
            "--retries",
            "1",
        ];
        let out = publish_to_virtuoso(&fixture_data(), None, &args);
        assert!(out.status.success(), "{method}: {}", stderr(&out));
        let before = virtuoso_lines(&server, &graph);
        assert_eq!(before, built_lines(&fixture_data()));

        let (proxy, _runtime) = dying_proxy(server_addr(&server), budget);
        let out = publish_to_virtuoso(&changed, Some(&format!("http://{proxy}")), &args);
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(2), "{method}: {err}");
        assert!(err.contains("failed after 2 attempts"), "{method}: {err}");
        match method {
            // One request: Virtuoso did not take half a body.
            "gsp" => assert_eq!(virtuoso_lines(&server, &graph), before),
            // The first batches arrived, the rest did not.
            "gsp-batches" => {
                let partial = virtuoso_lines(&server, &graph);
                assert!(!partial.is_empty() && partial.len() < built_lines(&changed).len());
            }
            // Readers never saw a half graph: the batches went to staging.
            _ => {
                assert_eq!(virtuoso_lines(&server, &graph), before);
                assert!(virtuoso_count(&server, &staging_graph(&graph)) > 0);
            }
        }

        let out = publish_to_virtuoso(&changed, None, &[&args[..], &["--verify"]].concat());
        assert!(out.status.success(), "{method}: {}", stderr(&out));
        assert_eq!(virtuoso_lines(&server, &graph), built_lines(&changed));
        assert_eq!(virtuoso_count(&server, &staging_graph(&graph)), 0);
    }
}

#[test]
#[ignore = "needs a Virtuoso: ORGDIR_TEST_VIRTUOSO (run by .ci/run)"]
fn virtuoso_refuses_a_wrong_password_and_orgdir_says_so() {
    let server = virtuoso();
    for method in ["gsp", "update"] {
        let graph = format!("urn:orgdir:test:virtuoso-refused-{method}");
        let out = publish(
            &fixture_data(),
            &[
                "--store-kind",
                "virtuoso",
                "--endpoint",
                &server,
                "--user",
                "dba",
                "--password-env",
                "WRONG_PASSWORD",
                "--method",
                method,
                "--graph",
                &graph,
            ],
            &[("WRONG_PASSWORD", "not-the-password")],
        );
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(2), "{err}");
        assert!(err.contains("refused it (401)"), "{err}");
        assert!(err.contains("check the user and password"), "{err}");
        assert!(!err.contains("not-the-password"), "{err}");
        assert_eq!(virtuoso_count(&server, &graph), 0);
    }
    // Without credentials the open endpoints refuse to write.
    let out = publish(
        &fixture_data(),
        &[
            "--store-kind",
            "virtuoso",
            "--endpoint",
            &server,
            "--graph",
            "urn:orgdir:test:anon",
        ],
        &[],
    );
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("it needs credentials"), "{err}");
}

#[test]
#[ignore = "needs a Virtuoso: ORGDIR_TEST_VIRTUOSO (run by .ci/run)"]
fn virtuoso_holds_the_latest_release_and_each_release_in_its_own_graph() {
    let server = virtuoso();
    let dir = tempfile::tempdir().unwrap();
    let out_dir = dir.path().join("releases");
    let changed = changed_data(dir.path());
    for (data, version) in [(fixture_data(), "1.0"), (changed, "2.0")] {
        let built = release(&data, &out_dir, version);
        let own = format!("urn:orgdir:test:virtuoso-release-{version}");
        for (release_dir, graph) in [
            (
                out_dir.join("latest"),
                "urn:orgdir:test:virtuoso-release-latest",
            ),
            (built.clone(), own.as_str()),
        ] {
            let out = publish_to_virtuoso(
                Path::new("/nonexistent"),
                None,
                &[
                    "--release",
                    release_dir.to_str().unwrap(),
                    "--graph",
                    graph,
                    "--verify",
                ],
            );
            let err = stderr(&out);
            assert!(out.status.success(), "{err}");
            // Virtuoso's preset sends Graph Store batches unless told otherwise.
            assert!(err.contains("(Graph Store PUT and POSTs,"), "{err}");
        }
        let expected = lines_of(&std::fs::read(built.join("orgs.nt")).unwrap());
        assert_eq!(
            virtuoso_lines(&server, "urn:orgdir:test:virtuoso-release-latest"),
            expected
        );
        assert_eq!(virtuoso_lines(&server, &own), expected);
    }
    // The first release is still there, in its own graph.
    assert_eq!(
        virtuoso_lines(&server, "urn:orgdir:test:virtuoso-release-1.0"),
        lines_of(&std::fs::read(out_dir.join("1.0/orgs.nt")).unwrap())
    );
}
