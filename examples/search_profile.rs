//! Where a query's time goes, one thread, no HTTP: the gold queries and the
//! typeahead prefixes of `bench/reconcile.sh` against the index of DIR
//! (made by `synth --real-names RECORDS`), each timed, with p50/p99/max
//! per category. A profiling aid; the benchmark is bench/reconcile.sh.
//!
//!   cargo run --release --example search_profile -- DIR RECORDS

use std::time::Instant;

use orgdir::synth::names;

fn report(what: &str, mut times: Vec<f64>) {
    times.sort_by(f64::total_cmp);
    let at = |p: f64| times[((times.len() as f64 - 1.0) * p).round() as usize];
    println!(
        "{what:>14}: n {:>5}  p50 {:>7.3} ms  p99 {:>7.3} ms  max {:>7.3} ms",
        times.len(),
        at(0.5),
        at(0.99),
        at(1.0)
    );
}

fn main() {
    let mut args = std::env::args().skip(1);
    let (Some(dir), Some(records)) = (args.next(), args.next()) else {
        eprintln!("usage: search_profile DIR RECORDS");
        std::process::exit(2);
    };
    let records: usize = records.parse().expect("RECORDS");
    let source = orgdir::source::load(std::path::Path::new(&dir), Default::default())
        .unwrap_or_else(|e| panic!("{e}"));
    let index = orgdir::search::Index::from_source(&source).expect("an index");
    let namings = names::namings(records, 1);
    let gold = names::gold(&namings, 150, 7);
    if let Ok(repeat) = std::env::var("REPEAT") {
        // For a profiler: the gold queries over and over, nothing else.
        for _ in 0..repeat.parse::<usize>().unwrap_or(1) {
            for g in &gold {
                std::hint::black_box(index.reconcile(&g.query, &[], 3));
            }
        }
        return;
    }
    for &category in names::CATEGORIES {
        let times: Vec<f64> = gold
            .iter()
            .filter(|g| g.category == category)
            .map(|g| {
                let start = Instant::now();
                std::hint::black_box(index.reconcile(&g.query, &[], 3));
                start.elapsed().as_secs_f64() * 1e3
            })
            .collect();
        if !times.is_empty() {
            report(category, times);
        }
    }
    let prefixes: Vec<String> = namings
        .iter()
        .step_by(7)
        .take(3000)
        .map(|n| {
            let chars: Vec<char> = n.name.chars().collect();
            chars[..chars.len().saturating_sub(3).max(1)]
                .iter()
                .collect()
        })
        .collect();
    let times: Vec<f64> = prefixes
        .iter()
        .map(|p| {
            let start = Instant::now();
            std::hint::black_box(index.suggest(p, 10));
            start.elapsed().as_secs_f64() * 1e3
        })
        .collect();
    report("suggest", times);
    if let Ok(slow) = std::env::var("SHOW") {
        let n: usize = slow.parse().unwrap_or(5);
        let mut timed: Vec<(f64, &str)> = gold
            .iter()
            .map(|g| {
                let start = Instant::now();
                std::hint::black_box(index.reconcile(&g.query, &[], 3));
                (start.elapsed().as_secs_f64() * 1e3, g.query.as_str())
            })
            .collect();
        timed.sort_by(|a, b| b.0.total_cmp(&a.0));
        for (ms, q) in timed.iter().take(n) {
            println!("  {ms:7.3} ms  {q}");
        }
        let mut timed: Vec<(f64, &str)> = prefixes
            .iter()
            .map(|p| {
                let start = Instant::now();
                std::hint::black_box(index.suggest(p, 10));
                (start.elapsed().as_secs_f64() * 1e3, p.as_str())
            })
            .collect();
        timed.sort_by(|a, b| b.0.total_cmp(&a.0));
        for (ms, q) in timed.iter().take(n) {
            println!("  {ms:7.3} ms  suggest {q}");
        }
    }
}
