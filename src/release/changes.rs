//! What changed between two releases, record by record.
//!
//! The previous release's `orgs.nt` and the new graph are both in canonical
//! N-Triples order, so they are compared in one merge pass, subject by
//! subject, holding one subject's lines at a time: memory does not grow with
//! the size of the directory, only with the number of changes.
//!
//! A record is an organization: its own subject `<base>org/ID` and its
//! qualified memberships `<base>org/ID/role/TARGET` (which sort before it, as
//! `/` sorts before `>`). Its `schema:dateModified` is left out of the
//! comparison (it records changes; it is not one) and, for an unchanged
//! record, carried over. Other subjects (places, categories, the dataset)
//! are listed by IRI.

use std::collections::{BTreeSet, HashMap};
use std::fs::File;
use std::io::{self, BufRead, BufReader};
use std::path::Path;

use serde::Serialize;

use crate::rdf::ntriples::push_description;
use crate::rdf::vocab::schema;
use crate::rdf::{Description, Graph};

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Record {
    pub id: String,
    pub name: String,
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Changed {
    pub id: String,
    pub name: String,
    /// The predicates whose triples differ (a membership's role, dates or
    /// removal counts as `schema:memberOf`).
    pub properties: Vec<String>,
}

#[derive(Debug, Clone, Copy, Serialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    Added,
    Removed,
    Changed,
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Other {
    pub iri: String,
    pub change: Kind,
}

#[derive(Debug, Default, Serialize)]
pub struct Changes {
    pub added: Vec<Record>,
    pub removed: Vec<Record>,
    pub changed: Vec<Changed>,
    pub other: Vec<Other>,
    /// For each unchanged record that had one, its `schema:dateModified`
    /// in the previous release (lexical form).
    #[serde(skip)]
    pub carried_dates: HashMap<String, String>,
}

/// One subject of the previous release: its IRI and its lines.
struct Previous {
    lines: io::Lines<BufReader<File>>,
    pending: Option<String>,
    line_number: u64,
}

impl Previous {
    fn open(path: &Path) -> io::Result<Previous> {
        Ok(Previous {
            lines: BufReader::with_capacity(1 << 16, File::open(path)?).lines(),
            pending: None,
            line_number: 0,
        })
    }

    /// The next subject and all its lines, or `None` at the end.
    fn next_subject(&mut self) -> io::Result<Option<(String, Vec<String>)>> {
        let first = match self.pending.take() {
            Some(line) => line,
            None => match self.read()? {
                Some(line) => line,
                None => return Ok(None),
            },
        };
        let subject = subject_of(&first)
            .ok_or_else(|| self.malformed())?
            .to_owned();
        let mut lines = vec![first];
        while let Some(line) = self.read()? {
            if subject_of(&line) == Some(subject.as_str()) {
                lines.push(line);
            } else {
                self.pending = Some(line);
                break;
            }
        }
        Ok(Some((subject, lines)))
    }

    fn read(&mut self) -> io::Result<Option<String>> {
        loop {
            match self.lines.next().transpose()? {
                None => return Ok(None),
                Some(line) if line.trim().is_empty() => self.line_number += 1,
                Some(line) => {
                    self.line_number += 1;
                    return Ok(Some(line));
                }
            }
        }
    }

    fn malformed(&self) -> io::Error {
        io::Error::new(
            io::ErrorKind::InvalidData,
            format!(
                "line {} is not a canonical N-Triples line with an IRI subject",
                self.line_number
            ),
        )
    }
}

/// `s` of a line `<s> <p> o .`.
fn subject_of(line: &str) -> Option<&str> {
    line.strip_prefix('<')?.split_once("> <").map(|(s, _)| s)
}

/// `p` of a line `<s> <p> o .`.
fn predicate_of(line: &str) -> Option<&str> {
    let (_, rest) = line.split_once("> <")?;
    rest.split_once("> ").map(|(p, _)| p)
}

/// The lexical form of the literal object of a line (`"..."` up to the
/// closing quote, escapes undone by the N-Triples parser).
fn literal_of(line: &str) -> Option<String> {
    let triple = oxttl::NTriplesParser::new()
        .for_slice(line.as_bytes())
        .next()?
        .ok()?;
    match triple.object {
        oxrdf::Term::Literal(l) => Some(l.value().to_owned()),
        _ => None,
    }
}

/// Subjects compare as their N-Triples lines do: as if each ended in `>`.
fn subject_order(a: &str, b: &str) -> std::cmp::Ordering {
    a.bytes().chain([b'>']).cmp(b.bytes().chain([b'>']))
}

/// Which record a subject belongs to, and whether it is the record's own
/// subject (not one of its memberships).
pub(super) fn record_of<'s>(org_prefix: &str, subject: &'s str) -> Option<(&'s str, bool)> {
    let rest = subject.strip_prefix(org_prefix)?;
    match rest.split_once('/') {
        Some((id, _)) => Some((id, false)),
        None => Some((rest, true)),
    }
}

/// What a record's subjects showed so far.
#[derive(Default)]
struct Touched {
    properties: BTreeSet<String>,
}

/// Compares the previous release's `orgs.nt` (none: everything is added)
/// with `graph` (built without `schema:dateModified` on organizations).
pub fn compare(previous: Option<&Path>, graph: &Graph<'_>) -> io::Result<Changes> {
    let org_prefix = format!("{}org/", graph.iris().base);
    let date_modified = schema::DATE_MODIFIED.as_str();
    let mut changes = Changes::default();
    let mut touched: HashMap<String, Touched> = HashMap::new();
    let mut old = previous.map(Previous::open).transpose()?;
    let next_old = |old: &mut Option<Previous>| match old {
        Some(old) => old.next_subject(),
        None => Ok(None),
    };
    let mut new = graph.descriptions().peekable();
    let mut old_next = next_old(&mut old)?;
    let mut text = String::new();

    loop {
        let order = match (&old_next, new.peek()) {
            (None, None) => break,
            (Some(_), None) => std::cmp::Ordering::Less,
            (None, Some(_)) => std::cmp::Ordering::Greater,
            (Some((s, _)), Some(d)) => subject_order(s, d.subject.as_str()),
        };
        match order {
            std::cmp::Ordering::Less => {
                let (subject, lines) = old_next.take().expect("compared");
                removed(&org_prefix, &subject, &lines, &mut changes, &mut touched);
                old_next = next_old(&mut old)?;
            }
            std::cmp::Ordering::Greater => {
                let d = new.next().expect("compared");
                added(&org_prefix, &d, &mut changes, &mut touched);
            }
            std::cmp::Ordering::Equal => {
                let (subject, old_lines) = old_next.take().expect("compared");
                let d = new.next().expect("compared");
                let record = record_of(&org_prefix, &subject);
                let mut carried = None;
                let old_lines: BTreeSet<&str> = old_lines
                    .iter()
                    .map(String::as_str)
                    .filter(|l| {
                        let skip = matches!(record, Some((_, true)))
                            && predicate_of(l) == Some(date_modified);
                        if skip {
                            carried = l.split('"').nth(1).map(str::to_owned);
                        }
                        !skip
                    })
                    .collect();
                text.clear();
                push_description(&mut text, &d);
                let new_lines: BTreeSet<&str> = text.lines().collect();
                let differing: BTreeSet<String> = old_lines
                    .symmetric_difference(&new_lines)
                    .filter_map(|l| predicate_of(l))
                    .map(str::to_owned)
                    .collect();
                match record {
                    Some((id, own)) => {
                        if !differing.is_empty() {
                            let properties = if own {
                                differing
                            } else {
                                BTreeSet::from([schema::MEMBER_OF.as_str().to_owned()])
                            };
                            touched
                                .entry(id.to_owned())
                                .or_default()
                                .properties
                                .extend(properties);
                        }
                        if own {
                            match touched.remove(id) {
                                Some(t) => changes.changed.push(Changed {
                                    id: id.to_owned(),
                                    name: name_in(&d),
                                    properties: t.properties.into_iter().collect(),
                                }),
                                None => {
                                    if let Some(date) = carried {
                                        changes.carried_dates.insert(id.to_owned(), date);
                                    }
                                }
                            }
                        }
                    }
                    None if !differing.is_empty() => changes.other.push(Other {
                        iri: subject,
                        change: Kind::Changed,
                    }),
                    None => {}
                }
                old_next = next_old(&mut old)?;
            }
        }
    }
    changes.added.sort_by(|a, b| a.id.cmp(&b.id));
    changes.removed.sort_by(|a, b| a.id.cmp(&b.id));
    changes.changed.sort_by(|a, b| a.id.cmp(&b.id));
    Ok(changes)
}

fn name_in(d: &Description) -> String {
    d.properties
        .iter()
        .find(|(p, _)| *p == schema::NAME)
        .and_then(|(_, o)| match o {
            oxrdf::Term::Literal(l) => Some(l.value().to_owned()),
            _ => None,
        })
        .unwrap_or_default()
}

fn added(
    org_prefix: &str,
    d: &Description,
    changes: &mut Changes,
    touched: &mut HashMap<String, Touched>,
) {
    match record_of(org_prefix, d.subject.as_str()) {
        Some((id, true)) => {
            touched.remove(id);
            changes.added.push(Record {
                id: id.to_owned(),
                name: name_in(d),
            });
        }
        Some((id, false)) => touch_membership(touched, id),
        None => changes.other.push(Other {
            iri: d.subject.as_str().to_owned(),
            change: Kind::Added,
        }),
    }
}

fn removed(
    org_prefix: &str,
    subject: &str,
    lines: &[String],
    changes: &mut Changes,
    touched: &mut HashMap<String, Touched>,
) {
    match record_of(org_prefix, subject) {
        Some((id, true)) => {
            touched.remove(id);
            let name = lines
                .iter()
                .find(|l| predicate_of(l) == Some(schema::NAME.as_str()))
                .and_then(|l| literal_of(l))
                .unwrap_or_default();
            changes.removed.push(Record {
                id: id.to_owned(),
                name,
            });
        }
        Some((id, false)) => touch_membership(touched, id),
        None => changes.other.push(Other {
            iri: subject.to_owned(),
            change: Kind::Removed,
        }),
    }
}

fn touch_membership(touched: &mut HashMap<String, Touched>, id: &str) {
    touched
        .entry(id.to_owned())
        .or_default()
        .properties
        .insert(schema::MEMBER_OF.as_str().to_owned());
}
