//! Checking one URL: HEAD first and GET when HEAD is refused or answers an
//! error, redirects followed one by one (each hop recorded), retries with
//! capped exponential backoff for timeouts, 5xx and 429 (honouring
//! `Retry-After`), private addresses refused: the policy of [`crate::http`].
//! No body is ever read.

use std::time::{Duration, Instant};

use reqwest::header::LOCATION;
use reqwest::{Method, Url};

use super::status::{self, Hop, Outcome, Status};
use crate::http::guard;

/// How a URL is checked.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Whole request (headers received), each attempt.
    pub timeout: Duration,
    pub connect_timeout: Duration,
    /// Attempts after the first, for timeouts, 5xx and 429.
    pub retries: u32,
    /// The first backoff; it doubles at each retry, up to `max_retry_wait`.
    pub retry_wait: Duration,
    /// The longest wait between attempts, `Retry-After` included: a server
    /// asking for longer is not retried.
    pub max_retry_wait: Duration,
    pub max_redirects: usize,
    /// Check loopback, private and link-local addresses too (refused by
    /// default: a directory must not probe the maintainer's network).
    pub allow_private: bool,
    /// `orgdir linkcheck` adds the dataset publisher's URL, as the contact.
    pub user_agent: String,
    /// `--accept`: the statuses that count as working, instead of 2xx.
    pub accept: Option<status::Accept>,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            timeout: Duration::from_secs(20),
            connect_timeout: Duration::from_secs(10),
            retries: 2,
            retry_wait: Duration::from_secs(1),
            max_retry_wait: Duration::from_secs(30),
            max_redirects: 10,
            allow_private: false,
            user_agent: format!("orgdir-linkcheck/{}", env!("CARGO_PKG_VERSION")),
            accept: None,
        }
    }
}

pub struct Checker {
    client: reqwest::Client,
    settings: Settings,
}

/// The slots an attempt takes: its host's, then a global one (so a check
/// waiting for its host holds no global slot). No semaphore, no limit.
#[derive(Debug, Clone, Default)]
pub struct Gate {
    pub host: Option<std::sync::Arc<tokio::sync::Semaphore>>,
    pub total: Option<std::sync::Arc<tokio::sync::Semaphore>>,
}

impl Gate {
    async fn enter(&self) -> Vec<tokio::sync::OwnedSemaphorePermit> {
        let mut permits = Vec::with_capacity(2);
        for s in [&self.host, &self.total].into_iter().flatten() {
            permits.push(s.clone().acquire_owned().await.expect("never closed"));
        }
        permits
    }
}

/// Where a chain of redirects ended.
struct Followed {
    hops: Vec<Hop>,
    final_url: Url,
    code: u16,
    retry_after: Option<Duration>,
}

/// A check that got no final answer: its status and why.
type Failure = (Status, String);

impl Checker {
    pub fn new(settings: Settings) -> Result<Checker, reqwest::Error> {
        let client = guard::client_builder(settings.allow_private)
            .redirect(reqwest::redirect::Policy::none())
            .timeout(settings.timeout)
            .connect_timeout(settings.connect_timeout)
            .user_agent(settings.user_agent.clone())
            .build()?;
        Ok(Checker { client, settings })
    }

    /// Checks `url` with no limit on concurrency.
    pub async fn check(&self, url: &str) -> Outcome {
        self.check_gated(url, &Gate::default()).await
    }

    /// Checks `url`, each attempt inside `gate`: the waits between attempts
    /// hold no slot, so a host asking to retry later does not slow the rest.
    pub async fn check_gated(&self, url: &str, gate: &Gate) -> Outcome {
        let start = Instant::now();
        // Invalid until an answer says otherwise.
        let mut outcome = Outcome::invalid(url, None);
        let parsed = match parse(url) {
            Ok(u) => u,
            Err(error) => {
                outcome.error = Some(error);
                return outcome;
            }
        };
        let backoff = crate::http::Backoff {
            retries: self.settings.retries,
            first: self.settings.retry_wait,
            max: self.settings.max_retry_wait,
        };
        loop {
            outcome.attempts += 1;
            let result = {
                let _turn = gate.enter().await;
                self.follow(parsed.clone()).await
            };
            let done = outcome.attempts - 1;
            let retry = match &result {
                Ok(f) if f.code == 429 || (500..=599).contains(&f.code) => {
                    backoff.next(done, f.retry_after)
                }
                Err((Status::Timeout, _)) => backoff.next(done, None),
                _ => None,
            };
            if let Some(w) = retry {
                tokio::time::sleep(w).await;
                continue;
            }
            match result {
                Ok(f) => {
                    outcome.http_status = Some(f.code);
                    outcome.status =
                        status::of_http_accepting(f.code, self.settings.accept.as_ref());
                    let leading_permanent = f
                        .hops
                        .iter()
                        .take_while(|h| status::is_permanent(h.status))
                        .count();
                    if outcome.status == Status::Ok && leading_permanent > 0 {
                        outcome.status = Status::Redirected;
                        // The URL the permanent redirects lead to.
                        outcome.suggested_url = Some(
                            f.hops
                                .get(leading_permanent)
                                .map_or_else(|| f.final_url.to_string(), |h| h.url.clone()),
                        );
                    }
                    if !f.hops.is_empty() {
                        outcome.final_url = Some(f.final_url.to_string());
                    }
                    outcome.redirects = f.hops;
                }
                Err((status, error)) => {
                    outcome.status = status;
                    outcome.error = Some(error);
                }
            }
            break;
        }
        outcome.elapsed_ms = u64::try_from(start.elapsed().as_millis()).unwrap_or(u64::MAX);
        outcome
    }

    /// Follows redirects from `url` to a final answer.
    async fn follow(&self, url: Url) -> Result<Followed, Failure> {
        let mut hops: Vec<Hop> = Vec::new();
        let mut current = url;
        for _ in 0..=self.settings.max_redirects {
            if !self.settings.allow_private {
                refuse_private(&current).await?;
            }
            let response = self.request(&current).await?;
            let code = response.status().as_u16();
            let location = response
                .headers()
                .get(LOCATION)
                .and_then(|l| l.to_str().ok())
                .and_then(|l| current.join(l).ok());
            match location {
                Some(next) if response.status().is_redirection() => {
                    hops.push(Hop {
                        url: current.to_string(),
                        status: code,
                    });
                    if next == current || hops.iter().any(|h| h.url == next.as_str()) {
                        return Err((Status::Broken, format!("redirect loop at {next}")));
                    }
                    current = next;
                }
                _ => {
                    let retry_after = crate::http::retry_after(response.headers());
                    return Ok(Followed {
                        hops,
                        final_url: current,
                        code,
                        retry_after,
                    });
                }
            }
        }
        Err((
            Status::Broken,
            format!("more than {} redirects", self.settings.max_redirects),
        ))
    }

    /// HEAD, then GET when HEAD answers 405, 501 or a client error other
    /// than 410 and 429 (many servers refuse or mishandle HEAD). The body is
    /// never read.
    async fn request(&self, url: &Url) -> Result<reqwest::Response, Failure> {
        let send = |method: Method| self.client.request(method, url.clone()).send();
        let failed = |e: reqwest::Error| (status::of_error(&e), crate::http::cause_chain(&e));
        let head = send(Method::HEAD).await.map_err(failed)?;
        // GET decides where HEAD is refused or often answered wrongly; a 410,
        // a 429 and a 5xx (retried anyway) are taken as they are.
        let code = head.status().as_u16();
        if code < 400 || code == 410 || code == 429 || code >= 500 && code != 501 {
            return Ok(head);
        }
        send(Method::GET).await.map_err(failed)
    }
}

/// Refuses a URL whose host is, or resolves to, a loopback, private,
/// link-local or otherwise non-public address, with a clear message before
/// any connection. The client's own resolver ([`guard::Resolver`]) checks
/// again the addresses it actually connects to, so a name that resolves
/// otherwise the second time cannot pass.
/// `url` as an http(s) URL with a host, or why it is not one.
fn parse(url: &str) -> Result<Url, String> {
    match Url::parse(url) {
        Ok(u) if matches!(u.scheme(), "http" | "https") && u.host().is_some() => Ok(u),
        Ok(u) => Err(format!("not an http(s) URL (scheme `{}`)", u.scheme())),
        Err(e) => Err(format!("not a valid URL: {e}")),
    }
}

/// What the text of `url` alone says, with no network (`--offline`): the
/// [`Status::Invalid`] outcome of a URL that is not http(s), or (unless
/// `allow_private`) whose host is a private address or a `localhost` name;
/// `None` when only fetching it would tell.
pub fn offline_verdict(url: &str, allow_private: bool) -> Option<Outcome> {
    let error = match parse(url) {
        Err(error) => error,
        Ok(_) if allow_private => return None,
        Ok(u) => match (guard::check_literal(&u), u.host()) {
            (Err(refused), _) => refused.to_string(),
            (Ok(()), Some(url::Host::Domain(host)))
                if host.eq_ignore_ascii_case("localhost")
                    || host.to_ascii_lowercase().ends_with(".localhost") =>
            {
                format!("{host} is a local name (RFC 6761): refused (--allow-private to check it)")
            }
            _ => return None,
        },
    };
    Some(Outcome::invalid(url, Some(error)))
}

async fn refuse_private(url: &Url) -> Result<(), Failure> {
    let refused = |r: guard::Refused| (Status::Invalid, r.to_string());
    guard::check_literal(url).map_err(refused)?;
    let Some(url::Host::Domain(host)) = url.host() else {
        return Ok(());
    };
    let port = url.port_or_known_default().unwrap_or(80);
    let addresses = tokio::net::lookup_host((host, port))
        .await
        .map_err(|e| (Status::Broken, format!("cannot resolve {host}: {e}")))?;
    for a in addresses {
        if !guard::is_public(&a.ip()) {
            return Err(refused(guard::Refused {
                host: host.to_owned(),
                ip: a.ip(),
            }));
        }
    }
    Ok(())
}
