//! The checked source: dataset metadata and organization records, each value
//! with the position of its key and of itself, so that later stages (SHACL
//! validation, link checking) can point at the exact YAML line.

use std::fmt;
use std::path::{Path, PathBuf};

pub use super::yaml::Pos;

/// Index of a file in [`Source::files`].
pub type FileId = u32;

/// A string from the source. `Box<str>` rather than `String`: records are
/// never edited, and at a million records the spare capacity adds up.
pub type Text = Box<str>;

/// A value read from YAML, with where its key and the value itself stand.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Field<T> {
    pub value: T,
    /// The key (`url:`), or for a list item the item itself.
    pub key: Pos,
    /// The value.
    pub at: Pos,
}

/// A file the source was read from.
#[derive(Debug, Clone)]
pub struct SourceFile {
    /// The path as the user would write it (joined to `--data`).
    pub path: PathBuf,
}

/// The heading an organization is listed under.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Category {
    Regional,
    National,
    International,
}

impl Category {
    pub const ALL: [Category; 3] = [
        Category::Regional,
        Category::National,
        Category::International,
    ];

    pub fn slug(self) -> &'static str {
        match self {
            Category::Regional => "regional",
            Category::National => "national",
            Category::International => "international",
        }
    }

    /// The heading of the directory page this category stands for.
    pub fn label(self) -> &'static str {
        match self {
            Category::Regional => "Regional Organizations",
            Category::National => "National Organizations",
            Category::International => "International Organizations",
        }
    }

    pub fn from_slug(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.slug() == s)
    }
}

/// `YYYY` or `YYYY-MM-DD`, checked to be a real date. Four bytes: a record
/// holds several and a directory may hold a million records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date {
    year: u16,
    /// 0 for a year alone.
    month: u8,
    day: u8,
}

impl Date {
    pub fn year(year: u16) -> Self {
        Date {
            year,
            month: 0,
            day: 0,
        }
    }

    /// A calendar day; `None` if it does not exist.
    pub fn day(year: u16, month: u8, day: u8) -> Option<Self> {
        let leap =
            year.is_multiple_of(4) && (!year.is_multiple_of(100) || year.is_multiple_of(400));
        let days = match month {
            1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
            4 | 6 | 9 | 11 => 30,
            2 if leap => 29,
            2 => 28,
            _ => return None,
        };
        (year <= 9999 && (1..=days).contains(&day)).then_some(Date { year, month, day })
    }

    /// Whether this is a year alone (`xsd:gYear`) rather than a day (`xsd:date`).
    pub fn is_year(self) -> bool {
        self.month == 0
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_year() {
            write!(f, "{:04}", self.year)
        } else {
            write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
        }
    }
}

/// `data/dataset.yaml`.
#[derive(Debug, Clone)]
pub struct Dataset {
    pub id: Field<Text>,
    pub title: Field<Text>,
    pub description: Option<Field<Text>>,
    pub publisher: Option<Publisher>,
    /// Absolute IRI ending in `/`; every IRI of the data is minted under it.
    pub base: Field<Text>,
    pub license: Option<Field<Text>>,
    pub source: Option<Field<Text>>,
    /// `YYYY-MM-DD`: the date of the data's last change.
    pub modified: Field<Date>,
}

#[derive(Debug, Clone)]
pub struct Publisher {
    pub key: Pos,
    pub name: Field<Text>,
    pub url: Option<Field<Text>>,
}

/// One organization record. Lists are boxed slices: records are never
/// extended, and a million of them make the spare `Vec` fields add up.
#[derive(Debug, Clone)]
pub struct Organization {
    pub file: FileId,
    /// Where the record starts (its first key).
    pub pos: Pos,
    pub id: Field<Text>,
    pub name: Field<Text>,
    pub alternate_names: Box<[Field<Text>]>,
    pub description: Option<Field<Text>>,
    pub url: Option<Field<Text>>,
    pub category: Field<Category>,
    pub area_served: Box<[Field<Text>]>,
    pub member_of: Box<[Membership]>,
    pub parent: Option<Field<Text>>,
    pub same_as: Box<[Field<Text>]>,
    pub founding_date: Option<Field<Date>>,
    pub dissolution_date: Option<Field<Date>>,
    pub email: Option<Field<Text>>,
    /// Withdrawn or merged: the record is retired but keeps its IRI. Boxed:
    /// few records are.
    pub retired: Option<Box<Retirement>>,
}

impl Organization {
    /// The ids this record names: `memberOf` targets, `parentOrganization`
    /// and `replacedBy`.
    pub fn references(&self) -> impl Iterator<Item = (&'static str, &Field<Text>)> {
        let members = self.member_of.iter().map(|m| ("memberOf", &m.org));
        let successor = self.retired.as_ref().and_then(|r| r.replaced_by.as_ref());
        members
            .chain(self.parent.iter().map(|p| ("parentOrganization", p)))
            .chain(successor.map(|s| ("replacedBy", s)))
    }

    /// Whether the record is withdrawn: its IRI answers 410 Gone.
    pub fn is_withdrawn(&self) -> bool {
        self.retired
            .as_ref()
            .is_some_and(|r| r.status.value == Status::Withdrawn)
    }
}

/// What became of a retired record: `status`, `replacedBy`, `statusDate`,
/// `statusNote`.
#[derive(Debug, Clone)]
pub struct Retirement {
    pub status: Field<Status>,
    /// The successor's id (a merged record's; never a withdrawn one's).
    pub replaced_by: Option<Field<Text>>,
    /// The day the status took effect.
    pub date: Field<Date>,
    /// Why (required for a withdrawn record).
    pub note: Option<Field<Text>>,
}

/// Why a record is retired.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Status {
    /// It should not have been published, or the organization is gone
    /// without a successor: the IRI answers 410 Gone with a tombstone.
    Withdrawn,
    /// It joined another (`replacedBy`): the IRI keeps its page, which
    /// says so first.
    Merged,
}

impl Status {
    pub const ALL: [Status; 2] = [Status::Withdrawn, Status::Merged];

    pub fn slug(self) -> &'static str {
        match self {
            Status::Withdrawn => "withdrawn",
            Status::Merged => "merged",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Status::Withdrawn => "Withdrawn",
            Status::Merged => "Merged",
        }
    }

    pub fn from_slug(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.slug() == s)
    }
}

/// A `memberOf` entry: the organization's id, with an optional qualified role.
#[derive(Debug, Clone)]
pub struct Membership {
    /// The list item.
    pub pos: Pos,
    pub org: Field<Text>,
    /// Boxed: most memberships are a bare id.
    pub role: Option<Box<Role>>,
}

/// What a qualified membership says beyond "member of".
#[derive(Debug, Clone, Default)]
pub struct Role {
    pub role_name: Option<Field<Text>>,
    pub start_date: Option<Field<Date>>,
    pub end_date: Option<Field<Date>>,
}

impl Membership {
    /// Whether the entry says more than "member of": it then gets a role node.
    pub fn is_qualified(&self) -> bool {
        self.role.is_some()
    }
}

/// Everything loaded from the data directory.
#[derive(Debug, Clone)]
pub struct Source {
    /// The data directory.
    pub root: PathBuf,
    /// Every file read, `dataset.yaml` first; indexed by [`FileId`].
    pub files: Vec<SourceFile>,
    pub dataset: Dataset,
    /// Records in file order, then in order within each file.
    pub organizations: Vec<Organization>,
}

impl Source {
    pub fn path(&self, file: FileId) -> &Path {
        &self.files[file as usize].path
    }
}
