//! A release file over HTTP, as a harvester needs it: the gzip copy when the
//! client accepts gzip, strong ETags (the file's SHA-256), Last-Modified,
//! conditional requests (`If-None-Match`, `If-Modified-Since`: 304), single
//! byte ranges (`Range`, `If-Range`: 206 or 416), HEAD, and a body streamed
//! from the file.

use std::io::SeekFrom;
use std::time::SystemTime;

use axum::body::Body;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use tokio::io::{AsyncReadExt, AsyncSeekExt};

use super::error::ApiError;
use crate::dist::DumpFile;

/// Answers a GET or HEAD of `file`.
pub async fn respond(file: &DumpFile, method: &Method, headers: &HeaderMap) -> Response {
    match respond_inner(file, method, headers).await {
        Ok(response) => response,
        Err(e) => e.into_response(),
    }
}

async fn respond_inner(
    file: &DumpFile,
    method: &Method,
    headers: &HeaderMap,
) -> Result<Response, ApiError> {
    let gzip = file
        .gzip
        .as_ref()
        .filter(|_| accepts_gzip(header_str(headers, header::ACCEPT_ENCODING)));
    let (path, len) = match gzip {
        Some((path, len)) => (path, *len),
        None => (&file.path, file.len),
    };
    let etag = match gzip {
        Some(_) => format!("\"{}-gzip\"", &file.sha256[..32]),
        None => format!("\"{}\"", &file.sha256[..32]),
    };
    let modified = httpdate::fmt_http_date(file.modified);
    let mut common = HeaderMap::new();
    common.insert(header::ETAG, value(&etag));
    common.insert(header::LAST_MODIFIED, value(&modified));
    common.insert(header::VARY, HeaderValue::from_static("Accept-Encoding"));
    common.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));

    if not_modified(headers, &etag, file.modified) {
        return Ok((StatusCode::NOT_MODIFIED, common).into_response());
    }

    common.insert(header::ACCEPT_RANGES, HeaderValue::from_static("bytes"));
    common.insert(
        header::CONTENT_TYPE,
        value(&if file.media_type.starts_with("text/") {
            format!("{}; charset=utf-8", file.media_type)
        } else {
            file.media_type.to_owned()
        }),
    );
    if gzip.is_some() {
        common.insert(header::CONTENT_ENCODING, HeaderValue::from_static("gzip"));
    }

    let range = match header_str(headers, header::RANGE) {
        Some(range) if if_range_holds(headers, &etag, file.modified) => parse_range(range, len),
        _ => Range::Whole,
    };
    let (status, start, count) = match range {
        Range::Whole => (StatusCode::OK, 0, len),
        Range::Part(start, end) => {
            common.insert(
                header::CONTENT_RANGE,
                value(&format!("bytes {start}-{end}/{len}")),
            );
            (StatusCode::PARTIAL_CONTENT, start, end - start + 1)
        }
        Range::Unsatisfiable => {
            common.insert(header::CONTENT_RANGE, value(&format!("bytes */{len}")));
            common.remove(header::CONTENT_TYPE);
            common.remove(header::CONTENT_ENCODING);
            return Ok((StatusCode::RANGE_NOT_SATISFIABLE, common).into_response());
        }
    };
    common.insert(header::CONTENT_LENGTH, value(&count.to_string()));
    if method == Method::HEAD {
        return Ok((status, common).into_response());
    }
    let mut reader = tokio::fs::File::open(path)
        .await
        .map_err(|e| ApiError::Internal(format!("opening {}: {e}", path.display())))?;
    if start > 0 {
        reader
            .seek(SeekFrom::Start(start))
            .await
            .map_err(|e| ApiError::Internal(format!("seeking in {}: {e}", path.display())))?;
    }
    let stream = tokio_util::io::ReaderStream::with_capacity(reader.take(count), 1 << 16);
    Ok((status, common, Body::from_stream(stream)).into_response())
}

fn value(s: &str) -> HeaderValue {
    HeaderValue::from_str(s).expect("header values built from ASCII")
}

fn header_str(headers: &HeaderMap, name: header::HeaderName) -> Option<&str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

/// Whether `Accept-Encoding` allows gzip: named (or `*`) with a q-value above 0.
pub fn accepts_gzip(accept_encoding: Option<&str>) -> bool {
    let Some(list) = accept_encoding else {
        return false;
    };
    let mut star = None;
    for item in list.split(',') {
        let mut parts = item.split(';');
        let coding = parts.next().unwrap_or("").trim().to_ascii_lowercase();
        let q = parts
            .filter_map(|p| p.trim().strip_prefix("q="))
            .find_map(|q| q.trim().parse::<f32>().ok())
            .unwrap_or(1.0);
        match coding.as_str() {
            "gzip" | "x-gzip" => return q > 0.0,
            "*" => star = Some(q > 0.0),
            _ => {}
        }
    }
    star.unwrap_or(false)
}

/// RFC 9110 §13.2.2: If-None-Match decides when present; otherwise
/// If-Modified-Since, compared at the one-second precision of HTTP dates.
fn not_modified(headers: &HeaderMap, etag: &str, modified: SystemTime) -> bool {
    if headers.contains_key(header::IF_NONE_MATCH) {
        return none_match(headers, etag);
    }
    header_str(headers, header::IF_MODIFIED_SINCE)
        .and_then(|d| httpdate::parse_http_date(d).ok())
        .is_some_and(|since| seconds(modified) <= seconds(since))
}

/// A body made at request (`no-cache`): with a strong ETag of its bytes,
/// 304 when `If-None-Match` names it. `media_type` includes the charset.
pub fn respond_made(body: String, media_type: &'static str, headers: &HeaderMap) -> Response {
    use sha2::Digest as _;
    let etag = format!(
        "\"{}\"",
        &crate::rdf::dump::hex(&sha2::Sha256::digest(body.as_bytes()))[..32]
    );
    let mut common = HeaderMap::new();
    common.insert(header::ETAG, value(&etag));
    common.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    if none_match(headers, &etag) {
        return (StatusCode::NOT_MODIFIED, common).into_response();
    }
    common.insert(header::CONTENT_TYPE, HeaderValue::from_static(media_type));
    (common, body).into_response()
}

/// `If-None-Match` names `etag` (weak comparison, as it requires) or `*`.
pub(super) fn none_match(headers: &HeaderMap, etag: &str) -> bool {
    let bare = etag.trim_start_matches("W/");
    header_str(headers, header::IF_NONE_MATCH).is_some_and(|tags| {
        tags.split(',')
            .map(|t| t.trim().trim_start_matches("W/"))
            .any(|t| t == "*" || t == bare)
    })
}

/// `If-Range` holds (or is absent): an exact strong ETag or the exact date.
fn if_range_holds(headers: &HeaderMap, etag: &str, modified: SystemTime) -> bool {
    match header_str(headers, header::IF_RANGE) {
        None => true,
        Some(v) if v.starts_with('"') => v.trim() == etag,
        Some(v) => httpdate::parse_http_date(v).is_ok_and(|d| seconds(d) == seconds(modified)),
    }
}

fn seconds(t: SystemTime) -> u64 {
    t.duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

#[derive(Debug, PartialEq, Eq)]
pub enum Range {
    /// No usable range: the whole representation (200). Several ranges are
    /// answered this way too, as RFC 9110 allows.
    Whole,
    /// Inclusive first and last byte.
    Part(u64, u64),
    /// 416.
    Unsatisfiable,
}

/// Parses a `Range` header against a representation of `len` bytes.
pub fn parse_range(header: &str, len: u64) -> Range {
    let Some(spec) = header.trim().strip_prefix("bytes=") else {
        return Range::Whole;
    };
    if spec.contains(',') {
        return Range::Whole;
    }
    let Some((first, last)) = spec.trim().split_once('-') else {
        return Range::Whole;
    };
    let (first, last) = (first.trim(), last.trim());
    let parse = |s: &str| s.parse::<u64>().ok();
    match (first.is_empty(), last.is_empty()) {
        // bytes=-N: the last N bytes.
        (true, false) => match parse(last) {
            Some(0) => Range::Unsatisfiable,
            Some(n) if len > 0 => Range::Part(len.saturating_sub(n), len - 1),
            Some(_) => Range::Unsatisfiable,
            None => Range::Whole,
        },
        // bytes=N-: from N to the end.
        (false, true) => match parse(first) {
            Some(start) if start < len => Range::Part(start, len - 1),
            Some(_) => Range::Unsatisfiable,
            None => Range::Whole,
        },
        (false, false) => match (parse(first), parse(last)) {
            (Some(start), Some(end)) if start <= end => {
                if start < len {
                    Range::Part(start, end.min(len - 1))
                } else {
                    Range::Unsatisfiable
                }
            }
            _ => Range::Whole,
        },
        (true, true) => Range::Whole,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges() {
        assert_eq!(parse_range("bytes=0-9", 100), Range::Part(0, 9));
        assert_eq!(parse_range("bytes=90-", 100), Range::Part(90, 99));
        assert_eq!(parse_range("bytes=-10", 100), Range::Part(90, 99));
        assert_eq!(parse_range("bytes=-200", 100), Range::Part(0, 99));
        assert_eq!(parse_range("bytes=50-500", 100), Range::Part(50, 99));
        assert_eq!(parse_range("bytes=100-", 100), Range::Unsatisfiable);
        assert_eq!(parse_range("bytes=-0", 100), Range::Unsatisfiable);
        assert_eq!(parse_range("bytes=9-0", 100), Range::Whole);
        assert_eq!(parse_range("bytes=0-1,5-6", 100), Range::Whole);
        assert_eq!(parse_range("items=0-1", 100), Range::Whole);
        assert_eq!(parse_range("bytes=x-1", 100), Range::Whole);
    }

    #[test]
    fn gzip_acceptance() {
        assert!(accepts_gzip(Some("gzip, deflate, br")));
        assert!(accepts_gzip(Some("br;q=1.0, gzip;q=0.8")));
        assert!(accepts_gzip(Some("*")));
        assert!(!accepts_gzip(Some("gzip;q=0, *")));
        assert!(!accepts_gzip(Some("identity")));
        assert!(!accepts_gzip(Some("*;q=0")));
        assert!(!accepts_gzip(None));
    }
}
