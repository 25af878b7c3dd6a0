//! `orgdir linkcheck --fix`: the `url` of each record whose site moved
//! permanently is rewritten in place, and nothing else: every other byte of
//! the file (comments, order, quoting, spacing) stays as it was. The value is
//! found at the position the loader recorded and replaced in the same
//! quoting style; a value that does not read back as the checked URL (the
//! file changed since it was loaded) is left alone.

use std::collections::BTreeMap;
use std::path::PathBuf;

use super::LinkcheckError;
use super::Report;
use super::status::Status;
use crate::fsutil::FsError;

/// One change made (or refused).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    pub file: PathBuf,
    pub line: u32,
    pub col: u32,
    pub old: String,
    pub new: String,
}

/// A change not made, and why.
pub type Refused = (Change, String);

/// Rewrites the files; returns what changed and what could not be, with why.
pub fn apply(report: &Report) -> Result<(Vec<Change>, Vec<Refused>), LinkcheckError> {
    let mut by_file: BTreeMap<PathBuf, Vec<Change>> = BTreeMap::new();
    for entry in &report.results {
        let Some(new) = entry.outcome.suggested_url.as_ref() else {
            continue;
        };
        if entry.outcome.status != Status::Redirected {
            continue;
        }
        for u in entry.uses.iter().filter(|u| u.key == "url") {
            by_file.entry(u.file.clone()).or_default().push(Change {
                file: u.file.clone(),
                line: u.line,
                col: u.col,
                old: entry.outcome.url.clone(),
                new: new.clone(),
            });
        }
    }
    let (mut done, mut refused) = (Vec::new(), Vec::new());
    for (file, mut changes) in by_file {
        // Read and rewritten under the file's lock: another --fix waits.
        let _lock = crate::fsutil::lock::lock(&file)?;
        let text = std::fs::read_to_string(&file).map_err(FsError::io("read", &file))?;
        let mut lines: Vec<String> = text.split_inclusive('\n').map(str::to_owned).collect();
        // Later positions first, so earlier ones stay where they were.
        changes.sort_by_key(|c| std::cmp::Reverse((c.line, c.col)));
        let mut changed = false;
        for change in changes {
            let Some(line) = lines.get_mut((change.line as usize).wrapping_sub(1)) else {
                refused.push((change, "the line is gone".into()));
                continue;
            };
            match replace_scalar(line, change.col as usize, &change.old, &change.new) {
                Ok(edited) => {
                    *line = edited;
                    changed = true;
                    done.push(change);
                }
                Err(why) => refused.push((change, why)),
            }
        }
        if changed {
            crate::fsutil::write_atomic(&file, lines.concat().as_bytes())?;
        }
    }
    done.sort_by(|a, b| (&a.file, a.line).cmp(&(&b.file, b.line)));
    Ok((done, refused))
}

/// `line` with the scalar at character column `col` (1-based), which must
/// read as `old`, replaced by `new` in the same style.
fn replace_scalar(line: &str, col: usize, old: &str, new: &str) -> Result<String, String> {
    let start = line
        .char_indices()
        .nth(col.checked_sub(1).ok_or("the column is 0")?)
        .map(|(i, _)| i)
        .ok_or("the column is past the end of the line")?;
    let rest = &line[start..];
    let (len, value, style) = match rest.chars().next() {
        Some('"') => {
            let mut value = String::new();
            let mut chars = rest.char_indices().skip(1);
            let mut end = None;
            while let Some((i, c)) = chars.next() {
                match c {
                    '"' => {
                        end = Some(i + 1);
                        break;
                    }
                    '\\' => match chars.next() {
                        Some((_, '"')) => value.push('"'),
                        Some((_, '\\')) => value.push('\\'),
                        Some((_, '/')) => value.push('/'),
                        _ => return Err("an escape sequence in the value".into()),
                    },
                    c => value.push(c),
                }
            }
            (
                end.ok_or("a quoted value that goes on past the line")?,
                value,
                '"',
            )
        }
        Some('\'') => {
            let mut value = String::new();
            let mut end = None;
            let bytes: Vec<(usize, char)> = rest.char_indices().skip(1).collect();
            let mut k = 0;
            while k < bytes.len() {
                let (i, c) = bytes[k];
                if c == '\'' {
                    if bytes.get(k + 1).is_some_and(|(_, n)| *n == '\'') {
                        value.push('\'');
                        k += 2;
                        continue;
                    }
                    end = Some(i + 1);
                    break;
                }
                value.push(c);
                k += 1;
            }
            (
                end.ok_or("a quoted value that goes on past the line")?,
                value,
                '\'',
            )
        }
        _ => {
            let end = rest
                .find(" #")
                .or_else(|| rest.find(['\r', '\n']))
                .unwrap_or(rest.len());
            let value = rest[..end].trim_end();
            (value.len(), value.to_owned(), ' ')
        }
    };
    if value != old {
        return Err(format!("the value reads `{value}`, not the URL checked"));
    }
    let replacement = match style {
        '\'' => format!("'{}'", new.replace('\'', "''")),
        ' ' if plain_is_safe(new) => new.to_owned(),
        // Double-quoted, as it was, or because a plain scalar would not do.
        _ => format!("\"{}\"", new.replace('\\', "\\\\").replace('"', "\\\"")),
    };
    Ok(format!("{}{}{}", &line[..start], replacement, &rest[len..]))
}

/// Whether a URL can be written as a plain YAML scalar on a `key: value` line.
fn plain_is_safe(s: &str) -> bool {
    !s.is_empty()
        && !s.contains(" #")
        && !s.contains(": ")
        && !s.ends_with(':')
        && !s.starts_with(|c: char| "!&*-?[]{},#|>@`\"'% ".contains(c))
        && !s.chars().any(char::is_control)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_style_is_kept() {
        let r = |line: &str, col| replace_scalar(line, col, "http://a/", "https://b/x");
        assert_eq!(r("  url: http://a/\n", 8).unwrap(), "  url: https://b/x\n");
        assert_eq!(
            r("  url: http://a/   # moved?\n", 8).unwrap(),
            "  url: https://b/x   # moved?\n"
        );
        assert_eq!(
            r("  url: \"http://a/\" # c\n", 8).unwrap(),
            "  url: \"https://b/x\" # c\n"
        );
        assert_eq!(
            r("  url: 'http://a/'\r\n", 8).unwrap(),
            "  url: 'https://b/x'\r\n"
        );
        assert!(
            r("- {url: http://a/}\n", 9).is_err(),
            "flow: the value reads `http://a/}}`"
        );
        assert!(r("  url: http://other/\n", 8).is_err());
        assert_eq!(
            replace_scalar("  url: http://a/\n", 8, "http://a/", "https://b/#frag here").unwrap(),
            "  url: https://b/#frag here\n"
        );
        assert_eq!(
            replace_scalar("  url: http://a/\n", 8, "http://a/", "https://b/ #x").unwrap(),
            "  url: \"https://b/ #x\"\n"
        );
        assert_eq!(
            replace_scalar("  url: 'http://it''s/'\n", 8, "http://it's/", "http://b/").unwrap(),
            "  url: 'http://b/'\n"
        );
    }
}
