//! Checking what the store holds after a publish.
//!
//! Always: the remote graph's triple count equals the build's. With
//! `--verify`: the remote graph has exactly the build's triples. Every
//! triple read back is written in canonical N-Triples and reduced to a
//! 128-bit digest (the first half of its SHA-256); the sorted digests of both
//! sides must be equal. A set of triples has one canonical form, so equal sets
//! mean the remote graph's RDFC-1.0 canonical hash is the build's (our graphs
//! have no blank nodes: their canonical N-Quads are their sorted N-Triples).
//! This needs 16 bytes per triple and side, not the text of the graph.
//! When they differ, the triples missing remotely are named.

use reqwest::RequestBuilder;
use reqwest::header::ACCEPT;
use sha2::{Digest, Sha256};

use std::sync::Arc;

use super::PublishError;
use super::input::Input;
use super::remote::Remote;
use crate::rdf::dump::hex;

/// How many differing triples an error shows.
const SHOWN: usize = 5;

/// The build's side.
pub struct Local {
    pub count: u64,
    /// Sorted digests of every triple, with `--verify`.
    pub digests: Option<Vec<u128>>,
    /// SHA-256 of the sorted canonical N-Triples (with `--verify`).
    pub canonical_hash: String,
    input: Option<Arc<Input>>,
}

impl Local {
    pub fn of(input: &Arc<Input>, digests: bool) -> Result<Local, PublishError> {
        let mut count = 0;
        let mut all = digests.then(Vec::new);
        let mut hasher = Sha256::new();
        input
            .each(|piece| {
                count += piece.triples as u64;
                if let Some(all) = &mut all {
                    // The descriptions come in canonical order: this is orgs.nt.
                    hasher.update(piece.text.as_bytes());
                    all.extend(piece.text.lines().map(digest));
                }
                true
            })
            .map_err(|e| PublishError::Usage(format!("cannot read the graph to publish: {e}")))?;
        if let Some(all) = &mut all {
            all.sort_unstable();
        }
        Ok(Local {
            count,
            digests: all,
            canonical_hash: hex(&hasher.finalize()),
            input: digests.then(|| Arc::clone(input)),
        })
    }

    /// The build's triples whose digest is in `wanted`, in canonical order.
    fn lines_with(&self, wanted: &[u128]) -> Vec<String> {
        let Some(input) = &self.input else {
            return Vec::new();
        };
        let mut found = Vec::new();
        let _ = input.each(|piece| {
            for line in piece.text.lines() {
                if wanted.binary_search(&digest(line)).is_ok() {
                    found.push(line.to_owned());
                    if found.len() == SHOWN {
                        return false;
                    }
                }
            }
            true
        });
        found
    }
}

/// The first 128 bits of the SHA-256 of one canonical N-Triples line
/// (without its newline).
fn digest(line: &str) -> u128 {
    let hash = Sha256::digest(line.as_bytes());
    u128::from_be_bytes(hash[..16].try_into().expect("16 bytes"))
}

/// How the remote graph is read back.
#[derive(Debug, Clone)]
pub enum Reader {
    /// `GET endpoint?graph=IRI` (Graph Store protocol): that URL.
    GraphStore(reqwest::Url),
    /// SPARQL queries to this endpoint, each answer at most `max_rows`
    /// rows long when the store cuts its answers.
    Sparql {
        endpoint: String,
        max_rows: Option<usize>,
    },
}

/// Compares the remote graph with `local`; returns the remote triple count.
pub async fn check(
    remote: &Remote,
    reader: &Reader,
    graph: &str,
    local: &Local,
) -> Result<u64, PublishError> {
    let mut digests = local.digests.as_ref().map(|_| Vec::new());
    let mut keep = |line: &str| {
        if let Some(d) = &mut digests {
            d.push(digest(line));
        }
    };
    let count = match (reader, local.digests.is_some()) {
        (Reader::GraphStore(url), _) => {
            read_triples(remote, Read::GraphStore(url), &mut keep).await?
        }
        (Reader::Sparql { endpoint, .. }, false) => sparql_count(remote, endpoint, graph).await?,
        (Reader::Sparql { endpoint, max_rows }, true) => {
            // The count comes from COUNT(*), one row whatever the store's cap.
            let count = sparql_count(remote, endpoint, graph).await?;
            match max_rows {
                None => {
                    let query = format!(
                        "CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}"
                    );
                    let read =
                        read_triples(remote, Read::Construct(endpoint, &query), &mut keep).await?;
                    if read < count {
                        return Err(PublishError::Unreadable(format!(
                            "{endpoint} answered {read} of the {count} triples of <{graph}>: it \
                             cuts its answers (Virtuoso at ResultSetMaxRows); name the store \
                             with --store-kind so that the graph is read in pages"
                        )));
                    }
                }
                Some(max) => {
                    read_in_pages(remote, endpoint, graph, local, *max, &mut keep).await?;
                }
            }
            count
        }
    };
    if count != local.count {
        let difference = count.abs_diff(local.count);
        return Err(PublishError::Mismatch(format!(
            "the remote graph <{graph}> holds {count} triples, the build {} ({difference} {}){}",
            local.count,
            if count < local.count {
                "missing"
            } else {
                "too many"
            },
            if count < local.count {
                // Seen here of Virtuoso 7.2 (README, "Into Virtuoso").
                ": the store acknowledged every request but did not keep them all; publish \
                 again to repair it (a store that loses writes while other clients write \
                 does this now and then)"
            } else {
                ""
            }
        )));
    }
    if let (Some(mut remote_digests), Some(local_digests)) = (digests, &local.digests) {
        remote_digests.sort_unstable();
        if &remote_digests != local_digests {
            let missing: Vec<u128> = local_digests
                .iter()
                .filter(|d| remote_digests.binary_search(d).is_err())
                .copied()
                .collect();
            let shown = local.lines_with(&missing);
            let mut message = format!(
                "the remote graph <{graph}> holds {count} triples, as many as the build, but {} of \
                 the build's are not among them",
                missing.len()
            );
            for line in shown {
                message.push_str("\n  missing: ");
                message.push_str(&line);
            }
            return Err(PublishError::Mismatch(message));
        }
    }
    Ok(count)
}

/// Subjects per page of [`read_in_pages`]: Virtuoso 7.2 refuses a `VALUES`
/// of 5,000 ("Too many arguments"), answers one of 1,000 in 0.16 s.
const PAGE_SUBJECTS: usize = 500;

/// Reads the triples of the build's subjects back, a page of subjects at a
/// time, each page's answer well under `max_rows`. With the graph's
/// `COUNT(*)` equal to the build's, the build's triples all found means the
/// graphs are equal: the remote graph has no room for others.
async fn read_in_pages(
    remote: &Remote,
    endpoint: &str,
    graph: &str,
    local: &Local,
    max_rows: usize,
    keep: &mut impl FnMut(&str),
) -> Result<(), PublishError> {
    let Some(input) = &local.input else {
        return Ok(());
    };
    // A page's answer holds the build's triples of its subjects, and any the
    // store has beside them: half the cap leaves room to see those.
    let budget = (max_rows / 2).max(1);
    let mut pages = Vec::new();
    let (mut subjects, mut triples, mut n) = (String::new(), 0, 0);
    input
        .each(|piece| {
            if n > 0 && (triples + piece.triples > budget || n == PAGE_SUBJECTS) {
                pages.push((std::mem::take(&mut subjects), triples));
                (triples, n) = (0, 0);
            }
            subjects.push('<');
            subjects.push_str(piece.subject);
            subjects.push_str("> ");
            triples += piece.triples;
            n += 1;
            true
        })
        .map_err(|e| PublishError::Usage(format!("cannot read the graph to publish: {e}")))?;
    if n > 0 {
        pages.push((subjects, triples));
    }
    for (subjects, _) in pages {
        let query = format!(
            "CONSTRUCT {{ ?s ?p ?o }} WHERE {{ VALUES ?s {{ {subjects}}} GRAPH <{graph}> {{ ?s ?p ?o }} }}"
        );
        let read = read_triples(remote, Read::Construct(endpoint, &query), &mut *keep).await?;
        if read as usize >= max_rows {
            return Err(PublishError::Unreadable(format!(
                "{endpoint} answered {read} triples for a page of subjects, its cap on one \
                 answer: the remote graph holds more about them than the build"
            )));
        }
    }
    Ok(())
}

/// A SPARQL query as the protocol's form-encoded POST, which every store
/// takes (Virtuoso 7.2 never answers a POST of `application/sparql-query`).
fn query_request(remote: &Remote, endpoint: &str, query: &str, accept: &str) -> RequestBuilder {
    remote
        .client()
        .post(endpoint)
        .header(ACCEPT, accept)
        .form(&[("query", query)])
}

/// `SELECT (COUNT(*) ...)` of the graph's triples. The answer may be SPARQL
/// 1.0 JSON (Virtuoso's `typed-literal`): only the value is read.
async fn sparql_count(remote: &Remote, endpoint: &str, graph: &str) -> Result<u64, PublishError> {
    let query = format!("SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}");
    let response = remote
        .send(
            "counting the remote graph's triples",
            endpoint,
            false,
            || query_request(remote, endpoint, &query, "application/sparql-results+json"),
        )
        .await?;
    let body: serde_json::Value = response
        .json()
        .await
        .map_err(|e| PublishError::Unreadable(format!("the count query's answer: {e}")))?;
    body.pointer("/results/bindings/0/n/value")
        .and_then(|v| v.as_str())
        .and_then(|v| v.parse().ok())
        .ok_or_else(|| {
            PublishError::Unreadable(format!("the count query's answer has no count: {body}"))
        })
}

/// One read of triples.
enum Read<'a> {
    GraphStore(&'a reqwest::Url),
    /// A CONSTRUCT query to an endpoint.
    Construct(&'a str, &'a str),
}

/// Streams triples as N-Triples, calling `each` with every triple's
/// canonical line; returns how many there were. A graph the store does not
/// have (404 from the Graph Store protocol) is empty.
async fn read_triples(
    remote: &Remote,
    read: Read<'_>,
    mut each: impl FnMut(&str),
) -> Result<u64, PublishError> {
    let what = "reading the remote graph back";
    let mut response = match read {
        Read::GraphStore(url) => {
            remote
                .send(what, url.as_str(), true, || {
                    remote
                        .client()
                        .get(url.clone())
                        .header(ACCEPT, "application/n-triples")
                })
                .await?
        }
        Read::Construct(endpoint, query) => {
            remote
                .send(what, endpoint, false, || {
                    query_request(remote, endpoint, query, "application/n-triples")
                })
                .await?
        }
    };
    if response.status() == reqwest::StatusCode::NOT_FOUND {
        return Ok(0);
    }
    let mut parser = oxttl::NTriplesParser::new().low_level();
    let mut count = 0u64;
    let mut line = String::new();
    let mut drain = |parser: &mut oxttl::ntriples::LowLevelNTriplesParser,
                     count: &mut u64|
     -> Result<(), PublishError> {
        while let Some(triple) = parser.parse_next() {
            let triple = triple.map_err(|e| PublishError::Unreadable(e.to_string()))?;
            line.clear();
            use std::fmt::Write as _;
            let _ = write!(line, "{triple} .");
            each(&line);
            *count += 1;
        }
        Ok(())
    };
    loop {
        let chunk = response
            .chunk()
            .await
            .map_err(|e| PublishError::Unreadable(e.to_string()))?;
        match chunk {
            Some(chunk) => {
                parser.extend_from_slice(&chunk);
                drain(&mut parser, &mut count)?;
            }
            None => {
                parser.end();
                drain(&mut parser, &mut count)?;
                return Ok(count);
            }
        }
    }
}
