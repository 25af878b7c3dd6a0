//! `orgdir serve --watch`: when a file under the data or queries directory
//! changes, rebuild and swap the served data whole. A change that does not
//! load leaves the previous data served and prints the problems.
//!
//! Polls file sizes and modification times (twice a second by default)
//! rather than subscribing to OS notifications: it works the same on every
//! platform and file system, including network and container mounts, and a
//! directory of a few thousand files costs microseconds to scan.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use super::AppState;
use crate::source::Limits;
use crate::store;
use crate::validate::ShapesSource;

#[derive(Debug, Clone)]
pub struct WatchOptions {
    pub data: PathBuf,
    pub queries: PathBuf,
    pub source_limits: Limits,
    pub shapes: ShapesSource,
    /// Link-check results loaded into each rebuilt snapshot.
    pub linkcheck: Option<PathBuf>,
    pub interval: Duration,
}

/// What a scan saw: every file's path, size and modification time, sorted.
#[derive(Debug, PartialEq, Eq)]
struct Scan(Vec<(PathBuf, u64, Option<SystemTime>)>);

fn scan(dirs: &[&Path]) -> Scan {
    let mut files = Vec::new();
    for dir in dirs {
        for path in crate::fsutil::files(dir).unwrap_or_default() {
            if let Ok(meta) = std::fs::metadata(&path) {
                files.push((path, meta.len(), meta.modified().ok()));
            }
        }
    }
    Scan(files)
}

/// Watches until the task is dropped.
pub async fn watch(state: Arc<AppState>, options: WatchOptions) {
    let mut dirs = vec![options.data.as_path(), options.queries.as_path()];
    if let ShapesSource::Dir(shapes) = &options.shapes {
        dirs.push(shapes.as_path());
    }
    let mut seen = scan(&dirs);
    loop {
        tokio::time::sleep(options.interval).await;
        let now = scan(&dirs);
        if now == seen {
            continue;
        }
        // Let an editor finish writing: wait for two scans that agree.
        tokio::time::sleep(options.interval).await;
        let settled = scan(&dirs);
        if settled != now {
            continue;
        }
        seen = settled;
        let job = {
            let options = options.clone();
            tokio::task::spawn_blocking(move || {
                let (mut snapshot, warnings) = store::load_dir(
                    &options.data,
                    &options.queries,
                    options.source_limits,
                    &options.shapes,
                )?;
                if let Some(path) = &options.linkcheck {
                    store::add_linkcheck(&mut snapshot, path)?;
                }
                Ok::<_, crate::Error>((snapshot, warnings))
            })
        };
        match job.await {
            Ok(Ok((snapshot, _warnings))) => {
                let summary = format!(
                    "{} organizations, {} triples, {} named queries",
                    snapshot.organizations,
                    snapshot.triples,
                    snapshot.queries.len()
                );
                state.replace(snapshot);
                eprintln!("orgdir: reloaded: now serving {summary}");
            }
            Ok(Err(e)) => eprint!("{}", e.render(Some("still serving the previous data"))),
            Err(e) => tracing::error!("rebuild task failed: {e}"),
        }
    }
}
