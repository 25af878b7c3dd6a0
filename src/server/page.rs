//! The HTML page of a resource (src/templates/resource.html): what it shows
//! of an organization (names, website, dates, memberships and members with
//! their roles, sub-organizations, its link check) or of a place or category
//! (the organizations pointing at it), with the names of everything it links
//! to looked up in the store.

use std::collections::BTreeMap;

use oxigraph::model::{NamedNode, NamedNodeRef, NamedOrBlankNode, Term, Triple};
use oxigraph::store::Store;
use serde::Serialize;

use super::error::ApiError;
use super::html;
use super::resource::{alternates, is_a, jsonld, local_path, objects, storage, subjects, text};
use crate::rdf::vocab::{PREFIXES, adms, dcterms, rdf, schema, skos};
use crate::source::Status;
use crate::store::Snapshot;

/// Organizations listed on a place or category page at most.
const LISTED: usize = 1000;

/// The name a page shows for a node: schema:name, else skos:prefLabel (the
/// least, so it does not change between runs).
fn label(store: &Store, node: NamedNodeRef<'_>) -> Result<Option<String>, ApiError> {
    for p in [schema::NAME, skos::PREF_LABEL] {
        let names = objects(store, node, p)?;
        if let Some(min) = names.iter().map(text).min() {
            return Ok(Some(min));
        }
    }
    Ok(None)
}

#[derive(Debug, Serialize, Clone)]
struct Link {
    href: Option<String>,
    text: String,
}

#[derive(Debug, Serialize)]
struct Fact {
    label: String,
    values: Vec<Link>,
}

#[derive(Debug, Serialize)]
struct RoleRow {
    org: Link,
    role: Option<String>,
    start: Option<String>,
    end: Option<String>,
}

/// What became of a retired organization: the page's first line.
#[derive(Debug, Serialize)]
pub(super) struct Retired {
    /// `withdrawn` or `merged`.
    status: &'static str,
    date: Option<String>,
    note: Option<String>,
    /// A merged organization's successor.
    successor: Option<Link>,
}

#[derive(Debug, Serialize)]
struct Listing {
    heading: String,
    items: Vec<Link>,
    total: usize,
}

#[derive(Debug, Serialize)]
struct FormatLink {
    href: String,
    label: &'static str,
    media_type: &'static str,
}

/// What resource.html shows.
#[derive(Debug, Serialize)]
pub(super) struct Page {
    iri: String,
    name: String,
    type_label: &'static str,
    alternate_names: Vec<String>,
    description: Option<String>,
    facts: Vec<Fact>,
    memberships: Vec<RoleRow>,
    members: Vec<RoleRow>,
    subs: Vec<Link>,
    listing: Option<Listing>,
    retired: Option<Retired>,
    formats: Vec<FormatLink>,
    jsonld: String,
}

struct Linker<'a> {
    store: &'a Store,
    base: &'a str,
}

impl Linker<'_> {
    fn link(&self, term: &Term) -> Result<Link, ApiError> {
        Ok(match term {
            Term::NamedNode(n) => match local_path(self.base, n.as_str()) {
                Some(path) => Link {
                    text: label(self.store, n.as_ref())?.unwrap_or_else(|| path.clone()),
                    href: Some(path),
                },
                None => Link {
                    href: super::resource::href(self.base, n.as_str()),
                    text: n.as_str().to_owned(),
                },
            },
            other => Link {
                href: None,
                text: text(other),
            },
        })
    }

    fn links(&self, terms: &[Term]) -> Result<Vec<Link>, ApiError> {
        let mut links = terms
            .iter()
            .map(|t| self.link(t))
            .collect::<Result<Vec<_>, _>>()?;
        links.sort_by_cached_key(|l| l.text.to_lowercase());
        Ok(links)
    }

    fn first_text(
        &self,
        role: NamedNodeRef<'_>,
        p: NamedNodeRef<'_>,
    ) -> Result<Option<String>, ApiError> {
        Ok(objects(self.store, role, p)?.iter().map(text).min())
    }

    /// Rows for `roles`, naming the organization at `other` of each.
    fn role_rows(
        &self,
        roles: &[NamedNode],
        other: NamedNodeRef<'_>,
    ) -> Result<Vec<RoleRow>, ApiError> {
        let mut rows = Vec::new();
        for role in roles {
            for org in objects(self.store, role.as_ref(), other)? {
                rows.push(RoleRow {
                    org: self.link(&org)?,
                    role: self.first_text(role.as_ref(), schema::ROLE_NAME)?,
                    start: self.first_text(role.as_ref(), schema::START_DATE)?,
                    end: self.first_text(role.as_ref(), schema::END_DATE)?,
                });
            }
        }
        Ok(rows)
    }
}

/// Rows for organizations linked directly (`memberOf`) but by no role.
fn unroled(rows: &mut Vec<RoleRow>, linker: &Linker<'_>, orgs: &[Term]) -> Result<(), ApiError> {
    for org in orgs {
        let link = linker.link(org)?;
        if !rows.iter().any(|r| r.org.href == link.href) {
            rows.push(RoleRow {
                org: link,
                role: None,
                start: None,
                end: None,
            });
        }
    }
    rows.sort_by_cached_key(|r| r.org.text.to_lowercase());
    Ok(())
}

impl Page {
    pub(super) fn build(
        snapshot: &Snapshot,
        iri: &NamedNode,
        triples: &[Triple],
        served_at: &str,
    ) -> Result<Page, ApiError> {
        let store = &snapshot.store;
        let node = iri.as_ref();
        let linker = Linker {
            store,
            base: &snapshot.base,
        };
        let own: Vec<&Triple> = triples
            .iter()
            .filter(|t| t.subject == node.into())
            .collect();
        let values = |p: NamedNodeRef<'_>| -> Vec<Term> {
            own.iter()
                .filter(|t| t.predicate == p)
                .map(|t| t.object.clone())
                .collect()
        };
        let types: Vec<Term> = values(rdf::TYPE);
        let has_type = |c: NamedNodeRef<'_>| types.iter().any(|t| *t == Term::from(c.into_owned()));
        let local = local_path(&snapshot.base, iri.as_str()).unwrap_or_default();
        let mut name = label(store, node)?.unwrap_or_else(|| local.clone());
        let mut alternate_names: Vec<String> =
            values(schema::ALTERNATE_NAME).iter().map(text).collect();
        alternate_names.sort();
        let description = values(schema::DESCRIPTION).iter().map(text).min();

        let is_org = has_type(schema::ORGANIZATION) || has_type(schema::GOVERNMENT_ORGANIZATION);
        let type_label = if is_org {
            "Organization"
        } else if has_type(schema::ADMINISTRATIVE_AREA) {
            "Place"
        } else if has_type(skos::CONCEPT) {
            "Category"
        } else if has_type(skos::CONCEPT_SCHEME) {
            "Category scheme"
        } else if has_type(schema::DATASET) {
            "Dataset"
        } else if has_type(schema::ORGANIZATION_ROLE) {
            "Membership"
        } else {
            "Resource"
        };

        if type_label == "Membership" {
            // "ALSC: division of ALA", not the role's path.
            let first_label = |p| -> Result<Option<String>, ApiError> {
                match values(p).first() {
                    Some(Term::NamedNode(n)) => label(store, n.as_ref()),
                    _ => Ok(None),
                }
            };
            if let (Some(member), Some(target)) = (
                first_label(schema::MEMBER)?,
                first_label(schema::MEMBER_OF)?,
            ) {
                let role = values(schema::ROLE_NAME)
                    .first()
                    .map_or_else(|| "member".to_owned(), text);
                name = format!("{member}: {role} of {target}");
            }
        }

        let mut facts = Vec::new();
        let mut memberships = Vec::new();
        let mut members = Vec::new();
        let mut subs = Vec::new();
        let mut listing = None;
        let mut retired = None;
        if is_org {
            retired = retirement(snapshot, &linker, &values)?;
            for (label, p) in [
                ("Website", schema::URL),
                ("Category", schema::ADDITIONAL_TYPE),
                ("Founded", schema::FOUNDING_DATE),
                ("Dissolved", schema::DISSOLUTION_DATE),
                ("Parent organization", schema::PARENT_ORGANIZATION),
                ("Formed from", dcterms::REPLACES),
                ("Places served", schema::AREA_SERVED),
                ("Email", schema::EMAIL),
                ("Identifier", schema::IDENTIFIER),
                ("Same as", schema::SAME_AS),
            ] {
                let vals = values(p);
                if !vals.is_empty() {
                    let mut links = linker.links(&vals)?;
                    if p == schema::EMAIL {
                        for l in &mut links {
                            l.href = Some(format!("mailto:{}", l.text));
                        }
                    }
                    facts.push(Fact {
                        label: label.into(),
                        values: links,
                    });
                }
            }
            if let Some(fact) = link_status(snapshot, &values(schema::URL))? {
                facts.insert(1.min(facts.len()), fact);
            }
            let own_roles = subjects(store, schema::MEMBER, node.into())?;
            memberships = linker.role_rows(&own_roles, schema::MEMBER_OF)?;
            unroled(&mut memberships, &linker, &values(schema::MEMBER_OF))?;
            let their_roles = subjects(store, schema::MEMBER_OF, node.into())?
                .into_iter()
                .filter(|r| is_a(store, r.as_ref(), schema::ORGANIZATION_ROLE).unwrap_or(false))
                .collect::<Vec<_>>();
            members = linker.role_rows(&their_roles, schema::MEMBER)?;
            let direct: Vec<Term> = subjects(store, schema::MEMBER_OF, node.into())?
                .into_iter()
                .filter(|m| !their_roles.contains(m))
                .map(Term::from)
                .collect();
            unroled(&mut members, &linker, &direct)?;
            subs = linker.links(&values(schema::SUB_ORGANIZATION))?;
        } else {
            let shown = [
                rdf::TYPE,
                schema::NAME,
                skos::PREF_LABEL,
                schema::DESCRIPTION,
                schema::ALTERNATE_NAME,
            ];
            let mut by_predicate: BTreeMap<String, Vec<Term>> = BTreeMap::new();
            for t in &own {
                if !shown.contains(&t.predicate.as_ref()) {
                    by_predicate
                        .entry(compact(t.predicate.as_str()))
                        .or_default()
                        .push(t.object.clone());
                }
            }
            for (label, vals) in by_predicate {
                facts.push(Fact {
                    label: readable(&label),
                    values: linker.links(&vals)?,
                });
            }
            let incoming = if has_type(schema::ADMINISTRATIVE_AREA) {
                Some((format!("Organizations serving {name}"), schema::AREA_SERVED))
            } else if has_type(skos::CONCEPT) {
                Some((format!("Organizations in {name}"), schema::ADDITIONAL_TYPE))
            } else {
                None
            };
            if let Some((heading, p)) = incoming {
                let orgs: Vec<Term> = subjects(store, p, node.into())?
                    .into_iter()
                    .map(Term::from)
                    .collect();
                let total = orgs.len();
                let mut items = linker.links(&orgs)?;
                items.truncate(LISTED);
                listing = Some(Listing {
                    heading,
                    items,
                    total,
                });
            }
        }
        Ok(Page {
            iri: iri.as_str().to_owned(),
            name,
            type_label,
            alternate_names,
            description,
            facts,
            memberships,
            members,
            subs,
            listing,
            retired,
            formats: alternates(served_at)
                .into_iter()
                .map(|(href, label, media_type)| FormatLink {
                    href,
                    label,
                    media_type,
                })
                .collect(),
            jsonld: html::script_json(&jsonld(triples, node)),
        })
    }
}

/// The status of a retired organization, from its triples' `values`.
fn retirement(
    snapshot: &Snapshot,
    linker: &Linker<'_>,
    values: &dyn Fn(NamedNodeRef<'_>) -> Vec<Term>,
) -> Result<Option<Retired>, ApiError> {
    let Some(status) = values(adms::STATUS).iter().find_map(|t| match t {
        Term::NamedNode(n) => status_of(&snapshot.base, n.as_str()),
        _ => None,
    }) else {
        return Ok(None);
    };
    let successor = match values(dcterms::IS_REPLACED_BY).first() {
        Some(s) => Some(linker.link(s)?),
        None => None,
    };
    Ok(Some(Retired {
        status: status.slug(),
        date: values(dcterms::DATE).iter().map(text).min(),
        note: values(skos::CHANGE_NOTE).iter().map(text).min(),
        successor,
    }))
}

/// The status `iri` stands for among those minted under `base`.
pub fn status_of(base: &str, iri: &str) -> Option<Status> {
    let slug = iri.strip_prefix(base)?.strip_prefix("status/")?;
    Status::from_slug(slug)
}

/// What the last link check found about the website, when link-check
/// results are loaded (`serve --linkcheck`).
fn link_status(snapshot: &Snapshot, urls: &[Term]) -> Result<Option<Fact>, ApiError> {
    use crate::rdf::vocab::lc;
    use oxigraph::model::GraphNameRef;
    let graph = crate::linkcheck::rdf::graph_name(&snapshot.base);
    let Ok(graph) = NamedNode::new(graph) else {
        return Ok(None);
    };
    let store = &snapshot.store;
    let mut values = Vec::new();
    for url in urls {
        for q in store.quads_for_pattern(
            None,
            Some(schema::OBJECT),
            Some(url.as_ref()),
            Some(GraphNameRef::NamedNode(graph.as_ref())),
        ) {
            let NamedOrBlankNode::NamedNode(check) = q.map_err(storage)?.subject else {
                continue;
            };
            let get = |p| -> Result<Option<String>, ApiError> {
                Ok(objects(store, check.as_ref(), p)?.iter().map(text).min())
            };
            let status = get(lc::STATUS)?.unwrap_or_default();
            let code = get(lc::HTTP_STATUS)?
                .map(|c| format!(" ({c})"))
                .unwrap_or_default();
            let state = get(lc::STATE)?.unwrap_or_default();
            let since = get(lc::SINCE)?.unwrap_or_default();
            let when = get(schema::END_TIME)?.unwrap_or_default();
            let text = match state.as_str() {
                "working" => format!("{status}{code} since {since} (checked {when})"),
                _ => format!("{status}{code}, {state} since {since} (checked {when})"),
            };
            values.push(Link { href: None, text });
        }
    }
    Ok((!values.is_empty()).then(|| Fact {
        label: "Link check".into(),
        values,
    }))
}

/// `prefix:local` for a known namespace, else the IRI.
/// A predicate's label on a page: words for the ones the data uses, the
/// compact IRI for any other.
fn readable(compact: &str) -> String {
    match compact {
        "schema:member" => "Member",
        "schema:memberOf" => "Member of",
        "schema:roleName" => "Role",
        "schema:startDate" => "Since",
        "schema:endDate" => "Until",
        "schema:url" => "Website",
        "schema:publisher" => "Publisher",
        "schema:license" => "License",
        "schema:isBasedOn" => "Based on",
        "schema:dateModified" => "Modified",
        "schema:distribution" => "Distribution",
        "skos:inScheme" => "In scheme",
        "skos:notation" => "Code",
        "skos:hasTopConcept" => "Categories",
        other => return other.to_owned(),
    }
    .to_owned()
}

fn compact(iri: &str) -> String {
    for (prefix, ns) in PREFIXES {
        if let Some(local) = iri.strip_prefix(ns) {
            return format!("{prefix}:{local}");
        }
    }
    iri.to_owned()
}
