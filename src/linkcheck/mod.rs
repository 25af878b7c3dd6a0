//! `orgdir linkcheck`: every organization's website (and with `--all` its
//! `sameAs` links) checked once per distinct URL, with a global and a
//! per-host concurrency limit, reported with the YAML line of each use.
//!
//! [`client`] checks one URL; [`status`] classifies what it found; this
//! module gathers the URLs from the source, runs the checks and writes the
//! report (text or JSON).

pub mod archive;
pub mod client;
pub mod filter;
pub mod fix;
pub mod formats;
pub mod history;
pub mod rdf;
pub mod status;

use std::collections::{BTreeMap, HashMap};
use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use serde::Serialize;
use time::OffsetDateTime;
use tokio::sync::Semaphore;

mod run;

pub use client::{Checker, Settings};
pub use filter::Filter;
pub use history::{History, Rules, State, Verdict};
pub use run::run;
pub use status::{Accept, Outcome, Status};

use crate::fsutil::FsError;
use crate::source::{Limits, Source};

/// What stops a link check from giving its report.
#[derive(Debug, thiserror::Error)]
pub enum LinkcheckError {
    #[error(transparent)]
    Fs(#[from] FsError),
    /// A line of the history file or of the ignore file that does not
    /// parse, or a pattern that is not a regular expression, at its place.
    #[error(transparent)]
    Input(#[from] crate::source::SourceError),
    #[error("cannot start the HTTP client: {0}")]
    Http(String),
    /// So many checks failed the same way before any site answered that the
    /// fault is this machine's network, not the sites: nothing is recorded.
    #[error(
        "the network looks unreachable: {failed} of {checked} URLs failed {kind} \
         (first: {example}); no result was recorded in the history and no report written. \
         Check the machine's DNS and connectivity, or run again later"
    )]
    Unreachable {
        failed: usize,
        checked: usize,
        kind: &'static str,
        example: String,
    },
}

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
            let gate = client::Gate {
                host: Some(host),
                total: Some(total),
            };
            (i, checker.check_gated(&url, &gate).await)
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
    /// When this result was fetched (RFC 3339): now, or an earlier run's
    /// time when `--max-age` let it stand.
    pub checked_at: String,
    /// Whether the result comes from the history (`--max-age`).
    pub reused: bool,
    #[serde(flatten)]
    pub verdict: Verdict,
    pub uses: Vec<Use>,
    pub suggestion: Option<String>,
    /// The closest Internet Archive snapshot (`--archive`).
    pub archived: Option<String>,
}

/// A URL the run did not check, and why.
#[derive(Debug, Clone, Serialize)]
pub struct Skipped {
    pub url: String,
    #[serde(flatten)]
    pub why: filter::Skip,
    pub uses: Vec<Use>,
}

impl Skipped {
    fn new(target: Target, why: filter::Skip) -> Skipped {
        Skipped {
            url: target.url,
            why,
            uses: target.uses,
        }
    }
}

/// The report every format is written from.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// When the run happened (RFC 3339).
    pub at: String,
    /// `--offline`: nothing was fetched; results are the history's.
    pub offline: bool,
    pub checked: usize,
    pub counts: BTreeMap<&'static str, usize>,
    pub results: Vec<Entry>,
    /// Excluded (`--exclude`, `--include`, `.orgdirignore`) or, offline,
    /// never checked before.
    pub skipped: Vec<Skipped>,
}

impl Report {
    /// The report of a run at `now`: each target with its outcome (and the
    /// time of the earlier run it was taken from, if reused), judged against
    /// `history`.
    pub fn new(
        targets: Vec<Target>,
        outcomes: Vec<(Outcome, Option<String>)>,
        history: &History,
        now: OffsetDateTime,
        rules: Rules,
    ) -> Report {
        let mut counts: BTreeMap<&'static str, usize> =
            Status::ALL.iter().map(|s| (s.as_str(), 0)).collect();
        let at = history::format_time(now);
        let results: Vec<Entry> = targets
            .into_iter()
            .zip(outcomes)
            .map(|(target, (outcome, reused_from))| {
                *counts.entry(outcome.status.as_str()).or_default() += 1;
                let verdict = history.verdict(&outcome.url, outcome.status, now, rules);
                let suggestion = suggestion(&outcome, &verdict, &target.uses);
                Entry {
                    reused: reused_from.is_some(),
                    checked_at: reused_from.unwrap_or_else(|| at.clone()),
                    outcome,
                    verdict,
                    uses: target.uses,
                    suggestion,
                    archived: None,
                }
            })
            .collect();
        Report {
            at,
            offline: false,
            checked: results.len(),
            counts,
            results,
            skipped: Vec::new(),
        }
    }

    /// Links that fail the run (exit 1): broken or invalid now, or dead by
    /// the history's rules. A timeout or a 5xx alone does not: CI stays
    /// green on a flaky night until the link has failed long enough.
    pub fn failures(&self) -> usize {
        self.results
            .iter()
            .filter(|e| e.outcome.status.is_hard_failure() || e.verdict.state == State::Dead)
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
            match entry.verdict.state {
                State::Dead => writeln!(
                    out,
                    "  dead: failing since {} ({} runs in a row)",
                    entry.verdict.since, entry.verdict.consecutive_failures
                )?,
                State::Failing => writeln!(
                    out,
                    "  failing since {} ({} run{} in a row)",
                    entry.verdict.since,
                    entry.verdict.consecutive_failures,
                    if entry.verdict.consecutive_failures == 1 {
                        ""
                    } else {
                        "s"
                    }
                )?,
                State::Working => {
                    writeln!(out, "  {} since {}", o.status.as_str(), entry.verdict.since)?
                }
            }
            if entry.reused {
                let why = if self.offline {
                    "--offline"
                } else {
                    "within --max-age"
                };
                writeln!(out, "  (the result of {}, {why})", entry.checked_at)?;
            }
            if let Some(s) = &entry.suggestion {
                writeln!(out, "  help: {s}")?;
            }
            if let Some(a) = &entry.archived {
                writeln!(out, "  help: an archived copy: {a}")?;
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
            "{} URL{} {}: {}",
            self.checked,
            if self.checked == 1 { "" } else { "s" },
            if self.offline {
                "judged offline (from the history and the URLs' text)"
            } else {
                "checked"
            },
            if counts.is_empty() {
                "none".to_owned()
            } else {
                counts.join(", ")
            }
        )?;
        if !self.skipped.is_empty() {
            let count =
                |f: fn(&filter::Skip) -> bool| self.skipped.iter().filter(|s| f(&s.why)).count();
            let parts: Vec<String> = [
                (
                    count(|w| matches!(w, filter::Skip::Excluded { .. })),
                    "excluded",
                ),
                (
                    count(|w| *w == filter::Skip::NotIncluded),
                    "not matching --include",
                ),
                (
                    count(|w| *w == filter::Skip::Offline),
                    "offline with no earlier result in the history",
                ),
            ]
            .into_iter()
            .filter(|(n, _)| *n > 0)
            .map(|(n, what)| format!("{n} {what}"))
            .collect();
            writeln!(
                out,
                "{} URL{} not checked: {}",
                self.skipped.len(),
                if self.skipped.len() == 1 { "" } else { "s" },
                parts.join(", ")
            )?;
        }
        Ok(())
    }
}

/// Fills in the closest archived snapshot of every broken or dead URL.
async fn suggest_archived(report: &mut Report, endpoint: &str, user_agent: &str) {
    let client = match reqwest::Client::builder().user_agent(user_agent).build() {
        Ok(c) => c,
        Err(e) => {
            tracing::warn!("--archive: cannot start the HTTP client: {e}");
            return;
        }
    };
    for entry in report
        .results
        .iter_mut()
        .filter(|e| e.outcome.status == Status::Broken || e.verdict.state == State::Dead)
    {
        match archive::closest(&client, endpoint, &entry.outcome.url).await {
            Ok(found) => entry.archived = found,
            Err(e) => tracing::warn!("--archive: no snapshot of {}: {e}", entry.outcome.url),
        }
    }
}

/// What a maintainer should do about an outcome.
fn suggestion(outcome: &Outcome, verdict: &Verdict, uses: &[Use]) -> Option<String> {
    if verdict.state == State::Failing && !outcome.status.is_hard_failure() {
        return Some("may be temporary: it is reported dead if it keeps failing".into());
    }
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

/// How a report is written (`--format`; cli.rs says what each is, as help).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkcheckFormat {
    Text,
    Json,
    Md,
    Html,
    Sarif,
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
    /// The history file; `None` keeps none.
    pub history: Option<PathBuf>,
    pub rules: Rules,
    /// Results younger than this in the history are not fetched again.
    pub max_age: Duration,
    /// The time of the run (the clock, unless a test sets it).
    pub now: Option<OffsetDateTime>,
    /// Rewrite the `url` of records whose site moved permanently.
    pub fix: bool,
    /// The Wayback availability endpoint to ask for snapshots of broken or
    /// dead URLs (`--archive`), if any.
    pub archive: Option<String>,
    /// Where to write the results as RDF (Turtle; N-Triples for `.nt`).
    pub rdf: Option<PathBuf>,
    /// `--include` and `--exclude`, and the ignore file to read excludes
    /// from (if it exists): see [`filter`].
    pub include: Vec<String>,
    pub exclude: Vec<String>,
    pub ignore_file: Option<PathBuf>,
    /// Fetch nothing; report the history's last results.
    pub offline: bool,
}
