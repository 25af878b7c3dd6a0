//! What each key of the source files holds, once: the checker's lists of known
//! keys ([`check`](super::check)) and the JSON Schema editors read (`orgdir
//! schema`, `/schema/`) are both made from the tables here.
//!
//! The checker reads values with hand-written code (see [`super`] for why not
//! serde), so the schema is kept equal to it by tests rather than by
//! construction: `tests/schema.rs` runs the loader and the shapes beside
//! `check-jsonschema` over every fixture and over cases made from these tables
//! (each key's example, a value of the wrong type, each required key left
//! out), and every file must get the same verdict from both. What a schema
//! cannot say (ids unique across files, references between records, dates
//! compared) is listed in [`BEYOND_A_SCHEMA`] and README.

use serde_json::{Map, Value, json};

/// The JSON Schema dialect written.
pub const DIALECT: &str = "https://json-schema.org/draft/2020-12/schema";

/// One key of a mapping in the source.
#[derive(Debug, Clone, Copy)]
pub struct Key {
    pub name: &'static str,
    pub kind: Kind,
    /// Required by the loader or by the bundled shapes (as a violation).
    pub required: bool,
    /// The RDF property the value becomes, if one: a schema.org local name,
    /// or `prefix:local` for another vocabulary of [`PREFIXES`].
    pub term: Option<&'static str>,
    /// What the key holds, for editors' hovers.
    pub doc: &'static str,
    /// A valid value, as YAML.
    pub example: &'static str,
}

/// What a value must be: what the loader accepts and the bundled shapes do
/// not report as a violation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Lowercase letters, digits and `-`, starting with a letter or digit.
    Slug,
    /// A string with something other than white space.
    Text,
    /// A [`Kind::Text`], or a list of them.
    TextOrTexts,
    /// A list of [`Kind::Text`].
    Texts,
    /// An absolute IRI.
    Iri,
    /// A list of absolute IRIs.
    Iris,
    /// An absolute `http://` or `https://` URL.
    WebUrl,
    /// A [`Kind::WebUrl`] ending in `/`.
    Base,
    /// `YYYY` (a string or a number) or `YYYY-MM-DD`.
    Date,
    /// `YYYY-MM-DD` only.
    Day,
    /// `name@example.org`.
    Email,
    /// `regional`, `national` or `international`.
    Category,
    /// A list of organization ids or of [`MEMBERSHIP`] mappings.
    Memberships,
    /// A [`PUBLISHER`] mapping.
    Publisher,
    /// `withdrawn` or `merged`.
    Status,
}

const SCHEMA: &str = "https://schema.org/";

/// The vocabularies besides schema.org that keys become.
pub const PREFIXES: &[(&str, &str)] = &[
    ("adms", "http://www.w3.org/ns/adms#"),
    ("dcterms", "http://purl.org/dc/terms/"),
    ("skos", "http://www.w3.org/2004/02/skos/core#"),
];

/// A key's [`Key::term`] as `prefix:local` and as an IRI.
pub fn term(term: &str) -> (String, String) {
    match term.split_once(':') {
        Some((prefix, local)) => {
            let (_, ns) = PREFIXES
                .iter()
                .find(|(p, _)| *p == prefix)
                .unwrap_or_else(|| panic!("unknown prefix in `{term}`"));
            (term.to_string(), format!("{ns}{local}"))
        }
        None => (format!("schema:{term}"), format!("{SCHEMA}{term}")),
    }
}

/// The keys of an organization record, in the order the docs list them.
pub const ORGANIZATION: &[Key] = &[
    Key {
        name: "id",
        kind: Kind::Slug,
        required: true,
        term: None,
        doc: "The record's id, unique in the directory: the last segment of its IRI \
              (`{base}org/{id}`), and what `memberOf` and `parentOrganization` name. \
              Never reuse or change an id once published.",
        example: "nmla",
    },
    Key {
        name: "name",
        kind: Kind::Text,
        required: true,
        term: Some("name"),
        doc: "The organization's official name.",
        example: "New Mexico Library Association",
    },
    Key {
        name: "alternateName",
        kind: Kind::TextOrTexts,
        required: false,
        term: Some("alternateName"),
        doc: "Other names: abbreviations, former names, the labels other lists use. \
              Search and reconciliation match them as well as the name.",
        example: "[NMLA]",
    },
    Key {
        name: "description",
        kind: Kind::Text,
        required: false,
        term: Some("description"),
        doc: "What the organization does, in a sentence or a paragraph. The shapes warn when it is missing.",
        example: "The state's association of library workers.",
    },
    Key {
        name: "url",
        kind: Kind::WebUrl,
        required: false,
        term: Some("url"),
        doc: "The organization's website (http:// or https://), checked by `orgdir linkcheck`. \
              The shapes warn when it is missing.",
        example: "https://nmla.org/",
    },
    Key {
        name: "category",
        kind: Kind::Category,
        required: true,
        term: Some("additionalType"),
        doc: "The heading the organization is listed under: `regional`, `national` or `international`.",
        example: "regional",
    },
    Key {
        name: "areaServed",
        kind: Kind::Texts,
        required: false,
        term: Some("areaServed"),
        doc: "The places the organization serves, by name; each becomes a schema:AdministrativeArea.",
        example: "[New Mexico]",
    },
    Key {
        name: "memberOf",
        kind: Kind::Memberships,
        required: false,
        term: Some("memberOf"),
        doc: "The organizations (by id) this one is a member, chapter, division or affiliate of: \
              an id alone, or a mapping {id, roleName, startDate, endDate}, which becomes a \
              schema:OrganizationRole. Each id once.",
        example: "[ala]",
    },
    Key {
        name: "parentOrganization",
        kind: Kind::Slug,
        required: false,
        term: Some("parentOrganization"),
        doc: "The id of the organization this one is part of (a division of its parent).",
        example: "ala",
    },
    Key {
        name: "sameAs",
        kind: Kind::Iris,
        required: false,
        term: Some("sameAs"),
        doc: "IRIs of the same organization elsewhere: Wikidata, ROR, ISNI, VIAF.",
        example: "['http://www.wikidata.org/entity/Q6545543']",
    },
    Key {
        name: "foundingDate",
        kind: Kind::Date,
        required: false,
        term: Some("foundingDate"),
        doc: "When the organization was founded: a year (YYYY) or a day (YYYY-MM-DD).",
        example: "1923",
    },
    Key {
        name: "dissolutionDate",
        kind: Kind::Date,
        required: false,
        term: Some("dissolutionDate"),
        doc: "When the organization was dissolved, if it was: a year (YYYY) or a day (YYYY-MM-DD); \
              not before its foundingDate.",
        example: "2001-06-30",
    },
    Key {
        name: "email",
        kind: Kind::Email,
        required: false,
        term: Some("email"),
        doc: "A contact address for the organization.",
        example: "info@nmla.org",
    },
    Key {
        name: "status",
        kind: Kind::Status,
        required: false,
        term: Some("adms:status"),
        doc: "Retires the record, which keeps its IRI: `merged` (it joined the organization \
              `replacedBy` names; its page stays and says so) or `withdrawn` (it should not have \
              been published, or ended without a successor; its IRI answers 410 Gone with a \
              tombstone). Never delete a published record: retire it. With `statusDate`; \
              `merged` needs `replacedBy`, `withdrawn` needs `statusNote`.",
        example: "merged",
    },
    Key {
        name: "replacedBy",
        kind: Kind::Slug,
        required: false,
        term: Some("dcterms:isReplacedBy"),
        doc: "The id of the organization a merged record joined (`status: merged` only).",
        example: "ala",
    },
    Key {
        name: "statusDate",
        kind: Kind::Day,
        required: false,
        term: Some("dcterms:date"),
        doc: "The day the `status` took effect (YYYY-MM-DD).",
        example: "2020-09-01",
    },
    Key {
        name: "statusNote",
        kind: Kind::Text,
        required: false,
        term: Some("skos:changeNote"),
        doc: "Why the record was retired, shown on its page or tombstone (required with \
              `status: withdrawn`).",
        example: "'Merged into Core: Leadership, Infrastructure, Futures.'",
    },
];

/// The keys of a `memberOf` entry written as a mapping.
pub const MEMBERSHIP: &[Key] = &[
    Key {
        name: "id",
        kind: Kind::Slug,
        required: true,
        term: Some("memberOf"),
        doc: "The id of the organization this one is a member of.",
        example: "ala",
    },
    Key {
        name: "roleName",
        kind: Kind::Text,
        required: false,
        term: Some("roleName"),
        doc: "What kind of member: `chapter`, `division`, `affiliate`...",
        example: "chapter",
    },
    Key {
        name: "startDate",
        kind: Kind::Date,
        required: false,
        term: Some("startDate"),
        doc: "Since when: a year (YYYY) or a day (YYYY-MM-DD); not before either organization was founded.",
        example: "1985",
    },
    Key {
        name: "endDate",
        kind: Kind::Date,
        required: false,
        term: Some("endDate"),
        doc: "Until when, if it ended: a year (YYYY) or a day (YYYY-MM-DD).",
        example: "2010",
    },
];

/// The keys of `dataset.yaml`.
pub const DATASET: &[Key] = &[
    Key {
        name: "id",
        kind: Kind::Slug,
        required: true,
        term: None,
        doc: "A short name for the dataset, used in the names of its dumps and releases.",
        example: "nmsl-professional-organizations",
    },
    Key {
        name: "title",
        kind: Kind::Text,
        required: true,
        term: Some("name"),
        doc: "The dataset's title, shown on every page.",
        example: "Professional Organizations (New Mexico State Library)",
    },
    Key {
        name: "description",
        kind: Kind::Text,
        required: false,
        term: Some("description"),
        doc: "What the dataset lists and for whom.",
        example: "Library professional organizations for the librarians of New Mexico.",
    },
    Key {
        name: "publisher",
        kind: Kind::Publisher,
        required: true,
        term: Some("publisher"),
        doc: "Who publishes the dataset: a mapping {name, url}.",
        example: "{name: New Mexico State Library, url: 'https://nmstatelibrary.org/'}",
    },
    Key {
        name: "base",
        kind: Kind::Base,
        required: true,
        term: None,
        doc: "Where the data is served, ending in `/`: every IRI of the data is minted under it \
              (`{base}org/{id}`), so it must not change once published.",
        example: "https://nmsl-orgs.example.org/",
    },
    Key {
        name: "license",
        kind: Kind::WebUrl,
        required: true,
        term: Some("license"),
        doc: "The URL of the data's licence.",
        example: "https://creativecommons.org/publicdomain/zero/1.0/",
    },
    Key {
        name: "source",
        kind: Kind::WebUrl,
        required: false,
        term: Some("isBasedOn"),
        doc: "The page the data was first taken from.",
        example: "https://nmstatelibrary.org/",
    },
    Key {
        name: "modified",
        kind: Kind::Day,
        required: true,
        term: Some("dateModified"),
        doc: "The day the data last changed (YYYY-MM-DD). The dumps take their dates from it, \
              never from the clock, so two builds of the same data are byte-identical.",
        example: "2026-11-29",
    },
];

/// The keys of `publisher` in `dataset.yaml`.
pub const PUBLISHER: &[Key] = &[
    Key {
        name: "name",
        kind: Kind::Text,
        required: true,
        term: Some("name"),
        doc: "The publisher's name.",
        example: "New Mexico State Library",
    },
    Key {
        name: "url",
        kind: Kind::WebUrl,
        required: false,
        term: Some("url"),
        doc: "The publisher's website.",
        example: "https://nmstatelibrary.org/",
    },
];

/// The rules of the loader and the shapes that no JSON Schema can state,
/// each with a fixture that breaks it (under `tests/fixtures/invalid/`):
/// `tests/schema.rs` checks that check-jsonschema accepts those files and
/// orgdir does not, so this list stays true.
pub const BEYOND_A_SCHEMA: &[(&str, &str)] = &[
    ("duplicate-id", "every id is unique across all the files"),
    (
        "duplicate-membership",
        "an organization is listed once in `memberOf`, whether as an id or as a mapping",
    ),
    (
        "shacl/member-of-unknown",
        "`memberOf` names an organization of the directory",
    ),
    (
        "shacl/parent-unknown",
        "`parentOrganization` names an organization of the directory",
    ),
    (
        "shacl/member-of-itself",
        "an organization is not a member of itself",
    ),
    (
        "shacl/cycle",
        "`parentOrganization` never leads back to itself",
    ),
    (
        "shacl/dissolved-before-founded",
        "`dissolutionDate` is not before `foundingDate`",
    ),
    (
        "shacl/role-before-founding",
        "a membership does not start before the organization was founded",
    ),
    (
        "billion-laughs",
        "aliases copy at most 10,000 nodes in a file (the loader's limits)",
    ),
    ("too-large", "a file is at most 16 MiB (`--max-file-size`)"),
    (
        "replaced-by-itself",
        "a merged record is not replaced by itself",
    ),
    (
        "shacl/replaced-by-unknown",
        "`replacedBy` names an organization of the directory",
    ),
];

/// The schema of a file of organization records (every `*.yaml` of the data
/// directory but `dataset.yaml`).
pub fn organizations() -> Value {
    let mut defs = Map::new();
    let mut record = object(ORGANIZATION, "An organization record.");
    record["allOf"] = status_rules();
    defs.insert("organization".into(), record);
    defs.insert(
        "membership".into(),
        object(
            MEMBERSHIP,
            "A qualified `memberOf` entry: the id with a role and dates.",
        ),
    );
    defs.insert("date".into(), date());
    json!({
        "$schema": DIALECT,
        "title": "orgdir organization records",
        "description": "A file of the data directory: a list of organization records \
                        (`- id: ...`), mapped to schema.org (schema:Organization). \
                        Written by `orgdir schema`.",
        "type": "array",
        "items": {"$ref": "#/$defs/organization"},
        "$defs": defs,
    })
}

/// What the status keys need of each other: `status: merged` needs
/// `replacedBy` and `statusDate`; `status: withdrawn` needs `statusDate` and
/// `statusNote` and has no `replacedBy`; without `status`, none of the
/// three.
fn status_rules() -> Value {
    let status =
        |value: &str| json!({"properties": {"status": {"const": value}}, "required": ["status"]});
    json!([
        {"if": status("merged"), "then": {"required": ["replacedBy", "statusDate"]}},
        {
            "if": status("withdrawn"),
            "then": {"required": ["statusDate", "statusNote"], "not": {"required": ["replacedBy"]}},
        },
        {
            "if": {"not": {"required": ["status"]}},
            "then": {"not": {"anyOf": [
                {"required": ["replacedBy"]},
                {"required": ["statusDate"]},
                {"required": ["statusNote"]},
            ]}},
        },
    ])
}

/// The schema of `dataset.yaml`.
pub fn dataset() -> Value {
    let mut root = object(
        DATASET,
        "The dataset's metadata (`dataset.yaml`), mapped to schema.org (schema:Dataset) \
         and VoID/DCAT. Written by `orgdir schema`.",
    );
    let fields = root.as_object_mut().expect("an object");
    let mut defs = Map::new();
    defs.insert(
        "publisher".into(),
        object(PUBLISHER, "Who publishes the dataset."),
    );
    defs.insert("date".into(), date());
    let mut head = Map::new();
    head.insert("$schema".into(), DIALECT.into());
    head.insert("title".into(), "orgdir dataset metadata".into());
    head.extend(std::mem::take(fields));
    head.insert("$defs".into(), Value::Object(defs));
    Value::Object(head)
}

/// The schemas by the file name they are written and served under.
pub fn files() -> [(&'static str, Value); 2] {
    [
        ("dataset.schema.json", dataset()),
        ("organizations.schema.json", organizations()),
    ]
}

/// A schema as written and served: two-space indented, with a final newline.
pub fn text(schema: &Value) -> Vec<u8> {
    let mut text = serde_json::to_vec_pretty(schema).expect("JSON values serialize");
    text.push(b'\n');
    text
}

/// A mapping with exactly `keys`.
fn object(keys: &[Key], description: &str) -> Value {
    let properties: Map<String, Value> = keys
        .iter()
        .map(|k| (k.name.to_string(), property(k)))
        .collect();
    let required: Vec<&str> = keys.iter().filter(|k| k.required).map(|k| k.name).collect();
    json!({
        "description": description,
        "type": "object",
        "properties": properties,
        "required": required,
        "additionalProperties": false,
    })
}

fn property(key: &Key) -> Value {
    let mut schema = value(key.kind);
    let fields = schema.as_object_mut().expect("an object");
    let (plain, markdown) = match key.term.map(term) {
        Some((curie, iri)) => (
            format!("{}\n\n{iri}", key.doc),
            format!("{}\n\n[{curie}]({iri})", key.doc),
        ),
        None => (key.doc.to_string(), key.doc.to_string()),
    };
    fields.insert("description".into(), plain.into());
    // What VS Code's YAML extension shows on hover, links included.
    fields.insert("markdownDescription".into(), markdown.into());
    let example: Value = crate::source::yaml_value(key.example)
        .unwrap_or_else(|e| panic!("the example of `{}` is YAML: {e}", key.name));
    fields.insert("examples".into(), json!([example]));
    schema
}

/// The printable characters an IRI may not hold (RFC 3987), and white space.
const NOT_IN_IRI: &str = r#"\s<>"{}|\\^`\x00-\x1f\x7f"#;

fn value(kind: Kind) -> Value {
    let text = json!({"type": "string", "pattern": r"\S"});
    let iri = json!({
        "type": "string",
        "format": "iri",
        "pattern": format!("^[A-Za-z][A-Za-z0-9+.-]*:[^{NOT_IN_IRI}]*$"),
    });
    let web_url = |end: &str| {
        json!({
            "type": "string",
            "format": "iri",
            "pattern": format!("^https?://[^/{NOT_IN_IRI}][^{NOT_IN_IRI}]*{end}$"),
        })
    };
    let slug = json!({"type": "string", "pattern": "^[a-z0-9][a-z0-9-]*$"});
    match kind {
        Kind::Slug => slug,
        Kind::Text => text,
        Kind::TextOrTexts => json!({"anyOf": [text, {"type": "array", "items": text}]}),
        Kind::Texts => json!({"type": "array", "items": text}),
        Kind::Iri => iri,
        Kind::Iris => json!({"type": "array", "items": iri}),
        Kind::WebUrl => web_url(""),
        Kind::Base => web_url("/"),
        Kind::Date => json!({"$ref": "#/$defs/date"}),
        Kind::Day => json!({
            "type": "string",
            "pattern": "^[0-9]{4}-[0-9]{2}-[0-9]{2}$",
            "format": "date",
        }),
        Kind::Email => {
            let part = r#"[^@\s<>()\[\]\\,;:"\x00-\x1f\x7f."]+"#;
            json!({
                "type": "string",
                "pattern": format!(r"^[^@\s<>()\[\]\\,;:\x22\x00-\x1f\x7f]+@{part}(\.{part})+$"),
            })
        }
        Kind::Category => json!({
            "type": "string",
            "enum": super::Category::ALL.map(super::Category::slug),
        }),
        Kind::Memberships => json!({
            "type": "array",
            // Catches an id listed twice as a bare id; an id and a mapping
            // with the same id are past what a schema can compare.
            "uniqueItems": true,
            "items": {"anyOf": [slug, {"$ref": "#/$defs/membership"}]},
        }),
        Kind::Publisher => json!({"$ref": "#/$defs/publisher"}),
        Kind::Status => json!({
            "type": "string",
            "enum": super::Status::ALL.map(super::Status::slug),
        }),
    }
}

/// `YYYY`, written as a number or a string, or a real day `YYYY-MM-DD`.
fn date() -> Value {
    json!({
        "anyOf": [
            {"type": "integer", "minimum": 1000, "maximum": 9999},
            {"type": "string", "pattern": "^[0-9]{4}$"},
            {"type": "string", "pattern": "^[0-9]{4}-[0-9]{2}-[0-9]{2}$", "format": "date"},
        ],
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_table_has_unique_keys_and_an_example_that_is_yaml() {
        for table in [ORGANIZATION, MEMBERSHIP, DATASET, PUBLISHER] {
            let mut names: Vec<&str> = table.iter().map(|k| k.name).collect();
            names.sort_unstable();
            names.dedup();
            assert_eq!(names.len(), table.len());
            for key in table {
                crate::source::yaml_value(key.example).unwrap();
            }
        }
    }

    #[test]
    fn the_schemas_name_every_key_and_what_is_required() {
        let orgs = organizations();
        let record = &orgs["$defs"]["organization"];
        assert_eq!(
            record["properties"].as_object().unwrap().len(),
            ORGANIZATION.len()
        );
        assert_eq!(record["required"], json!(["id", "name", "category"]));
        assert_eq!(record["additionalProperties"], json!(false));
        let ds = dataset();
        assert_eq!(ds["$schema"], DIALECT);
        assert_eq!(
            ds["required"],
            json!(["id", "title", "publisher", "base", "license", "modified"])
        );
        assert!(
            ds["properties"]["license"]["markdownDescription"]
                .as_str()
                .unwrap()
                .contains("(https://schema.org/license)")
        );
    }
}
