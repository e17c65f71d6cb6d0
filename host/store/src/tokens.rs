//! Feed tokens: the secret part of each feed's URL.
//!
//! Each group feed and member feed has at most one active token. Revoking
//! keeps the token as revoked, so a revoked token can never come back. A
//! token is 160 random bits from the operating system, written as 32
//! lowercase base32 letters; tokens are made here and stored by the
//! backend.

use std::collections::BTreeMap;

use jiff::Timestamp;

use super::{Store, StoreError};
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

impl Store {
    /// Every token ever issued, active and revoked, by token.
    pub fn tokens(&self) -> Result<Vec<TokenRow>, StoreError> {
        self.backend.tokens()
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
        let missing = feeds
            .into_iter()
            .filter(|f| !active.contains_key(*f))
            .map(|f| Ok((f.clone(), self.fresh_token()?)))
            .collect::<Result<Vec<_>, StoreError>>()?;
        if missing.is_empty() {
            return Ok(active);
        }
        // Another process (`peerwell feeds`, the daemon) may give the same
        // feed a token meanwhile: the backend skips a feed that got one.
        self.backend.add_tokens(&missing, now)?;
        self.active_tokens()
    }

    /// Revokes `token`; the feed it opened, or `None` when no active token
    /// is spelled so.
    pub fn revoke_token(
        &mut self,
        token: &str,
        now: Timestamp,
    ) -> Result<Option<FeedKey>, StoreError> {
        self.backend.revoke_token(token, now)
    }

    /// Revokes the active token of `feed`; the token revoked, if there was
    /// one. The feed gets no new token until [`Store::ensure_tokens`] or
    /// [`Store::rotate_token`].
    pub fn revoke_feed(
        &mut self,
        feed: &FeedKey,
        now: Timestamp,
    ) -> Result<Option<String>, StoreError> {
        self.backend.replace_token(feed, None, now)
    }

    /// Replaces the active token of `feed` with a new one, in one
    /// transaction: `(revoked token if any, new token)`.
    pub fn rotate_token(
        &mut self,
        feed: &FeedKey,
        now: Timestamp,
    ) -> Result<(Option<String>, String), StoreError> {
        let new = self.fresh_token()?;
        let old = self.backend.replace_token(feed, Some(&new), now)?;
        Ok((old, new))
    }

    /// [`new_token`], its failure named after the state.
    fn fresh_token(&self) -> Result<String, StoreError> {
        new_token().map_err(|e| StoreError::Io {
            path: self.path().to_path_buf(),
            message: format!("cannot read the system's random source for a feed token: {e}"),
        })
    }
}

#[cfg(test)]
mod tests;
