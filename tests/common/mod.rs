//! What the server tests share: the fixture's state, a request through the
//! router, and a real server on 127.0.0.1:0.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::sync::Arc;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use orgdir::server::{AppState, Limits, router};
use orgdir::source::{self, Limits as SourceLimits};
use orgdir::store;
use tower::ServiceExt;

pub fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

/// The fixture directory served with `limits`; its dumps are not written.
pub fn state(limits: Limits) -> Arc<AppState> {
    let root = fixtures();
    let source = source::load(&root.join("valid/data"), SourceLimits::default()).unwrap();
    let queries = store::load_queries(&root.join("queries")).unwrap();
    Arc::new(AppState::new(
        store::load(&source, queries).unwrap(),
        limits,
    ))
}

/// The fixture directory served with default limits, its dumps written.
pub fn state_with_dumps() -> Arc<AppState> {
    let root = fixtures();
    let source = source::load(&root.join("valid/data"), SourceLimits::default()).unwrap();
    let queries = store::load_queries(&root.join("queries")).unwrap();
    let snapshot = store::load(&source, queries).unwrap();
    store::write_dumps(&snapshot.dumps, &source);
    Arc::new(AppState::new(snapshot, Limits::default()))
}

pub fn encode(s: &str) -> String {
    serde_urlencoded::to_string([("query", s)]).unwrap()
}

pub struct Answer {
    pub status: StatusCode,
    pub headers: axum::http::HeaderMap,
    pub body: String,
    pub bytes: Vec<u8>,
}

pub async fn send(state: &Arc<AppState>, request: Request<Body>) -> Answer {
    let response = router(Arc::clone(state)).oneshot(request).await.unwrap();
    let status = response.status();
    let headers = response.headers().clone();
    let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
        .await
        .unwrap();
    Answer {
        status,
        headers,
        body: String::from_utf8_lossy(&bytes).into_owned(),
        bytes: bytes.to_vec(),
    }
}

pub fn get(uri: &str, accept: Option<&str>) -> Request<Body> {
    let mut r = Request::get(uri);
    if let Some(a) = accept {
        r = r.header(header::ACCEPT, a);
    }
    r.body(Body::empty()).unwrap()
}

pub fn content_type(a: &Answer) -> &str {
    a.headers
        .get(header::CONTENT_TYPE)
        .unwrap()
        .to_str()
        .unwrap()
}

/// `serve` on 127.0.0.1:0 in its own runtime, stopped through its shutdown future.
pub struct RealServer {
    pub runtime: tokio::runtime::Runtime,
    pub addr: std::net::SocketAddr,
    stop: tokio::sync::oneshot::Sender<()>,
    task: tokio::task::JoinHandle<std::io::Result<()>>,
}

impl RealServer {
    pub fn start(state: Arc<AppState>) -> Self {
        let runtime = tokio::runtime::Runtime::new().unwrap();
        let listener = runtime
            .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
            .unwrap();
        let addr = listener.local_addr().unwrap();
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let task = runtime.spawn(orgdir::server::serve(listener, state, async {
            let _ = stopped.await;
        }));
        RealServer {
            runtime,
            addr,
            stop,
            task,
        }
    }

    pub fn stop(self) {
        self.stop.send(()).unwrap();
        self.runtime.block_on(self.task).unwrap().unwrap();
    }
}

/// A mock `app` (a link-checked site, a Graph Store) on 127.0.0.1:0, served
/// on its own runtime until the runtime is dropped.
pub fn mock(app: axum::Router) -> (std::net::SocketAddr, tokio::runtime::Runtime) {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let listener = runtime
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .unwrap();
    let addr = listener.local_addr().unwrap();
    runtime.spawn(async move { axum::serve(listener, app).await.unwrap() });
    (addr, runtime)
}

/// Validates `value` against the JSON Schema file `schema` with
/// check-jsonschema (PyPI), offline: references resolve beside the file.
/// Returns the validator's output on failure.
pub fn check_jsonschema(schema: &Path, value: &serde_json::Value) -> Result<(), String> {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("instance.json");
    std::fs::write(&file, serde_json::to_vec(value).unwrap()).unwrap();
    let output = std::process::Command::new("check-jsonschema")
        .arg("--base-uri")
        .arg(format!("file://{}", schema.display()))
        .arg("--schemafile")
        .arg(schema)
        .arg(&file)
        .output()
        .expect("check-jsonschema runs (pip install check-jsonschema)");
    if output.status.success() {
        Ok(())
    } else {
        Err(format!(
            "{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        ))
    }
}
