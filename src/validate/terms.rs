//! The validation graph's terms, each stored once as bytes in one buffer.
//!
//! An `Arc<Term>` per term, with a `HashMap<Arc<Term>, u32>` to find it, cost
//! about 180 bytes per term beyond its text: at a million records (about six
//! million distinct terms) a gigabyte. Here a term is its encoded bytes in one
//! buffer, an 8-byte offset and a 4-byte slot in a hash table of ids: about 15
//! bytes beyond its text. A term is rebuilt when the engine asks for it.

use std::hash::BuildHasher;

use hashbrown::HashTable;
use oxigraph::model::{BlankNode, Literal, NamedNode, Term, TermRef};

pub type Id = u32;

const NAMED: u8 = 0;
const BLANK: u8 = 1;
const SIMPLE: u8 = 2;
const LANGUAGE: u8 = 3;
const TYPED: u8 = 4;

#[derive(Default)]
pub struct Terms {
    bytes: Vec<u8>,
    /// Where each term starts in `bytes`; one more entry, the end.
    starts: Vec<u64>,
    index: HashTable<Id>,
    hasher: foldhash::fast::RandomState,
}

/// `t` as bytes: a tag, then the value; a literal with a language or a
/// datatype has its value's length (4 bytes) between the two.
fn encode(t: TermRef<'_>, out: &mut Vec<u8>) {
    out.clear();
    match t {
        TermRef::NamedNode(n) => {
            out.push(NAMED);
            out.extend_from_slice(n.as_str().as_bytes());
        }
        TermRef::BlankNode(b) => {
            out.push(BLANK);
            out.extend_from_slice(b.as_str().as_bytes());
        }
        TermRef::Literal(l) => {
            let extra = match (l.language(), l.datatype()) {
                (Some(language), _) => Some((LANGUAGE, language)),
                (None, d) if d == oxigraph::model::vocab::xsd::STRING => None,
                (None, d) => Some((TYPED, d.as_str())),
            };
            match extra {
                None => {
                    out.push(SIMPLE);
                    out.extend_from_slice(l.value().as_bytes());
                }
                Some((tag, extra)) => {
                    out.push(tag);
                    let len = u32::try_from(l.value().len()).expect("a literal under 4 GB");
                    out.extend_from_slice(&len.to_le_bytes());
                    out.extend_from_slice(l.value().as_bytes());
                    out.extend_from_slice(extra.as_bytes());
                }
            }
        }
        #[allow(unreachable_patterns)]
        other => unreachable!("no RDF-star terms in the data: {other}"),
    }
}

fn decode(bytes: &[u8]) -> Term {
    let text = |b: &[u8]| {
        std::str::from_utf8(b)
            .expect("encoded from a str")
            .to_owned()
    };
    let (tag, rest) = bytes.split_first().expect("a tag");
    match *tag {
        NAMED => NamedNode::new_unchecked(text(rest)).into(),
        BLANK => BlankNode::new_unchecked(text(rest)).into(),
        SIMPLE => Literal::new_simple_literal(text(rest)).into(),
        tag => {
            let (len, rest) = rest.split_at(4);
            let len = u32::from_le_bytes(len.try_into().expect("4 bytes")) as usize;
            let (value, extra) = rest.split_at(len);
            if tag == LANGUAGE {
                Literal::new_language_tagged_literal_unchecked(text(value), text(extra)).into()
            } else {
                Literal::new_typed_literal(text(value), NamedNode::new_unchecked(text(extra)))
                    .into()
            }
        }
    }
}

impl Terms {
    pub fn len(&self) -> usize {
        self.starts.len().saturating_sub(1)
    }

    fn slice(&self, id: Id) -> &[u8] {
        let (start, end) = (self.starts[id as usize], self.starts[id as usize + 1]);
        &self.bytes[start as usize..end as usize]
    }

    fn find(&self, encoded: &[u8], hash: u64) -> Option<Id> {
        self.index
            .find(hash, |&id| self.slice(id) == encoded)
            .copied()
    }

    /// The id of `t`, added if new. `scratch` is reused between calls.
    pub fn intern(&mut self, t: TermRef<'_>, scratch: &mut Vec<u8>) -> Id {
        encode(t, scratch);
        let hash = self.hasher.hash_one(&scratch[..]);
        if let Some(id) = self.find(scratch, hash) {
            return id;
        }
        if self.starts.is_empty() {
            self.starts.push(0);
        }
        let id = Id::try_from(self.len()).expect("fewer than 2^32 terms");
        self.bytes.extend_from_slice(scratch);
        self.starts.push(self.bytes.len() as u64);
        let Terms {
            index,
            hasher,
            bytes,
            starts,
        } = self;
        index.insert_unique(hash, id, |&other| {
            let (s, e) = (starts[other as usize], starts[other as usize + 1]);
            hasher.hash_one(&bytes[s as usize..e as usize])
        });
        id
    }

    /// The id of `t`, if the graph has it.
    pub fn id(&self, t: TermRef<'_>) -> Option<Id> {
        let mut encoded = Vec::new();
        encode(t, &mut encoded);
        self.find(&encoded, self.hasher.hash_one(&encoded[..]))
    }

    pub fn get(&self, id: Id) -> Term {
        decode(self.slice(id))
    }

    /// Gives back the spare capacity of the buffers once every term is in.
    pub fn shrink(&mut self) {
        self.bytes.shrink_to_fit();
        self.starts.shrink_to_fit();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn terms_come_back_as_they_went_in() {
        let terms: Vec<Term> = vec![
            NamedNode::new_unchecked("http://x/a").into(),
            BlankNode::new_unchecked("b0").into(),
            Literal::new_simple_literal("plain \u{0} \"q\"").into(),
            Literal::new_simple_literal("").into(),
            Literal::new_language_tagged_literal_unchecked("chat", "fr").into(),
            Literal::new_typed_literal("2020-01-01", oxigraph::model::vocab::xsd::DATE).into(),
            // Same text, other kinds: other terms.
            Literal::new_simple_literal("http://x/a").into(),
            Literal::new_typed_literal("http://x/a", oxigraph::model::vocab::xsd::ANY_URI).into(),
        ];
        let mut store = Terms::default();
        let mut scratch = Vec::new();
        let ids: Vec<Id> = terms
            .iter()
            .map(|t| store.intern(t.as_ref(), &mut scratch))
            .collect();
        assert_eq!(ids, (0..terms.len() as Id).collect::<Vec<_>>());
        for (t, id) in terms.iter().zip(&ids) {
            assert_eq!(&store.get(*id), t);
            assert_eq!(store.id(t.as_ref()), Some(*id));
            assert_eq!(store.intern(t.as_ref(), &mut scratch), *id, "interned once");
        }
        assert_eq!(store.len(), terms.len());
        assert_eq!(
            store.id(NamedNode::new_unchecked("http://x/other").as_ref().into()),
            None
        );
    }
}
