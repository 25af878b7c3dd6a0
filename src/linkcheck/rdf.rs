//! `--rdf FILE`: the results as RDF, so a triplestore (or `orgdir serve
//! --linkcheck FILE`, which loads them into a named graph) can answer "which
//! ALA divisions have dead websites, since when?". Each checked URL is one
//! `schema:CheckAction`; orgdir's own terms are under `urn:orgdir:linkcheck#`
//! (README documents them).

use oxrdf::{Literal, NamedNode, Triple};
use sha2::{Digest, Sha256};

use super::Report;
use super::history::State;
use crate::rdf::vocab::{lc, rdf, schema, xsd};

/// The graph's name when it is loaded beside the data: `<base>linkcheck`.
pub fn graph_name(base: &str) -> String {
    format!("{base}linkcheck")
}

/// The triples of `report`; `base` is the dataset's base IRI, under which
/// each check and the organizations are named.
pub fn triples(report: &Report, base: &str) -> Vec<Triple> {
    let mut out = Vec::new();
    let iri = |s: &str| NamedNode::new(s).ok();
    for entry in &report.results {
        let o = &entry.outcome;
        let digest = Sha256::digest(o.url.as_bytes());
        let Some(action) = iri(&format!(
            "{base}linkcheck/{}",
            crate::rdf::dump::hex(&digest[..12])
        )) else {
            continue;
        };
        let mut add = |p: oxrdf::NamedNodeRef<'_>, o: oxrdf::Term| {
            out.push(Triple::new(action.clone(), p.into_owned(), o));
        };
        add(rdf::TYPE, schema::CHECK_ACTION.into_owned().into());
        match iri(&o.url) {
            Some(url) => add(schema::OBJECT, url.into()),
            None => add(schema::OBJECT, Literal::new_simple_literal(&o.url).into()),
        }
        add(
            schema::END_TIME,
            Literal::new_typed_literal(&entry.checked_at, xsd::DATE_TIME).into(),
        );
        let completed = !o.status.is_failure();
        add(
            schema::ACTION_STATUS,
            if completed {
                schema::COMPLETED_ACTION_STATUS
            } else {
                schema::FAILED_ACTION_STATUS
            }
            .into_owned()
            .into(),
        );
        add(
            lc::STATUS,
            Literal::new_simple_literal(o.status.as_str()).into(),
        );
        if let Some(code) = o.http_status {
            add(
                lc::HTTP_STATUS,
                Literal::new_typed_literal(code.to_string(), xsd::INTEGER).into(),
            );
        }
        if let Some(url) = o.final_url.as_deref().and_then(iri) {
            add(lc::FINAL_URL, url.into());
        }
        if let Some(url) = o.suggested_url.as_deref().and_then(iri) {
            add(lc::SUGGESTED_URL, url.into());
        }
        let state = match entry.verdict.state {
            State::Working => "working",
            State::Failing => "failing",
            State::Dead => "dead",
        };
        add(lc::STATE, Literal::new_simple_literal(state).into());
        add(
            lc::SINCE,
            Literal::new_typed_literal(&entry.verdict.since, xsd::DATE_TIME).into(),
        );
        for u in &entry.uses {
            if let Some(org) = iri(&format!("{base}org/{}", u.organization)) {
                add(schema::ABOUT, org.into());
            }
        }
    }
    out
}
