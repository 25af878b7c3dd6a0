//! What a query may be before it is evaluated: not nested deeper than the
//! evaluator's stack allows, and without `SERVICE` unless federation is on.
//!
//! spargebra's parser, sparopt's optimizer and spareval's evaluator all
//! recurse once per level of the query's algebra, and a tokio worker's 2 MiB
//! stack overflowed at 900 nested parentheses (the process aborts: a stack
//! overflow is no panic). So the text is first scanned for bracket nesting,
//! which bounds the parser's recursion, then parsed on a thread with
//! [`STACK`] bytes of stack, and the parsed algebra is measured for depth
//! (flat chains such as `1+1+1+...` or `{} UNION {} UNION ...` nest without
//! brackets). Both limits are far above any query a person writes and far
//! below what [`STACK`] holds: tests/server.rs runs every shape at the limit.

use spargebra::algebra::{
    AggregateExpression, Expression, GraphPattern, OrderExpression, PropertyPathExpression,
};
use spargebra::term::{TermPattern, TriplePattern};
use spargebra::{Query, SparqlParser};

use super::error::ApiError;

/// Deepest bracket nesting (`(`, `{`, `[`, `<<`) the query text may have.
pub const MAX_NESTING: usize = 100;

/// Deepest the parsed algebra may be: patterns, expressions and paths, a
/// triple pattern of a group counting as one level each.
pub const MAX_DEPTH: usize = 400;

/// Stack of the threads that parse and evaluate queries. Stacks are mapped
/// lazily: a query uses what its depth needs, not all of it.
pub const STACK: usize = 256 << 20;

/// Whether `SERVICE` may be evaluated (`serve --allow-service`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Federation {
    #[default]
    Off,
    On,
}

/// Checks and parses `text`. Call it on a thread with [`STACK`] bytes of
/// stack: a too deep algebra is measured and dropped here, where that is safe.
pub fn parse(text: &str, federation: Federation) -> Result<Query, ApiError> {
    let nesting = nesting(text);
    if nesting > MAX_NESTING {
        return Err(ApiError::BadRequest(format!(
            "the query nests brackets {nesting} levels deep; at most {MAX_NESTING} are allowed"
        )));
    }
    let query = SparqlParser::new()
        .parse_query(text)
        .map_err(|e| ApiError::BadRequest(format!("SPARQL syntax error: {e}")))?;
    let mut walk = Walk {
        service: false,
        too_deep: false,
    };
    walk.pattern(pattern_of(&query), 1);
    if walk.too_deep {
        return Err(ApiError::BadRequest(format!(
            "the query's algebra is more than {MAX_DEPTH} levels deep (long chains of \
             operators, UNION or triple patterns nest too): split it or use VALUES or IN"
        )));
    }
    if walk.service && federation == Federation::Off {
        return Err(ApiError::BadRequest(
            "SERVICE is not allowed: federation is off on this endpoint \
             (its operator can turn it on with `orgdir serve --allow-service`)"
                .into(),
        ));
    }
    Ok(query)
}

fn pattern_of(query: &Query) -> &GraphPattern {
    match query {
        Query::Select { pattern, .. }
        | Query::Construct { pattern, .. }
        | Query::Describe { pattern, .. }
        | Query::Ask { pattern, .. } => pattern,
    }
}

/// The deepest nesting of brackets outside strings, IRIs and comments (a
/// run of `!` counts as that many levels).
pub fn nesting(text: &str) -> usize {
    let bytes = text.as_bytes();
    let (mut depth, mut deepest) = (0usize, 0usize);
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'#' => {
                while i < bytes.len() && bytes[i] != b'\n' {
                    i += 1;
                }
            }
            quote @ (b'"' | b'\'') => {
                let long = bytes[i..].starts_with(&[quote; 3]);
                i += if long { 3 } else { 1 };
                while i < bytes.len() {
                    if bytes[i] == b'\\' {
                        i += 2;
                        continue;
                    }
                    if long {
                        if bytes[i..].starts_with(&[quote; 3]) {
                            i += 2;
                            break;
                        }
                    } else if bytes[i] == quote || bytes[i] == b'\n' {
                        break;
                    }
                    i += 1;
                }
            }
            b'<' if bytes.get(i + 1) == Some(&b'<') => {
                depth += 1;
                i += 1;
            }
            b'>' if bytes.get(i + 1) == Some(&b'>') => {
                depth = depth.saturating_sub(1);
                i += 1;
            }
            b'<' => {
                // An IRI reference if it closes before any character an IRI
                // cannot hold; else the `<` operator.
                let rest = &bytes[i + 1..];
                if let Some(end) = rest.iter().position(|&b| {
                    b == b'>' || b <= b' ' || matches!(b, b'<' | b'"' | b'{' | b'}' | b'|' | b'^')
                }) && rest[end] == b'>'
                {
                    i += end + 1;
                }
            }
            b'!' if bytes.get(i + 1) != Some(&b'=') => {
                // spargebra parses `!!!x` recursively, one level a `!`.
                let mut run = 0;
                while i < bytes.len() && (bytes[i] == b'!' || bytes[i].is_ascii_whitespace()) {
                    run += usize::from(bytes[i] == b'!');
                    i += 1;
                }
                deepest = deepest.max(depth + run);
                continue;
            }
            b'(' | b'{' | b'[' => {
                depth += 1;
                deepest = deepest.max(depth);
            }
            b')' | b'}' | b']' => depth = depth.saturating_sub(1),
            _ => {}
        }
        deepest = deepest.max(depth);
        i += 1;
    }
    deepest
}

/// Measures the algebra without recursing past [`MAX_DEPTH`].
struct Walk {
    service: bool,
    too_deep: bool,
}

impl Walk {
    fn enter(&mut self, depth: usize) -> bool {
        if depth > MAX_DEPTH {
            self.too_deep = true;
        }
        !self.too_deep
    }

    fn pattern(&mut self, p: &GraphPattern, depth: usize) {
        if !self.enter(depth) {
            return;
        }
        let next = depth + 1;
        match p {
            GraphPattern::Bgp { patterns } => {
                // sparopt joins the triple patterns of a group one by one.
                self.enter(depth + patterns.len());
                for t in patterns {
                    self.triple(t, next);
                }
            }
            GraphPattern::Path {
                subject,
                path,
                object,
            } => {
                self.term(subject, next);
                self.path(path, next);
                self.term(object, next);
            }
            GraphPattern::Join { left, right }
            | GraphPattern::Lateral { left, right }
            | GraphPattern::Union { left, right }
            | GraphPattern::Minus { left, right } => {
                self.pattern(left, next);
                self.pattern(right, next);
            }
            GraphPattern::LeftJoin {
                left,
                right,
                expression,
            } => {
                self.pattern(left, next);
                self.pattern(right, next);
                if let Some(e) = expression {
                    self.expression(e, next);
                }
            }
            GraphPattern::Filter { expr, inner } => {
                self.expression(expr, next);
                self.pattern(inner, next);
            }
            GraphPattern::Extend {
                inner, expression, ..
            } => {
                self.expression(expression, next);
                self.pattern(inner, next);
            }
            GraphPattern::OrderBy { inner, expression } => {
                for e in expression {
                    match e {
                        OrderExpression::Asc(e) | OrderExpression::Desc(e) => {
                            self.expression(e, next)
                        }
                    }
                }
                self.pattern(inner, next);
            }
            GraphPattern::Group {
                inner, aggregates, ..
            } => {
                for (_, a) in aggregates {
                    if let AggregateExpression::FunctionCall { expr, .. } = a {
                        self.expression(expr, next);
                    }
                }
                self.pattern(inner, next);
            }
            GraphPattern::Service { inner, .. } => {
                self.service = true;
                self.pattern(inner, next);
            }
            GraphPattern::Graph { inner, .. }
            | GraphPattern::Project { inner, .. }
            | GraphPattern::Distinct { inner }
            | GraphPattern::Reduced { inner }
            | GraphPattern::Slice { inner, .. } => self.pattern(inner, next),
            GraphPattern::Values { .. } => {}
        }
    }

    fn triple(&mut self, t: &TriplePattern, depth: usize) {
        self.term(&t.subject, depth);
        self.term(&t.object, depth);
    }

    #[allow(clippy::only_used_in_recursion)]
    fn term(&mut self, t: &TermPattern, depth: usize) {
        if !self.enter(depth) {
            return;
        }
        if let TermPattern::Triple(triple) = t {
            self.triple(triple, depth + 1);
        }
    }

    fn path(&mut self, p: &PropertyPathExpression, depth: usize) {
        if !self.enter(depth) {
            return;
        }
        let next = depth + 1;
        match p {
            PropertyPathExpression::Sequence(a, b) | PropertyPathExpression::Alternative(a, b) => {
                self.path(a, next);
                self.path(b, next);
            }
            PropertyPathExpression::Reverse(a)
            | PropertyPathExpression::ZeroOrMore(a)
            | PropertyPathExpression::OneOrMore(a)
            | PropertyPathExpression::ZeroOrOne(a) => self.path(a, next),
            PropertyPathExpression::NamedNode(_)
            | PropertyPathExpression::NegatedPropertySet(_) => {}
        }
    }

    fn expression(&mut self, e: &Expression, depth: usize) {
        if !self.enter(depth) {
            return;
        }
        let next = depth + 1;
        match e {
            Expression::Or(a, b)
            | Expression::And(a, b)
            | Expression::Equal(a, b)
            | Expression::SameTerm(a, b)
            | Expression::Greater(a, b)
            | Expression::GreaterOrEqual(a, b)
            | Expression::Less(a, b)
            | Expression::LessOrEqual(a, b)
            | Expression::Add(a, b)
            | Expression::Subtract(a, b)
            | Expression::Multiply(a, b)
            | Expression::Divide(a, b) => {
                self.expression(a, next);
                self.expression(b, next);
            }
            Expression::In(a, list) => {
                // sparopt may rewrite IN as a chain of `=` joined by `||`.
                self.enter(depth + list.len());
                self.expression(a, next);
                for e in list {
                    self.expression(e, next);
                }
            }
            Expression::UnaryPlus(a) | Expression::UnaryMinus(a) | Expression::Not(a) => {
                self.expression(a, next)
            }
            Expression::Exists(p) => self.pattern(p, next),
            Expression::If(a, b, c) => {
                self.expression(a, next);
                self.expression(b, next);
                self.expression(c, next);
            }
            Expression::Coalesce(list) | Expression::FunctionCall(_, list) => {
                for e in list {
                    self.expression(e, next);
                }
            }
            #[allow(unreachable_patterns)]
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nesting_counts_brackets_outside_strings_iris_and_comments() {
        assert_eq!(nesting("SELECT * WHERE { ?s ?p ?o }"), 1);
        assert_eq!(nesting("SELECT * WHERE { FILTER((1)) }"), 3);
        assert_eq!(nesting("ASK { ?s <http://e/(((> \"(((\" }"), 1);
        assert_eq!(nesting("ASK { ?s ?p '''{{{\n'''}"), 1);
        assert_eq!(nesting("ASK { # (((((\n ?s ?p ?o }"), 1);
        assert_eq!(nesting("ASK { FILTER(?a < ?b && (?c)) }"), 3);
        assert_eq!(nesting("ASK { ?s ?p \"a\\\"((\" }"), 1);
        assert_eq!(nesting("ASK { FILTER(! ! !true) }"), 5);
        assert_eq!(nesting("ASK { FILTER(?a != ?b) }"), 2);
    }

    #[test]
    fn deep_queries_are_refused_and_shallow_ones_parsed() {
        let deep = format!(
            "SELECT * WHERE {{ FILTER({}1{}) }}",
            "(".repeat(MAX_NESTING),
            ")".repeat(MAX_NESTING)
        );
        assert!(parse(&deep, Federation::Off).is_err());
        let chain = format!("ASK {{ FILTER(1{}) }}", "+1".repeat(MAX_DEPTH));
        let e = parse(&chain, Federation::Off).unwrap_err().to_string();
        assert!(e.contains("levels deep"), "{e}");
        let ok = format!("ASK {{ FILTER(1{}) }}", "+1".repeat(MAX_DEPTH - 10));
        parse(&ok, Federation::Off).unwrap();
    }

    #[test]
    fn service_is_refused_unless_federation_is_on() {
        let q = "SELECT * WHERE { SERVICE <http://127.0.0.1:1/admin> { ?s ?p ?o } }";
        let e = parse(q, Federation::Off).unwrap_err().to_string();
        assert!(e.contains("federation is off"), "{e}");
        parse(q, Federation::On).unwrap();
        let nested = "ASK { FILTER EXISTS { SERVICE SILENT <http://x/> { ?s ?p ?o } } }";
        assert!(parse(nested, Federation::Off).is_err());
    }
}
