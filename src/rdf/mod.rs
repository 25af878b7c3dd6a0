//! RDF: the vocabulary, the schema.org mapping, and the dump writers.

pub mod canon;
pub mod dump;
pub mod jsonld;
pub mod mapping;
pub mod ntriples;
pub mod turtle;
pub mod vocab;
pub mod void;

pub use dump::{DescriptionWriter, DumpFormat};
pub use mapping::{Description, Graph, Iris};
