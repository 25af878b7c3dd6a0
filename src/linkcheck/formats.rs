//! The link-check report as Markdown and HTML (minijinja templates, from the
//! same [`Report`] value as text and JSON) and as SARIF for code scanning.
//! The HTML page is self-contained: its style, its chart of status counts
//! over the runs (inline SVG) and the script that sorts its table are in it.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::LazyLock;

use minijinja::Environment;
use serde::Serialize;
use serde_json::json;

use super::history::{History, State};
use super::status::{Hop, Status};
use super::{Entry, Report, Use};

static TEMPLATES: LazyLock<Environment<'static>> = LazyLock::new(|| {
    let mut env = Environment::new();
    for (name, text) in [
        ("linkcheck.md", include_str!("../templates/linkcheck.md")),
        (
            "linkcheck.html",
            include_str!("../templates/linkcheck.html"),
        ),
    ] {
        env.add_template(name, text)
            .unwrap_or_else(|e| panic!("template {name}: {e}"));
    }
    env.add_filter("code_spans", |text: &str| {
        minijinja::Value::from_safe_string(crate::report::html_code_spans(text))
    });
    env
});

/// One URL as the templates show it.
#[derive(Debug, Serialize)]
struct Row<'a> {
    status: &'static str,
    http_status: Option<u16>,
    url: &'a str,
    final_url: Option<&'a str>,
    redirects: &'a [Hop],
    error: Option<&'a str>,
    uses: &'a [Use],
    state_text: String,
    suggestion: Option<&'a str>,
    archived: Option<&'a str>,
}

fn state_text(e: &Entry) -> String {
    let v = &e.verdict;
    let runs = |n: u32| format!("{n} run{} in a row", if n == 1 { "" } else { "s" });
    match v.state {
        State::Dead => format!(
            "dead: failing since {} ({})",
            v.since,
            runs(v.consecutive_failures)
        ),
        State::Failing => format!(
            "failing since {} ({})",
            v.since,
            runs(v.consecutive_failures)
        ),
        State::Working => format!("{} since {}", e.outcome.status.as_str(), v.since),
    }
}

fn rows(report: &Report) -> Vec<Row<'_>> {
    report
        .results
        .iter()
        .map(|e| Row {
            status: e.outcome.status.as_str(),
            http_status: e.outcome.http_status,
            url: &e.outcome.url,
            final_url: e.outcome.final_url.as_deref(),
            redirects: &e.outcome.redirects,
            error: e.outcome.error.as_deref(),
            uses: &e.uses,
            state_text: state_text(e),
            suggestion: e.suggestion.as_deref(),
            archived: e.archived.as_deref(),
        })
        .collect()
}

fn render(template: &str, report: &Report, history: &History) -> Result<String, minijinja::Error> {
    let rows = rows(report);
    let statuses: Vec<serde_json::Value> = Status::ALL
        .iter()
        .map(|s| json!({ "name": s.as_str(), "count": report.counts.get(s.as_str()).copied().unwrap_or(0) }))
        .collect();
    let problems: Vec<&Row<'_>> = rows.iter().filter(|r| r.status != "ok").collect();
    TEMPLATES
        .get_template(template)?
        .render(minijinja::context! {
            report => value(report),
            rows => value(&rows),
            problems => value(&problems),
            statuses => value(&statuses),
            chart => chart(report, history),
        })
}

fn value<T: Serialize>(v: &T) -> minijinja::Value {
    minijinja::Value::from(minijinja::value::Serde(v))
}

pub fn markdown(report: &Report, history: &History) -> Result<String, minijinja::Error> {
    render("linkcheck.md", report, history)
}

pub fn html(report: &Report, history: &History) -> Result<String, minijinja::Error> {
    render("linkcheck.html", report, history)
}

fn colour(status: Status) -> &'static str {
    match status {
        Status::Ok => "#2da44e",
        Status::Redirected => "#d4a72c",
        Status::Blocked => "#8c959f",
        Status::Broken => "#cf222e",
        Status::ServerError => "#fa4549",
        Status::Timeout => "#bf8700",
        Status::TlsError => "#8250df",
        Status::Invalid => "#57606a",
    }
}

/// A stacked bar per run (the history's, then this one), one colour per status.
fn chart(report: &Report, history: &History) -> String {
    let mut runs: Vec<(String, BTreeMap<Status, usize>)> = history.counts();
    let current: BTreeMap<Status, usize> = Status::ALL
        .iter()
        .map(|s| (*s, report.counts.get(s.as_str()).copied().unwrap_or(0)))
        .collect();
    if runs.last().map(|(at, _)| at.as_str()) != Some(report.at.as_str()) {
        runs.push((report.at.clone(), current));
    }
    let (width, height, left, bottom) = (640.0_f64, 220.0_f64, 40.0_f64, 20.0_f64);
    let most = runs
        .iter()
        .map(|(_, c)| c.values().sum::<usize>())
        .max()
        .unwrap_or(0)
        .max(1) as f64;
    let slot = (width - left) / runs.len().max(1) as f64;
    let ats: Vec<&str> = runs.iter().map(|(at, _)| at.as_str()).collect();
    let labels = run_labels(&ats, slot);
    let bar = (slot * 0.7).min(40.0);
    let mut svg = String::new();
    let _ = write!(
        svg,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" role=\"img\" viewBox=\"0 0 {width} {}\" width=\"100%\" \
         aria-label=\"URLs by status in each of the last {} runs\">",
        height + 56.0,
        runs.len()
    );
    let _ = write!(
        svg,
        "<text x=\"0\" y=\"12\">{}</text><text x=\"0\" y=\"{}\">0</text>",
        most as usize, height
    );
    for (i, (at, counts)) in runs.iter().enumerate() {
        let x = left + i as f64 * slot;
        let mut y = height;
        for status in Status::ALL {
            let n = counts.get(&status).copied().unwrap_or(0);
            if n == 0 {
                continue;
            }
            let h = (n as f64 / most) * (height - bottom);
            y -= h;
            let _ = write!(
                svg,
                "<rect x=\"{x:.1}\" y=\"{y:.1}\" width=\"{bar:.1}\" height=\"{h:.1}\" fill=\"{}\">\
                 <title>{}: {n} {}</title></rect>",
                colour(status),
                &at[..at.len().min(10)],
                status.as_str()
            );
        }
        if let Some(label) = &labels[i] {
            let _ = write!(
                svg,
                "<text x=\"{x:.1}\" y=\"{}\">{label}</text>",
                height + 16.0,
            );
        }
    }
    for (status, (x, row)) in Status::ALL.iter().zip(legend(width, left)) {
        let _ = write!(
            svg,
            "<rect x=\"{x}\" y=\"{}\" width=\"10\" height=\"10\" fill=\"{}\"/>\
             <text x=\"{}\" y=\"{}\">{}</text>",
            height + 26.0 + row,
            colour(*status),
            x + 14.0,
            height + 35.0 + row,
            status.as_str()
        );
    }
    svg.push_str("</svg>");
    svg
}

/// The label under each run's bar: its day (`MM-DD`), or its day and time
/// when another run has the same day; every nth one only when they would
/// overlap, n the same for all.
fn run_labels(ats: &[&str], slot: f64) -> Vec<Option<String>> {
    let day = |i: usize| ats.get(i).map(|at| at.get(..10).unwrap_or(at));
    let labels: Vec<String> = (0..ats.len())
        .map(|i| {
            let same = (i > 0 && day(i - 1) == day(i)) || day(i + 1) == day(i);
            let at = ats[i];
            if same {
                at.get(5..16).unwrap_or(at).replace('T', " ")
            } else {
                at.get(5..10).unwrap_or(at).to_owned()
            }
        })
        .collect();
    let widest = labels.iter().map(|l| label_width(l)).fold(0.0, f64::max);
    let every = ((widest + 6.0) / slot).ceil().max(1.0) as usize;
    labels
        .into_iter()
        .enumerate()
        .map(|(i, l)| (i % every == 0).then_some(l))
        .collect()
}

/// Where each status of the legend goes: `(x, row offset)`, in rows that
/// fit `width`, each entry as wide as its label.
fn legend(width: f64, left: f64) -> Vec<(f64, f64)> {
    let (mut x, mut row) = (left, 0.0);
    Status::ALL
        .iter()
        .map(|status| {
            let w = 14.0 + label_width(status.as_str()) + 12.0;
            if x + w > width && x > left {
                x = left;
                row += 16.0;
            }
            let at = (x, row);
            x += w;
            at
        })
        .collect()
}

/// About how wide `text` is in the chart's 12 px sans-serif, in its units.
fn label_width(text: &str) -> f64 {
    text.chars().count() as f64 * 6.8
}

/// SARIF 2.1.0: one result per use of each URL that is not ok, on its YAML
/// line; broken, invalid and dead links are errors, the rest warnings.
pub fn sarif(report: &Report) -> serde_json::Value {
    let rules: Vec<serde_json::Value> = Status::ALL
        .iter()
        .filter(|s| **s != Status::Ok)
        .map(|s| {
            json!({
                "id": s.as_str(),
                "shortDescription": { "text": format!("link status: {}", s.as_str()) },
            })
        })
        .collect();
    let mut results = Vec::new();
    for e in report
        .results
        .iter()
        .filter(|e| e.outcome.status != Status::Ok)
    {
        let level = if e.outcome.status.is_hard_failure() || e.verdict.state == State::Dead {
            "error"
        } else {
            "warning"
        };
        let mut message = format!(
            "{} is {}{}",
            e.outcome.url,
            e.outcome.status.as_str(),
            e.outcome
                .http_status
                .map(|c| format!(" ({c})"))
                .unwrap_or_default()
        );
        if let Some(s) = &e.suggestion {
            let _ = write!(message, ": {s}");
        }
        for u in &e.uses {
            results.push(json!({
                "ruleId": e.outcome.status.as_str(),
                "level": level,
                "message": { "text": message },
                "locations": [{
                    "physicalLocation": {
                        "artifactLocation": { "uri": u.file.to_string_lossy().replace('\\', "/") },
                        "region": { "startLine": u.line, "startColumn": u.col },
                    }
                }],
            }));
        }
    }
    json!({
        "$schema": crate::report::SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": { "driver": {
                "name": "orgdir linkcheck",
                "version": env!("CARGO_PKG_VERSION"),
                "rules": rules,
            }},
            "results": results,
        }],
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runs_of_one_day_are_told_apart_and_labels_never_overlap() {
        let ats = [
            "2026-11-30T09:00:00Z",
            "2026-12-01T08:00:00Z",
            "2026-12-01T17:30:00Z",
            "2026-12-02T08:00:00Z",
        ];
        let slot = 600.0 / ats.len() as f64;
        let labels = run_labels(&ats, slot);
        assert_eq!(
            labels,
            [
                Some("11-30".to_owned()),
                Some("12-01 08:00".to_owned()),
                Some("12-01 17:30".to_owned()),
                Some("12-02".to_owned())
            ]
        );
        // Many runs: the shown labels keep clear of each other.
        let many: Vec<String> = (0..60)
            .map(|i| format!("2026-12-{:02}T{:02}:00:00Z", 1 + i / 2, i % 2 * 12))
            .collect();
        let many: Vec<&str> = many.iter().map(String::as_str).collect();
        let slot = 600.0 / many.len() as f64;
        let shown: Vec<(usize, String)> = run_labels(&many, slot)
            .into_iter()
            .enumerate()
            .filter_map(|(i, l)| Some((i, l?)))
            .collect();
        assert!(shown.len() > 3);
        for pair in shown.windows(2) {
            let end = pair[0].0 as f64 * slot + label_width(&pair[0].1);
            assert!(end < pair[1].0 as f64 * slot, "{pair:?} overlap");
        }
    }

    #[test]
    fn the_legend_fits_its_width_without_overlaps() {
        let at = legend(640.0, 40.0);
        assert_eq!(at.len(), Status::ALL.len());
        for (i, (status, (x, row))) in Status::ALL.iter().zip(&at).enumerate() {
            let end = x + 14.0 + label_width(status.as_str());
            assert!(end <= 640.0, "{status:?} past the width");
            if let Some((next_x, next_row)) = at.get(i + 1)
                && next_row == row
            {
                assert!(end < *next_x, "{status:?} overlaps the next entry");
            }
        }
        // The chart leaves room for two rows under the bars.
        assert!(at.iter().all(|(_, row)| *row <= 16.0), "{at:?}");
    }
}
