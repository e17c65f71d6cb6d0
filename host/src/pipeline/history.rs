//! Planning a horizon that starts after the weeks a state has published
//! (`--from` a later Monday on a first run, or past the end of what the
//! daemon or `export` published).
//!
//! Roles rotate with history: who held a role least often so far holds it
//! next. The sessions published before the horizon are that history
//! ([`Loaded::plan_stable`]). When weeks lie between what is published and
//! the horizon, the history is what the stateful flow would have published
//! for them: from the week after the last published session (with nothing
//! published, from the default horizon at `now`, what a run without
//! `--from` plans), each horizon is planned stably against the ones before
//! and committed to a state in memory (a copy of the saved state, read in
//! one snapshot), until they reach the requested horizon. The requested
//! horizon is then planned against that state, so `plan --from` a later
//! Monday gives every session the same times, attendees and roles as
//! `export` horizon by horizon and then `plan --from` would, whatever
//! `--from` is. Nothing is written: the state in memory is dropped with the
//! plan made. Each horizon between reads the calendars and calls the
//! plugins once more, so the cost grows with the number of horizons
//! between the end of what is published and `--from`.

use jiff::civil::Date;
use jiff::{Timestamp, ToSpan};

use peerwell_core::model::{Horizon, monday_of};
use peerwell_core::schedule::Plan;
use peerwell_store::sqlite::Sqlite;
use peerwell_store::{Commit, Store, StoreError};

use super::{LoadError, Loaded, Overrides, day_of, horizon_for, load};

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
    /// When weeks lie between the last session `store` published (with
    /// none, the default horizon from `now`) and this horizon's start, the
    /// horizons between are planned and committed to a copy of the state in
    /// memory first, and this horizon is planned against that copy: role
    /// rotation continues through those weeks instead of restarting at this
    /// horizon's start. Nothing is written to `store`.
    pub fn plan_continued(&self, store: &Store, now: Timestamp) -> Result<Plan, PlanError> {
        match self.history(store, now)? {
            Some(history) => Ok(self.plan_stable(&history, now)?),
            None => Ok(self.plan_stable(store, now)?),
        }
    }

    /// The state in memory the horizons after the last published one up to
    /// this one's start would have published: a copy of `store` (empty
    /// when it holds no session) with each horizon between committed in
    /// turn. `None` when no week lies between what `store` published (or,
    /// with nothing published, the default horizon's start) and this one.
    fn history(&self, store: &Store, now: Timestamp) -> Result<Option<Store>, PlanError> {
        let first = default_horizon(self, now).start;
        let last = store.sessions()?.values().map(|s| s.session.start).max();
        let resume = last.map_or(first, |l| week_after(self, l).max(first));
        if self.horizon.start <= resume {
            return Ok(None);
        }
        let mut memory = match last {
            None => Store::with_backend(Box::new(Sqlite::in_memory()?)),
            Some(_) => store.copy_in_memory()?,
        };
        let weeks = self.org.org.horizon_weeks.max(1);
        let mut from = resume;
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

/// The Monday of the week after the one `at` falls in (the organization's
/// zone): where the horizons after a published session resume.
fn week_after(loaded: &Loaded, at: Timestamp) -> Date {
    let day = day_of(&loaded.org, at);
    monday_of(day.checked_add(7.days()).unwrap_or(day))
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
