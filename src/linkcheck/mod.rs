//! `orgdir linkcheck`: every organization's website (and with `--all` its
//! `sameAs` links) checked once per distinct URL, with a global and a
//! per-host concurrency limit, reported with the YAML line of each use.
//!
//! [`client`] checks one URL; [`status`] classifies what it found; this
//! module gathers the URLs from the source, runs the checks and writes the
//! report (text or JSON).

pub mod client;
pub mod status;

use std::collections::{BTreeMap, HashMap};
use std::io::Write;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use serde::Serialize;
use tokio::sync::Semaphore;

pub use client::{Checker, Settings};
pub use status::{Outcome, Status};

use crate::error::Error;
use crate::source::{self, Limits, Source};

/// Where a URL is used in the source.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Use {
    pub organization: String,
    pub name: String,
    /// `url` or `sameAs`.
    pub key: &'static str,
    pub file: PathBuf,
    pub line: u32,
    pub col: u32,
    /// The organization has a dissolution date: a dead website is expected.
    pub dissolved: bool,
}

/// A distinct URL and every place it is used.
#[derive(Debug, Clone)]
pub struct Target {
    pub url: String,
    pub uses: Vec<Use>,
}

/// The URLs to check, each once, in the order they first appear.
pub fn targets(source: &Source, all: bool) -> Vec<Target> {
    let mut order: Vec<Target> = Vec::new();
    let mut index: HashMap<String, usize> = HashMap::new();
    for org in &source.organizations {
        let urls = org
            .url
            .iter()
            .map(|f| ("url", f))
            .chain(org.same_as.iter().filter(|_| all).map(|f| ("sameAs", f)));
        for (key, field) in urls {
            let use_ = Use {
                organization: org.id.value.to_string(),
                name: org.name.value.to_string(),
                key,
                file: source.path(org.file).to_owned(),
                line: field.at.line,
                col: field.at.col,
                dissolved: org.dissolution_date.is_some(),
            };
            let url = field.value.to_string();
            match index.get(&url) {
                Some(&i) => order[i].uses.push(use_),
                None => {
                    index.insert(url.clone(), order.len());
                    order.push(Target {
                        url,
                        uses: vec![use_],
                    });
                }
            }
        }
    }
    order
}

/// How many checks run at once.
#[derive(Debug, Clone, Copy)]
pub struct Concurrency {
    pub total: usize,
    pub per_host: usize,
}

impl Default for Concurrency {
    fn default() -> Self {
        Concurrency {
            total: 32,
            per_host: 2,
        }
    }
}

/// Checks every target; `progress` sees each outcome as it arrives.
/// Outcomes come back in the order of `targets`.
pub async fn check_all(
    checker: Arc<Checker>,
    targets: &[Target],
    concurrency: Concurrency,
    mut progress: impl FnMut(usize, &Outcome),
) -> Vec<Outcome> {
    let total = Arc::new(Semaphore::new(concurrency.total.max(1)));
    let mut hosts: HashMap<String, Arc<Semaphore>> = HashMap::new();
    let mut tasks = tokio::task::JoinSet::new();
    for (i, target) in targets.iter().enumerate() {
        let host = reqwest::Url::parse(&target.url)
            .ok()
            .and_then(|u| u.host_str().map(str::to_ascii_lowercase))
            .unwrap_or_default();
        let host = Arc::clone(
            hosts
                .entry(host)
                .or_insert_with(|| Arc::new(Semaphore::new(concurrency.per_host.max(1)))),
        );
        let (total, checker, url) = (Arc::clone(&total), Arc::clone(&checker), target.url.clone());
        tasks.spawn(async move {
            // The host's turn first, then a global slot: a task waiting for
            // its host holds no global slot.
            let _host = host.acquire_owned().await.expect("never closed");
            let _slot = total.acquire_owned().await.expect("never closed");
            (i, checker.check(&url).await)
        });
    }
    let mut outcomes: Vec<Option<Outcome>> = vec![None; targets.len()];
    let mut done = 0;
    while let Some(joined) = tasks.join_next().await {
        let (i, outcome) = joined.expect("a check task panicked");
        done += 1;
        progress(done, &outcome);
        outcomes[i] = Some(outcome);
    }
    outcomes
        .into_iter()
        .map(|o| o.expect("every task answered"))
        .collect()
}

/// One URL in the report: the outcome, where it is used, what to do.
#[derive(Debug, Clone, Serialize)]
pub struct Entry {
    #[serde(flatten)]
    pub outcome: Outcome,
    pub uses: Vec<Use>,
    pub suggestion: Option<String>,
}

/// The report every format is written from.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub checked: usize,
    pub counts: BTreeMap<&'static str, usize>,
    pub results: Vec<Entry>,
}

impl Report {
    pub fn new(targets: Vec<Target>, outcomes: Vec<Outcome>) -> Report {
        let mut counts: BTreeMap<&'static str, usize> =
            Status::ALL.iter().map(|s| (s.as_str(), 0)).collect();
        let results: Vec<Entry> = targets
            .into_iter()
            .zip(outcomes)
            .map(|(target, outcome)| {
                *counts.entry(outcome.status.as_str()).or_default() += 1;
                let suggestion = suggestion(&outcome, &target.uses);
                Entry {
                    outcome,
                    uses: target.uses,
                    suggestion,
                }
            })
            .collect();
        Report {
            checked: results.len(),
            counts,
            results,
        }
    }

    pub fn failures(&self) -> usize {
        self.results
            .iter()
            .filter(|e| e.outcome.status.is_failure())
            .count()
    }

    /// Text for a terminal or a CI log: problems first, each with its YAML
    /// line and a suggestion, then the counts.
    pub fn write_text(&self, out: &mut impl Write) -> std::io::Result<()> {
        for entry in self
            .results
            .iter()
            .filter(|e| e.outcome.status != Status::Ok)
        {
            let o = &entry.outcome;
            let code = o.http_status.map(|c| format!(" ({c})")).unwrap_or_default();
            writeln!(out, "{}{code}: {}", o.status.as_str(), o.url)?;
            for u in &entry.uses {
                writeln!(
                    out,
                    "  --> {}:{}:{}  {} of {} ({})",
                    u.file.display(),
                    u.line,
                    u.col,
                    u.key,
                    u.organization,
                    u.name
                )?;
            }
            if !o.redirects.is_empty() {
                let chain: Vec<String> = o
                    .redirects
                    .iter()
                    .map(|h| format!("{} {}", h.status, h.url))
                    .collect();
                writeln!(
                    out,
                    "  redirects: {} -> {}",
                    chain.join(" -> "),
                    o.final_url.as_deref().unwrap_or("?")
                )?;
            }
            if let Some(e) = &o.error {
                writeln!(out, "  error: {e}")?;
            }
            if let Some(s) = &entry.suggestion {
                writeln!(out, "  help: {s}")?;
            }
        }
        let counts: Vec<String> = Status::ALL
            .iter()
            .map(|s| {
                (
                    s.as_str(),
                    self.counts.get(s.as_str()).copied().unwrap_or(0),
                )
            })
            .filter(|(_, n)| *n > 0)
            .map(|(s, n)| format!("{n} {s}"))
            .collect();
        writeln!(
            out,
            "{} URL{} checked: {}",
            self.checked,
            if self.checked == 1 { "" } else { "s" },
            if counts.is_empty() {
                "none".to_owned()
            } else {
                counts.join(", ")
            }
        )
    }
}

/// What a maintainer should do about an outcome.
fn suggestion(outcome: &Outcome, uses: &[Use]) -> Option<String> {
    match outcome.status {
        Status::Redirected => outcome
            .suggested_url
            .as_ref()
            .map(|new| format!("the site moved permanently: `{}: {new}`", uses[0].key)),
        Status::Broken | Status::ServerError | Status::Timeout | Status::TlsError
            if !uses.is_empty() && uses.iter().all(|u| u.dissolved) =>
        {
            Some("the organization is dissolved: no fix is needed".into())
        }
        Status::Broken => {
            Some("look for the organization's new website (a successor or a renamed site)".into())
        }
        Status::Blocked => Some("the site refuses automated checks: open it in a browser".into()),
        _ => None,
    }
}

/// `--format` of `orgdir linkcheck`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum LinkcheckFormat {
    Text,
    Json,
}

/// `orgdir linkcheck`, checked.
#[derive(Debug, Clone)]
pub struct LinkcheckOptions {
    pub data: PathBuf,
    pub limits: Limits,
    pub all: bool,
    pub settings: Settings,
    pub concurrency: Concurrency,
    pub format: LinkcheckFormat,
    pub out: Option<PathBuf>,
    pub quiet: bool,
}

/// Runs `orgdir linkcheck`; returns the exit code (0, or 1 when a link is
/// broken).
pub fn run(options: &LinkcheckOptions, stdout: &mut impl Write) -> Result<u8, Error> {
    let source = source::load(&options.data, options.limits)?;
    let targets = targets(&source, options.all);
    drop(source);
    let checker =
        Arc::new(Checker::new(options.settings.clone()).map_err(|e| Error::Http(e.to_string()))?);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(Error::io("start", "the async runtime"))?;
    let count = targets.len();
    let quiet = options.quiet;
    let outcomes = runtime.block_on(check_all(
        checker,
        &targets,
        options.concurrency,
        |done, outcome| {
            if !quiet {
                eprintln!(
                    "[{done}/{count}] {} {} ({} ms)",
                    outcome.status.as_str(),
                    outcome.url,
                    outcome.elapsed_ms
                );
            }
        },
    ));
    runtime.shutdown_timeout(Duration::from_secs(1));
    let report = Report::new(targets, outcomes);
    let mut bytes = Vec::new();
    match options.format {
        LinkcheckFormat::Text => report.write_text(&mut bytes),
        LinkcheckFormat::Json => serde_json::to_writer_pretty(&mut bytes, &report)
            .map_err(std::io::Error::other)
            .and_then(|()| bytes.write_all(b"\n")),
    }
    .map_err(Error::io("write", "the report"))?;
    match &options.out {
        None => stdout
            .write_all(&bytes)
            .map_err(Error::io("write", "standard output"))?,
        Some(path) => crate::fsutil::write_atomic(path, &bytes)?,
    }
    Ok(if report.failures() > 0 { 1 } else { 0 })
}
