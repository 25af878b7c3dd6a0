//! JSON-LD for web developers: compacted against a local context (no network
//! fetch), schema.org terms as plain keys (`"name"`, `"memberOf"`), one node
//! object per subject in an `@graph`. It expands to exactly the triples of the
//! N-Triples dump; a test checks that.

use std::io::{self, Write};

use oxrdf::{NamedNodeRef, Term};
use serde_json::{Map, Value, json};

use super::dump::DescriptionWriter;
use super::mapping::Description;
use super::vocab::{rdf, schema, skos, xsd};

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
fn key(p: NamedNodeRef<'_>) -> (String, bool) {
    if let Some((term, _, coerce)) = TERMS.iter().find(|(_, iri, _)| *iri == p) {
        return ((*term).into(), *coerce);
    }
    match p.as_str().strip_prefix(schema::NS) {
        Some(local) if !local.contains([':', '/', '#']) => (local.into(), false),
        _ => (p.as_str().into(), false),
    }
}

fn class(iri: NamedNodeRef<'_>) -> String {
    if let Some((term, _, _)) = TERMS.iter().find(|(_, i, _)| *i == iri) {
        return (*term).into();
    }
    match iri.as_str().strip_prefix(schema::NS) {
        Some(local) if !local.contains([':', '/', '#']) => local.into(),
        _ => iri.as_str().into(),
    }
}

fn value(o: &Term, coerce: bool) -> Value {
    match o {
        Term::NamedNode(n) if coerce => json!(n.as_str()),
        Term::NamedNode(n) => json!({"id": n.as_str()}),
        Term::Literal(l) => match (l.language(), l.datatype()) {
            (Some(lang), _) => json!({"@value": l.value(), "@language": lang}),
            (None, dt) if dt == xsd::STRING => json!(l.value()),
            (None, dt) => {
                let dt = match dt.as_str().strip_prefix(xsd::NS) {
                    Some(local) => format!("xsd:{local}"),
                    None => dt.as_str().into(),
                };
                json!({"@value": l.value(), "@type": dt})
            }
        },
        other => json!({"id": other.to_string()}),
    }
}

/// A description as a compacted JSON-LD node object.
pub fn node(d: &Description) -> Value {
    let mut node = Map::new();
    node.insert("id".into(), json!(d.subject.as_str()));
    let types: Vec<Value> = d
        .properties
        .iter()
        .filter_map(|(p, o)| match o {
            Term::NamedNode(n) if *p == rdf::TYPE => Some(json!(class(n.as_ref()))),
            _ => None,
        })
        .collect();
    match types.len() {
        0 => {}
        1 => {
            node.insert("type".into(), types.into_iter().next().expect("one"));
        }
        _ => {
            node.insert("type".into(), Value::Array(types));
        }
    }
    let mut i = 0;
    let props = &d.properties;
    while i < props.len() {
        let p = props[i].0;
        let end = i + props[i..].iter().take_while(|(q, _)| *q == p).count();
        if p != rdf::TYPE {
            let (k, coerce) = key(p);
            let mut values: Vec<Value> = props[i..end]
                .iter()
                .map(|(_, o)| value(o, coerce))
                .collect();
            let v = if values.len() == 1 {
                values.pop().expect("one")
            } else {
                Value::Array(values)
            };
            node.insert(k, v);
        }
        i = end;
    }
    Value::Object(node)
}

pub struct JsonLdWriter<W: Write> {
    out: W,
    first: bool,
}

impl<W: Write> JsonLdWriter<W> {
    pub fn new(mut out: W) -> io::Result<Self> {
        let context = serde_json::to_string_pretty(&context())?;
        write!(
            out,
            "{{\n  \"@context\": {},\n  \"@graph\": [",
            indent(&context, 2)
        )?;
        Ok(JsonLdWriter { out, first: true })
    }
}

fn indent(text: &str, by: usize) -> String {
    let pad = " ".repeat(by);
    text.replace('\n', &format!("\n{pad}"))
}

impl<W: Write> DescriptionWriter for JsonLdWriter<W> {
    fn write(&mut self, d: &Description) -> io::Result<()> {
        let text = serde_json::to_string_pretty(&node(d))?;
        let sep = if self.first { "\n    " } else { ",\n    " };
        self.first = false;
        write!(self.out, "{sep}{}", indent(&text, 4))
    }

    fn finish(mut self: Box<Self>) -> io::Result<()> {
        self.out.write_all(b"\n  ]\n}\n")?;
        self.out.flush()
    }
}
