//! `orgdir serve`: load and validate the data, then serve it until Ctrl-C
//! or SIGTERM (and, with `--watch`, load it again whenever it changes).

use std::sync::Arc;
use std::time::Duration;

use tokio::net::TcpListener;

use super::verdict;
use crate::config::ServeOptions;
use crate::error::{Error, exit};
use crate::release;
use crate::search;
use crate::server::{AppState, WatchOptions, loading, serve, shutdown_signal, watch};
use crate::source;
use crate::store::{self, NamedQuery, Snapshot};
use crate::validate::ShapesSource;

/// Loads the data, then serves it until Ctrl-C or SIGTERM.
pub fn run(options: &ServeOptions) -> Result<u8, Error> {
    let watching = options.watch.then(|| watch_options(options));
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(Error::io("start", "the async runtime"))?;
    let served = runtime.block_on(async {
        let listener =
            TcpListener::bind(options.addr)
                .await
                .map_err(|source| Error::Listen {
                    addr: options.addr,
                    source,
                })?;
        let addr = listener.local_addr().unwrap_or(options.addr);
        if !options.quiet {
            eprintln!(
                "orgdir: loading the data; http://{addr}/health answers 503 until it is served"
            );
        }
        let work = {
            let options = options.clone();
            tokio::task::spawn_blocking(move || load(&options))
        };
        let Some(loaded) = loading::serve_while(&listener, work, shutdown_signal()).await else {
            return Ok(());
        };
        let (snapshot, warnings) = loaded.map_err(|e| Error::Task(e.to_string()))??;
        if warnings > 0 && !options.quiet {
            eprintln!(
                "orgdir: the data conforms to the shapes, with {warnings} warning{} (`orgdir validate` lists them)",
                if warnings == 1 { "" } else { "s" }
            );
        }
        let summary = format!(
            "{} organizations, {} triples, {} named queries",
            snapshot.organizations,
            snapshot.triples,
            snapshot.queries.len()
        );
        let mut state = AppState::new(snapshot, options.limits);
        if options.releases.join(release::INDEX).is_file() {
            state = state.with_releases(options.releases.clone());
        }
        let state = Arc::new(state);
        if !options.quiet {
            eprintln!(
                "orgdir: serving {summary} at http://{addr}/ (SPARQL endpoint: http://{addr}/sparql)"
            );
        }
        if let Some(w) = watching {
            eprintln!(
                "orgdir: watching {} and {} for changes",
                options.data.display(),
                options.queries.display()
            );
            tokio::spawn(watch(Arc::clone(&state), w));
        }
        serve(listener, state, shutdown_signal())
            .await
            .map_err(Error::io("serve on", addr.to_string()))
    });
    // Page renderings (and a load stopped by Ctrl-C) still on the blocking
    // pool are not waited for.
    runtime.shutdown_timeout(Duration::from_secs(1));
    served.map(|()| exit::SUCCESS)
}

/// `--watch`: the directories the data is made of, and this command's
/// load to make it again.
pub fn watch_options(options: &ServeOptions) -> WatchOptions {
    let mut dirs = vec![options.data.clone(), options.queries.clone()];
    if let ShapesSource::Dir(shapes) = &options.shapes {
        dirs.push(shapes.clone());
    }
    let reloading = options.clone();
    WatchOptions {
        dirs,
        interval: Duration::from_millis(500),
        reload: Arc::new(move || {
            load(&reloading)
                .map(|(snapshot, _)| snapshot)
                .map_err(|e| e.render(Some("still serving the previous data")))
        }),
    }
}

/// The data to serve, validated, with its count of warnings.
fn load(options: &ServeOptions) -> Result<(Snapshot, usize), Error> {
    let queries = store::load_queries(&options.queries)?;
    let (mut snapshot, warnings) = match &options.store {
        None => in_memory(options, queries)?,
        Some(dir) => (persistent(dir, options, queries)?, 0),
    };
    if let Some(path) = &options.linkcheck {
        store::add_linkcheck(&mut snapshot, path)?;
    }
    snapshot.search = options.search;
    if let Some(dir) = options.store.as_ref().filter(|_| options.search) {
        let kept = index_dir(dir);
        let names =
            timed(|| search::Index::open_or_build(&snapshot.store, &kept, &snapshot.version))?;
        snapshot.names = Some(Arc::new(names));
    }
    Ok((snapshot, warnings))
}

/// Loads the data, validates it, and loads it with the named queries into
/// a new in-memory store; the dumps are written afterwards, in the
/// background. A violation is an error.
fn in_memory(options: &ServeOptions, queries: Vec<NamedQuery>) -> Result<(Snapshot, usize), Error> {
    let source = source::load(&options.data, options.source_limits)?;
    // The store is loaded while the data is validated: on data never
    // validated before, start-up takes the longer of the two, not their sum.
    // A violation drops the store unused.
    let (verdict, snapshot) = std::thread::scope(|scope| {
        let store = scope.spawn(|| store::load(&source, queries));
        // Meanwhile the data's fingerprint, which keys both its verdict and
        // its name index.
        let fingerprint = verdict::cache_dir()
            .map(|_| verdict::fingerprint(&source.root, &options.shapes, options.source_limits))
            .transpose();
        // The name index is built from the same records, or its tantivy
        // part read back from the cache.
        let names = options.search.then(|| {
            let kept = fingerprint
                .as_ref()
                .ok()
                .and_then(Option::as_deref)
                .and_then(remembered_index);
            let source = &source;
            scope.spawn(move || {
                timed(|| match &kept {
                    Some((dir, version)) => {
                        let index = search::Index::from_source_kept(source, dir, version);
                        forget_old_indexes(dir);
                        index
                    }
                    None => search::Index::from_source(source),
                })
            })
        });
        let verdict = fingerprint.map_err(Error::from).and_then(|fingerprint| {
            verdict::check_remembered_at(&source, &options.shapes, fingerprint.as_deref())
        });
        let snapshot = store
            .join()
            .expect("the store loading thread panicked")
            .map_err(Error::from)
            .and_then(|mut snapshot| {
                if let Some(names) = names {
                    let names = names.join().expect("the name index thread panicked")?;
                    snapshot.names = Some(Arc::new(names));
                }
                Ok(snapshot)
            });
        (verdict, snapshot)
    });
    let ((warnings, _), _) = verdict?;
    let snapshot = snapshot?;
    let slot = Arc::clone(&snapshot.dumps);
    std::thread::spawn(move || store::write_dumps(&slot, &source));
    Ok((snapshot, warnings))
}

/// How many name indexes the cache keeps: one per version of the data
/// served lately (a maintainer's `--watch` makes one per edit).
const KEPT_INDEXES: usize = 4;

/// Where the in-memory server keeps the name index of the data of
/// `fingerprint`, with the version it must hold: the fingerprint and this
/// executable (size and time), since the index's layout can change between
/// builds of one orgdir version. The verdict is remembered on the same key,
/// so a restart on the same data skips tantivy's indexing as it skips the
/// validation: at 100,000 records the index then added 1.7% to start-up,
/// against 6-14% when it was built at every start (bench/reconcile.sh,
/// bench/RESULTS.md).
fn remembered_index(fingerprint: &str) -> Option<(std::path::PathBuf, String)> {
    let root = verdict::cache_root()?.join("search");
    let exe = std::env::current_exe()
        .and_then(std::fs::metadata)
        .ok()
        .map(|m| {
            let modified = m
                .modified()
                .ok()
                .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
                .unwrap_or_default();
            format!("{} {}", m.len(), modified.as_nanos())
        })?;
    let key = fingerprint.get(..32).unwrap_or(fingerprint);
    Some((root.join(key), format!("{fingerprint} {exe}")))
}

/// Marks `dir` as used now and removes the cache's name indexes past the
/// [`KEPT_INDEXES`] used last. A failure only costs disk space.
fn forget_old_indexes(dir: &std::path::Path) {
    if let Ok(file) = std::fs::File::open(dir) {
        let _ = file.set_modified(std::time::SystemTime::now());
    }
    let Some(root) = dir.parent() else { return };
    let Ok(read) = std::fs::read_dir(root) else {
        return;
    };
    let mut kept: Vec<(std::time::SystemTime, std::path::PathBuf)> = read
        .flatten()
        .filter(|e| !e.file_name().to_string_lossy().starts_with('.'))
        .filter_map(|e| Some((e.metadata().ok()?.modified().ok()?, e.path())))
        .collect();
    kept.sort_by_key(|k| std::cmp::Reverse(k.0));
    for (_, old) in kept.into_iter().skip(KEPT_INDEXES) {
        if old != dir {
            let _ = std::fs::remove_dir_all(old);
        }
    }
}

/// `build`'s index, its time and size logged.
fn timed(
    build: impl FnOnce() -> Result<search::Index, search::SearchError>,
) -> Result<search::Index, Error> {
    let start = std::time::Instant::now();
    let index = build()?;
    tracing::info!(
        organizations = index.len(),
        index_mib = format!("{:.1}", index.index_bytes() as f64 / (1 << 20) as f64),
        memory_mib = format!("{:.1}", index.memory_bytes() as f64 / (1 << 20) as f64),
        seconds = format!("{:.3}", start.elapsed().as_secs_f64()),
        "name index ready"
    );
    Ok(index)
}

/// Where the name index of the store in `dir` is kept: `DIR.search`
/// beside it (RocksDB owns the files inside DIR).
pub fn index_dir(dir: &std::path::Path) -> std::path::PathBuf {
    let mut name = dir.file_name().unwrap_or_default().to_os_string();
    name.push(".search");
    dir.with_file_name(name)
}

/// `--store DIR`: the persistent store in DIR, reused when it was built
/// from the current data and shapes, else validated and built anew beside
/// DIR and swapped in.
#[cfg(feature = "rocksdb")]
fn persistent(
    dir: &std::path::Path,
    options: &ServeOptions,
    queries: Vec<NamedQuery>,
) -> Result<Snapshot, Error> {
    let (snapshot, reused) = open_or_build(
        dir,
        &options.data,
        options.source_limits,
        &options.shapes,
        queries,
    )?;
    if !options.quiet {
        let what = if reused {
            "reusing (data unchanged)"
        } else {
            "built"
        };
        eprintln!("orgdir: {what} the store in {}", dir.display());
    }
    Ok(snapshot)
}

/// The persistent store in `dir`, reused when it was built from the current
/// contents of `data` and `shapes`; otherwise the data is validated and the
/// store built anew beside `dir` and swapped in. Returns whether it was
/// reused.
#[cfg(feature = "rocksdb")]
pub fn open_or_build(
    dir: &std::path::Path,
    data: &std::path::Path,
    limits: source::Limits,
    shapes: &ShapesSource,
    queries: Vec<NamedQuery>,
) -> Result<(Snapshot, bool), Error> {
    // One run builds the store at a time (a second waits, then finds it
    // built); what a killed build left beside it is cleaned first.
    let _lock = crate::fsutil::lock::lock(dir)?;
    crate::fsutil::atomic::recover(dir)?;
    let fingerprint = verdict::fingerprint(data, shapes, limits)?;
    if let Some(snapshot) = store::open_persistent(dir, &fingerprint, &queries)? {
        return Ok((snapshot, true));
    }
    let source = source::load(data, limits)?;
    verdict::check(&source, shapes)?;
    let built = store::build_persistent(dir, &source, fingerprint, queries)?;
    Ok((built, false))
}

#[cfg(not(feature = "rocksdb"))]
fn persistent(
    _dir: &std::path::Path,
    _options: &ServeOptions,
    _queries: Vec<NamedQuery>,
) -> Result<Snapshot, Error> {
    Err(Error::Usage(
        "--store needs orgdir built with the `rocksdb` feature: \
         cargo build --release --features rocksdb (needs libclang)"
            .into(),
    ))
}
