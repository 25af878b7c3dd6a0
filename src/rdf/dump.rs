//! Dump formats: one enum, one writer per format.

use std::io::{self, Write};

use sha2::{Digest, Sha256};

use super::jsonld::JsonLdWriter;
use super::mapping::{Description, Iris};
use super::ntriples::NTriplesWriter;
use super::turtle::TurtleWriter;
use super::vocab::PREFIXES;

/// Writes a graph one subject description at a time.
pub trait DescriptionWriter {
    fn write(&mut self, d: &Description) -> io::Result<()>;
    /// Writes what closes the document and flushes.
    fn finish(self: Box<Self>) -> io::Result<()>;
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum DumpFormat {
    Turtle,
    NTriples,
    JsonLd,
}

impl DumpFormat {
    pub const ALL: [DumpFormat; 3] = [DumpFormat::Turtle, DumpFormat::NTriples, DumpFormat::JsonLd];

    /// The file the build writes this format to.
    pub fn file_name(self) -> &'static str {
        match self {
            DumpFormat::Turtle => "orgs.ttl",
            DumpFormat::NTriples => "orgs.nt",
            DumpFormat::JsonLd => "orgs.jsonld",
        }
    }

    pub fn media_type(self) -> &'static str {
        match self {
            DumpFormat::Turtle => "text/turtle",
            DumpFormat::NTriples => "application/n-triples",
            DumpFormat::JsonLd => "application/ld+json",
        }
    }

    /// A writer of this format into `out`; `iris` gives the Turtle prefixes
    /// for the dataset's own namespaces.
    pub fn writer<'w, W: Write + 'w>(
        self,
        out: W,
        iris: Iris<'_>,
    ) -> io::Result<Box<dyn DescriptionWriter + 'w>> {
        Ok(match self {
            DumpFormat::Turtle => Box::new(TurtleWriter::new(out, turtle_prefixes(iris))?),
            DumpFormat::NTriples => Box::new(NTriplesWriter::new(out)),
            DumpFormat::JsonLd => Box::new(JsonLdWriter::new(out)?),
        })
    }
}

/// The vocabulary prefixes, then `org:`, `place:` and `category:` under the base.
pub fn turtle_prefixes(iris: Iris<'_>) -> Vec<(String, String)> {
    let mut prefixes: Vec<(String, String)> = PREFIXES
        .iter()
        .map(|(p, ns)| ((*p).to_owned(), (*ns).to_owned()))
        .collect();
    for local in ["category", "org", "place"] {
        prefixes.push((local.to_owned(), format!("{}{local}/", iris.base)));
    }
    prefixes
}

/// Passes bytes through, counting them and computing their SHA-256.
pub struct Hashing<W> {
    inner: W,
    hasher: Sha256,
    bytes: u64,
}

impl<W: Write> Hashing<W> {
    pub fn new(inner: W) -> Self {
        Hashing {
            inner,
            hasher: Sha256::new(),
            bytes: 0,
        }
    }

    pub fn into_inner(self) -> W {
        self.inner
    }

    /// The byte count and lowercase hex SHA-256 of everything written.
    pub fn digest(&self) -> (u64, String) {
        (self.bytes, hex(&self.hasher.clone().finalize()))
    }
}

impl<W: Write> Write for Hashing<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.hasher.update(&buf[..n]);
        self.bytes += n as u64;
        Ok(n)
    }
    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

pub fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    bytes
        .iter()
        .fold(String::with_capacity(bytes.len() * 2), |mut s, b| {
            let _ = write!(s, "{b:02x}");
            s
        })
}
