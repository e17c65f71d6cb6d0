//! One planning pass, ready to serve: the loaded organization, its plan and
//! commit, and every feed's exact bytes with their strong ETag and
//! Last-Modified (and their gzip, made on the first request that asks for
//! it and kept with the feed).

use std::collections::BTreeMap;
use std::io::Write;
use std::sync::{Arc, OnceLock};

use bytes::Bytes;
use flate2::Compression;
use flate2::write::GzEncoder;
use hyper::header::HeaderValue;
use jiff::Timestamp;
use jiff::tz::TimeZone;
use sha2::{Digest, Sha256};

use crate::pipeline::{Loaded, feed_options};
use peerwell_core::feeds::{FeedKey, FeedSet};
use peerwell_core::schedule::Plan;
use peerwell_store::Commit;

/// One feed as served. Everything a response needs is computed once (the
/// gzip on first use, the rest here), so serving a request only clones
/// reference-counted handles.
#[derive(Debug)]
pub struct Feed {
    /// The exact iCalendar bytes.
    pub body: Bytes,
    /// `body` gzip-compressed with its `Content-Length`, made by [`Feed::gzip`]
    /// when a client first accepts it: compressing every feed up front took
    /// seconds of each pass for feeds most clients fetch without gzip, if
    /// at all.
    gzip: OnceLock<(Bytes, HeaderValue)>,
    /// Strong ETag over `body`, quoted: `"<hex of SHA-256, 32 digits>"`.
    pub etag: String,
    /// When these bytes were first served (carried over from the previous
    /// snapshot while the bytes stay the same).
    pub last_modified: Timestamp,
    /// `etag` as a header value.
    pub etag_header: HeaderValue,
    /// `last_modified` as an HTTP date (IMF-fixdate) header value.
    pub last_modified_header: HeaderValue,
    /// `body.len()` as a `Content-Length` value (for HEAD).
    pub body_length: HeaderValue,
}

impl Feed {
    /// `body` gzip-compressed, and its length as a `Content-Length` value;
    /// compressed on the first call, the same bytes ever after.
    pub fn gzip(&self) -> (&Bytes, &HeaderValue) {
        let (bytes, length) = self.gzip.get_or_init(|| {
            let gzip = compress(&self.body);
            let length = HeaderValue::from(gzip.len());
            (Bytes::from(gzip), length)
        });
        (bytes, length)
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

/// Everything one planning pass produced.
pub struct Snapshot {
    /// The moment the pass planned at.
    pub planned_at: Timestamp,
    /// The policy and calendars the pass read.
    pub loaded: Loaded,
    /// The plan it made.
    pub plan: Plan,
    /// What recording the plan as published gave (sequences, revisions,
    /// cancellations).
    pub commit: Commit,
    /// Every group's and member's feed.
    pub feeds: BTreeMap<FeedKey, Arc<Feed>>,
}

impl Snapshot {
    /// Builds every group's and member's feed for `plan` (with the commit's
    /// sequences and cancellations), as `peerwell export` writes them.
    pub fn build(
        loaded: Loaded,
        plan: Plan,
        commit: Commit,
        now: Timestamp,
        previous: Option<&Snapshot>,
    ) -> Snapshot {
        let opts = feed_options(&loaded, &commit);
        let mut feeds = BTreeMap::new();
        {
            let set = FeedSet::new(
                &loaded.org,
                plan.sessions.iter().chain(commit.cancelled.iter()),
            );
            for group in &loaded.org.groups {
                let key = FeedKey::Group(group.id.clone());
                let body = set.group(group, &opts);
                feeds.insert(key.clone(), feed(&key, body, now, previous));
            }
            for person in loaded.org.people.values() {
                let key = FeedKey::Member(person.id.clone());
                let body = set.member(person, &opts);
                feeds.insert(key.clone(), feed(&key, body, now, previous));
            }
        }
        Snapshot {
            planned_at: now,
            loaded,
            plan,
            commit,
            feeds,
        }
    }
}

fn feed(key: &FeedKey, body: String, now: Timestamp, previous: Option<&Snapshot>) -> Arc<Feed> {
    let etag = etag(body.as_bytes());
    if let Some(old) = previous.and_then(|p| p.feeds.get(key))
        && old.etag == etag
        && *old.body == *body.as_bytes()
    {
        return old.clone();
    }
    let last_modified_header = header(&http_date(now));
    Arc::new(Feed {
        etag_header: header(&etag),
        last_modified_header,
        body_length: HeaderValue::from(body.len()),
        body: Bytes::from(body.into_bytes()),
        gzip: OnceLock::new(),
        etag,
        last_modified: now,
    })
}

/// A header value from text this module made (hex digits, quotes, an HTTP
/// date): always visible ASCII, so the fallback never happens.
fn header(text: &str) -> HeaderValue {
    HeaderValue::from_str(text).unwrap_or(HeaderValue::from_static(""))
}

/// `ts` as an HTTP date (IMF-fixdate): `Sun, 06 Nov 1994 08:49:37 GMT`.
pub fn http_date(ts: Timestamp) -> String {
    ts.to_zoned(TimeZone::UTC)
        .strftime("%a, %d %b %Y %H:%M:%S GMT")
        .to_string()
}

/// A strong ETag: the first 128 bits of the SHA-256 of the bytes, quoted.
pub fn etag(bytes: &[u8]) -> String {
    let digest = Sha256::digest(bytes);
    let mut out = String::with_capacity(34);
    out.push('"');
    for b in &digest[..16] {
        out.push_str(&format!("{b:02x}"));
    }
    out.push('"');
    out
}
