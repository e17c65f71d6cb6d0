//! Request budgets for the absence links: a fixed window per key (a link's
//! token, a client address). A key over its budget is told how long until
//! its window ends, which becomes the 429's `Retry-After`.

use std::collections::HashMap;
use std::sync::Mutex;

use jiff::{SignedDuration, Timestamp};

/// Windows kept before old ones are swept.
const SWEEP_AT: usize = 10_000;

/// A budget of `limit` requests per `window`, per key.
#[derive(Debug)]
pub struct Budget {
    limit: u32,
    window: SignedDuration,
    /// Key → (window start, requests in it).
    used: Mutex<HashMap<String, (Timestamp, u32)>>,
}

impl Budget {
    /// `limit` requests per `window` for each key.
    pub fn new(limit: u32, window: SignedDuration) -> Budget {
        Budget {
            limit,
            window,
            used: Mutex::new(HashMap::new()),
        }
    }

    /// Counts one request of `key` at `now`: `Ok` while within the budget,
    /// else `Err` with whole seconds until its window ends (at least 1).
    pub fn take(&self, key: &str, now: Timestamp) -> Result<(), u64> {
        let mut used = self.used.lock().unwrap_or_else(|p| p.into_inner());
        if used.len() >= SWEEP_AT {
            let window = self.window;
            used.retain(|_, (start, _)| now.duration_since(*start) < window);
        }
        let entry = used.entry(key.to_string()).or_insert((now, 0));
        if now.duration_since(entry.0) >= self.window || now < entry.0 {
            *entry = (now, 0);
        }
        if entry.1 >= self.limit {
            let left = self.window - now.duration_since(entry.0);
            let secs = left.as_secs().max(1);
            return Err(u64::try_from(secs).unwrap_or(1));
        }
        entry.1 += 1;
        Ok(())
    }
}

/// The absence pages' budgets: per link and per client address.
#[derive(Debug)]
pub struct AbsenceLimits {
    /// Requests per link (token).
    pub per_link: Budget,
    /// Requests per client address.
    pub per_client: Budget,
}

/// Requests one absence link may make per window.
pub const PER_LINK: u32 = 20;
/// Requests one client address may make to absence links per window.
pub const PER_CLIENT: u32 = 60;
/// The window both budgets count in.
pub const WINDOW: SignedDuration = SignedDuration::from_mins(10);

impl Default for AbsenceLimits {
    fn default() -> Self {
        AbsenceLimits {
            per_link: Budget::new(PER_LINK, WINDOW),
            per_client: Budget::new(PER_CLIENT, WINDOW),
        }
    }
}

#[cfg(test)]
mod tests;
