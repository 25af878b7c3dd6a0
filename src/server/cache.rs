//! Query results cached in memory, keyed by the request and the data version:
//! the data only changes on rebuild, so a repeated query is answered without
//! evaluation. Bounded by total size; the least recently used entry goes first.

use std::collections::HashMap;
use std::sync::Mutex;

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

pub struct Cache {
    max_bytes: usize,
    inner: Mutex<Inner>,
}

#[derive(Default)]
struct Inner {
    entries: HashMap<Key, (Bytes, u64)>,
    bytes: usize,
    clock: u64,
}

impl Cache {
    pub fn new(max_bytes: usize) -> Self {
        Cache {
            max_bytes,
            inner: Mutex::default(),
        }
    }

    pub fn get(&self, key: &Key) -> Option<Bytes> {
        let mut inner = self.inner.lock().expect("cache lock");
        inner.clock += 1;
        let now = inner.clock;
        let (body, used) = inner.entries.get_mut(key)?;
        *used = now;
        Some(body.clone())
    }

    /// Keeps `body` unless it alone would take more than an eighth of the cache.
    pub fn insert(&self, key: Key, body: Bytes) {
        let size = key.size() + body.len();
        if size > self.max_bytes / 8 {
            return;
        }
        let mut inner = self.inner.lock().expect("cache lock");
        while inner.bytes + size > self.max_bytes {
            let Some(oldest) = inner
                .entries
                .iter()
                .min_by_key(|(_, (_, used))| *used)
                .map(|(k, _)| k.clone())
            else {
                break;
            };
            if let Some((b, _)) = inner.entries.remove(&oldest) {
                inner.bytes -= oldest.size() + b.len();
            }
        }
        inner.clock += 1;
        let now = inner.clock;
        if let Some((old, _)) = inner.entries.insert(key.clone(), (body, now)) {
            inner.bytes -= key.size() + old.len();
        }
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
