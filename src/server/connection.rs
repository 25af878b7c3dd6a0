//! One client connection: HTTP/1 or HTTP/2, with the peer's address in every
//! request, closed when idle or when the client stops reading.
//!
//! hyper closes an HTTP/1 connection whose headers do not arrive within
//! `header_timeout`, but has no idle timeout for HTTP/2 and no write timeout
//! for either: 300 idle HTTP/2 connections exhausted the file descriptors,
//! and a client that never read a 14 MB answer held its connection for a
//! minute or more. [`Activity`] records when bytes last moved each way, and
//! [`serve_connection`] closes the connection gracefully once it has been
//! idle for `header_timeout` with no request in flight, and drops it when a
//! write has waited `write_timeout` for the client to read.

use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use axum::Router;
use hyper::body::Incoming;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;
use tower::ServiceExt;

use super::Limits;
use super::client::Peer;

/// Connections dropped because the client stopped reading (`/metrics`:
/// `orgdir_connections_dropped_total`), in this process.
pub static DROPPED_NOT_READING: AtomicU64 = AtomicU64::new(0);

/// Milliseconds since `origin`, for atomics.
fn since(origin: Instant) -> u64 {
    origin.elapsed().as_millis() as u64
}

/// What a connection's watchdog reads.
struct Meter {
    origin: Instant,
    /// When bytes last moved, in ms since `origin`.
    last: AtomicU64,
    /// When a write started waiting for the client (0: none waits).
    write_blocked: AtomicU64,
    /// Requests whose response has not been produced yet.
    in_flight: AtomicUsize,
}

/// A stream that tells its [`Meter`] when bytes move.
struct Activity {
    inner: TcpStream,
    meter: Arc<Meter>,
}

impl AsyncRead for Activity {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        let before = buf.filled().len();
        let poll = Pin::new(&mut self.inner).poll_read(cx, buf);
        if buf.filled().len() > before {
            self.meter
                .last
                .store(since(self.meter.origin), Ordering::Relaxed);
        }
        poll
    }
}

impl AsyncWrite for Activity {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        let poll = Pin::new(&mut self.inner).poll_write(cx, buf);
        self.wrote(&poll);
        poll
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[std::io::IoSlice<'_>],
    ) -> Poll<std::io::Result<usize>> {
        let poll = Pin::new(&mut self.inner).poll_write_vectored(cx, bufs);
        self.wrote(&poll);
        poll
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

impl Activity {
    fn wrote(&self, poll: &Poll<std::io::Result<usize>>) {
        let now = since(self.meter.origin).max(1);
        match poll {
            Poll::Ready(Ok(n)) if *n > 0 => {
                self.meter.last.store(now, Ordering::Relaxed);
                self.meter.write_blocked.store(0, Ordering::Relaxed);
            }
            Poll::Pending => {
                let _ = self.meter.write_blocked.compare_exchange(
                    0,
                    now,
                    Ordering::Relaxed,
                    Ordering::Relaxed,
                );
            }
            _ => {}
        }
    }
}

/// Counts a request in flight while it lives.
struct InFlight(Arc<Meter>);

impl Drop for InFlight {
    fn drop(&mut self) {
        self.0.in_flight.fetch_sub(1, Ordering::Relaxed);
    }
}

/// Serves `stream` from `peer` with `app` until it ends, is idle, or its
/// client stops reading; once `shutdown` changes, finishes the requests in
/// flight and closes.
pub async fn serve_connection(
    stream: TcpStream,
    peer: SocketAddr,
    app: Router,
    limits: Limits,
    mut shutdown: tokio::sync::watch::Receiver<bool>,
) {
    // hyper's header timer starts at the first byte: a connection that
    // never sends one is dropped here instead.
    let mut first = [0u8; 1];
    match tokio::time::timeout(limits.header_timeout, stream.peek(&mut first)).await {
        Ok(Ok(n)) if n > 0 => {}
        _ => return,
    }
    let origin = Instant::now();
    let meter = Arc::new(Meter {
        origin,
        last: AtomicU64::new(0),
        write_blocked: AtomicU64::new(0),
        in_flight: AtomicUsize::new(0),
    });
    let service = {
        let meter = Arc::clone(&meter);
        hyper::service::service_fn(move |mut request: hyper::Request<Incoming>| {
            request.extensions_mut().insert(Peer(peer));
            meter.in_flight.fetch_add(1, Ordering::Relaxed);
            let in_flight = InFlight(Arc::clone(&meter));
            let app = app.clone();
            async move {
                let response = app.oneshot(request.map(axum::body::Body::new)).await;
                drop(in_flight);
                response
            }
        })
    };
    let mut builder = auto::Builder::new(TokioExecutor::new());
    builder
        .http1()
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header_timeout);
    // No HTTP/2 keep-alive pings: they would count as activity and keep an
    // idle connection open; a dead peer is closed as an idle one.
    builder
        .http2()
        .timer(TokioTimer::new())
        .max_concurrent_streams(32);
    let io = TokioIo::new(Activity {
        inner: stream,
        meter: Arc::clone(&meter),
    });
    let connection = builder.serve_connection_with_upgrades(io, service);
    tokio::pin!(connection);
    let idle = limits.header_timeout.as_millis() as u64;
    let write = limits.write_timeout.as_millis() as u64;
    let mut closing = false;
    let mut tick = tokio::time::interval(Duration::from_millis(250));
    loop {
        tokio::select! {
            result = &mut connection => {
                if let Err(e) = result {
                    tracing::debug!("connection from {peer} ended: {e}");
                }
                return;
            }
            _ = shutdown.changed(), if !closing => {
                connection.as_mut().graceful_shutdown();
                closing = true;
            }
            _ = tick.tick() => {
                let now = since(origin);
                let blocked = meter.write_blocked.load(Ordering::Relaxed);
                if blocked > 0 && now.saturating_sub(blocked) > write {
                    tracing::debug!("dropping {peer}: it read nothing for {write} ms");
                    DROPPED_NOT_READING.fetch_add(1, Ordering::Relaxed);
                    return;
                }
                let quiet = now.saturating_sub(meter.last.load(Ordering::Relaxed));
                if !closing && quiet > idle && meter.in_flight.load(Ordering::Relaxed) == 0 {
                    // A GOAWAY for HTTP/2, a close after the current
                    // exchange for HTTP/1.
                    connection.as_mut().graceful_shutdown();
                    closing = true;
                } else if closing && quiet > idle && meter.in_flight.load(Ordering::Relaxed) == 0 {
                    // An HTTP/2 client that never answers the GOAWAY's ping.
                    return;
                }
            }
        }
    }
}
