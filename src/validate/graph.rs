//! The data graph as the engine reads it: compact, read-only, and seen one
//! chunk of focus nodes at a time.
//!
//! The engine's own in-memory graph (oxrdf's `Dataset`, six B-tree indexes)
//! took 2.2 GB for the 1.5 million triples of 100,000 records, before
//! validating anything, and the engine's per-(node, shape) results took
//! 1.2 GB more. Here each term is stored once ([`Terms`]) and the triples are
//! three sorted arrays of term ids (SPO, POS, OSP): 36 bytes per triple.
//!
//! [`View`] shows the whole graph, except that `?x rdf:type C` (how the
//! engine finds the focus nodes of `sh:targetClass`) answers only the
//! subjects of one chunk. Validating chunk after chunk gives the results of
//! validating the whole graph at once, while the engine's state stays the
//! size of one chunk. It is used only when every target of the shapes is a
//! class target (see [`Chunks`]); `sh:class` and every path still read the
//! whole graph.

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex};

use oxigraph::model::{BlankNode, Literal, NamedNode, NamedOrBlankNode, Term, Triple};
use prefixmap::PrefixMap;
use rudof_iri::IriS;
use rudof_rdf::rdf_core::query::{
    QueryRDF, QueryResultFormat, QuerySolution, QuerySolutions, VarName,
};
use rudof_rdf::rdf_core::{Matcher, NeighsRDF, Rdf};
use spareval::{InternalQuad, QueryEvaluator, QueryResults, QueryableDataset};
use spargebra::SparqlParser;

const RDF_TYPE: &str = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type";

use super::closure::{self, Closure};
use super::terms::{Id, Terms};

/// Terms and triples, by id.
pub struct CompactGraph {
    terms: Terms,
    /// Sorted (s, p, o).
    spo: Vec<[Id; 3]>,
    /// Sorted (p, o, s).
    pos: Vec<[Id; 3]>,
    /// Sorted (o, s, p).
    osp: Vec<[Id; 3]>,
    rdf_type: Option<Id>,
    /// For each term id, the chunk of focus nodes it belongs to.
    chunk_of: Vec<u32>,
    /// The closures of the paths the SPARQL constraints ask for, by the IRI
    /// that names each path (see [`closure`]), built when first asked for.
    closures: Mutex<HashMap<String, Arc<Closure>>>,
}

impl fmt::Debug for CompactGraph {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CompactGraph")
            .field("terms", &self.terms.len())
            .field("triples", &self.spo.len())
            .finish()
    }
}

/// Collects triples into a [`CompactGraph`].
#[derive(Default)]
pub struct Builder {
    terms: Terms,
    spo: Vec<[Id; 3]>,
    scratch: Vec<u8>,
}

impl Builder {
    pub fn add(&mut self, s: &NamedOrBlankNode, p: &NamedNode, o: &Term) {
        let s = self.terms.intern(s.as_ref().into(), &mut self.scratch);
        let p = self.terms.intern(p.as_ref().into(), &mut self.scratch);
        let o = self.terms.intern(o.as_ref(), &mut self.scratch);
        self.spo.push([s, p, o]);
    }

    /// Sorts the indexes and puts every `chunk_size` typed subjects in a chunk.
    pub fn finish(self, chunk_size: usize) -> CompactGraph {
        let Builder {
            mut terms, mut spo, ..
        } = self;
        terms.shrink();
        spo.sort_unstable();
        spo.dedup();
        spo.shrink_to_fit();
        let mut pos: Vec<[Id; 3]> = spo.iter().map(|&[s, p, o]| [p, o, s]).collect();
        pos.sort_unstable();
        let mut osp: Vec<[Id; 3]> = spo.iter().map(|&[s, p, o]| [o, s, p]).collect();
        osp.sort_unstable();
        let rdf_type = terms.id(NamedNode::new_unchecked(RDF_TYPE).as_ref().into());
        let mut chunk_of = vec![0u32; terms.len()];
        if let Some(t) = rdf_type {
            // Typed subjects in id order (the order they were first seen).
            let mut typed: Vec<Id> = spo
                .iter()
                .filter(|[_, p, _]| *p == t)
                .map(|[s, _, _]| *s)
                .collect();
            typed.sort_unstable();
            typed.dedup();
            for (i, s) in typed.into_iter().enumerate() {
                chunk_of[s as usize] = (i / chunk_size.max(1)) as u32;
            }
        }
        CompactGraph {
            terms,
            spo,
            pos,
            osp,
            rdf_type,
            chunk_of,
            closures: Mutex::default(),
        }
    }
}

impl CompactGraph {
    pub fn chunks(&self) -> u32 {
        self.chunk_of.iter().copied().max().map_or(1, |m| m + 1)
    }

    fn id(&self, t: &Term) -> Option<Id> {
        self.terms.id(t.as_ref())
    }

    pub(super) fn id_of(&self, t: oxigraph::model::TermRef<'_>) -> Option<Id> {
        self.terms.id(t)
    }

    pub(super) fn term(&self, id: Id) -> Term {
        self.terms.get(id)
    }

    /// The objects of `s p ?o`.
    pub(super) fn objects(&self, s: Id, p: Id) -> impl Iterator<Item = Id> + '_ {
        range(&self.spo, &[s, p]).iter().map(|t| t[2])
    }

    /// The (subject, object) pairs of `?s p ?o`.
    pub(super) fn with_predicate(&self, p: Id) -> impl Iterator<Item = (Id, Id)> + '_ {
        range(&self.pos, &[p]).iter().map(|t| (t[2], t[1]))
    }

    /// The subjects of `?s p o`.
    pub(super) fn subjects(&self, p: Id, o: Id) -> impl Iterator<Item = Id> + '_ {
        range(&self.pos, &[p, o]).iter().map(|t| t[2])
    }

    /// The closure a path IRI of [`closure::path_iri`] names, if `iri` is one.
    fn closure(&self, iri: &str) -> Option<Arc<Closure>> {
        let predicates = closure::predicates(iri)?;
        let mut closures = self.closures.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(c) = closures.get(iri) {
            return Some(Arc::clone(c));
        }
        let mut edges = Vec::new();
        for p in predicates {
            let Some(p) = self.id(&NamedNode::new_unchecked(p).into()) else {
                continue;
            };
            edges.extend(range(&self.pos, &[p]).iter().map(|&[_, o, s]| (s, o)));
        }
        let c = Arc::new(Closure::new(edges));
        closures.insert(iri.to_owned(), Arc::clone(&c));
        Some(c)
    }

    fn triple(&self, [s, p, o]: [Id; 3]) -> Triple {
        let subject = match self.terms.get(s) {
            Term::NamedNode(n) => NamedOrBlankNode::from(n),
            Term::BlankNode(b) => NamedOrBlankNode::from(b),
            other => unreachable!("a subject is an IRI or a blank node, not {other}"),
        };
        let Term::NamedNode(predicate) = self.terms.get(p) else {
            unreachable!("a predicate is an IRI")
        };
        Triple::new(subject, predicate, self.terms.get(o))
    }
}

/// Every [id; 3] of `index` that starts with `prefix`.
fn range<'a>(index: &'a [[Id; 3]], prefix: &[Id]) -> &'a [[Id; 3]] {
    let start = index.partition_point(|t| t[..prefix.len()] < *prefix);
    let end = start + index[start..].partition_point(|t| t[..prefix.len()] == *prefix);
    &index[start..end]
}

/// The graph as one chunk's validation sees it.
#[derive(Clone)]
pub struct View {
    graph: Arc<CompactGraph>,
    /// `None`: every focus node (no chunking).
    chunk: Option<u32>,
}

impl fmt::Debug for View {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "View({:?}, chunk {:?})", self.graph, self.chunk)
    }
}

impl View {
    pub fn new(graph: Arc<CompactGraph>, chunk: Option<u32>) -> Self {
        View { graph, chunk }
    }

    fn in_chunk(&self, subject: Id) -> bool {
        self.chunk
            .is_none_or(|c| self.graph.chunk_of[subject as usize] == c)
    }
}

#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct GraphError(String);

impl Rdf for View {
    type IRI = NamedNode;
    type BNode = BlankNode;
    type Literal = Literal;
    type Subject = NamedOrBlankNode;
    type Term = Term;
    type Triple = Triple;
    type Err = GraphError;

    fn resolve_prefix_local(
        &self,
        prefix: &str,
        local: &str,
    ) -> Result<IriS, prefixmap::PrefixMapError> {
        PrefixMap::new().resolve_prefix_local(prefix, local)
    }

    fn qualify_iri(&self, node: &NamedNode) -> String {
        node.to_string()
    }

    fn qualify_subject(&self, subj: &NamedOrBlankNode) -> String {
        subj.to_string()
    }

    fn qualify_term(&self, term: &Term) -> String {
        term.to_string()
    }

    fn prefixmap(&self) -> Option<PrefixMap> {
        Some(PrefixMap::new())
    }
}

impl NeighsRDF for View {
    fn triples(&self) -> Result<impl Iterator<Item = Triple>, GraphError> {
        let g = Arc::clone(&self.graph);
        Ok((0..g.spo.len()).map(move |i| g.triple(g.spo[i])))
    }

    fn triples_matching<S, P, O>(
        &self,
        subject: &S,
        predicate: &P,
        object: &O,
    ) -> Result<impl Iterator<Item = Triple> + '_, GraphError>
    where
        S: Matcher<NamedOrBlankNode>,
        P: Matcher<NamedNode>,
        O: Matcher<Term>,
    {
        let g = &self.graph;
        let lookup = |t: Option<Term>| -> Option<Option<Id>> { t.map(|t| g.id(&t)) };
        let s = lookup(subject.value().map(|s| Term::from(s.clone())));
        let p = lookup(predicate.value().map(|p| Term::from(p.clone())));
        let o = lookup(object.value().cloned());
        // A term the graph does not have matches nothing.
        if matches!(s, Some(None)) || matches!(p, Some(None)) || matches!(o, Some(None)) {
            return Ok(Box::new(std::iter::empty()) as Box<dyn Iterator<Item = Triple>>);
        }
        let (s, p, o) = (s.flatten(), p.flatten(), o.flatten());
        let targets_only = s.is_none() && o.is_some() && p.is_some() && p == g.rdf_type;
        let ids = g
            .matching(s, p, o)
            .filter(move |&[s, _, _]| !targets_only || self.in_chunk(s));
        Ok(Box::new(ids.map(move |t| g.triple(t))) as Box<dyn Iterator<Item = Triple>>)
    }
}

impl CompactGraph {
    /// The triples matching a pattern of ids, from the index that has them
    /// contiguous.
    fn matching(
        &self,
        s: Option<Id>,
        p: Option<Id>,
        o: Option<Id>,
    ) -> Box<dyn Iterator<Item = [Id; 3]> + '_> {
        let g = self;
        match (s, p, o) {
            (Some(s), Some(p), Some(o)) => Box::new(range(&g.spo, &[s, p, o]).iter().copied()),
            (Some(s), Some(p), None) => Box::new(range(&g.spo, &[s, p]).iter().copied()),
            (Some(s), None, Some(o)) => {
                Box::new(range(&g.osp, &[o, s]).iter().map(|&[o, s, p]| [s, p, o]))
            }
            (Some(s), None, None) => Box::new(range(&g.spo, &[s]).iter().copied()),
            (None, Some(p), Some(o)) => {
                Box::new(range(&g.pos, &[p, o]).iter().map(|&[p, o, s]| [s, p, o]))
            }
            (None, Some(p), None) => {
                Box::new(range(&g.pos, &[p]).iter().map(|&[p, o, s]| [s, p, o]))
            }
            (None, None, Some(o)) => {
                Box::new(range(&g.osp, &[o]).iter().map(|&[o, s, p]| [s, p, o]))
            }
            (None, None, None) => Box::new(g.spo.iter().copied()),
        }
    }
}

impl QueryRDF for View {
    fn query_select(&self, query: &str) -> Result<QuerySolutions<View>, GraphError> {
        let query = parse(query)?;
        let results = QueryEvaluator::new()
            .prepare(&query)
            .execute(&*self.graph)
            .map_err(|e| GraphError(e.to_string()))?;
        let QueryResults::Solutions(solutions) = results else {
            return Ok(QuerySolutions::empty());
        };
        let mut out = Vec::new();
        for s in solutions {
            let s = s.map_err(|e| GraphError(e.to_string()))?;
            let variables = s
                .variables()
                .iter()
                .map(|v| VarName::new(v.as_str()))
                .collect();
            out.push(QuerySolution::new(variables, s.values().to_vec()));
        }
        Ok(QuerySolutions::new(out, PrefixMap::new()))
    }

    fn query_construct(
        &self,
        _query: &str,
        _format: &QueryResultFormat,
    ) -> Result<String, GraphError> {
        Err(GraphError("CONSTRUCT is not used in validation".into()))
    }

    fn query_ask(&self, query: &str) -> Result<bool, GraphError> {
        let query = parse(query)?;
        match QueryEvaluator::new()
            .prepare(&query)
            .execute(&*self.graph)
            .map_err(|e| GraphError(e.to_string()))?
        {
            QueryResults::Boolean(b) => Ok(b),
            _ => Err(GraphError("not an ASK query".into())),
        }
    }
}

fn parse(query: &str) -> Result<spargebra::Query, GraphError> {
    SparqlParser::new()
        .parse_query(query)
        .map_err(|e| GraphError(e.to_string()))
}

/// A term as the SPARQL evaluator holds it: the graph's id, or the term
/// itself when the graph does not have it (a constant of the query, a BIND).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Internal {
    Id(Id),
    Term(Term),
}

/// Oxigraph's SPARQL evaluator (spareval) reads the graph directly: no second
/// copy of the data in a store, and a lookup is a binary search in an array.
impl<'a> QueryableDataset<'a> for &'a CompactGraph {
    type InternalTerm = Internal;
    type Error = std::convert::Infallible;

    fn internal_quads_for_pattern(
        &self,
        subject: Option<&Internal>,
        predicate: Option<&Internal>,
        object: Option<&Internal>,
        graph_name: Option<Option<&Internal>>,
    ) -> impl Iterator<Item = Result<InternalQuad<Internal>, Self::Error>> + use<'a> {
        let g: &'a CompactGraph = self;
        let id = |t: Option<&Internal>| match t {
            None => Some(None),
            Some(Internal::Id(i)) => Some(Some(*i)),
            // A term the graph does not have matches nothing.
            Some(Internal::Term(_)) => None,
        };
        // Everything is in the default graph.
        let in_named_graph = matches!(graph_name, Some(Some(_)));
        if let Some(Internal::Term(Term::NamedNode(path))) = predicate
            && let Some(closure) = g.closure(path.as_str())
        {
            let pairs = match (id(subject), id(object)) {
                (Some(s), Some(o)) if !in_named_graph => closure.matching(s, o),
                _ => Box::new(std::iter::empty()),
            };
            let path = Internal::Term(Term::NamedNode(path.clone()));
            return Box::new(pairs.map(move |(s, o)| {
                Ok(InternalQuad {
                    subject: Internal::Id(s),
                    predicate: path.clone(),
                    object: Internal::Id(o),
                    graph_name: None,
                })
            })) as Box<dyn Iterator<Item = _>>;
        }
        let ids: Box<dyn Iterator<Item = [Id; 3]> + 'a> =
            match (id(subject), id(predicate), id(object)) {
                (Some(s), Some(p), Some(o)) if !in_named_graph => g.matching(s, p, o),
                _ => Box::new(std::iter::empty()),
            };
        Box::new(ids.map(|[s, p, o]| {
            Ok(InternalQuad {
                subject: Internal::Id(s),
                predicate: Internal::Id(p),
                object: Internal::Id(o),
                graph_name: None,
            })
        }))
    }

    fn internal_named_graphs(
        &self,
    ) -> impl Iterator<Item = Result<Internal, Self::Error>> + use<'a> {
        std::iter::empty()
    }

    fn contains_internal_graph_name(&self, _: &Internal) -> Result<bool, Self::Error> {
        Ok(false)
    }

    fn internalize_term(&self, term: Term) -> Result<Internal, Self::Error> {
        Ok(match self.id(&term) {
            Some(i) => Internal::Id(i),
            None => Internal::Term(term),
        })
    }

    fn externalize_term(&self, term: Internal) -> Result<Term, Self::Error> {
        Ok(match term {
            Internal::Id(i) => self.terms.get(i),
            Internal::Term(t) => t,
        })
    }
}
