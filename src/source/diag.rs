//! Diagnostics about the source: what is wrong, in which file, on which line
//! and column, rendered like a compiler error with the offending line shown.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use super::yaml::Pos;

/// One problem in the source data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    pub path: PathBuf,
    /// Unknown for problems with the file as a whole (it cannot be read).
    pub pos: Option<Pos>,
    pub message: String,
    /// A second place the message refers to (the first definition of a duplicate).
    pub related: Option<Related>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Related {
    pub path: PathBuf,
    pub pos: Pos,
    pub label: String,
}

impl Diagnostic {
    pub fn at(path: &Path, pos: Pos, message: impl Into<String>) -> Self {
        Diagnostic {
            path: path.to_owned(),
            pos: Some(pos),
            message: message.into(),
            related: None,
        }
    }

    pub fn file(path: &Path, message: impl Into<String>) -> Self {
        Diagnostic {
            path: path.to_owned(),
            pos: None,
            message: message.into(),
            related: None,
        }
    }

    pub fn with_related(mut self, path: &Path, pos: Pos, label: impl Into<String>) -> Self {
        self.related = Some(Related {
            path: path.to_owned(),
            pos,
            label: label.into(),
        });
        self
    }

    /// `FILE:LINE:COL: message`, the first line of the rendering.
    pub fn headline(&self) -> String {
        let path = crate::fsutil::shown(&self.path);
        let message = shortened(&self.message);
        match self.pos {
            Some(p) => format!("{path}:{}:{}: {message}", p.line, p.col),
            None => format!("{path}: {message}"),
        }
    }
}

/// A message with its control characters escaped, cut to a few hundred
/// characters (a message may quote a value from the file).
fn shortened(message: &str) -> String {
    const MOST: usize = 300;
    let message = crate::fsutil::escaped(message);
    if message.chars().count() <= MOST {
        return message;
    }
    let cut: String = message.chars().take(MOST).collect();
    format!("{cut}… ({} characters in all)", message.chars().count())
}

/// Renders diagnostics with the source line under each, reading each file
/// once (the loader keeps no file text in memory once a file is checked).
pub fn render(diagnostics: &[Diagnostic]) -> String {
    let mut lines = LineCache::default();
    let mut out = String::new();
    for d in diagnostics {
        out.push_str("error: ");
        out.push_str(&d.headline());
        out.push('\n');
        if let Some(pos) = d.pos {
            snippet(&mut out, lines.get(&d.path, pos.line), pos, None);
        }
        if let Some(r) = &d.related {
            let _ = writeln!(
                out,
                "  {}:{}:{}: {}",
                crate::fsutil::shown(&r.path),
                r.pos.line,
                r.pos.col,
                r.label
            );
            snippet(&mut out, lines.get(&r.path, r.pos.line), r.pos, None);
        }
        out.push('\n');
    }
    out
}

/// The widest source line shown: a longer one is cut to a window around the
/// column, so a 5 MB line is not echoed.
const SHOWN_WIDTH: usize = 160;

pub(crate) fn snippet(out: &mut String, line: Option<&str>, pos: Pos, label: Option<&str>) {
    let Some(text) = line else { return };
    let number = pos.line.to_string();
    let pad = " ".repeat(number.len());
    let mut col = pos.col.max(1) as usize - 1;
    let length = text.chars().count();
    let shown: String = if length > SHOWN_WIDTH {
        let start = col.saturating_sub(SHOWN_WIDTH / 4).min(length);
        let window: String = text.chars().skip(start).take(SHOWN_WIDTH).collect();
        let before = if start > 0 { "…" } else { "" };
        let after = if start + SHOWN_WIDTH < length {
            "…"
        } else {
            ""
        };
        col = col - start + usize::from(start > 0);
        format!("{before}{window}{after}")
    } else {
        text.to_owned()
    };
    // Control characters are escaped (tabs kept: the caret line copies them).
    let mut text = String::with_capacity(shown.len());
    for c in shown.chars() {
        if c != '\t' && c.is_control() {
            text.extend(c.escape_default());
        } else {
            text.push(c);
        }
    }
    let indent: String = text
        .chars()
        .take(col)
        .map(|c| if c == '\t' { '\t' } else { ' ' })
        .collect();
    let width = token_width(text.chars().skip(col).collect::<String>().as_str()).min(SHOWN_WIDTH);
    let _ = writeln!(out, "{pad} |");
    let _ = writeln!(out, "{number} | {text}");
    let _ = writeln!(
        out,
        "{pad} | {indent}{}{}",
        "^".repeat(width),
        label.map(|l| format!(" {l}")).unwrap_or_default()
    );
}

/// How many characters of `rest` the underline should cover: a quoted scalar
/// to its closing quote, a key to its colon, a plain scalar to the end of the
/// line or a trailing comment.
fn token_width(rest: &str) -> usize {
    let mut chars = rest.char_indices();
    let width = match chars.next() {
        Some((_, q @ ('"' | '\''))) => chars
            .find(|&(_, c)| c == q)
            .map(|(i, _)| rest[..=i].chars().count())
            .unwrap_or_else(|| rest.trim_end().chars().count()),
        Some(_) => {
            let end = [rest.find(": "), rest.find(" #")]
                .into_iter()
                .flatten()
                .min()
                .unwrap_or(rest.len());
            let token = rest[..end].trim_end();
            let token = token.strip_suffix(':').unwrap_or(token);
            token.chars().count()
        }
        None => 1,
    };
    width.max(1)
}

#[derive(Default)]
pub(crate) struct LineCache {
    /// Each file read once: its text and where each line starts. (A `Vec`
    /// of lines as `String`s cost a text report of 100,000 results on 43 MB
    /// of YAML 1.4 million allocations.)
    files: Vec<(String, Vec<usize>)>,
    by_path: HashMap<PathBuf, usize>,
    /// The file asked for last: results come file by file, so most lookups
    /// compare one path instead of hashing it (component by component).
    last: Option<(PathBuf, usize)>,
}

impl LineCache {
    pub(crate) fn get(&mut self, path: &Path, line: u32) -> Option<&str> {
        let file = match &self.last {
            Some((last, file)) if last == path => *file,
            _ => {
                let file = match self.by_path.get(path) {
                    Some(file) => *file,
                    None => {
                        self.files.push(read_lines(path));
                        self.by_path.insert(path.to_owned(), self.files.len() - 1);
                        self.files.len() - 1
                    }
                };
                self.last = Some((path.to_owned(), file));
                file
            }
        };
        let (text, starts) = &self.files[file];
        let index = (line as usize).checked_sub(1)?;
        let start = *starts.get(index)?;
        let end = starts.get(index + 1).copied().unwrap_or(text.len());
        // As `str::lines`: a line's newline, and a `\r` before it, are not
        // the line's (a last line without one keeps its `\r`).
        let line = &text[start..end];
        Some(match line.strip_suffix('\n') {
            Some(line) => line.strip_suffix('\r').unwrap_or(line),
            None => line,
        })
    }
}

/// A file's text and where its lines start; empty when it cannot be read.
fn read_lines(path: &Path) -> (String, Vec<usize>) {
    // Bounded like the loader's reads (a diagnostic may be about a file too
    // large to read, or one that is not a regular file).
    let text = crate::fsutil::read_bounded(path, 256 << 20)
        .map(|bytes| {
            // Valid UTF-8 (the usual case) is kept without a copy.
            String::from_utf8(bytes)
                .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
        })
        .unwrap_or_default();
    let mut starts = vec![0];
    starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
    if starts.last() == Some(&text.len()) {
        // A final newline ends the last line; it starts none.
        starts.pop();
    }
    (text, starts)
}

#[cfg(test)]
mod tests {
    use super::{LineCache, token_width};

    #[test]
    fn a_snippet_escapes_control_characters_and_keeps_tabs() {
        let mut out = String::new();
        let pos = crate::source::Pos { line: 4, col: 3 };
        super::snippet(&mut out, Some("a\tb\u{1}c: é\u{7f}"), pos, None);
        assert!(out.contains("4 | a\tb\\u{1}c: é\\u{7f}\n"), "{out}");
        assert!(out.contains("  |  \t^"), "{out}");
    }

    #[test]
    fn the_cache_gives_the_lines_str_lines_gives() {
        let dir = tempfile::tempdir().unwrap();
        for text in [
            "",
            "\n",
            "a",
            "a\n",
            "a\r\nb\r\n",
            "one\n\nthree\n\n",
            "x\ry\nlast without newline",
            "é\n\u{1}ü\r",
        ] {
            let path = dir.path().join("f.yaml");
            std::fs::write(&path, text).unwrap();
            let mut cache = LineCache::default();
            let expected: Vec<&str> = text.lines().collect();
            for (i, line) in expected.iter().enumerate() {
                assert_eq!(
                    cache.get(&path, i as u32 + 1),
                    Some(*line),
                    "{text:?} line {}",
                    i + 1
                );
            }
            assert_eq!(
                cache.get(&path, expected.len() as u32 + 1),
                None,
                "{text:?}"
            );
            assert_eq!(cache.get(&path, 0), None);
        }
        // Back and forth between files, and one that cannot be read.
        let (a, b) = (dir.path().join("a.yaml"), dir.path().join("b.yaml"));
        std::fs::write(&a, "a1\na2\n").unwrap();
        std::fs::write(&b, "b1\nb2\n").unwrap();
        let mut cache = LineCache::default();
        for _ in 0..2 {
            assert_eq!(cache.get(&a, 2), Some("a2"));
            assert_eq!(cache.get(&b, 1), Some("b1"));
            assert_eq!(cache.get(&dir.path().join("none.yaml"), 1), None);
        }
    }

    #[test]
    fn underline_covers_the_token() {
        assert_eq!(token_width("memerOf:"), 7);
        assert_eq!(token_width("url: https://x"), 3);
        assert_eq!(token_width("\"quoted: value\" # c"), 15);
        assert_eq!(token_width("plain value   # comment"), 11);
        assert_eq!(token_width(""), 1);
    }
}
