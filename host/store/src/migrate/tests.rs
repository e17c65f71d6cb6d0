use super::*;
use crate::backend::{OutboxBackend, StateBackend};
use crate::contract::postgres::Db;
use crate::contract::{at, insert, message, put, session, stored};
use crate::outbox::MailState;
use crate::pending::{PendingKind, PendingNotice};
use peerwell_core::feeds::FeedKey;
use peerwell_core::model::Interval;

/// An SQLite state with every kind of row: sessions (one cancelled),
/// series, tokens (one revoked), outbox rows in several states, an owed
/// notice and an alert.
fn filled_sqlite(path: &Path) {
    let mut lite = crate::sqlite::Sqlite::open(path).expect("opens");
    let mut cancelled = stored(session("walk", 1), 3, at(7));
    cancelled.status = crate::Status::Cancelled;
    put(
        &mut lite,
        &[stored(session("walk", 0), 2, at(5)), cancelled],
    );
    let mut tx = StateBackend::begin(&mut lite).expect("begin");
    let series = peerwell_core::schedule::SeriesTime {
        weekday: jiff::civil::Weekday::Tuesday,
        start: jiff::civil::time(8, 0, 0, 0),
    };
    tx.put_series("walk", series, "America/Chicago", at(3))
        .expect("series");
    let owed = PendingNotice {
        group: "walk".to_string(),
        index: 0,
        kind: PendingKind::Moved,
        from: Interval::new(at(100), at(200)),
        at: Interval::new(at(300), at(400)),
        noted_at: at(9),
    };
    tx.put_pending(&("walk".to_string(), 0), Some(&owed))
        .expect("owed");
    tx.commit().expect("commit");
    let g = FeedKey::Group("walk".into());
    let m = FeedKey::Member("ana".into());
    lite.add_tokens(&[(g.clone(), "tok-a".into()), (m, "tok-b".into())], at(1))
        .expect("tokens");
    lite.replace_token(&g, Some("tok-c"), at(2))
        .expect("rotate");
    let messages: Vec<_> = (0..4)
        .map(|i| message(&format!("walk/0/m{i}"), "f", 10 + i))
        .collect();
    insert(&mut lite, &messages);
    let claimed = lite.claim_due(at(12), 2).expect("claim");
    lite.mark_sent(&claimed[0].key, at(12)).expect("sent");
    lite.set_alert("walk", Some(("blocked", at(4))))
        .expect("alert");
}

/// Everything a state reads back, for comparing two.
fn everything(state: &dyn StateBackend, outbox: &dyn OutboxBackend) -> String {
    let messages: Vec<_> = outbox
        .list(None)
        .expect("list")
        .iter()
        .map(|r| outbox.message(&r.key).expect("message"))
        .collect();
    format!(
        "{:?}\n{:?}\n{:?}\n{:?}\n{:?}\n{:?}\n{:?}\n{:?}",
        state.sessions().expect("sessions"),
        state.series().expect("series"),
        state.tokens().expect("tokens"),
        state.pending().expect("pending"),
        outbox.list(None).expect("list"),
        outbox.fingerprints().expect("fingerprints"),
        outbox.alerts().expect("alerts"),
        messages,
    )
}

#[test]
fn a_sqlite_state_moves_to_postgresql_row_for_row() {
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join("state.sqlite3");
    filled_sqlite(&path);
    let db = Db::new();
    let counts = copy_sqlite_to_postgres(&path, db.target.clone()).expect("copies");
    assert_eq!(
        counts,
        Counts {
            series: 1,
            sessions: 2,
            tokens: 3,
            outbox: 4,
            pending: 1,
            alerts: 1
        }
    );
    let lite = crate::sqlite::Sqlite::open(&path).expect("opens");
    let pg = db.open();
    assert_eq!(everything(&lite, &lite), everything(&pg, &pg));
    let states: Vec<_> = pg
        .list(None)
        .expect("list")
        .iter()
        .map(|r| r.state)
        .collect();
    assert_eq!(
        states,
        vec![
            MailState::Sent,
            MailState::Sending,
            MailState::Queued,
            MailState::Queued
        ]
    );
    let lite_report = check(&StateLocation::Sqlite(path.clone())).expect("check");
    let pg_report = check(&StateLocation::Postgres(db.target.clone())).expect("check");
    assert_eq!(lite_report.counts, counts);
    assert_eq!(pg_report.counts, counts);
    assert_eq!(pg_report.schema_version, crate::postgres::SCHEMA_VERSION);
    let again = copy_sqlite_to_postgres(&path, db.target.clone()).expect_err("not empty");
    assert!(matches!(again, StoreError::Setting { .. }), "{again:?}");
    assert_eq!(
        check(&StateLocation::Postgres(db.target.clone()))
            .expect("check")
            .counts,
        counts
    );
}
