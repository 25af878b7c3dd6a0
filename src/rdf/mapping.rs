//! The schema.org mapping: checked records in, RDF descriptions out.
//!
//! Pure: no I/O, no clock, no randomness. Every node gets an IRI minted from
//! ids under the dataset's `base` (never a blank node), so the output is
//! deterministic and the RDFC-1.0 canonical form of the graph is simply its
//! sorted N-Triples.
//!
//! The graph is produced one subject at a time, in the order of its N-Triples
//! lines, so that writers stream it without holding every triple in memory.

use std::cmp::Ordering;
use std::collections::{BTreeMap, BTreeSet, HashMap};

use oxrdf::{Literal, NamedNode, NamedNodeRef, Term};

use super::vocab::{adms, dcterms, rdf, schema, skos, xsd};
use crate::source::{Category, Dataset, Date, Organization, Source, Status};

/// One subject and all its (predicate, object) pairs, sorted as N-Triples
/// lines sort: by predicate IRI, then by object.
#[derive(Debug, Clone, PartialEq)]
pub struct Description {
    pub subject: NamedNode,
    pub properties: Vec<(NamedNodeRef<'static>, Term)>,
}

/// What a subject is; indexes point into [`Source::organizations`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Subject {
    Dataset,
    Publisher,
    Scheme,
    Category(Category),
    /// A status of retired records, when one has it.
    Status(Status),
    Place(u32),
    Organization(u32),
    /// A qualified membership: (member organization, index in its `memberOf`).
    Role(u32, u32),
}

/// The RDF graph of a source, ready to be described subject by subject.
pub struct Graph<'a> {
    source: &'a Source,
    iris: Iris<'a>,
    /// Every subject, in the order of its N-Triples lines.
    subjects: Vec<Subject>,
    /// Places by slug, with the name first given for each.
    places: Vec<(String, &'a str)>,
    /// For each organization, its sub-organizations.
    children: Inverse<u32>,
    /// For each organization, the qualified memberships naming it.
    roles: Inverse<(u32, u32)>,
    /// For each organization, the merged records it replaces.
    replaces: Inverse<u32>,
    /// For each organization, the release in which its triples last changed
    /// (`schema:dateModified`); only release builds know it.
    modified: Option<Vec<Date>>,
}

/// For each organization, the items that point at it (sub-organizations,
/// qualified memberships), in one flat array: at a million records a `Vec`
/// per organization costs more than the items.
struct Inverse<T> {
    offsets: Vec<u32>,
    items: Vec<T>,
}

impl<T: Copy + Default> Inverse<T> {
    /// `pairs` are (organization, item); items keep their order per organization.
    fn new(organizations: usize, pairs: Vec<(u32, T)>) -> Self {
        let mut offsets = vec![0u32; organizations + 1];
        for &(o, _) in &pairs {
            offsets[o as usize + 1] += 1;
        }
        for i in 1..offsets.len() {
            offsets[i] += offsets[i - 1];
        }
        let mut next = offsets.clone();
        let mut items = vec![T::default(); pairs.len()];
        for (o, item) in pairs {
            items[next[o as usize] as usize] = item;
            next[o as usize] += 1;
        }
        Inverse { offsets, items }
    }

    fn get(&self, o: u32) -> &[T] {
        &self.items[self.offsets[o as usize] as usize..self.offsets[o as usize + 1] as usize]
    }
}

/// Mints IRIs under the dataset base.
#[derive(Clone, Copy)]
pub struct Iris<'a> {
    pub base: &'a str,
    pub dataset_id: &'a str,
}

impl<'a> Iris<'a> {
    pub fn of(dataset: &'a Dataset) -> Self {
        Iris {
            base: &dataset.base.value,
            dataset_id: &dataset.id.value,
        }
    }
}

impl Iris<'_> {
    pub(crate) fn node(iri: String) -> NamedNode {
        NamedNode::new_unchecked(iri)
    }
    pub fn organization(&self, id: &str) -> String {
        format!("{}org/{id}", self.base)
    }
    pub fn role(&self, member: &str, target: &str) -> String {
        format!("{}org/{member}/role/{target}", self.base)
    }
    pub fn place(&self, slug: &str) -> String {
        format!("{}place/{slug}", self.base)
    }
    pub fn category(&self, category: Category) -> String {
        format!("{}category/{}", self.base, category.slug())
    }
    pub fn status(&self, status: Status) -> String {
        format!("{}status/{}", self.base, status.slug())
    }
    pub fn scheme(&self) -> String {
        format!("{}category", self.base)
    }
    pub fn dataset(&self) -> String {
        format!("{}dataset/{}", self.base, self.dataset_id)
    }
    pub fn publisher(&self) -> String {
        format!("{}publisher", self.base)
    }
    /// Where a dump file is published (served at `/dumps/` by `orgdir serve`).
    pub fn dump(&self, file_name: &str) -> String {
        format!("{}dumps/{file_name}", self.base)
    }
}

/// A place name as an IRI path segment: `New Mexico` -> `new-mexico`.
pub fn place_slug(name: &str) -> String {
    let mut slug = String::with_capacity(name.len());
    for c in name.trim().chars().flat_map(char::to_lowercase) {
        if c.is_alphanumeric() {
            slug.push(c);
        } else if !slug.ends_with('-') && !slug.is_empty() {
            slug.push('-');
        }
    }
    while slug.ends_with('-') {
        slug.pop();
    }
    if slug.is_empty() {
        slug.push('-');
    }
    slug
}

/// Orders IRIs as their N-Triples form `<iri>` orders: as if each ended in `>`.
fn iri_order(a: &str, b: &str) -> Ordering {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    let common = a.len().min(b.len());
    match a[..common].cmp(&b[..common]) {
        Ordering::Equal => {
            let next = |s: &[u8]| s.get(common).copied().unwrap_or(b'>');
            next(a).cmp(&next(b)).then(a.len().cmp(&b.len()))
        }
        other => other,
    }
}

impl<'a> Graph<'a> {
    pub fn new(source: &'a Source) -> Self {
        let iris = Iris::of(&source.dataset);
        let orgs = &source.organizations;
        let index: HashMap<&str, u32> = orgs
            .iter()
            .enumerate()
            .map(|(i, o)| (&*o.id.value, i as u32))
            .collect();
        // A reference to an unknown id still maps to its IRI (the shapes report
        // it); it only gets no inverse link.
        let lookup = |id: &str| index.get(id).copied();

        let mut places: BTreeMap<String, &str> = BTreeMap::new();
        let mut children = Vec::new();
        let mut roles = Vec::new();
        let mut replaces = Vec::new();
        let mut statuses = BTreeSet::new();
        // Organizations and their role blocks, ordered without building their
        // IRIs: `<base>org/<id>>` sorts as `id` + `>`, and every role IRI
        // `<base>org/<id>/role/<target>>` as `id` + `/` + ....
        let mut org_block: Vec<(u32, bool)> = Vec::with_capacity(orgs.len() * 2);
        for (i, org) in orgs.iter().enumerate() {
            let i = i as u32;
            for area in &org.area_served {
                places.entry(place_slug(&area.value)).or_insert(&area.value);
            }
            if let Some(parent) = org.parent.as_ref().and_then(|p| lookup(&p.value)) {
                children.push((parent, i));
            }
            if let Some(retired) = &org.retired {
                statuses.insert(retired.status.value);
                if let Some(successor) = retired.replaced_by.as_ref().and_then(|s| lookup(&s.value))
                {
                    replaces.push((successor, i));
                }
            }
            for (m, membership) in org.member_of.iter().enumerate() {
                if membership.is_qualified()
                    && let Some(target) = lookup(&membership.org.value)
                {
                    roles.push((target, (i, m as u32)));
                }
            }
            if org.member_of.iter().any(|m| m.is_qualified()) {
                org_block.push((i, true));
            }
            org_block.push((i, false));
        }
        let children = Inverse::new(orgs.len(), children);
        let roles = Inverse::new(orgs.len(), roles);
        let replaces = Inverse::new(orgs.len(), replaces);
        let key = |&(i, roles): &(u32, bool)| {
            let id = orgs[i as usize].id.value.as_bytes();
            id.iter().copied().chain([if roles { b'/' } else { b'>' }])
        };
        org_block.sort_unstable_by(|a, b| key(a).cmp(key(b)));

        let places: Vec<(String, &str)> = places.into_iter().collect();
        let mut others: Vec<(String, Subject)> = places
            .iter()
            .enumerate()
            .map(|(i, (slug, _))| (iris.place(slug), Subject::Place(i as u32)))
            .collect();
        others.push((iris.dataset(), Subject::Dataset));
        if source.dataset.publisher.is_some() {
            others.push((iris.publisher(), Subject::Publisher));
        }
        others.push((iris.scheme(), Subject::Scheme));
        for c in Category::ALL {
            others.push((iris.category(c), Subject::Category(c)));
        }
        for s in statuses {
            others.push((iris.status(s), Subject::Status(s)));
        }
        others.sort_by(|a, b| iri_order(&a.0, &b.0));
        // No other subject's IRI starts with `<base>org/`: the block goes in one piece.
        let org_prefix = format!("{}org/", iris.base);
        let split = others.partition_point(|(iri, _)| iri_order(iri, &org_prefix).is_lt());

        let mut subjects = Vec::with_capacity(others.len() + org_block.len() * 2);
        subjects.extend(others[..split].iter().map(|(_, s)| *s));
        for &(i, is_roles) in &org_block {
            if !is_roles {
                subjects.push(Subject::Organization(i));
                continue;
            }
            let member_of = &orgs[i as usize].member_of;
            let mut qualified: Vec<u32> = (0..member_of.len() as u32)
                .filter(|&m| member_of[m as usize].is_qualified())
                .collect();
            qualified.sort_unstable_by(|&a, &b| {
                iri_order(
                    &member_of[a as usize].org.value,
                    &member_of[b as usize].org.value,
                )
            });
            subjects.extend(qualified.into_iter().map(|m| Subject::Role(i, m)));
        }
        subjects.extend(others[split..].iter().map(|(_, s)| *s));
        Graph {
            source,
            iris,
            subjects,
            places,
            children,
            roles,
            replaces,
            modified: None,
        }
    }

    /// The same graph with each organization's `schema:dateModified`, by
    /// index into [`Source::organizations`].
    pub fn with_modified(mut self, modified: Vec<Date>) -> Self {
        assert_eq!(modified.len(), self.source.organizations.len());
        self.modified = Some(modified);
        self
    }

    pub fn source(&self) -> &'a Source {
        self.source
    }

    pub fn iris(&self) -> Iris<'a> {
        self.iris
    }

    /// Number of distinct subjects.
    pub fn subject_count(&self) -> usize {
        self.subjects.len()
    }

    /// The descriptions of every subject, in N-Triples order.
    pub fn descriptions(&self) -> impl Iterator<Item = Description> + '_ {
        (0..self.subjects.len()).map(|i| self.describe(i))
    }

    fn describe(&self, i: usize) -> Description {
        let subject = self.subjects[i];
        let mut d = Builder::default();
        let iri = match subject {
            Subject::Organization(o) => self.iris.organization(&self.org(o).id.value),
            Subject::Role(o, m) => {
                let org = self.org(o);
                self.iris
                    .role(&org.id.value, &org.member_of[m as usize].org.value)
            }
            Subject::Place(p) => self.iris.place(&self.places[p as usize].0),
            Subject::Category(c) => self.iris.category(c),
            Subject::Status(s) => self.iris.status(s),
            Subject::Scheme => self.iris.scheme(),
            Subject::Dataset => self.iris.dataset(),
            Subject::Publisher => self.iris.publisher(),
        };
        match subject {
            Subject::Organization(o) => self.organization(&mut d, o),
            Subject::Role(o, m) => self.role(&mut d, o, m),
            Subject::Place(p) => {
                d.iri(rdf::TYPE, schema::ADMINISTRATIVE_AREA.into_owned());
                d.string(schema::NAME, self.places[p as usize].1);
            }
            Subject::Category(c) => {
                d.iri(rdf::TYPE, skos::CONCEPT.into_owned());
                d.iri(skos::IN_SCHEME, Iris::node(self.iris.scheme()));
                d.string(skos::PREF_LABEL, c.label());
                d.string(skos::NOTATION, c.slug());
            }
            Subject::Status(s) => {
                d.iri(rdf::TYPE, skos::CONCEPT.into_owned());
                d.string(skos::PREF_LABEL, s.label());
                d.string(skos::NOTATION, s.slug());
            }
            Subject::Scheme => {
                d.iri(rdf::TYPE, skos::CONCEPT_SCHEME.into_owned());
                d.string(skos::PREF_LABEL, "Categories of the directory");
                for c in Category::ALL {
                    d.iri(skos::HAS_TOP_CONCEPT, Iris::node(self.iris.category(c)));
                }
            }
            Subject::Dataset => self.dataset(&mut d),
            Subject::Publisher => {
                let p = self
                    .source
                    .dataset
                    .publisher
                    .as_ref()
                    .expect("listed only when present");
                d.string(schema::NAME, &p.name.value);
                if let Some(url) = &p.url {
                    d.iri(schema::URL, NamedNode::new_unchecked(&*url.value));
                }
            }
        }
        d.finish(Iris::node(iri))
    }

    fn org(&self, o: u32) -> &'a Organization {
        &self.source.organizations[o as usize]
    }

    fn org_iri(&self, o: u32) -> NamedNode {
        self.id_iri(&self.org(o).id.value)
    }

    fn id_iri(&self, id: &str) -> NamedNode {
        Iris::node(self.iris.organization(id))
    }

    fn organization(&self, d: &mut Builder, o: u32) {
        let org = self.org(o);
        d.iri(rdf::TYPE, schema::ORGANIZATION.into_owned());
        d.string(schema::NAME, &org.name.value);
        for alt in &org.alternate_names {
            d.string(schema::ALTERNATE_NAME, &alt.value);
        }
        if let Some(v) = &org.description {
            d.string(schema::DESCRIPTION, &v.value);
        }
        if let Some(v) = &org.url {
            d.iri(schema::URL, NamedNode::new_unchecked(&*v.value));
        }
        d.iri(
            schema::ADDITIONAL_TYPE,
            Iris::node(self.iris.category(org.category.value)),
        );
        for area in &org.area_served {
            let place = self.iris.place(&place_slug(&area.value));
            d.iri(schema::AREA_SERVED, Iris::node(place));
        }
        for m in &org.member_of {
            d.iri(schema::MEMBER_OF, self.id_iri(&m.org.value));
        }
        for &(member, m) in self.roles.get(o) {
            let target = &self.org(member).member_of[m as usize].org.value;
            d.iri(
                schema::MEMBER,
                Iris::node(self.iris.role(&self.org(member).id.value, target)),
            );
        }
        if let Some(p) = &org.parent {
            d.iri(schema::PARENT_ORGANIZATION, self.id_iri(&p.value));
        }
        for &c in self.children.get(o) {
            d.iri(schema::SUB_ORGANIZATION, self.org_iri(c));
        }
        for s in &org.same_as {
            d.iri(schema::SAME_AS, NamedNode::new_unchecked(&*s.value));
        }
        if let Some(v) = org.founding_date {
            d.date(schema::FOUNDING_DATE, v.value);
        }
        if let Some(v) = org.dissolution_date {
            d.date(schema::DISSOLUTION_DATE, v.value);
        }
        if let Some(v) = &org.email {
            d.string(schema::EMAIL, &v.value);
        }
        if let Some(r) = &org.retired {
            d.iri(adms::STATUS, Iris::node(self.iris.status(r.status.value)));
            if let Some(s) = &r.replaced_by {
                d.iri(dcterms::IS_REPLACED_BY, self.id_iri(&s.value));
            }
            d.date(dcterms::DATE, r.date.value);
            if let Some(n) = &r.note {
                d.string(skos::CHANGE_NOTE, &n.value);
            }
        }
        for &old in self.replaces.get(o) {
            d.iri(dcterms::REPLACES, self.org_iri(old));
        }
        if let Some(modified) = &self.modified {
            d.date(schema::DATE_MODIFIED, modified[o as usize]);
        }
    }

    fn role(&self, d: &mut Builder, o: u32, m: u32) {
        let role = self.org(o).member_of[m as usize]
            .role
            .as_deref()
            .expect("role subjects are qualified memberships");
        d.iri(rdf::TYPE, schema::ORGANIZATION_ROLE.into_owned());
        d.iri(schema::MEMBER, self.org_iri(o));
        d.iri(
            schema::MEMBER_OF,
            self.id_iri(&self.org(o).member_of[m as usize].org.value),
        );
        if let Some(v) = &role.role_name {
            d.string(schema::ROLE_NAME, &v.value);
        }
        if let Some(v) = role.start_date {
            d.date(schema::START_DATE, v.value);
        }
        if let Some(v) = role.end_date {
            d.date(schema::END_DATE, v.value);
        }
    }

    fn dataset(&self, d: &mut Builder) {
        let ds = &self.source.dataset;
        d.iri(rdf::TYPE, schema::DATASET.into_owned());
        d.string(schema::NAME, &ds.title.value);
        if let Some(v) = &ds.description {
            d.string(schema::DESCRIPTION, &v.value);
        }
        if ds.publisher.is_some() {
            d.iri(schema::PUBLISHER, Iris::node(self.iris.publisher()));
        }
        if let Some(v) = &ds.license {
            d.iri(schema::LICENSE, NamedNode::new_unchecked(&*v.value));
        }
        if let Some(v) = &ds.source {
            d.iri(schema::IS_BASED_ON, NamedNode::new_unchecked(&*v.value));
        }
        d.date(schema::DATE_MODIFIED, ds.modified.value);
    }
}

/// Collects the properties of one subject, then sorts them into a [`Description`].
#[derive(Default)]
pub(crate) struct Builder {
    properties: Vec<(NamedNodeRef<'static>, Term)>,
}

impl Builder {
    pub(crate) fn literal(&mut self, p: NamedNodeRef<'static>, o: Literal) {
        self.properties.push((p, o.into()));
    }
    pub(crate) fn iri(&mut self, p: NamedNodeRef<'static>, o: NamedNode) {
        self.properties.push((p, o.into()));
    }
    pub(crate) fn string(&mut self, p: NamedNodeRef<'static>, o: &str) {
        self.properties
            .push((p, Literal::new_simple_literal(o).into()));
    }
    pub(crate) fn date(&mut self, p: NamedNodeRef<'static>, date: Date) {
        let datatype = if date.is_year() {
            xsd::G_YEAR
        } else {
            xsd::DATE
        };
        self.properties.push((
            p,
            Literal::new_typed_literal(date.to_string(), datatype).into(),
        ));
    }
    pub(crate) fn finish(mut self, subject: NamedNode) -> Description {
        // Exactly the order of the N-Triples lines `<s> <p> o .` of this subject;
        // objects are formatted only to break ties between equal predicates.
        self.properties.sort_by(|(p1, o1), (p2, o2)| {
            iri_order(p1.as_str(), p2.as_str())
                .then_with(|| format!("{o1} .").cmp(&format!("{o2} .")))
        });
        self.properties.dedup();
        Description {
            subject,
            properties: self.properties,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_of_place_names() {
        assert_eq!(place_slug("New Mexico"), "new-mexico");
        assert_eq!(place_slug("  Santa Fe, NM "), "santa-fe-nm");
        assert_eq!(place_slug("Río Arriba"), "río-arriba");
        assert_eq!(place_slug("!!"), "-");
    }

    #[test]
    fn iris_sort_like_their_ntriples_form() {
        let mut iris = [
            "http://x/org/ala",
            "http://x/org/ala/role/b",
            "http://x/org/ala-x",
        ];
        iris.sort_by(|a, b| iri_order(a, b));
        let mut lines: Vec<String> = iris.iter().map(|i| format!("<{i}> .")).collect();
        let sorted = {
            let mut l = lines.clone();
            l.sort();
            l
        };
        assert_eq!(lines, sorted);
        lines.reverse();
        assert_ne!(lines, sorted);
    }
}
