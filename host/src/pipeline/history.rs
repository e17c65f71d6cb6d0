//! Planning a horizon that starts after the week of `now` with no published
//! state (`--from` a later Monday on a first run).
//!
//! Roles rotate with history: who held a role least often so far holds it
//! next. With a published state, the sessions published before the horizon
//! are that history ([`Loaded::plan_stable`]). With none, the history is
//! what the stateful flow would have published: the default horizon from
//! `now` (what a run without `--from` plans), then the horizons after it,
//! each planned stably against the ones before and committed to a state in
//! memory, until they reach the requested horizon. The requested horizon is
//! then planned against that state, so `plan --from` a later Monday gives
//! every session the same times, attendees and roles as `plan` followed by
//! `export` and `plan --from` would. Nothing is written: the state in
//! memory is dropped with the plan made. Each earlier horizon reads the
//! calendars and calls the plugins once more, so the cost grows with the
//! number of horizons between `now` and `--from`.

use jiff::Timestamp;

use peerwell_core::model::Horizon;
use peerwell_core::schedule::Plan;
use peerwell_store::sqlite::Sqlite;
use peerwell_store::{Commit, Store, StoreError};

use super::{LoadError, Loaded, Overrides, horizon_for, load};

/// Why a horizon could not be planned.
#[derive(Debug, thiserror::Error)]
pub enum PlanError {
    /// The policy or its calendars could not be loaded for a horizon
    /// before the requested one.
    #[error("{0:#}")]
    Load(#[from] LoadError),
    /// The state could not be read, or the state in memory not written.
    #[error(transparent)]
    State(#[from] StoreError),
}

impl Loaded {
    /// Plans this horizon stably against `store` ([`Loaded::plan_stable`]).
    /// When `store` holds no session at all and the horizon starts after
    /// the default horizon from `now`, the horizons before it are planned
    /// and committed to a state in memory first, and this horizon is
    /// planned against that state: role rotation continues from the
    /// sessions before it instead of restarting at its start. Nothing is
    /// written to `store`.
    pub fn plan_continued(&self, store: &Store, now: Timestamp) -> Result<Plan, PlanError> {
        match self.history(store, now)? {
            Some(history) => Ok(self.plan_stable(&history, now)?),
            None => Ok(self.plan_stable(store, now)?),
        }
    }

    /// The state in memory the horizons from the default one up to this
    /// one's start would have published; `None` when `store` holds a
    /// session or no horizon comes before this one.
    fn history(&self, store: &Store, now: Timestamp) -> Result<Option<Store>, PlanError> {
        let first = default_horizon(self, now).start;
        if self.horizon.start <= first || !store.sessions()?.is_empty() {
            return Ok(None);
        }
        let mut memory = Store::with_backend(Box::new(Sqlite::in_memory()?));
        let weeks = self.org.org.horizon_weeks.max(1);
        let mut from = first;
        while from < self.horizon.start {
            let overrides = Overrides {
                from: Some(from),
                weeks: Some(weeks),
                now: Some(now),
            };
            let earlier = load(&self.org.org.dir, overrides)?;
            earlier.plan_and_commit(&mut memory, now, Announce::No)?;
            from = earlier.horizon.end();
        }
        Ok(Some(memory))
    }
}

/// Whether a commit records the change notices it owes members.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Announce {
    /// It does, in the same transaction (a daemon whose mail is on).
    Yes,
    /// It does not (the CLI, a daemon without mail, the state in memory).
    No,
}

impl Loaded {
    /// Plans against `store` ([`Loaded::plan_continued`]) and records the
    /// plan as published at `now` in one transaction, with the change
    /// notices it owes members when `announce` says so: the load → plan →
    /// commit sequence every command and the daemon run.
    pub fn plan_and_commit(
        &self,
        store: &mut Store,
        now: Timestamp,
        announce: Announce,
    ) -> Result<(Plan, Commit), PlanError> {
        let plan = self.plan_continued(store, now)?;
        let zones = self.zones();
        let commit = match announce {
            Announce::Yes => store.commit_announcing(&plan, now, &zones)?,
            Announce::No => store.commit(&plan, now, &zones)?,
        };
        Ok((plan, commit))
    }
}

/// The horizon a run at `now` without `--from` and `--weeks` plans.
fn default_horizon(loaded: &Loaded, now: Timestamp) -> Horizon {
    let overrides = Overrides {
        now: Some(now),
        ..Overrides::default()
    };
    horizon_for(&loaded.org, overrides)
}
