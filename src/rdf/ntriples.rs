//! N-Triples, one line per triple in canonical form (RDF 1.1 N-Triples
//! §canonical), sorted: for our IRI-only graphs these lines are also the
//! RDFC-1.0 canonical N-Quads of the dataset.

use std::io::{self, Write};

use super::dump::DescriptionWriter;
use super::mapping::Description;

pub struct NTriplesWriter<W: Write> {
    out: W,
    line: String,
}

impl<W: Write> NTriplesWriter<W> {
    pub fn new(out: W) -> Self {
        NTriplesWriter {
            out,
            line: String::new(),
        }
    }
}

impl<W: Write> DescriptionWriter for NTriplesWriter<W> {
    fn write(&mut self, d: &Description) -> io::Result<()> {
        use std::fmt::Write as _;
        for (p, o) in &d.properties {
            self.line.clear();
            let _ = writeln!(self.line, "{} {p} {o} .", d.subject);
            self.out.write_all(self.line.as_bytes())?;
        }
        Ok(())
    }

    fn finish(mut self: Box<Self>) -> io::Result<()> {
        self.out.flush()
    }
}
