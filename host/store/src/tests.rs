use std::collections::BTreeMap;

use jiff::civil::{Weekday, date, time};
use jiff::{SignedDuration, Timestamp};
use rusqlite::Connection;

use super::*;
use peerwell_core::formats::{RoleAssignment, SessionPlan};
use peerwell_core::model::Horizon;
use peerwell_core::schedule::{GroupOutcome, SeriesTime};

const HOUR: SignedDuration = SignedDuration::from_hours(1);

fn at(day: i8, hour: i8) -> Timestamp {
    date(2026, 3, day)
        .at(hour, 0, 0, 0)
        .to_zoned(jiff::tz::TimeZone::UTC)
        .map(|z| z.timestamp())
        .unwrap_or(Timestamp::UNIX_EPOCH)
}

fn session(group: &str, index: u32, day: i8, hour: i8) -> Session {
    Session {
        group: group.to_string(),
        index,
        date: date(2026, 3, day),
        start: at(day, hour),
        end: at(day, hour) + HOUR,
        attendees: vec!["amara".to_string(), "ben".to_string()],
        absentees: vec![],
        plan: SessionPlan {
            title: format!("{group} #{index}"),
            roles: vec![RoleAssignment {
                role: "strategy".to_string(),
                member: "amara".to_string(),
            }],
            notes: "Feelings, not details.".to_string(),
            ..SessionPlan::default()
        },
        moved_from: None,
    }
}

fn plan(sessions: Vec<Session>) -> Plan {
    let mut outcomes: Vec<(String, GroupOutcome)> = sessions
        .iter()
        .map(|s| {
            (
                s.group.clone(),
                GroupOutcome::Scheduled {
                    series: SeriesTime {
                        weekday: Weekday::Monday,
                        start: time(9, 0, 0, 0),
                    },
                    skipped: vec![],
                },
            )
        })
        .collect();
    outcomes.dedup_by(|a, b| a.0 == b.0);
    Plan {
        horizon: Horizon::starting(date(2026, 3, 2), 4),
        sessions,
        outcomes,
    }
}

fn zones() -> BTreeMap<String, String> {
    ["walk", "rounds"]
        .map(|g| (g.to_string(), "UTC".to_string()))
        .into_iter()
        .collect()
}

/// A second connection to the store's file, for reaching past the API.
fn conn(store: &Store) -> Connection {
    Connection::open(store.path()).expect("opens")
}

fn open(dir: &tempfile::TempDir) -> Store {
    Store::open(&dir.path().join("data").join(FILE_NAME)).expect("opens")
}

fn base() -> Vec<Session> {
    vec![
        session("walk", 0, 2, 9),
        session("walk", 1, 9, 9),
        session("walk", 2, 16, 9),
        session("rounds", 0, 4, 12),
        session("rounds", 1, 11, 12),
    ]
}

fn first_commit_adds_everything_at_sequence_zero(fx: &dyn Opener) {
    let mut store = fx.store();
    let p = plan(base());
    let now = at(1, 0);
    let changes = store.changes(&p, now).expect("changes");
    assert_eq!(changes.added.len(), 5);
    assert!(!changes.is_empty());
    let commit = store.commit(&p, now, &zones()).expect("commit");
    assert_eq!(commit.changes, changes);
    assert!(commit.sequences.values().all(|&s| s == 0));
    assert_eq!(commit.sequences.len(), 5);
    assert!(commit.cancelled.is_empty());
    let again = store.changes(&p, now).expect("changes");
    assert!(again.is_empty());
    assert_eq!(again.unchanged, 5);
    let stored = store.sessions().expect("sessions");
    assert_eq!(stored[&("walk".to_string(), 1)].session, base()[1]);
}

fn moves_changes_and_cancellations_raise_sequence(fx: &dyn Opener) {
    let mut store = fx.store();
    let now = at(1, 0);
    store.commit(&plan(base()), now, &zones()).expect("commit");

    let mut next = base();
    next[1] = session("walk", 1, 10, 9); // moved a day
    next[2].plan.roles[0].member = "ben".to_string(); // roles changed
    next.remove(4); // rounds #1 cancelled
    let p = plan(next);
    let changes = store.changes(&p, now).expect("changes");
    assert_eq!(changes.moved.len(), 1);
    assert_eq!(changes.moved[0].from.start, at(9, 9));
    assert_eq!(changes.moved[0].to.start, at(10, 9));
    assert_eq!(changes.changed.len(), 1);
    assert_eq!(changes.changed[0].what, vec!["roles"]);
    assert_eq!(changes.cancelled.len(), 1);
    assert_eq!(changes.cancelled[0].group, "rounds");
    assert_eq!(changes.unchanged, 2);
    assert_eq!(
        changes.groups().into_iter().collect::<Vec<_>>(),
        vec!["rounds", "walk"]
    );

    let commit = store.commit(&p, now, &zones()).expect("commit");
    let seq = |g: &str, i| commit.sequences[&(g.to_string(), i)];
    assert_eq!(seq("walk", 0), 0);
    assert_eq!(seq("walk", 1), 1);
    assert_eq!(seq("walk", 2), 1);
    assert_eq!(seq("rounds", 0), 0);
    assert_eq!(seq("rounds", 1), 1);
    assert_eq!(commit.cancelled.len(), 1);
    assert_eq!(commit.cancelled[0].index, 1);

    // Committing the same plan again changes nothing and keeps publishing
    // the cancellation.
    let again = store.commit(&p, now, &zones()).expect("commit");
    assert!(again.changes.is_empty());
    assert_eq!(again.sequences, commit.sequences);
    assert_eq!(again.cancelled, commit.cancelled);

    // Planned again: active, one more SEQUENCE.
    let back = store.commit(&plan(base()), now, &zones()).expect("commit");
    assert_eq!(back.changes.added.len(), 1);
    assert_eq!(back.sequences[&("rounds".to_string(), 1)], 2);
    assert!(back.cancelled.is_empty());
}

fn past_sessions_are_never_cancelled(fx: &dyn Opener) {
    let mut store = fx.store();
    store
        .commit(&plan(base()), at(1, 0), &zones())
        .expect("commit");
    let later = at(10, 0);
    let changes = store.changes(&plan(vec![]), later).expect("changes");
    let cancelled: Vec<_> = changes.cancelled.iter().map(|c| c.time.start).collect();
    assert_eq!(cancelled, vec![at(11, 12), at(16, 9)]);
}

fn previous_gives_series_and_the_freeze_window_only(fx: &dyn Opener) {
    let mut store = fx.store();
    store
        .commit(&plan(base()), at(1, 0), &zones())
        .expect("commit");
    let prev = store
        .previous(at(8, 12), SignedDuration::from_hours(72))
        .expect("previous");
    assert_eq!(prev.series.len(), 2);
    assert_eq!(prev.series["walk"].weekday, Weekday::Monday);
    let frozen: Vec<_> = prev
        .frozen
        .iter()
        .map(|s| (s.group.as_str(), s.index))
        .collect();
    assert_eq!(frozen, vec![("walk", 1)]);
    assert_eq!(prev.frozen[0], base()[1]);
    let none = store
        .previous(at(8, 12), SignedDuration::ZERO)
        .expect("previous");
    assert!(none.frozen.is_empty());
}

#[test]
fn pin_replaces_by_identity_and_keeps_order() {
    let mut p = plan(base());
    let kept = session("walk", 1, 8, 7);
    pin(&mut p, vec![kept.clone()]);
    assert_eq!(p.sessions.len(), 5);
    assert_eq!(p.sessions[2], kept);
    assert_eq!(
        p.sessions
            .iter()
            .filter(|s| s.group == "walk" && s.index == 1)
            .count(),
        1
    );
    assert!(p.sessions.windows(2).all(|w| w[0].start <= w[1].start));
}

fn opening_twice_migrates_once_and_keeps_data(fx: &dyn Opener) {
    {
        let mut store = fx.store();
        store
            .commit(&plan(base()), at(1, 0), &zones())
            .expect("commit");
    }
    let store = fx.store();
    assert_eq!(store.sessions().expect("sessions").len(), 5);
    assert_eq!(store.schema_version().expect("version"), fx.version());
}

#[test]
fn read_only_open_of_a_missing_file_is_empty_and_creates_nothing() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("none").join(FILE_NAME);
    let store = Store::open_read_only(&path).expect("opens");
    assert!(store.sessions().expect("sessions").is_empty());
    assert!(!dir.path().join("none").exists());
}

#[test]
fn damaged_and_newer_files_are_clear_errors() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join(FILE_NAME);
    std::fs::write(&path, vec![b'x'; 4096]).expect("write");
    for result in [Store::open(&path).err(), Store::open_read_only(&path).err()] {
        let e = result.expect("an error");
        assert!(matches!(e, StoreError::Corrupt { .. }), "{e:?}");
        let text = e.to_string();
        assert!(text.contains(&path.display().to_string()), "{text}");
        assert!(text.contains("move it aside"), "{text}");
    }
    assert_eq!(std::fs::read(&path).expect("read"), vec![b'x'; 4096]);

    let newer = dir.path().join("newer.sqlite3");
    {
        let conn = Connection::open(&newer).expect("open");
        conn.pragma_update(None, "user_version", 99)
            .expect("pragma");
    }
    let Err(e) = Store::open(&newer) else {
        panic!("a newer schema must not open")
    };
    assert!(matches!(e, StoreError::TooNew { found: 99, .. }), "{e:?}");
    assert!(e.to_string().contains("version 99"));
}

#[test]
fn bad_rows_are_corrupt_not_panics() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut store = open(&dir);
    store
        .commit(&plan(base()), at(1, 0), &zones())
        .expect("commit");
    conn(&store)
        .execute("UPDATE sessions SET plan = '{' WHERE idx = 0", [])
        .expect("update");
    let e = store.sessions().expect_err("an error");
    assert!(matches!(e, StoreError::Corrupt { .. }), "{e:?}");
}

fn owed(store: &Store) -> Vec<(String, u32, pending::PendingKind, Timestamp, Timestamp)> {
    store
        .backend
        .pending()
        .expect("owed notices")
        .into_values()
        .map(|n| (n.group, n.index, n.kind, n.from.start, n.at.start))
        .collect()
}

fn owed_notices_merge_until_settled(fx: &dyn Opener) {
    use pending::PendingKind::{Cancelled, Moved};
    let mut store = fx.store();
    let now = at(1, 0);
    store
        .commit_announcing(&plan(base()), now, &zones())
        .expect("commit");
    assert!(owed(&store).is_empty(), "new sessions owe no notice");

    // Moved twice: one move from the time members know.
    let mut next = base();
    next[1] = session("walk", 1, 10, 9);
    next.remove(4); // rounds #1 cancelled
    store
        .commit_announcing(&plan(next.clone()), now, &zones())
        .expect("commit");
    next[1] = session("walk", 1, 12, 9);
    store
        .commit_announcing(&plan(next.clone()), now, &zones())
        .expect("commit");
    let w = "walk".to_string();
    let r = "rounds".to_string();
    assert_eq!(
        owed(&store),
        vec![
            (r.clone(), 1, Cancelled, at(11, 12), at(11, 12)),
            (w.clone(), 1, Moved, at(9, 9), at(12, 9)),
        ]
    );
    // A plain commit records nothing more.
    store
        .commit(&plan(next.clone()), now, &zones())
        .expect("commit");
    assert_eq!(owed(&store).len(), 2);

    // Moved back and planned again where members know them: nothing owed.
    store
        .commit_announcing(&plan(base()), now, &zones())
        .expect("commit");
    assert!(owed(&store).is_empty(), "{:?}", owed(&store));

    // Settling removes only the notice as listed; one changed since stays.
    store
        .commit_announcing(&plan(next.clone()), now, &zones())
        .expect("commit");
    let listed: Vec<_> = store
        .backend
        .pending()
        .expect("list")
        .into_values()
        .collect();
    next[1] = session("walk", 1, 13, 9);
    store
        .commit_announcing(&plan(next), at(1, 1), &zones())
        .expect("commit");
    fx.outbox()
        .write_messages(&[], &listed, at(1, 1))
        .expect("settle");
    assert_eq!(owed(&store), vec![(w, 1, Moved, at(9, 9), at(13, 9))]);

    // Owed notices of sessions that started are dropped.
    store
        .commit_announcing(&plan(base()), at(14, 0), &zones())
        .expect("commit");
    assert!(owed(&store).is_empty());
}

/// Where a test's state lives; every call opens a new handle on it.
trait Opener {
    fn store(&self) -> Store;
    fn outbox(&self) -> Box<dyn backend::OutboxBackend>;
    fn version(&self) -> i64;
}

/// An SQLite file in a temporary folder.
struct Lite(tempfile::TempDir);

impl Opener for Lite {
    fn store(&self) -> Store {
        open(&self.0)
    }
    fn outbox(&self) -> Box<dyn backend::OutboxBackend> {
        let path = self.0.path().join("data").join(FILE_NAME);
        Box::new(sqlite::Sqlite::open(&path).expect("opens"))
    }
    fn version(&self) -> i64 {
        SCHEMA_VERSION
    }
}

/// A fresh database in the test binary's PostgreSQL cluster.
struct Pg(crate::contract::postgres::Db);

impl Opener for Pg {
    fn store(&self) -> Store {
        Store::with_backend(Box::new(self.0.open()))
    }
    fn outbox(&self) -> Box<dyn backend::OutboxBackend> {
        Box::new(self.0.open())
    }
    fn version(&self) -> i64 {
        postgres::SCHEMA_VERSION
    }
}

/// One test per backend for each check named.
macro_rules! on_both {
    ($($check:ident),* $(,)?) => {
        mod on_sqlite {
            $(#[test]
            fn $check() {
                super::$check(&super::Lite(tempfile::tempdir().expect("temp dir")));
            })*
        }
        mod on_postgres {
            $(#[test]
            fn $check() {
                super::$check(&super::Pg(crate::contract::postgres::Db::new()));
            })*
        }
    };
}

on_both!(
    first_commit_adds_everything_at_sequence_zero,
    moves_changes_and_cancellations_raise_sequence,
    past_sessions_are_never_cancelled,
    previous_gives_series_and_the_freeze_window_only,
    opening_twice_migrates_once_and_keeps_data,
    owed_notices_merge_until_settled,
);
