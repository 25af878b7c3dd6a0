//! The client of `bench/reconcile.sh`: the gold queries of a synthetic
//! directory (`synth --real-names`, same RECORDS and seed) against orgdir's
//! `/reconcile` and `/suggest`, and against a SPARQL lookup (what catalogers
//! use today: CONTAINS over the names, case folded) on any SPARQL endpoint,
//! side by side.
//!
//!   reconcile_bench RECORDS ORGDIR_URL SPARQL_URL SECONDS CONCURRENCY
//!
//! Prints one JSON object: precision at 1 per category and of `match: true`
//! for each side, then latency (p50, p99) and throughput of batches of 10
//! queries at CONCURRENCY clients for SECONDS, and of `/suggest`.

use std::time::{Duration, Instant};

use orgdir::synth::names;
use serde_json::{Value, json};

const BASE: &str = "https://synth.example.org/org/org-";
/// Gold queries of each category sent to the SPARQL lookup.
const SPARQL_SAMPLE: usize = 25;

fn record(iri: &str) -> Option<usize> {
    iri.strip_prefix(BASE)?.parse().ok()
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

/// The SPARQL lookup: names and alternate names containing the query,
/// case folded, shortest first.
fn sparql_lookup(query: &str) -> String {
    let literal = serde_json::to_string(&query.to_lowercase()).expect("strings serialize");
    format!(
        "PREFIX schema: <http://schema.org/>
SELECT ?org ?name WHERE {{
  ?org a schema:Organization ; schema:name|schema:alternateName ?name .
  FILTER(CONTAINS(LCASE(?name), {literal}))
}} ORDER BY STRLEN(?name) LIMIT 5"
    )
}

async fn orgdir_batch(client: &reqwest::Client, url: &str, queries: &[&str]) -> Option<Value> {
    let batch: serde_json::Map<String, Value> = queries
        .iter()
        .enumerate()
        .map(|(i, q)| (format!("q{i}"), json!({ "query": q, "limit": 3 })))
        .collect();
    let body = serde_urlencoded::to_string([("queries", Value::Object(batch).to_string())]).ok()?;
    let r = client
        .post(format!("{url}/reconcile"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(body)
        .send()
        .await
        .ok()?;
    if !r.status().is_success() {
        return None;
    }
    r.json().await.ok()
}

async fn sparql_first(client: &reqwest::Client, url: &str, query: &str) -> Option<String> {
    let r = client
        .post(url)
        .header("content-type", "application/sparql-query")
        .header("accept", "application/sparql-results+json")
        .body(sparql_lookup(query))
        .send()
        .await
        .ok()?;
    let v: Value = r.json().await.ok()?;
    v["results"]["bindings"][0]["org"]["value"]
        .as_str()
        .map(str::to_owned)
}

/// Latencies of CONCURRENCY clients sending `one` for SECONDS.
async fn load<F, Fut>(seconds: f64, concurrency: usize, one: F) -> (Vec<f64>, usize, f64)
where
    F: Fn(usize) -> Fut + Send + Sync + Clone + 'static,
    Fut: std::future::Future<Output = bool> + Send,
{
    let start = Instant::now();
    let deadline = start + Duration::from_secs_f64(seconds);
    let mut tasks = Vec::new();
    for c in 0..concurrency {
        let one = one.clone();
        tasks.push(tokio::spawn(async move {
            let (mut lat, mut errors, mut i) = (Vec::new(), 0, c);
            while Instant::now() < deadline {
                let t = Instant::now();
                if one(i).await {
                    lat.push(t.elapsed().as_secs_f64() * 1000.0);
                } else {
                    errors += 1;
                }
                i += concurrency;
            }
            (lat, errors)
        }));
    }
    let (mut all, mut errors) = (Vec::new(), 0);
    for t in tasks {
        let (lat, e) = t.await.expect("a client task");
        all.extend(lat);
        errors += e;
    }
    all.sort_by(f64::total_cmp);
    (all, errors, start.elapsed().as_secs_f64())
}

/// Latencies of requests `one` sent at `rate` a second for SECONDS, each
/// on its own task whether or not the earlier ones were answered (an open
/// loop, as wrk2 and k6's constant-arrival-rate run it): each latency is
/// counted from when its request was due, so a stall shows in every request
/// it delays instead of slowing the client down.
async fn at_rate<F, Fut>(seconds: f64, rate: f64, one: F) -> (Vec<f64>, usize, f64)
where
    F: Fn(usize) -> Fut + Send + Sync + Clone + 'static,
    Fut: std::future::Future<Output = bool> + Send,
{
    let start = tokio::time::Instant::now();
    let count = (seconds * rate) as usize;
    let mut tasks = Vec::with_capacity(count);
    for i in 0..count {
        let due = start + Duration::from_secs_f64(i as f64 / rate);
        tokio::time::sleep_until(due).await;
        let one = one.clone();
        tasks.push(tokio::spawn(async move {
            let ok = one(i).await;
            (ok, due.elapsed().as_secs_f64() * 1000.0)
        }));
    }
    let (mut all, mut errors) = (Vec::new(), 0);
    for t in tasks {
        match t.await.expect("a client task") {
            (true, ms) => all.push(ms),
            (false, _) => errors += 1,
        }
    }
    all.sort_by(f64::total_cmp);
    (all, errors, start.elapsed().as_secs_f64())
}

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let [_, records, orgdir, sparql, seconds, concurrency] = &args[..] else {
        eprintln!("usage: reconcile_bench RECORDS ORGDIR_URL SPARQL_URL SECONDS CONCURRENCY");
        std::process::exit(2);
    };
    let records: usize = records.parse().expect("RECORDS");
    let seconds: f64 = seconds.parse().expect("SECONDS");
    let concurrency: usize = concurrency.parse().expect("CONCURRENCY");
    let namings = names::namings(records, 1);
    let gold = names::gold(&namings, 150, 7);
    let client = reqwest::Client::new();

    // Precision, orgdir: the gold queries in batches of ten.
    let mut answers = std::collections::HashMap::new();
    for chunk in gold.chunks(10) {
        let queries: Vec<&str> = chunk.iter().map(|g| g.query.as_str()).collect();
        let result = orgdir_batch(&client, orgdir, &queries)
            .await
            .expect("a batch answered");
        for (i, g) in chunk.iter().enumerate() {
            let first = &result[format!("q{i}")]["result"][0];
            let answer = first["id"]
                .as_str()
                .and_then(record)
                .map(|r| (r, first["match"].as_bool().unwrap_or(false)));
            answers.insert(g.query.clone(), answer);
        }
    }
    let ours = names::evaluate(&gold, &namings, |q| answers.get(q).copied().flatten());
    // Precision, SPARQL: each query alone; a lookup never claims a match.
    // A scan of every name takes the server about a second at 100,000
    // organizations, so it is asked SPARQL_SAMPLE queries of each category.
    let sample: Vec<&names::Gold> = names::CATEGORIES
        .iter()
        .flat_map(|c| {
            gold.iter()
                .filter(move |g| g.category == *c)
                .take(SPARQL_SAMPLE)
        })
        .collect();
    let mut theirs_answers = std::collections::HashMap::new();
    for g in &sample {
        let first = sparql_first(&client, sparql, &g.query).await;
        theirs_answers.insert(
            g.query.clone(),
            first.as_deref().and_then(record).map(|r| (r, false)),
        );
    }
    // Scored over the queries it was asked only (a first run here scored it
    // over all of them, the ones not asked counting as wrong).
    let sample: Vec<names::Gold> = sample.into_iter().cloned().collect();
    let theirs = names::evaluate(&sample, &namings, |q| {
        theirs_answers.get(q).copied().flatten()
    });

    // Speed: batches of ten gold queries, and the SPARQL lookup of ten
    // queries one after another (what a batch costs a client of it).
    let texts: std::sync::Arc<Vec<String>> =
        std::sync::Arc::new(gold.iter().map(|g| g.query.clone()).collect());
    // The i-th batch of ten gold queries, sent to orgdir.
    let batch = {
        let (client, texts, url) = (client.clone(), texts.clone(), orgdir.clone());
        move |i: usize| {
            let (client, texts, url) = (client.clone(), texts.clone(), url.clone());
            async move {
                let start = (i * 10) % (texts.len() - 10);
                let queries: Vec<&str> = texts[start..start + 10]
                    .iter()
                    .map(String::as_str)
                    .collect();
                orgdir_batch(&client, &url, &queries).await.is_some()
            }
        }
    };
    let batches = load(seconds, concurrency, batch.clone()).await;
    // The figure: batches of ten offered at 300 queries a second.
    let batches_at_300 = at_rate(seconds, 30.0, batch).await;
    let sparql_batches = {
        let (client, texts, url) = (client.clone(), texts.clone(), sparql.clone());
        load(seconds, concurrency, move |i| {
            let (client, texts, url) = (client.clone(), texts.clone(), url.clone());
            async move {
                let start = (i * 10) % (texts.len() - 10);
                for q in &texts[start..start + 10] {
                    let r = client
                        .post(&url)
                        .header("content-type", "application/sparql-query")
                        .header("accept", "application/sparql-results+json")
                        .body(sparql_lookup(q))
                        .send()
                        .await;
                    match r {
                        Ok(r) if r.status().is_success() => {
                            let _ = r.bytes().await;
                        }
                        _ => return false,
                    }
                }
                true
            }
        })
        .await
    };
    // Typeahead: each name typed but for its last three characters.
    let prefixes: std::sync::Arc<Vec<String>> = std::sync::Arc::new(
        namings
            .iter()
            .step_by(7)
            .map(|n| {
                let chars: Vec<char> = n.name.chars().collect();
                chars[..chars.len().saturating_sub(3).max(1)]
                    .iter()
                    .collect()
            })
            .collect(),
    );
    let suggest = {
        let (client, prefixes, url) = (client.clone(), prefixes.clone(), orgdir.clone());
        load(seconds, concurrency, move |i| {
            let (client, prefixes, url) = (client.clone(), prefixes.clone(), url.clone());
            async move {
                let p = &prefixes[i % prefixes.len()];
                let q = serde_urlencoded::to_string([("prefix", p.as_str())]).unwrap_or_default();
                match client.get(format!("{url}/suggest?{q}")).send().await {
                    Ok(r) if r.status().is_success() => r.bytes().await.is_ok(),
                    _ => false,
                }
            }
        })
        .await
    };
    let speed = |(lat, errors, elapsed): &(Vec<f64>, usize, f64), per: f64| {
        json!({
            "p50_ms": percentile(lat, 0.5),
            "p99_ms": percentile(lat, 0.99),
            "requests": lat.len(),
            "errors": errors,
            "queries_per_s": lat.len() as f64 * per / elapsed,
        })
    };
    let precision = |p: &[names::Precision]| -> Value {
        p.iter()
            .map(|c| {
                (
                    c.category.to_owned(),
                    json!({
                        "queries": c.queries,
                        "p_at_1": c.at_1(),
                        "matched": c.matched,
                        "matched_right": c.matched_right,
                    }),
                )
            })
            .collect::<serde_json::Map<String, Value>>()
            .into()
    };
    println!(
        "{}",
        json!({
            "orgdir": {
                "precision": precision(&ours),
                "batch_of_10": speed(&batches, 10.0),
                "batch_of_10_at_300_per_s": speed(&batches_at_300, 10.0),
                "suggest": speed(&suggest, 1.0),
            },
            "sparql": { "precision": precision(&theirs), "batch_of_10": speed(&sparql_batches, 10.0) },
        })
    );
}
