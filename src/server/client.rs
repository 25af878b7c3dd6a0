//! Who is asking: the client address that fair use counts by.
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

use super::AppState;

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
