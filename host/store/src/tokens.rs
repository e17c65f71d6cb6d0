//! Feed tokens in the state file: the secret part of each feed's URL.
//!
//! Each group feed and member feed has at most one active token (a unique
//! partial index enforces it). Revoking sets `revoked_at`; rows are never
//! deleted, so a revoked token can never come back. A token is 160 random
//! bits from the operating system, written as 32 lowercase base32 letters.

use std::collections::BTreeMap;

use jiff::Timestamp;
use rusqlite::{OptionalExtension, Transaction, params};

use super::{Store, StoreError, codec};
use peerwell_core::feeds::FeedKey;

/// Random bytes in a token: 160 bits.
const TOKEN_BYTES: usize = 20;

/// One stored token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenRow {
    /// The secret, as it appears in URLs.
    pub token: String,
    /// The feed it opens.
    pub feed: FeedKey,
    /// When it was issued.
    pub created_at: Timestamp,
    /// When it was revoked; `None` while it is active.
    pub revoked_at: Option<Timestamp>,
}

/// A fresh token: 160 bits from the operating system's random source, as
/// 32 characters of lowercase RFC 4648 base32 (URL-safe, no padding).
pub fn new_token() -> Result<String, getrandom::Error> {
    let mut raw = [0u8; TOKEN_BYTES];
    getrandom::fill(&mut raw)?;
    Ok(base32(&raw))
}

fn base32(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 32] = b"abcdefghijklmnopqrstuvwxyz234567";
    let mut out = String::with_capacity(bytes.len() * 8 / 5 + 1);
    let (mut acc, mut bits) = (0u32, 0u32);
    for &b in bytes {
        acc = (acc << 8) | u32::from(b);
        bits += 8;
        while bits >= 5 {
            bits -= 5;
            out.push(ALPHABET[((acc >> bits) & 31) as usize] as char);
        }
    }
    if bits > 0 {
        out.push(ALPHABET[((acc << (5 - bits)) & 31) as usize] as char);
    }
    out
}

fn kind_of(feed: &FeedKey) -> (&'static str, &str) {
    match feed {
        FeedKey::Group(id) => ("group", id),
        FeedKey::Member(id) => ("member", id),
    }
}

impl Store {
    /// Every token ever issued, active and revoked, by token.
    pub fn tokens(&self) -> Result<Vec<TokenRow>, StoreError> {
        let err = |e| StoreError::from_sqlite(&self.path, e);
        let mut stmt = self
            .conn
            .prepare("SELECT token, kind, id, created_at, revoked_at FROM tokens ORDER BY token")
            .map_err(err)?;
        let rows = stmt
            .query_map([], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, i64>(3)?,
                    r.get::<_, Option<i64>>(4)?,
                ))
            })
            .map_err(err)?;
        let mut out = Vec::new();
        for row in rows {
            let (token, kind, id, created, revoked) = row.map_err(err)?;
            let feed = match kind.as_str() {
                "group" => FeedKey::Group(id),
                "member" => FeedKey::Member(id),
                other => {
                    return Err(StoreError::corrupt(
                        &self.path,
                        format!("token kind `{other}`"),
                    ));
                }
            };
            let time = |s| codec::timestamp(s).map_err(|e| StoreError::corrupt(&self.path, e));
            out.push(TokenRow {
                token,
                feed,
                created_at: time(created)?,
                revoked_at: revoked.map(time).transpose()?,
            });
        }
        Ok(out)
    }

    /// The active token of every feed that has one.
    pub fn active_tokens(&self) -> Result<BTreeMap<FeedKey, String>, StoreError> {
        Ok(self
            .tokens()?
            .into_iter()
            .filter(|t| t.revoked_at.is_none())
            .map(|t| (t.feed, t.token))
            .collect())
    }

    /// Gives every feed in `feeds` without an active token a new one (in one
    /// transaction) and returns the active token of every feed.
    pub fn ensure_tokens<'a>(
        &mut self,
        feeds: impl IntoIterator<Item = &'a FeedKey>,
        now: Timestamp,
    ) -> Result<BTreeMap<FeedKey, String>, StoreError> {
        let active = self.active_tokens()?;
        let missing: Vec<&FeedKey> = feeds
            .into_iter()
            .filter(|f| !active.contains_key(*f))
            .collect();
        if missing.is_empty() {
            return Ok(active);
        }
        let path = self.path.clone();
        // Another process (`peerwell feeds`, the daemon) may give the same
        // feed a token meanwhile: the write lock is taken up front and a
        // feed that got one is skipped (the unique index on active tokens).
        let tx = self
            .conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
            .map_err(|e| StoreError::from_sqlite(&path, e))?;
        for feed in missing {
            insert_if_missing(&tx, &path, feed, now)?;
        }
        tx.commit().map_err(|e| StoreError::from_sqlite(&path, e))?;
        self.active_tokens()
    }

    /// Revokes `token`; the feed it opened, or `None` when no active token
    /// is spelled so.
    pub fn revoke_token(
        &mut self,
        token: &str,
        now: Timestamp,
    ) -> Result<Option<FeedKey>, StoreError> {
        let feed = self
            .tokens()?
            .into_iter()
            .find(|t| t.token == token && t.revoked_at.is_none())
            .map(|t| t.feed);
        if feed.is_some() {
            self.conn
                .execute(
                    "UPDATE tokens SET revoked_at = ?1 WHERE token = ?2 AND revoked_at IS NULL",
                    params![codec::seconds(now), token],
                )
                .map_err(|e| StoreError::from_sqlite(&self.path, e))?;
        }
        Ok(feed)
    }

    /// Revokes the active token of `feed`; the token revoked, if there was
    /// one. The feed gets no new token until [`Store::ensure_tokens`] or
    /// [`Store::rotate_token`].
    pub fn revoke_feed(
        &mut self,
        feed: &FeedKey,
        now: Timestamp,
    ) -> Result<Option<String>, StoreError> {
        let path = self.path.clone();
        let tx = self
            .conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
            .map_err(|e| StoreError::from_sqlite(&path, e))?;
        let old = revoke_active(&tx, &path, feed, now)?;
        tx.commit().map_err(|e| StoreError::from_sqlite(&path, e))?;
        Ok(old)
    }

    /// Replaces the active token of `feed` with a new one, in one
    /// transaction: `(revoked token if any, new token)`.
    pub fn rotate_token(
        &mut self,
        feed: &FeedKey,
        now: Timestamp,
    ) -> Result<(Option<String>, String), StoreError> {
        let path = self.path.clone();
        let tx = self
            .conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
            .map_err(|e| StoreError::from_sqlite(&path, e))?;
        let old = revoke_active(&tx, &path, feed, now)?;
        let new = insert(&tx, &path, feed, now)?;
        tx.commit().map_err(|e| StoreError::from_sqlite(&path, e))?;
        Ok((old, new))
    }
}

fn revoke_active(
    tx: &Transaction<'_>,
    path: &std::path::Path,
    feed: &FeedKey,
    now: Timestamp,
) -> Result<Option<String>, StoreError> {
    let (kind, id) = kind_of(feed);
    let old: Option<String> = tx
        .query_row(
            "SELECT token FROM tokens WHERE kind = ?1 AND id = ?2 AND revoked_at IS NULL",
            params![kind, id],
            |r| r.get(0),
        )
        .optional()
        .map_err(|e| StoreError::from_sqlite(path, e))?;
    tx.execute(
        "UPDATE tokens SET revoked_at = ?1 WHERE kind = ?2 AND id = ?3 AND revoked_at IS NULL",
        params![codec::seconds(now), kind, id],
    )
    .map_err(|e| StoreError::from_sqlite(path, e))?;
    Ok(old)
}

fn insert_if_missing(
    tx: &Transaction<'_>,
    path: &std::path::Path,
    feed: &FeedKey,
    now: Timestamp,
) -> Result<(), StoreError> {
    let token = new_token().map_err(|e| no_randomness(path, e))?;
    let (kind, id) = kind_of(feed);
    tx.execute(
        "INSERT OR IGNORE INTO tokens (token, kind, id, created_at) VALUES (?1, ?2, ?3, ?4)",
        params![token, kind, id, codec::seconds(now)],
    )
    .map_err(|e| StoreError::from_sqlite(path, e))?;
    Ok(())
}

fn no_randomness(path: &std::path::Path, e: getrandom::Error) -> StoreError {
    StoreError::Io {
        path: path.to_path_buf(),
        message: format!("cannot read the system's random source for a feed token: {e}"),
    }
}

fn insert(
    tx: &Transaction<'_>,
    path: &std::path::Path,
    feed: &FeedKey,
    now: Timestamp,
) -> Result<String, StoreError> {
    let token = new_token().map_err(|e| no_randomness(path, e))?;
    let (kind, id) = kind_of(feed);
    tx.execute(
        "INSERT INTO tokens (token, kind, id, created_at) VALUES (?1, ?2, ?3, ?4)",
        params![token, kind, id, codec::seconds(now)],
    )
    .map_err(|e| StoreError::from_sqlite(path, e))?;
    Ok(token)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    #[test]
    fn tokens_are_160_bit_base32() {
        assert_eq!(base32(&[0xff; 5]), "77777777");
        assert_eq!(base32(b"f"), "my");
        let a = new_token().unwrap();
        let b = new_token().unwrap();
        assert_eq!(a.len(), 32);
        assert_ne!(a, b);
        assert!(
            a.bytes()
                .all(|c| c.is_ascii_lowercase() || (b'2'..=b'7').contains(&c))
        );
    }

    #[test]
    fn ensure_revoke_and_rotate() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open(&dir.path().join("s.sqlite3")).unwrap();
        let g = FeedKey::Group("walk".into());
        let m = FeedKey::Member("ana".into());
        let now = t("2026-03-02T08:00:00Z");
        let first = store.ensure_tokens([&g, &m], now).unwrap();
        assert_eq!(first.len(), 2);
        // Idempotent: the same tokens again.
        assert_eq!(store.ensure_tokens([&g, &m], now).unwrap(), first);
        // A second connection that gave the feed a token meanwhile wins.
        let mut other = Store::open(&dir.path().join("s.sqlite3")).unwrap();
        let h = FeedKey::Group("balint".into());
        let theirs = other.ensure_tokens([&h], now).unwrap();
        let ours = store.ensure_tokens([&g, &h], now).unwrap();
        assert_eq!(ours[&h], theirs[&h]);
        let (old, new) = store.rotate_token(&g, now).unwrap();
        assert_eq!(old.as_deref(), Some(first[&g].as_str()));
        assert_ne!(new, first[&g]);
        assert_eq!(store.revoke_token(&new, now).unwrap(), Some(g.clone()));
        assert_eq!(store.revoke_token(&new, now).unwrap(), None);
        assert_eq!(store.revoke_token("nonsense", now).unwrap(), None);
        assert!(!store.active_tokens().unwrap().contains_key(&g));
        assert_eq!(
            store.revoke_feed(&m, now).unwrap().as_deref(),
            Some(first[&m].as_str())
        );
        let again = store.ensure_tokens([&g, &m], now).unwrap();
        assert_ne!(again[&m], first[&m]);
        assert_eq!(store.tokens().unwrap().len(), 6);
    }
}
