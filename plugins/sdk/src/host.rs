//! What the host offers a plugin: logging and the planning moment.
//!
//! In a component these call the host's imports. In native builds (unit
//! tests) log lines are kept in a per-thread buffer ([`take_native_log`]) and
//! [`now`] returns the moment set with [`set_native_now`].

use crate::types::{Date, TimeOfDay};

/// A log line's severity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    /// Detail for the plugin's author.
    Debug,
    /// Normal progress.
    Info,
    /// Something looks wrong but the call goes on.
    Warn,
    /// The call is failing.
    Error,
}

/// A moment as the host sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Instant {
    /// Seconds since 1970-01-01T00:00:00Z.
    pub unix_seconds: i64,
    /// The same moment as a local date in the group's zone.
    pub local_date: Date,
    /// The same moment as a local time in the group's zone.
    pub local_time: TimeOfDay,
}

/// Writes a line to the host's log, tagged with the plugin and the call.
/// Never log calendar text or anything a member said; the host caps lines.
pub fn log(level: Level, message: &str) {
    imp::log(level, message);
}

/// Logs at [`Level::Debug`].
pub fn debug(message: &str) {
    log(Level::Debug, message);
}

/// Logs at [`Level::Info`].
pub fn info(message: &str) {
    log(Level::Info, message);
}

/// Logs at [`Level::Warn`].
pub fn warn(message: &str) {
    log(Level::Warn, message);
}

/// Logs at [`Level::Error`].
pub fn error(message: &str) {
    log(Level::Error, message);
}

/// The planning moment: the time the host plans "as of", not the wall
/// clock, so plans stay deterministic.
pub fn now() -> Instant {
    imp::now()
}

#[cfg(not(target_arch = "wasm32"))]
pub use imp::{set_native_now, take_native_log};

#[cfg(target_arch = "wasm32")]
mod imp {
    use super::{Instant, Level};
    use crate::__glue as g;

    pub fn log(level: Level, message: &str) {
        g::host_log(level, message);
    }

    pub fn now() -> Instant {
        g::host_now()
    }
}

#[cfg(not(target_arch = "wasm32"))]
mod imp {
    use super::{Instant, Level};
    use std::cell::RefCell;

    thread_local! {
        static LOG: RefCell<Vec<(Level, String)>> = const { RefCell::new(Vec::new()) };
        static NOW: RefCell<Instant> = RefCell::new(Instant::default());
    }

    pub fn log(level: Level, message: &str) {
        LOG.with(|l| l.borrow_mut().push((level, message.to_string())));
    }

    pub fn now() -> Instant {
        NOW.with(|n| *n.borrow())
    }

    /// Native builds only: sets what [`now`](super::now) returns on this thread.
    pub fn set_native_now(instant: Instant) {
        NOW.with(|n| *n.borrow_mut() = instant);
    }

    /// Native builds only: the lines logged on this thread so far, emptying
    /// the buffer.
    pub fn take_native_log() -> Vec<(Level, String)> {
        LOG.with(|l| std::mem::take(&mut *l.borrow_mut()))
    }
}
