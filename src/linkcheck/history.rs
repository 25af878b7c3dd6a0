//! The history of link-check runs: one JSON line per run, appended by
//! rewriting the file through a temporary copy, so an interrupted run leaves
//! the earlier history whole. Verdicts come from it: a URL is dead only after
//! failing in N consecutive runs spanning at least D days; until then it is
//! failing since its first failure.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use super::LinkcheckError;
use super::status::{Outcome, Status};
use crate::fsutil::FsError;
use crate::source::{Diagnostic, Pos};

/// One run, as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Run {
    /// RFC 3339, UTC.
    pub at: String,
    pub results: Vec<Record>,
}

/// One URL's result in a run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Record {
    pub url: String,
    pub status: Status,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub http_status: Option<u16>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub final_url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub suggested_url: Option<String>,
}

impl From<&Outcome> for Record {
    fn from(o: &Outcome) -> Self {
        Record {
            url: o.url.clone(),
            status: o.status,
            http_status: o.http_status,
            final_url: o.final_url.clone(),
            suggested_url: o.suggested_url.clone(),
        }
    }
}

impl Record {
    /// The outcome this record stands for when `--max-age` reuses it.
    pub fn to_outcome(&self) -> Outcome {
        Outcome {
            url: self.url.clone(),
            status: self.status,
            http_status: self.http_status,
            final_url: self.final_url.clone(),
            suggested_url: self.suggested_url.clone(),
            redirects: Vec::new(),
            error: None,
            elapsed_ms: 0,
            attempts: 0,
        }
    }
}

/// When a failing URL becomes dead.
#[derive(Debug, Clone, Copy)]
pub struct Rules {
    /// Consecutive failed runs.
    pub dead_after: u32,
    /// Days from the first failure of the streak to now.
    pub dead_days: u32,
}

impl Default for Rules {
    fn default() -> Self {
        Rules {
            dead_after: 3,
            dead_days: 7,
        }
    }
}

/// Where a URL stands after this run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum State {
    /// Works (ok or redirected), or blocked: nothing to count.
    Working,
    /// Failed in the latest runs, not yet long enough to be dead.
    Failing,
    Dead,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Verdict {
    pub state: State,
    /// Since when the URL has had its current status (RFC 3339): the first
    /// run of the streak that ends with this one.
    pub since: String,
    /// Failed runs in a row, this one included.
    pub consecutive_failures: u32,
}

#[derive(Debug, Default)]
pub struct History {
    /// Oldest first.
    runs: Vec<(OffsetDateTime, Run)>,
    /// Each URL's (run, result) positions, oldest first: a verdict reads a
    /// URL's own records instead of searching every run for it.
    by_url: HashMap<String, Vec<(usize, usize)>>,
}

pub fn format_time(t: OffsetDateTime) -> String {
    t.format(&Rfc3339).expect("UTC times format as RFC 3339")
}

pub fn parse_time(s: &str) -> Option<OffsetDateTime> {
    OffsetDateTime::parse(s, &Rfc3339).ok()
}

impl History {
    /// Reads `path`; a missing file is an empty history. A line that does
    /// not parse is bad input, reported at its line.
    pub fn load(path: &Path) -> Result<History, LinkcheckError> {
        let text = match std::fs::read_to_string(path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(History::default()),
            Err(e) => return Err(FsError::io("read", path)(e).into()),
        };
        let mut runs = Vec::new();
        for (i, line) in text.lines().enumerate() {
            if line.trim().is_empty() {
                continue;
            }
            let bad = |message: String| {
                LinkcheckError::Input(crate::source::SourceError {
                    diagnostics: vec![Diagnostic {
                        path: PathBuf::from(path),
                        pos: Some(Pos {
                            line: u32::try_from(i + 1).unwrap_or(u32::MAX),
                            col: 1,
                        }),
                        message,
                        related: None,
                    }],
                })
            };
            let run: Run = serde_json::from_str(line)
                .map_err(|e| bad(format!("not a link-check run: {e}")))?;
            let at = parse_time(&run.at)
                .ok_or_else(|| bad(format!("`{}` is not an RFC 3339 time", run.at)))?;
            runs.push((at, run));
        }
        Ok(History::new(runs))
    }

    fn new(mut runs: Vec<(OffsetDateTime, Run)>) -> History {
        runs.sort_by_key(|(at, _)| *at);
        let mut by_url: HashMap<String, Vec<(usize, usize)>> = HashMap::new();
        for (i, (_, run)) in runs.iter().enumerate() {
            for (j, r) in run.results.iter().enumerate() {
                by_url.entry(r.url.clone()).or_default().push((i, j));
            }
        }
        History { runs, by_url }
    }

    /// The records of `url`, latest first, with their run's time.
    fn records(&self, url: &str) -> impl Iterator<Item = (OffsetDateTime, &str, &Record)> {
        self.by_url
            .get(url)
            .into_iter()
            .flatten()
            .rev()
            .map(|&(i, j)| {
                let (at, run) = &self.runs[i];
                (*at, run.at.as_str(), &run.results[j])
            })
    }

    /// Appends `run` to the file at `path`: the old content and the new line
    /// are written to a temporary file that replaces `path`.
    /// Runs at once take turns (a lock beside the file), so none is lost.
    pub fn append(path: &Path, run: &Run) -> Result<(), LinkcheckError> {
        let _lock = crate::fsutil::lock::lock(path)?;
        let mut bytes = match std::fs::read(path) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Vec::new(),
            Err(e) => return Err(FsError::io("read", path)(e).into()),
        };
        if !bytes.is_empty() && !bytes.ends_with(b"\n") {
            bytes.push(b'\n');
        }
        serde_json::to_writer(&mut bytes, run).expect("plain data serializes");
        bytes.push(b'\n');
        Ok(crate::fsutil::write_atomic(path, &bytes)?)
    }

    /// This history and `run` after it (when it checked anything).
    pub fn with_run(&self, run: &Run) -> History {
        let mut runs = self.runs.clone();
        if let Some(at) = parse_time(&run.at).filter(|_| !run.results.is_empty()) {
            runs.push((at, run.clone()));
        }
        History::new(runs)
    }

    /// Each run's time and its count of URLs per status, oldest first.
    pub fn counts(&self) -> Vec<(String, std::collections::BTreeMap<Status, usize>)> {
        self.runs
            .iter()
            .map(|(_, run)| {
                let mut counts = std::collections::BTreeMap::new();
                for r in &run.results {
                    *counts.entry(r.status).or_default() += 1;
                }
                (run.at.clone(), counts)
            })
            .collect()
    }

    /// The latest record of `url` newer than `max_age` before `now`.
    pub fn recent(
        &self,
        url: &str,
        now: OffsetDateTime,
        max_age: Duration,
    ) -> Option<(&str, &Record)> {
        self.records(url).find_map(|(at, run_at, record)| {
            let age = now - at;
            (!age.is_negative() && age.unsigned_abs() <= max_age).then_some((run_at, record))
        })
    }

    /// The verdict on `url`, whose status in this run (at `now`) is `current`.
    pub fn verdict(
        &self,
        url: &str,
        current: Status,
        now: OffsetDateTime,
        rules: Rules,
    ) -> Verdict {
        // The earlier runs' statuses of this URL, latest first.
        let earlier = self.records(url).map(|(at, _, r)| (at, r.status));
        let mut since = now;
        let mut failures = u32::from(current.is_failure());
        for (at, status) in earlier {
            let same = if current.is_failure() {
                status.is_failure()
            } else {
                status == current
            };
            if !same {
                break;
            }
            since = at;
            if current.is_failure() {
                failures += 1;
            }
        }
        let state = if !current.is_failure() {
            State::Working
        } else if failures >= rules.dead_after
            && now - since >= time::Duration::days(i64::from(rules.dead_days))
        {
            State::Dead
        } else {
            State::Failing
        };
        Verdict {
            state,
            since: format_time(since),
            consecutive_failures: failures,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(day: i64) -> OffsetDateTime {
        OffsetDateTime::UNIX_EPOCH + time::Duration::days(20_000 + day)
    }

    fn history(statuses: &[(i64, Status)]) -> History {
        History::new(
            statuses
                .iter()
                .map(|(day, status)| {
                    (
                        at(*day),
                        Run {
                            at: format_time(at(*day)),
                            results: vec![Record {
                                url: "u".into(),
                                status: *status,
                                http_status: None,
                                final_url: None,
                                suggested_url: None,
                            }],
                        },
                    )
                })
                .collect(),
        )
    }

    #[test]
    fn dead_after_three_failed_runs_over_seven_days() {
        let rules = Rules::default();
        let h = history(&[(0, Status::Ok), (1, Status::Timeout), (4, Status::Broken)]);
        let v = h.verdict("u", Status::ServerError, at(7), rules);
        assert_eq!(
            (v.state, v.consecutive_failures),
            (State::Failing, 3),
            "6 days: not yet"
        );
        assert_eq!(v.since, format_time(at(1)));
        let v = h.verdict("u", Status::ServerError, at(8), rules);
        assert_eq!((v.state, v.consecutive_failures), (State::Dead, 3));
        // Many failures in one day are not dead either.
        let h = history(&[
            (0, Status::Broken),
            (0, Status::Broken),
            (0, Status::Broken),
        ]);
        assert_eq!(
            h.verdict("u", Status::Broken, at(0), rules).state,
            State::Failing
        );
        // A success resets the streak.
        let h = history(&[(0, Status::Broken), (5, Status::Ok)]);
        let v = h.verdict("u", Status::Broken, at(20), rules);
        assert_eq!((v.state, v.consecutive_failures), (State::Failing, 1));
        assert_eq!(v.since, format_time(at(20)));
    }

    #[test]
    fn working_urls_say_since_when() {
        let h = history(&[(0, Status::Broken), (2, Status::Ok), (3, Status::Ok)]);
        let v = h.verdict("u", Status::Ok, at(9), Rules::default());
        assert_eq!((v.state, v.since), (State::Working, format_time(at(2))));
        let v = h.verdict("other", Status::Ok, at(9), Rules::default());
        assert_eq!(v.since, format_time(at(9)), "first seen now");
    }

    #[test]
    fn recent_results_within_max_age() {
        let h = history(&[(0, Status::Ok), (5, Status::Broken)]);
        let hour = Duration::from_secs(3600);
        assert!(
            h.recent("u", at(5) + time::Duration::minutes(30), hour)
                .is_some()
        );
        assert_eq!(
            h.recent("u", at(5) + time::Duration::minutes(30), hour)
                .unwrap()
                .1
                .status,
            Status::Broken
        );
        assert!(h.recent("u", at(6), hour).is_none());
        assert!(h.recent("v", at(5), hour).is_none());
    }
}
