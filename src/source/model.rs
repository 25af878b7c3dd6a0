//! The checked source: dataset metadata and organization records, each value
//! with the position of its key and of itself, so that later stages (SHACL
//! validation, link checking) can point at the exact YAML line.

use std::fmt;
use std::path::{Path, PathBuf};

pub use super::yaml::Pos;

/// Index of a file in [`Source::files`].
pub type FileId = u32;

/// A value read from YAML, with where its key and the value itself stand.
#[derive(Debug, Clone, PartialEq, Eq)]
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

/// `YYYY` or `YYYY-MM-DD`, checked to be a real date, kept in its lexical form.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Date {
    Year(String),
    Day(String),
}

impl Date {
    pub fn as_str(&self) -> &str {
        match self {
            Date::Year(s) | Date::Day(s) => s,
        }
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// `data/dataset.yaml`.
#[derive(Debug, Clone)]
pub struct Dataset {
    pub id: Field<String>,
    pub title: Field<String>,
    pub description: Option<Field<String>>,
    pub publisher: Option<Publisher>,
    /// Absolute IRI ending in `/`; every IRI of the data is minted under it.
    pub base: Field<String>,
    pub license: Option<Field<String>>,
    pub source: Option<Field<String>>,
    /// `YYYY-MM-DD`: the date of the data's last change.
    pub modified: Field<Date>,
}

#[derive(Debug, Clone)]
pub struct Publisher {
    pub key: Pos,
    pub name: Field<String>,
    pub url: Option<Field<String>>,
}

/// One organization record.
#[derive(Debug, Clone)]
pub struct Organization {
    pub file: FileId,
    /// Where the record starts (its first key).
    pub pos: Pos,
    pub id: Field<String>,
    pub name: Field<String>,
    pub alternate_names: Vec<Field<String>>,
    pub description: Option<Field<String>>,
    pub url: Option<Field<String>>,
    pub category: Field<Category>,
    pub area_served: Vec<Field<String>>,
    pub member_of: Vec<Membership>,
    pub parent: Option<Field<String>>,
    pub same_as: Vec<Field<String>>,
    pub founding_date: Option<Field<Date>>,
    pub dissolution_date: Option<Field<Date>>,
    pub email: Option<Field<String>>,
}

/// A `memberOf` entry: the organization's id, with an optional qualified role.
#[derive(Debug, Clone)]
pub struct Membership {
    /// The list item.
    pub pos: Pos,
    pub org: Field<String>,
    pub role_name: Option<Field<String>>,
    pub start_date: Option<Field<Date>>,
    pub end_date: Option<Field<Date>>,
}

impl Membership {
    /// Whether the entry says more than "member of": it then gets a role node.
    pub fn is_qualified(&self) -> bool {
        self.role_name.is_some() || self.start_date.is_some() || self.end_date.is_some()
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
