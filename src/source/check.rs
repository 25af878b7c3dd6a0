//! Turns the YAML tree of one file into typed records, collecting every
//! problem it finds instead of stopping at the first.

use std::path::Path;

use oxrdf::NamedNodeRef;

use super::diag::Diagnostic;
use super::model::{
    Category, Dataset, Date, Field, FileId, Membership, Organization, Publisher, Retirement, Role,
    Status, Text,
};
use super::schema;
use super::yaml::{Entry, Node, Pos, Value};

/// The keys of each kind of mapping, from the tables the JSON Schema is made
/// from too.
pub const ORGANIZATION_KEYS: &[&str] =
    &names::<{ schema::ORGANIZATION.len() }>(schema::ORGANIZATION);
const MEMBERSHIP_KEYS: &[&str] = &names::<{ schema::MEMBERSHIP.len() }>(schema::MEMBERSHIP);
const DATASET_KEYS: &[&str] = &names::<{ schema::DATASET.len() }>(schema::DATASET);
const PUBLISHER_KEYS: &[&str] = &names::<{ schema::PUBLISHER.len() }>(schema::PUBLISHER);

const fn names<const N: usize>(keys: &[schema::Key]) -> [&'static str; N] {
    let mut out = [""; N];
    let mut i = 0;
    while i < N {
        out[i] = keys[i].name;
        i += 1;
    }
    out
}

/// A record as far as it could be read.
// Complete is the common case by far; boxing it would cost an allocation per record.
#[allow(clippy::large_enum_variant)]
pub enum Checked {
    Complete(Organization),
    /// A record with problems: its id is kept so that the check for
    /// duplicate ids neither misses it nor reports it twice.
    Partial {
        id: Option<Field<Text>>,
    },
}

/// Checks the values of one file, writing every problem to `diagnostics`.
pub struct Checker<'a> {
    pub path: &'a Path,
    pub diagnostics: &'a mut Vec<Diagnostic>,
}

impl Checker<'_> {
    fn error(&mut self, pos: Pos, message: impl Into<String>) {
        self.diagnostics
            .push(Diagnostic::at(self.path, pos, message));
    }

    fn unknown_key(&mut self, entry: &mut Entry, known: &[&str]) {
        let message = match suggest(&entry.key, known.iter().copied()) {
            Some(s) => format!("unknown key `{}`: did you mean `{s}`?", entry.key),
            None => format!(
                "unknown key `{}`: expected one of {}",
                entry.key,
                known
                    .iter()
                    .map(|k| format!("`{k}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        };
        self.error(entry.key_pos, message);
    }

    fn missing(&mut self, pos: Pos, what: &str, key: &str) {
        self.error(pos, format!("{what} is missing required key `{key}`"));
    }

    fn expected(&mut self, node: &Node, key: &str, expected: &str) {
        self.error(
            node.pos,
            format!("`{key}` must be {expected}, found {}", node.value.kind()),
        );
    }

    /// The string at `node`, moved out of the tree; `key` names it in messages.
    fn string(&mut self, node: &mut Node, key: &str) -> Option<Text> {
        match &mut node.value {
            // Taken, not copied: each value is read once, and the tree is dropped after.
            Value::Str(s) => Some(std::mem::take(s).into_boxed_str()),
            _ => {
                self.expected(node, key, "a string");
                None
            }
        }
    }

    fn text(&mut self, node: &mut Node, key: &str) -> Option<Text> {
        let s = self.string(node, key)?;
        if s.trim().is_empty() {
            self.error(node.pos, format!("`{key}` must not be empty"));
            return None;
        }
        Some(s)
    }

    fn field<T>(
        &mut self,
        entry: &mut Entry,
        read: impl FnOnce(&mut Self, &mut Node, &str) -> Option<T>,
    ) -> Option<Field<T>> {
        let value = read(self, &mut entry.value, &entry.key)?;
        Some(Field {
            value,
            key: entry.key_pos,
            at: entry.value.pos,
        })
    }

    /// A list value: each item read by `read`, the item's own position as its key.
    fn list<T>(
        &mut self,
        entry: &mut Entry,
        mut read: impl FnMut(&mut Self, &mut Node, &str) -> Option<T>,
    ) -> Box<[Field<T>]> {
        let Value::Seq(items) = &mut entry.value.value else {
            self.expected(&entry.value, &entry.key, "a list");
            return Box::default();
        };
        let values: Vec<Field<T>> = items
            .iter_mut()
            .filter_map(|item| {
                let value = read(self, item, &entry.key)?;
                Some(Field {
                    value,
                    key: item.pos,
                    at: item.pos,
                })
            })
            .collect();
        // `collect` through `filter_map` reserves room for four; records are kept
        // for the whole run, so give the spare back.
        values.into_boxed_slice()
    }

    fn slug(&mut self, node: &mut Node, key: &str) -> Option<Text> {
        let s = self.string(node, key)?;
        if !is_slug(&s) {
            self.error(
                node.pos,
                format!(
                    "invalid id `{s}`: use lowercase letters, digits and `-`, \
                     starting with a letter or digit"
                ),
            );
            return None;
        }
        Some(s)
    }

    fn iri(&mut self, node: &mut Node, key: &str) -> Option<Text> {
        let s = self.string(node, key)?;
        match NamedNodeRef::new(&s) {
            Ok(_) => Some(s),
            Err(e) => {
                self.error(node.pos, format!("malformed IRI `{s}` in `{key}`: {e}"));
                None
            }
        }
    }

    fn http_url(&mut self, node: &mut Node, key: &str) -> Option<Text> {
        let s = self.string(node, key)?;
        let problem = match NamedNodeRef::new(&s) {
            Err(e) => Some(e.to_string()),
            Ok(_) if !is_http(&s) => Some("expected an absolute http:// or https:// URL".into()),
            Ok(_) => None,
        };
        match problem {
            Some(p) => {
                self.error(node.pos, format!("malformed URL `{s}` in `{key}`: {p}"));
                None
            }
            None => Some(s),
        }
    }

    fn date(&mut self, node: &mut Node, key: &str) -> Option<Date> {
        let text = match &mut node.value {
            Value::Str(s) => std::mem::take(s),
            Value::Int(i) => i.to_string(),
            _ => {
                self.expected(node, key, "a date (YYYY or YYYY-MM-DD)");
                return None;
            }
        };
        let date = parse_date(&text);
        if date.is_none() {
            self.error(
                node.pos,
                format!("invalid date `{text}` in `{key}`: expected YYYY or YYYY-MM-DD"),
            );
        }
        date
    }

    fn email(&mut self, node: &mut Node, key: &str) -> Option<Text> {
        let s = self.string(node, key)?;
        if !is_email(&s) {
            self.error(
                node.pos,
                format!("invalid email address `{s}`: expected name@example.org"),
            );
            return None;
        }
        Some(s)
    }

    fn category(&mut self, node: &mut Node, key: &str) -> Option<Category> {
        let s = self.string(node, key)?;
        let category = Category::from_slug(&s);
        if category.is_none() {
            let slugs = Category::ALL.map(Category::slug);
            let hint = match suggest(&s, slugs.iter().copied()) {
                Some(m) => format!(": did you mean `{m}`?"),
                None => String::new(),
            };
            self.error(
                node.pos,
                format!(
                    "invalid category `{s}`{hint} (expected `regional`, `national` or `international`)"
                ),
            );
        }
        category
    }

    fn status(&mut self, node: &mut Node, key: &str) -> Option<Status> {
        let s = self.string(node, key)?;
        let status = Status::from_slug(&s);
        if status.is_none() {
            let hint = match suggest(&s, Status::ALL.map(Status::slug)) {
                Some(m) => format!(": did you mean `{m}`?"),
                None => String::new(),
            };
            self.error(
                node.pos,
                format!("invalid status `{s}`{hint} (expected `withdrawn` or `merged`)"),
            );
        }
        status
    }

    /// The retirement of a record from its status keys, each rule reported
    /// where it is broken: `status: merged` needs `replacedBy` and
    /// `statusDate`; `status: withdrawn` needs `statusDate` and `statusNote`
    /// and has no `replacedBy`; without `status`, none of the three.
    fn retirement(
        &mut self,
        pos: Pos,
        entries: &[Entry],
        keys: StatusKeys,
    ) -> Option<Box<Retirement>> {
        let StatusKeys {
            status,
            replaced_by,
            date,
            note,
        } = keys;
        let Some(status) = status else {
            if !has_key(entries, "status") {
                for e in entries
                    .iter()
                    .filter(|e| STATUS_KEYS.contains(&e.key.as_str()))
                {
                    self.error(
                        e.key_pos,
                        format!("`{}` says what became of a retired record: add `status: merged` or `status: withdrawn`", e.key),
                    );
                }
            }
            return None;
        };
        let what = match status.value {
            Status::Merged => "a merged record",
            Status::Withdrawn => "a withdrawn record",
        };
        let mut required = vec!["statusDate"];
        match status.value {
            Status::Merged => required.push("replacedBy"),
            Status::Withdrawn => required.push("statusNote"),
        }
        for key in required {
            if !has_key(entries, key) {
                self.missing(pos, what, key);
            }
        }
        if status.value == Status::Withdrawn
            && let Some(e) = entries.iter().find(|e| e.key == "replacedBy")
        {
            self.error(
                e.key_pos,
                "a withdrawn record has no successor: for a record that joined another, \
                 write `status: merged` with `replacedBy`",
            );
        }
        Some(Box::new(Retirement {
            status,
            replaced_by,
            date: date?,
            note,
        }))
    }

    fn string_or_list(&mut self, entry: &mut Entry) -> Box<[Field<Text>]> {
        match &entry.value.value {
            Value::Seq(_) => self.list(entry, Self::text),
            _ => self.field(entry, Self::text).into_iter().collect(),
        }
    }

    /// Reads one organization record.
    pub fn organization(&mut self, file: FileId, node: &mut Node) -> Checked {
        let Value::Map(entries) = &mut node.value else {
            self.error(
                node.pos,
                format!(
                    "expected an organization record (a mapping of keys to values), found {}",
                    node.value.kind()
                ),
            );
            return Checked::Partial { id: None };
        };
        let pos = entries.first().map_or(node.pos, |e| e.key_pos);
        let (mut id, mut name, mut category) = (None, None, None);
        let mut org = Organization {
            file,
            pos,
            id: Field::default_at(pos),
            name: Field::default_at(pos),
            alternate_names: Box::default(),
            description: None,
            url: None,
            category: Field {
                value: Category::National,
                key: pos,
                at: pos,
            },
            area_served: Box::default(),
            member_of: Box::default(),
            parent: None,
            same_as: Box::default(),
            founding_date: None,
            dissolution_date: None,
            email: None,
            retired: None,
        };
        let mut retirement = StatusKeys::default();
        let before = self.diagnostics.len();
        for entry in entries.iter_mut() {
            match entry.key.as_str() {
                "id" => id = self.field(entry, Self::slug),
                // Empty names and non-http URLs load: the shapes report them
                // (shapes/organization.ttl), at the same key.
                "name" => name = self.field(entry, Self::string),
                "alternateName" => org.alternate_names = self.string_or_list(entry),
                "description" => org.description = self.field(entry, Self::text),
                "url" => org.url = self.field(entry, Self::iri),
                "category" => category = self.field(entry, Self::category),
                "areaServed" => org.area_served = self.list(entry, Self::text),
                "memberOf" => org.member_of = self.memberships(entry),
                "parentOrganization" => org.parent = self.field(entry, Self::slug),
                "sameAs" => org.same_as = self.list(entry, Self::iri),
                "foundingDate" => org.founding_date = self.field(entry, Self::date),
                "dissolutionDate" => org.dissolution_date = self.field(entry, Self::date),
                "email" => org.email = self.field(entry, Self::email),
                "status" => retirement.status = self.field(entry, Self::status),
                "replacedBy" => retirement.replaced_by = self.field(entry, Self::slug),
                "statusDate" => retirement.date = self.field(entry, Self::day),
                "statusNote" => retirement.note = self.field(entry, Self::text),
                _ => self.unknown_key(entry, ORGANIZATION_KEYS),
            }
        }
        if let (Some(id), Some(successor)) = (&id, &retirement.replaced_by)
            && id.value == successor.value
        {
            self.error(
                successor.at,
                format!("`{}` cannot be replaced by itself", id.value),
            );
        }
        org.retired = self.retirement(pos, entries, retirement);
        for (key, present) in [
            ("id", id.is_some() || has_key(entries, "id")),
            ("name", name.is_some() || has_key(entries, "name")),
            (
                "category",
                category.is_some() || has_key(entries, "category"),
            ),
        ] {
            if !present {
                self.missing(pos, "organization record", key);
            }
        }
        if let (Some(id), Some(name), Some(category)) = (&id, &name, category)
            && self.diagnostics.len() == before
        {
            org.id = id.clone();
            org.name = name.clone();
            org.category = category;
            return Checked::Complete(org);
        }
        Checked::Partial { id }
    }

    fn memberships(&mut self, entry: &mut Entry) -> Box<[Membership]> {
        let items = self.list(entry, |c, item, key| c.membership(item, key));
        let mut seen: Vec<&Membership> = Vec::new();
        let mut duplicates = Vec::new();
        for m in items.iter().map(|f| &f.value) {
            match seen.iter().find(|s| s.org.value == m.org.value) {
                Some(first) => duplicates.push((m.pos, m.org.value.clone(), first.pos)),
                None => seen.push(m),
            }
        }
        for (pos, id, first) in duplicates {
            let d = Diagnostic::at(
                self.path,
                pos,
                format!("`{id}` is listed twice in `memberOf`"),
            )
            .with_related(self.path, first, "first listed here");
            self.diagnostics.push(d);
        }
        items.into_iter().map(|f| f.value).collect()
    }

    fn membership(&mut self, node: &mut Node, key: &str) -> Option<Membership> {
        match &mut node.value {
            Value::Str(_) => {
                let id = self.slug(node, key)?;
                Some(Membership {
                    pos: node.pos,
                    org: Field {
                        value: id,
                        key: node.pos,
                        at: node.pos,
                    },
                    role: None,
                })
            }
            Value::Map(entries) => {
                let (mut id, mut role_name, mut start_date, mut end_date) =
                    (None, None, None, None);
                for entry in entries.iter_mut() {
                    match entry.key.as_str() {
                        "id" => id = self.field(entry, Self::slug),
                        "roleName" => role_name = self.field(entry, Self::text),
                        "startDate" => start_date = self.field(entry, Self::date),
                        "endDate" => end_date = self.field(entry, Self::date),
                        _ => self.unknown_key(entry, MEMBERSHIP_KEYS),
                    }
                }
                if id.is_none() && !has_key(entries, "id") {
                    self.missing(node.pos, "`memberOf` entry", "id");
                }
                let qualified = role_name.is_some() || start_date.is_some() || end_date.is_some();
                Some(Membership {
                    pos: node.pos,
                    org: id?,
                    role: qualified.then(|| {
                        Box::new(Role {
                            role_name,
                            start_date,
                            end_date,
                        })
                    }),
                })
            }
            _ => {
                self.expected(
                    node,
                    key,
                    "an organization id or a mapping {id, roleName, startDate, endDate}",
                );
                None
            }
        }
    }

    /// Reads `dataset.yaml`.
    pub fn dataset(&mut self, node: &mut Node) -> Option<Dataset> {
        let Value::Map(entries) = &mut node.value else {
            self.error(
                node.pos,
                format!(
                    "expected the dataset's metadata (a mapping of keys to values), found {}",
                    node.value.kind()
                ),
            );
            return None;
        };
        let pos = entries.first().map_or(node.pos, |e| e.key_pos);
        let (mut id, mut title, mut description, mut publisher) = (None, None, None, None);
        let (mut base, mut license, mut source, mut modified) = (None, None, None, None);
        for entry in entries.iter_mut() {
            match entry.key.as_str() {
                "id" => id = self.field(entry, Self::slug),
                "title" => title = self.field(entry, Self::text),
                "description" => description = self.field(entry, Self::text),
                "publisher" => publisher = self.publisher(entry),
                "base" => base = self.field(entry, Self::base),
                // Web pages, linked from the site: no other scheme.
                "license" => license = self.field(entry, Self::http_url),
                "source" => source = self.field(entry, Self::http_url),
                "modified" => modified = self.field(entry, Self::day),
                _ => self.unknown_key(entry, DATASET_KEYS),
            }
        }
        for (key, value_ok) in [
            ("id", id.is_some()),
            ("title", title.is_some()),
            ("base", base.is_some()),
            ("modified", modified.is_some()),
        ] {
            if !value_ok && !has_key(entries, key) {
                self.missing(pos, "dataset.yaml", key);
            }
        }
        Some(Dataset {
            id: id?,
            title: title?,
            description,
            publisher,
            base: base?,
            license,
            source,
            modified: modified?,
        })
    }

    fn base(&mut self, node: &mut Node, key: &str) -> Option<Text> {
        let s = self.http_url(node, key)?;
        if !s.ends_with('/') {
            self.error(node.pos, format!("`base` must end with `/`, found `{s}`"));
            return None;
        }
        Some(s)
    }

    fn day(&mut self, node: &mut Node, key: &str) -> Option<Date> {
        let date = self.date(node, key)?;
        if date.is_year() {
            self.error(
                node.pos,
                format!("`{key}` must be a full date YYYY-MM-DD, found `{date}`"),
            );
            return None;
        }
        Some(date)
    }

    fn publisher(&mut self, entry: &mut Entry) -> Option<Publisher> {
        let Value::Map(entries) = &mut entry.value.value else {
            self.expected(&entry.value, &entry.key, "a mapping {name, url}");
            return None;
        };
        let (mut name, mut url) = (None, None);
        for e in entries.iter_mut() {
            match e.key.as_str() {
                "name" => name = self.field(e, Self::text),
                "url" => url = self.field(e, Self::http_url),
                _ => self.unknown_key(e, PUBLISHER_KEYS),
            }
        }
        if name.is_none() && !has_key(entries, "name") {
            self.missing(entry.value.pos, "`publisher`", "name");
        }
        Some(Publisher {
            key: entry.key_pos,
            name: name?,
            url,
        })
    }
}

impl<T: Default> Field<T> {
    fn default_at(pos: Pos) -> Self {
        Field {
            value: T::default(),
            key: pos,
            at: pos,
        }
    }
}

/// The keys that qualify `status`.
const STATUS_KEYS: [&str; 3] = ["replacedBy", "statusDate", "statusNote"];

/// A record's status keys, as read.
#[derive(Default)]
struct StatusKeys {
    status: Option<Field<Status>>,
    replaced_by: Option<Field<Text>>,
    date: Option<Field<Date>>,
    note: Option<Field<Text>>,
}

fn has_key(entries: &[Entry], key: &str) -> bool {
    entries.iter().any(|e| e.key == key)
}

/// The closest candidate to a misspelt word, if one is close enough to be meant.
pub fn suggest<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let lower = word.to_lowercase();
    candidates
        .into_iter()
        .map(|c| {
            let d = if c.to_lowercase() == lower {
                0
            } else {
                strsim::levenshtein(&lower, &c.to_lowercase())
            };
            (d, c)
        })
        .filter(|&(d, c)| d <= 2.max(c.len() / 4))
        .min_by_key(|&(d, _)| d)
        .map(|(_, c)| c)
}

pub fn is_slug(s: &str) -> bool {
    let mut bytes = s.bytes();
    matches!(bytes.next(), Some(b'a'..=b'z' | b'0'..=b'9'))
        && bytes.all(|b| matches!(b, b'a'..=b'z' | b'0'..=b'9' | b'-'))
}

fn is_http(s: &str) -> bool {
    let rest = s
        .strip_prefix("https://")
        .or_else(|| s.strip_prefix("http://"));
    rest.is_some_and(|r| !r.is_empty() && !r.starts_with('/'))
}

fn is_email(s: &str) -> bool {
    let Some((local, domain)) = s.split_once('@') else {
        return false;
    };
    !local.is_empty()
        && !domain.contains('@')
        && domain.contains('.')
        && domain.split('.').all(|label| !label.is_empty())
        && !s
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || "<>()[]\\,;:\"".contains(c))
}

/// `YYYY` or `YYYY-MM-DD` with a real month and day.
pub fn parse_date(s: &str) -> Option<Date> {
    let number = |t: &str| {
        t.bytes()
            .all(|b| b.is_ascii_digit())
            .then(|| t.parse::<u16>().ok())
            .flatten()
    };
    // On bytes, after checking they are ASCII: slicing a string at a byte
    // that is inside a character would panic ("1948é08-3" is 10 bytes).
    if !s.is_ascii() {
        return None;
    }
    match s.len() {
        4 => number(s).map(Date::year),
        10 if &s[4..5] == "-" && &s[7..8] == "-" => {
            let (year, month, day) = (number(&s[0..4])?, number(&s[5..7])?, number(&s[8..10])?);
            Date::day(year, u8::try_from(month).ok()?, u8::try_from(day).ok()?)
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests;
