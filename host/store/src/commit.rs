//! Which rows a plan commit writes: the rules of [`crate::Store::commit`]
//! (SEQUENCE, revision time, cancellations, series), the same for every
//! backend, written through a [`StateTx`].

use std::collections::{BTreeMap, BTreeSet};

use jiff::Timestamp;

use crate::backend::{SessionKey, SessionRow, StateTx};
use crate::{Status, StoreError, StoredSession, changes, codec};
use peerwell_core::schedule::{GroupOutcome, Plan, Session};

/// Writes `plan` over `stored` (see [`crate::Store::commit`]).
pub fn write(
    tx: &mut dyn StateTx,
    stored: &BTreeMap<SessionKey, StoredSession>,
    plan: &Plan,
    now: Timestamp,
    zones: &BTreeMap<String, String>,
) -> Result<(), StoreError> {
    write_sessions(tx, stored, plan, now)?;
    cancel_withdrawn(tx, stored, plan, now)?;
    write_series(tx, plan, now, zones)
}

/// Inserts planned sessions never published and rewrites those that
/// changed or were cancelled; an unchanged active session is left as it is.
fn write_sessions(
    tx: &mut dyn StateTx,
    stored: &BTreeMap<SessionKey, StoredSession>,
    plan: &Plan,
    now: Timestamp,
) -> Result<(), StoreError> {
    // `changed_at` is the event's DTSTAMP. A first publication is stamped
    // no later than the start of the horizon it was planned in, so a fresh
    // state gives the same bytes for the same horizon whatever the clock;
    // a revision (SEQUENCE raised) is stamped with this commit's moment.
    let first = plan
        .horizon
        .start
        .to_zoned(jiff::tz::TimeZone::UTC)
        .map_or(now, |z| z.timestamp().min(now));
    for s in &plan.sessions {
        let hash = codec::content_hash(s);
        let old = stored.get(&(s.group.clone(), s.index));
        let (sequence, changed_at) = match old {
            Some(o) if o.status == Status::Active && same(o, s, &hash) => continue,
            Some(o) => (o.sequence.saturating_add(1), now),
            None => (0, first),
        };
        tx.put_session(SessionRow {
            session: s,
            hash: &hash,
            sequence,
            status: Status::Active,
            changed_at,
        })?;
    }
    Ok(())
}

/// Marks cancelled the published sessions the plan withdraws.
fn cancel_withdrawn(
    tx: &mut dyn StateTx,
    stored: &BTreeMap<SessionKey, StoredSession>,
    plan: &Plan,
    now: Timestamp,
) -> Result<(), StoreError> {
    let planned: BTreeSet<(&str, u32)> = plan
        .sessions
        .iter()
        .map(|s| (s.group.as_str(), s.index))
        .collect();
    for ((group, index), old) in stored {
        if changes::cancels(old, plan, now) && !planned.contains(&(group.as_str(), *index)) {
            tx.cancel_session(group, *index, now)?;
        }
    }
    Ok(())
}

/// Stores the series time of every scheduled group.
fn write_series(
    tx: &mut dyn StateTx,
    plan: &Plan,
    now: Timestamp,
    zones: &BTreeMap<String, String>,
) -> Result<(), StoreError> {
    for (group, outcome) in &plan.outcomes {
        let GroupOutcome::Scheduled { series, .. } = outcome else {
            continue;
        };
        let zone = zones.get(group).map_or("", String::as_str);
        tx.put_series(group, *series, zone, now)?;
    }
    Ok(())
}

/// True when the stored session is the planned one.
fn same(old: &StoredSession, new: &Session, new_hash: &str) -> bool {
    old.session.start == new.start && old.session.end == new.end && old.hash == new_hash
}
