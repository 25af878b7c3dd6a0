//! The name index: finds organizations by name for people (`/search`,
//! `/suggest`, `orgdir search`) and for programs (`/reconcile`,
//! `orgdir reconcile`).
//!
//! Built from the graph the store serves ([`entries::read`]), so it says
//! what the data says. Two steps answer a query:
//!
//! 1. **Candidates** from a tantivy index: the words of every name and
//!    alternate name, their trigrams (typos), their prefixes (typeahead),
//!    and the other text (description, places, the parent's name) for
//!    `/search`; plus exact look-ups of the folded names, so a name that
//!    matches exactly is always a candidate whatever BM25 thinks of it.
//! 2. **Scores** that mean something ([`matching`]): each candidate's
//!    names compared with the query as folded ([`normalize::fold`]): exact,
//!    reordered, one or two typos, contained in a longer string, or merely
//!    similar, on a 0–100 scale; `match` only for an exact name or
//!    alternate name that no other candidate comes close to.
//!
//! tantivy (quickwit's Lucene-like engine) gives the inverted index, BM25,
//! block-max WAND top-k and an on-disk format that reopens in milliseconds
//! (`--store`), which a hand-written trigram index would have to grow one
//! by one.

pub mod entries;
pub mod matching;
pub mod normalize;

use std::collections::HashMap;
use std::path::Path;

use oxigraph::store::{StorageError, Store};
use tantivy::collector::{Count, TopDocs};
use tantivy::query::{BooleanQuery, BoostQuery, Occur, Query, TermQuery};
use tantivy::schema::{FAST, Field, IndexRecordOption, Schema, TextFieldIndexing, TextOptions};
use tantivy::tokenizer::{PreTokenizedString, Token};
use tantivy::{DocAddress, IndexReader, TantivyDocument, Term};

pub use entries::Entry;
pub use matching::{Candidate, How, Reconciled};

use crate::fsutil::FsError;

#[derive(Debug, thiserror::Error)]
pub enum SearchError {
    #[error("cannot read the graph for the name index: {0}")]
    Storage(#[from] StorageError),
    #[error("the name index: {0}")]
    Index(#[from] tantivy::TantivyError),
    #[error(transparent)]
    Fs(#[from] FsError),
}

/// The file in an on-disk index naming the graph it was built from.
const VERSION_FILE: &str = "orgdir-version";

/// The organizations, and the index over their names.
pub struct Index {
    entries: Vec<Entry>,
    /// Each entry's labels ([`Entry::labels`]) folded, in the same order.
    folded: Vec<Vec<String>>,
    by_iri: HashMap<String, u32>,
    /// Folded label to the entries that have it.
    exact: HashMap<String, Vec<u32>>,
    /// Sorted words of a folded label to the entries that have them.
    reordered: HashMap<String, Vec<u32>>,
    /// Identifiers (`sameAs`, the website) in [`matching::identifier`]
    /// form, to their entries.
    identifiers: HashMap<String, Vec<u32>>,
    engine: Engine,
}

struct Engine {
    reader: IndexReader,
    fields: Fields,
    /// Bytes the index takes (its files, in memory or on disk).
    bytes: u64,
}

#[derive(Clone, Copy)]
struct Fields {
    ord: Field,
    names: Field,
    grams: Field,
    edges: Field,
    text: Field,
}

fn schema() -> (Schema, Fields) {
    let mut builder = Schema::builder();
    let indexed = |option| {
        TextOptions::default().set_indexing_options(
            TextFieldIndexing::default()
                .set_tokenizer("raw")
                .set_index_option(option),
        )
    };
    let fields = Fields {
        ord: builder.add_u64_field("ord", FAST),
        names: builder.add_text_field("names", indexed(IndexRecordOption::WithFreqs)),
        grams: builder.add_text_field("grams", indexed(IndexRecordOption::WithFreqs)),
        edges: builder.add_text_field("edges", indexed(IndexRecordOption::Basic)),
        text: builder.add_text_field("text", indexed(IndexRecordOption::WithFreqs)),
    };
    (builder.build(), fields)
}

/// A value of pre-cut tokens (the index's own tokenization, [`normalize`]).
fn pre_tokenized(tokens: impl IntoIterator<Item = String>) -> PreTokenizedString {
    let tokens = tokens
        .into_iter()
        .enumerate()
        .map(|(position, text)| Token {
            offset_from: 0,
            offset_to: 0,
            position,
            text,
            position_length: 1,
        })
        .collect();
    PreTokenizedString {
        text: String::new(),
        tokens,
    }
}

impl Index {
    /// The index of the organizations in `store`, in memory.
    pub fn build(store: &Store) -> Result<Index, SearchError> {
        let entries = entries::read(store)?;
        let (schema, fields) = schema();
        let index = tantivy::Index::create_in_ram(schema);
        Index::fill(&index, fields, &entries)?;
        Index::assemble(entries, index, fields)
    }

    /// The index kept in `dir`, when it was built from the graph `version`
    /// names; otherwise built anew there (beside, then swapped in whole, so
    /// an interrupted build leaves the old one).
    pub fn open_or_build(store: &Store, dir: &Path, version: &str) -> Result<Index, SearchError> {
        let entries = entries::read(store)?;
        let kept = std::fs::read_to_string(dir.join(VERSION_FILE)).ok();
        if kept.as_deref() == Some(version)
            && let Ok(index) = tantivy::Index::open_in_dir(dir)
        {
            let (_, fields) = schema();
            tracing::info!(dir = %dir.display(), "reusing the name index");
            return Index::assemble(entries, index, fields);
        }
        let fresh = crate::fsutil::atomic::staging_dir(dir)?;
        let (schema, fields) = schema();
        let index = tantivy::Index::create_in_dir(fresh.path(), schema)?;
        Index::fill(&index, fields, &entries)?;
        drop(index);
        let version_file = fresh.path().join(VERSION_FILE);
        std::fs::write(&version_file, version).map_err(FsError::io("write", &version_file))?;
        crate::fsutil::atomic::replace_dir(fresh, dir)?;
        let index = tantivy::Index::open_in_dir(dir)?;
        Index::assemble(entries, index, fields)
    }

    fn fill(index: &tantivy::Index, f: Fields, entries: &[Entry]) -> Result<(), SearchError> {
        let mut writer: tantivy::IndexWriter = index.writer(64 << 20)?;
        let parents: HashMap<&str, &str> = entries
            .iter()
            .map(|e| (e.iri.as_str(), e.name.as_str()))
            .collect();
        for (ord, entry) in entries.iter().enumerate() {
            let mut doc = TantivyDocument::default();
            doc.add_u64(f.ord, ord as u64);
            for label in entry.labels() {
                let folded = normalize::fold(label);
                doc.add_pre_tokenized_text(
                    f.names,
                    pre_tokenized(normalize::tokens(&folded).into_iter().map(|t| t.text)),
                );
                doc.add_pre_tokenized_text(f.grams, pre_tokenized(normalize::trigrams(&folded)));
                doc.add_pre_tokenized_text(f.edges, pre_tokenized(normalize::prefixes(&folded)));
            }
            let parent = entry
                .parent
                .as_deref()
                .and_then(|p| parents.get(p))
                .copied();
            let other = entry
                .description
                .iter()
                .map(String::as_str)
                .chain(entry.places.iter().map(String::as_str))
                .chain(parent)
                .chain(entry.category.as_deref());
            for text in other {
                let folded = normalize::fold(text);
                doc.add_pre_tokenized_text(
                    f.text,
                    pre_tokenized(normalize::tokens(&folded).into_iter().map(|t| t.text)),
                );
            }
            writer.add_document(doc)?;
        }
        writer.commit()?;
        writer.wait_merging_threads()?;
        Ok(())
    }

    fn assemble(
        entries: Vec<Entry>,
        index: tantivy::Index,
        fields: Fields,
    ) -> Result<Index, SearchError> {
        let reader = index
            .reader_builder()
            .reload_policy(tantivy::ReloadPolicy::Manual)
            .try_into()?;
        let bytes = reader
            .searcher()
            .space_usage()
            .map_or(0, |usage| usage.total().get_bytes());
        let mut folded = Vec::with_capacity(entries.len());
        let mut exact: HashMap<String, Vec<u32>> = HashMap::new();
        let mut reordered: HashMap<String, Vec<u32>> = HashMap::new();
        let mut identifiers: HashMap<String, Vec<u32>> = HashMap::new();
        let mut by_iri = HashMap::with_capacity(entries.len());
        for (ord, entry) in entries.iter().enumerate() {
            let ord = ord as u32;
            by_iri.insert(entry.iri.clone(), ord);
            let labels: Vec<String> = entry.labels().map(normalize::fold).collect();
            for label in &labels {
                push_once(exact.entry(label.clone()).or_default(), ord);
                push_once(
                    reordered
                        .entry(normalize::word_set(label).join(" "))
                        .or_default(),
                    ord,
                );
            }
            for id in entry.same_as.iter().chain(&entry.url) {
                push_once(
                    identifiers.entry(matching::identifier(id)).or_default(),
                    ord,
                );
            }
            push_once(
                identifiers
                    .entry(matching::identifier(&entry.iri))
                    .or_default(),
                ord,
            );
            folded.push(labels);
        }
        Ok(Index {
            entries,
            folded,
            by_iri,
            exact,
            reordered,
            identifiers,
            engine: Engine {
                reader,
                fields,
                bytes,
            },
        })
    }

    /// The organizations, sorted by IRI.
    pub fn entries(&self) -> &[Entry] {
        &self.entries
    }

    pub fn entry(&self, ord: u32) -> &Entry {
        &self.entries[ord as usize]
    }

    pub fn by_iri(&self, iri: &str) -> Option<&Entry> {
        self.by_iri.get(iri).map(|&o| self.entry(o))
    }

    pub fn ord_of(&self, iri: &str) -> Option<u32> {
        self.by_iri.get(iri).copied()
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Bytes the tantivy index's files take.
    pub fn index_bytes(&self) -> u64 {
        self.engine.bytes
    }

    /// The best `limit` entries of `query` by BM25, each with its score.
    fn top(&self, query: &dyn Query, limit: usize) -> Vec<(f32, u32)> {
        let searcher = self.engine.reader.searcher();
        let Ok(hits) = searcher.search(query, &TopDocs::with_limit(limit.max(1)).order_by_score())
        else {
            return Vec::new();
        };
        self.ords(&searcher, hits)
    }

    fn ords(&self, searcher: &tantivy::Searcher, hits: Vec<(f32, DocAddress)>) -> Vec<(f32, u32)> {
        let mut columns = HashMap::new();
        hits.into_iter()
            .filter_map(|(score, address)| {
                let column = columns.entry(address.segment_ord).or_insert_with(|| {
                    searcher
                        .segment_reader(address.segment_ord)
                        .fast_fields()
                        .u64("ord")
                        .ok()
                });
                let ord = column.as_ref()?.first(address.doc_id)?;
                Some((score, ord as u32))
            })
            .collect()
    }

    /// How many entries `query` matches at all.
    fn count(&self, query: &dyn Query) -> usize {
        self.engine
            .reader
            .searcher()
            .search(query, &Count)
            .unwrap_or(0)
    }

    fn term(&self, field: Field, text: &str) -> Box<dyn Query> {
        Box::new(TermQuery::new(
            Term::from_field_text(field, text),
            IndexRecordOption::WithFreqs,
        ))
    }

    /// Words and trigrams of `folded` against the names (and, with
    /// `text`, the other text too), any of them.
    fn name_query(&self, folded: &str, text: bool) -> BooleanQuery {
        self.query_of(folded, text, true)
    }

    /// The words of `folded` in the names and the other text, without
    /// trigrams: what `/search` counts as found.
    fn word_query(&self, folded: &str) -> BooleanQuery {
        self.query_of(folded, true, false)
    }

    fn query_of(&self, folded: &str, text: bool, trigrams: bool) -> BooleanQuery {
        let f = self.engine.fields;
        let mut clauses: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        let mut seen = std::collections::HashSet::new();
        for token in normalize::tokens(folded) {
            if seen.insert(token.text.clone()) {
                clauses.push((
                    Occur::Should,
                    Box::new(BoostQuery::new(self.term(f.names, &token.text), 3.0)),
                ));
                if text {
                    clauses.push((Occur::Should, self.term(f.text, &token.text)));
                }
            }
        }
        let mut grams = if trigrams {
            normalize::trigrams(folded)
        } else {
            Vec::new()
        };
        grams.sort_unstable();
        grams.dedup();
        // A long string (an affiliation byline) is found by its words;
        // trigrams past the first hundred add work and nothing else.
        for gram in grams.iter().take(100) {
            clauses.push((Occur::Should, self.term(f.grams, gram)));
        }
        BooleanQuery::new(clauses)
    }

    /// Every word of `folded` as a prefix (typeahead).
    fn prefix_query(&self, folded: &str) -> Option<BooleanQuery> {
        let f = self.engine.fields;
        let mut clauses: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        for word in folded.split(' ').filter(|w| !w.is_empty()) {
            clauses.push((
                Occur::Must,
                self.term(f.edges, normalize::clip_prefix(word)),
            ));
        }
        (!clauses.is_empty()).then(|| BooleanQuery::new(clauses))
    }
}

fn push_once(list: &mut Vec<u32>, ord: u32) {
    if list.last() != Some(&ord) {
        list.push(ord);
    }
}
