//! SHACL-SPARQL constraints (`sh:sparql`) of the shapes that have targets,
//! run by orgdir with Oxigraph's SPARQL evaluator over the validation graph
//! instead of by the engine.
//!
//! The engine (rudof's `shacl` 0.3.37) builds one query text per focus node,
//! pasting a `VALUES ?this { ... }` into the WHERE clause, and parses it
//! again each time. That costs most of a validation (4 constraints over
//! 10,000 records took as long as all of SHACL Core), and it is not the
//! spec's pre-binding: `$this` inside a UNION branch stays unbound (W3C test
//! sparql/pre-binding-002). Here each query is parsed once and evaluated once
//! for all focus nodes where that is exact (see [`binds_this`]), else per
//! focus node with `$this` bound from the start (the evaluator's variable
//! substitution).
//!
//! The queries the spec forbids under pre-binding (MINUS, VALUES, SERVICE,
//! `AS $this`, a nested SELECT that drops `$this`) are refused when the
//! shapes load, for every `sh:select` and `sh:ask` in the shapes graph.
//!
//! Constraints of property shapes, and of shapes without targets (reached
//! through `sh:node` and the like), stay with the engine.

use oxigraph::model::{
    Graph, NamedNode, NamedNodeRef, NamedOrBlankNodeRef, Term, TermRef, Triple, Variable,
};
use spareval::{QueryEvaluator, QueryResults, QuerySolutionIter};
use spargebra::algebra::GraphPattern;
use spargebra::term::{NamedNodePattern, TermPattern};
use spargebra::{Query, SparqlParser};

use super::graph::CompactGraph;
use super::{Finding, Path, Severity};

const SH: &str = crate::rdf::vocab::sh::NS;
const RDF_TYPE: &str = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type";
const RDFS_CLASS: &str = "http://www.w3.org/2000/01/rdf-schema#Class";

pub(super) fn sh(local: &str) -> NamedNode {
    NamedNode::new_unchecked(format!("{SH}{local}"))
}

/// How a shape selects its focus nodes.
#[derive(Debug, Clone)]
enum Target {
    /// Instances of the class or of its subclasses.
    Class(NamedNode),
    Node(Term),
    SubjectsOf(NamedNode),
    ObjectsOf(NamedNode),
}

/// One `sh:sparql` constraint of a targeted node shape.
#[derive(Clone)]
pub struct SparqlConstraint {
    shape: Term,
    severity: Severity,
    message: Option<String>,
    targets: Vec<Target>,
    query: Query,
    /// The variables the query names, of `this`, `shapesGraph`, `currentShape`.
    binds_this: bool,
    binds_current_shape: bool,
    /// Whether one evaluation with `$this` free gives the same solutions as
    /// one evaluation per focus node (see [`binds_this`]).
    whole_set: bool,
}

/// Takes the constraints orgdir runs out of `shapes` (removing their
/// `sh:sparql` link, so that the engine does not run them too) and checks
/// every SPARQL query of the shapes graph against the pre-binding rules.
pub fn extract(shapes: &mut Graph) -> Result<Vec<SparqlConstraint>, String> {
    check_all_queries(shapes)?;
    let links: Vec<Triple> = shapes
        .triples_for_predicate(&sh("sparql"))
        .map(|t| t.into_owned())
        .collect();
    let mut constraints = Vec::new();
    for link in links {
        let shape = NamedOrBlankNodeRef::from(&link.subject);
        let Some(constraint) = as_node(link.object.as_ref()) else {
            continue;
        };
        let targets = targets(shapes, shape);
        let is_property_shape = shapes
            .object_for_subject_predicate(shape, &sh("path"))
            .is_some();
        if targets.is_empty() || is_property_shape || is_true(shapes, shape, "deactivated") {
            continue;
        }
        let Some(select) = string(shapes, constraint, "select") else {
            continue;
        };
        if !is_true(shapes, constraint, "deactivated") {
            let text = format!("{}{select}", prefixes(shapes, constraint));
            let mut parsed = SparqlParser::new()
                .parse_query(&text)
                .map_err(|e| format!("a sh:select of {}: {e}", link.subject))?;
            let mentions = |name: &str| mentions(&parsed, name);
            let (binds_this, binds_current_shape) = (mentions("this"), mentions("currentShape"));
            let whole_set = binds_this && self::binds_this(&parsed);
            // The evaluator binds only projected variables in advance.
            project(&mut parsed, binds_this.then_some("this"));
            project(&mut parsed, binds_current_shape.then_some("currentShape"));
            // Parsed again from its text: evaluating the edited algebra itself
            // left `$this` unbound in a nested group (W3C test
            // sparql/pre-binding-005 fails that way; why, is not understood).
            let mut query = SparqlParser::new()
                .parse_query(&parsed.to_string())
                .map_err(|e| format!("a sh:select of {}: {e}", link.subject))?;
            super::closure::rewrite(&mut query);
            let severity = match shapes.object_for_subject_predicate(shape, &sh("severity")) {
                Some(TermRef::NamedNode(n)) => severity(n),
                _ => Severity::Violation,
            };
            constraints.push(SparqlConstraint {
                shape: link.subject.clone().into(),
                severity,
                message: string(shapes, constraint, "message"),
                targets,
                query,
                binds_this,
                binds_current_shape,
                whole_set,
            });
        }
        shapes.remove(link.as_ref());
    }
    Ok(constraints)
}

/// Evaluates the constraints on `store`: once for all focus nodes where that
/// gives the same solutions, else once per focus node.
pub fn run(constraints: &[SparqlConstraint], graph: &CompactGraph) -> Result<Vec<Finding>, String> {
    let mut findings = Vec::new();
    for c in constraints {
        let focus_nodes = focus_nodes(c, graph)?;
        if c.whole_set {
            let focus: std::collections::HashSet<&Term> = focus_nodes.iter().collect();
            let solutions = evaluate(c, graph, None)?;
            for solution in solutions {
                let solution = solution.map_err(|e| e.to_string())?;
                if let Some(this) = solution.get("this")
                    && focus.contains(this)
                {
                    findings.push(result(c, &solution, this)?);
                }
            }
            tracing::debug!(
                "validation: SPARQL constraint of {} done; {}",
                c.shape,
                crate::fsutil::memory()
            );
            continue;
        }
        for focus in focus_nodes {
            for solution in evaluate(c, graph, Some(&focus))? {
                let solution = solution.map_err(|e| e.to_string())?;
                findings.push(result(c, &solution, &focus)?);
            }
        }
    }
    Ok(findings)
}

/// Evaluates a constraint's query, with `$this` bound to `focus` if given.
fn evaluate<'a>(
    c: &SparqlConstraint,
    graph: &'a CompactGraph,
    focus: Option<&Term>,
) -> Result<QuerySolutionIter<'a>, String> {
    let evaluator = QueryEvaluator::new();
    let mut query = evaluator.prepare(&c.query);
    if let Some(focus) = focus
        && c.binds_this
    {
        query = query.substitute_variable(Variable::new_unchecked("this"), focus.clone());
    }
    if c.binds_current_shape {
        query = query.substitute_variable(Variable::new_unchecked("currentShape"), c.shape.clone());
    }
    match query
        .execute(graph)
        .map_err(|e| format!("evaluating a sh:select of {}: {e}", c.shape))?
    {
        QueryResults::Solutions(solutions) => Ok(solutions),
        _ => Err(format!("a sh:select of {} is not a SELECT", c.shape)),
    }
}

/// The finding of one solution of a constraint's query, or the failure it reports.
fn result(
    c: &SparqlConstraint,
    solution: &spareval::QuerySolution,
    focus: &Term,
) -> Result<Finding, String> {
    if let Some(Term::Literal(l)) = solution.get("failure")
        && l.value() == "true"
    {
        return Err(format!("a sh:select of {} reported a failure", c.shape));
    }
    let path = match solution.get("path") {
        Some(Term::NamedNode(p)) => Some(Path::Predicate(p.clone())),
        _ => None,
    };
    let message = match solution.get("message") {
        Some(Term::Literal(m)) => m.value().to_owned(),
        _ => c
            .message
            .as_deref()
            .map(|m| interpolate(m, |v| solution.get(v).cloned(), focus))
            .unwrap_or_default(),
    };
    Ok(Finding {
        severity: c.severity.clone(),
        component: sh("SPARQLConstraintComponent"),
        shape: Some(c.shape.clone()),
        focus: solution
            .get("this")
            .cloned()
            .unwrap_or_else(|| focus.clone()),
        path,
        value: Some(
            solution
                .get("value")
                .cloned()
                .unwrap_or_else(|| focus.clone()),
        ),
        message,
        location: None,
    })
}

/// `{$var}` and `{?var}` in a message, replaced by the solution's values.
fn interpolate(message: &str, get: impl Fn(&str) -> Option<Term>, focus: &Term) -> String {
    let mut out = String::with_capacity(message.len());
    let mut rest = message;
    while let Some(start) = rest.find(['{']) {
        let Some(len) = rest[start..].find('}') else {
            break;
        };
        let inner = &rest[start + 1..start + len];
        out.push_str(&rest[..start]);
        match inner.strip_prefix(['$', '?']) {
            Some(name) => {
                let value = get(name).or_else(|| (name == "this").then(|| focus.clone()));
                match value {
                    Some(Term::Literal(l)) => out.push_str(l.value()),
                    Some(Term::NamedNode(n)) => out.push_str(n.as_str()),
                    Some(other) => out.push_str(&other.to_string()),
                    None => out.push_str(&rest[start..=start + len]),
                }
            }
            None => out.push_str(&rest[start..=start + len]),
        }
        rest = &rest[start + len + 1..];
    }
    out.push_str(rest);
    out
}

fn focus_nodes(c: &SparqlConstraint, graph: &CompactGraph) -> Result<Vec<Term>, String> {
    let mut nodes = Vec::new();
    for target in &c.targets {
        let query = match target {
            Target::Node(n) => {
                nodes.push(n.clone());
                continue;
            }
            Target::Class(class) => format!(
                "SELECT DISTINCT ?x WHERE {{ ?x <{RDF_TYPE}>/<http://www.w3.org/2000/01/rdf-schema#subClassOf>* {class} }}"
            ),
            Target::SubjectsOf(p) => format!("SELECT DISTINCT ?x WHERE {{ ?x {p} ?o }}"),
            Target::ObjectsOf(p) => format!("SELECT DISTINCT ?x WHERE {{ ?s {p} ?x }}"),
        };
        let query = SparqlParser::new()
            .parse_query(&query)
            .map_err(|e| e.to_string())?;
        let results = QueryEvaluator::new()
            .prepare(&query)
            .execute(graph)
            .map_err(|e| e.to_string())?;
        if let QueryResults::Solutions(solutions) = results {
            for s in solutions {
                if let Some(x) = s.map_err(|e| e.to_string())?.get("x") {
                    nodes.push(x.clone());
                }
            }
        }
    }
    let mut seen = std::collections::HashSet::new();
    nodes.retain(|n| seen.insert(n.clone()));
    Ok(nodes)
}

pub(super) fn severity(iri: NamedNodeRef<'_>) -> Severity {
    match iri.as_str().strip_prefix(SH) {
        Some("Violation") => Severity::Violation,
        Some("Warning") => Severity::Warning,
        Some("Info") => Severity::Info,
        _ => Severity::Other(iri.into_owned()),
    }
}

fn targets(g: &Graph, shape: NamedOrBlankNodeRef<'_>) -> Vec<Target> {
    let mut targets = Vec::new();
    let named = |t: TermRef<'_>| match t {
        TermRef::NamedNode(n) => Some(n.into_owned()),
        _ => None,
    };
    for t in g.objects_for_subject_predicate(shape, &sh("targetClass")) {
        targets.extend(named(t).map(Target::Class));
    }
    for t in g.objects_for_subject_predicate(shape, &sh("targetNode")) {
        targets.push(Target::Node(t.into_owned()));
    }
    for t in g.objects_for_subject_predicate(shape, &sh("targetSubjectsOf")) {
        targets.extend(named(t).map(Target::SubjectsOf));
    }
    for t in g.objects_for_subject_predicate(shape, &sh("targetObjectsOf")) {
        targets.extend(named(t).map(Target::ObjectsOf));
    }
    // An implicit class target: a shape that is also a class.
    let rdf_type = NamedNode::new_unchecked(RDF_TYPE);
    let class = NamedNode::new_unchecked(RDFS_CLASS);
    if let NamedOrBlankNodeRef::NamedNode(n) = shape
        && g.contains(oxigraph::model::TripleRef::new(shape, &rdf_type, &class))
    {
        targets.push(Target::Class(n.into_owned()));
    }
    targets
}

fn as_node(t: TermRef<'_>) -> Option<NamedOrBlankNodeRef<'_>> {
    match t {
        TermRef::NamedNode(n) => Some(n.into()),
        TermRef::BlankNode(b) => Some(b.into()),
        _ => None,
    }
}

fn string(g: &Graph, node: NamedOrBlankNodeRef<'_>, local: &str) -> Option<String> {
    let mut values: Vec<(bool, String)> = g
        .objects_for_subject_predicate(node, &sh(local))
        .filter_map(|t| match t {
            TermRef::Literal(l) => Some((l.language().is_some(), l.value().to_owned())),
            _ => None,
        })
        .collect();
    // A message without a language tag first.
    values.sort();
    values.into_iter().next().map(|(_, v)| v)
}

fn is_true(g: &Graph, node: NamedOrBlankNodeRef<'_>, local: &str) -> bool {
    matches!(g.object_for_subject_predicate(node, &sh(local)), Some(TermRef::Literal(l)) if l.value() == "true")
}

/// `PREFIX` lines for the `sh:prefixes` of a constraint (`sh:declare`, and
/// the declarations of what those ontologies `owl:imports`).
fn prefixes(g: &Graph, node: NamedOrBlankNodeRef<'_>) -> String {
    let imports = NamedNode::new_unchecked("http://www.w3.org/2002/07/owl#imports");
    let mut out = String::new();
    let mut todo: Vec<NamedOrBlankNodeRef<'_>> = g
        .objects_for_subject_predicate(node, &sh("prefixes"))
        .filter_map(as_node)
        .collect();
    let mut seen = std::collections::HashSet::new();
    while let Some(ontology) = todo.pop() {
        if !seen.insert(ontology) {
            continue;
        }
        todo.extend(
            g.objects_for_subject_predicate(ontology, &imports)
                .filter_map(as_node),
        );
        for declaration in g.objects_for_subject_predicate(ontology, &sh("declare")) {
            let Some(d) = as_node(declaration) else {
                continue;
            };
            if let (Some(prefix), Some(TermRef::Literal(ns))) = (
                string(g, d, "prefix"),
                g.object_for_subject_predicate(d, &sh("namespace")),
            ) {
                out.push_str(&format!("PREFIX {prefix}: <{}>\n", ns.value()));
            }
        }
    }
    out
}

/// Every `sh:select` and `sh:ask` of the shapes graph parses and keeps to the
/// pre-binding rules of SHACL 5.2.1.
fn check_all_queries(g: &Graph) -> Result<(), String> {
    for local in ["select", "ask"] {
        for t in g.triples_for_predicate(&sh(local)) {
            let TermRef::Literal(text) = t.object else {
                continue;
            };
            let full = format!("{}{}", prefixes(g, t.subject), text.value());
            let query = SparqlParser::new()
                .parse_query(&full)
                .map_err(|e| format!("the sh:{local} of {}: {e}", t.subject))?;
            let pre_bound = if local == "ask" {
                &PRE_BOUND[..]
            } else {
                &PRE_BOUND[..3]
            };
            check_prebinding(&query, pre_bound).map_err(|e| {
                format!(
                    "the sh:{local} of {} uses {e}, which SHACL forbids with pre-bound variables",
                    t.subject
                )
            })?;
        }
    }
    Ok(())
}

/// The variables SHACL pre-binds in a `sh:select` constraint; a validator's
/// `sh:ask` also has `$value`.
const PRE_BOUND: [&str; 4] = ["this", "shapesGraph", "currentShape", "value"];

fn check_prebinding(query: &Query, pre_bound: &[&str]) -> Result<(), String> {
    let pattern = match query {
        Query::Select { pattern, .. } | Query::Ask { pattern, .. } => pattern,
        _ => return Err("a query form other than SELECT or ASK".into()),
    };
    walk(where_clause(pattern), pre_bound)
}

fn walk(p: &GraphPattern, pre_bound: &[&str]) -> Result<(), String> {
    let walk = |p: &GraphPattern| walk(p, pre_bound);
    match p {
        GraphPattern::Minus { .. } => Err("MINUS".into()),
        GraphPattern::Service { .. } => Err("SERVICE".into()),
        GraphPattern::Values { .. } => Err("VALUES".into()),
        GraphPattern::Extend {
            inner, variable, ..
        } => {
            if pre_bound.contains(&variable.as_str()) {
                return Err(format!("AS ${}", variable.as_str()));
            }
            walk(inner)
        }
        GraphPattern::Project { inner, variables } => {
            if !variables.iter().any(|v| v.as_str() == "this") {
                return Err("a nested SELECT that does not return $this".into());
            }
            walk(inner)
        }
        GraphPattern::Join { left, right }
        | GraphPattern::Union { left, right }
        | GraphPattern::LeftJoin { left, right, .. } => {
            walk(left)?;
            walk(right)
        }
        GraphPattern::Filter { inner, .. }
        | GraphPattern::Graph { inner, .. }
        | GraphPattern::Distinct { inner }
        | GraphPattern::Reduced { inner }
        | GraphPattern::Slice { inner, .. }
        | GraphPattern::OrderBy { inner, .. }
        | GraphPattern::Group { inner, .. } => walk(inner),
        _ => Ok(()),
    }
}

/// Whether every solution of the query binds `$this` by matching a triple
/// pattern outside OPTIONAL, MINUS, subqueries and aggregates (in both
/// branches of a UNION), and every part that names `$this` (a group, a
/// FILTER, a BIND) binds it itself. Then evaluating the query once with
/// `$this` free and keeping the solutions whose `$this` is a focus node
/// gives, node by node, what evaluating it with `$this` pre-bound gives.
/// (`{ FILTER (bound($this)) } $this ex:p ?o` is not of this kind: the group
/// is evaluated on its own, where only pre-binding binds `$this`; W3C test
/// sparql/pre-binding-005.) All four constraints of shapes/relations.ttl are of this kind, and
/// evaluating each once instead of 100,000 times is the difference between
/// 1 s and 60 s at 100,000 records.
fn binds_this(query: &Query) -> bool {
    fn is_this(t: &TermPattern) -> bool {
        matches!(t, TermPattern::Variable(v) if v.as_str() == "this")
    }
    fn named(text: String) -> bool {
        names(&text, "this")
    }
    /// Every part that names `$this` binds it.
    fn safe(p: &GraphPattern) -> bool {
        let part = |q: &GraphPattern| safe(q) && (!named(q.to_string()) || binds(q));
        match p {
            GraphPattern::Bgp { .. } | GraphPattern::Path { .. } => true,
            GraphPattern::Join { left, right } | GraphPattern::Union { left, right } => {
                part(left) && part(right)
            }
            GraphPattern::LeftJoin {
                left,
                right,
                expression,
            } => {
                part(left)
                    && part(right)
                    && (expression.is_none() || binds(left) || !named(format!("{expression:?}")))
            }
            GraphPattern::Filter { expr, inner } => {
                safe(inner) && (!named(expr.to_string()) || binds(inner))
            }
            GraphPattern::Extend {
                inner, expression, ..
            } => safe(inner) && (!named(expression.to_string()) || binds(inner)),
            GraphPattern::Graph { inner, .. } => safe(inner),
            other => !named(other.to_string()),
        }
    }
    fn binds(p: &GraphPattern) -> bool {
        match p {
            GraphPattern::Bgp { patterns } => patterns.iter().any(|t| {
                is_this(&t.subject)
                    || is_this(&t.object)
                    || matches!(&t.predicate, NamedNodePattern::Variable(v) if v.as_str() == "this")
            }),
            GraphPattern::Path {
                subject, object, ..
            } => is_this(subject) || is_this(object),
            GraphPattern::Join { left, right } => binds(left) || binds(right),
            GraphPattern::LeftJoin { left, .. } => binds(left),
            GraphPattern::Union { left, right } => binds(left) && binds(right),
            GraphPattern::Filter { inner, .. }
            | GraphPattern::Extend { inner, .. }
            | GraphPattern::Graph { inner, .. } => binds(inner),
            _ => false,
        }
    }
    let Query::Select { pattern, .. } = query else {
        return false;
    };
    let p = where_clause(pattern);
    binds(p) && safe(p)
}

/// The WHERE clause of a query's pattern: under its modifiers and its own
/// projection (any other projection is a subquery).
fn where_clause(mut p: &GraphPattern) -> &GraphPattern {
    while let GraphPattern::Distinct { inner }
    | GraphPattern::Reduced { inner }
    | GraphPattern::Slice { inner, .. } = p
    {
        p = inner;
    }
    match p {
        GraphPattern::Project { inner, .. } => inner,
        other => other,
    }
}

/// Adds `?name` to the SELECT clause of `query` if it is not there.
fn project(query: &mut Query, name: Option<&str>) {
    let (Some(name), Query::Select { pattern, .. }) = (name, query) else {
        return;
    };
    let mut p = pattern;
    while let GraphPattern::Distinct { inner }
    | GraphPattern::Reduced { inner }
    | GraphPattern::Slice { inner, .. } = p
    {
        p = inner;
    }
    if let GraphPattern::Project { variables, .. } = p
        && !variables.iter().any(|v| v.as_str() == name)
    {
        variables.push(Variable::new_unchecked(name));
    }
}

/// Whether the query names `?name` or `$name` anywhere.
fn mentions(query: &Query, name: &str) -> bool {
    names(&query.to_string(), name)
}

/// Whether algebra text (whose Display writes variables as `?name`) names `?name`.
fn names(text: &str, name: &str) -> bool {
    let needle = format!("?{name}");
    text.match_indices(&needle).any(|(i, _)| {
        !text[i + needle.len()..]
            .chars()
            .next()
            .is_some_and(|c| c.is_alphanumeric() || c == '_')
    })
}

#[cfg(test)]
mod tests;
