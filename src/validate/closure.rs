//! `s (p|q|...)+ o` in the SHACL-SPARQL constraints orgdir runs, answered
//! from the strongly connected components of the graph those predicates make.
//!
//! The evaluator answers such a path by walking from `s` until it has every
//! node `s` reaches, and does that again for every solution it is asked for.
//! `os:NoCycle` (shapes/relations.ttl) asks `$this (memberOf|parentOrganization)+ $this`
//! of every organization: one walk over all of its ancestors each, which grows
//! faster than the graph (33 of the 42 s of validating 100,000 synthetic
//! records, and 18 minutes at 1,000,000).
//!
//! Here [`rewrite`] replaces each such path in a constraint's query by one
//! triple pattern whose predicate names the path ([`path_iri`]), and the
//! validation graph answers that predicate with a [`Closure`]: the predicates'
//! edges, and their components found once (Tarjan, linear in the edges).
//! `a P+ a` is then whether `a`'s component has a cycle, and `a P+ b` is
//! false at once when `b`'s component cannot be below `a`'s; other questions
//! still walk the edges, pruned by the components' order. A triple pattern
//! and a path both give each pair once, so the solutions are the same.

use std::collections::{HashSet, VecDeque};
use std::sync::Arc;

use oxigraph::model::NamedNode;
use spargebra::Query;
use spargebra::algebra::{
    AggregateExpression, Expression, GraphPattern, OrderExpression, PropertyPathExpression,
};
use spargebra::term::{NamedNodePattern, TriplePattern};

use super::terms::Id;

/// The predicates' IRIs, percent-encoded and joined by `+`, follow this.
const PREFIX: &str = "urn:orgdir:closure:";

/// The IRI standing for `(p1|p2|...)+`.
pub fn path_iri(predicates: &[NamedNode]) -> NamedNode {
    let mut iri = String::from(PREFIX);
    for (i, p) in predicates.iter().enumerate() {
        if i > 0 {
            iri.push('+');
        }
        for b in p.as_str().bytes() {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                iri.push(char::from(b));
            } else {
                iri.push_str(&format!("%{b:02X}"));
            }
        }
    }
    NamedNode::new_unchecked(iri)
}

/// The predicates of an IRI made by [`path_iri`].
pub fn predicates(iri: &str) -> Option<Vec<String>> {
    let rest = iri.strip_prefix(PREFIX)?;
    rest.split('+')
        .map(|encoded| {
            let bytes = encoded.as_bytes();
            let mut out = Vec::with_capacity(bytes.len());
            let mut i = 0;
            while i < bytes.len() {
                if bytes[i] == b'%' {
                    let hex = std::str::from_utf8(bytes.get(i + 1..i + 3)?).ok()?;
                    out.push(u8::from_str_radix(hex, 16).ok()?);
                    i += 3;
                } else {
                    out.push(bytes[i]);
                    i += 1;
                }
            }
            String::from_utf8(out).ok()
        })
        .collect()
}

/// Replaces every `(p1|p2|...)+` path of forward predicates in `query`
/// (FILTER EXISTS and subqueries included) by a triple pattern with the
/// predicate [`path_iri`]. Returns how many it replaced.
pub fn rewrite(query: &mut Query) -> usize {
    let mut count = 0;
    if let Query::Select { pattern, .. } | Query::Ask { pattern, .. } = query {
        pattern_mut(pattern, &mut count);
    }
    count
}

/// The predicates of `p`, if it is one IRI or an alternative of IRIs.
fn alternatives(p: &PropertyPathExpression, out: &mut Vec<NamedNode>) -> bool {
    match p {
        PropertyPathExpression::NamedNode(n) => {
            if !out.contains(n) {
                out.push(n.clone());
            }
            true
        }
        PropertyPathExpression::Alternative(a, b) => alternatives(a, out) && alternatives(b, out),
        _ => false,
    }
}

fn pattern_mut(p: &mut GraphPattern, count: &mut usize) {
    match p {
        GraphPattern::Path {
            subject,
            path: PropertyPathExpression::OneOrMore(inner),
            object,
        } => {
            let mut preds = Vec::new();
            if alternatives(inner, &mut preds) {
                *count += 1;
                *p = GraphPattern::Bgp {
                    patterns: vec![TriplePattern {
                        subject: subject.clone(),
                        predicate: NamedNodePattern::NamedNode(path_iri(&preds)),
                        object: object.clone(),
                    }],
                };
            }
        }
        GraphPattern::Join { left, right }
        | GraphPattern::Union { left, right }
        | GraphPattern::Minus { left, right } => {
            pattern_mut(left, count);
            pattern_mut(right, count);
        }
        GraphPattern::LeftJoin {
            left,
            right,
            expression,
        } => {
            pattern_mut(left, count);
            pattern_mut(right, count);
            if let Some(e) = expression {
                expression_mut(e, count);
            }
        }
        GraphPattern::Filter { expr, inner } => {
            expression_mut(expr, count);
            pattern_mut(inner, count);
        }
        GraphPattern::Extend {
            inner, expression, ..
        } => {
            expression_mut(expression, count);
            pattern_mut(inner, count);
        }
        GraphPattern::OrderBy { inner, expression } => {
            for e in expression {
                let (OrderExpression::Asc(e) | OrderExpression::Desc(e)) = e;
                expression_mut(e, count);
            }
            pattern_mut(inner, count);
        }
        GraphPattern::Group {
            inner, aggregates, ..
        } => {
            for (_, a) in aggregates {
                if let AggregateExpression::FunctionCall { expr, .. } = a {
                    expression_mut(expr, count);
                }
            }
            pattern_mut(inner, count);
        }
        GraphPattern::Graph { inner, .. }
        | GraphPattern::Project { inner, .. }
        | GraphPattern::Distinct { inner }
        | GraphPattern::Reduced { inner }
        | GraphPattern::Slice { inner, .. }
        | GraphPattern::Service { inner, .. } => pattern_mut(inner, count),
        _ => {}
    }
}

fn expression_mut(e: &mut Expression, count: &mut usize) {
    match e {
        Expression::Exists(p) => pattern_mut(p, count),
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
            expression_mut(a, count);
            expression_mut(b, count);
        }
        Expression::UnaryPlus(a) | Expression::UnaryMinus(a) | Expression::Not(a) => {
            expression_mut(a, count)
        }
        Expression::If(a, b, c) => {
            expression_mut(a, count);
            expression_mut(b, count);
            expression_mut(c, count);
        }
        Expression::In(a, list) => {
            expression_mut(a, count);
            list.iter_mut().for_each(|e| expression_mut(e, count));
        }
        Expression::Coalesce(list) | Expression::FunctionCall(_, list) => {
            list.iter_mut().for_each(|e| expression_mut(e, count))
        }
        _ => {}
    }
}

/// The edges of some predicates, with their strongly connected components.
#[derive(Debug)]
pub struct Closure {
    /// Every node with an edge, sorted: a node's index here is its number.
    nodes: Vec<Id>,
    /// Edges by number, sorted by (from, to) and by (to, from).
    forward: Vec<(u32, u32)>,
    backward: Vec<(u32, u32)>,
    /// Each node's component. Components are numbered in the order Tarjan's
    /// algorithm completes them, so every component a node reaches has a
    /// number no greater than its own.
    component: Vec<u32>,
    /// Whether a component has a cycle (two nodes or more, or a self-loop).
    cyclic: Vec<bool>,
}

impl Closure {
    /// The closure of the edges `(from, to)` (in any order, repeats allowed).
    pub fn new(mut edges: Vec<(Id, Id)>) -> Self {
        let mut nodes: Vec<Id> = edges.iter().flat_map(|&(a, b)| [a, b]).collect();
        nodes.sort_unstable();
        nodes.dedup();
        let number = |id: Id| nodes.binary_search(&id).expect("an edge's node") as u32;
        edges.sort_unstable();
        edges.dedup();
        let forward: Vec<(u32, u32)> = edges.iter().map(|&(a, b)| (number(a), number(b))).collect();
        let mut backward: Vec<(u32, u32)> = forward.iter().map(|&(a, b)| (b, a)).collect();
        backward.sort_unstable();
        let (component, count) = components(nodes.len(), &forward);
        let mut size = vec![0u32; count];
        for &c in &component {
            size[c as usize] += 1;
        }
        let mut cyclic: Vec<bool> = size.iter().map(|&s| s > 1).collect();
        for &(a, b) in &forward {
            if a == b {
                cyclic[component[a as usize] as usize] = true;
            }
        }
        Closure {
            nodes,
            forward,
            backward,
            component,
            cyclic,
        }
    }

    fn number(&self, id: Id) -> Option<u32> {
        self.nodes.binary_search(&id).ok().map(|n| n as u32)
    }

    /// The pairs `(s, o)` with a path of one edge or more from `s` to `o`,
    /// `s` and `o` given or not.
    pub fn matching(
        self: &Arc<Self>,
        s: Option<Id>,
        o: Option<Id>,
    ) -> Box<dyn Iterator<Item = (Id, Id)> + Send + Sync> {
        let this = Arc::clone(self);
        let id = move |n: u32| this.nodes[n as usize];
        match (s, o) {
            (Some(s), Some(o)) => {
                let found = match (self.number(s), self.number(o)) {
                    (Some(a), Some(b)) => self.reaches(a, b),
                    _ => false,
                };
                Box::new(found.then_some((s, o)).into_iter())
            }
            (Some(s), None) => match self.number(s) {
                Some(a) => Box::new(
                    walk(&self.forward, a, |_| true)
                        .into_iter()
                        .map(move |b| (s, id(b))),
                ),
                None => Box::new(std::iter::empty()),
            },
            (None, Some(o)) => match self.number(o) {
                Some(b) => Box::new(
                    walk(&self.backward, b, |_| true)
                        .into_iter()
                        .map(move |a| (id(a), o)),
                ),
                None => Box::new(std::iter::empty()),
            },
            (None, None) => {
                let this = Arc::clone(self);
                Box::new((0..self.nodes.len() as u32).flat_map(move |a| {
                    let id = id.clone();
                    walk(&this.forward, a, |_| true)
                        .into_iter()
                        .map(move |b| (id(a), id(b)))
                }))
            }
        }
    }

    /// Whether there is a path of one edge or more from `a` to `b`.
    fn reaches(&self, a: u32, b: u32) -> bool {
        let (ca, cb) = (self.component[a as usize], self.component[b as usize]);
        if ca == cb {
            return self.cyclic[ca as usize];
        }
        if cb > ca {
            return false;
        }
        // Only components numbered from cb up can lie on a path to b.
        let mut found = false;
        walk(&self.forward, a, |n| {
            found |= n == b;
            !found && self.component[n as usize] >= cb
        });
        found
    }
}

/// The nodes reached from `start` by one edge or more, breadth first; the
/// walk goes on from a node only while `go_on(node)` says so.
fn walk(edges: &[(u32, u32)], start: u32, mut go_on: impl FnMut(u32) -> bool) -> Vec<u32> {
    let next = |n: u32| {
        let from = edges.partition_point(|&(a, _)| a < n);
        edges[from..]
            .iter()
            .take_while(move |&&(a, _)| a == n)
            .map(|&(_, b)| b)
    };
    let mut seen = HashSet::new();
    let mut reached = Vec::new();
    let mut queue = VecDeque::from([start]);
    while let Some(n) = queue.pop_front() {
        for m in next(n) {
            if seen.insert(m) {
                reached.push(m);
                if go_on(m) {
                    queue.push_back(m);
                }
            }
        }
    }
    reached
}

/// Tarjan's strongly connected components of nodes `0..n`, without recursion:
/// each node's component, and how many there are.
fn components(n: usize, forward: &[(u32, u32)]) -> (Vec<u32>, usize) {
    const NONE: u32 = u32::MAX;
    let first_edge = |v: u32| forward.partition_point(|&(a, _)| a < v);
    let mut index = vec![NONE; n];
    let mut low = vec![0u32; n];
    let mut on_stack = vec![false; n];
    let mut component = vec![NONE; n];
    let mut stack: Vec<u32> = Vec::new();
    // (node, position of its next edge in `forward`)
    let mut calls: Vec<(u32, usize)> = Vec::new();
    let (mut next_index, mut count) = (0u32, 0usize);
    for root in 0..n as u32 {
        if index[root as usize] != NONE {
            continue;
        }
        calls.push((root, first_edge(root)));
        index[root as usize] = next_index;
        low[root as usize] = next_index;
        next_index += 1;
        stack.push(root);
        on_stack[root as usize] = true;
        while let Some(&mut (v, ref mut edge)) = calls.last_mut() {
            if let Some(&(from, w)) = forward.get(*edge)
                && from == v
            {
                *edge += 1;
                if index[w as usize] == NONE {
                    index[w as usize] = next_index;
                    low[w as usize] = next_index;
                    next_index += 1;
                    stack.push(w);
                    on_stack[w as usize] = true;
                    calls.push((w, first_edge(w)));
                } else if on_stack[w as usize] {
                    low[v as usize] = low[v as usize].min(index[w as usize]);
                }
                continue;
            }
            calls.pop();
            if let Some(&(parent, _)) = calls.last() {
                low[parent as usize] = low[parent as usize].min(low[v as usize]);
            }
            if low[v as usize] == index[v as usize] {
                loop {
                    let w = stack.pop().expect("v is on the stack");
                    on_stack[w as usize] = false;
                    component[w as usize] = count as u32;
                    if w == v {
                        break;
                    }
                }
                count += 1;
            }
        }
    }
    (component, count)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every pair (a, b) with a path from a to b, by brute force.
    fn reachable(n: u32, edges: &[(Id, Id)]) -> HashSet<(Id, Id)> {
        let mut out = HashSet::new();
        for a in 0..n {
            let mut todo: Vec<Id> = edges.iter().filter(|e| e.0 == a).map(|e| e.1).collect();
            while let Some(b) = todo.pop() {
                if out.insert((a, b)) {
                    todo.extend(edges.iter().filter(|e| e.0 == b).map(|e| e.1));
                }
            }
        }
        out
    }

    #[test]
    fn every_question_answers_as_a_walk_does() {
        // Small random graphs (a fixed linear congruential sequence), ids
        // spread out so that numbering matters, with cycles and self-loops.
        let mut seed: u64 = 7;
        let mut rand = |m: u64| {
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (seed >> 33) % m
        };
        for round in 0..200 {
            let n = 2 + rand(12) as u32;
            let edges: Vec<(Id, Id)> = (0..rand(3 * n as u64))
                .map(|_| (rand(n as u64) as Id * 3, rand(n as u64) as Id * 3))
                .collect();
            let closure = Arc::new(Closure::new(edges.clone()));
            let expected = reachable(3 * n, &edges);
            for a in 0..3 * n + 1 {
                for b in 0..3 * n + 1 {
                    let got = closure.matching(Some(a), Some(b)).count() == 1;
                    assert_eq!(
                        got,
                        expected.contains(&(a, b)),
                        "round {round}: {a} -> {b} in {edges:?}"
                    );
                }
                let from: HashSet<_> = closure.matching(Some(a), None).collect();
                let want: HashSet<_> = expected.iter().filter(|p| p.0 == a).copied().collect();
                assert_eq!(from, want, "round {round}: from {a}");
                let to: HashSet<_> = closure.matching(None, Some(a)).collect();
                let want: HashSet<_> = expected.iter().filter(|p| p.1 == a).copied().collect();
                assert_eq!(to, want, "round {round}: to {a}");
            }
            let all: Vec<_> = closure.matching(None, None).collect();
            assert_eq!(all.len(), expected.len(), "round {round}: no pair twice");
            assert_eq!(all.into_iter().collect::<HashSet<_>>(), expected);
        }
    }

    #[test]
    fn a_rewritten_query_has_the_solutions_of_the_path() {
        use oxigraph::model::{NamedOrBlankNode, Term};
        use spareval::{QueryEvaluator, QueryResults};
        let node = |i: u64| NamedNode::new_unchecked(format!("http://example.org/{i}"));
        let (a, b, other) = (node(1000), node(1001), node(2000));
        let mut builder = crate::validate::graph::Builder::default();
        let mut seed: u64 = 11;
        for _ in 0..120 {
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let (s, o, p) = ((seed >> 33) % 40, (seed >> 40) % 40, (seed >> 50) % 3);
            let p = [&a, &b, &other][p as usize];
            builder.add(&NamedOrBlankNode::from(node(s)), p, &Term::from(node(o)));
        }
        let graph = builder.finish(10);
        let queries = [
            "SELECT ?x ?v WHERE { ?x ?p ?v FILTER EXISTS { ?x (<http://example.org/1000>|<http://example.org/1001>)+ ?x } ?v (<http://example.org/1000>|<http://example.org/1001>)+ ?x }",
            "SELECT ?x ?y WHERE { ?x <http://example.org/1000>+ ?y }",
            "SELECT ?y WHERE { <http://example.org/3> (<http://example.org/1001>|<http://example.org/1000>)+ ?y }",
            "SELECT ?y WHERE { ?y (<http://example.org/1001>|<http://example.org/1000>)+ <http://example.org/3> }",
        ];
        for q in queries {
            let solutions = |rewritten: bool| {
                let mut query = spargebra::SparqlParser::new().parse_query(q).unwrap();
                if rewritten {
                    assert!(rewrite(&mut query) > 0, "{q}");
                }
                let QueryResults::Solutions(s) = QueryEvaluator::new()
                    .prepare(&query)
                    .execute(&graph)
                    .unwrap()
                else {
                    unreachable!()
                };
                let mut rows: Vec<String> =
                    s.map(|s| format!("{:?}", s.unwrap().values())).collect();
                rows.sort();
                rows
            };
            let path = solutions(false);
            assert!(!path.is_empty(), "{q}");
            assert_eq!(solutions(true), path, "{q}");
        }
    }

    #[test]
    fn a_long_chain_needs_no_recursion() {
        let edges: Vec<(Id, Id)> = (0..1_000_000)
            .map(|i| (i, i + 1))
            .chain([(1_000_000, 0)])
            .collect();
        let closure = Arc::new(Closure::new(edges));
        assert_eq!(closure.matching(Some(0), Some(0)).count(), 1);
        assert_eq!(closure.matching(Some(999_999), Some(3)).count(), 1);
    }

    #[test]
    fn path_iris_name_their_predicates() {
        let p = [
            NamedNode::new_unchecked("http://schema.org/memberOf"),
            NamedNode::new_unchecked("http://example.org/a+b%c#d"),
        ];
        let iri = path_iri(&p);
        assert!(
            oxigraph::model::NamedNode::new(iri.as_str()).is_ok(),
            "{iri}"
        );
        assert_eq!(
            predicates(iri.as_str()).unwrap(),
            ["http://schema.org/memberOf", "http://example.org/a+b%c#d"]
        );
        assert_eq!(predicates("http://schema.org/memberOf"), None);
    }

    #[test]
    fn only_one_or_more_of_forward_predicates_is_rewritten() {
        let rewritten = |q: &str| {
            let mut query = spargebra::SparqlParser::new().parse_query(q).unwrap();
            let n = rewrite(&mut query);
            (n, query.to_string())
        };
        let (n, text) = rewritten(
            "SELECT ?x WHERE { ?x a ?c FILTER EXISTS { ?x (<http://a>|<http://b>)+ ?x } ?x <http://a>+ ?y }",
        );
        assert_eq!(n, 2, "{text}");
        assert!(text.contains(PREFIX) && !text.contains(")+"), "{text}");
        for kept in [
            "SELECT ?x WHERE { ?x <http://a>* ?y }",
            "SELECT ?x WHERE { ?x (^<http://a>)+ ?y }",
            "SELECT ?x WHERE { ?x (<http://a>/<http://b>)+ ?y }",
            "SELECT ?x WHERE { ?x (<http://a>|^<http://b>)+ ?y }",
        ] {
            assert_eq!(rewritten(kept).0, 0, "{kept}");
        }
    }
}
