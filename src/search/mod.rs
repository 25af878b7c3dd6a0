//! The name index: finds organizations by name for people (`/search`,
//! `/suggest`, `orgdir search`) and for programs (`/reconcile`,
//! `orgdir reconcile`).
//!
//! Built from the graph the store serves ([`entries::read`]), so it says
//! what the data says. Two steps answer a query:
//!
//! 1. **Candidates** from a tantivy index of the words of every name and
//!    alternate name, and of the other text (description, places, the
//!    parent's name) for `/search`: BM25 over the words, and a Levenshtein
//!    automaton (one or two edits) for each word of the query that no name
//!    has (a typo); plus exact look-ups of the folded names, so a name that
//!    matches exactly is always a candidate whatever BM25 thinks of it.
//!    Typeahead looks the typed text up in a sorted array of every word
//!    start of every name ([`Index::suggest`]).
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
use tantivy::query::{BooleanQuery, BoostQuery, FuzzyTermQuery, Occur, Query, TermQuery};
use tantivy::schema::{FAST, Field, IndexRecordOption, Schema, TextFieldIndexing, TextOptions};
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

/// A typo's candidate words at most: a two-edit automaton over a large
/// vocabulary can match many.
const NEAR_TERMS: usize = 64;

/// The file in an on-disk index naming the graph it was built from.
const VERSION_FILE: &str = "orgdir-version";

/// The organizations, and the index over their names.
pub struct Index {
    entries: Vec<Entry>,
    /// Each entry's labels ([`Entry::labels`]) folded, in the same order.
    folded: Vec<Vec<String>>,
    lookups: Lookups,
    /// Every word start of every folded label, sorted by the text from
    /// there on: typeahead's look-up ([`Index::suggest`]).
    starts: Vec<Start>,
    engine: Engine,
}

/// The exact look-ups: a sorted array of (hash of the key, entry) pairs
/// each, whose hits are checked against the entry itself, so a hash
/// collision costs a comparison and never a wrong answer. A map of owned
/// keys made a million small allocations at 100,000 organizations and took
/// 0.66 s of the index's 2.4 s (examples/index_build.rs); these sort
/// integers. Organizations by IRI need none: the entries are sorted by it.
#[derive(Default)]
struct Lookups {
    /// Folded labels.
    exact: Keyed,
    /// The sorted words of folded labels ([`normalize::word_set`]).
    reordered: Keyed,
    /// Identifiers (`sameAs`, the website, the IRI) in
    /// [`matching::identifier`] form.
    identifiers: Keyed,
}

#[derive(Default)]
struct Keyed(Vec<(u64, u32)>);

fn key_hash(key: &str) -> u64 {
    use std::hash::BuildHasher;
    rustc_hash::FxBuildHasher.hash_one(key)
}

/// The hash of a folded label's sorted words (`normalize::word_set`),
/// without joining them into one string.
fn word_set_hash(words: &[&str]) -> u64 {
    use std::hash::Hasher;
    let mut hasher = rustc_hash::FxHasher::default();
    for word in words {
        hasher.write(word.as_bytes());
        hasher.write_u8(0xff);
    }
    hasher.finish()
}

impl Keyed {
    fn of(mut pairs: Vec<(u64, u32)>) -> Keyed {
        pairs.sort_unstable();
        pairs.dedup();
        Keyed(pairs)
    }

    /// The entries whose key may be `key`: each to be checked.
    fn get(&self, key: &str) -> impl Iterator<Item = u32> + use<'_> {
        self.get_hash(key_hash(key))
    }

    /// The entries whose key's hash is `hash`: each to be checked.
    fn get_hash(&self, hash: u64) -> impl Iterator<Item = u32> + use<'_> {
        let first = self.0.partition_point(|&(h, _)| h < hash);
        self.0[first..]
            .iter()
            .take_while(move |&&(h, _)| h == hash)
            .map(|&(_, ord)| ord)
    }
}

impl Lookups {
    fn of(entries: &[Entry], folded: &[Vec<String>]) -> Lookups {
        let mut exact = Vec::with_capacity(entries.len() * 3);
        let mut reordered = Vec::with_capacity(entries.len() * 3);
        let mut identifiers = Vec::with_capacity(entries.len() * 2);
        for (ord, entry) in entries.iter().enumerate() {
            let ord = ord as u32;
            for label in &folded[ord as usize] {
                exact.push((key_hash(label), ord));
                reordered.push((word_set_hash(&normalize::word_set(label)), ord));
            }
            for id in entry.identifiers() {
                identifiers.push((key_hash(&matching::identifier(id)), ord));
            }
        }
        Lookups {
            exact: Keyed::of(exact),
            reordered: Keyed::of(reordered),
            identifiers: Keyed::of(identifiers),
        }
    }
}

/// A place in a folded label where a word (or a spaceless run) starts.
#[derive(Debug, Clone, Copy)]
struct Start {
    ord: u32,
    label: u16,
    offset: u16,
}

/// Every entry's labels, folded ([`normalize::fold`]).
fn fold_all(entries: &[Entry]) -> Vec<Vec<String>> {
    entries
        .iter()
        .map(|e| e.labels().map(normalize::fold).collect())
        .collect()
}

fn word_starts(folded: &[Vec<String>]) -> Vec<Start> {
    let mut starts = Vec::new();
    for (ord, labels) in folded.iter().enumerate() {
        for (label, text) in labels.iter().enumerate() {
            let (Ok(label), true) = (u16::try_from(label), text.len() <= usize::from(u16::MAX))
            else {
                continue;
            };
            let mut previous: Option<char> = None;
            for (i, c) in text.char_indices() {
                let start = match previous {
                    None => true,
                    Some(' ') => c != ' ',
                    Some(p) => normalize::is_spaceless(p) != normalize::is_spaceless(c),
                };
                if start {
                    starts.push(Start {
                        ord: ord as u32,
                        label,
                        offset: i as u16,
                    });
                }
                previous = Some(c);
            }
        }
    }
    let text = |s: &Start| &folded[s.ord as usize][usize::from(s.label)][usize::from(s.offset)..];
    // Sorted eight bytes at a time, each as one integer (an MSD radix sort
    // over 64-bit digits): the whole array by its first eight bytes, then
    // each run that shares them by the next eight, and so on. A comparison
    // of the texts themselves chases three pointers; at 100,000
    // organizations one run of 77,983 starts shares its first eight bytes
    // ("library "), and sorting the runs by the rest of their texts took
    // 0.35-0.6 s on the side thread (examples/index_build.rs). By digits,
    // the whole index took 1.14-1.22 s where comparisons took 1.20-1.35 s
    // (three runs each, side by side): the side thread now waits on
    // tantivy's fill, and the CPU saved is serve's, which shares the cores.
    let mut keyed: Vec<(u64, Start)> = starts.into_iter().map(|s| (prefix(text(&s)), s)).collect();
    keyed.sort_unstable_by_key(|&(key, _)| key);
    // Runs still to sort: where they start, how long, and the byte offset
    // of their next digit.
    let mut runs: Vec<(usize, usize, usize)> = Vec::new();
    let push_runs = |runs: &mut Vec<_>, keyed: &[(u64, Start)], base: usize, depth: usize| {
        let mut at = base;
        for run in keyed.chunk_by(|a, b| a.0 == b.0) {
            // A digit of zeros means the texts ended: the run is equal.
            if run.len() > 1 && run[0].0 != 0 {
                runs.push((at, run.len(), depth + 8));
            }
            at += run.len();
        }
    };
    push_runs(&mut runs, &keyed, 0, 0);
    while let Some((at, len, depth)) = runs.pop() {
        let run = &mut keyed[at..at + len];
        for (key, start) in run.iter_mut() {
            let bytes = text(start).as_bytes();
            *key = prefix_bytes(&bytes[bytes.len().min(depth)..]);
        }
        run.sort_unstable_by_key(|&(key, _)| key);
        push_runs(&mut runs, run, at, depth);
    }
    keyed.into_iter().map(|(_, s)| s).collect()
}

/// The first eight bytes of `text` as a big-endian integer, zeros past its
/// end: integers in the order of the texts' first eight bytes.
fn prefix(text: &str) -> u64 {
    prefix_bytes(text.as_bytes())
}

fn prefix_bytes(text: &[u8]) -> u64 {
    let mut bytes = [0u8; 8];
    let n = text.len().min(8);
    bytes[..n].copy_from_slice(&text[..n]);
    u64::from_be_bytes(bytes)
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
    text: Field,
}

fn schema() -> (Schema, Fields) {
    let mut builder = Schema::builder();
    let indexed = |option| {
        TextOptions::default().set_indexing_options(
            TextFieldIndexing::default()
                // The index's own tokens (normalize::tokens), joined by
                // spaces: pre-tokenized values went through serde_json.
                .set_tokenizer("whitespace")
                .set_index_option(option),
        )
    };
    let fields = Fields {
        ord: builder.add_u64_field("ord", FAST),
        names: builder.add_text_field("names", indexed(IndexRecordOption::WithFreqs)),
        text: builder.add_text_field("text", indexed(IndexRecordOption::WithFreqs)),
    };
    (builder.build(), fields)
}

impl Index {
    /// The index of the organizations in `store`, in memory.
    pub fn build(store: &Store) -> Result<Index, SearchError> {
        Index::of_entries(entries::read(store)?)
    }

    /// The index of the organizations of `source`, in memory: the same as
    /// [`Index::build`] on the store loaded from it, without the store.
    pub fn from_source(source: &crate::source::Source) -> Result<Index, SearchError> {
        Index::of_entries(entries::from_source(source))
    }

    fn of_entries(entries: Vec<Entry>) -> Result<Index, SearchError> {
        let start = std::time::Instant::now();
        let folded = fold_all(&entries);
        let (schema, fields) = schema();
        let index = tantivy::Index::create_in_ram(schema);
        // The look-ups and typeahead's sorted array are made while tantivy
        // indexes.
        let (lookups, starts) = std::thread::scope(|scope| {
            let side = scope.spawn(|| (Lookups::of(&entries, &folded), word_starts(&folded)));
            Index::fill(&index, fields, &entries, &folded)?;
            Ok::<_, SearchError>(side.join().expect("the look-up thread panicked"))
        })?;
        tracing::debug!(elapsed = ?start.elapsed(), "name index: tantivy filled");
        Index::assemble(entries, folded, Some((lookups, starts)), index, fields)
    }

    /// The index kept in `dir`, when it was built from the graph `version`
    /// names; otherwise built anew there (beside, then swapped in whole, so
    /// an interrupted build leaves the old one).
    pub fn open_or_build(store: &Store, dir: &Path, version: &str) -> Result<Index, SearchError> {
        Index::kept_or_built(entries::read(store)?, dir, version)
    }

    /// [`Index::from_source`], its tantivy part kept in `dir` for the data
    /// `version` names (the in-memory server's index, remembered as its
    /// verdict is: see `commands::serve`).
    pub fn from_source_kept(
        source: &crate::source::Source,
        dir: &Path,
        version: &str,
    ) -> Result<Index, SearchError> {
        Index::kept_or_built(entries::from_source(source), dir, version)
    }

    fn kept_or_built(entries: Vec<Entry>, dir: &Path, version: &str) -> Result<Index, SearchError> {
        let folded = fold_all(&entries);
        let kept = std::fs::read_to_string(dir.join(VERSION_FILE)).ok();
        if kept.as_deref() == Some(version)
            && let Ok(index) = tantivy::Index::open_in_dir(dir)
        {
            let (_, fields) = schema();
            tracing::info!(dir = %dir.display(), "reusing the name index");
            return Index::assemble(entries, folded, None, index, fields);
        }
        let fresh = crate::fsutil::atomic::staging_dir(dir)?;
        let (schema, fields) = schema();
        let index = tantivy::Index::create_in_dir(fresh.path(), schema)?;
        Index::fill(&index, fields, &entries, &folded)?;
        drop(index);
        let version_file = fresh.path().join(VERSION_FILE);
        std::fs::write(&version_file, version).map_err(FsError::io("write", &version_file))?;
        crate::fsutil::atomic::replace_dir(fresh, dir)?;
        let index = tantivy::Index::open_in_dir(dir)?;
        Index::assemble(entries, folded, None, index, fields)
    }

    fn fill(
        index: &tantivy::Index,
        f: Fields,
        entries: &[Entry],
        folded: &[Vec<String>],
    ) -> Result<(), SearchError> {
        let mut writer: tantivy::IndexWriter = index.writer(128 << 20)?;
        let parents: HashMap<&str, &str> = entries
            .iter()
            .map(|e| (e.iri.as_str(), e.name.as_str()))
            .collect();
        for (ord, (entry, labels)) in entries.iter().zip(folded).enumerate() {
            let mut doc = TantivyDocument::default();
            doc.add_u64(f.ord, ord as u64);
            for label in labels {
                doc.add_text(f.names, indexed_words(label));
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
                doc.add_text(f.text, indexed_words(&normalize::fold(text)));
            }
            writer.add_document(doc)?;
        }
        writer.commit()?;
        writer.wait_merging_threads()?;
        Ok(())
    }

    fn assemble(
        entries: Vec<Entry>,
        folded: Vec<Vec<String>>,
        made: Option<(Lookups, Vec<Start>)>,
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
        let (lookups, starts) =
            made.unwrap_or_else(|| (Lookups::of(&entries, &folded), word_starts(&folded)));
        Ok(Index {
            entries,
            folded,
            lookups,
            starts,
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
        self.ord_of(iri).map(|o| self.entry(o))
    }

    pub fn ord_of(&self, iri: &str) -> Option<u32> {
        self.entries
            .binary_search_by(|e| e.iri.as_str().cmp(iri))
            .ok()
            .map(|o| o as u32)
    }

    /// The entries with the folded label `folded`.
    fn exact(&self, folded: &str) -> impl Iterator<Item = u32> + '_ {
        let folded = folded.to_owned();
        self.lookups
            .exact
            .get(&folded)
            .filter(move |&o| self.folded[o as usize].contains(&folded))
    }

    /// The entries with a folded label of the same words as `folded`, in
    /// any order.
    fn reordered(&self, folded: &str) -> impl Iterator<Item = u32> + use<'_> {
        let set = normalize::word_set(folded);
        let hits: Vec<u32> = (self.lookups.reordered.get_hash(word_set_hash(&set)))
            .filter(|&o| {
                self.folded[o as usize]
                    .iter()
                    .any(|l| normalize::word_set(l) == set)
            })
            .collect();
        hits.into_iter()
    }

    /// The entries one of whose identifiers ([`Entry::identifiers`]) is
    /// `value`, compared as [`matching::identifier`]s.
    fn identified(&self, value: &str) -> impl Iterator<Item = u32> + '_ {
        let id = matching::identifier(value);
        let hits: Vec<u32> = self.lookups.identifiers.get(&id).collect();
        hits.into_iter().filter(move |&o| {
            self.entry(o)
                .identifiers()
                .any(|i| matching::identifier(i) == id)
        })
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

    /// Bytes the index holds in memory besides tantivy's files: the
    /// organizations as it knows them, their folded names, the exact
    /// look-ups and typeahead's word starts (counted from their lengths and
    /// capacities; the allocator's own overhead is not in it).
    pub fn memory_bytes(&self) -> u64 {
        use std::mem::size_of;
        let entries = self.entries.capacity() * size_of::<Entry>()
            + self.entries.iter().map(Entry::heap_bytes).sum::<usize>();
        let folded = self.folded.capacity() * size_of::<Vec<String>>()
            + self
                .folded
                .iter()
                .map(|labels| {
                    labels.capacity() * size_of::<String>()
                        + labels.iter().map(String::capacity).sum::<usize>()
                })
                .sum::<usize>();
        let lookups = [
            &self.lookups.exact,
            &self.lookups.reordered,
            &self.lookups.identifiers,
        ]
        .iter()
        .map(|k| k.0.capacity() * size_of::<(u64, u32)>())
        .sum::<usize>();
        let starts = self.starts.capacity() * size_of::<Start>();
        (entries + folded + lookups + starts) as u64
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

    /// The words of `folded` against the names, any of them; a word that
    /// no name has stands for the names' words one or two edits from it (a
    /// typo). Only term queries, unboosted: tantivy then takes the top
    /// candidates by block-max WAND instead of scoring every name that has
    /// a common word (`library`); a boosted or fuzzy clause turns that off.
    fn name_query(&self, folded: &str) -> BooleanQuery {
        let f = self.engine.fields;
        let searcher = self.engine.reader.searcher();
        let mut terms: Vec<String> = Vec::new();
        // A long string (an affiliation byline) is found by its words; past
        // the first fifty they add work and nothing else.
        for token in normalize::tokens(folded).into_iter().take(50) {
            let term = Term::from_field_text(f.names, &token.text);
            let length = token.text.chars().count();
            if searcher.doc_freq(&term).unwrap_or(0) > 0 || token.pair || length < 4 {
                terms.push(token.text);
                continue;
            }
            let distance = if length >= 9 { 2 } else { 1 };
            terms.extend(self.near(&searcher, term, distance));
        }
        terms.sort_unstable();
        terms.dedup();
        BooleanQuery::new(
            terms
                .iter()
                .map(|t| (Occur::Should, self.term(f.names, t)))
                .collect(),
        )
    }

    /// The words of the names within `distance` edits of `term`
    /// (Damerau–Levenshtein), at most [`NEAR_TERMS`] of them.
    fn near(&self, searcher: &tantivy::Searcher, term: Term, distance: u8) -> Vec<String> {
        let Ok(automaton) = FuzzyTermQuery::new(term, distance, true).automaton() else {
            return Vec::new();
        };
        let mut out = Vec::new();
        for segment in searcher.segment_readers() {
            let Ok(inverted) = segment.inverted_index(self.engine.fields.names) else {
                continue;
            };
            let Ok(mut stream) = inverted.terms().search(&automaton).into_stream() else {
                continue;
            };
            while out.len() < NEAR_TERMS && stream.advance() {
                if let Ok(word) = std::str::from_utf8(stream.key()) {
                    out.push(word.to_owned());
                }
            }
        }
        out
    }

    /// The words of `folded` in the names (three times the weight) and the
    /// other text, exactly: what `/search` counts as found.
    fn word_query(&self, folded: &str) -> BooleanQuery {
        let f = self.engine.fields;
        let mut clauses: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        let mut seen = std::collections::HashSet::new();
        for token in normalize::tokens(folded).into_iter().take(50) {
            if !seen.insert(token.text.clone()) {
                continue;
            }
            clauses.push((
                Occur::Should,
                Box::new(BoostQuery::new(self.term(f.names, &token.text), 3.0)),
            ));
            clauses.push((Occur::Should, self.term(f.text, &token.text)));
        }
        BooleanQuery::new(clauses)
    }

    /// The labels that have a word starting with `word` (folded): the
    /// entries of [`Index::starts`] from there, at most `cap` of them.
    fn starting_with(
        &self,
        word: &str,
        cap: usize,
    ) -> impl Iterator<Item = (u32, usize, usize)> + '_ {
        self.starts[self.starts_range(word)]
            .iter()
            .take(cap)
            .map(|s| (s.ord, usize::from(s.label), usize::from(s.offset)))
    }

    /// Where in [`Index::starts`] the texts starting with `word` are: they
    /// follow every text before `word` and precede every text after them.
    fn starts_range(&self, word: &str) -> std::ops::Range<usize> {
        let text =
            |s: &Start| &self.folded[s.ord as usize][usize::from(s.label)][usize::from(s.offset)..];
        let first = self.starts.partition_point(|s| text(s) < word);
        let end = self
            .starts
            .partition_point(|s| text(s) < word || text(s).starts_with(word));
        first..end
    }

    /// How many word starts begin with `word`.
    fn count_starting_with(&self, word: &str) -> usize {
        self.starts_range(word).len()
    }
}

/// The index's tokens of `folded` ([`normalize::tokens`]), joined by
/// spaces for tantivy's whitespace tokenizer: `folded` itself unless it has
/// a spaceless script, whose runs become character pairs.
fn indexed_words(folded: &str) -> String {
    if !folded.chars().any(normalize::is_spaceless) {
        return folded.to_owned();
    }
    let words: Vec<String> = normalize::tokens(folded)
        .into_iter()
        .map(|t| t.text)
        .collect();
    words.join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn word_starts_are_in_the_order_of_their_texts() {
        // Shared eight-byte prefixes, texts shorter than eight bytes, and
        // multi-byte characters across the eighth byte.
        let folded: Vec<Vec<String>> = [
            vec!["national library association", "national library"],
            vec!["national librarians", "nation"],
            vec!["bibliothèque nationale", "bibliothek"],
            vec!["日本図書館協会", "図書館"],
            vec!["ab", "abc", "a"],
            vec!["αβγδεζηθ library", "αβγδεζηα"],
            // Runs that share sixteen bytes and more, and equal texts.
            vec![
                "national library association of japan",
                "national library association of canada",
                "national library association",
            ],
        ]
        .into_iter()
        .map(|labels| labels.into_iter().map(str::to_owned).collect())
        .collect();
        let starts = word_starts(&folded);
        let text =
            |s: &Start| &folded[s.ord as usize][usize::from(s.label)][usize::from(s.offset)..];
        let texts: Vec<&str> = starts.iter().map(text).collect();
        let mut sorted = texts.clone();
        sorted.sort_unstable();
        assert_eq!(texts, sorted);
        // One start at each word.
        let words = folded
            .iter()
            .flatten()
            .map(|l| l.split_whitespace().count());
        assert_eq!(texts.len(), words.sum::<usize>(), "{texts:?}");
    }

    #[test]
    fn look_ups_check_what_the_hash_found() {
        let entry = |iri: &str, name: &str| Entry {
            iri: iri.to_owned(),
            name: name.to_owned(),
            ..Entry::default()
        };
        let entries = vec![
            entry("https://example.org/a", "American Library Association"),
            entry("https://example.org/b", "Library Association"),
        ];
        let index = Index::of_entries(entries).expect("an index");
        assert_eq!(index.exact("library association").collect::<Vec<_>>(), [1]);
        assert_eq!(
            index.reordered("association library").collect::<Vec<_>>(),
            [1]
        );
        assert_eq!(
            index
                .identified("http://example.org/a/")
                .collect::<Vec<_>>(),
            [0]
        );
        // Every entry under one hash: only the one whose label it is comes out.
        let mut index = index;
        let all = |key: &str| Keyed::of(vec![(key_hash(key), 0), (key_hash(key), 1)]);
        index.lookups.exact = all("library association");
        assert_eq!(index.exact("library association").collect::<Vec<_>>(), [1]);
        index.lookups.identifiers = all("example.org/a");
        assert_eq!(
            index
                .identified("https://example.org/a")
                .collect::<Vec<_>>(),
            [0]
        );
        assert_eq!(index.ord_of("https://example.org/b"), Some(1));
        assert_eq!(index.ord_of("https://example.org/c"), None);
    }
}
