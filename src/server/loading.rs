//! The server before its data is loaded: it listens at once, and every
//! request gets 503 with `Retry-After` (`/health` as JSON), so a load
//! balancer or an orchestrator sees it start and waits for it instead of
//! finding nothing at the port.

use std::convert::Infallible;
use std::future::Future;
use std::time::Duration;

use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto;
use tokio::net::TcpListener;

/// Answers 503 on `listener` until `work` ends, and returns its result;
/// `None` if `stop` came first (Ctrl-C or SIGTERM while loading).
pub async fn serve_while<T>(
    listener: &TcpListener,
    work: impl Future<Output = T>,
    stop: impl Future<Output = ()>,
) -> Option<T> {
    let (mut work, mut stop) = (std::pin::pin!(work), std::pin::pin!(stop));
    loop {
        tokio::select! {
            done = &mut work => return Some(done),
            () = &mut stop => return None,
            accepted = listener.accept() => {
                if let Ok((stream, _)) = accepted {
                    tokio::spawn(answer(stream));
                }
            }
        }
    }
}

async fn answer(stream: tokio::net::TcpStream) {
    let service = hyper::service::service_fn(
        |request: hyper::Request<hyper::body::Incoming>| async move {
            Ok::<_, Infallible>(loading(request.uri().path()))
        },
    );
    let mut builder = auto::Builder::new(TokioExecutor::new());
    builder
        .http1()
        .keep_alive(false)
        .timer(TokioTimer::new())
        .header_read_timeout(Duration::from_secs(10));
    let connection = builder.serve_connection(TokioIo::new(stream), service);
    let _ = tokio::time::timeout(Duration::from_secs(10), connection).await;
}

fn loading(path: &str) -> Response {
    let headers = |media_type: &'static str| {
        [
            (header::RETRY_AFTER, "5"),
            (header::CONTENT_TYPE, media_type),
            (header::CACHE_CONTROL, "no-store"),
        ]
    };
    if path == "/health" {
        (
            StatusCode::SERVICE_UNAVAILABLE,
            headers("application/json"),
            "{\"status\":\"loading\"}\n",
        )
            .into_response()
    } else {
        (
            StatusCode::SERVICE_UNAVAILABLE,
            headers("text/plain; charset=utf-8"),
            "the data is being loaded and validated; try again in a few seconds\n",
        )
            .into_response()
    }
}
