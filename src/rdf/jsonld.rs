//! JSON-LD for web developers: compacted against a local context (no network
//! fetch), schema.org terms as plain keys (`"name"`, `"memberOf"`), one node
//! object per subject in an `@graph`. It expands to exactly the triples of the
//! N-Triples dump; a test checks that.

use std::io::{self, Write};

use oxrdf::{NamedNodeRef, Term};
use serde_json::{Map, Value, json};

use super::dump::DescriptionWriter;
use super::mapping::Description;
use super::vocab::{adms, dcterms, rdf, schema, skos, xsd};

/// Terms defined in the context beyond `@vocab` (schema.org): properties whose
/// values are IRIs (so they are written as plain strings), and SKOS terms.
const TERMS: &[(&str, NamedNodeRef<'static>, bool)] = &[
    ("additionalType", schema::ADDITIONAL_TYPE, true),
    ("areaServed", schema::AREA_SERVED, true),
    ("isBasedOn", schema::IS_BASED_ON, true),
    ("license", schema::LICENSE, true),
    ("member", schema::MEMBER, true),
    ("memberOf", schema::MEMBER_OF, true),
    ("parentOrganization", schema::PARENT_ORGANIZATION, true),
    ("publisher", schema::PUBLISHER, true),
    ("sameAs", schema::SAME_AS, true),
    ("subOrganization", schema::SUB_ORGANIZATION, true),
    ("url", schema::URL, true),
    ("status", adms::STATUS, true),
    ("isReplacedBy", dcterms::IS_REPLACED_BY, true),
    ("replaces", dcterms::REPLACES, true),
    ("statusDate", dcterms::DATE, false),
    ("changeNote", skos::CHANGE_NOTE, false),
    ("Concept", skos::CONCEPT, false),
    ("ConceptScheme", skos::CONCEPT_SCHEME, false),
    ("hasTopConcept", skos::HAS_TOP_CONCEPT, true),
    ("inScheme", skos::IN_SCHEME, true),
    ("notation", skos::NOTATION, false),
    ("prefLabel", skos::PREF_LABEL, false),
];

/// The context every orgdir JSON-LD document carries inline.
pub fn context() -> Value {
    let mut c = Map::new();
    c.insert("@vocab".into(), json!(schema::NS));
    c.insert("id".into(), json!("@id"));
    c.insert("type".into(), json!("@type"));
    c.insert("skos".into(), json!(skos::NS));
    c.insert("xsd".into(), json!(xsd::NS));
    for (term, iri, coerce) in TERMS {
        let value = if *coerce {
            json!({"@id": iri.as_str(), "@type": "@id"})
        } else {
            json!(iri.as_str())
        };
        c.insert((*term).into(), value);
    }
    Value::Object(c)
}

/// The key for a predicate, and whether its IRI values are written as strings.
fn key(p: NamedNodeRef<'_>) -> (&str, bool) {
    if let Some((term, _, coerce)) = TERMS.iter().find(|(_, iri, _)| *iri == p) {
        return (term, *coerce);
    }
    match p.as_str().strip_prefix(schema::NS) {
        Some(local) if !local.contains([':', '/', '#']) => (local, false),
        _ => (p.as_str(), false),
    }
}

fn class(iri: NamedNodeRef<'_>) -> &str {
    if let Some((term, _, _)) = TERMS.iter().find(|(_, i, _)| *i == iri) {
        return term;
    }
    match iri.as_str().strip_prefix(schema::NS) {
        Some(local) if !local.contains([':', '/', '#']) => local,
        _ => iri.as_str(),
    }
}

/// Writes JSON text by hand in the layout of `serde_json::to_string_pretty`
/// (two-space indent): the dump is written at the speed of the N-Triples one,
/// without building a `serde_json::Value` per node.
struct Json<'a> {
    out: &'a mut Vec<u8>,
}

impl Json<'_> {
    fn string(&mut self, s: &str) {
        serde_json::to_writer(&mut *self.out, s).expect("writing to a Vec cannot fail");
    }

    fn newline(&mut self, indent: usize) {
        self.out.push(b'\n');
        self.out.resize(self.out.len() + indent, b' ');
    }

    /// `{"k": "v", ...}` with string values, its members at `indent + 2`.
    fn object(&mut self, members: &[(&str, &str)], indent: usize) {
        self.out.push(b'{');
        for (i, (k, v)) in members.iter().enumerate() {
            if i > 0 {
                self.out.push(b',');
            }
            self.newline(indent + 2);
            self.string(k);
            self.out.extend_from_slice(b": ");
            self.string(v);
        }
        self.newline(indent);
        self.out.push(b'}');
    }

    fn value(&mut self, o: &Term, coerce: bool, indent: usize) {
        match o {
            Term::NamedNode(n) if coerce => self.string(n.as_str()),
            Term::NamedNode(n) => self.object(&[("id", n.as_str())], indent),
            Term::Literal(l) => match (l.language(), l.datatype()) {
                (Some(lang), _) => {
                    self.object(&[("@value", l.value()), ("@language", lang)], indent)
                }
                (None, dt) if dt == xsd::STRING => self.string(l.value()),
                (None, dt) => {
                    let dt = match dt.as_str().strip_prefix(xsd::NS) {
                        Some(local) => format!("xsd:{local}"),
                        None => dt.as_str().into(),
                    };
                    self.object(&[("@value", l.value()), ("@type", &dt)], indent);
                }
            },
            other => self.object(&[("id", &other.to_string())], indent),
        }
    }

    /// `["a", ...]`, or the string alone when there is one.
    fn strings(&mut self, strings: &[&str], indent: usize) {
        if let [one] = strings {
            return self.string(one);
        }
        self.out.push(b'[');
        for (i, s) in strings.iter().enumerate() {
            if i > 0 {
                self.out.push(b',');
            }
            self.newline(indent + 2);
            self.string(s);
        }
        self.newline(indent);
        self.out.push(b']');
    }

    /// `[v, ...]` or the value alone when there is one, at `indent`.
    fn values(&mut self, values: &[&Term], coerce: bool, indent: usize) {
        if let [one] = values {
            return self.value(one, coerce, indent);
        }
        self.out.push(b'[');
        for (i, v) in values.iter().enumerate() {
            if i > 0 {
                self.out.push(b',');
            }
            self.newline(indent + 2);
            self.value(v, coerce, indent + 2);
        }
        self.newline(indent);
        self.out.push(b']');
    }
}

/// Writes a description as a compacted JSON-LD node object, its closing brace
/// at `indent`.
pub fn write_node(out: &mut Vec<u8>, d: &Description, indent: usize) {
    let mut json = Json { out };
    json.out.push(b'{');
    json.newline(indent + 2);
    json.string("id");
    json.out.extend_from_slice(b": ");
    json.string(d.subject.as_str());
    let props = &d.properties;
    let types: Vec<&str> = props
        .iter()
        .filter_map(|(p, o)| match o {
            Term::NamedNode(n) if *p == rdf::TYPE => Some(class(n.as_ref())),
            _ => None,
        })
        .collect();
    if !types.is_empty() {
        json.out.push(b',');
        json.newline(indent + 2);
        json.string("type");
        json.out.extend_from_slice(b": ");
        json.strings(&types, indent + 2);
    }
    let mut group: Vec<&Term> = Vec::new();
    let mut i = 0;
    while i < props.len() {
        let p = props[i].0;
        let end = i + props[i..].iter().take_while(|(q, _)| *q == p).count();
        if p != rdf::TYPE {
            group.clear();
            group.extend(props[i..end].iter().map(|(_, o)| o));
            let (k, coerce) = key(p);
            json.out.push(b',');
            json.newline(indent + 2);
            json.string(k);
            json.out.extend_from_slice(b": ");
            json.values(&group, coerce, indent + 2);
        }
        i = end;
    }
    json.newline(indent);
    json.out.push(b'}');
}

pub struct JsonLdWriter<W: Write> {
    out: W,
    first: bool,
    buffer: Vec<u8>,
}

impl<W: Write> JsonLdWriter<W> {
    pub fn new(mut out: W) -> io::Result<Self> {
        let context = serde_json::to_string_pretty(&context())?;
        write!(
            out,
            "{{\n  \"@context\": {},\n  \"@graph\": [",
            context.replace('\n', "\n  ")
        )?;
        Ok(JsonLdWriter {
            out,
            first: true,
            buffer: Vec::new(),
        })
    }
}

impl<W: Write> DescriptionWriter for JsonLdWriter<W> {
    fn write(&mut self, d: &Description) -> io::Result<()> {
        self.buffer.clear();
        self.buffer
            .extend_from_slice(if self.first { b"\n    " } else { b",\n    " });
        self.first = false;
        write_node(&mut self.buffer, d, 4);
        self.out.write_all(&self.buffer)
    }

    fn finish(mut self: Box<Self>) -> io::Result<()> {
        self.out.write_all(b"\n  ]\n}\n")?;
        self.out.flush()
    }
}
