//! The `tokens` table in SQL (see [`crate::tokens`] for what a token is).
//!
//! Each feed has at most one active token: the unique partial index
//! `tokens_active` enforces it. Revoking sets `revoked_at`; rows are never
//! deleted, so a revoked token can never come back.

use std::path::Path;

use jiff::Timestamp;
use rusqlite::{Connection, OptionalExtension, Transaction, TransactionBehavior, params};

use crate::codec;
use crate::{StoreError, TokenRow};
use peerwell_core::feeds::FeedKey;

fn kind_of(feed: &FeedKey) -> (&'static str, &str) {
    match feed {
        FeedKey::Group(id) => ("group", id),
        FeedKey::Member(id) => ("member", id),
    }
}

/// Every token ever issued, sorted by token.
pub fn list(conn: &Connection, path: &Path) -> Result<Vec<TokenRow>, StoreError> {
    let err = |e| StoreError::from_sqlite(path, e);
    let mut stmt = conn
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
                return Err(StoreError::corrupt(path, format!("token kind `{other}`")));
            }
        };
        let time = |s| codec::timestamp(s).map_err(|e| StoreError::corrupt(path, e));
        out.push(TokenRow {
            token,
            feed,
            created_at: time(created)?,
            revoked_at: revoked.map(time).transpose()?,
        });
    }
    Ok(out)
}

/// A write transaction that takes the write lock up front, so that another
/// process giving the same feed a token meanwhile is seen.
fn immediate<'c>(conn: &'c mut Connection, path: &Path) -> Result<Transaction<'c>, StoreError> {
    conn.transaction_with_behavior(TransactionBehavior::Immediate)
        .map_err(|e| StoreError::from_sqlite(path, e))
}

/// Stores each token whose feed has no active one, in one transaction.
pub fn add(
    conn: &mut Connection,
    path: &Path,
    tokens: &[(FeedKey, String)],
    now: Timestamp,
) -> Result<(), StoreError> {
    let tx = immediate(conn, path)?;
    for (feed, token) in tokens {
        let (kind, id) = kind_of(feed);
        tx.execute(
            "INSERT OR IGNORE INTO tokens (token, kind, id, created_at) VALUES (?1, ?2, ?3, ?4)",
            params![token, kind, id, codec::seconds(now)],
        )
        .map_err(|e| StoreError::from_sqlite(path, e))?;
    }
    tx.commit().map_err(|e| StoreError::from_sqlite(path, e))
}

/// Revokes the active token spelled `token`; the feed it opened.
pub fn revoke(
    conn: &Connection,
    path: &Path,
    token: &str,
    now: Timestamp,
) -> Result<Option<FeedKey>, StoreError> {
    let feed = list(conn, path)?
        .into_iter()
        .find(|t| t.token == token && t.revoked_at.is_none())
        .map(|t| t.feed);
    if feed.is_some() {
        conn.execute(
            "UPDATE tokens SET revoked_at = ?1 WHERE token = ?2 AND revoked_at IS NULL",
            params![codec::seconds(now), token],
        )
        .map_err(|e| StoreError::from_sqlite(path, e))?;
    }
    Ok(feed)
}

/// Revokes the active token of `feed` and stores `new`, in one
/// transaction; the token revoked.
pub fn replace(
    conn: &mut Connection,
    path: &Path,
    feed: &FeedKey,
    new: Option<&str>,
    now: Timestamp,
) -> Result<Option<String>, StoreError> {
    let err = |e| StoreError::from_sqlite(path, e);
    let tx = immediate(conn, path)?;
    let (kind, id) = kind_of(feed);
    let old: Option<String> = tx
        .query_row(
            "SELECT token FROM tokens WHERE kind = ?1 AND id = ?2 AND revoked_at IS NULL",
            params![kind, id],
            |r| r.get(0),
        )
        .optional()
        .map_err(err)?;
    tx.execute(
        "UPDATE tokens SET revoked_at = ?1 WHERE kind = ?2 AND id = ?3 AND revoked_at IS NULL",
        params![codec::seconds(now), kind, id],
    )
    .map_err(err)?;
    if let Some(token) = new {
        tx.execute(
            "INSERT INTO tokens (token, kind, id, created_at) VALUES (?1, ?2, ?3, ?4)",
            params![token, kind, id, codec::seconds(now)],
        )
        .map_err(err)?;
    }
    tx.commit().map_err(err)?;
    Ok(old)
}
