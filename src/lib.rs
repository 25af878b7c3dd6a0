//! orgdir publishes a directory of organizations as linked data.
//!
//! The pipeline, one module per stage:
//!
//! 1. [`source`] reads the YAML directory (`data/`) into checked records that
//!    remember the file, line and column of every value, reporting every
//!    problem at once;
//! 2. [`rdf::mapping`] maps the records to schema.org RDF, minting an IRI for
//!    every node under the dataset's base;
//! 3. [`build`] streams the graph to Turtle, N-Triples and JSON-LD dumps with
//!    VoID/DCAT metadata and hashes, replacing the output directory atomically.
//!
//! Validation with SHACL, the SPARQL endpoint and link checking build on these.

pub mod build;
pub mod cli;
pub mod config;
pub mod error;
pub mod rdf;
pub mod source;
pub mod synth;

pub use error::Error;
