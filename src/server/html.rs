//! Pages for people: the minijinja templates (compiled into the binary, HTML
//! auto-escaped), the site-wide context, the static files, and JSON safe to
//! embed in a `<script>` element.

use std::sync::LazyLock;

use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use minijinja::{Environment, Value};
use serde::Serialize;

use super::error::ApiError;
use super::negotiate::{self, Format};
use crate::store::Snapshot;

static TEMPLATES: LazyLock<Environment<'static>> = LazyLock::new(|| {
    let mut env = Environment::new();
    for (name, text) in [
        ("layout.html", include_str!("../templates/layout.html")),
        (
            "directory.html",
            include_str!("../templates/directory.html"),
        ),
        ("resource.html", include_str!("../templates/resource.html")),
        (
            "not_found.html",
            include_str!("../templates/not_found.html"),
        ),
        ("query.html", include_str!("../templates/query.html")),
        ("queries.html", include_str!("../templates/queries.html")),
        ("dumps.html", include_str!("../templates/dumps.html")),
        ("search.html", include_str!("../templates/search.html")),
        ("schema.html", include_str!("../templates/schema.html")),
    ] {
        env.add_template(name, text)
            .unwrap_or_else(|e| panic!("template {name}: {e}"));
    }
    env.add_filter("code_spans", |text: &str| {
        Value::from_safe_string(crate::report::html_code_spans(text))
    });
    // A meta description: one line, at most 160 characters, cut at a word.
    env.add_filter("excerpt", |text: &str| {
        let one: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
        if one.chars().count() <= 160 {
            return one;
        }
        let cut: String = one.chars().take(159).collect();
        let cut = cut.rfind(' ').map_or(cut.as_str(), |i| &cut[..i]);
        format!("{cut}…")
    });
    env
});

/// What every page shows in its header and footer.
#[derive(Debug, Serialize)]
pub struct Site {
    pub title: String,
    pub dataset_path: String,
    pub version: &'static str,
    /// The dataset base: canonical links and the sitemap are under it.
    pub base: String,
    /// Whether the search box is shown (not under `serve --no-search`).
    pub search: bool,
}

impl Site {
    pub fn of(snapshot: &Snapshot) -> Site {
        Site {
            title: snapshot.title.clone(),
            dataset_path: super::resource::local_path(&snapshot.base, &snapshot.dataset)
                .unwrap_or_else(|| snapshot.dataset.clone()),
            version: env!("CARGO_PKG_VERSION"),
            base: snapshot.base.clone(),
            search: snapshot.search,
        }
    }
}

/// Renders `template` with `context` plus `site`.
pub fn render(snapshot: &Snapshot, template: &str, context: Value) -> Result<String, ApiError> {
    let context = minijinja::context! { site => data(Site::of(snapshot)), ..context };
    TEMPLATES
        .get_template(template)
        .and_then(|t| t.render(context))
        .map_err(|e| ApiError::Internal(format!("rendering {template}: {e:#}")))
}

/// Any serializable value as template data.
pub fn data<T: Serialize>(value: T) -> Value {
    Value::from(minijinja::value::Serde(value))
}

/// An HTML response.
pub fn page(status: StatusCode, html: String) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
        html,
    )
        .into_response()
}

/// Whether a request for one of `offered` (which ends with HTML) prefers HTML.
pub fn prefers_html(headers: &HeaderMap, format: &[String], offered: &[Format]) -> bool {
    if let Some(named) = negotiate::by_params(format, offered) {
        return named == Format::Html;
    }
    let accept = headers.get(header::ACCEPT).and_then(|v| v.to_str().ok());
    accept.is_some() && negotiate::negotiate(accept, offered) == Some(Format::Html)
}

/// JSON that can sit inside `<script>`: `<`, `>` and `&` are written as
/// `\u003c`, `\u003e`, `\u0026` (they only occur inside JSON strings, where
/// the escapes mean the same), so no string can close the element or open a
/// comment.
pub fn script_json(value: &serde_json::Value) -> String {
    let text = serde_json::to_string_pretty(value).expect("JSON values serialize");
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '<' => out.push_str("\\u003c"),
            '>' => out.push_str("\\u003e"),
            '&' => out.push_str("\\u0026"),
            c => out.push(c),
        }
    }
    out
}

/// `/static/<file>`: the style sheet and the query page's script, served by
/// orgdir itself (no CDN).
pub async fn static_file(
    axum::extract::Path(name): axum::extract::Path<String>,
) -> Result<Response, ApiError> {
    let (body, media_type) = match name.as_str() {
        "site.css" => (
            include_str!("../templates/static/site.css"),
            "text/css; charset=utf-8",
        ),
        "query.js" => (
            include_str!("../templates/static/query.js"),
            "text/javascript; charset=utf-8",
        ),
        "suggest.js" => (
            include_str!("../templates/static/suggest.js"),
            "text/javascript; charset=utf-8",
        ),
        _ => return Err(ApiError::NotFound(format!("/static/{name}"))),
    };
    Ok((
        [
            (header::CONTENT_TYPE, media_type),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        body,
    )
        .into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn script_json_cannot_close_the_element() {
        let v = serde_json::json!({ "d": "</script><!-- & -->" });
        let s = script_json(&v);
        assert!(!s.contains('<') && !s.contains('>') && !s.contains('&'));
        let back: serde_json::Value = serde_json::from_str(&s).unwrap();
        assert_eq!(back, v);
    }

    #[test]
    fn every_template_compiles() {
        for name in [
            "directory.html",
            "resource.html",
            "query.html",
            "queries.html",
            "search.html",
        ] {
            TEMPLATES.get_template(name).unwrap();
        }
    }
}
