//! Query results cached in memory, keyed by the request and the data version:
//! the data only changes on rebuild, so a repeated query is answered without
//! evaluation. Bounded by total size; the least recently used entry goes first.

use std::collections::{BTreeMap, HashMap};
use std::sync::Mutex;

use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use sha2::{Digest, Sha256};

use super::negotiate::Format;

/// Everything that decides a response's bytes.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Key {
    pub query: String,
    pub default_graphs: Vec<String>,
    pub named_graphs: Vec<String>,
    pub format: Format,
    pub version: String,
}

impl Key {
    fn size(&self) -> usize {
        self.query.len()
            + self.version.len()
            + self
                .default_graphs
                .iter()
                .chain(&self.named_graphs)
                .map(String::len)
                .sum::<usize>()
    }

    /// A strong validator for this response: the same key gives the same bytes.
    pub fn etag(&self) -> String {
        let mut h = Sha256::new();
        for part in [
            self.query.as_str(),
            self.format.media_type(),
            self.version.as_str(),
        ] {
            h.update(part.as_bytes());
            h.update([0]);
        }
        for g in self
            .default_graphs
            .iter()
            .chain([&String::new()])
            .chain(&self.named_graphs)
        {
            h.update(g.as_bytes());
            h.update([0]);
        }
        let digest = h.finalize();
        format!("\"{}\"", crate::rdf::dump::hex(&digest[..12]))
    }
}

/// 304 with the ETag when `If-None-Match` names `etag` (or `*`).
pub fn revalidated(headers: &HeaderMap, etag: &str) -> Option<Response> {
    let matches = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == etag || t.trim() == "*"));
    matches.then(|| (StatusCode::NOT_MODIFIED, [(header::ETAG, etag.to_owned())]).into_response())
}

pub struct Cache {
    max_bytes: usize,
    inner: Mutex<Inner>,
    /// Look-ups answered from the cache, and not (for `/metrics`).
    pub hits: std::sync::atomic::AtomicU64,
    pub misses: std::sync::atomic::AtomicU64,
}

/// Entries with the tick of their last use, and the keys by that tick, so
/// the least recently used is found in O(log n) (pages are many and small:
/// a scan per eviction made a full cache the bottleneck).
#[derive(Default)]
struct Inner {
    entries: HashMap<Key, (Bytes, u64)>,
    by_use: BTreeMap<u64, Key>,
    bytes: usize,
    clock: u64,
}

impl Inner {
    fn tick(&mut self) -> u64 {
        self.clock += 1;
        self.clock
    }
}

impl Cache {
    pub fn new(max_bytes: usize) -> Self {
        Cache {
            max_bytes,
            inner: Mutex::default(),
            hits: Default::default(),
            misses: Default::default(),
        }
    }

    pub fn get(&self, key: &Key) -> Option<Bytes> {
        use std::sync::atomic::Ordering::Relaxed;
        let mut inner = self.inner.lock().expect("cache lock");
        let now = inner.tick();
        let Some((body, used)) = inner.entries.get_mut(key) else {
            self.misses.fetch_add(1, Relaxed);
            return None;
        };
        self.hits.fetch_add(1, Relaxed);
        let (body, before) = (body.clone(), std::mem::replace(used, now));
        if let Some(k) = inner.by_use.remove(&before) {
            inner.by_use.insert(now, k);
        }
        Some(body)
    }

    /// Keeps `body` unless it alone would take more than an eighth of the cache.
    pub fn insert(&self, key: Key, body: Bytes) {
        let size = key.size() + body.len();
        if size > self.max_bytes / 8 {
            return;
        }
        let mut inner = self.inner.lock().expect("cache lock");
        if let Some((old, used)) = inner.entries.remove(&key) {
            inner.by_use.remove(&used);
            inner.bytes -= key.size() + old.len();
        }
        while inner.bytes + size > self.max_bytes {
            let Some((_, oldest)) = inner.by_use.pop_first() else {
                break;
            };
            if let Some((b, _)) = inner.entries.remove(&oldest) {
                inner.bytes -= oldest.size() + b.len();
            }
        }
        let now = inner.tick();
        inner.by_use.insert(now, key.clone());
        inner.entries.insert(key, (body, now));
        inner.bytes += size;
    }

    /// Total size of what is cached, in bytes.
    pub fn bytes(&self) -> usize {
        self.inner.lock().expect("cache lock").bytes
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(q: &str) -> Key {
        Key {
            query: q.into(),
            default_graphs: vec![],
            named_graphs: vec![],
            format: Format::Json,
            version: "v1".into(),
        }
    }

    #[test]
    fn bounded_and_least_recently_used_first() {
        let cache = Cache::new(8 * 100);
        cache.insert(key("a"), Bytes::from(vec![0; 90]));
        cache.insert(key("b"), Bytes::from(vec![0; 90]));
        assert!(cache.get(&key("a")).is_some());
        for q in ["c", "d", "e", "f", "g", "h", "i"] {
            cache.insert(key(q), Bytes::from(vec![0; 90]));
        }
        assert!(cache.bytes() <= 800);
        assert!(cache.get(&key("a")).is_some(), "recently used, kept");
        assert!(
            cache.get(&key("b")).is_none(),
            "least recently used, evicted"
        );
        cache.insert(key("huge"), Bytes::from(vec![0; 200]));
        assert!(
            cache.get(&key("huge")).is_none(),
            "over an eighth: not cached"
        );
    }

    #[test]
    fn reinserting_and_reading_keep_the_accounting() {
        let cache = Cache::new(8 * 100);
        for round in 0..50 {
            for q in ["a", "b", "c", "d"] {
                cache.insert(key(q), Bytes::from(vec![0; 50 + round % 7]));
                cache.get(&key("a"));
            }
        }
        let inner = cache.inner.lock().unwrap();
        assert_eq!(inner.entries.len(), inner.by_use.len());
        let total: usize = inner
            .entries
            .iter()
            .map(|(k, (b, _))| k.size() + b.len())
            .sum();
        assert_eq!(total, inner.bytes);
        assert!(inner.bytes <= 800);
    }

    #[test]
    fn etags_differ_with_what_changes_the_bytes() {
        let a = key("q");
        let mut b = key("q");
        b.version = "v2".into();
        let mut c = key("q");
        c.format = Format::Csv;
        assert_ne!(a.etag(), b.etag());
        assert_ne!(a.etag(), c.etag());
        assert_eq!(a.etag(), key("q").etag());
    }
}
