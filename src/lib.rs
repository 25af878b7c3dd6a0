//! orgdir publishes a directory of organizations as linked data.
//!
//! The pipeline, one module per stage:
//!
//! 1. [`source`] reads the YAML directory (`data/`) into checked records that
//!    remember the file, line and column of every value, reporting every
//!    problem at once;
//! 2. [`rdf::mapping`] maps the records to schema.org RDF, minting an IRI for
//!    every node under the dataset's base;
//! 3. [`dist`] streams the graph to Turtle, N-Triples and JSON-LD dumps with
//!    VoID/DCAT metadata and hashes, which `orgdir build` swaps into the
//!    output directory atomically ([`fsutil`]);
//! 4. [`store`] loads the same graph into an embedded Oxigraph store, which
//!    [`server`] serves read-only over the SPARQL 1.1 Protocol and
//!    `orgdir query` queries from the command line.
//!
//! 5. [`validate`] checks the graph against the SHACL shapes of `shapes/`
//!    and points each result at the YAML key that caused it; `build` and
//!    `serve` refuse data with violations, and [`report`] writes the results
//!    as text, Turtle, JSON or SARIF.
//!
//! 6. [`publish`] replaces a named graph in an existing triplestore with the
//!    same graph (SPARQL 1.1 Graph Store protocol or Update) and checks what
//!    the store then holds; [`linkcheck`] reports the websites that rotted;
//!    both send their requests under one policy ([`http`]).
//!
//! Each stage returns its own error and never calls back up; [`commands`]
//! holds one file per subcommand, stringing the stages together, and
//! [`error::Error`] wraps the stages' errors and owns the exit codes.

pub mod alloc;
pub mod cli;
pub mod commands;
pub mod config;
pub mod defaults;
pub mod dist;
pub mod error;
pub mod fsutil;
pub mod http;
pub mod linkcheck;
pub mod publish;
pub mod rdf;
pub mod release;
pub mod report;
pub mod search;
pub mod server;
pub mod source;
pub mod store;
pub mod synth;
pub mod validate;

pub use error::Error;
