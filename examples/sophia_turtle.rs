//! Measures the one place issue 14 suggested sophia might replace code of
//! ours: the Turtle writer. orgdir's writer and sophia_turtle's pretty
//! serializer write the same graph (the records in DATA) to memory, side by
//! side in one run; prints each one's time and size, and the ratio.
//!
//!   cargo run --release --example sophia_turtle -- DATA [RUNS]

use std::collections::HashSet;
use std::io::BufReader;
use std::time::Instant;

use orgdir::rdf::{DumpFormat, Graph};
use sophia_api::prefix::Prefix;
use sophia_api::prelude::*;
use sophia_api::term::SimpleTerm;
use sophia_iri::Iri;
use sophia_turtle::serializer::turtle::{TurtleConfig, TurtleSerializer};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let data = std::path::PathBuf::from(&args[1]);
    let runs: usize = args.get(2).map_or(3, |r| r.parse().unwrap());
    let source = orgdir::source::load(&data, Default::default()).expect("the data loads");
    let graph = Graph::new(&source);

    // The graph as sophia holds it, from orgdir's N-Triples (not timed).
    let mut nt = Vec::new();
    {
        let mut w = DumpFormat::NTriples.writer(&mut nt, graph.iris()).unwrap();
        for d in graph.descriptions() {
            w.write(&d).unwrap();
        }
        w.finish().unwrap();
    }
    let triples: HashSet<[SimpleTerm<'static>; 3]> =
        sophia_turtle::parser::nt::parse_bufread(BufReader::new(&nt[..]))
            .collect_triples()
            .unwrap();
    let prefixes = vec![
        (
            Prefix::new_unchecked("schema".into()),
            Iri::new_unchecked("http://schema.org/".into()),
        ),
        (
            Prefix::new_unchecked("skos".into()),
            Iri::new_unchecked("http://www.w3.org/2004/02/skos/core#".into()),
        ),
        (
            Prefix::new_unchecked("xsd".into()),
            Iri::new_unchecked("http://www.w3.org/2001/XMLSchema#".into()),
        ),
    ];

    let (mut ours, mut theirs) = (Vec::new(), Vec::new());
    let (mut ours_bytes, mut theirs_bytes) = (0, 0);
    for _ in 0..runs {
        let start = Instant::now();
        let mut out = Vec::new();
        {
            let mut w = DumpFormat::Turtle.writer(&mut out, graph.iris()).unwrap();
            for d in graph.descriptions() {
                w.write(&d).unwrap();
            }
            w.finish().unwrap();
        }
        ours.push(start.elapsed().as_secs_f64());
        ours_bytes = out.len();

        let start = Instant::now();
        let config = TurtleConfig::new()
            .with_pretty(true)
            .with_own_prefix_map(prefixes.clone());
        let mut serializer = TurtleSerializer::new_stringifier_with_config(config);
        serializer.serialize_graph(&triples).unwrap();
        theirs.push(start.elapsed().as_secs_f64());
        theirs_bytes = serializer.as_utf8().len();
    }
    let median = |v: &mut Vec<f64>| {
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    };
    let (ours, theirs) = (median(&mut ours), median(&mut theirs));
    println!(
        "{} triples, median of {runs}: orgdir's Turtle writer {ours:.3} s, {ours_bytes} bytes; \
         sophia_turtle pretty {theirs:.3} s, {theirs_bytes} bytes; sophia / orgdir {:.1}x",
        triples.len(),
        theirs / ours
    );
}
