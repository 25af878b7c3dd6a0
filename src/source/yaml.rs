//! A YAML document as a tree of values that remember where they stand.
//!
//! Built straight from the events of granit-parser (the YAML 1.2 parser under
//! serde-saphyr). We first went through serde-saphyr's `Spanned` values; on
//! 100,000 synthetic records loading took 3.0 s that way and takes 1.4 s now,
//! and serde stops at the first error, where maintainers need every problem
//! of a file in one run. The checker in [`super::check`] walks this tree.
//!
//! The input budgets are enforced here, while the tree is built: nesting
//! depth, node count, and the nodes that aliases may copy ("billion laughs"),
//! so a hostile file is refused before it is expanded.

use std::collections::{HashMap, HashSet};

use granit_parser::{Event, Parser, ScalarStyle, Span, Tag};

use super::Limits;

/// A 1-based line and column (in characters) in a source file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default, Hash)]
pub struct Pos {
    pub line: u32,
    pub col: u32,
}

impl Pos {
    fn of(span: &Span) -> Self {
        Pos {
            line: u32::try_from(span.start.line()).unwrap_or(u32::MAX),
            col: u32::try_from(span.start.col() + 1).unwrap_or(u32::MAX),
        }
    }
}

/// One YAML node and where it starts.
#[derive(Debug, Clone)]
pub struct Node {
    pub pos: Pos,
    pub value: Value,
}

#[derive(Debug, Clone)]
pub enum Value {
    Null,
    Bool(bool),
    Int(i128),
    Float(f64),
    Str(String),
    Seq(Vec<Node>),
    Map(Vec<Entry>),
}

/// A mapping entry: its key (as text) with the key's own position, and the value.
#[derive(Debug, Clone)]
pub struct Entry {
    pub key: String,
    pub key_pos: Pos,
    pub value: Node,
}

impl Value {
    /// What a user would call this kind of value, for "expected X, found Y".
    pub fn kind(&self) -> &'static str {
        match self {
            Value::Null => "nothing",
            Value::Bool(_) => "a boolean",
            Value::Int(_) | Value::Float(_) => "a number",
            Value::Str(_) => "a string",
            Value::Seq(_) => "a list",
            Value::Map(_) => "a mapping",
        }
    }
}

/// Why a file could not be read as YAML, and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct YamlError {
    pub pos: Pos,
    pub message: String,
    /// A second place: where the parser gave up, when the message points at
    /// the cause instead.
    pub related: Option<(Pos, String)>,
}

enum Frame {
    Seq {
        pos: Pos,
        anchor: usize,
        items: Vec<Node>,
    },
    Map {
        pos: Pos,
        anchor: usize,
        entries: Vec<Entry>,
        key: Option<(String, Pos)>,
        /// Keys seen, kept only once a mapping grows past a few entries.
        seen: Option<HashSet<String>>,
    },
}

struct Builder<'l> {
    limits: &'l Limits,
    stack: Vec<Frame>,
    anchors: HashMap<usize, Node>,
    root: Option<Node>,
    nodes: usize,
    aliases: usize,
    replayed: usize,
}

fn error(pos: Pos, message: impl Into<String>) -> YamlError {
    YamlError {
        pos,
        message: message.into(),
        related: None,
    }
}

/// Parses one YAML document; `Ok(None)` for a file with no content.
pub fn parse(text: &str, limits: &Limits) -> Result<Option<Node>, YamlError> {
    let mut b = Builder {
        limits,
        stack: Vec::new(),
        anchors: HashMap::new(),
        root: None,
        nodes: 0,
        aliases: 0,
        replayed: 0,
    };
    let mut documents = 0;
    for event in Parser::new_from_str(text) {
        let (event, span) = event.map_err(|e| {
            let m = e.marker();
            let at = Pos {
                line: u32::try_from(m.line()).unwrap_or(u32::MAX).max(1),
                col: u32::try_from(m.col() + 1).unwrap_or(u32::MAX),
            };
            explain(text, error(at, format!("YAML: {}", e.info())))
        })?;
        let pos = Pos::of(&span);
        match event {
            Event::DocumentStart(..) => {
                documents += 1;
                if documents > 1 {
                    return Err(error(
                        pos,
                        "YAML: a second document (`---`): put one list of records per file",
                    ));
                }
            }
            Event::Scalar(value, style, anchor, tag) => {
                let value = scalar(&value, style, tag.as_deref(), pos)?;
                b.node(Node { pos, value }, anchor)?;
            }
            Event::SequenceStart(_, anchor, _) => b.open(Frame::Seq {
                pos,
                anchor,
                items: Vec::new(),
            })?,
            Event::MappingStart(_, anchor, _) => b.open(Frame::Map {
                pos,
                anchor,
                entries: Vec::new(),
                key: None,
                seen: None,
            })?,
            Event::SequenceEnd | Event::MappingEnd => {
                let (node, anchor) = match b.stack.pop().expect("the parser balances collections") {
                    Frame::Seq { pos, anchor, items } => (
                        Node {
                            pos,
                            value: Value::Seq(items),
                        },
                        anchor,
                    ),
                    Frame::Map {
                        pos,
                        anchor,
                        entries,
                        ..
                    } => (
                        Node {
                            pos,
                            value: Value::Map(entries),
                        },
                        anchor,
                    ),
                };
                b.node(node, anchor)?;
            }
            Event::Alias(id) => {
                b.aliases += 1;
                if b.aliases > b.limits.max_aliases {
                    return Err(error(
                        pos,
                        format!(
                            "YAML over the loader's limits (more than {} alias uses): refused",
                            b.limits.max_aliases
                        ),
                    ));
                }
                let Some(target) = b.anchors.get(&id) else {
                    return Err(error(pos, "YAML: alias to an unknown anchor"));
                };
                let copied = count(target);
                b.replayed += copied;
                if b.replayed > b.limits.max_replayed_nodes {
                    return Err(error(
                        pos,
                        format!(
                            "YAML over the loader's limits (aliases would copy more than {} \
                             nodes): refused, not expanded",
                            b.limits.max_replayed_nodes
                        ),
                    ));
                }
                let mut node = target.clone();
                node.pos = pos;
                b.count(copied, pos)?;
                b.attach(node)?;
            }
            _ => {}
        }
    }
    Ok(b.root)
}

impl Builder<'_> {
    fn count(&mut self, nodes: usize, pos: Pos) -> Result<(), YamlError> {
        self.nodes += nodes;
        if self.nodes > self.limits.max_nodes {
            return Err(error(
                pos,
                format!(
                    "YAML over the loader's limits (more than {} nodes): refused; split the file",
                    self.limits.max_nodes
                ),
            ));
        }
        Ok(())
    }

    fn open(&mut self, frame: Frame) -> Result<(), YamlError> {
        let pos = match &frame {
            Frame::Seq { pos, .. } | Frame::Map { pos, .. } => *pos,
        };
        if self.stack.len() >= self.limits.max_depth {
            return Err(error(
                pos,
                format!(
                    "YAML nested more than {} levels deep, over the limit: refused",
                    self.limits.max_depth
                ),
            ));
        }
        self.stack.push(frame);
        Ok(())
    }

    /// A complete node: remember it if anchored, then attach it to its parent.
    fn node(&mut self, node: Node, anchor: usize) -> Result<(), YamlError> {
        self.count(1, node.pos)?;
        if anchor != 0 {
            self.anchors.insert(anchor, node.clone());
        }
        self.attach(node)
    }

    fn attach(&mut self, node: Node) -> Result<(), YamlError> {
        match self.stack.last_mut() {
            None => self.root = Some(node),
            Some(Frame::Seq { items, .. }) => items.push(node),
            Some(Frame::Map {
                entries, key, seen, ..
            }) => match key.take() {
                None => {
                    let text = match node.value {
                        Value::Str(s) => s,
                        Value::Int(i) => i.to_string(),
                        Value::Bool(b) => b.to_string(),
                        Value::Float(f) => f.to_string(),
                        Value::Null => String::new(),
                        other => {
                            return Err(error(
                                node.pos,
                                format!(
                                    "a mapping key must be a plain word, found {}",
                                    other.kind()
                                ),
                            ));
                        }
                    };
                    let duplicate = match seen {
                        Some(set) => set.contains(&text),
                        None => entries.iter().any(|e| e.key == text),
                    };
                    if duplicate {
                        return Err(error(
                            node.pos,
                            format!("duplicate key `{text}` in a mapping"),
                        ));
                    }
                    *key = Some((text, node.pos));
                }
                Some((k, key_pos)) => {
                    if entries.len() == 16 {
                        *seen = Some(entries.iter().map(|e| e.key.clone()).collect());
                    }
                    if let Some(set) = seen {
                        set.insert(k.clone());
                    }
                    entries.push(Entry {
                        key: k,
                        key_pos,
                        value: node,
                    });
                }
            },
        }
        Ok(())
    }
}

fn count(node: &Node) -> usize {
    1 + match &node.value {
        Value::Seq(items) => items.iter().map(count).sum(),
        Value::Map(entries) => entries.iter().map(|e| 1 + count(&e.value)).sum(),
        _ => 0,
    }
}

/// Resolves a scalar with the YAML 1.2 core schema: plain scalars may be null,
/// booleans or numbers; quoted and block scalars are strings.
fn scalar(text: &str, style: ScalarStyle, tag: Option<&Tag>, pos: Pos) -> Result<Value, YamlError> {
    if let Some(tag) = tag {
        return match tag.is_yaml_core_schema().then(|| tag.suffix()) {
            Some("str") => Ok(Value::Str(text.to_owned())),
            Some("int" | "float" | "bool" | "null") => Ok(plain(text)),
            _ => Err(error(
                pos,
                format!(
                    "YAML tag `{}{}` is not supported",
                    tag.handle(),
                    tag.suffix()
                ),
            )),
        };
    }
    Ok(match style {
        ScalarStyle::Plain => plain(text),
        _ => Value::Str(text.to_owned()),
    })
}

fn plain(text: &str) -> Value {
    match text {
        "" | "~" | "null" | "Null" | "NULL" => return Value::Null,
        "true" | "True" | "TRUE" => return Value::Bool(true),
        "false" | "False" | "FALSE" => return Value::Bool(false),
        ".inf" | ".Inf" | ".INF" | "+.inf" | "+.Inf" | "+.INF" => {
            return Value::Float(f64::INFINITY);
        }
        "-.inf" | "-.Inf" | "-.INF" => return Value::Float(f64::NEG_INFINITY),
        ".nan" | ".NaN" | ".NAN" => return Value::Float(f64::NAN),
        _ => {}
    }
    let first = text.as_bytes()[0];
    if first.is_ascii_digit() || matches!(first, b'-' | b'+' | b'.') {
        let digits = text.strip_prefix(['-', '+']).unwrap_or(text);
        let integer = if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) {
            text.parse::<i128>().ok()
        } else if let Some(hex) = text.strip_prefix("0x") {
            i128::from_str_radix(hex, 16).ok()
        } else if let Some(oct) = text.strip_prefix("0o") {
            i128::from_str_radix(oct, 8).ok()
        } else {
            None
        };
        if let Some(i) = integer {
            return Value::Int(i);
        }
        let is_float = digits.bytes().any(|b| b.is_ascii_digit())
            && digits
                .bytes()
                .all(|b| b.is_ascii_digit() || matches!(b, b'.' | b'e' | b'E' | b'-' | b'+'));
        if is_float && let Ok(f) = text.parse::<f64>() {
            return Value::Float(f);
        }
    }
    Value::Str(text.to_owned())
}

/// The parser's error, pointed where a person would look: it reports where
/// it gave up, which for two common slips is a line or more away from the
/// slip itself.
///
/// - A tab in the indentation: the parser says "found a tab" at the end of
///   the value before it (the previous key's line). The tab itself is named.
/// - A `[` or `{` never closed: the parser stops at some later `:` or at the
///   end of the file. The bracket left open is named.
///
/// The parser's own words and place stay, as the related location.
fn explain(text: &str, parsed: YamlError) -> YamlError {
    let gave_up = (
        parsed.pos,
        format!("the parser gave up here: {}", parsed.message),
    );
    if parsed.message.contains("tab")
        && let Some(tab) = indenting_tab(text, parsed.pos.line)
    {
        return YamlError {
            pos: tab,
            message: "YAML: a tab in the indentation: YAML indents with spaces only".into(),
            related: Some(gave_up),
        };
    }
    if let Some((open, bracket)) = unclosed_flow(text, parsed.pos) {
        let close = if bracket == '[' { ']' } else { '}' };
        return YamlError {
            pos: open,
            message: format!("YAML: this `{bracket}` is never closed (expected `{close}`)"),
            related: Some(gave_up),
        };
    }
    explain_more(text, parsed, gave_up)
}

/// The parser's messages that name its own machinery ("simple key", "block
/// collection"), each said in the maintainer's terms, at the place they
/// would look. One rule per kind of slip; a fixture for each under
/// `tests/fixtures/invalid/yaml-*`.
fn explain_more(text: &str, parsed: YamlError, gave_up: (Pos, String)) -> YamlError {
    let message = parsed.message.as_str();
    let at = parsed.pos;
    let line = |n: u32| text.lines().nth(n.saturating_sub(1) as usize).unwrap_or("");
    let indent = |l: &str| l.len() - l.trim_start_matches(' ').len();
    let here = line(at.line);
    // The line from the parser's column on: columns count characters.
    let from_here = here
        .char_indices()
        .nth(at.col.saturating_sub(1) as usize)
        .map_or("", |(i, _)| &here[i..]);
    let first_col = |n: u32| Pos {
        line: n,
        col: indent(line(n)) as u32 + 1,
    };
    let moved = |pos: Pos, message: String| YamlError {
        pos,
        message,
        related: Some(gave_up.clone()),
    };
    let reworded = |message: String| YamlError {
        pos: at,
        message,
        related: None,
    };
    let structural = message.contains("mapping values are not allowed")
        || message.contains("did not find expected")
        || message.contains("simple key expected");
    // `-id: ala`: a dash without its space is part of a key, and the parser
    // stumbles on a later line.
    if structural
        && let Some(n) = (1..=at.line)
            .rev()
            .take(20)
            .find(|&n| dash_without_space(line(n)))
    {
        let l = line(n);
        let word: String = l.trim_start().chars().take_while(|c| *c != ':').collect();
        return moved(
            first_col(n),
            format!(
                "YAML: `{word}` needs a space after the `-` to start a list item (`- {}`)",
                &word[1..]
            ),
        );
    }
    // The previous content line, for indentation.
    let previous = (1..at.line)
        .rev()
        .find(|&n| !line(n).trim().is_empty() && !line(n).trim_start().starts_with('#'));
    if message.contains("mapping values are not allowed") {
        let colon = here.len() - from_here.len();
        let key_end = here.find(": ").or_else(|| {
            here.trim_end()
                .ends_with(':')
                .then(|| here.trim_end().len() - 1)
        });
        // `description: Note: this`: a second `: ` in a plain value.
        if let Some(first) = key_end
            && first < colon
        {
            let key = here[..first].trim_start().trim_start_matches("- ");
            let value = here[first + 1..].trim();
            return reworded(format!(
                "YAML: a value holding `: ` must be quoted: `{key}: \"{}\"`",
                value.replace('"', "\\\"")
            ));
        }
        // `   url:` under `  name: ALA`: more indented than the key above,
        // so it reads as the rest of that key's value.
        if let Some(p) = previous
            && indent(here) > indent(line(p))
            && line(p).trim_end().contains(": ")
        {
            let key = here.trim_start().split(':').next().unwrap_or_default();
            let above = line(p).trim_start().trim_start_matches("- ");
            let above = above.split(':').next().unwrap_or_default();
            return moved(
                first_col(at.line),
                format!(
                    "YAML: `{key}:` is indented more than `{above}:` on line {p}, so it reads as \
                     more of that value: indent it as `{above}:` is"
                ),
            );
        }
    }
    if message.contains("simple key expected") {
        // A line less indented than the text of a `|` or `>` block above it.
        if let Some(p) = previous
            && let Some(start) = (1..=p)
                .rev()
                .take(50)
                .find(|&n| block_scalar_header(line(n)))
            && (start + 1..=p)
                .all(|n| line(n).trim().is_empty() || indent(line(n)) > indent(line(start)))
            && p > start
            && indent(here) < indent(line(start + 1))
        {
            let text_indent = indent(line(start + 1));
            return moved(
                first_col(at.line),
                format!(
                    "YAML: this line is indented less than the text of the block that starts on \
                     line {start} ({text_indent} spaces), so it ends that text and reads as a key \
                     without `:`: indent it as line {} is",
                    start + 1
                ),
            );
        }
        let content = here.trim();
        let suggestion = match content.split_once(' ') {
            Some((key, rest)) => format!(" (`{key}: {rest}`)"),
            None => String::new(),
        };
        return moved(
            first_col(at.line),
            format!(
                "YAML: `{content}` is not `key: value`: a key needs a `:` after it{suggestion}"
            ),
        );
    }
    if message.contains("did not find expected '-' indicator")
        || message.contains("did not find expected key")
    {
        let n = indent(here);
        let nearest = |wider: bool| {
            (1..at.line).rev().find(|&m| {
                let l = line(m);
                !l.trim().is_empty()
                    && !l.trim_start().starts_with('#')
                    && if wider { indent(l) > n } else { indent(l) < n }
            })
        };
        let (more, less) = (nearest(true), nearest(false));
        let matches_above = (1..at.line).any(|m| {
            let l = line(m);
            !l.trim().is_empty() && indent(l) == n && !l.trim_start().starts_with('#')
        });
        if !matches_above && let (Some(more), Some(less)) = (more, less) {
            return moved(
                first_col(at.line),
                format!(
                    "YAML: this line is indented {n} space{}, which lines up with nothing above \
                     it (line {more} is indented {}, line {less} {}): indent it as the lines it \
                     belongs with",
                    if n == 1 { "" } else { "s" },
                    indent(line(more)),
                    indent(line(less)),
                ),
            );
        }
        if here.trim_start().starts_with("- ")
            && let Some(p) = previous
            && indent(line(p)) == n
            && line(p).contains(": ")
        {
            let key = line(p).trim_start().split(':').next().unwrap_or_default();
            return moved(
                first_col(at.line),
                format!(
                    "YAML: a `- ` item among the keys of a mapping: a list goes under a key \
                     ending with `:`, and `{key}` on line {p} already has a value"
                ),
            );
        }
    }
    if message.starts_with("YAML: mismatched bracket ")
        && let Some((close_at, close)) = closing_bracket(text, at)
    {
        let open = line(at.line)
            .chars()
            .nth(at.col as usize - 1)
            .unwrap_or('[');
        let right = if open == '[' { ']' } else { '}' };
        return YamlError {
            pos: close_at,
            message: format!(
                "YAML: this `{close}` closes the `{open}` of line {}, column {}: use `{right}`",
                at.line, at.col
            ),
            related: Some((at, format!("the `{open}` opened here"))),
        };
    }
    if message.contains("unknown escape character")
        && let Some(col) = bad_escape(here, at.col as usize)
    {
        let escape: String = here[col..].chars().take(2).collect();
        return YamlError {
            pos: Pos {
                line: at.line,
                col: here[..col].chars().count() as u32 + 1,
            },
            message: format!(
                "YAML: `{escape}` is not an escape in a double-quoted string: write `\\\\{}` \
                 for a backslash, or use single quotes",
                &escape[1..]
            ),
            related: Some(gave_up),
        };
    }
    if let Some(c) = message
        .strip_prefix("YAML: unexpected character: `")
        .and_then(|r| r.chars().next())
    {
        let value = from_here.trim_end();
        return reworded(format!(
            "YAML: a value cannot start with `{c}` unless it is quoted: `'{value}'`"
        ));
    }
    if message.contains("block sequence entries are not allowed") {
        let key = here.trim_start().split(':').next().unwrap_or_default();
        let item = from_here.trim_start_matches('-').trim();
        return reworded(format!(
            "YAML: a list cannot start on its key's line: write `{key}: [{item}]`, or each `- ` \
             item on a line of its own under `{key}:`"
        ));
    }
    if message.contains("found unknown anchor") {
        let name: String = from_here
            .get(1..)
            .unwrap_or_default()
            .chars()
            .take_while(|c| !c.is_whitespace() && !",[]{}".contains(*c))
            .collect();
        return reworded(format!(
            "YAML: `*{name}` refers to no anchor: an alias needs `&{name}` on an earlier value; \
             quote the value if the `*` is meant"
        ));
    }
    if message.contains("misplaced bracket") {
        let c = from_here.chars().next().unwrap_or(']');
        return reworded(format!(
            "YAML: this `{c}` closes nothing: remove it, or quote the value if it is meant"
        ));
    }
    if message.contains("while scanning an anchor or alias") {
        let c = from_here.chars().next().unwrap_or('&');
        let value = from_here.trim_end();
        return reworded(format!(
            "YAML: `{c}` starts an anchor or alias name, and none follows: quote the value if \
             the `{c}` is meant: `'{value}'`"
        ));
    }
    if message.contains("did not find expected ',' or '}'") {
        return reworded(
            "YAML: expected `,` or `}` here: the entries of a `{...}` mapping are separated \
             by commas"
                .into(),
        );
    }
    if message.contains("did not find expected ',' or ']'") {
        return reworded(
            "YAML: expected `,` or `]` here: the items of a `[...]` list are separated by commas"
                .into(),
        );
    }
    if message.contains("trailing content after") {
        return reworded(
            "YAML: text after the closing quote: put it inside the quotes, or remove it".into(),
        );
    }
    if message.contains("unclosed quote") {
        let quote = from_here.chars().next().unwrap_or('"');
        return reworded(format!(
            "YAML: this `{quote}` is never closed (expected `{quote}`)"
        ));
    }
    if let Some(open) = message
        .strip_prefix("YAML: unclosed bracket '")
        .and_then(|r| r.chars().next())
    {
        let close = if open == '[' { ']' } else { '}' };
        return reworded(format!(
            "YAML: this `{open}` is never closed (expected `{close}`)"
        ));
    }
    parsed
}

/// `-id: x`: a dash glued to a key, where a list item was meant.
fn dash_without_space(line: &str) -> bool {
    let rest = line.trim_start();
    let Some(after) = rest.strip_prefix('-') else {
        return false;
    };
    let key: String = after
        .chars()
        .take_while(|c| c.is_alphanumeric() || *c == '_')
        .collect();
    !key.is_empty() && after[key.len()..].starts_with(':')
}

/// `key: |`, `key: >-`, `- |`...: a line that starts a block scalar.
fn block_scalar_header(line: &str) -> bool {
    let t = line.trim_end();
    let t = t.split(" #").next().unwrap_or(t).trim_end();
    let indicators = t.trim_end_matches(|c: char| c == '-' || c == '+' || c.is_ascii_digit());
    indicators.ends_with(": |")
        || indicators.ends_with(": >")
        || indicators.ends_with("- |")
        || indicators.ends_with("- >")
}

/// The bracket that closes the flow collection opened at `open`, whatever
/// its kind (quotes skipped).
fn closing_bracket(text: &str, open: Pos) -> Option<(Pos, char)> {
    let mut depth = 0usize;
    let mut quote: Option<char> = None;
    for (i, l) in text.lines().enumerate().skip(open.line as usize - 1) {
        let skip = if i + 1 == open.line as usize {
            open.col as usize - 1
        } else {
            0
        };
        for (col, c) in l.chars().enumerate().skip(skip) {
            match (quote, c) {
                (Some(q), c) if c == q => quote = None,
                (Some(_), _) => {}
                (None, '"' | '\'') => quote = Some(c),
                (None, '[' | '{') => depth += 1,
                (None, ']' | '}') => {
                    depth = depth.checked_sub(1)?;
                    if depth == 0 {
                        return Some((
                            Pos {
                                line: i as u32 + 1,
                                col: col as u32 + 1,
                            },
                            c,
                        ));
                    }
                }
                _ => {}
            }
        }
    }
    None
}

/// The byte offset of the first escape YAML does not know in the
/// double-quoted string that starts at column `from` (1-based) of `line`.
fn bad_escape(line: &str, from: usize) -> Option<usize> {
    let start = line.char_indices().nth(from.saturating_sub(1))?.0;
    let mut chars = line[start..].char_indices().skip(1);
    while let Some((i, c)) = chars.next() {
        match c {
            '"' => return None,
            '\\' => match chars.next() {
                Some((_, e)) if "0abt\tnvfre \"/\\N_LPxuU".contains(e) => {}
                _ => return Some(start + i),
            },
            _ => {}
        }
    }
    None
}

/// The first tab in the leading whitespace of a line from `line` (1-based)
/// on, within the next few lines.
fn indenting_tab(text: &str, line: u32) -> Option<Pos> {
    text.lines()
        .enumerate()
        .skip(line.saturating_sub(1) as usize)
        .take(4)
        .find_map(|(i, l)| {
            let indent = &l[..l.len() - l.trim_start_matches([' ', '\t']).len()];
            let col = indent.find('\t')?;
            Some(Pos {
                line: i as u32 + 1,
                col: col as u32 + 1,
            })
        })
}

/// The innermost flow collection (`[` or `{`) still open at `at`, when it
/// was opened on an earlier line: a flow collection never closed runs on
/// into the following lines, where the parser finally stops. Quotes,
/// comments and block scalars (`|`, `>`) are skipped.
fn unclosed_flow(text: &str, at: Pos) -> Option<(Pos, char)> {
    let mut open: Vec<(Pos, char)> = Vec::new();
    let mut block_indent: Option<usize> = None;
    for (i, line) in text.lines().enumerate() {
        let number = i as u32 + 1;
        if number > at.line {
            break;
        }
        let indent = line.len() - line.trim_start_matches(' ').len();
        if let Some(b) = block_indent {
            if line.trim().is_empty() || indent > b {
                continue;
            }
            block_indent = None;
        }
        let (mut quote, mut previous) = (None::<char>, ' ');
        let mut chars = line.char_indices().peekable();
        while let Some((col, c)) = chars.next() {
            if number == at.line && col as u32 + 1 >= at.col {
                break;
            }
            match (quote, c) {
                (Some('"'), '\\') => {
                    chars.next();
                }
                (Some(q), c) if c == q => quote = None,
                (Some(_), _) => {}
                (None, '"' | '\'') if matches!(previous, ' ' | '[' | '{' | ',' | ':') => {
                    quote = Some(c)
                }
                (None, '#') if previous == ' ' || col == 0 => break,
                (None, '[' | '{') => open.push((
                    Pos {
                        line: number,
                        col: col as u32 + 1,
                    },
                    c,
                )),
                (None, ']' | '}') => {
                    open.pop();
                }
                _ => {}
            }
            previous = c;
        }
        let trimmed = line.trim_end();
        if open.is_empty()
            && (trimmed.ends_with(": |") || trimmed.ends_with(": >") || trimmed.ends_with("- |"))
        {
            block_indent = Some(indent);
        }
    }
    open.pop().filter(|(pos, _)| pos.line < at.line)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn value(yaml: &str) -> Value {
        parse(yaml, &Limits::default()).unwrap().unwrap().value
    }

    #[test]
    fn core_schema_scalars() {
        assert!(matches!(value("1876"), Value::Int(1876)));
        assert!(matches!(value("-5"), Value::Int(-5)));
        assert!(matches!(value("0x1F"), Value::Int(31)));
        assert!(matches!(value("1.5e3"), Value::Float(f) if f == 1500.0));
        assert!(matches!(value("true"), Value::Bool(true)));
        assert!(matches!(value("~"), Value::Null));
        assert!(matches!(value("'1876'"), Value::Str(s) if s == "1876"));
        assert!(matches!(value("!!str 1876"), Value::Str(s) if s == "1876"));
        assert!(matches!(value("1948-08-31"), Value::Str(s) if s == "1948-08-31"));
        assert!(matches!(value("yes"), Value::Str(s) if s == "yes"));
        assert!(matches!(value("1.2.3"), Value::Str(s) if s == "1.2.3"));
    }

    #[test]
    fn positions_keys_and_aliases() {
        let text = "a: &x [1, 2]\nb:\n  - *x\n";
        let root = parse(text, &Limits::default()).unwrap().unwrap();
        let Value::Map(entries) = root.value else {
            panic!()
        };
        assert_eq!(
            (entries[0].key.as_str(), entries[0].key_pos),
            ("a", Pos { line: 1, col: 1 })
        );
        assert_eq!(
            entries[0].value.pos,
            Pos { line: 1, col: 7 },
            "at `[`, after the anchor"
        );
        let Value::Seq(items) = &entries[1].value.value else {
            panic!()
        };
        assert_eq!(items[0].pos, Pos { line: 3, col: 5 });
        assert!(matches!(&items[0].value, Value::Seq(v) if v.len() == 2));
    }

    /// Each diagnostic's rule with characters of several bytes before and at
    /// the place (columns count characters; slicing at them panicked).
    #[test]
    fn the_rules_take_columns_as_characters() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/invalid");
        let mut seen = 0;
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path().join("data/orgs.yaml");
            let name = path.to_string_lossy().into_owned();
            if !name.contains("/yaml-") && !name.contains("/tab-") && !name.contains("/unclosed-") {
                continue;
            }
            let text = std::fs::read_to_string(&path).unwrap();
            for wide in ["é—", "日本語", "😀"] {
                let widened = text
                    .replace("ALA", &format!("{wide}ALA"))
                    .replace(": ", &format!(": {wide}"))
                    .replace("name", &format!("{wide}name"));
                let _ = parse(&widened, &Limits::default());
            }
            seen += 1;
        }
        assert!(seen >= 20, "{seen} fixtures");
    }

    #[test]
    fn refusals() {
        let limits = Limits::default();
        let dup = parse("a: 1\na: 2\n", &limits).unwrap_err();
        assert_eq!(dup.pos, Pos { line: 2, col: 1 });
        assert!(dup.message.contains("duplicate key `a`"));
        assert!(
            parse("a: 1\n---\nb: 2\n", &limits)
                .unwrap_err()
                .message
                .contains("second document")
        );
        assert!(
            parse("a: !include x.yaml\n", &limits)
                .unwrap_err()
                .message
                .contains("not supported")
        );
        assert!(parse("# only a comment\n", &limits).unwrap().is_none());
        let many = format!("a: &a x\nb: [{}]\n", vec!["*a"; 1001].join(", "));
        assert!(
            parse(&many, &limits)
                .unwrap_err()
                .message
                .contains("more than 1000 alias uses")
        );
        let deep = format!("{}{}", "[".repeat(40), "]".repeat(40));
        assert!(
            parse(&deep, &limits)
                .unwrap_err()
                .message
                .contains("levels deep")
        );
    }
}
