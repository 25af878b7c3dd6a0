//! One error type for every handler: 4xx carry a message the client can act
//! on; 5xx are logged and say little.

use std::time::Duration;

use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};

use super::negotiate::Format;

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("{0}")]
    BadRequest(String),
    #[error(
        "this endpoint is read-only: the data comes from YAML sources, change them and rebuild"
    )]
    ReadOnly,
    #[error("not found: {0}")]
    NotFound(String),
    /// A 404 for a browser: the rendered page.
    #[error("not found")]
    NotFoundPage(String),
    #[error("only GET and HEAD are allowed here")]
    MethodNotAllowed,
    /// 503 with `Retry-After`: something is being prepared.
    #[error("{0}; try again in a few seconds")]
    Unavailable(String),
    #[error("none of the accepted media types can be produced; available: {}", media_types(.0))]
    NotAcceptable(&'static [Format]),
    #[error(
        "unsupported content type `{0}`: use application/sparql-query or application/x-www-form-urlencoded"
    )]
    UnsupportedMediaType(String),
    #[error("the request URI is longer than {0} bytes: send the query with POST")]
    UriTooLong(usize),
    #[error("the query ran longer than {} s and was cancelled: add a LIMIT or narrow the patterns", .0.as_secs_f64())]
    Timeout(Duration),
    #[error("the query has more than {0} results: add a LIMIT, or page with OFFSET")]
    TooManyResults(usize),
    #[error("the query used more than {} MiB of memory and was cancelled: add a LIMIT or narrow the patterns", .0 >> 20)]
    QueryMemory(usize),
    /// 503 with `Retry-After`: every evaluation slot stayed busy.
    #[error("the endpoint is busy: no query slot came free within {} s; try again shortly", .0.as_secs_f64())]
    Busy(Duration),
    /// 503 with `Retry-After`: every slot for long queries is taken.
    #[error("the query ran longer than this endpoint's queries usually do (more than {} ms of CPU time or {:.1} s) while {running} long queries were running already, and was cancelled; try again shortly, or narrow it", cpu.as_millis(), in_slot.as_secs_f64())]
    LongQueriesBusy {
        running: usize,
        cpu: Duration,
        in_slot: Duration,
    },
    /// 429 with `Retry-After`: this client's share is used.
    #[error("too many requests: {why}; try again in {retry_after} s")]
    TooManyRequests { why: String, retry_after: u64 },
    #[error("the request body is larger than {0} bytes")]
    PayloadTooLarge(usize),
    #[error("internal error")]
    Internal(String),
}

fn media_types(formats: &[Format]) -> String {
    formats
        .iter()
        .map(|f| f.media_type())
        .collect::<Vec<_>>()
        .join(", ")
}

impl ApiError {
    pub fn status(&self) -> StatusCode {
        match self {
            ApiError::BadRequest(_) => StatusCode::BAD_REQUEST,
            ApiError::ReadOnly => StatusCode::FORBIDDEN,
            ApiError::NotFound(_) | ApiError::NotFoundPage(_) => StatusCode::NOT_FOUND,
            ApiError::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            ApiError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::NotAcceptable(_) => StatusCode::NOT_ACCEPTABLE,
            ApiError::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ApiError::UriTooLong(_) => StatusCode::URI_TOO_LONG,
            ApiError::Timeout(_) => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::TooManyResults(_) => StatusCode::UNPROCESSABLE_ENTITY,
            ApiError::QueryMemory(_) | ApiError::Busy(_) | ApiError::LongQueriesBusy { .. } => {
                StatusCode::SERVICE_UNAVAILABLE
            }
            ApiError::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
            ApiError::PayloadTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        if let ApiError::Internal(detail) = &self {
            tracing::error!("{detail}");
        }
        let status = self.status();
        match self {
            ApiError::NotFoundPage(page) => return super::html::page(status, page),
            ApiError::MethodNotAllowed => {
                return (status, [(header::ALLOW, "GET, HEAD")], format!("{self}\n"))
                    .into_response();
            }
            ApiError::Unavailable(_)
            | ApiError::Busy(_)
            | ApiError::LongQueriesBusy { .. }
            | ApiError::TooManyRequests { .. } => {
                let retry_after = match &self {
                    ApiError::TooManyRequests { retry_after, .. } => retry_after.to_string(),
                    ApiError::Busy(_) | ApiError::LongQueriesBusy { .. } => "2".to_owned(),
                    _ => "5".to_owned(),
                };
                return (
                    status,
                    [
                        (header::RETRY_AFTER, retry_after),
                        (header::CONTENT_TYPE, "text/plain; charset=utf-8".to_owned()),
                    ],
                    format!("{self}\n"),
                )
                    .into_response();
            }
            _ => {}
        }
        (
            status,
            [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
            format!("{self}\n"),
        )
            .into_response()
    }
}
