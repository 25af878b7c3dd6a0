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
use crate::store::Snapshot;

/// What to watch, and how to rebuild the served data.
pub struct WatchOptions {
    /// The directories whose files are watched.
    pub dirs: Vec<PathBuf>,
    pub interval: Duration,
    /// Builds the data anew (the command's load: source, validation,
    /// store); on failure, the problems to print.
    pub reload: Arc<dyn Fn() -> Result<Snapshot, String> + Send + Sync>,
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
    let dirs: Vec<&Path> = options.dirs.iter().map(PathBuf::as_path).collect();
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
        let job = tokio::task::spawn_blocking({
            let reload = Arc::clone(&options.reload);
            move || reload()
        });
        match job.await {
            Ok(Ok(snapshot)) => {
                let summary = format!(
                    "{} organizations, {} triples, {} named queries",
                    snapshot.organizations,
                    snapshot.triples,
                    snapshot.queries.len()
                );
                state.replace(snapshot);
                eprintln!("orgdir: reloaded: now serving {summary}");
            }
            Ok(Err(problems)) => eprint!("{problems}"),
            Err(e) => tracing::error!("rebuild task failed: {e}"),
        }
    }
}
