//! `orgdir query`: one SPARQL query against the data, results on stdout.

use std::io::Write;

use oxigraph::io::{RdfFormat, RdfSerializer};
use oxigraph::model::Term;
use oxigraph::sparql::results::{QueryResultsFormat, QueryResultsSerializer};
use oxigraph::sparql::{QueryResults, QuerySolution, SparqlEvaluator};

use crate::config::{QueryFormat, QueryOptions, QuerySource};
use crate::error::{Error, exit};
use crate::rdf::vocab::PREFIXES;
use crate::server::guard::{self, Federation};
use crate::store;

/// `orgdir query` on a thread with the endpoint's query stack
/// ([`guard::STACK`]): a query nested past the guard's limits is refused
/// with a message, and one within them is parsed and evaluated without
/// overflowing the stack (the main thread's 8 MiB overflowed at 5,000
/// nested parentheses).
pub fn run_on_a_deep_stack(options: &QueryOptions) -> Result<u8, Error> {
    let options = options.clone();
    std::thread::Builder::new()
        .name("orgdir-query".into())
        .stack_size(guard::STACK)
        .spawn(move || run(&options, &mut std::io::stdout().lock()))
        .map_err(|e| Error::Task(format!("cannot start the query thread: {e}")))?
        .join()
        .map_err(|_| Error::Task("the query thread panicked".into()))?
}

/// `orgdir query`: loads the data into a store and answers one query.
pub fn run(options: &QueryOptions, out: &mut impl Write) -> Result<u8, Error> {
    let text = match &options.query {
        QuerySource::Text(text) => text.clone(),
        QuerySource::File(path) => {
            std::fs::read_to_string(path).map_err(Error::io("read", path))?
        }
        QuerySource::Named(name) => {
            let queries = store::load_queries(&options.queries)?;
            match queries.into_iter().find(|q| &q.name == name) {
                Some(q) => q.text,
                None => {
                    return Err(Error::Query(format!(
                        "no query named `{name}` in {}",
                        options.queries.display()
                    )));
                }
            }
        }
    };
    // Checked as the endpoint checks a query (nesting and algebra depth; no
    // SERVICE), on a thread with its stack: see [`run_on_a_deep_stack`].
    let query = guard::parse(&text, Federation::Off).map_err(|e| Error::Query(e.to_string()))?;
    let prepared = SparqlEvaluator::new().for_query(query);
    let source = crate::source::load(&options.data, options.source_limits)?;
    let snapshot = store::load(&source, Vec::new())?;
    drop(source);
    let failed = |e: &dyn std::fmt::Display| Error::Query(format!("query evaluation failed: {e}"));
    let io = Error::io("write", "standard output");
    match prepared
        .on_store(&snapshot.store)
        .execute()
        .map_err(|e| failed(&e))?
    {
        QueryResults::Solutions(solutions) => {
            let variables = solutions.variables().to_vec();
            let rows: Vec<QuerySolution> = solutions
                .collect::<Result<_, _>>()
                .map_err(|e| failed(&e))?;
            let format = match options.format {
                QueryFormat::Table => {
                    write_table(out, &variables, &rows).map_err(io)?;
                    return Ok(exit::SUCCESS);
                }
                QueryFormat::Csv => QueryResultsFormat::Csv,
                QueryFormat::Tsv => QueryResultsFormat::Tsv,
                QueryFormat::Json => QueryResultsFormat::Json,
            };
            let mut w = QueryResultsSerializer::from_format(format)
                .serialize_solutions_to_writer(out, variables)
                .map_err(Error::io("write", "standard output"))?;
            for row in &rows {
                w.serialize(row)
                    .map_err(Error::io("write", "standard output"))?;
            }
            w.finish().map_err(io)?;
        }
        QueryResults::Boolean(value) => match options.format {
            QueryFormat::Table => writeln!(out, "{value}").map_err(io)?,
            f => {
                let format = match f {
                    QueryFormat::Csv => QueryResultsFormat::Csv,
                    QueryFormat::Tsv => QueryResultsFormat::Tsv,
                    _ => QueryResultsFormat::Json,
                };
                QueryResultsSerializer::from_format(format)
                    .serialize_boolean_to_writer(out, value)
                    .map_err(io)?;
            }
        },
        QueryResults::Graph(triples) => {
            let format = match options.format {
                QueryFormat::Table => RdfFormat::Turtle,
                QueryFormat::Csv | QueryFormat::Tsv => RdfFormat::NTriples,
                QueryFormat::Json => RdfFormat::JsonLd {
                    profile: Default::default(),
                },
            };
            let mut serializer = RdfSerializer::from_format(format);
            for (prefix, ns) in PREFIXES {
                serializer = serializer
                    .with_prefix(*prefix, *ns)
                    .map_err(|e| Error::Query(e.to_string()))?;
            }
            let mut w = serializer.for_writer(out);
            for t in triples {
                w.serialize_triple(&t.map_err(|e| failed(&e))?)
                    .map_err(Error::io("write", "standard output"))?;
            }
            w.finish().map_err(io)?;
        }
    }
    Ok(exit::SUCCESS)
}

/// A cell as a person reads it: an IRI as itself, a literal as its value.
fn cell(term: Option<&Term>) -> String {
    match term {
        None => String::new(),
        Some(Term::NamedNode(n)) => n.as_str().to_owned(),
        Some(Term::Literal(l)) => l.value().to_owned(),
        Some(other) => other.to_string(),
    }
}

fn write_table(
    out: &mut impl Write,
    variables: &[oxigraph::sparql::Variable],
    rows: &[QuerySolution],
) -> std::io::Result<()> {
    let header: Vec<String> = variables.iter().map(|v| v.as_str().to_owned()).collect();
    let cells: Vec<Vec<String>> = rows
        .iter()
        .map(|row| variables.iter().map(|v| cell(row.get(v))).collect())
        .collect();
    let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for row in &cells {
        for (w, c) in widths.iter_mut().zip(row) {
            *w = (*w).max(c.chars().count());
        }
    }
    let line = |out: &mut dyn Write, values: &[String]| -> std::io::Result<()> {
        let padded: Vec<String> = values
            .iter()
            .zip(&widths)
            .map(|(v, w)| format!("{v:<w$}"))
            .collect();
        writeln!(out, "{}", padded.join("  ").trim_end())
    };
    line(out, &header)?;
    let rule: Vec<String> = widths.iter().map(|w| "-".repeat(*w)).collect();
    line(out, &rule)?;
    for row in &cells {
        line(out, row)?;
    }
    writeln!(
        out,
        "({} row{})",
        rows.len(),
        if rows.len() == 1 { "" } else { "s" }
    )
}
