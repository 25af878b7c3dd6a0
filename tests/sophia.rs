//! A second RDF stack, independent of the one orgdir is built on: sophia's
//! parsers read every dump that orgdir writes with its own writers (on
//! oxrdf's terms), and sophia's RDFC-1.0 recomputes the canonical hash that
//! void.ttl publishes. A writer bug that orgdir's own parser shares (the same
//! escaping rule misread both ways) cannot pass here.

use std::collections::HashSet;
use std::fs::File;
use std::io::BufReader;
use std::path::Path;
use std::process::Command;

use sha2::{Digest, Sha256};
use sophia_api::prelude::*;
use sophia_api::quad::Spog;
use sophia_api::term::SimpleTerm;

type Triples = HashSet<[SimpleTerm<'static>; 3]>;

/// Builds `data` into a new directory.
fn build(data: &Path) -> tempfile::TempDir {
    let out = tempfile::tempdir().unwrap();
    let status = Command::new(env!("CARGO_BIN_EXE_orgdir"))
        .arg("-q")
        .arg("--data")
        .arg(data)
        .arg("build")
        .arg("--out")
        .arg(out.path().join("dist"))
        .env("ORGDIR_CACHE_DIR", "")
        .status()
        .unwrap();
    assert!(status.success());
    out
}

fn turtle(path: &Path) -> Triples {
    sophia_turtle::parser::turtle::parse_bufread(BufReader::new(File::open(path).unwrap()))
        .collect_triples()
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn ntriples(path: &Path) -> Triples {
    sophia_turtle::parser::nt::parse_bufread(BufReader::new(File::open(path).unwrap()))
        .collect_triples()
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The bundled data, and 1,000 synthetic records (every kind of value the
/// generator makes, many of them escaped in Turtle).
fn datasets() -> Vec<(String, std::path::PathBuf, Option<tempfile::TempDir>)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let synth = tempfile::tempdir().unwrap();
    orgdir::synth::write(
        synth.path(),
        &orgdir::synth::SynthOptions {
            records: 1000,
            ..Default::default()
        },
    )
    .unwrap();
    vec![
        ("data/".into(), root.join("data"), None),
        (
            "1,000 synthetic records".into(),
            synth.path().to_owned(),
            Some(synth),
        ),
    ]
}

#[test]
fn the_turtle_and_ntriples_dumps_are_one_graph_to_sophia() {
    for (what, data, _keep) in datasets() {
        let out = build(&data);
        let dist = out.path().join("dist");
        let nt = ntriples(&dist.join("orgs.nt"));
        let ttl = turtle(&dist.join("orgs.ttl"));
        assert!(nt.len() > 100, "{what}: {} triples", nt.len());
        assert_eq!(nt.len(), ttl.len(), "{what}");
        assert!(
            sophia_isomorphism::isomorphic_graphs(&nt, &ttl).unwrap(),
            "{what}: orgs.ttl and orgs.nt differ"
        );
        // void.ttl parses too, and counts what sophia counted.
        let void = turtle(&dist.join("void.ttl"));
        let triples = void
            .iter()
            .find(|[_, p, _]| {
                p.iri()
                    .is_some_and(|i| i.as_str() == "http://rdfs.org/ns/void#triples")
            })
            .map(|[_, _, o]| o.lexical_form().unwrap().to_string())
            .expect("void:triples");
        assert_eq!(triples, nt.len().to_string(), "{what}");
    }
}

#[test]
fn the_canonical_hash_is_rdfc10_as_sophia_computes_it() {
    for (what, data, _keep) in datasets() {
        let out = build(&data);
        let dist = out.path().join("dist");
        let quads: HashSet<Spog<SimpleTerm<'static>>> = sophia_turtle::parser::nt::parse_bufread(
            BufReader::new(File::open(dist.join("orgs.nt")).unwrap()),
        )
        .to_quads()
        .collect_quads()
        .unwrap();
        let mut canonical = Vec::new();
        sophia_c14n::rdfc10::normalize(&quads, &mut canonical).unwrap();
        // orgs.nt is the canonical form itself (a graph without blank
        // nodes, sorted): byte for byte what RDFC-1.0 gives.
        assert!(
            canonical == std::fs::read(dist.join("orgs.nt")).unwrap(),
            "{what}: orgs.nt is not the RDFC-1.0 canonical N-Quads"
        );
        let hash = Sha256::digest(&canonical)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect::<String>();
        let void = turtle(&dist.join("void.ttl"));
        let published = void
            .iter()
            .find(|[s, p, _]| {
                s.iri()
                    .is_some_and(|i| i.as_str().ends_with("#canonical-sha256"))
                    && p.iri()
                        .is_some_and(|i| i.as_str() == "http://spdx.org/rdf/terms#checksumValue")
            })
            .map(|[_, _, o]| o.lexical_form().unwrap().to_string())
            .expect("the canonical checksum in void.ttl");
        assert_eq!(published, hash, "{what}");
    }
}
