//! The SHACL Core constraints orgdir's shapes use, checked by orgdir itself
//! over the compact graph, when every shape keeps to them.
//!
//! The engine (rudof's `shacl`) spends about 10 µs on one shape for one
//! focus node: it turns each term into its own types (parsing every IRI
//! again) and keeps every (node, shape) outcome in a hash map. With it,
//! `orgdir validate` took 18 to 19 s for 100,000 records, most of a cold
//! `orgdir serve`; with this module, 8 s (bench/RESULTS.md).
//! The constraints orgdir's shapes use are few and simple, so this module
//! checks them on term ids: targets by class (subclasses included), paths
//! of IRIs and sequences of IRIs, `sh:minCount`, `sh:maxCount`,
//! `sh:datatype`, `sh:nodeKind`, `sh:pattern` (with `sh:flags`), `sh:in`,
//! `sh:class`, `sh:node`, `sh:or` and `sh:property`, with `sh:severity` and
//! `sh:message`.
//!
//! [`compile`] returns `None` for a shapes graph that uses anything else
//! (another constraint, another target, `sh:deactivated`, a shape that
//! refers back to itself, a parameter it cannot read...): then the engine
//! validates, as before. tests/validate.rs checks that both give the same
//! results on every fixture, and the W3C suite runs through here for each
//! of its tests this module accepts.

use std::collections::HashMap;

use oxigraph::model::vocab::{rdf, rdfs, xsd};
use oxigraph::model::{Graph, NamedNode, NamedOrBlankNodeRef, Term, TermRef, TripleRef};
use regex::Regex;

use super::graph::CompactGraph;
use super::terms::Id;
use super::{Finding, Path, Severity};

use super::sparql::{severity, sh};

const SH: &str = crate::rdf::vocab::sh::NS;

mod compile;

pub use compile::compile;

/// The shapes, compiled.
#[derive(Debug)]
pub struct CoreShapes {
    shapes: Vec<Shape>,
    /// (shape, its targets), for the shapes that have targets.
    targets: Vec<(usize, Vec<Target>)>,
}

#[derive(Debug)]
enum Target {
    /// Instances of the class, or of a class below it.
    Class(NamedNode),
    Node(Term),
    SubjectsOf(NamedNode),
    ObjectsOf(NamedNode),
}

#[derive(Debug)]
struct Shape {
    term: Term,
    /// The path of a property shape: as reported, and as predicates to follow.
    path: Option<(Path, Vec<NamedNode>)>,
    severity: Severity,
    message: String,
    constraints: Vec<Constraint>,
}

#[derive(Debug)]
enum Constraint {
    MinCount(usize),
    MaxCount(usize),
    Datatype(NamedNode),
    NodeKind(NodeKind),
    Pattern(Regex),
    In(Vec<Term>),
    Class(NamedNode),
    Node(usize),
    Or(Vec<usize>),
    Property(usize),
}

#[derive(Debug, Clone, Copy)]
enum NodeKind {
    Iri,
    BlankNode,
    Literal,
    BlankNodeOrIri,
    BlankNodeOrLiteral,
    IriOrLiteral,
}

/// Checks one graph against compiled shapes.
pub struct Checker<'a> {
    shapes: &'a CoreShapes,
    g: &'a CompactGraph,
    rdf_type: Option<Id>,
    sub_class_of: Option<Id>,
    /// Each shape's path as ids (a predicate the graph lacks: `None`).
    paths: Vec<Vec<Option<Id>>>,
}

impl<'a> Checker<'a> {
    pub fn new(shapes: &'a CoreShapes, g: &'a CompactGraph) -> Self {
        let id = |n: &NamedNode| g.id_of(n.as_ref().into());
        let paths = shapes
            .shapes
            .iter()
            .map(|s| {
                s.path
                    .iter()
                    .flat_map(|(_, steps)| steps.iter().map(id))
                    .collect()
            })
            .collect();
        Checker {
            shapes,
            g,
            rdf_type: id(&rdf::TYPE.into_owned()),
            sub_class_of: id(&rdfs::SUB_CLASS_OF.into_owned()),
            paths,
        }
    }

    /// The focus nodes of every shape with targets; `None` when a
    /// `sh:targetNode` is not in the graph (every check here reads terms by
    /// their id in the graph): then the engine validates.
    pub fn focus_nodes(&self) -> Option<Vec<(usize, Vec<Id>)>> {
        let mut all = Vec::new();
        for (shape, targets) in &self.shapes.targets {
            let mut focus: Vec<Id> = Vec::new();
            for target in targets {
                let id = |n: &NamedNode| self.g.id_of(n.as_ref().into());
                match target {
                    Target::Class(class) => {
                        for c in id(class).map(|c| self.subclasses(c)).unwrap_or_default() {
                            focus.extend(self.subjects(self.rdf_type, c));
                        }
                    }
                    Target::Node(n) => focus.push(self.g.id_of(n.as_ref())?),
                    Target::SubjectsOf(p) => {
                        if let Some(p) = id(p) {
                            focus.extend(self.g.with_predicate(p).map(|(s, _)| s));
                        }
                    }
                    Target::ObjectsOf(p) => {
                        if let Some(p) = id(p) {
                            focus.extend(self.g.with_predicate(p).map(|(_, o)| o));
                        }
                    }
                }
            }
            focus.sort_unstable();
            focus.dedup();
            all.push((*shape, focus));
        }
        Some(all)
    }

    /// The results of the focus nodes [`Checker::focus_nodes`] gave.
    pub fn run(&self, focus_nodes: &[(usize, Vec<Id>)]) -> Vec<Finding> {
        let mut findings = Vec::new();
        for (shape, focus) in focus_nodes {
            for &f in focus {
                self.check(*shape, f, &mut Some(&mut findings));
            }
        }
        findings
    }

    fn subjects(&self, p: Option<Id>, o: Id) -> impl Iterator<Item = Id> + '_ {
        p.into_iter().flat_map(move |p| self.g.subjects(p, o))
    }

    fn objects(&self, s: Id, p: Option<Id>) -> impl Iterator<Item = Id> + '_ {
        p.into_iter().flat_map(move |p| self.g.objects(s, p))
    }

    /// `c` and every class below it by `rdfs:subClassOf`.
    fn subclasses(&self, c: Id) -> Vec<Id> {
        let mut all = vec![c];
        let mut i = 0;
        while i < all.len() {
            let below: Vec<Id> = self.subjects(self.sub_class_of, all[i]).collect();
            for b in below {
                if !all.contains(&b) {
                    all.push(b);
                }
            }
            i += 1;
        }
        all
    }

    fn is_instance(&self, node: Id, class: &NamedNode) -> bool {
        let Some(class) = self.g.id_of(class.as_ref().into()) else {
            return false;
        };
        let mut seen: Vec<Id> = self.objects(node, self.rdf_type).collect();
        let mut i = 0;
        while i < seen.len() {
            if seen[i] == class {
                return true;
            }
            let above: Vec<Id> = self.objects(seen[i], self.sub_class_of).collect();
            for a in above {
                if !seen.contains(&a) {
                    seen.push(a);
                }
            }
            i += 1;
        }
        false
    }

    /// The value nodes of `shape` for `focus`.
    fn values(&self, shape: usize, focus: Id) -> Vec<Id> {
        if self.shapes.shapes[shape].path.is_none() {
            return vec![focus];
        }
        let mut nodes = vec![focus];
        for &step in &self.paths[shape] {
            let mut next: Vec<Id> = nodes.iter().flat_map(|&n| self.objects(n, step)).collect();
            next.sort_unstable();
            next.dedup();
            nodes = next;
        }
        nodes
    }

    /// Checks `focus` against `shape`; with `out`, adds its results there,
    /// without, stops at the first. Returns whether it conforms.
    fn check(&self, shape: usize, focus: Id, out: &mut Option<&mut Vec<Finding>>) -> bool {
        let s = &self.shapes.shapes[shape];
        let values = self.values(shape, focus);
        let mut conforms = true;
        // Records a result; false when there is nowhere to put it (stop).
        let fail = |out: &mut Option<&mut Vec<Finding>>, c: &Constraint, value: Option<Id>| {
            let Some(out) = out else { return false };
            out.push(Finding {
                severity: s.severity.clone(),
                component: sh(component(c)),
                shape: Some(s.term.clone()),
                focus: self.g.term(focus),
                path: s.path.as_ref().map(|(p, _)| p.clone()),
                value: value.map(|v| self.g.term(v)),
                message: s.message.clone(),
                location: None,
            });
            true
        };
        for c in &s.constraints {
            let go_on = match c {
                Constraint::MinCount(n) if values.len() < *n => {
                    conforms = false;
                    fail(out, c, None)
                }
                Constraint::MaxCount(n) if values.len() > *n => {
                    conforms = false;
                    fail(out, c, None)
                }
                Constraint::MinCount(_) | Constraint::MaxCount(_) => true,
                // Each value node against the property shape, whose results
                // are its own, not this shape's.
                Constraint::Property(p) => values.iter().all(|&v| {
                    self.check(*p, v, out) || {
                        conforms = false;
                        out.is_some()
                    }
                }),
                _ => values.iter().all(|&v| {
                    self.value_conforms(c, v) || {
                        conforms = false;
                        fail(out, c, Some(v))
                    }
                }),
            };
            if !go_on {
                return false;
            }
        }
        conforms
    }

    fn value_conforms(&self, c: &Constraint, v: Id) -> bool {
        match c {
            Constraint::Datatype(d) => match self.g.term(v) {
                Term::Literal(l) => l.datatype() == d.as_ref() && well_formed(&l),
                _ => false,
            },
            Constraint::NodeKind(k) => {
                let t = self.g.term(v);
                let (iri, blank) = (t.is_named_node(), t.is_blank_node());
                match k {
                    NodeKind::Iri => iri,
                    NodeKind::BlankNode => blank,
                    NodeKind::Literal => !iri && !blank,
                    NodeKind::BlankNodeOrIri => iri || blank,
                    NodeKind::BlankNodeOrLiteral => !iri,
                    NodeKind::IriOrLiteral => !blank,
                }
            }
            Constraint::Pattern(re) => match self.g.term(v) {
                Term::NamedNode(n) => re.is_match(n.as_str()),
                Term::Literal(l) => re.is_match(l.value()),
                _ => false,
            },
            Constraint::In(list) => {
                let t = self.g.term(v);
                list.contains(&t)
            }
            Constraint::Class(class) => self.is_instance(v, class),
            Constraint::Node(s) => self.check(*s, v, &mut None),
            Constraint::Or(members) => members.iter().any(|&m| self.check(m, v, &mut None)),
            Constraint::MinCount(_) | Constraint::MaxCount(_) | Constraint::Property(_) => true,
        }
    }
}

fn component(c: &Constraint) -> &'static str {
    match c {
        Constraint::MinCount(_) => "MinCountConstraintComponent",
        Constraint::MaxCount(_) => "MaxCountConstraintComponent",
        Constraint::Datatype(_) => "DatatypeConstraintComponent",
        Constraint::NodeKind(_) => "NodeKindConstraintComponent",
        Constraint::Pattern(_) => "PatternConstraintComponent",
        Constraint::In(_) => "InConstraintComponent",
        Constraint::Class(_) => "ClassConstraintComponent",
        Constraint::Node(_) => "NodeConstraintComponent",
        Constraint::Or(_) => "OrConstraintComponent",
        Constraint::Property(_) => "PropertyConstraintComponent",
    }
}

/// The datatypes `sh:datatype` may name here: those whose well-formed
/// values [`well_formed`] knows.
const DATATYPES: &[oxigraph::model::NamedNodeRef<'_>] = &[
    xsd::STRING,
    rdf::LANG_STRING,
    xsd::DATE,
    xsd::G_YEAR,
    xsd::INTEGER,
    xsd::BOOLEAN,
];

/// Whether a literal's text is a valid value of its datatype (an ill-formed
/// literal does not have the datatype, in SHACL).
fn well_formed(l: &oxigraph::model::Literal) -> bool {
    use std::str::FromStr;
    let (v, d) = (l.value(), l.datatype());
    if d == xsd::DATE {
        oxsdatatypes::Date::from_str(v).is_ok()
    } else if d == xsd::G_YEAR {
        oxsdatatypes::GYear::from_str(v).is_ok()
    } else if d == xsd::INTEGER {
        oxsdatatypes::Integer::from_str(v).is_ok()
    } else if d == xsd::BOOLEAN {
        oxsdatatypes::Boolean::from_str(v).is_ok()
    } else {
        true
    }
}
