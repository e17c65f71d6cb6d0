//! The `peerwell_tokens` table in SQL. As on SQLite, the unique partial
//! index `peerwell_tokens_active` keeps one active token per feed, and rows
//! are never deleted.

use jiff::Timestamp;
use postgres::Client;

use super::connect::pg_error;
use super::rows::whole;
use super::target::PgTarget;
use crate::{StoreError, TokenRow};
use peerwell_core::feeds::FeedKey;

fn kind_of(feed: &FeedKey) -> (&'static str, &str) {
    match feed {
        FeedKey::Group(id) => ("group", id),
        FeedKey::Member(id) => ("member", id),
    }
}

fn feed_of(target: &PgTarget, kind: &str, id: String) -> Result<FeedKey, StoreError> {
    match kind {
        "group" => Ok(FeedKey::Group(id)),
        "member" => Ok(FeedKey::Member(id)),
        other => Err(StoreError::corrupt(
            &target.location(),
            format!("token kind `{other}`"),
        )),
    }
}

/// Every token ever issued, sorted by token (byte order, as on SQLite).
pub fn list(client: &mut Client, target: &PgTarget) -> Result<Vec<TokenRow>, StoreError> {
    let rows = client
        .query(
            "SELECT token, kind, id, created_at, revoked_at FROM peerwell_tokens \
             ORDER BY token COLLATE \"C\"",
            &[],
        )
        .map_err(|e| pg_error(target, &e))?;
    rows.iter()
        .map(|r| {
            let kind: String = r.get(1);
            Ok(TokenRow {
                token: r.get(0),
                feed: feed_of(target, &kind, r.get(2))?,
                created_at: r.get(3),
                revoked_at: r.get(4),
            })
        })
        .collect()
}

/// Stores each token whose feed has no active one (one transaction, run by
/// the caller).
pub fn add(
    client: &mut Client,
    target: &PgTarget,
    tokens: &[(FeedKey, String)],
    now: Timestamp,
) -> Result<(), StoreError> {
    for (feed, token) in tokens {
        let (kind, id) = kind_of(feed);
        client
            .execute(
                "INSERT INTO peerwell_tokens (token, kind, id, created_at) \
                 VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING",
                &[token, &kind, &id, &whole(now)],
            )
            .map_err(|e| pg_error(target, &e))?;
    }
    Ok(())
}

/// Revokes the active token spelled `token`; the feed it opened.
pub fn revoke(
    client: &mut Client,
    target: &PgTarget,
    token: &str,
    now: Timestamp,
) -> Result<Option<FeedKey>, StoreError> {
    let row = client
        .query_opt(
            "UPDATE peerwell_tokens SET revoked_at = $1 WHERE token = $2 \
             AND revoked_at IS NULL RETURNING kind, id",
            &[&whole(now), &token],
        )
        .map_err(|e| pg_error(target, &e))?;
    row.map(|r| feed_of(target, r.get(0), r.get(1))).transpose()
}

/// Revokes the active token of `feed` and stores `new` (one transaction,
/// run by the caller); the token revoked.
pub fn replace(
    client: &mut Client,
    target: &PgTarget,
    feed: &FeedKey,
    new: Option<&str>,
    now: Timestamp,
) -> Result<Option<String>, StoreError> {
    let err = |e| pg_error(target, &e);
    let (kind, id) = kind_of(feed);
    let old = client
        .query_opt(
            "UPDATE peerwell_tokens SET revoked_at = $1 WHERE kind = $2 AND id = $3 \
             AND revoked_at IS NULL RETURNING token",
            &[&whole(now), &kind, &id],
        )
        .map_err(err)?
        .map(|r| r.get::<_, String>(0));
    if let Some(token) = new {
        client
            .execute(
                "INSERT INTO peerwell_tokens (token, kind, id, created_at) \
                 VALUES ($1, $2, $3, $4)",
                &[&token, &kind, &id, &whole(now)],
            )
            .map_err(err)?;
    }
    Ok(old)
}
