//! What one URL's check found, and how a response or an error is classified.

use serde::{Deserialize, Serialize};

/// One status per URL (see README, `orgdir linkcheck`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// 2xx, directly or through temporary redirects.
    Ok,
    /// A permanent redirect (301/308) first, ending in 2xx: update the URL.
    Redirected,
    /// 404, 410, another 4xx, a redirect loop, DNS failure, connection refused.
    Broken,
    /// 5xx after the retries.
    ServerError,
    /// No answer in time, after the retries.
    Timeout,
    /// 401, 403, 429 after the retries, 999: the site answered but will not
    /// say. A person should look; not counted as dead.
    Blocked,
    TlsError,
    /// Not an http(s) URL, or a private address refused.
    Invalid,
}

impl Status {
    pub const ALL: [Status; 8] = [
        Status::Ok,
        Status::Redirected,
        Status::Broken,
        Status::ServerError,
        Status::Timeout,
        Status::Blocked,
        Status::TlsError,
        Status::Invalid,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Status::Ok => "ok",
            Status::Redirected => "redirected",
            Status::Broken => "broken",
            Status::ServerError => "server_error",
            Status::Timeout => "timeout",
            Status::Blocked => "blocked",
            Status::TlsError => "tls_error",
            Status::Invalid => "invalid",
        }
    }

    /// A failure that a retry next week would not mend: counted at once
    /// (exit code 1). Other failures count once the history calls them dead.
    pub fn is_hard_failure(self) -> bool {
        matches!(self, Status::Broken | Status::Invalid)
    }

    /// Whether the link does not work. Redirected links work; blocked ones
    /// are for a person to look at.
    pub fn is_failure(self) -> bool {
        matches!(
            self,
            Status::Broken
                | Status::ServerError
                | Status::Timeout
                | Status::TlsError
                | Status::Invalid
        )
    }
}

/// One redirect followed: the URL asked for and the status it answered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Hop {
    pub url: String,
    pub status: u16,
}

/// Everything learned about one URL.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Outcome {
    pub url: String,
    pub status: Status,
    /// The last HTTP status received, if any.
    pub http_status: Option<u16>,
    /// Where the redirects ended.
    pub final_url: Option<String>,
    /// For `redirected`: the URL the record should use (after the leading
    /// permanent redirects).
    pub suggested_url: Option<String>,
    pub redirects: Vec<Hop>,
    pub error: Option<String>,
    pub elapsed_ms: u64,
    pub attempts: u32,
}

impl Outcome {
    /// An `invalid` outcome of `url`, before any request: why, if known yet.
    pub fn invalid(url: &str, error: Option<String>) -> Outcome {
        Outcome {
            url: url.to_owned(),
            status: Status::Invalid,
            http_status: None,
            final_url: None,
            suggested_url: None,
            redirects: Vec::new(),
            error,
            elapsed_ms: 0,
            attempts: 0,
        }
    }
}

/// The status of a final HTTP answer (after redirects and retries).
pub fn of_http(code: u16) -> Status {
    match code {
        200..=299 => Status::Ok,
        401 | 403 | 429 | 999 => Status::Blocked,
        500..=599 => Status::ServerError,
        _ => Status::Broken,
    }
}

/// `--accept`: the HTTP statuses that count as working, as lychee's
/// (`200..=299,403`; `200..300` and single codes too). Given, it replaces
/// the default: a 2xx not in it is broken, and a code in it is ok.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Accept(Vec<std::ops::RangeInclusive<u16>>);

impl Accept {
    pub fn contains(&self, code: u16) -> bool {
        self.0.iter().any(|r| r.contains(&code))
    }
}

impl std::str::FromStr for Accept {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        let code = |t: &str| {
            t.trim()
                .parse::<u16>()
                .ok()
                .filter(|c| (100..=999).contains(c))
                .ok_or_else(|| format!("`{}` is not an HTTP status (100 to 999)", t.trim()))
        };
        let mut ranges = Vec::new();
        for part in s.split(',').filter(|p| !p.trim().is_empty()) {
            let range = if let Some((a, b)) = part.split_once("..=") {
                code(a)?..=code(b)?
            } else if let Some((a, b)) = part.split_once("..") {
                let end = code(b)?;
                code(a)?..=end.saturating_sub(1)
            } else {
                let c = code(part)?;
                c..=c
            };
            if range.is_empty() {
                return Err(format!("`{}` is an empty range", part.trim()));
            }
            ranges.push(range);
        }
        if ranges.is_empty() {
            return Err("expected statuses such as 200..=299,403".into());
        }
        Ok(Accept(ranges))
    }
}

/// The status of a final HTTP answer under `--accept`, if given.
pub fn of_http_accepting(code: u16, accept: Option<&Accept>) -> Status {
    match accept {
        None => of_http(code),
        Some(a) if a.contains(code) => Status::Ok,
        Some(_) => match of_http(code) {
            Status::Ok => Status::Broken,
            other => other,
        },
    }
}

/// Whether a redirect status is permanent.
pub fn is_permanent(code: u16) -> bool {
    matches!(code, 301 | 308)
}

/// The status of a request that got no HTTP answer.
pub fn of_error(e: &reqwest::Error) -> Status {
    if e.is_timeout() {
        return Status::Timeout;
    }
    // The address guard refused the address a name resolved to.
    if crate::http::guard::refusal(e).is_some() {
        return Status::Invalid;
    }
    // A TLS failure is a rustls error somewhere among the causes, directly
    // or inside (nested) I/O errors.
    fn is_tls(e: &(dyn std::error::Error + 'static)) -> bool {
        if e.downcast_ref::<rustls::Error>().is_some() {
            return true;
        }
        match e
            .downcast_ref::<std::io::Error>()
            .and_then(|io| io.get_ref())
        {
            Some(inner) => is_tls(inner),
            None => false,
        }
    }
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(s) = source {
        if is_tls(s) {
            return Status::TlsError;
        }
        source = s.source();
    }
    let chain = crate::http::cause_chain(e).to_ascii_lowercase();
    if chain.contains("certificate") {
        Status::TlsError
    } else if chain.contains("timed out") {
        Status::Timeout
    } else {
        Status::Broken
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn http_codes() {
        assert_eq!(of_http(200), Status::Ok);
        assert_eq!(of_http(204), Status::Ok);
        assert_eq!(of_http(404), Status::Broken);
        assert_eq!(of_http(410), Status::Broken);
        assert_eq!(of_http(400), Status::Broken);
        assert_eq!(of_http(403), Status::Blocked);
        assert_eq!(of_http(401), Status::Blocked);
        assert_eq!(of_http(429), Status::Blocked);
        assert_eq!(of_http(999), Status::Blocked);
        assert_eq!(of_http(503), Status::ServerError);
        let accept: Accept = "200..=299, 403,500..502".parse().unwrap();
        assert_eq!(of_http_accepting(403, Some(&accept)), Status::Ok);
        assert_eq!(of_http_accepting(501, Some(&accept)), Status::Ok);
        assert_eq!(of_http_accepting(502, Some(&accept)), Status::ServerError);
        assert_eq!(of_http_accepting(401, Some(&accept)), Status::Blocked);
        let only: Accept = "200".parse().unwrap();
        assert_eq!(of_http_accepting(204, Some(&only)), Status::Broken);
        assert_eq!(of_http_accepting(403, None), Status::Blocked);
        for bad in ["", "abc", "299..=200", "200..200", "42", "200-299"] {
            assert!(bad.parse::<Accept>().is_err(), "{bad}");
        }
        assert!(is_permanent(301) && is_permanent(308));
        assert!(!is_permanent(302) && !is_permanent(303) && !is_permanent(307));
        assert!(!Status::Blocked.is_failure() && !Status::Redirected.is_failure());
        assert!(Status::Broken.is_failure() && Status::Timeout.is_failure());
    }
}
