//! A release's change list in three forms: `changes.md` for people,
//! `changes.ttl` for machines (schema.org actions; README documents the
//! vocabulary), `changes.json` for harvesters that only want ids.

use std::fmt::Write as _;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;

use oxrdf::{Literal, NamedNode};
use sha2::{Digest, Sha256};

use super::ReleaseError;
use super::changes::{Changes, Kind};
use super::{CHANGES_JSON, CHANGES_MD, CHANGES_TTL, FileInfo};
use crate::fsutil::FsError;
use crate::rdf::dump::{DumpFormat, hex};
use crate::rdf::mapping::Builder;
use crate::rdf::vocab::{chg, rdf, schema, xsd};
use crate::rdf::{Description, Iris};
use crate::source::Date;

pub struct Release<'a> {
    pub version: &'a str,
    pub date: Date,
    pub previous: Option<&'a str>,
    pub previous_date: Option<&'a str>,
    pub iris: Iris<'a>,
}

impl Release<'_> {
    fn iri(&self, version: &str) -> String {
        format!("{}/release/{version}", self.iris.dataset())
    }
}

/// `schema:url` -> `url`; other IRIs whole.
fn short(property: &str) -> &str {
    property.strip_prefix(schema::NS).unwrap_or(property)
}

pub fn change_files(
    release: &Release<'_>,
    changes: &Changes,
    dir: &Path,
) -> Result<(), ReleaseError> {
    let md = markdown(release, changes);
    let path = dir.join(CHANGES_MD);
    std::fs::write(&path, md).map_err(FsError::io("write", &path))?;

    let path = dir.join(CHANGES_JSON);
    let json = serde_json::json!({
        "version": release.version,
        "date": release.date.to_string(),
        "previous": release.previous,
        "added": changes.added,
        "removed": changes.removed,
        "changed": changes.changed,
        "other": changes.other,
    });
    let file = File::create(&path).map_err(FsError::io("create", &path))?;
    let mut out = BufWriter::new(file);
    serde_json::to_writer_pretty(&mut out, &json)
        .map_err(|e| FsError::io("write", &path)(e.into()))?;
    out.flush().map_err(FsError::io("write", &path))?;

    let path = dir.join(CHANGES_TTL);
    let file = File::create(&path).map_err(FsError::io("create", &path))?;
    let mut out = BufWriter::new(file);
    let mut w = DumpFormat::Turtle
        .writer(&mut out, release.iris)
        .map_err(FsError::io("write", &path))?;
    for d in descriptions(release, changes) {
        w.write(&d).map_err(FsError::io("write", &path))?;
    }
    w.finish().map_err(FsError::io("write", &path))?;
    Ok(())
}

fn markdown(release: &Release<'_>, changes: &Changes) -> String {
    let mut md = format!(
        "# Changes in release {} ({})\n\n",
        release.version, release.date
    );
    match (release.previous, release.previous_date) {
        (Some(p), Some(d)) => {
            let _ = write!(md, "Against release {p} ({d}): ");
        }
        (Some(p), None) => {
            let _ = write!(md, "Against release {p}: ");
        }
        (None, _) => md.push_str("The first release: "),
    }
    let _ = writeln!(
        md,
        "{} added, {} removed, {} changed.",
        changes.added.len(),
        changes.removed.len(),
        changes.changed.len()
    );
    let section = |md: &mut String, title: &str, n: usize| {
        if n > 0 {
            let _ = write!(md, "\n## {title} ({n})\n\n");
        }
    };
    section(&mut md, "Added", changes.added.len());
    for r in &changes.added {
        let _ = writeln!(md, "- `{}` {}", r.id, r.name);
    }
    section(&mut md, "Removed", changes.removed.len());
    for r in &changes.removed {
        let _ = writeln!(md, "- `{}` {}", r.id, r.name);
    }
    section(&mut md, "Changed", changes.changed.len());
    for c in &changes.changed {
        let properties: Vec<&str> = c.properties.iter().map(|p| short(p)).collect();
        let _ = writeln!(md, "- `{}` {}: {}", c.id, c.name, properties.join(", "));
    }
    section(&mut md, "Other resources", changes.other.len());
    for o in &changes.other {
        let what = match o.change {
            Kind::Added => "added",
            Kind::Removed => "removed",
            Kind::Changed => "changed",
        };
        let _ = writeln!(md, "- {what}: <{}>", o.iri);
    }
    md
}

fn descriptions(release: &Release<'_>, changes: &Changes) -> Vec<Description> {
    let node = |iri: String| NamedNode::new_unchecked(iri);
    let count = |n: usize| Literal::new_typed_literal(n.to_string(), xsd::INTEGER);
    let this = release.iri(release.version);
    let mut out = Vec::new();

    let mut d = Builder::default();
    d.iri(rdf::TYPE, schema::DATASET.into_owned());
    d.string(schema::VERSION, release.version);
    d.date(schema::DATE_PUBLISHED, release.date);
    d.iri(schema::IS_PART_OF, node(release.iris.dataset()));
    if let Some(p) = release.previous {
        d.iri(chg::PREVIOUS_RELEASE, node(release.iri(p)));
    }
    d.literal(chg::ADDED, count(changes.added.len()));
    d.literal(chg::REMOVED, count(changes.removed.len()));
    d.literal(chg::CHANGED, count(changes.changed.len()));
    out.push(d.finish(node(this.clone())));

    let action = |kind: oxrdf::NamedNodeRef<'static>, id: &str, name: &str| {
        let mut d = Builder::default();
        d.iri(rdf::TYPE, kind.into_owned());
        d.iri(schema::OBJECT, node(release.iris.organization(id)));
        d.iri(schema::TARGET_COLLECTION, node(this.clone()));
        d.string(schema::NAME, name);
        d
    };
    let change_iri = |id: &str| node(format!("{this}/change/{id}"));
    for r in &changes.added {
        out.push(action(schema::ADD_ACTION, &r.id, &r.name).finish(change_iri(&r.id)));
    }
    for r in &changes.removed {
        out.push(action(schema::DELETE_ACTION, &r.id, &r.name).finish(change_iri(&r.id)));
    }
    for c in &changes.changed {
        let mut d = action(schema::UPDATE_ACTION, &c.id, &c.name);
        for p in &c.properties {
            d.iri(chg::PROPERTY, node(p.clone()));
        }
        out.push(d.finish(change_iri(&c.id)));
    }
    for (i, o) in changes.other.iter().enumerate() {
        let mut d = Builder::default();
        let kind = match o.change {
            Kind::Added => schema::ADD_ACTION,
            Kind::Removed => schema::DELETE_ACTION,
            Kind::Changed => schema::UPDATE_ACTION,
        };
        d.iri(rdf::TYPE, kind.into_owned());
        d.iri(schema::OBJECT, node(o.iri.clone()));
        d.iri(schema::TARGET_COLLECTION, node(this.clone()));
        out.push(d.finish(node(format!("{this}/change/other-{}", i + 1))));
    }
    out
}

/// Name, size and SHA-256 of every file in `dir`, by name.
pub fn file_infos(dir: &Path) -> Result<Vec<FileInfo>, ReleaseError> {
    // The dumps' hashes are in SHA256SUMS already: no need to read them again.
    let sums_path = dir.join(crate::dist::SUMS_FILE);
    let sums = std::fs::read_to_string(&sums_path).map_err(FsError::io("read", &sums_path))?;
    let known: std::collections::HashMap<&str, &str> = sums
        .lines()
        .filter_map(|l| l.split_once("  ").map(|(sha, name)| (name, sha)))
        .collect();
    let mut infos = Vec::new();
    for path in crate::fsutil::files(dir).map_err(FsError::from)? {
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let bytes = std::fs::metadata(&path)
            .map_err(FsError::io("read", &path))?
            .len();
        let sha256 = match known.get(name.as_str()) {
            Some(sha) => (*sha).to_owned(),
            None => {
                let content = std::fs::read(&path).map_err(FsError::io("read", &path))?;
                hex(&Sha256::digest(&content))
            }
        };
        infos.push(FileInfo {
            name,
            bytes,
            sha256,
        });
    }
    infos.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(infos)
}
