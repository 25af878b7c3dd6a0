//! Sending the graph: one streamed Graph Store `PUT`, Graph Store batches
//! (`PUT` then `POST`s), or SPARQL Update batches.
//!
//! The N-Triples are written on a blocking thread, a chunk at a time, into a
//! bounded channel that the request body reads: only a few chunks exist at
//! once, whatever the size of the graph. A retry writes them again.

use std::sync::Arc;
use std::thread;

use bytes::Bytes;
use futures_util::StreamExt;
use futures_util::stream::FuturesUnordered;
use reqwest::header::{CONTENT_LENGTH, CONTENT_TYPE};
use tokio::sync::mpsc;

use super::input::Input;
use super::remote::Remote;
use super::{PublishError, Target, staging_graph};

/// Bytes per chunk of the streamed body.
const CHUNK: usize = 256 * 1024;

/// Replaces the graph with one `PUT` to `url` (`endpoint?graph=IRI`).
/// Returns the number of requests sent.
///
/// The body is streamed as it is written. For a store that needs its
/// length first (`sized_bodies`: Virtuoso stores nothing from a chunked
/// PUT), the N-Triples are written once to count their bytes, then again as
/// they are sent: twice the writing, never the graph in memory.
pub async fn put(
    remote: &Remote,
    target: &Target,
    url: reqwest::Url,
    input: &Arc<Input>,
) -> Result<u64, PublishError> {
    let length = if target.sized_bodies {
        let input = Arc::clone(input);
        Some(
            tokio::task::spawn_blocking(move || ntriples_length(&input))
                .await
                .expect("counting the bytes does not panic"),
        )
    } else {
        None
    };
    let attempts = std::sync::atomic::AtomicU64::new(0);
    remote
        .send(
            "the Graph Store PUT of the graph",
            &target.endpoint,
            false,
            || {
                attempts.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                let request = remote
                    .client()
                    .put(url.clone())
                    .header(CONTENT_TYPE, "application/n-triples");
                let request = match length {
                    // hyper sends a body of a declared length as it is, not chunked.
                    Some(length) => request.header(CONTENT_LENGTH, length),
                    None => request,
                };
                request.body(reqwest::Body::wrap_stream(ntriples_stream(Arc::clone(
                    input,
                ))))
            },
        )
        .await?;
    Ok(attempts.into_inner())
}

/// The length in bytes of the graph's N-Triples, as [`ntriples_stream`]
/// writes them.
fn ntriples_length(input: &Input) -> u64 {
    let mut length = 0u64;
    // A read error shows as a length that the stream does not match, which
    // the request then fails on.
    let _ = input.each(|piece| {
        length += piece.text.len() as u64;
        true
    });
    length
}

/// Replaces the graph at `url` (`endpoint?graph=IRI`) in requests of about
/// `batch` triples: a `PUT` of the first, then `POST`s of the rest,
/// `in_flight` at once. Each request is one bounded transaction on the
/// store, however large the graph; readers see the graph grow until the
/// last. A failed run leaves part of the new graph, which the next run's
/// `PUT` replaces. The `POST`s may land in any order, and one retried after
/// the store took it adds the same triples again: neither changes the graph
/// (a set). Returns the requests sent.
pub async fn gsp_batches(
    remote: &Remote,
    target: &Target,
    url: reqwest::Url,
    input: &Arc<Input>,
) -> Result<u64, PublishError> {
    let endpoint = target.endpoint.as_str();
    let (mut rx, producer) = batches(input, target.batch, String::new(), "");
    let request = |method: reqwest::Method, what: String, body: Bytes| {
        let url = url.clone();
        async move {
            remote
                .send(&what, endpoint, false, || {
                    remote
                        .client()
                        .request(method.clone(), url.clone())
                        .header(CONTENT_TYPE, "application/n-triples")
                        .body(body.clone())
                })
                .await
                .map(drop)
        }
    };
    // The PUT replaces the graph before any POST adds to it; an empty
    // graph still replaces what the store held.
    let first = rx.recv().await.map(Bytes::from).unwrap_or_default();
    let mut sent = request(
        reqwest::Method::PUT,
        "the Graph Store PUT of batch 1".to_owned(),
        first,
    )
    .await
    .map(|()| 1);
    if let Ok(put) = sent {
        sent = send_all(&mut rx, target.in_flight, put, |n, body| {
            request(
                reqwest::Method::POST,
                format!("the Graph Store POST of batch {n}"),
                body,
            )
        })
        .await;
    }
    drop(rx);
    producer.join().expect("the batch writer does not panic");
    sent
}

/// Sends each body `rx` yields with `send` (numbered on from `before`), at
/// most `in_flight` at once, while the writer makes the next; the first
/// failure stops the rest (those in flight are dropped, their connections
/// closed). Returns the number sent, `before` included.
async fn send_all<F, Fut>(
    rx: &mut mpsc::Receiver<String>,
    in_flight: usize,
    before: u64,
    send: F,
) -> Result<u64, PublishError>
where
    F: Fn(u64, Bytes) -> Fut,
    Fut: std::future::Future<Output = Result<(), PublishError>>,
{
    let mut running = FuturesUnordered::new();
    let mut sent = before;
    let mut written = false;
    loop {
        tokio::select! {
            // Finished requests first: a failure stops the run at once.
            biased;
            Some(done) = running.next(), if !running.is_empty() => done?,
            body = rx.recv(), if !written && running.len() < in_flight => match body {
                Some(body) => {
                    sent += 1;
                    running.push(send(sent, Bytes::from(body)));
                }
                None => written = true,
            },
            else => break,
        }
    }
    Ok(sent)
}

/// Replaces `graph` through SPARQL Update: drop the staging graph, insert
/// the triples into it in batches of `batch` triples, move it onto `graph`.
/// The inserts go `in_flight` at once, each retried on its own: inserting
/// the same triples twice, or in another order, changes nothing.
pub async fn update(
    remote: &Remote,
    target: &Target,
    graph: &str,
    input: &Arc<Input>,
) -> Result<u64, PublishError> {
    let endpoint = target.endpoint.as_str();
    let staging = staging_graph(graph);
    let mut requests = 0;
    sparql_update(
        remote,
        endpoint,
        "dropping the staging graph",
        format!("DROP SILENT GRAPH <{staging}>"),
    )
    .await?;
    requests += 1;

    let head = format!(
        "{}INSERT DATA {{ GRAPH <{staging}> {{\n",
        target.insert_prologue
    );
    let (mut rx, producer) = batches(input, target.batch, head, "} }\n");
    let sent = send_all(&mut rx, target.in_flight, 0, |n, update| async move {
        let what = format!("inserting batch {n} into the staging graph");
        sparql_update(remote, endpoint, &what, update).await
    })
    .await
    .map_err(|e| too_large(e, target.batch));
    drop(rx);
    producer.join().expect("the batch writer does not panic");
    requests += sent?;

    sparql_update(
        remote,
        endpoint,
        "moving the staging graph into place",
        format!("MOVE SILENT GRAPH <{staging}> TO GRAPH <{graph}>"),
    )
    .await?;
    Ok(requests + 1)
}

/// The graph as N-Triples in batches of at most `batch` triples (whole
/// descriptions: one with more triples is a batch of its own; there are no
/// blank nodes to keep together), each between `head` and `tail`, written on
/// their own thread into a channel two deep. Stores limit one request
/// (Virtuoso refuses an `INSERT DATA` of more than about 1,420 triples), so
/// the size is a ceiling, not a floor. When the receiver is dropped the
/// writer stops at its next batch.
fn batches(
    input: &Arc<Input>,
    batch: usize,
    head: String,
    tail: &'static str,
) -> (mpsc::Receiver<String>, thread::JoinHandle<()>) {
    let (tx, rx) = mpsc::channel::<String>(2);
    let input = Arc::clone(input);
    let producer = thread::spawn(move || {
        let mut text = head.clone();
        let mut triples = 0;
        let read = input.each(|piece| {
            if triples > 0 && triples + piece.triples > batch {
                text.push_str(tail);
                if tx
                    .blocking_send(std::mem::replace(&mut text, head.clone()))
                    .is_err()
                {
                    return false;
                }
                triples = 0;
            }
            text.push_str(piece.text);
            triples += piece.triples;
            true
        });
        // A release that cannot be read to its end sends less, which the
        // count check afterwards reports.
        if let Err(e) = read {
            tracing::error!("reading the graph to send: {e}");
            return;
        }
        if triples > 0 {
            text.push_str(tail);
            let _ = tx.blocking_send(text);
        }
    });
    (rx, producer)
}

async fn sparql_update(
    remote: &Remote,
    endpoint: &str,
    what: &str,
    update: impl Into<Bytes>,
) -> Result<(), PublishError> {
    let update: Bytes = update.into();
    remote
        .send(what, endpoint, false, || {
            remote
                .client()
                .post(endpoint)
                .header(CONTENT_TYPE, "application/sparql-update")
                .body(update.clone())
        })
        .await
        .map(drop)
}

/// A refused batch that the store found too large says what to do.
fn too_large(error: PublishError, batch: usize) -> PublishError {
    match error {
        PublishError::Status {
            what,
            url,
            status: status @ 400..=499,
            body,
        } if body.contains("SP031") || body.contains("memory exhausted") => PublishError::Status {
            what,
            url,
            status,
            body: format!(
                "{body} (one INSERT DATA of up to {batch} triples is too large for this store: \
                 lower --batch-size; Virtuoso 7 takes about 1,400)"
            ),
        },
        other => other,
    }
}

/// `endpoint?graph=IRI` (or `&graph=` when the endpoint has a query already),
/// `param` naming the parameter.
pub fn graph_url(endpoint: &str, param: &str, graph: &str) -> Result<reqwest::Url, PublishError> {
    let mut url = reqwest::Url::parse(endpoint)
        .map_err(|e| PublishError::Usage(format!("`{endpoint}` is not a URL: {e}")))?;
    url.query_pairs_mut().append_pair(param, graph);
    Ok(url)
}

/// The graph as canonical N-Triples, chunk by chunk, written on its own
/// thread. When the request ends early the receiver is dropped and the
/// writer stops at its next chunk; a read error ends the body with it.
fn ntriples_stream(
    input: Arc<Input>,
) -> impl futures_util::Stream<Item = Result<Bytes, std::io::Error>> + Send + 'static {
    let (tx, rx) = mpsc::channel::<Result<Bytes, std::io::Error>>(4);
    thread::spawn(move || {
        let mut text = String::with_capacity(CHUNK + 4096);
        let read = input.each(|piece| {
            text.push_str(piece.text);
            if text.len() >= CHUNK {
                let chunk = Bytes::from(std::mem::replace(
                    &mut text,
                    String::with_capacity(CHUNK + 4096),
                ));
                return tx.blocking_send(Ok(chunk)).is_ok();
            }
            true
        });
        let last = match read {
            Err(e) => Err(e),
            Ok(()) if text.is_empty() => return,
            Ok(()) => Ok(Bytes::from(text)),
        };
        let _ = tx.blocking_send(last);
    });
    futures_util::stream::unfold(rx, |mut rx| async move {
        rx.recv().await.map(|chunk| (chunk, rx))
    })
}
