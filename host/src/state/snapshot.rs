//! One planning pass, ready to serve: the loaded organization, its plan and
//! commit, and every feed's strong ETag, Last-Modified and length. The
//! feeds' bytes are not kept: each pass writes every feed once to know its
//! ETag, and [`Snapshot::render`] writes one again, byte for byte, for the
//! [`super::FeedCache`] when a client asks for it.

use std::collections::BTreeMap;
use std::sync::Arc;

use hyper::header::HeaderValue;
use jiff::Timestamp;
use jiff::tz::TimeZone;
use sha2::{Digest, Sha256};

use crate::pipeline::{Loaded, feed_options};
use peerwell_core::feeds::{FeedIndex, FeedKey, FeedOptions, FeedOwner, FeedSet};
use peerwell_core::schedule::{Plan, Session};
use peerwell_store::Commit;

/// One feed as served: what a response needs besides the bytes, computed
/// once per pass (and kept across passes while the bytes stay the same).
#[derive(Debug)]
pub struct Feed {
    /// The first 128 bits of the SHA-256 of the bytes.
    pub digest: u128,
    /// Strong ETag over the bytes, quoted: `digest` in 32 hex digits.
    pub etag: String,
    /// When these bytes were first served (carried over from the previous
    /// snapshot while the ETag stays the same).
    pub last_modified: Timestamp,
    /// `etag` as a header value.
    pub etag_header: HeaderValue,
    /// `last_modified` as an HTTP date (IMF-fixdate) header value.
    pub last_modified_header: HeaderValue,
    /// The length of the bytes.
    pub length: usize,
    /// `length` as a `Content-Length` value (for HEAD).
    pub body_length: HeaderValue,
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
    /// How the feeds are stamped (from `commit`).
    opts: FeedOptions,
    /// Where each feed's sessions are among the plan's and the cancelled
    /// sessions.
    index: FeedIndex,
}

impl Snapshot {
    /// Writes every group's and member's feed for `plan` (with the commit's
    /// sequences and cancellations), as `peerwell export` writes them, on
    /// every core, and keeps each one's ETag and length.
    pub fn build(
        loaded: Loaded,
        plan: Plan,
        commit: Commit,
        now: Timestamp,
        previous: Option<&Snapshot>,
    ) -> Snapshot {
        let opts = feed_options(&loaded, &commit);
        let index = FeedIndex::new(
            &loaded.org,
            plan.sessions.iter().chain(commit.cancelled.iter()),
        );
        let mut snapshot = Snapshot {
            planned_at: now,
            loaded,
            plan,
            commit,
            feeds: BTreeMap::new(),
            opts,
            index,
        };
        snapshot.feeds = snapshot.stamp_feeds(now, previous);
        snapshot
    }

    /// Every feed's ETag, Last-Modified and length.
    fn stamp_feeds(
        &self,
        now: Timestamp,
        previous: Option<&Snapshot>,
    ) -> BTreeMap<FeedKey, Arc<Feed>> {
        let owners = FeedOwner::all(&self.loaded.org);
        let set = self.feed_set();
        let threads = peerwell_core::parallel::threads();
        let stamped = peerwell_core::parallel::map(&owners, threads, |owner| {
            let body = set.feed(*owner, &self.opts);
            (digest(body.as_bytes()), body.len())
        });
        owners
            .iter()
            .zip(stamped)
            .map(|(owner, (digest, length))| {
                let key = owner.key();
                let feed = feed(&key, digest, length, now, previous);
                (key, feed)
            })
            .collect()
    }

    /// How feeds (and the events in messages) are stamped.
    pub fn feed_options(&self) -> &FeedOptions {
        &self.opts
    }

    /// Group `id`'s sessions in plan order, each with `true`, then its
    /// cancelled sessions with `false`: found through the feeds' index, not
    /// by scanning the plan for every group.
    pub fn sessions_of<'s>(&'s self, id: &str) -> impl Iterator<Item = (&'s Session, bool)> + 's {
        let active = self.plan.sessions.len();
        self.index
            .group_positions(id)
            .iter()
            .filter_map(move |&at| {
                let at = at as usize;
                match at.checked_sub(active) {
                    None => self.plan.sessions.get(at).map(|s| (s, true)),
                    Some(c) => self.commit.cancelled.get(c).map(|s| (s, false)),
                }
            })
    }

    /// The exact bytes of the feed `key` (`None` for a feed this snapshot
    /// does not serve): the same bytes its ETag was made over.
    pub fn render(&self, key: &FeedKey) -> Option<String> {
        let owner = FeedOwner::find(&self.loaded.org, key)?;
        Some(self.feed_set().feed(owner, &self.opts))
    }

    fn feed_set(&self) -> FeedSet<'_> {
        FeedSet::indexed(
            &self.loaded.org,
            self.plan
                .sessions
                .iter()
                .chain(self.commit.cancelled.iter()),
            &self.index,
        )
    }
}

fn feed(
    key: &FeedKey,
    digest: u128,
    length: usize,
    now: Timestamp,
    previous: Option<&Snapshot>,
) -> Arc<Feed> {
    if let Some(old) = previous.and_then(|p| p.feeds.get(key))
        && old.digest == digest
        && old.length == length
    {
        return old.clone();
    }
    let etag = format!("\"{digest:032x}\"");
    Arc::new(Feed {
        digest,
        etag_header: header(&etag),
        last_modified_header: header(&http_date(now)),
        body_length: HeaderValue::from(length),
        length,
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

/// The first 128 bits of the SHA-256 of `bytes` (a feed's ETag in hex).
pub fn digest(bytes: &[u8]) -> u128 {
    let sha = Sha256::digest(bytes);
    let mut first = [0u8; 16];
    first.copy_from_slice(&sha[..16]);
    u128::from_be_bytes(first)
}
