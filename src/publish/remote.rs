//! The remote store's HTTP side: one client with time limits and credentials,
//! requests retried with capped exponential backoff on connection errors and
//! 5xx (honouring `Retry-After`), and every refusal turned into an error that
//! says what to do. Credentials only ever travel in headers: they are never in
//! a URL, a log line or an error.

use std::time::Duration;

use reqwest::{RequestBuilder, Response, StatusCode};

use super::PublishError;

/// How to prove who we are to the store.
#[derive(Clone, Default)]
pub enum Auth {
    #[default]
    None,
    Basic {
        user: String,
        password: String,
    },
    Bearer(String),
    /// HTTP Digest (RFC 7616), as Virtuoso's `-auth` endpoints ask: nothing
    /// is sent until the store's challenge, then a response to it.
    Digest {
        user: String,
        password: String,
    },
}

impl std::fmt::Debug for Auth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never the secret itself, even in a debug print.
        match self {
            Auth::None => f.write_str("None"),
            Auth::Basic { user, .. } => write!(f, "Basic({user}, ***)"),
            Auth::Bearer(_) => f.write_str("Bearer(***)"),
            Auth::Digest { user, .. } => write!(f, "Digest({user}, ***)"),
        }
    }
}

#[derive(Debug, Clone)]
pub struct Settings {
    /// For one whole request, body included.
    pub timeout: Duration,
    pub connect_timeout: Duration,
    /// Attempts after the first, for connection errors and 5xx.
    pub retries: u32,
    /// Before the first retry; doubled at each, at most [`MAX_WAIT`].
    pub retry_wait: Duration,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            timeout: Duration::from_secs(600),
            connect_timeout: Duration::from_secs(10),
            retries: 3,
            retry_wait: Duration::from_secs(1),
        }
    }
}

const MAX_WAIT: Duration = Duration::from_secs(30);

pub struct Remote {
    client: reqwest::Client,
    auth: Auth,
    settings: Settings,
    /// The store's last Digest challenge, answered by every request after it
    /// (its nonce count kept), until the store sends a new one.
    challenge: std::sync::Mutex<Option<digest_auth::WwwAuthenticateHeader>>,
    /// Whether the challenge was asked for: once, even if none came.
    asked: std::sync::atomic::AtomicBool,
    /// Whether the user and password answer Digest challenges: from the
    /// start with [`Auth::Digest`], and once a store refuses Basic with
    /// only a Digest challenge.
    digest: std::sync::atomic::AtomicBool,
}

impl Remote {
    pub fn new(auth: Auth, settings: Settings) -> Result<Remote, PublishError> {
        let client = reqwest::Client::builder()
            .user_agent(concat!("orgdir-publish/", env!("CARGO_PKG_VERSION")))
            .connect_timeout(settings.connect_timeout)
            .timeout(settings.timeout)
            // reqwest cuts a connection whose sent data stays unacknowledged for
            // 30 s (TCP_USER_TIMEOUT), but a store may stop reading the body
            // for longer while it works: Oxigraph server clears the old graph
            // before it reads the new one, and at 1.5 million triples every
            // replacing PUT died three times that way. --timeout bounds it.
            .tcp_user_timeout(settings.timeout)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| PublishError::Client(e.to_string()))?;
        Ok(Remote {
            client,
            digest: std::sync::atomic::AtomicBool::new(matches!(auth, Auth::Digest { .. })),
            auth,
            settings,
            challenge: std::sync::Mutex::new(None),
            asked: std::sync::atomic::AtomicBool::new(false),
        })
    }

    pub fn client(&self) -> &reqwest::Client {
        &self.client
    }

    /// Sends the request `make` builds (again at each attempt, so a streamed
    /// body is produced afresh) until it succeeds, fails for good, or the
    /// retries are spent. `what` names the step in errors ("the PUT of the
    /// graph"); `url` is the endpoint, shown in errors. A 404 is returned as
    /// a response when `not_found_ok`.
    pub async fn send(
        &self,
        what: &str,
        url: &str,
        not_found_ok: bool,
        make: impl Fn() -> RequestBuilder,
    ) -> Result<Response, PublishError> {
        let mut attempt = 0;
        // A Digest challenge is answered at once, not as a retry; twice in a
        // row (the second with our answer refused) is a refusal.
        let mut challenged = false;
        loop {
            if matches!(self.auth, Auth::Digest { .. })
                && !self.asked.swap(true, std::sync::atomic::Ordering::Relaxed)
            {
                self.ask_for_challenge(url).await;
            }
            let sent = match self.authorize(make()) {
                Ok(request) => self.client.execute(request).await,
                Err(e) => return Err(PublishError::Client(e)),
            };
            if let Ok(response) = &sent
                && response.status() == StatusCode::UNAUTHORIZED
                && !challenged
            {
                // Virtuoso refuses Basic with a bare 401: a request without
                // credentials then gets its challenge.
                let basic = matches!(self.auth, Auth::Basic { .. }) && !self.answers_digest();
                if self.take_challenge(response)
                    || (basic && no_challenge(response) && self.ask_for_challenge(url).await)
                {
                    challenged = true;
                    continue;
                }
            }
            let (reason, retry_after) = match sent {
                Ok(response) if response.status().is_success() => return Ok(response),
                Ok(response) if response.status() == StatusCode::NOT_FOUND && not_found_ok => {
                    return Ok(response);
                }
                Ok(response) => {
                    let status = response.status();
                    let retry_after = crate::http::retry_after(response.headers());
                    let body = redact(&snippet(response).await, &self.auth);
                    match status.as_u16() {
                        401 | 403 => {
                            return Err(PublishError::Refused {
                                what: what.into(),
                                url: url.into(),
                                status: status.as_u16(),
                                hint: if matches!(self.auth, Auth::None) {
                                    "it needs credentials: --user with --password-env, or --bearer-env"
                                } else {
                                    "check the user and password or token, and that they may write"
                                },
                            });
                        }
                        404 => {
                            return Err(PublishError::NotFound {
                                what: what.into(),
                                url: url.into(),
                            });
                        }
                        500..=599 => (
                            format!("{} {}", status.as_u16(), with_body(status, &body)),
                            retry_after,
                        ),
                        _ => {
                            return Err(PublishError::Status {
                                what: what.into(),
                                url: url.into(),
                                status: status.as_u16(),
                                body,
                            });
                        }
                    }
                }
                Err(e) => (crate::http::describe(&e), None),
            };
            let backoff = crate::http::Backoff {
                retries: self.settings.retries,
                first: self.settings.retry_wait,
                max: MAX_WAIT,
            };
            let Some(wait) = backoff.next(attempt, retry_after) else {
                return Err(PublishError::Failed {
                    what: what.into(),
                    url: url.into(),
                    attempts: attempt + 1,
                    reason,
                });
            };
            tracing::warn!(
                "{what} failed ({reason}); retrying in {:.1} s",
                wait.as_secs_f64()
            );
            tokio::time::sleep(wait).await;
            attempt += 1;
        }
    }

    fn answers_digest(&self) -> bool {
        self.digest.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// The request `builder` makes, with our credentials.
    fn authorize(&self, builder: RequestBuilder) -> Result<reqwest::Request, String> {
        let digest = self.answers_digest();
        let builder = match &self.auth {
            Auth::Basic { user, password } if !digest => builder.basic_auth(user, Some(password)),
            Auth::Bearer(token) => builder.bearer_auth(token),
            _ => builder,
        };
        let mut request = builder.build().map_err(|e| e.to_string())?;
        if let Auth::Digest { user, password } | Auth::Basic { user, password } = &self.auth
            && digest
            && let Some(challenge) = self.challenge().as_mut()
        {
            // The digest covers the method and the path with its query.
            let uri = &request.url()[url::Position::BeforePath..];
            let context = digest_auth::AuthContext::new_with_method(
                user.as_str(),
                password.as_str(),
                uri,
                None::<&[u8]>,
                request.method().as_str().into(),
            );
            let answer = challenge
                .respond(&context)
                .map_err(|e| format!("cannot answer the store's Digest challenge: {e}"))?;
            let value = reqwest::header::HeaderValue::from_str(&answer.to_header_string())
                .map_err(|e| e.to_string())?;
            request
                .headers_mut()
                .insert(reqwest::header::AUTHORIZATION, value);
        }
        Ok(request)
    }

    fn challenge(&self) -> std::sync::MutexGuard<'_, Option<digest_auth::WwwAuthenticateHeader>> {
        self.challenge.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Keeps the Digest challenge of a 401, if it has one and we have a
    /// user and password; whether it did. A user sent as Basic answers
    /// Digest from then on, when the store offers nothing but Digest.
    fn take_challenge(&self, response: &Response) -> bool {
        if !matches!(self.auth, Auth::Digest { .. } | Auth::Basic { .. }) {
            return false;
        }
        let offered: Vec<&str> = response
            .headers()
            .get_all(reqwest::header::WWW_AUTHENTICATE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .collect();
        let scheme = |v: &&str, name: &str| {
            v.trim_start()
                .get(..name.len())
                .is_some_and(|s| s.eq_ignore_ascii_case(name))
        };
        if !self.answers_digest() && offered.iter().any(|v| scheme(v, "basic ")) {
            return false;
        }
        let parsed = offered
            .iter()
            .filter(|v| scheme(v, "digest "))
            .find_map(|v| digest_auth::parse(v).ok());
        match parsed {
            Some(challenge) => {
                *self.challenge() = Some(challenge);
                if !self.answers_digest() {
                    tracing::info!("the store asks for HTTP Digest: answering its challenge");
                    self.digest
                        .store(true, std::sync::atomic::Ordering::Relaxed);
                }
                true
            }
            None => false,
        }
    }

    /// Asks `url` (a GET, no body, no credentials) for the store's
    /// challenge, so that the first real request, however large its body,
    /// is sent once and with our answer.
    async fn ask_for_challenge(&self, url: &str) -> bool {
        if let Ok(response) = self.client.get(url).send().await
            && response.status() == StatusCode::UNAUTHORIZED
        {
            return self.take_challenge(&response);
        }
        false
    }
}

fn no_challenge(response: &Response) -> bool {
    response
        .headers()
        .get(reqwest::header::WWW_AUTHENTICATE)
        .is_none()
}

fn with_body(status: StatusCode, body: &str) -> String {
    let reason = status.canonical_reason().unwrap_or("");
    if body.is_empty() {
        reason.to_owned()
    } else {
        format!("{reason}: {body}")
    }
}

/// The start of an error answer's body (stores explain themselves there),
/// on one line. At most [`BODY_READ`] bytes are read, within a few seconds,
/// whatever the store sends: an endless body is cut, not buffered.
async fn snippet(mut response: Response) -> String {
    const MAX: usize = 300;
    let html = response
        .headers()
        .get(reqwest::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.trim_start().to_ascii_lowercase().starts_with("text/html"));
    let mut bytes = Vec::new();
    let read = async {
        while let Ok(Some(chunk)) = response.chunk().await {
            bytes.extend_from_slice(&chunk);
            if bytes.len() >= BODY_READ {
                break;
            }
        }
    };
    let _ = tokio::time::timeout(Duration::from_secs(5), read).await;
    let text = String::from_utf8_lossy(&bytes[..bytes.len().min(BODY_READ)]);
    let text = if html {
        text_of_html(&text)
    } else {
        text.into_owned()
    };
    let mut line: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if line.chars().count() > MAX {
        line = line.chars().take(MAX).collect::<String>() + "...";
    }
    line
}

/// What a browser would show of an HTML error page: the text of its body
/// (the title when the body has none), without scripts and styles.
/// Virtuoso answers `<h3>Error 22023</h3><xmp>The PUT request for graph
/// <urn:x> is rejected: ...</xmp>`; `<xmp>` keeps `<urn:x>` as text.
fn text_of_html(html: &str) -> String {
    let document = scraper::Html::parse_document(html);
    let texts = |selector: &str| -> String {
        let selector = scraper::Selector::parse(selector).expect("a valid selector");
        let mut out = String::new();
        for element in document.select(&selector) {
            for node in element.descendants() {
                let Some(text) = node.value().as_text() else {
                    continue;
                };
                let hidden = node.ancestors().any(|a| {
                    a.value()
                        .as_element()
                        .is_some_and(|e| matches!(e.name(), "script" | "style" | "template"))
                });
                if !hidden {
                    out.push_str(text);
                    out.push(' ');
                }
            }
        }
        out
    };
    let body = texts("body");
    if body.trim().is_empty() {
        texts("title")
    } else {
        body
    }
}

/// The most of an error answer's body read.
pub const BODY_READ: usize = 8 << 10;

/// `text` without the credentials we sent, should the store echo them
/// (some print the request's headers in their error pages): the password,
/// the token, and any `Basic`/`Bearer`/`Digest` credential or
/// `Authorization` header value.
fn redact(text: &str, auth: &Auth) -> String {
    static SCHEMES: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
        regex::Regex::new(
            r"(?i)\b(authorization\s*[:=]\s*)?(basic|bearer|digest)(\s+)[^\s,;]+(\s*,\s*[a-z]+=(\x22[^\x22]*\x22|[^\s,;]+))*",
        )
        .expect("a valid pattern")
    });
    let mut text = SCHEMES
        .replace_all(text, "${1}${2}${3}[redacted]")
        .into_owned();
    let secrets: Vec<&str> = match auth {
        Auth::None => Vec::new(),
        Auth::Basic { password, .. } => vec![password],
        Auth::Bearer(token) => vec![token],
        Auth::Digest { password, .. } => vec![password],
    };
    for secret in secrets.into_iter().filter(|s| s.len() >= 4) {
        text = text.replace(secret, "[redacted]");
    }
    text
}

#[cfg(test)]
mod tests {
    #[test]
    fn an_html_error_page_is_its_text() {
        // Virtuoso 7.2's answer to a PUT of an unsupported type, as it is.
        let page = "<!DOCTYPE HTML PUBLIC \"-//IETF//DTD HTML 2.0//EN\">\n<html>\n  <head>\n    \
                    <title>SPARQL Graph Protocol request failed</title>\n  <style>h1{}</style></head>\n  \
                    <body>\n    <h1>HTTP/1.1 500 Request Failed</h1>\n    <h3>Error 22023</h3>\n<xmp>The \
                    PUT request for graph <urn:bad> is rejected: the submitted resource is of \
                    unsupported type text/plain</xmp><script>x()</script> &amp; more</body></html>";
        let text = super::text_of_html(page);
        let line: Vec<&str> = text.split_whitespace().collect();
        assert_eq!(
            line.join(" "),
            "HTTP/1.1 500 Request Failed Error 22023 The PUT request for graph <urn:bad> is \
             rejected: the submitted resource is of unsupported type text/plain & more"
        );
        let bare = "<html><head><title>Error 404</title></head><body> </body></html>";
        assert_eq!(super::text_of_html(bare).trim(), "Error 404");
    }

    #[test]
    fn echoed_credentials_are_redacted() {
        let auth = super::Auth::Basic {
            user: "orgdir".into(),
            password: "s3cret-pass".into(),
        };
        let body = "500 bad; request headers: authorization: Basic b3JnZGlyOnMzY3JldC1wYXNz \
                    x-other: 1; you sent s3cret-pass; Bearer abc.def-ghi; \
                    Digest username=\"orgdir\", nonce=\"n\", response=\"0123abcd\"";
        let shown = super::redact(body, &auth);
        for secret in [
            "b3JnZGlyOnMzY3JldC1wYXNz",
            "s3cret-pass",
            "abc.def-ghi",
            "0123abcd",
        ] {
            assert!(!shown.contains(secret), "{secret} in {shown}");
        }
        assert!(shown.contains("authorization: Basic [redacted]"), "{shown}");
        assert!(shown.contains("x-other: 1"), "{shown}");
    }
}
