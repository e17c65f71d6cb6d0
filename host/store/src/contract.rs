//! The backend contract ([`crate::backend`]), checked through the traits
//! alone so that every backend runs the same checks: a backend provides a
//! [`Fixture`] (fresh handles on one empty state) and invokes
//! `contract_tests!` with it.

use jiff::Timestamp;
use jiff::civil::{Weekday, date, time};

use crate::backend::{OutboxBackend, SessionRow, StateBackend, Writer};
use crate::pending::{PendingKind, PendingNotice};
use crate::{AbsenceRow, AbsenceSource, Status, StoredSession, content_hash};
use peerwell_core::feeds::FeedKey;
use peerwell_core::formats::{RoleAssignment, SessionPlan};
use peerwell_core::model::Interval;
use peerwell_core::schedule::{SeriesTime, Session};

mod outbox;

pub use outbox::{
    claimed_rows_are_never_replaced, claims_are_exclusive_and_ordered,
    expiry_withdrawal_and_alerts, fingerprints_of_some_keys, outcomes_are_transactional,
};
pub(crate) use outbox::{insert, message};

/// Handles on one state, empty at first; every call opens a new handle
/// (another connection, as another process would).
pub trait Fixture {
    /// A new handle on the state's published state and tokens.
    fn state(&self) -> Box<dyn StateBackend>;
    /// A new handle on the state's outbox.
    fn outbox(&self) -> Box<dyn OutboxBackend>;
    /// The schema version a fresh state is at.
    fn schema_version(&self) -> i64;
}

pub(crate) fn at(secs: i64) -> Timestamp {
    Timestamp::from_second(1_772_438_400 + secs).expect("a time")
}

pub(crate) fn session(group: &str, index: u32) -> Session {
    let start = at(i64::from(index) * 7 * 86_400 + 9 * 3600);
    Session {
        group: group.to_string(),
        index,
        date: date(2026, 3, 2),
        start,
        end: start + jiff::SignedDuration::from_hours(1),
        attendees: vec!["amara".to_string(), "ben".to_string()],
        absentees: vec!["chidi".to_string()],
        plan: SessionPlan {
            title: format!("{group} #{index}"),
            roles: vec![RoleAssignment {
                role: "strategy".to_string(),
                member: "amara".to_string(),
            }],
            notes: "Feelings, not details.".to_string(),
            ..SessionPlan::default()
        },
        moved_from: Some(at(60)),
    }
}

pub(crate) fn stored(session: Session, sequence: u32, changed_at: Timestamp) -> StoredSession {
    StoredSession {
        hash: content_hash(&session),
        session,
        sequence,
        status: Status::Active,
        changed_at,
    }
}

pub(crate) fn put(state: &mut dyn StateBackend, rows: &[StoredSession]) {
    let mut tx = state.begin().expect("begin");
    tx.fence(Writer::Sole).expect("the sole writer may write");
    for s in rows {
        tx.put_session(SessionRow {
            session: &s.session,
            hash: &s.hash,
            sequence: s.sequence,
            status: s.status,
            changed_at: s.changed_at,
        })
        .expect("put");
    }
    tx.commit().expect("commit");
}

fn notice(group: &str, index: u32, start: i64, noted: i64) -> PendingNotice {
    let i = Interval::new(at(start), at(start + 3600));
    PendingNotice {
        group: group.to_string(),
        index,
        kind: PendingKind::Moved,
        from: Interval::new(at(0), at(3600)),
        at: i,
        noted_at: at(noted),
    }
}

/// A fresh state is empty and at the current schema version.
pub fn fresh_state_is_empty(fx: &dyn Fixture) {
    let state = fx.state();
    assert!(state.sessions().expect("sessions").is_empty());
    assert!(state.series().expect("series").is_empty());
    assert!(state.pending().expect("pending").is_empty());
    assert!(state.tokens().expect("tokens").is_empty());
    assert!(state.absences().expect("absences").is_empty());
    assert_eq!(
        state.schema_version().expect("version"),
        fx.schema_version()
    );
    let outbox = fx.outbox();
    assert!(outbox.list(None).expect("list").is_empty());
    assert_eq!(outbox.next_due().expect("next due"), None);
}

/// A plan commit is all or nothing, sees its own writes, and stores rows
/// that read back exactly.
pub fn commits_are_atomic_and_round_trip(fx: &dyn Fixture) {
    let mut state = fx.state();
    let rows = [
        stored(session("walk", 0), 0, at(5)),
        stored(session("walk", 1), 2, at(6)),
    ];
    {
        let mut tx = state.begin().expect("begin");
        let s = &rows[0];
        tx.put_session(SessionRow {
            session: &s.session,
            hash: &s.hash,
            sequence: 0,
            status: Status::Active,
            changed_at: s.changed_at,
        })
        .expect("put");
        tx.put_pending(&("walk".to_string(), 0), Some(&notice("walk", 0, 50, 1)))
            .expect("pending");
        assert_eq!(tx.sessions().expect("own writes").len(), 1);
        assert_eq!(tx.pending().expect("own writes").len(), 1);
        // Dropped uncommitted.
    }
    assert!(state.sessions().expect("sessions").is_empty());
    assert!(state.pending().expect("pending").is_empty());
    put(&mut *state, &rows);
    let back: Vec<StoredSession> = state.sessions().expect("sessions").into_values().collect();
    assert_eq!(back, rows);
}

/// Cancelling keeps the row, one SEQUENCE up, revised at the commit.
pub fn cancelling_raises_the_sequence(fx: &dyn Fixture) {
    let mut state = fx.state();
    put(&mut *state, &[stored(session("walk", 0), 3, at(5))]);
    let mut tx = state.begin().expect("begin");
    tx.cancel_session("walk", 0, at(99)).expect("cancel");
    tx.commit().expect("commit");
    let row = &state.sessions().expect("sessions")[&("walk".to_string(), 0)];
    assert_eq!(
        (row.status, row.sequence, row.changed_at),
        (Status::Cancelled, 4, at(99))
    );
    assert_eq!(row.session, session("walk", 0));
}

/// Series times are stored per group and replaced when they change.
pub fn series_round_trip(fx: &dyn Fixture) {
    let mut state = fx.state();
    let monday = SeriesTime {
        weekday: Weekday::Monday,
        start: time(9, 30, 0, 0),
    };
    let friday = SeriesTime {
        weekday: Weekday::Friday,
        start: time(14, 0, 0, 0),
    };
    for (series, zone) in [
        (monday, "Europe/Berlin"),
        (monday, "Europe/Berlin"),
        (friday, "UTC"),
    ] {
        let mut tx = state.begin().expect("begin");
        tx.put_series("walk", series, zone, at(1)).expect("series");
        tx.commit().expect("commit");
    }
    let walk = &state.series().expect("series")["walk"];
    assert_eq!((walk.series, walk.zone.as_str()), (friday, "UTC"));
}

/// Owed notices are replaced per session, removed with `None`, dropped
/// once their session started, and settled only when still as listed.
pub fn owed_notices_replace_drop_and_settle(fx: &dyn Fixture) {
    let mut state = fx.state();
    let key = |g: &str, i| (g.to_string(), i);
    let mut tx = state.begin().expect("begin");
    tx.put_pending(&key("walk", 0), Some(&notice("walk", 0, 500, 1)))
        .expect("put");
    tx.put_pending(&key("walk", 0), Some(&notice("walk", 0, 600, 2)))
        .expect("replace");
    tx.put_pending(&key("walk", 1), Some(&notice("walk", 1, 50, 2)))
        .expect("put");
    tx.put_pending(&key("walk", 2), Some(&notice("walk", 2, 700, 2)))
        .expect("put");
    tx.put_pending(&key("walk", 2), None).expect("remove");
    tx.drop_pending_started(at(100)).expect("drop");
    tx.commit().expect("commit");
    let owed: Vec<PendingNotice> = state.pending().expect("pending").into_values().collect();
    assert_eq!(owed, vec![notice("walk", 0, 600, 2)]);
    // Settling a notice as it was listed before a later commit changed it
    // leaves it owed; settling it as it is removes it.
    let mut outbox = fx.outbox();
    let stale = notice("walk", 0, 600, 1);
    outbox.write_messages(&[], &[stale], at(3)).expect("settle");
    assert_eq!(outbox.pending().expect("pending").len(), 1);
    outbox.write_messages(&[], &owed, at(3)).expect("settle");
    assert!(state.pending().expect("pending").is_empty());
}

/// A feed has at most one active token; revoked tokens stay revoked; what
/// one handle writes, another reads.
pub fn tokens_one_active_per_feed(fx: &dyn Fixture) {
    let (mut a, b) = (fx.state(), fx.state());
    let g = FeedKey::Group("walk".to_string());
    let m = FeedKey::Member("ana".to_string());
    let t = |s: &str| s.to_string();
    a.add_tokens(&[(g.clone(), t("g1")), (m.clone(), t("m1"))], at(1))
        .expect("add");
    // Another handle adding one for the same feed meanwhile is skipped.
    a.add_tokens(&[(g.clone(), t("g2"))], at(2)).expect("add");
    let active = |s: &dyn StateBackend| -> Vec<(String, bool)> {
        let rows = s.tokens().expect("tokens");
        rows.into_iter()
            .map(|r| (r.token, r.revoked_at.is_none()))
            .collect()
    };
    assert_eq!(active(&*b), vec![(t("g1"), true), (t("m1"), true)]);
    assert_eq!(
        a.replace_token(&g, Some("g3"), at(3)).expect("rotate"),
        Some(t("g1"))
    );
    assert_eq!(
        a.revoke_token("m1", at(4)).expect("revoke"),
        Some(m.clone())
    );
    assert_eq!(a.revoke_token("m1", at(4)).expect("revoke"), None);
    assert_eq!(a.replace_token(&m, None, at(5)).expect("revoke feed"), None);
    assert_eq!(
        active(&*b),
        vec![(t("g1"), false), (t("g3"), true), (t("m1"), false)]
    );
    let revoked = b.tokens().expect("tokens");
    assert_eq!(revoked[0].revoked_at, Some(at(3)));
    assert_eq!((revoked[1].feed.clone(), revoked[1].created_at), (g, at(3)));
}

/// What one handle commits, a handle opened before or after reads.
pub fn handles_share_one_state(fx: &dyn Fixture) {
    let (mut a, b) = (fx.state(), fx.state());
    put(&mut *a, &[stored(session("walk", 0), 0, at(5))]);
    assert_eq!(b.sessions().expect("sessions").len(), 1);
    assert_eq!(fx.state().sessions().expect("sessions").len(), 1);
}

/// Absences: recording is idempotent (the first row stays), every handle
/// sees them in key order, undo deletes; the link secret is made once and
/// every handle gets the same one.
pub fn absences_record_undo_and_secret_once(fx: &dyn Fixture) {
    let mut state = fx.state();
    let row = |group: &str, index: u32, member: &str, t: i64, source| AbsenceRow {
        group: group.to_string(),
        index,
        member: member.to_string(),
        recorded_at: at(t),
        source,
    };
    let ben = row("walk", 3, "ben", 10, AbsenceSource::Link);
    assert!(state.add_absence(&ben).expect("add"));
    assert!(
        !state
            .add_absence(&row("walk", 3, "ben", 99, AbsenceSource::Hr))
            .expect("again")
    );
    let amara = row("walk", 3, "amara", 20, AbsenceSource::Hr);
    assert!(state.add_absence(&amara).expect("add"));
    let early = row("bal", 12, "chidi", 30, AbsenceSource::Link);
    assert!(state.add_absence(&early).expect("add"));
    let other = fx.state();
    assert_eq!(
        other.absences().expect("list"),
        vec![early.clone(), amara.clone(), ben.clone()]
    );
    assert!(state.remove_absence("walk", 3, "amara").expect("remove"));
    assert!(!state.remove_absence("walk", 3, "amara").expect("again"));
    assert!(
        !state
            .remove_absence("walk", 4, "ben")
            .expect("another session")
    );
    assert_eq!(other.absences().expect("list"), vec![early, ben]);

    let first = state.link_secret(&[7u8; 32], at(1)).expect("secret");
    assert_eq!(first, vec![7u8; 32]);
    let mut second = fx.state();
    assert_eq!(
        second.link_secret(&[9u8; 32], at(2)).expect("secret"),
        first
    );
}

/// Defines one test per contract check for the fixture `$fixture` makes.
macro_rules! contract_tests {
    ($fixture:expr) => {
        contract_tests!(@each $fixture;
            fresh_state_is_empty,
            commits_are_atomic_and_round_trip,
            cancelling_raises_the_sequence,
            series_round_trip,
            owed_notices_replace_drop_and_settle,
            tokens_one_active_per_feed,
            handles_share_one_state,
            claims_are_exclusive_and_ordered,
            claimed_rows_are_never_replaced,
            fingerprints_of_some_keys,
            outcomes_are_transactional,
            expiry_withdrawal_and_alerts,
            absences_record_undo_and_secret_once,
        );
    };
    (@each $fixture:expr; $($check:ident),* $(,)?) => {
        $(
            #[test]
            fn $check() {
                let fixture = $fixture;
                $crate::contract::$check(&fixture);
            }
        )*
    };
}

/// The SQLite backend against the contract.
mod sqlite {
    use super::Fixture;
    use crate::backend::{OutboxBackend, StateBackend};
    use crate::sqlite::{SCHEMA_VERSION, Sqlite};

    /// A state file in a temporary folder.
    struct File(tempfile::TempDir);

    impl File {
        fn new() -> File {
            File(tempfile::tempdir().expect("temp dir"))
        }

        fn open(&self) -> Sqlite {
            Sqlite::open(&self.0.path().join("data").join(crate::FILE_NAME)).expect("opens")
        }
    }

    impl Fixture for File {
        fn state(&self) -> Box<dyn StateBackend> {
            Box::new(self.open())
        }

        fn outbox(&self) -> Box<dyn OutboxBackend> {
            Box::new(self.open())
        }

        fn schema_version(&self) -> i64 {
            SCHEMA_VERSION
        }
    }

    contract_tests!(File::new());
}

/// The PostgreSQL backend against the contract: each test gets a fresh
/// database in this test binary's private cluster.
pub(crate) mod postgres {
    use std::sync::Arc;

    use super::Fixture;
    use crate::backend::{OutboxBackend, StateBackend};
    use crate::postgres::{PasswordSource, PgTarget, Postgres, SCHEMA_VERSION};

    /// A fresh database and the target naming it.
    pub(crate) struct Db {
        /// Dropped with the fixture, which drops the database.
        #[allow(dead_code)]
        pub(crate) db: peerwell_pgtest::Database<'static>,
        pub(crate) target: Arc<PgTarget>,
    }

    /// The target of `db`, its password in the URL (allowed outside
    /// policy files; tests never set process-wide variables).
    pub(crate) fn target_of(db: &peerwell_pgtest::Database<'_>) -> Arc<PgTarget> {
        let url = db.url().replace(
            &format!("{}@", peerwell_pgtest::ROLE),
            &format!("{}:{}@", peerwell_pgtest::ROLE, peerwell_pgtest::PASSWORD),
        );
        let source = PasswordSource {
            url_may_hold_password: true,
            ..PasswordSource::default()
        };
        Arc::new(PgTarget::parse(&url, "PEERWELL_STATE_URL", &source).expect("a URL"))
    }

    impl Db {
        pub(crate) fn new() -> Db {
            let db = peerwell_pgtest::shared().database();
            let target = target_of(&db);
            Db { db, target }
        }

        pub(crate) fn open(&self) -> Postgres {
            Postgres::open(self.target.clone()).expect("opens")
        }
    }

    impl Fixture for Db {
        fn state(&self) -> Box<dyn StateBackend> {
            Box::new(self.open())
        }

        fn outbox(&self) -> Box<dyn OutboxBackend> {
            Box::new(self.open())
        }

        fn schema_version(&self) -> i64 {
            SCHEMA_VERSION
        }
    }

    contract_tests!(Db::new());
}

/// The SQLite state in memory ([`crate::sqlite::Sqlite::in_memory`]), for
/// the checks that use one handle: each handle is a state of its own.
mod in_memory {
    use super::Fixture;
    use crate::backend::{OutboxBackend, StateBackend};
    use crate::sqlite::{SCHEMA_VERSION, Sqlite};

    /// A new state in memory per handle.
    struct Memory;

    impl Fixture for Memory {
        fn state(&self) -> Box<dyn StateBackend> {
            Box::new(Sqlite::in_memory().expect("a state in memory"))
        }

        fn outbox(&self) -> Box<dyn OutboxBackend> {
            Box::new(Sqlite::in_memory().expect("a state in memory"))
        }

        fn schema_version(&self) -> i64 {
            SCHEMA_VERSION
        }
    }

    contract_tests!(@each Memory;
        fresh_state_is_empty,
        commits_are_atomic_and_round_trip,
        cancelling_raises_the_sequence,
        series_round_trip,
    );
}
