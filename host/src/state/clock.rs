//! The daemon's notion of now. Real deployments use the system clock; tests
//! and dry runs start the clock at a chosen moment (`serve --now`) and let it
//! run from there, or drive a [`Clock::manual`] clock by hand.

use std::sync::{Arc, Mutex};
use std::time::Instant;

use jiff::{SignedDuration, Timestamp};

/// A source of the current time, cheap to clone.
#[derive(Debug, Clone)]
pub struct Clock(Kind);

#[derive(Debug, Clone)]
enum Kind {
    System,
    /// `start` at the moment `since` was taken, running at real speed.
    Offset {
        start: Timestamp,
        since: Instant,
    },
    /// Moves only when told to.
    Manual(Arc<Mutex<Timestamp>>),
}

impl Clock {
    /// The system clock.
    pub fn system() -> Clock {
        Clock(Kind::System)
    }

    /// A clock that reads `start` now and runs at real speed from there.
    pub fn starting_at(start: Timestamp) -> Clock {
        Clock(Kind::Offset {
            start,
            since: Instant::now(),
        })
    }

    /// A clock that reads `at` until [`Clock::set`] or [`Clock::advance`].
    pub fn manual(at: Timestamp) -> Clock {
        Clock(Kind::Manual(Arc::new(Mutex::new(at))))
    }

    /// The current time.
    pub fn now(&self) -> Timestamp {
        match &self.0 {
            Kind::System => Timestamp::now(),
            Kind::Offset { start, since } => {
                let elapsed =
                    SignedDuration::try_from(since.elapsed()).unwrap_or(SignedDuration::MAX);
                start.checked_add(elapsed).unwrap_or(Timestamp::MAX)
            }
            Kind::Manual(at) => match at.lock() {
                Ok(t) => *t,
                Err(poisoned) => *poisoned.into_inner(),
            },
        }
    }

    /// Sets a manual clock to `at` (other clocks ignore it).
    pub fn set(&self, at: Timestamp) {
        if let Kind::Manual(t) = &self.0 {
            match t.lock() {
                Ok(mut t) => *t = at,
                Err(poisoned) => *poisoned.into_inner() = at,
            }
        }
    }

    /// Moves a manual clock forward by `by` (other clocks ignore it).
    pub fn advance(&self, by: SignedDuration) {
        let now = self.now();
        self.set(now.checked_add(by).unwrap_or(Timestamp::MAX));
    }
}

#[cfg(test)]
mod tests;
