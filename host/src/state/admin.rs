//! The HR overview's key and its page, rendered once per plan.
//!
//! The key is the SHA-256 of the token in the environment variable
//! `[server] admin_token_env` names; the token itself is not kept. A
//! candidate is compared digest to digest in constant time, so a response
//! never says how much of a guess was right. The rendered page is kept
//! until the plan, the status or the token map it shows changes.

use std::sync::{Arc, Mutex};

use bytes::Bytes;
use sha2::{Digest, Sha256};

use super::{Snapshot, Status, TokenMap};

/// The overview's key and page cache; off when no token is set.
#[derive(Default)]
pub struct Admin {
    /// SHA-256 of the token; `None`: the overview is off.
    key: Option<[u8; 32]>,
    /// The last page and what it was rendered from.
    cache: Mutex<Option<Cached>>,
}

/// A rendered page and the state it shows (compared by identity).
struct Cached {
    snapshot: Arc<Snapshot>,
    status: Arc<Status>,
    tokens: Arc<TokenMap>,
    page: Bytes,
}

fn digest(text: &str) -> [u8; 32] {
    Sha256::digest(text.as_bytes()).into()
}

impl Admin {
    /// The overview, on for `token` (off when it is empty).
    pub fn with_token(token: &str) -> Admin {
        Admin {
            key: (!token.is_empty()).then(|| digest(token)),
            cache: Mutex::new(None),
        }
    }

    /// Whether the overview is on.
    pub fn enabled(&self) -> bool {
        self.key.is_some()
    }

    /// Whether `candidate` is the token: false when the overview is off.
    /// Takes the same time whatever `candidate` is (both sides are hashed
    /// first; the digests are compared without an early exit).
    pub fn admits(&self, candidate: &str) -> bool {
        let Some(key) = &self.key else {
            return false;
        };
        let other = digest(candidate);
        let diff = key
            .iter()
            .zip(other.iter())
            .fold(0u8, |acc, (a, b)| acc | (a ^ b));
        std::hint::black_box(diff) == 0
    }

    /// The page for this state: the cached one when it was rendered from
    /// the same snapshot, status and tokens, else `render`'s (then kept).
    pub fn page(
        &self,
        snapshot: &Arc<Snapshot>,
        status: &Arc<Status>,
        tokens: &Arc<TokenMap>,
        render: impl FnOnce() -> Bytes,
    ) -> Bytes {
        let mut cache = self.cache.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(c) = cache.as_ref()
            && Arc::ptr_eq(&c.snapshot, snapshot)
            && Arc::ptr_eq(&c.status, status)
            && Arc::ptr_eq(&c.tokens, tokens)
        {
            return c.page.clone();
        }
        let page = render();
        *cache = Some(Cached {
            snapshot: snapshot.clone(),
            status: status.clone(),
            tokens: tokens.clone(),
            page: page.clone(),
        });
        page
    }
}

#[cfg(test)]
mod tests;
