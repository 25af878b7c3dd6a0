//! One policy for every request orgdir sends: link checks, publishing, and
//! SERVICE calls when `serve --allow-service` lets them out.
//!
//! - [`guard`]: the address guard (loopback, private and link-local
//!   addresses refused in every spelling, checked on the address connected
//!   to, so DNS rebinding cannot pass it);
//! - [`Backoff`]: retries with capped exponential backoff, a server's
//!   `Retry-After` honoured ([`retry_after`]);
//! - [`cause_chain`] and [`describe`]: a reqwest error and its causes on one
//!   line, as every message about a failed request shows it.

pub mod guard;

use std::time::{Duration, SystemTime};

/// When to try a request again: after `first`, doubled at each retry, at
/// most `max`, for at most `retries` retries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Backoff {
    pub retries: u32,
    pub first: Duration,
    pub max: Duration,
}

impl Backoff {
    /// The wait before the retry that follows `done` retries, or `None`
    /// when there is none: the retries are spent, or the server asked for
    /// longer than `max` (it will not be back within our patience).
    pub fn next(&self, done: u32, retry_after: Option<Duration>) -> Option<Duration> {
        if done >= self.retries {
            return None;
        }
        let wait = retry_after
            .unwrap_or_else(|| self.first.saturating_mul(1 << done.min(16)).min(self.max));
        (wait <= self.max).then_some(wait)
    }
}

/// The `Retry-After` of an answer: seconds, or an HTTP date.
pub fn retry_after(headers: &reqwest::header::HeaderMap) -> Option<Duration> {
    headers
        .get(reqwest::header::RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .and_then(parse_retry_after)
}

/// `Retry-After`: seconds, or an HTTP date.
pub fn parse_retry_after(value: &str) -> Option<Duration> {
    if let Ok(seconds) = value.trim().parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let at = httpdate::parse_http_date(value).ok()?;
    Some(at.duration_since(SystemTime::now()).unwrap_or_default())
}

/// The error and its causes, as one line; a cause already said is not
/// repeated.
pub fn cause_chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        let s_text = s.to_string();
        if !text.contains(&s_text) {
            text.push_str(": ");
            text.push_str(&s_text);
        }
        source = s.source();
    }
    text
}

/// What went wrong with a request, without its URL (the caller shows it):
/// the kind of failure, then its causes.
pub fn describe(e: &reqwest::Error) -> String {
    let kind = if e.is_timeout() {
        "timed out"
    } else if e.is_connect() {
        "cannot connect"
    } else if e.is_body() || e.is_request() {
        "the connection failed"
    } else {
        "request failed"
    };
    match std::error::Error::source(e) {
        Some(cause) => format!("{kind}: {}", cause_chain(cause)),
        None => kind.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(n: u64) -> Duration {
        Duration::from_secs(n)
    }

    #[test]
    fn the_backoff_doubles_up_to_its_cap_and_stops() {
        let b = Backoff {
            retries: 3,
            first: s(1),
            max: s(3),
        };
        assert_eq!(b.next(0, None), Some(s(1)));
        assert_eq!(b.next(1, None), Some(s(2)));
        assert_eq!(b.next(2, None), Some(s(3)), "capped");
        assert_eq!(b.next(3, None), None, "retries spent");
    }

    #[test]
    fn retry_after_is_honoured_within_the_cap() {
        let b = Backoff {
            retries: 2,
            first: s(1),
            max: s(30),
        };
        assert_eq!(b.next(0, Some(s(7))), Some(s(7)));
        assert_eq!(b.next(0, Some(s(0))), Some(s(0)));
        assert_eq!(b.next(0, Some(s(31))), None, "longer than our patience");
        assert_eq!(b.next(2, Some(s(1))), None);
    }

    #[test]
    fn retry_after_in_seconds_or_a_date() {
        assert_eq!(parse_retry_after("3"), Some(s(3)));
        assert_eq!(
            parse_retry_after("Sat, 01 Jan 2000 00:00:00 GMT"),
            Some(Duration::ZERO)
        );
        assert_eq!(parse_retry_after("soon"), None);
    }
}
