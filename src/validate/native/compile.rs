//! Shapes into [`CoreShapes`]: every shape node read, or `None` as soon as
//! one says something this module does not check.

use super::*;

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
