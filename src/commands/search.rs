//! `orgdir search`: the name index on the command line, ranked as `/search`.

use std::io::Write;

use crate::config::SearchOptions;
use crate::error::{Error, exit};
use crate::search::Index;

/// Loads the data, builds the name index and prints the best `limit`
/// organizations for the query. Exit 0 whether or not any was found.
pub fn run(options: &SearchOptions, out: &mut impl Write) -> Result<u8, Error> {
    let index = load(&options.data, options.source_limits)?;
    let (total, found) = index.search(&options.query, 0, options.limit);
    let io = || Error::io("write", "standard output");
    if options.json {
        let results: Vec<serde_json::Value> = found
            .iter()
            .map(|c| {
                let e = index.entry(c.ord);
                let mut v = serde_json::json!({
                    "id": e.iri,
                    "name": e.name,
                    "score": (c.score * 10.0).round() / 10.0,
                    "how": c.how,
                });
                if c.label > 0 {
                    v["matched_name"] = e.alternate_names[c.label - 1].clone().into();
                }
                v
            })
            .collect();
        let value =
            serde_json::json!({ "query": options.query, "total": total, "results": results });
        writeln!(out, "{value:#}").map_err(io())?;
        return Ok(exit::SUCCESS);
    }
    let rows: Vec<[String; 4]> = found
        .iter()
        .map(|c| {
            let e = index.entry(c.ord);
            let name = match c.label {
                0 => e.name.clone(),
                n => format!("{} ({})", e.name, e.alternate_names[n - 1]),
            };
            [
                format!("{:.1}", c.score),
                format!("{:?}", c.how).to_lowercase(),
                name,
                e.iri.clone(),
            ]
        })
        .collect();
    let widths: Vec<usize> = (0..4)
        .map(|i| rows.iter().map(|r| r[i].chars().count()).max().unwrap_or(0))
        .collect();
    for r in &rows {
        let line: Vec<String> = r
            .iter()
            .zip(&widths)
            .enumerate()
            .map(|(i, (cell, w))| {
                if i == 3 {
                    cell.clone()
                } else {
                    format!("{cell:<w$}")
                }
            })
            .collect();
        writeln!(out, "{}", line.join("  ")).map_err(io())?;
    }
    if rows.is_empty() {
        writeln!(out, "no organization matches {:?}", options.query).map_err(io())?;
    } else if total > rows.len() {
        writeln!(out, "({} of {total} shown; --limit N for more)", rows.len()).map_err(io())?;
    }
    Ok(exit::SUCCESS)
}

/// The data of `data` as the server would index it: loaded, mapped, into a
/// store, and the store's organizations into the name index.
pub fn load(data: &std::path::Path, limits: crate::source::Limits) -> Result<Index, Error> {
    let source = crate::source::load(data, limits)?;
    let snapshot = crate::store::load(&source, Vec::new())?;
    drop(source);
    Ok(Index::build(&snapshot.store)?)
}
