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

const SH: &str = "http://www.w3.org/ns/shacl#";

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

/// What a shape node may say: anything else in the `sh:` namespace makes
/// [`compile`] give up.
const KNOWN: &[&str] = &[
    "targetClass",
    "targetNode",
    "targetSubjectsOf",
    "targetObjectsOf",
    "property",
    "path",
    "minCount",
    "maxCount",
    "datatype",
    "nodeKind",
    "pattern",
    "flags",
    "in",
    "class",
    "node",
    "or",
    "message",
    "severity",
    "name",
    "description",
    "order",
    "group",
    "defaultValue",
];

/// The shapes of `g` (with the SHACL-SPARQL constraints orgdir runs already
/// taken out), if this module can check all of them.
pub fn compile(g: &Graph) -> Option<CoreShapes> {
    let mut compiler = Compiler {
        g,
        index: HashMap::new(),
        shapes: Vec::new(),
        visiting: Vec::new(),
    };
    // Targets of other kinds, or SPARQL-based constraint components.
    let mut with_targets: Vec<NamedOrBlankNodeRef<'_>> = Vec::new();
    for t in g {
        match t.predicate.as_str().strip_prefix(SH) {
            Some("target" | "targetWhere") => return None,
            Some("targetClass" | "targetNode" | "targetSubjectsOf" | "targetObjectsOf")
                if !with_targets.contains(&t.subject) =>
            {
                with_targets.push(t.subject)
            }
            _ => {}
        }
        if t.predicate == rdf::TYPE
            && let TermRef::NamedNode(class) = t.object
        {
            if class.as_str() == format!("{SH}ConstraintComponent") {
                return None;
            }
            // A shape that is a class targets its instances.
            if class == rdfs::CLASS
                && (g.contains(TripleRef::new(t.subject, rdf::TYPE, &sh("NodeShape")))
                    || g.contains(TripleRef::new(t.subject, rdf::TYPE, &sh("PropertyShape"))))
                && !with_targets.contains(&t.subject)
            {
                with_targets.push(t.subject);
            }
        }
    }
    let mut targets = Vec::new();
    for shape in with_targets {
        let named = |local: &str| -> Option<Vec<NamedNode>> {
            g.objects_for_subject_predicate(shape, &sh(local))
                .map(|o| match o {
                    TermRef::NamedNode(n) => Some(n.into_owned()),
                    _ => None,
                })
                .collect()
        };
        let mut of_shape: Vec<Target> = named("targetClass")?
            .into_iter()
            .map(Target::Class)
            .collect();
        if let NamedOrBlankNodeRef::NamedNode(n) = shape
            && g.contains(TripleRef::new(shape, rdf::TYPE, rdfs::CLASS))
        {
            of_shape.push(Target::Class(n.into_owned()));
        }
        of_shape.extend(
            g.objects_for_subject_predicate(shape, &sh("targetNode"))
                .map(|n| Target::Node(n.into_owned())),
        );
        of_shape.extend(
            named("targetSubjectsOf")?
                .into_iter()
                .map(Target::SubjectsOf),
        );
        of_shape.extend(named("targetObjectsOf")?.into_iter().map(Target::ObjectsOf));
        let i = compiler.shape(shape.into())?;
        targets.push((i, of_shape));
    }
    Some(CoreShapes {
        shapes: compiler.shapes,
        targets,
    })
}

struct Compiler<'a> {
    g: &'a Graph,
    index: HashMap<Term, usize>,
    shapes: Vec<Shape>,
    /// The shapes being compiled: a reference back to one is a cycle.
    visiting: Vec<Term>,
}

impl<'a> Compiler<'a> {
    fn shape(&mut self, term: TermRef<'_>) -> Option<usize> {
        let owned = term.into_owned();
        if let Some(&i) = self.index.get(&owned) {
            return Some(i);
        }
        if self.visiting.contains(&owned) {
            return None;
        }
        let node = match term {
            TermRef::NamedNode(n) => NamedOrBlankNodeRef::from(n),
            TermRef::BlankNode(b) => NamedOrBlankNodeRef::from(b),
            _ => return None,
        };
        self.visiting.push(owned.clone());
        let g = self.g;
        // What the shape says beyond what this module knows.
        if g.triples_for_subject(node).any(|t| {
            t.predicate
                .as_str()
                .strip_prefix(SH)
                .is_some_and(|local| !KNOWN.contains(&local))
        }) {
            return None;
        }
        let one = |local: &str| -> Option<Option<TermRef<'_>>> {
            let mut values = g.objects_for_subject_predicate(node, &sh(local));
            let first = values.next();
            values.next().is_none().then_some(first)
        };
        let count = |local: &str| -> Option<Option<usize>> {
            match one(local)? {
                None => Some(None),
                Some(TermRef::Literal(l)) if l.datatype() == xsd::INTEGER => {
                    l.value().parse().ok().map(Some)
                }
                Some(_) => None,
            }
        };
        let path = match one("path")? {
            None => None,
            Some(p) => Some(self.path(p)?),
        };
        let severity = match one("severity")? {
            None => Severity::Violation,
            Some(TermRef::NamedNode(n)) => severity(n),
            Some(_) => return None,
        };
        let mut messages: Vec<(Option<&str>, &str)> = Vec::new();
        for m in g.objects_for_subject_predicate(node, &sh("message")) {
            let TermRef::Literal(l) = m else { return None };
            messages.push((l.language(), l.value()));
        }
        let message = messages
            .iter()
            .find(|(lang, _)| lang.is_none())
            .or_else(|| messages.iter().min_by_key(|(_, m)| *m))
            .map(|(_, m)| m.to_string())
            .unwrap_or_default();
        let mut constraints = Vec::new();
        if let Some(n) = count("minCount")? {
            constraints.push(Constraint::MinCount(n));
        }
        if let Some(n) = count("maxCount")? {
            constraints.push(Constraint::MaxCount(n));
        }
        for d in g.objects_for_subject_predicate(node, &sh("datatype")) {
            let TermRef::NamedNode(d) = d else {
                return None;
            };
            if !DATATYPES.contains(&d) {
                return None;
            }
            constraints.push(Constraint::Datatype(d.into_owned()));
        }
        for k in g.objects_for_subject_predicate(node, &sh("nodeKind")) {
            let TermRef::NamedNode(k) = k else {
                return None;
            };
            constraints.push(Constraint::NodeKind(match k.as_str().strip_prefix(SH)? {
                "IRI" => NodeKind::Iri,
                "BlankNode" => NodeKind::BlankNode,
                "Literal" => NodeKind::Literal,
                "BlankNodeOrIRI" => NodeKind::BlankNodeOrIri,
                "BlankNodeOrLiteral" => NodeKind::BlankNodeOrLiteral,
                "IRIOrLiteral" => NodeKind::IriOrLiteral,
                _ => return None,
            }));
        }
        let flags = match one("flags")? {
            None => "",
            Some(TermRef::Literal(l)) => l.value(),
            Some(_) => return None,
        };
        for p in g.objects_for_subject_predicate(node, &sh("pattern")) {
            let TermRef::Literal(p) = p else { return None };
            constraints.push(Constraint::Pattern(regex(p.value(), flags)?));
        }
        for list in g.objects_for_subject_predicate(node, &sh("in")) {
            constraints.push(Constraint::In(self.list(list)?));
        }
        for c in g.objects_for_subject_predicate(node, &sh("class")) {
            let TermRef::NamedNode(c) = c else {
                return None;
            };
            constraints.push(Constraint::Class(c.into_owned()));
        }
        let nested: Vec<TermRef<'_>> = g.objects_for_subject_predicate(node, &sh("node")).collect();
        for s in nested {
            let s = self.shape(s)?;
            constraints.push(Constraint::Node(s));
        }
        let ors: Vec<TermRef<'_>> = g.objects_for_subject_predicate(node, &sh("or")).collect();
        for list in ors {
            let mut members = Vec::new();
            for m in self.list(list)? {
                members.push(self.shape(m.as_ref())?);
            }
            constraints.push(Constraint::Or(members));
        }
        let properties: Vec<TermRef<'_>> = g
            .objects_for_subject_predicate(node, &sh("property"))
            .collect();
        for p in properties {
            let p = self.shape(p)?;
            self.shapes[p].path.as_ref()?;
            constraints.push(Constraint::Property(p));
        }
        self.visiting.pop();
        self.shapes.push(Shape {
            term: owned.clone(),
            path,
            severity,
            message,
            constraints,
        });
        self.index.insert(owned, self.shapes.len() - 1);
        Some(self.shapes.len() - 1)
    }

    /// An IRI, or a list of IRIs (a sequence path).
    fn path(&self, p: TermRef<'_>) -> Option<(Path, Vec<NamedNode>)> {
        match p {
            TermRef::NamedNode(n) => Some((Path::Predicate(n.into_owned()), vec![n.into_owned()])),
            TermRef::BlankNode(_) => {
                let mut steps = Vec::new();
                for step in self.list(p)? {
                    let Term::NamedNode(n) = step else {
                        return None;
                    };
                    steps.push(n);
                }
                (steps.len() >= 2).then(|| {
                    let path = Path::Sequence(steps.iter().cloned().map(Path::Predicate).collect());
                    (path, steps)
                })
            }
            _ => None,
        }
    }

    /// The members of an RDF list.
    fn list(&self, mut node: TermRef<'a>) -> Option<Vec<Term>> {
        let mut out = Vec::new();
        while node != rdf::NIL.into() {
            let subject = match node {
                TermRef::NamedNode(n) => NamedOrBlankNodeRef::from(n),
                TermRef::BlankNode(b) => NamedOrBlankNodeRef::from(b),
                _ => return None,
            };
            out.push(
                self.g
                    .object_for_subject_predicate(subject, rdf::FIRST)?
                    .into_owned(),
            );
            node = self.g.object_for_subject_predicate(subject, rdf::REST)?;
            if out.len() > 100_000 {
                return None;
            }
        }
        Some(out)
    }
}

/// `sh:pattern` with `sh:flags` as a Rust regex, when the flags are ones it
/// has (the XPath `x`, `q` and others make [`compile`] give up).
fn regex(pattern: &str, flags: &str) -> Option<Regex> {
    let mut builder = regex::RegexBuilder::new(pattern);
    for f in flags.chars() {
        match f {
            'i' => builder.case_insensitive(true),
            's' => builder.dot_matches_new_line(true),
            'm' => builder.multi_line(true),
            _ => return None,
        };
    }
    builder.build().ok()
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
