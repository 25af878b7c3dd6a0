//! From a SHACL result (focus node, path, value) back to the YAML key that
//! produced it.
//!
//! Every IRI of the graph is minted from ids by `rdf::mapping`, so the focus
//! node names its record: `<base>org/<id>`, `<base>org/<id>/role/<target>`,
//! `<base>dataset/<id>`, `<base>publisher`, `<base>place/<slug>`. The path's
//! first predicate names the key; for a list the value picks the item. A
//! result about a missing key points at the record's first line.

use std::collections::HashMap;
use std::path::Path;

use oxrdf::Term;

use super::{Finding, Location};
use crate::rdf::mapping::place_slug;
use crate::rdf::vocab::{adms, dcterms, schema, skos};
use crate::source::{Field, Organization, Pos, Source, Text, suggest};

/// Fills in the location of each finding that comes from the YAML.
pub fn locate(source: &Source, findings: &mut [Finding]) {
    let index: HashMap<&str, &Organization> = source
        .organizations
        .iter()
        .map(|o| (&*o.id.value, o))
        .collect();
    let locator = Locator { source, index };
    for f in findings.iter_mut() {
        f.location = locator.find(f);
    }
}

struct Locator<'a> {
    source: &'a Source,
    index: HashMap<&'a str, &'a Organization>,
}

/// What a focus node stands for in the source.
enum Node<'a> {
    Organization(&'a Organization),
    Role(&'a Organization, usize),
    Dataset,
    Publisher,
    Place(&'a str),
}

impl<'a> Locator<'a> {
    fn find(&self, f: &Finding) -> Option<Location> {
        let Term::NamedNode(focus) = &f.focus else {
            return None;
        };
        let rest = focus
            .as_str()
            .strip_prefix(&*self.source.dataset.base.value)?;
        let node = self.node(rest)?;
        let predicate = f
            .path
            .as_ref()
            .and_then(|p| p.first_predicate())
            .map_or("", |p| p.as_str());
        let value = f.value.as_ref();
        match node {
            Node::Organization(org) => Some(self.organization(org, predicate, value)),
            Node::Role(org, m) => {
                let membership = &org.member_of[m];
                let role = membership.role.as_deref();
                let field = match predicate {
                    p if p == schema::MEMBER_OF.as_str() => Some(field_pos(&membership.org)),
                    p if p == schema::ROLE_NAME.as_str() => {
                        role.and_then(|r| r.role_name.as_ref()).map(field_pos)
                    }
                    p if p == schema::START_DATE.as_str() => {
                        role.and_then(|r| r.start_date.as_ref()).map(field_pos)
                    }
                    p if p == schema::END_DATE.as_str() => {
                        role.and_then(|r| r.end_date.as_ref()).map(field_pos)
                    }
                    _ => None,
                };
                let (pos, value) = field.unwrap_or((membership.pos, None));
                Some(self.at(self.source.path(org.file), pos, value, None))
            }
            Node::Dataset => {
                let ds = &self.source.dataset;
                let field = match predicate {
                    p if p == schema::NAME.as_str() => Some(field_pos(&ds.title)),
                    p if p == schema::DESCRIPTION.as_str() => {
                        ds.description.as_ref().map(field_pos)
                    }
                    p if p == schema::LICENSE.as_str() => ds.license.as_ref().map(field_pos),
                    p if p == schema::IS_BASED_ON.as_str() => ds.source.as_ref().map(field_pos),
                    p if p == schema::DATE_MODIFIED.as_str() => Some(field_pos(&ds.modified)),
                    p if p == schema::PUBLISHER.as_str() => {
                        ds.publisher.as_ref().map(|p| (p.key, None))
                    }
                    _ => None,
                };
                let (pos, value) = field.unwrap_or((self.dataset_start(), None));
                Some(self.at(self.source.path(0), pos, value, None))
            }
            Node::Publisher => {
                let p = self.source.dataset.publisher.as_ref()?;
                let (pos, value) = match predicate {
                    q if q == schema::NAME.as_str() => field_pos(&p.name),
                    q if q == schema::URL.as_str() => {
                        p.url.as_ref().map_or((p.key, None), field_pos)
                    }
                    _ => (p.key, None),
                };
                Some(self.at(self.source.path(0), pos, value, None))
            }
            Node::Place(slug) => {
                // The first record that names the place.
                let (org, area) = self.source.organizations.iter().find_map(|o| {
                    o.area_served
                        .iter()
                        .find(|a| place_slug(&a.value) == slug)
                        .map(|a| (o, a))
                })?;
                let (pos, value) = field_pos(area);
                Some(self.at(self.source.path(org.file), pos, value, None))
            }
        }
    }

    fn node(&self, rest: &'a str) -> Option<Node<'a>> {
        if let Some(org) = rest.strip_prefix("org/") {
            return match org.split_once("/role/") {
                None => self.index.get(org).map(|o| Node::Organization(o)),
                Some((member, target)) => {
                    let o = *self.index.get(member)?;
                    let m = o.member_of.iter().position(|m| &*m.org.value == target)?;
                    Some(Node::Role(o, m))
                }
            };
        }
        if let Some(slug) = rest.strip_prefix("place/") {
            return Some(Node::Place(slug));
        }
        if rest.strip_prefix("dataset/") == Some(&*self.source.dataset.id.value) {
            return Some(Node::Dataset);
        }
        (rest == "publisher").then_some(Node::Publisher)
    }

    fn organization(&self, org: &Organization, predicate: &str, value: Option<&Term>) -> Location {
        let path = self.source.path(org.file);
        let item = |items: &[Field<Text>], text: &dyn Fn(&str) -> bool| {
            items
                .iter()
                .find(|i| text(&i.value))
                .or(items.first())
                .map(field_pos)
        };
        let literal = |v: &str| matches!(value, Some(Term::Literal(l)) if l.value() == v);
        let iri = |v: &str| matches!(value, Some(Term::NamedNode(n)) if n.as_str() == v);
        let iris = self.source.dataset.base.value.as_ref();
        let mut help = None;
        let field = match predicate {
            p if p == schema::NAME.as_str() => Some(field_pos(&org.name)),
            p if p == schema::ALTERNATE_NAME.as_str() => item(&org.alternate_names, &literal),
            p if p == schema::DESCRIPTION.as_str() => org.description.as_ref().map(field_pos),
            p if p == schema::URL.as_str() => org.url.as_ref().map(field_pos),
            p if p == schema::ADDITIONAL_TYPE.as_str() => Some(field_pos(&org.category)),
            p if p == schema::AREA_SERVED.as_str() => item(&org.area_served, &|a| {
                iri(&format!("{iris}place/{}", place_slug(a)))
            }),
            p if p == schema::MEMBER_OF.as_str() => {
                let m = org
                    .member_of
                    .iter()
                    .find(|m| iri(&format!("{iris}org/{}", m.org.value)))
                    .or(org.member_of.first());
                if let Some(m) = m {
                    help = self.did_you_mean(&m.org.value);
                }
                m.map(|m| field_pos(&m.org))
            }
            p if p == schema::PARENT_ORGANIZATION.as_str() => org.parent.as_ref().map(|p| {
                help = self.did_you_mean(&p.value);
                field_pos(p)
            }),
            p if p == schema::SAME_AS.as_str() => item(&org.same_as, &iri),
            p if p == schema::FOUNDING_DATE.as_str() => org.founding_date.as_ref().map(field_pos),
            p if p == schema::DISSOLUTION_DATE.as_str() => {
                org.dissolution_date.as_ref().map(field_pos)
            }
            p if p == schema::EMAIL.as_str() => org.email.as_ref().map(field_pos),
            p if p == adms::STATUS.as_str() => org.retired.as_ref().map(|r| field_pos(&r.status)),
            p if p == dcterms::IS_REPLACED_BY.as_str() => org
                .retired
                .as_ref()
                .and_then(|r| r.replaced_by.as_ref())
                .map(|s| {
                    help = self.did_you_mean(&s.value);
                    field_pos(s)
                }),
            p if p == dcterms::DATE.as_str() => org.retired.as_ref().map(|r| field_pos(&r.date)),
            p if p == skos::CHANGE_NOTE.as_str() => org
                .retired
                .as_ref()
                .and_then(|r| r.note.as_ref())
                .map(field_pos),
            _ => None,
        };
        let (pos, value) = field.unwrap_or((org.pos, None));
        self.at(path, pos, value, help)
    }

    /// For an id that names no record, the closest one that does.
    fn did_you_mean(&self, id: &str) -> Option<String> {
        if self.index.contains_key(id) {
            return None;
        }
        suggest(id, self.index.keys().copied()).map(|s| format!("did you mean `{s}`?"))
    }

    /// The first key of dataset.yaml.
    fn dataset_start(&self) -> Pos {
        let ds = &self.source.dataset;
        [
            Some(ds.id.key),
            Some(ds.title.key),
            Some(ds.base.key),
            Some(ds.modified.key),
            ds.description.as_ref().map(|f| f.key),
            ds.license.as_ref().map(|f| f.key),
            ds.source.as_ref().map(|f| f.key),
            ds.publisher.as_ref().map(|p| p.key),
        ]
        .into_iter()
        .flatten()
        .min()
        .expect("the id is always there")
    }

    fn at(&self, file: &Path, pos: Pos, value: Option<Pos>, help: Option<String>) -> Location {
        Location {
            file: file.to_owned(),
            pos,
            value,
            help,
        }
    }
}

/// The key of a field, and its value to underline.
fn field_pos<T>(f: &Field<T>) -> (Pos, Option<Pos>) {
    (f.key, Some(f.at))
}
