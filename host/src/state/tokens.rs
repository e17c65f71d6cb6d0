//! The token → feed map the server reads on every feed and page request,
//! swapped whole (see [`super::ServerState::refresh_tokens`]).

use jiff::Timestamp;
use std::collections::{BTreeMap, HashMap};

use super::Snapshot;
use crate::pipeline;
use peerwell_core::feeds::FeedKey;
use peerwell_store::{Store, StoreError};

/// Active tokens of the feeds being served, both ways.
#[derive(Debug, Default)]
pub struct TokenMap {
    by_token: HashMap<Box<str>, FeedKey>,
    by_feed: BTreeMap<FeedKey, Box<str>>,
}

impl TokenMap {
    /// A map of these (feed, token) pairs.
    pub fn new(pairs: impl IntoIterator<Item = (FeedKey, String)>) -> TokenMap {
        let mut map = TokenMap::default();
        for (feed, token) in pairs {
            let token: Box<str> = token.into();
            map.by_token.insert(token.clone(), feed.clone());
            map.by_feed.insert(feed, token);
        }
        map
    }

    /// The feed `token` opens, if it is active.
    pub fn feed(&self, token: &str) -> Option<&FeedKey> {
        self.by_token.get(token)
    }

    /// The active token of `feed`.
    pub fn token(&self, feed: &FeedKey) -> Option<&str> {
        self.by_feed.get(feed).map(|t| &**t)
    }

    /// How many tokens are active.
    pub fn len(&self) -> usize {
        self.by_token.len()
    }

    /// True when no token is active.
    pub fn is_empty(&self) -> bool {
        self.by_token.is_empty()
    }
}

/// The active tokens of `snapshot`'s feeds, giving every feed a token
/// when it has none (written to the state file at `now`).
pub fn active(snapshot: &Snapshot, now: Timestamp) -> Result<TokenMap, StoreError> {
    let location = pipeline::state_location(&snapshot.loaded.org, None)?;
    let mut store = Store::open_location(&location)?;
    let active = store.ensure_tokens(snapshot.feeds.keys(), now)?;
    Ok(TokenMap::new(
        active
            .into_iter()
            .filter(|(feed, _)| snapshot.feeds.contains_key(feed)),
    ))
}
