//! Which URLs a run checks: `--include` and `--exclude` regular expressions
//! (as lychee's), and the ignore file, `.orgdirignore`, one pattern a line
//! (as lychee's `.lycheeignore`), which adds to the excludes.
//!
//! A URL is checked unless it matches an exclude; when includes are given,
//! only URLs matching one of them are checked, and a URL matching both an
//! include and an exclude is checked (includes win, as in lychee).

use std::path::{Path, PathBuf};

use regex::Regex;

use crate::source::{Diagnostic, Pos, SourceError};

/// The ignore file read from the current directory.
pub const IGNORE_FILE: &str = ".orgdirignore";

/// One pattern, with where it was given.
#[derive(Debug, Clone)]
pub struct Pattern {
    pub regex: Regex,
    /// `--exclude`, `--include`, or `.orgdirignore:LINE`.
    pub from: String,
}

#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub include: Vec<Pattern>,
    pub exclude: Vec<Pattern>,
}

/// Why a URL was not checked.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "reason", rename_all = "snake_case")]
pub enum Skip {
    /// It matched an exclude (`pattern`, from `from`).
    Excluded { pattern: String, from: String },
    /// Includes were given and it matched none.
    NotIncluded,
    /// `--offline`, and the history has no result for it.
    Offline,
}

impl Filter {
    /// The filter of `--include` and `--exclude`, with the lines of `ignore`
    /// (if the file exists) added to the excludes. Every bad pattern is
    /// reported, at its line for the file.
    pub fn new(
        include: &[String],
        exclude: &[String],
        ignore: Option<&Path>,
    ) -> Result<Filter, SourceError> {
        let mut diagnostics = Vec::new();
        let flag = |name: &str, patterns: &[String], diagnostics: &mut Vec<Diagnostic>| {
            let mut out = Vec::new();
            for p in patterns {
                match Regex::new(p) {
                    Ok(regex) => out.push(Pattern {
                        regex,
                        from: name.to_owned(),
                    }),
                    Err(e) => diagnostics.push(Diagnostic::file(
                        Path::new(name),
                        format!("`{p}` is not a regular expression: {}", one_line(&e)),
                    )),
                }
            }
            out
        };
        let include = flag("--include", include, &mut diagnostics);
        let mut exclude = flag("--exclude", exclude, &mut diagnostics);
        if let Some(path) = ignore {
            exclude.extend(read_ignore_file(path, &mut diagnostics)?);
        }
        if diagnostics.is_empty() {
            Ok(Filter { include, exclude })
        } else {
            Err(SourceError { diagnostics })
        }
    }

    /// Why `url` is not to be checked, or `None` to check it.
    pub fn skip(&self, url: &str) -> Option<Skip> {
        if self.include.iter().any(|p| p.regex.is_match(url)) {
            return None;
        }
        if let Some(p) = self.exclude.iter().find(|p| p.regex.is_match(url)) {
            return Some(Skip::Excluded {
                pattern: p.regex.as_str().to_owned(),
                from: p.from.clone(),
            });
        }
        (!self.include.is_empty()).then_some(Skip::NotIncluded)
    }
}

/// The patterns of an ignore file: one regular expression a line; blank
/// lines and lines starting with `#` are skipped, and so is a missing file.
fn read_ignore_file(
    path: &Path,
    diagnostics: &mut Vec<Diagnostic>,
) -> Result<Vec<Pattern>, SourceError> {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => {
            return Err(SourceError {
                diagnostics: vec![Diagnostic::file(path, format!("cannot read it: {e}"))],
            });
        }
    };
    let shown = PathBuf::from(crate::fsutil::shown(path));
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let number = u32::try_from(i + 1).unwrap_or(u32::MAX);
        let pattern = line.trim();
        if pattern.is_empty() || pattern.starts_with('#') {
            continue;
        }
        let col = u32::try_from(line.len() - line.trim_start().len() + 1).unwrap_or(1);
        match Regex::new(pattern) {
            Ok(regex) => out.push(Pattern {
                regex,
                from: format!("{}:{number}", shown.display()),
            }),
            Err(e) => diagnostics.push(Diagnostic::at(
                path,
                Pos { line: number, col },
                format!("`{pattern}` is not a regular expression: {}", one_line(&e)),
            )),
        }
    }
    Ok(out)
}

/// Whether `pattern` is a regular expression, and if not, why.
pub fn check_pattern(pattern: &str) -> Result<(), String> {
    Regex::new(pattern)
        .map(|_| ())
        .map_err(|e| format!("not a regular expression: {}", one_line(&e)))
}

/// The regex crate's message, which draws the pattern over several lines.
fn one_line(e: &regex::Error) -> String {
    match e {
        regex::Error::Syntax(s) => s
            .lines()
            .last()
            .unwrap_or(s)
            .trim_start_matches("error: ")
            .to_owned(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn filter(include: &[&str], exclude: &[&str]) -> Filter {
        let strings = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        Filter::new(&strings(include), &strings(exclude), None).unwrap()
    }

    #[test]
    fn excludes_skip_includes_select_and_win() {
        let none = filter(&[], &[]);
        assert_eq!(none.skip("https://a.example/"), None);
        let ex = filter(&[], &["^https://a\\."]);
        assert!(matches!(
            ex.skip("https://a.example/"),
            Some(Skip::Excluded { .. })
        ));
        assert_eq!(ex.skip("https://b.example/"), None);
        let inc = filter(&["b\\.example"], &[]);
        assert_eq!(inc.skip("https://a.example/"), Some(Skip::NotIncluded));
        assert_eq!(inc.skip("https://b.example/"), None);
        let both = filter(&["a\\.example/keep"], &["a\\.example"]);
        assert_eq!(both.skip("https://a.example/keep"), None);
        assert!(matches!(
            both.skip("https://a.example/other"),
            Some(Skip::Excluded { .. })
        ));
        assert_eq!(both.skip("https://c.example/"), Some(Skip::NotIncluded));
    }

    #[test]
    fn the_ignore_file_adds_excludes_and_reports_bad_lines_where_they_are() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(IGNORE_FILE);
        std::fs::write(&path, "# comment\n\n  ^https://old\\.example/\n(unclosed\n").unwrap();
        let e = Filter::new(&[], &["[".into()], Some(&path)).unwrap_err();
        assert_eq!(e.diagnostics.len(), 2);
        assert!(
            e.diagnostics[0]
                .message
                .contains("`[` is not a regular expression")
        );
        assert_eq!(e.diagnostics[1].pos, Some(Pos { line: 4, col: 1 }));
        std::fs::write(&path, "# comment\n\n  ^https://old\\.example/\n").unwrap();
        let f = Filter::new(&[], &[], Some(&path)).unwrap();
        match f.skip("https://old.example/x") {
            Some(Skip::Excluded { from, .. }) => {
                assert!(from.ends_with(".orgdirignore:3"), "{from}")
            }
            other => panic!("{other:?}"),
        }
        // No file: no excludes.
        let f = Filter::new(&[], &[], Some(&dir.path().join("missing"))).unwrap();
        assert_eq!(f.skip("https://old.example/x"), None);
    }
}
