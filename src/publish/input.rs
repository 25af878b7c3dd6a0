//! What is published: the graph of the YAML source, mapped as `build` maps
//! it, or a release that `build --release` wrote (`--release DIR`), sent as
//! its `orgs.nt` is, byte for byte, so that the store holds exactly what
//! harvesters download and its canonical hash is the release's.
//!
//! Both are read one description (one subject's triples) at a time, in the
//! canonical order: a release's `orgs.nt` is the sorted canonical N-Triples,
//! so a subject's lines are consecutive.

use std::io::BufRead;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use sha2::{Digest, Sha256};

use super::PublishError;
use crate::rdf::dump::hex;
use crate::rdf::ntriples::push_description;
use crate::rdf::{Graph, Iris};
use crate::source::Source;

pub enum Input {
    Source(Arc<Source>),
    Release(Release),
}

/// A release directory, checked against its `release.json`.
#[derive(Debug, Clone)]
pub struct Release {
    pub version: String,
    pub orgs: PathBuf,
    /// The subject typed `schema:Dataset`: the default graph.
    pub dataset: String,
    pub triples: u64,
    pub canonical_hash: String,
}

/// One subject's triples as canonical N-Triples lines.
pub struct Piece<'a> {
    pub subject: &'a str,
    pub text: &'a str,
    pub triples: usize,
}

impl Input {
    /// The graph replaced when `--graph` is not given: the dataset's IRI.
    pub fn dataset(&self) -> String {
        match self {
            Input::Source(source) => Iris::of(&source.dataset).dataset(),
            Input::Release(release) => release.dataset.clone(),
        }
    }

    /// Calls `each` with every description in canonical order, until it
    /// returns false.
    pub fn each(&self, mut each: impl FnMut(&Piece) -> bool) -> std::io::Result<()> {
        match self {
            Input::Source(source) => {
                let graph = Graph::new(source);
                let mut text = String::new();
                for d in graph.descriptions() {
                    text.clear();
                    push_description(&mut text, &d);
                    let piece = Piece {
                        subject: d.subject.as_str(),
                        text: &text,
                        triples: d.properties.len(),
                    };
                    if !each(&piece) {
                        break;
                    }
                }
                Ok(())
            }
            Input::Release(release) => {
                let file = std::fs::File::open(&release.orgs)?;
                let mut reader = std::io::BufReader::with_capacity(1 << 16, file);
                let (mut text, mut line) = (String::new(), String::new());
                let (mut subject_end, mut triples) = (0, 0);
                loop {
                    line.clear();
                    let read = reader.read_line(&mut line)?;
                    let subject = subject_of(&line);
                    if triples > 0 && (read == 0 || subject != &text[1..subject_end]) {
                        let piece = Piece {
                            subject: &text[1..subject_end],
                            text: &text,
                            triples,
                        };
                        if !each(&piece) {
                            return Ok(());
                        }
                        text.clear();
                        triples = 0;
                    }
                    if read == 0 {
                        return Ok(());
                    }
                    if triples == 0 {
                        subject_end = subject.len() + 1;
                    }
                    text.push_str(&line);
                    triples += 1;
                }
            }
        }
    }
}

/// The subject IRI of a canonical N-Triples line (`<s> <p> o .`); our graphs
/// have no blank nodes.
fn subject_of(line: &str) -> &str {
    line.strip_prefix('<')
        .and_then(|rest| rest.split_once('>'))
        .map_or("", |(iri, _)| iri)
}

impl Release {
    /// Opens the release in `dir` (`OUT/VERSION` or `OUT/latest`): its
    /// `release.json`, and its `orgs.nt`, whose SHA-256 must be the release's
    /// canonical hash (a copy damaged since it was built is not published).
    pub fn open(dir: &Path) -> Result<Release, PublishError> {
        let bad =
            |what: String| PublishError::Usage(format!("--release {}: {what}", dir.display()));
        let manifest = dir.join("release.json");
        let text = std::fs::read_to_string(&manifest).map_err(|e| {
            bad(format!(
                "cannot read release.json ({e}): not a release of `orgdir build --release`"
            ))
        })?;
        let json: serde_json::Value = serde_json::from_str(&text)
            .map_err(|e| bad(format!("release.json is not JSON: {e}")))?;
        let field = |name: &str| {
            json.get(name)
                .ok_or_else(|| bad(format!("release.json has no `{name}`")))
        };
        let version = field("version")?.as_str().unwrap_or_default().to_owned();
        let canonical_hash = field("canonical_hash")?
            .as_str()
            .unwrap_or_default()
            .to_owned();
        let expected = field("triples")?.as_u64().unwrap_or_default();
        let orgs = dir.join("orgs.nt");
        let file =
            std::fs::File::open(&orgs).map_err(|e| bad(format!("cannot read orgs.nt: {e}")))?;
        let mut reader = std::io::BufReader::with_capacity(1 << 16, file);
        let mut hasher = Sha256::new();
        let (mut line, mut triples, mut dataset) = (String::new(), 0u64, None);
        const DATASET: &str =
            "> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <http://schema.org/Dataset> .\n";
        loop {
            line.clear();
            let read = reader
                .read_line(&mut line)
                .map_err(|e| bad(format!("cannot read orgs.nt: {e}")))?;
            if read == 0 {
                break;
            }
            hasher.update(line.as_bytes());
            triples += 1;
            if dataset.is_none() && line.ends_with(DATASET) {
                dataset = Some(subject_of(&line).to_owned());
            }
        }
        let hash = hex(&hasher.finalize());
        if hash != canonical_hash || triples != expected {
            return Err(bad(format!(
                "orgs.nt ({triples} triples, SHA-256 {hash}) is not the release's ({expected} \
                 triples, {canonical_hash}): it changed since `build --release` wrote it"
            )));
        }
        Ok(Release {
            version,
            orgs,
            dataset: dataset.ok_or_else(|| bad("orgs.nt has no schema:Dataset".into()))?,
            triples,
            canonical_hash,
        })
    }
}
