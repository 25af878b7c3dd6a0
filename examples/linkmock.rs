//! A local web server for bench/linkcheck.sh: every answer after a fixed
//! latency, one path per kind of answer. `linkmock ADDR LATENCY_MS`
//!
//! /ok/N 200, /headless/N 405 to HEAD and 200 to GET, /gone/N 404,
//! /moved/N 301 to /ok/N, /temp/N 302 to /ok/N, /err/N 500, /forbidden/N 403.

use std::time::Duration;

use axum::Router;
use axum::extract::{Path, State};
use axum::http::{Method, StatusCode, header};
use axum::response::{IntoResponse, Response};

async fn answer(
    State(latency): State<Duration>,
    Path((kind, n)): Path<(String, u64)>,
    method: Method,
) -> Response {
    tokio::time::sleep(latency).await;
    let redirect =
        |code: StatusCode| (code, [(header::LOCATION, format!("/ok/{n}"))]).into_response();
    match kind.as_str() {
        "ok" => StatusCode::OK.into_response(),
        "headless" if method == Method::HEAD => StatusCode::METHOD_NOT_ALLOWED.into_response(),
        "headless" => StatusCode::OK.into_response(),
        "gone" => StatusCode::NOT_FOUND.into_response(),
        "moved" => redirect(StatusCode::MOVED_PERMANENTLY),
        "temp" => redirect(StatusCode::FOUND),
        "err" => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
        "forbidden" => StatusCode::FORBIDDEN.into_response(),
        _ => StatusCode::NOT_FOUND.into_response(),
    }
}

#[tokio::main]
async fn main() {
    let mut args = std::env::args().skip(1);
    let addr = args.next().unwrap_or_else(|| "127.0.0.1:18900".into());
    let latency = Duration::from_millis(args.next().map_or(50, |s| s.parse().expect("LATENCY_MS")));
    let app = Router::new()
        .route("/{kind}/{n}", axum::routing::any(answer))
        .with_state(latency);
    let listener = tokio::net::TcpListener::bind(&addr).await.expect("bind");
    axum::serve(listener, app).await.expect("serve");
}
