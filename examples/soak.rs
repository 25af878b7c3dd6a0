//! The load generator of `bench/soak.sh`: CONCURRENCY clients on 127.0.0.1
//! send bench/serve's four-query mix to a SPARQL endpoint for SECONDS, each
//! request a runaway query instead with probability SHARE, and the plain
//! queries' latencies are kept apart from the runaways'.
//!
//!   soak URL SECONDS CONCURRENCY SHARE BASE
//!
//! Each client sends `X-Forwarded-For: 10.77.0.<i>` (as if behind a proxy:
//! `orgdir serve --trust-forwarded-for` then counts each as its own
//! client; a server that ignores the header sees one). Prints one JSON line.

use std::time::{Duration, Instant};

/// Runaways whose memory stays bounded (a cross product counted, filtered,
/// or under OPTIONAL): a server that does not stop them spends CPU, not
/// the machine's memory, so the run cannot take the machine down.
const RUNAWAYS: &[&str] = &[
    "SELECT (COUNT(*) AS ?c) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }",
    "SELECT (COUNT(*) AS ?c) WHERE { ?a ?b ?c . ?d ?e ?f FILTER(REGEX(CONCAT(STR(?c), STR(?f)), \"^(a|b|ab)*z$\")) }",
    "SELECT (COUNT(*) AS ?c) WHERE { ?a ?b ?c OPTIONAL { ?d ?e ?f OPTIONAL { ?g ?h ?i } } }",
];

fn mix(base: &str) -> Vec<String> {
    let p = "PREFIX schema: <http://schema.org/> ";
    vec![
        format!("{p}SELECT (COUNT(*) AS ?n) WHERE {{ ?o a schema:Organization }}"),
        format!(
            "{p}SELECT ?o ?name WHERE {{ ?o schema:name ?name FILTER(REGEX(?name, \"Rare Books Guild 1[0-9]\")) }} LIMIT 20"
        ),
        format!("{p}SELECT ?member WHERE {{ ?member schema:memberOf <{base}org/org-42> }}"),
        format!(
            "{p}SELECT ?o WHERE {{ ?o a schema:Organization FILTER NOT EXISTS {{ ?o schema:url ?u }} }} LIMIT 100"
        ),
    ]
}

#[derive(Default)]
struct Tally {
    latencies: Vec<f64>,
    /// Whole answers to each query of the mix (or of the runaways), by its
    /// place in the list: a server may answer the cheap ones and cut the rest.
    answered: [usize; 4],
    errors: usize,
    statuses: std::collections::BTreeMap<String, usize>,
}

/// Whether `body` is a whole SPARQL JSON results document: a SELECT's
/// bindings or an ASK's boolean.
fn is_results(body: &[u8]) -> bool {
    let Ok(doc) = serde_json::from_slice::<serde_json::Value>(body) else {
        return false;
    };
    doc["results"]["bindings"].is_array() || doc["boolean"].is_boolean()
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let [_, url, seconds, concurrency, share, base] = &args[..] else {
        eprintln!("usage: soak URL SECONDS CONCURRENCY SHARE BASE");
        std::process::exit(2);
    };
    let seconds: f64 = seconds.parse().unwrap();
    let concurrency: usize = concurrency.parse().unwrap();
    let share: f64 = share.parse().unwrap();
    let queries = mix(base);
    // Every query text is new to the server, in this run and against any
    // earlier run on the same server (the baseline before the runaways): a
    // text seen before is a result-cache hit. The clock's nanoseconds tell
    // runs apart.
    let run = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    let client = reqwest::Client::builder()
        .no_proxy()
        .pool_max_idle_per_host(concurrency)
        .timeout(Duration::from_secs(120))
        .build()
        .unwrap();
    let until = Instant::now() + Duration::from_secs_f64(seconds);
    let workers: Vec<_> = (0..concurrency)
        .map(|i| {
            let (client, url, queries) = (client.clone(), url.clone(), queries.clone());
            tokio::spawn(async move {
                let (mut plain, mut runaway) = (Tally::default(), Tally::default());
                let mut state = 0x9e37_79b9_7f4a_7c15u64 ^ (i as u64 + 1);
                let mut n = 0usize;
                while Instant::now() < until {
                    // xorshift: no dependency for a coin.
                    state ^= state << 13;
                    state ^= state >> 7;
                    state ^= state << 17;
                    let coin = (state >> 11) as f64 / (1u64 << 53) as f64;
                    let is_runaway = coin < share;
                    let kind = n % if is_runaway {
                        RUNAWAYS.len()
                    } else {
                        queries.len()
                    };
                    let text = if is_runaway {
                        // Distinct text: never answered from a cache.
                        format!("{} # {run} {i} {n}", RUNAWAYS[kind])
                    } else {
                        // Distinct too: each server evaluates every query.
                        format!("{} # {run} {i} {n}", queries[kind])
                    };
                    n += 1;
                    let start = Instant::now();
                    let sent = client
                        .get(&url)
                        .query(&[("query", text.as_str())])
                        .header("accept", "application/sparql-results+json")
                        .header("x-forwarded-for", format!("10.77.0.{i}"))
                        .send()
                        .await;
                    let (status, ok) = match sent {
                        Ok(r) => {
                            let status = r.status();
                            match r.bytes().await {
                                // Oxigraph server sends 200 and starts the
                                // body before it evaluates, so a query it
                                // cancels ends in "The SPARQL operation has
                                // been cancelled" inside the JSON: only a
                                // whole results document is an answer.
                                Ok(body) if status.is_success() && !is_results(&body) => {
                                    ("200, cut".to_owned(), false)
                                }
                                Ok(_) => (status.as_u16().to_string(), status.is_success()),
                                Err(_) => (format!("{}, broken", status.as_u16()), false),
                            }
                        }
                        Err(_) => ("error".to_owned(), false),
                    };
                    let tally = if is_runaway { &mut runaway } else { &mut plain };
                    tally.latencies.push(start.elapsed().as_secs_f64() * 1000.0);
                    *tally.statuses.entry(status).or_default() += 1;
                    if ok {
                        tally.answered[kind] += 1;
                    } else {
                        tally.errors += 1;
                    }
                }
                (plain, runaway)
            })
        })
        .collect();
    let started = Instant::now();
    let (mut plain, mut runaway) = (Tally::default(), Tally::default());
    for w in workers {
        let (p, r) = w.await.unwrap();
        for (into, from) in [(&mut plain, p), (&mut runaway, r)] {
            into.latencies.extend(from.latencies);
            into.errors += from.errors;
            for (a, b) in into.answered.iter_mut().zip(from.answered) {
                *a += b;
            }
            for (k, v) in from.statuses {
                *into.statuses.entry(k).or_default() += v;
            }
        }
    }
    let elapsed = started.elapsed().as_secs_f64();
    let summary = |t: &mut Tally| {
        t.latencies.sort_by(f64::total_cmp);
        serde_json::json!({
            "count": t.latencies.len(),
            // Whole answers a second; the percentiles are of every request.
            "per_s": (t.latencies.len() - t.errors) as f64 / elapsed,
            "p50_ms": percentile(&t.latencies, 0.50),
            "p99_ms": percentile(&t.latencies, 0.99),
            "errors": t.errors,
            "statuses": t.statuses,
            "answered": t.answered,
        })
    };
    println!(
        "{}",
        serde_json::json!({ "plain": summary(&mut plain), "runaway": summary(&mut runaway) })
    );
}
