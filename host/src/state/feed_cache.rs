//! The feeds' bytes as served, written on a client's first request and kept
//! while they fit: a cache of at most `[server] feed_cache_mib`, least
//! recently used out. Entries are keyed by the feed's digest (the hash of
//! its bytes its ETag shows) and whether they are gzip-compressed, so an entry stays right
//! across passes for as long as a feed's bytes do, and a changed feed is
//! simply a new key. A snapshot keeps only each feed's ETag and length, so
//! a 304 needs no bytes at all.

use std::io::Write;
use std::sync::Mutex;

use bytes::Bytes;
use flate2::Compression;
use flate2::write::GzEncoder;
use hyper::header::HeaderValue;
use lru::LruCache;
use peerwell_core::feeds::FeedKey;

use super::{Feed, Snapshot};

/// Rendered feed bodies (plain and gzip), up to a byte budget.
pub struct FeedCache {
    budget: usize,
    inner: Mutex<Entries>,
}

struct Entries {
    lru: LruCache<(u128, bool), Bytes>,
    /// Bytes held in `lru`.
    held: usize,
}

impl FeedCache {
    /// A cache holding at most `budget` bytes of bodies (0 keeps nothing:
    /// every request writes its feed).
    pub fn new(budget: usize) -> FeedCache {
        FeedCache {
            budget,
            inner: Mutex::new(Entries {
                lru: LruCache::unbounded(),
                held: 0,
            }),
        }
    }

    /// The bytes of `feed` (the feed `key` of `snapshot`), gzip-compressed
    /// when `gzip`, with their `Content-Length`: from the cache, or written
    /// (and compressed) now and kept.
    pub fn body(
        &self,
        snapshot: &Snapshot,
        key: &FeedKey,
        feed: &Feed,
        gzip: bool,
    ) -> (Bytes, HeaderValue) {
        if let Some(bytes) = self.get(feed.digest, gzip) {
            let length = HeaderValue::from(bytes.len());
            return (bytes, length);
        }
        let plain = match self.get(feed.digest, false) {
            Some(bytes) => bytes,
            None => {
                let bytes = Bytes::from(snapshot.render(key).unwrap_or_default());
                self.put(feed.digest, false, bytes.clone());
                bytes
            }
        };
        let bytes = if gzip {
            let packed = Bytes::from(compress(&plain));
            self.put(feed.digest, true, packed.clone());
            packed
        } else {
            plain
        };
        let length = HeaderValue::from(bytes.len());
        (bytes, length)
    }

    /// How many bytes of bodies are held.
    pub fn held(&self) -> usize {
        self.lock().held
    }

    fn get(&self, digest: u128, gzip: bool) -> Option<Bytes> {
        self.lock().lru.get(&(digest, gzip)).cloned()
    }

    fn put(&self, digest: u128, gzip: bool, bytes: Bytes) {
        if bytes.len() > self.budget {
            return;
        }
        let mut entries = self.lock();
        entries.held += bytes.len();
        if let Some(old) = entries.lru.put((digest, gzip), bytes) {
            entries.held -= old.len();
        }
        while entries.held > self.budget {
            match entries.lru.pop_lru() {
                Some((_, old)) => entries.held -= old.len(),
                None => break,
            }
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Entries> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// `body` gzip-compressed (default level).
fn compress(body: &[u8]) -> Vec<u8> {
    let mut gz = GzEncoder::new(Vec::with_capacity(body.len() / 4), Compression::default());
    // Writing to a Vec cannot fail.
    gz.write_all(body)
        .and_then(|()| gz.finish())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests;
