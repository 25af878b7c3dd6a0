//! The releases' changes as a Linked Data Event Stream (LDES, TREE-based):
//! one member per organization added or changed in a release, that
//! organization's version at the release.
//!
//! ```text
//! /ldes                    the stream and its view: one relation per release
//!                          (mutable: a new release adds one)
//! /ldes/VERSION            the release's node: one relation per page (immutable)
//! /ldes/VERSION/N          a page of up to MEMBERS_PER_PAGE members (immutable)
//! ```
//!
//! A member is `<ORG/release/VERSION>`, with `dcterms:isVersionOf <ORG>`
//! and `dcterms:created`, the release date (the stream's timestamp), in the
//! default graph; the organization's record (its own triples and its
//! qualified memberships, exactly the lines of `orgs.nt`) is the named graph
//! of the same name, which is how LDES clients extract a member. The node
//! and page files are written by `orgdir build --release` into the release
//! directory (`ldes/`), so they never change; only the root is built at
//! each request, from the releases on disk. Relations name their node by a
//! relative IRI and each node is `<>`, so the files hold wherever they are
//! served.

use std::collections::{HashMap, HashSet};
use std::fmt::Write as _;
use std::path::Path;

use super::{ReleaseError, ReleaseInfo};
use crate::fsutil::FsError;
use crate::rdf::Graph;
use crate::rdf::ntriples::push_description;
use crate::rdf::vocab::{dcterms, ldes, rdf, tree, xsd};

/// The directory of a release that holds its stream files.
pub const DIR: &str = "ldes";
/// The release's node, in [`DIR`].
pub const NODE_FILE: &str = "node.trig";
pub const MEDIA_TYPE: &str = "application/trig";
/// Members per page: a page of the bundled records is about 1 KB a member.
pub const MEMBERS_PER_PAGE: usize = 500;

/// The stream's IRI under the dataset base.
pub fn stream_iri(base: &str) -> String {
    format!("{base}{DIR}")
}

/// The IRI of `organization`'s version at release `version`.
pub fn version_iri(organization: &str, version: &str) -> String {
    format!("{organization}/release/{version}")
}

/// The stream's timestamp of a release dated `date` (`YYYY-MM-DD`, or a
/// year): its first instant, UTC.
pub fn timestamp(date: &str) -> String {
    match date.len() {
        4 => format!("{date}-01-01T00:00:00Z"),
        _ => format!("{date}T00:00:00Z"),
    }
}

/// The file of page `n` (from 1).
pub fn page_file(n: usize) -> String {
    format!("{n}.trig")
}

/// Writes `dir/ldes/`: the members of release `version` dated `date`, the
/// organizations `members` (by id) of `graph`. Returns the number of pages.
pub fn write(
    graph: &Graph<'_>,
    members: &HashSet<&str>,
    version: &str,
    date: &str,
    dir: &Path,
) -> Result<usize, ReleaseError> {
    let dir = dir.join(DIR);
    std::fs::create_dir_all(&dir).map_err(FsError::io("create", &dir))?;
    let iris = graph.iris();
    let org_prefix = format!("{}org/", iris.base);
    let stream = stream_iri(iris.base);
    let created = timestamp(date);

    // A record's subjects are not contiguous in N-Triples order (`org/ala/role/x`,
    // `org/ala1`, `org/ala`): its memberships wait here for its own subject,
    // which sorts after them.
    let mut pending: HashMap<String, String> = HashMap::new();
    let mut page = String::new();
    let mut in_page = 0;
    let mut pages = 0;
    let flush = |page: &mut String, pages: &mut usize| -> Result<(), ReleaseError> {
        *pages += 1;
        let path = dir.join(page_file(*pages));
        std::fs::write(&path, page.as_bytes()).map_err(FsError::io("write", &path))?;
        page.clear();
        Ok(())
    };
    for d in graph.descriptions() {
        let Some((id, own)) = super::changes::record_of(&org_prefix, d.subject.as_str()) else {
            continue;
        };
        if !members.contains(id) {
            continue;
        }
        let lines = pending.entry(id.to_owned()).or_default();
        push_description(lines, &d);
        if !own {
            continue;
        }
        let lines = pending.remove(id).expect("just added");
        if in_page == 0 {
            let _ = writeln!(page, "<> {} {} .", rdf::TYPE, tree::NODE_CLASS);
        }
        let member = version_iri(d.subject.as_str(), version);
        let _ = write!(
            page,
            "\n<{stream}> {} <{member}> .\n\
             <{member}> {} {} .\n\
             <{member}> {} \"{created}\"^^{} .\n\
             <{member}> {{\n{lines}}}\n",
            tree::MEMBER,
            dcterms::IS_VERSION_OF,
            d.subject,
            dcterms::CREATED,
            xsd::DATE_TIME,
        );
        in_page += 1;
        if in_page == MEMBERS_PER_PAGE {
            flush(&mut page, &mut pages)?;
            in_page = 0;
        }
    }
    if in_page > 0 {
        flush(&mut page, &mut pages)?;
    }

    let mut node = format!("<> {} {} .\n", rdf::TYPE, tree::NODE_CLASS);
    for n in 1..=pages {
        let _ = writeln!(
            node,
            "<> {} [ {} {} ; {} <{version}/{n}> ] .",
            tree::RELATION,
            rdf::TYPE,
            tree::RELATION_CLASS,
            tree::NODE,
        );
    }
    let path = dir.join(NODE_FILE);
    std::fs::write(&path, node).map_err(FsError::io("write", &path))?;
    Ok(pages)
}

/// The stream's root, served at `/ldes`: the stream, its paths, and a view
/// with one relation per release that has stream files, to `ldes/VERSION`.
pub fn root(base: &str, releases: &[&ReleaseInfo]) -> String {
    let stream = stream_iri(base);
    let mut out = format!(
        "<{stream}> {} {} .\n\
         <{stream}> {} {} .\n\
         <{stream}> {} {} .\n\
         <{stream}> {} <> .\n\
         <> {} {} .\n",
        rdf::TYPE,
        ldes::EVENT_STREAM,
        ldes::TIMESTAMP_PATH,
        dcterms::CREATED,
        ldes::VERSION_OF_PATH,
        dcterms::IS_VERSION_OF,
        tree::VIEW,
        rdf::TYPE,
        tree::NODE_CLASS,
    );
    for info in releases {
        // Every member of the release carries its date: all are at or after it.
        let _ = writeln!(
            out,
            "<> {} [ {} {} ; {} {} ; {} \"{}\"^^{} ; {} <{DIR}/{}> ] .",
            tree::RELATION,
            rdf::TYPE,
            tree::GREATER_THAN_OR_EQUAL_TO_RELATION,
            tree::PATH,
            dcterms::CREATED,
            tree::VALUE,
            timestamp(&info.date),
            xsd::DATE_TIME,
            tree::NODE,
            info.version,
        );
    }
    out
}

/// Whether the release in `dir` has stream files (releases written before
/// orgdir wrote them have none, and are left out of the stream).
pub fn has_stream(dir: &Path) -> bool {
    dir.join(DIR).join(NODE_FILE).is_file()
}

#[cfg(test)]
mod tests {
    use std::collections::{BTreeMap, BTreeSet};

    use oxrdf::{GraphName, NamedNode, NamedOrBlankNode, Quad, Term};

    use super::*;
    use crate::source::Source;

    fn parse(text: &str, url: &str) -> Vec<Quad> {
        oxttl::TriGParser::new()
            .with_base_iri(url)
            .unwrap()
            .for_slice(text.as_bytes())
            .collect::<Result<_, _>>()
            .unwrap_or_else(|e| panic!("{url} is not TriG: {e}"))
    }

    fn objects(quads: &[Quad], subject: &str, predicate: oxrdf::NamedNodeRef<'_>) -> Vec<Term> {
        quads
            .iter()
            .filter(|q| {
                q.graph_name.is_default_graph()
                    && matches!(&q.subject, NamedOrBlankNode::NamedNode(s) if s.as_str() == subject)
                    && q.predicate == predicate
            })
            .map(|q| q.object.clone())
            .collect()
    }

    fn synthetic(records: usize, dir: &Path) -> Source {
        let options = crate::synth::SynthOptions {
            records,
            per_file: 400,
            ..Default::default()
        };
        crate::synth::write(dir, &options).unwrap();
        crate::source::load(dir, Default::default()).unwrap()
    }

    /// Each record's N-Triples lines (its subject and its memberships), by
    /// organization IRI, as the dumps hold them.
    fn records(graph: &Graph<'_>) -> BTreeMap<String, BTreeSet<String>> {
        let prefix = format!("{}org/", graph.iris().base);
        let mut out: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        for d in graph.descriptions() {
            let Some(rest) = d.subject.as_str().strip_prefix(&prefix) else {
                continue;
            };
            let id = rest.split('/').next().unwrap();
            let mut text = String::new();
            push_description(&mut text, &d);
            out.entry(graph.iris().organization(id))
                .or_default()
                .extend(text.lines().map(str::to_owned));
        }
        out
    }

    #[test]
    fn pages_hold_every_member_whole_with_its_version_and_date() {
        let tmp = tempfile::tempdir().unwrap();
        let source = synthetic(1100, &tmp.path().join("data"));
        let graph = Graph::new(&source);
        let ids: Vec<&str> = source.organizations.iter().map(|o| &*o.id.value).collect();
        // Every other record: members are chosen by id, whatever the order.
        let members: HashSet<&str> = ids.iter().step_by(2).copied().collect();
        let out = tmp.path().join("release");
        let pages = write(&graph, &members, "v2", "2026-12-01", &out).unwrap();
        assert_eq!(pages, 550usize.div_ceil(MEMBERS_PER_PAGE));

        let node_url = "http://h.test/ldes/v2";
        let node = std::fs::read_to_string(out.join(DIR).join(NODE_FILE)).unwrap();
        let node = parse(&node, node_url);
        let mut linked: Vec<String> = node
            .iter()
            .filter(|q| q.predicate == tree::NODE)
            .map(|q| q.object.to_string())
            .collect();
        linked.sort();
        let expected: Vec<String> = (1..=pages).map(|n| format!("<{node_url}/{n}>")).collect();
        assert_eq!(linked, expected);

        let stream = stream_iri(graph.iris().base);
        let expected_records = records(&graph);
        let mut seen = BTreeSet::new();
        for n in 1..=pages {
            let url = format!("{node_url}/{n}");
            let text = std::fs::read_to_string(out.join(DIR).join(page_file(n))).unwrap();
            let quads = parse(&text, &url);
            assert_eq!(
                objects(&quads, &url, rdf::TYPE),
                vec![Term::from(tree::NODE_CLASS.into_owned())],
                "page {n} is a tree:Node named by its own URL"
            );
            let on_page = objects(&quads, &stream, tree::MEMBER);
            let expected_count = if n < pages {
                MEMBERS_PER_PAGE
            } else {
                550 - MEMBERS_PER_PAGE * (pages - 1)
            };
            assert_eq!(on_page.len(), expected_count, "members on page {n}");
            for member in on_page {
                let Term::NamedNode(member) = member else {
                    panic!("a member is an IRI")
                };
                let organization = objects(&quads, member.as_str(), dcterms::IS_VERSION_OF);
                let [Term::NamedNode(organization)] = organization.as_slice() else {
                    panic!("{member} is a version of one organization")
                };
                assert_eq!(member.as_str(), version_iri(organization.as_str(), "v2"),);
                assert_eq!(
                    objects(&quads, member.as_str(), dcterms::CREATED),
                    vec![Term::from(oxrdf::Literal::new_typed_literal(
                        "2026-12-01T00:00:00Z",
                        xsd::DATE_TIME
                    ))]
                );
                let graph_name = GraphName::NamedNode(NamedNode::new(member.as_str()).unwrap());
                let lines: BTreeSet<String> = quads
                    .iter()
                    .filter(|q| q.graph_name == graph_name)
                    .map(|q| format!("{} .", oxrdf::TripleRef::from(q.as_ref())))
                    .collect();
                assert_eq!(
                    Some(&lines),
                    expected_records.get(organization.as_str()),
                    "{member}'s graph is its record, whole"
                );
                let id = organization.as_str().rsplit('/').next().unwrap();
                assert!(members.contains(id), "{id} is no member");
                assert!(seen.insert(id.to_owned()), "{id} twice");
            }
        }
        assert_eq!(seen.len(), members.len());
    }

    #[test]
    fn the_root_links_each_release_node_by_date() {
        let info = |version: &str, date: &str| ReleaseInfo {
            version: version.into(),
            date: date.into(),
            previous: None,
            organizations: 0,
            triples: 0,
            canonical_hash: String::new(),
            added: 0,
            removed: 0,
            changed: 0,
            files: vec![],
            ldes_pages: 1,
        };
        let (a, b) = (info("1.0", "2026-01-01"), info("2.0", "2026"));
        let url = "http://h.test/ldes";
        let quads = parse(&root("https://d.test/", &[&a, &b]), url);
        let stream = "https://d.test/ldes";
        assert_eq!(
            objects(&quads, stream, tree::VIEW),
            vec![Term::from(NamedNode::new(url).unwrap())]
        );
        assert_eq!(
            objects(&quads, stream, ldes::TIMESTAMP_PATH),
            vec![Term::from(dcterms::CREATED.into_owned())]
        );
        let relations = objects(&quads, url, tree::RELATION);
        assert_eq!(relations.len(), 2);
        let mut found = Vec::new();
        for r in relations {
            let Term::BlankNode(r) = r else {
                panic!("a relation is a blank node")
            };
            let of = |p| {
                quads
                    .iter()
                    .find(|q| {
                        q.subject == NamedOrBlankNode::BlankNode(r.clone()) && q.predicate == p
                    })
                    .map(|q| q.object.to_string())
                    .unwrap()
            };
            found.push((of(tree::NODE), of(tree::VALUE)));
        }
        found.sort();
        assert_eq!(
            found,
            [
                (
                    "<http://h.test/ldes/1.0>".to_owned(),
                    "\"2026-01-01T00:00:00Z\"^^<http://www.w3.org/2001/XMLSchema#dateTime>"
                        .to_owned()
                ),
                (
                    "<http://h.test/ldes/2.0>".to_owned(),
                    "\"2026-01-01T00:00:00Z\"^^<http://www.w3.org/2001/XMLSchema#dateTime>"
                        .to_owned()
                ),
            ]
        );
    }
}
