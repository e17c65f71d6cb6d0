//! This process's part among several `peerwell serve` replicas sharing one
//! database: its role, the lease it holds, the plan generation it serves,
//! and whether it may hand a message to the mail server.
//!
//! With an embedded state (SQLite) the process is [`Role::Single`]: always
//! allowed to write and send, as before replicas existed. On a shared
//! database the daemon's lease loop makes it [`Role::Leader`] or
//! [`Role::Follower`] and records every successful renewal here, by the
//! process's own monotonic clock.

use std::sync::Mutex;
use std::sync::atomic::{AtomicU8, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use arc_swap::ArcSwapOption;
use tokio::sync::Notify;

use peerwell_store::backend::Writer;

/// What this process does among the replicas.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// The only process on an embedded state: plans, commits and sends.
    Single,
    /// Holds the lease: plans, fetches URL calendars, commits, sends.
    Leader,
    /// Serves the leader's latest published plan; writes nothing.
    Follower,
}

impl Role {
    /// The name `/healthz` and `/metrics` show.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Single => "single",
            Role::Leader => "leader",
            Role::Follower => "follower",
        }
    }

    fn code(self) -> u8 {
        match self {
            Role::Single => 0,
            Role::Leader => 1,
            Role::Follower => 2,
        }
    }

    fn from_code(code: u8) -> Role {
        match code {
            1 => Role::Leader,
            2 => Role::Follower,
            _ => Role::Single,
        }
    }
}

/// The replica side of the shared server state.
#[derive(Debug)]
pub struct Replica {
    role: AtomicU8,
    /// The lease generation held while leader.
    lease_generation: AtomicU64,
    /// The publication generation of the plan being served (0: none).
    plan_generation: AtomicU64,
    /// When the last successful grant or renewal was asked for.
    renewed: Mutex<Option<Instant>>,
    /// How long a grant or renewal lasts.
    timeout: Duration,
    /// Why the database could not be used, until it can again.
    db_error: ArcSwapOption<String>,
    /// Wakes the loop when the role changes.
    changed: Notify,
}

impl Default for Replica {
    fn default() -> Replica {
        Replica::new(Role::Single, Duration::ZERO)
    }
}

impl Replica {
    /// A process starting as `role`, with leases lasting `timeout`.
    pub fn new(role: Role, timeout: Duration) -> Replica {
        Replica {
            role: AtomicU8::new(role.code()),
            lease_generation: AtomicU64::new(0),
            plan_generation: AtomicU64::new(0),
            renewed: Mutex::new(None),
            timeout,
            db_error: ArcSwapOption::empty(),
            changed: Notify::new(),
        }
    }

    /// The current role.
    pub fn role(&self) -> Role {
        Role::from_code(self.role.load(Ordering::Acquire))
    }

    /// Who this process writes as: [`Writer::Sole`] when single, the
    /// lease generation when leader (a follower writes nothing; it gets
    /// generation 0, which the database refuses).
    pub fn writer(&self) -> Writer {
        match self.role() {
            Role::Single => Writer::Sole,
            Role::Leader | Role::Follower => Writer::Leader {
                generation: self.lease_generation.load(Ordering::Acquire),
            },
        }
    }

    /// The lease generation last held (0: never).
    pub fn lease_generation(&self) -> u64 {
        self.lease_generation.load(Ordering::Acquire)
    }

    /// The lease of `generation` was granted (or renewed) by a request
    /// sent at `asked`: this process leads until `asked + timeout`.
    pub fn lead(&self, generation: u64, asked: Instant) {
        let was = self.role();
        self.lease_generation.store(generation, Ordering::Release);
        *self.renewed.lock().unwrap_or_else(|p| p.into_inner()) = Some(asked);
        self.role.store(Role::Leader.code(), Ordering::Release);
        if was != Role::Leader {
            self.changed.notify_one();
        }
    }

    /// The lease was lost (another took over, or it could not be renewed
    /// in time): this process follows from now on.
    pub fn follow(&self) {
        let was = self.role.swap(Role::Follower.code(), Ordering::AcqRel);
        if Role::from_code(was) == Role::Leader {
            self.changed.notify_one();
        }
    }

    /// Resolves when the role changed.
    pub async fn role_changed(&self) {
        self.changed.notified().await;
    }

    /// How long after a grant this process stops sending, ahead of the
    /// lease's expiry by the database clock: a fifth of the timeout, for
    /// clock drift and the time a renewal takes to come back.
    pub fn margin(&self) -> Duration {
        self.timeout / 5
    }

    /// The lease timeout.
    pub fn timeout(&self) -> Duration {
        self.timeout
    }

    /// True when this process may hand a message to the mail server now:
    /// always when single; when leader, only while its last grant or
    /// renewal is younger than the timeout less the margin by its own
    /// monotonic clock (a leader paused past its lease sends nothing when
    /// it wakes up).
    pub fn may_send(&self) -> bool {
        match self.role() {
            Role::Single => true,
            Role::Follower => false,
            Role::Leader => self
                .lease_age()
                .is_some_and(|age| age < self.timeout.saturating_sub(self.margin())),
        }
    }

    /// Time since the last successful grant or renewal, by this process's
    /// clock; `None` when it never held the lease.
    pub fn lease_age(&self) -> Option<Duration> {
        let renewed = *self.renewed.lock().unwrap_or_else(|p| p.into_inner());
        renewed.map(|at| at.elapsed())
    }

    /// The publication generation being served.
    pub fn plan_generation(&self) -> u64 {
        self.plan_generation.load(Ordering::Acquire)
    }

    /// Records the publication generation now served.
    pub fn set_plan_generation(&self, generation: u64) {
        self.plan_generation.store(generation, Ordering::Release);
    }

    /// Why the database cannot be used, while it cannot.
    pub fn db_error(&self) -> Option<std::sync::Arc<String>> {
        self.db_error.load_full()
    }

    /// Records that the database failed (`Some`) or works again (`None`);
    /// true when that changed.
    pub fn set_db_error(&self, error: Option<String>) -> bool {
        let old = self.db_error.swap(error.map(std::sync::Arc::new));
        old.is_some() != self.db_error.load().is_some()
    }
}

#[cfg(test)]
mod tests;
