use jiff::Timestamp;
use jiff::civil::{Weekday, date, time};

use super::*;
use crate::backend::{MessageWrite, OutboxBackend, SessionRow, StateBackend};
use crate::contract::postgres::{Db, target_of};
use crate::outbox::{MailState, MessageKind, NewMessage};
use crate::pending::{PendingKind, PendingNotice};
use crate::postgres::Postgres;
use crate::sqlite::Sqlite;
use crate::{Status, content_hash};
use peerwell_core::feeds::FeedKey;
use peerwell_core::formats::SessionPlan;
use peerwell_core::model::Interval;
use peerwell_core::schedule::{SeriesTime, Session};

fn at(secs: i64) -> Timestamp {
    Timestamp::from_second(1_772_438_400 + secs).expect("a time")
}

fn session(index: u32) -> Session {
    let start = at(i64::from(index) * 7 * 86_400 + 9 * 3600);
    Session {
        group: "walk".to_string(),
        index,
        date: date(2026, 3, 2),
        start,
        end: start + jiff::SignedDuration::from_hours(1),
        attendees: vec!["amara".to_string(), "ben".to_string()],
        absentees: vec![],
        plan: SessionPlan {
            title: format!("Walk #{index}"),
            ..SessionPlan::default()
        },
        moved_from: (index == 1).then(|| at(60)),
    }
}

fn message(key: &str, send_at: i64) -> NewMessage {
    NewMessage {
        key: key.to_string(),
        message_id: format!("<{key}@example.org>"),
        group: "walk".to_string(),
        index: Some(0),
        kind: MessageKind::Upcoming,
        recipient: "amara".to_string(),
        address: "amara@example.org".to_string(),
        fingerprint: format!("f-{key}"),
        due: at(send_at),
        send_at: at(send_at),
        expires_at: Some(at(100_000)),
        expired: false,
        message: format!("Subject: {key}\r\n\r\nbody \u{0}\u{ff}\r\n").into_bytes(),
    }
}

/// Sessions active and cancelled, a series, an owed notice.
fn plan_rows(state: &mut dyn StateBackend) {
    let mut tx = state.begin().expect("begin");
    for (index, sequence) in [(0, 2), (1, 0)] {
        let s = session(index);
        tx.put_session(SessionRow {
            session: &s,
            hash: &content_hash(&s),
            sequence,
            status: Status::Active,
            changed_at: at(5),
        })
        .expect("put");
    }
    tx.cancel_session("walk", 1, at(9)).expect("cancel");
    let series = SeriesTime {
        weekday: Weekday::Monday,
        start: time(9, 0, 0, 0),
    };
    tx.put_series("walk", series, "Europe/Berlin", at(1))
        .expect("series");
    let notice = PendingNotice {
        group: "walk".to_string(),
        index: 0,
        kind: PendingKind::Moved,
        from: Interval::new(at(0), at(3600)),
        at: Interval::new(at(7200), at(10800)),
        noted_at: at(9),
    };
    tx.put_pending(&("walk".to_string(), 0), Some(&notice))
        .expect("pending");
    tx.commit().expect("commit");
}

/// Tokens active and revoked; outbox rows queued, sending and sent; an alert.
fn populate(state: &mut dyn StateBackend, outbox: &mut dyn OutboxBackend) {
    plan_rows(state);
    let feeds = [
        (FeedKey::Group("walk".to_string()), "tok-group".to_string()),
        (
            FeedKey::Member("amara".to_string()),
            "tok-amara".to_string(),
        ),
    ];
    state.add_tokens(&feeds, at(2)).expect("tokens");
    state.revoke_token("tok-amara", at(3)).expect("revoke");
    let messages = [message("a", 10), message("b", 20), message("c", 30)];
    let writes: Vec<_> = messages.iter().map(MessageWrite::Insert).collect();
    outbox.write_messages(&writes, &[], at(0)).expect("write");
    let claimed = outbox.claim_due(at(25), 2).expect("claim");
    assert_eq!(claimed.len(), 2);
    outbox.mark_sent("a", at(26)).expect("sent");
    outbox
        .set_alert("walk", Some(("no-time", at(4))))
        .expect("alert");
}

fn sqlite_file(dir: &tempfile::TempDir, name: &str) -> Sqlite {
    Sqlite::open(&dir.path().join(name)).expect("opens")
}

fn populated_sqlite(dir: &tempfile::TempDir) -> Sqlite {
    let mut state = sqlite_file(dir, "source.sqlite3");
    let mut outbox = sqlite_file(dir, "source.sqlite3");
    populate(&mut state, &mut outbox);
    state
}

#[test]
fn an_image_holds_every_row_verbatim() {
    let dir = tempfile::tempdir().expect("temp dir");
    let image = populated_sqlite(&dir).dump().expect("dump");
    let census = Census::of(&image);
    assert_eq!((census.sessions_active, census.sessions_cancelled), (1, 1));
    assert_eq!((census.tokens_active, census.tokens_revoked), (1, 1));
    assert_eq!(
        (census.series, census.notices_pending, census.alerts),
        (1, 1, 1)
    );
    let states: Vec<usize> = ["queued", "sending", "sent"]
        .iter()
        .map(|s| census.outbox[s])
        .collect();
    assert_eq!(states, [1, 1, 1]);
    let outbox = table("outbox").expect("outbox");
    let message = outbox.position("message").expect("message");
    assert_eq!(
        image.table("outbox")[0][message],
        Value::Bytes(message_bytes("a"))
    );
    assert!(problems(&image).is_empty(), "{:?}", problems(&image));
}

fn message_bytes(key: &str) -> Vec<u8> {
    message(key, 0).message
}

#[test]
fn sqlite_round_trips_and_refuses_a_non_empty_target() {
    let dir = tempfile::tempdir().expect("temp dir");
    let image = populated_sqlite(&dir).dump().expect("dump");
    let mut target = sqlite_file(&dir, "target.sqlite3");
    target.restore(&image).expect("restore");
    let back = target.dump().expect("dump");
    assert_eq!(back, image);
    let err = target.restore(&image).expect_err("not empty");
    assert!(err.to_string().contains("already holds a state"), "{err}");
    assert_eq!(target.dump().expect("dump"), image, "nothing written");
    assert!(target.integrity().expect("integrity").is_empty());
}

#[test]
fn sqlite_to_postgres_and_back_keeps_every_row() {
    let dir = tempfile::tempdir().expect("temp dir");
    let image = populated_sqlite(&dir).dump().expect("dump");
    let db = peerwell_pgtest::shared().database();
    let mut pg = Postgres::open(target_of(&db)).expect("opens");
    pg.restore(&image).expect("restore");
    let copied = pg.dump().expect("dump");
    assert_eq!(
        (copied.backend, copied.schema_version),
        ("postgres", crate::postgres::SCHEMA_VERSION)
    );
    assert!(differences(&image, &copied).is_empty());
    assert_eq!(copied.rows, image.rows);
    assert_eq!(
        pg.sessions().expect("sessions"),
        populated_sqlite_sessions(&dir)
    );
    assert!(pg.integrity().expect("integrity").is_empty());
    let mut back = sqlite_file(&dir, "back.sqlite3");
    back.restore(&copied).expect("restore");
    assert_eq!(back.dump().expect("dump").rows, image.rows);
}

fn populated_sqlite_sessions(
    dir: &tempfile::TempDir,
) -> std::collections::BTreeMap<crate::backend::SessionKey, crate::StoredSession> {
    sqlite_file(dir, "source.sqlite3")
        .sessions()
        .expect("sessions")
}

#[test]
fn postgres_keeps_claimant_generations_and_refuses_a_non_empty_target() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut image = populated_sqlite(&dir).dump().expect("dump");
    let outbox = table("outbox").expect("outbox");
    let generation = outbox.position("claimed_generation").expect("column");
    image.rows.get_mut("outbox").expect("rows")[1][generation] = Value::Int(7);
    let fixture = Db::new();
    let mut pg = fixture.open();
    pg.restore(&image).expect("restore");
    let stored: i64 = fixture
        .db
        .superuser()
        .query_one(
            "SELECT claimed_generation FROM peerwell_outbox WHERE state = 'sending'",
            &[],
        )
        .expect("the sending row")
        .get(0);
    assert_eq!(stored, 7);
    let copied = pg.dump().expect("dump");
    assert_eq!(copied.rows, image.rows);
    let err = pg.restore(&image).expect_err("not empty");
    assert!(err.to_string().contains("already holds a state"), "{err}");
    assert_eq!(pg.dump().expect("dump").rows, image.rows, "nothing written");
    let sending = pg.list(Some(MailState::Sending)).expect("list");
    assert_eq!(sending.len(), 1);
}

#[test]
fn a_copied_sending_row_is_queued_again_by_the_first_writer_on_postgres() {
    let dir = tempfile::tempdir().expect("temp dir");
    let image = populated_sqlite(&dir).dump().expect("dump");
    let fixture = Db::new();
    let mut pg = fixture.open();
    pg.restore(&image).expect("restore");
    assert_eq!(pg.recover(at(40)).expect("recover"), 1);
    assert!(pg.list(Some(MailState::Sending)).expect("list").is_empty());
    let sent = pg.list(Some(MailState::Sent)).expect("list");
    assert_eq!(sent.len(), 1, "a sent row stays sent: never sent twice");
}

#[test]
fn a_restore_with_a_bad_row_writes_nothing() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut image = populated_sqlite(&dir).dump().expect("dump");
    image.rows.get_mut("tokens").expect("rows")[1][0] = Value::Int(1);
    let db = peerwell_pgtest::shared().database();
    let mut pg = Postgres::open(target_of(&db)).expect("opens");
    assert!(pg.restore(&image).is_err());
    assert!(pg.dump().expect("dump").is_empty());
    let mut target = sqlite_file(&dir, "target.sqlite3");
    assert!(target.restore(&image).is_err());
    assert!(target.dump().expect("dump").is_empty());
}

#[test]
fn problems_name_undecodable_sessions_and_orphan_notices() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut image = populated_sqlite(&dir).dump().expect("dump");
    let sessions = table("sessions").expect("sessions");
    let plan = sessions.position("plan").expect("plan");
    let rows = image.rows.get_mut("sessions").expect("rows");
    rows[0][plan] = Value::Text("{not json".to_string());
    rows.remove(1);
    let notices = image.rows.get_mut("notices_pending").expect("rows");
    notices[0][1] = Value::Int(5);
    let found = problems(&image);
    assert_eq!(found.len(), 2, "{found:?}");
    assert!(found[0].starts_with("sessions: session walk #0 does not decode"));
    assert!(found[1].contains("notice owed for walk #5"));
    assert!(found.iter().all(|p| !p.contains("not json")));
}

#[test]
fn digests_differ_exactly_when_rows_do() {
    let dir = tempfile::tempdir().expect("temp dir");
    let image = populated_sqlite(&dir).dump().expect("dump");
    let mut other = image.clone();
    assert!(differences(&image, &other).is_empty());
    let outbox = table("outbox").expect("outbox");
    let attempts = outbox.position("attempts").expect("attempts");
    other.rows.get_mut("outbox").expect("rows")[2][attempts] = Value::Int(3);
    let diff = differences(&image, &other);
    assert_eq!(diff.len(), 1);
    assert!(diff[0].starts_with("outbox:"));
}
