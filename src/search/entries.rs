//! What the index knows of each organization, read from the served graph.

use std::collections::{HashMap, HashSet};

use oxigraph::model::{GraphNameRef, NamedOrBlankNode, Term};
use oxigraph::store::{StorageError, Store};

use crate::rdf::vocab::{adms, rdf, schema, skos};
use crate::source::Status;

/// One organization as the index and the reconciliation service see it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Entry {
    pub iri: String,
    pub name: String,
    pub alternate_names: Vec<String>,
    pub description: Option<String>,
    pub url: Option<String>,
    /// The category's label (`National`, ...).
    pub category: Option<String>,
    /// The names of the places served.
    pub places: Vec<String>,
    pub parent: Option<String>,
    pub member_of: Vec<String>,
    pub same_as: Vec<String>,
    pub founding_date: Option<String>,
    pub dissolution_date: Option<String>,
}

impl Entry {
    /// The name, then the alternate names.
    pub fn labels(&self) -> impl Iterator<Item = &str> {
        std::iter::once(self.name.as_str()).chain(self.alternate_names.iter().map(String::as_str))
    }

    /// The bytes it holds on the heap (its strings' and lists' capacity).
    pub fn heap_bytes(&self) -> usize {
        let strings = |list: &Vec<String>| {
            list.capacity() * std::mem::size_of::<String>()
                + list.iter().map(String::capacity).sum::<usize>()
        };
        let optional = |s: &Option<String>| s.as_ref().map_or(0, String::capacity);
        self.iri.capacity()
            + self.name.capacity()
            + strings(&self.alternate_names)
            + optional(&self.description)
            + optional(&self.url)
            + optional(&self.category)
            + strings(&self.places)
            + optional(&self.parent)
            + strings(&self.member_of)
            + strings(&self.same_as)
            + optional(&self.founding_date)
            + optional(&self.dissolution_date)
    }

    /// What a reconciliation `sameAs` or `url` property can name it by: its
    /// `sameAs` identifiers, its website and its IRI.
    pub fn identifiers(&self) -> impl Iterator<Item = &str> {
        self.same_as
            .iter()
            .chain(&self.url)
            .map(String::as_str)
            .chain(std::iter::once(self.iri.as_str()))
    }
}

/// Every `schema:Organization` of the default graph of `store`, sorted by
/// IRI (so the index is the same for the same graph), in one pass over the
/// graph.
pub fn read(store: &Store) -> Result<Vec<Entry>, StorageError> {
    let mut orgs: HashMap<String, Entry> = HashMap::new();
    let mut names: HashMap<String, String> = HashMap::new();
    let mut labels: HashMap<String, String> = HashMap::new();
    let mut categories: HashMap<String, String> = HashMap::new();
    let mut places: HashMap<String, Vec<String>> = HashMap::new();
    let mut withdrawn: HashSet<String> = HashSet::new();
    for quad in store.quads_for_pattern(None, None, None, Some(GraphNameRef::DefaultGraph)) {
        let quad = quad?;
        let NamedOrBlankNode::NamedNode(subject) = &quad.subject else {
            continue;
        };
        let s = subject.as_str();
        let p = quad.predicate.as_ref();
        let literal = match &quad.object {
            Term::Literal(l) => Some(l.value()),
            _ => None,
        };
        let iri = match &quad.object {
            Term::NamedNode(n) => Some(n.as_str()),
            _ => None,
        };
        if p == rdf::TYPE && quad.object == Term::from(schema::ORGANIZATION.into_owned()) {
            orgs.entry(s.to_owned()).or_default().iri = s.to_owned();
            continue;
        }
        let entry = || {
            // Fields land before the type is seen; the entry is kept only
            // once the type is.
            s.to_owned()
        };
        match (p, literal, iri) {
            (p, Some(v), _) if p == schema::NAME => {
                names.insert(entry(), v.to_owned());
            }
            (p, Some(v), _) if p == skos::PREF_LABEL => {
                labels.insert(entry(), v.to_owned());
            }
            (p, Some(v), _) if p == schema::ALTERNATE_NAME => {
                orgs.entry(entry())
                    .or_default()
                    .alternate_names
                    .push(v.to_owned());
            }
            (p, Some(v), _) if p == schema::DESCRIPTION => {
                orgs.entry(entry()).or_default().description = Some(v.to_owned());
            }
            (p, Some(v), _) if p == schema::FOUNDING_DATE => {
                orgs.entry(entry()).or_default().founding_date = Some(v.to_owned());
            }
            (p, Some(v), _) if p == schema::DISSOLUTION_DATE => {
                orgs.entry(entry()).or_default().dissolution_date = Some(v.to_owned());
            }
            (p, _, Some(v)) if p == schema::URL => {
                orgs.entry(entry()).or_default().url = Some(v.to_owned());
            }
            (p, _, Some(v)) if p == schema::ADDITIONAL_TYPE => {
                categories.insert(entry(), v.to_owned());
            }
            (p, _, Some(v)) if p == schema::AREA_SERVED => {
                places.entry(entry()).or_default().push(v.to_owned());
            }
            (p, _, Some(v)) if p == schema::PARENT_ORGANIZATION => {
                orgs.entry(entry()).or_default().parent = Some(v.to_owned());
            }
            (p, _, Some(v)) if p == schema::MEMBER_OF => {
                orgs.entry(entry())
                    .or_default()
                    .member_of
                    .push(v.to_owned());
            }
            (p, _, Some(v)) if p == schema::SAME_AS => {
                orgs.entry(entry()).or_default().same_as.push(v.to_owned());
            }
            (p, _, Some(v)) if p == adms::STATUS && is_withdrawn(s, v) => {
                withdrawn.insert(entry());
            }
            _ => {}
        }
    }
    let mut out: Vec<Entry> = orgs
        .into_values()
        .filter(|e| !e.iri.is_empty() && !withdrawn.contains(&e.iri))
        .map(|mut e| {
            e.name = names.get(&e.iri).cloned().unwrap_or_default();
            e.category = categories.get(&e.iri).and_then(|c| labels.get(c)).cloned();
            e.places = places
                .get(&e.iri)
                .map(|ps| ps.iter().filter_map(|p| names.get(p).cloned()).collect())
                .unwrap_or_default();
            e.places.sort_unstable();
            e.alternate_names.sort_unstable();
            e.member_of.sort_unstable();
            e.same_as.sort_unstable();
            e
        })
        .collect();
    out.sort_unstable_by(|a, b| a.iri.cmp(&b.iri));
    Ok(out)
}

/// Whether `status` is the withdrawn status of the dataset that minted
/// `organization` (`<base>org/<id>` and `<base>status/withdrawn`).
pub fn is_withdrawn(organization: &str, status: &str) -> bool {
    organization.rfind("org/").is_some_and(|at| {
        status
            .strip_prefix(&organization[..at])
            .and_then(|rest| rest.strip_prefix("status/"))
            == Some(Status::Withdrawn.slug())
    })
}

/// The same entries as [`read`] gives for the store loaded from `source`,
/// straight from its records: what the store's graph says, since the
/// mapping is a pure function of them (`tests/search.rs` holds the two to
/// be equal), without decoding 15 triples a record back out of the store.
pub fn from_source(source: &crate::source::Source) -> Vec<Entry> {
    use std::collections::BTreeMap;

    use crate::rdf::mapping::place_slug;
    let iris = crate::rdf::Iris::of(&source.dataset);
    // A place's name is its first spelling in record order, as mapped;
    // each spelling's slug is made once.
    let mut places: BTreeMap<String, &str> = BTreeMap::new();
    let mut spellings: rustc_hash::FxHashMap<&str, String> = Default::default();
    for org in &source.organizations {
        for area in &org.area_served {
            spellings.entry(&area.value).or_insert_with(|| {
                let slug = place_slug(&area.value);
                places.entry(slug.clone()).or_insert(&area.value);
                slug
            });
        }
    }
    let place = |spelling: &str| places[&spellings[spelling]].to_owned();
    // A withdrawn organization is not found: its IRI answers 410 Gone.
    let mut out: Vec<Entry> = source
        .organizations
        .iter()
        .filter(|org| !org.is_withdrawn())
        .map(|org| {
            let text = |v: &crate::source::Field<Box<str>>| v.value.to_string();
            let mut entry = Entry {
                iri: iris.organization(&org.id.value),
                name: text(&org.name),
                alternate_names: org.alternate_names.iter().map(text).collect(),
                description: org.description.as_ref().map(text),
                url: org.url.as_ref().map(text),
                category: Some(org.category.value.label().to_owned()),
                places: org.area_served.iter().map(|a| place(&a.value)).collect(),
                parent: org.parent.as_ref().map(|p| iris.organization(&p.value)),
                member_of: org
                    .member_of
                    .iter()
                    .map(|m| iris.organization(&m.org.value))
                    .collect(),
                same_as: org.same_as.iter().map(text).collect(),
                founding_date: org.founding_date.as_ref().map(|d| d.value.to_string()),
                dissolution_date: org.dissolution_date.as_ref().map(|d| d.value.to_string()),
            };
            for list in [
                &mut entry.alternate_names,
                &mut entry.places,
                &mut entry.member_of,
                &mut entry.same_as,
            ] {
                list.sort_unstable();
                list.dedup();
            }
            entry
        })
        .collect();
    out.sort_unstable_by(|a, b| a.iri.cmp(&b.iri));
    out
}
