//! The dataset's canonical hash: SHA-256 of its RDFC-1.0 canonical N-Quads.
//!
//! We use oxrdf's RDFC-1.0 implementation (`rdfc-10` feature) rather than
//! sophia_c14n: it works on the oxrdf terms the rest of orgdir already uses,
//! so no conversion and no second RDF toolkit in the build.
//!
//! `orgdir build` does not call it: the mapping mints an IRI for every node, so
//! the graph has no blank nodes and its canonical N-Quads are exactly the
//! sorted N-Triples the build streams to `orgs.nt` (a test checks the two agree
//! on the bundled and on synthetic data). This function is for any RDF, such
//! as a graph read back from a remote store, which may hold blank nodes.

use oxrdf::Dataset;
use oxrdf::dataset::{CanonicalizationAlgorithm, CanonicalizationHashAlgorithm};
use sha2::{Digest, Sha256};

use super::dump::hex;

/// The canonical N-Quads of `dataset` (RDFC-1.0), sorted, one per line.
pub fn canonical_nquads(dataset: &Dataset) -> String {
    let mut dataset = dataset.clone();
    dataset.canonicalize(CanonicalizationAlgorithm::Rdfc10 {
        hash_algorithm: CanonicalizationHashAlgorithm::Sha256,
    });
    let mut lines: Vec<String> = dataset.iter().map(|q| format!("{q} .\n")).collect();
    lines.sort_unstable();
    lines.concat()
}

/// Lowercase hex SHA-256 of [`canonical_nquads`].
pub fn canonical_hash(dataset: &Dataset) -> String {
    hex(&Sha256::digest(canonical_nquads(dataset).as_bytes()))
}
