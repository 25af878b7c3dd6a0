//! Who is asking: the client address that fair use counts by, and the
//! origin the request was sent to.
//!
//! The peer address of the connection, which `serve` puts in each request's
//! extensions; with `--trust-forwarded-for`, the address the proxy in front
//! appended last to `X-Forwarded-For` (a client can write what it likes
//! before it, so only the last entry is the proxy's word).

use std::convert::Infallible;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderMap, Uri, header};

use super::AppState;
use super::error::ApiError;

/// The connection's peer, set by [`super::serve`].
#[derive(Debug, Clone, Copy)]
pub struct Peer(pub SocketAddr);

/// The client a request counts against; `None` when the request came from
/// no connection (tests through `oneshot`).
#[derive(Debug, Clone, Copy)]
pub struct Client(pub Option<IpAddr>);

impl FromRequestParts<Arc<AppState>> for Client {
    type Rejection = Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &Arc<AppState>,
    ) -> Result<Self, Self::Rejection> {
        Ok(Client(of(parts, state.limits.trust_forwarded_for)))
    }
}

pub fn of(parts: &Parts, trust_forwarded_for: bool) -> Option<IpAddr> {
    let peer = parts.extensions.get::<Peer>().map(|p| p.0.ip());
    if trust_forwarded_for
        && let Some(forwarded) = parts
            .headers
            .get_all("x-forwarded-for")
            .iter()
            .next_back()
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.rsplit(',').next())
            .and_then(|v| v.trim().parse().ok())
    {
        return Some(forwarded);
    }
    peer
}

/// Where the request came to: `http://host[:port]` (https behind a trusted
/// proxy that says so), for the absolute URLs of the
/// reconciliation manifest and of Memento's links.
pub fn origin(state: &AppState, headers: &HeaderMap, uri: &Uri) -> Result<String, ApiError> {
    // HTTP/2 names it in `:authority`, which is the URI's, not a header.
    let host = headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .or_else(|| uri.authority().map(|a| a.as_str()))
        .filter(|h| {
            !h.is_empty()
                && h.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b".-:[]".contains(&b))
        })
        .ok_or_else(|| ApiError::BadRequest("a Host header is needed".into()))?;
    let https = state.limits.trust_forwarded_for
        && headers
            .get("x-forwarded-proto")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.eq_ignore_ascii_case("https"));
    Ok(format!("{}://{host}", if https { "https" } else { "http" }))
}
