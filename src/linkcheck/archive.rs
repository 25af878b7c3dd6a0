//! `--archive`: for each broken or dead URL, the closest Internet Archive
//! snapshot, from the Wayback Machine's availability API (as lychee's
//! `--suggest` does). The endpoint is configurable so tests use a local mock.

use std::time::Duration;

use serde::Deserialize;

pub const DEFAULT_ENDPOINT: &str = "https://archive.org/wayback/available";

#[derive(Debug, Deserialize)]
struct Availability {
    #[serde(default)]
    archived_snapshots: Snapshots,
}

#[derive(Debug, Default, Deserialize)]
struct Snapshots {
    closest: Option<Closest>,
}

#[derive(Debug, Deserialize)]
struct Closest {
    #[serde(default)]
    available: bool,
    url: String,
}

/// The closest snapshot of `url`, if the archive has one. Errors (the
/// archive down, a malformed answer) are `Err` with a message: a missing
/// suggestion must not fail the run.
pub async fn closest(
    client: &reqwest::Client,
    endpoint: &str,
    url: &str,
) -> Result<Option<String>, String> {
    let response = client
        .get(endpoint)
        .query(&[("url", url)])
        .timeout(Duration::from_secs(20))
        .send()
        .await
        .map_err(|e| crate::http::cause_chain(&e))?;
    if !response.status().is_success() {
        return Err(format!("the archive answered {}", response.status()));
    }
    let body: Availability = response
        .json()
        .await
        .map_err(|e| format!("the archive's answer: {e}"))?;
    Ok(body
        .archived_snapshots
        .closest
        .filter(|c| c.available)
        .map(|c| c.url))
}
