//! Content negotiation: the `Accept` header with q-values, or a `format`
//! parameter that overrides it (for links and for clients that cannot set
//! headers).

use oxigraph::io::RdfFormat;
use oxigraph::sparql::results::QueryResultsFormat;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Format {
    Json,
    Xml,
    Csv,
    Tsv,
    Turtle,
    NTriples,
    JsonLd,
    RdfXml,
    /// A page for people: the query page, resource pages, the directory.
    Html,
}

/// What SELECT and ASK can be answered in, preferred first.
pub const SOLUTIONS: &[Format] = &[Format::Json, Format::Xml, Format::Csv, Format::Tsv];
/// SELECT and ASK from a browser: HTML only when preferred (ties go to JSON).
pub const SOLUTIONS_OR_PAGE: &[Format] = &[
    Format::Json,
    Format::Xml,
    Format::Csv,
    Format::Tsv,
    Format::Html,
];
/// CONSTRUCT, DESCRIBE and the service description, likewise.
pub const GRAPHS_OR_PAGE: &[Format] = &[
    Format::Turtle,
    Format::NTriples,
    Format::JsonLd,
    Format::RdfXml,
    Format::Html,
];
/// A resource page: HTML first (for `*/*` and no Accept), then RDF.
pub const RESOURCE: &[Format] = &[
    Format::Html,
    Format::Turtle,
    Format::NTriples,
    Format::JsonLd,
];
/// What CONSTRUCT and DESCRIBE can be answered in, preferred first.
pub const GRAPHS: &[Format] = &[
    Format::Turtle,
    Format::NTriples,
    Format::JsonLd,
    Format::RdfXml,
];

impl Format {
    pub fn media_type(self) -> &'static str {
        match self {
            Format::Json => "application/sparql-results+json",
            Format::Xml => "application/sparql-results+xml",
            Format::Csv => "text/csv",
            Format::Tsv => "text/tab-separated-values",
            Format::Turtle => "text/turtle",
            Format::NTriples => "application/n-triples",
            Format::JsonLd => "application/ld+json",
            Format::RdfXml => "application/rdf+xml",
            Format::Html => "text/html",
        }
    }

    /// Other media types clients send for the same format.
    fn aliases(self) -> &'static [&'static str] {
        match self {
            Format::Json => &["application/json"],
            Format::Xml => &["application/xml", "text/xml"],
            // N3 clients (SPARQLWrapper's N3) read Turtle, which N3 extends.
            Format::Turtle => &["application/x-turtle", "text/n3", "text/rdf+n3"],
            Format::NTriples => &["text/plain"],
            Format::Html => &["application/xhtml+xml"],
            _ => &[],
        }
    }

    /// Short names for the `format` parameter (`?format=csv`).
    fn names(self) -> &'static [&'static str] {
        match self {
            Format::Json => &["json", "srj"],
            Format::Xml => &["xml", "srx"],
            Format::Csv => &["csv"],
            Format::Tsv => &["tsv"],
            Format::Turtle => &["turtle", "ttl", "n3"],
            Format::NTriples => &["ntriples", "n-triples", "nt"],
            Format::JsonLd => &["jsonld", "json-ld"],
            Format::RdfXml => &["rdfxml", "rdf-xml", "rdf", "owl"],
            Format::Html => &["html"],
        }
    }

    pub fn results_format(self) -> Option<QueryResultsFormat> {
        Some(match self {
            Format::Json => QueryResultsFormat::Json,
            Format::Xml => QueryResultsFormat::Xml,
            Format::Csv => QueryResultsFormat::Csv,
            Format::Tsv => QueryResultsFormat::Tsv,
            _ => return None,
        })
    }

    pub fn rdf_format(self) -> Option<RdfFormat> {
        Some(match self {
            Format::Turtle => RdfFormat::Turtle,
            Format::NTriples => RdfFormat::NTriples,
            Format::JsonLd => RdfFormat::JsonLd {
                profile: Default::default(),
            },
            Format::RdfXml => RdfFormat::RdfXml,
            _ => return None,
        })
    }
}

/// The first of `params` (`format`, `output` and `results` values, each
/// possibly a comma-separated list) that names one of `offered`; values
/// that name nothing offered are passed over, so `Accept` decides then.
pub fn by_params(params: &[String], offered: &[Format]) -> Option<Format> {
    params
        .iter()
        .flat_map(|p| p.split(','))
        .find_map(|name| by_name(name, offered))
}

/// The format a `format` parameter names among `offered`: a short name or a media type.
pub fn by_name(name: &str, offered: &[Format]) -> Option<Format> {
    let name = name.trim().to_ascii_lowercase();
    offered.iter().copied().find(|f| {
        f.names().contains(&name.as_str())
            || f.media_type() == name
            || f.aliases().contains(&name.as_str())
    })
}

/// The best of `offered` for an `Accept` header, or `None` when the client
/// accepts none of them (406). No header means anything; ties go to the
/// earlier of `offered`.
pub fn negotiate(accept: Option<&str>, offered: &[Format]) -> Option<Format> {
    let Some(accept) = accept.filter(|a| !a.trim().is_empty()) else {
        return offered.first().copied();
    };
    let ranges: Vec<(String, f32)> = accept
        .split(',')
        .filter_map(|range| {
            let mut parts = range.split(';');
            let media = parts.next()?.trim().to_ascii_lowercase();
            let q = parts
                .filter_map(|p| p.trim().strip_prefix("q="))
                .find_map(|q| q.trim().parse::<f32>().ok())
                .unwrap_or(1.0);
            (!media.is_empty()).then_some((media, q.clamp(0.0, 1.0)))
        })
        .collect();
    let quality = |f: Format| -> f32 {
        // The most specific range that matches decides.
        let mut best: Option<(u8, f32)> = None;
        for (media, q) in &ranges {
            let specificity = if media == f.media_type() || f.aliases().contains(&media.as_str()) {
                3
            } else if media
                .strip_suffix("/*")
                .is_some_and(|t| f.media_type().starts_with(&format!("{t}/")))
            {
                2
            } else if media == "*/*" {
                1
            } else {
                continue;
            };
            if best.is_none_or(|(s, _)| specificity > s) {
                best = Some((specificity, *q));
            }
        }
        best.map_or(0.0, |(_, q)| q)
    };
    let mut chosen: Option<(Format, f32)> = None;
    for &f in offered {
        let q = quality(f);
        if q > 0.0 && chosen.is_none_or(|(_, best)| q > best) {
            chosen = Some((f, q));
        }
    }
    chosen.map(|(f, _)| f)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accept_headers() {
        assert_eq!(negotiate(None, SOLUTIONS), Some(Format::Json));
        assert_eq!(negotiate(Some("*/*"), GRAPHS), Some(Format::Turtle));
        assert_eq!(negotiate(Some("text/csv"), SOLUTIONS), Some(Format::Csv));
        assert_eq!(
            negotiate(
                Some("application/sparql-results+xml;q=0.9, text/csv;q=0.5"),
                SOLUTIONS
            ),
            Some(Format::Xml)
        );
        assert_eq!(
            negotiate(
                Some("application/sparql-results+json;q=0.1, text/*;q=0.8"),
                SOLUTIONS
            ),
            Some(Format::Csv),
            "q-values beat server preference"
        );
        assert_eq!(negotiate(Some("text/html"), SOLUTIONS), None);
        assert_eq!(
            negotiate(Some("text/csv;q=0, */*"), SOLUTIONS),
            Some(Format::Json)
        );
        assert_eq!(
            negotiate(Some("*/*, text/turtle;q=0"), GRAPHS),
            Some(Format::NTriples)
        );
        assert_eq!(
            negotiate(Some("application/json"), SOLUTIONS),
            Some(Format::Json)
        );
        assert_eq!(
            negotiate(Some("application/ld+json"), GRAPHS),
            Some(Format::JsonLd)
        );
    }

    #[test]
    fn format_names() {
        assert_eq!(by_name("csv", SOLUTIONS), Some(Format::Csv));
        assert_eq!(by_name("text/turtle", GRAPHS), Some(Format::Turtle));
        assert_eq!(by_name("csv", GRAPHS), None);
    }
}
