//! The outbox half of the backend contract: claiming is exclusive and in
//! order, claimed rows are never replaced, a batch's fingerprints are read
//! by key, outcomes are transactional, and expiry, withdrawal, kinds and
//! alerts read back as written.

use std::collections::{BTreeMap, BTreeSet};

use super::{Fixture, at};
use crate::backend::{MessageWrite, OutboxBackend};
use crate::outbox::{MailState, MessageKind, NewMessage};

pub(crate) fn message(key: &str, fingerprint: &str, send_at: i64) -> NewMessage {
    NewMessage {
        key: key.to_string(),
        message_id: format!("<{key}@example.org>"),
        group: "walk".to_string(),
        index: Some(0),
        kind: MessageKind::Upcoming,
        recipient: "amara".to_string(),
        address: "amara@example.org".to_string(),
        fingerprint: fingerprint.to_string(),
        due: at(send_at),
        send_at: at(send_at),
        expires_at: Some(at(100_000)),
        expired: false,
        message: format!("Subject: {key}\r\n\r\n{fingerprint}\r\n").into_bytes(),
    }
}

pub(crate) fn insert(outbox: &mut dyn OutboxBackend, messages: &[NewMessage]) {
    let writes: Vec<_> = messages.iter().map(MessageWrite::Insert).collect();
    let applied = outbox.write_messages(&writes, &[], at(0)).expect("write");
    assert!(applied.iter().all(|a| *a));
}

/// Two claimants never get the same row; claims come earliest first and
/// leave expired or future rows alone.
pub fn claims_are_exclusive_and_ordered(fx: &dyn Fixture) {
    let (mut a, mut b) = (fx.outbox(), fx.outbox());
    let mut late = message("walk/0/late", "f", 500);
    late.expires_at = Some(at(2000));
    let mut gone = message("walk/0/gone", "f", 10);
    gone.expires_at = Some(at(900));
    let messages = [
        message("walk/0/b", "f", 30),
        message("walk/0/a", "f", 30),
        message("walk/0/c", "f", 20),
        late,
        gone,
    ];
    insert(&mut *a, &messages);
    let first = a.claim_due(at(1000), 2).expect("claim");
    let keys = |c: &[crate::outbox::Claimed]| c.iter().map(|c| c.key.clone()).collect::<Vec<_>>();
    assert_eq!(keys(&first), vec!["walk/0/c", "walk/0/a"]);
    let second = b.claim_due(at(1000), 10).expect("claim");
    assert_eq!(keys(&second), vec!["walk/0/b", "walk/0/late"]);
    assert!(a.claim_due(at(1000), 10).expect("claim").is_empty());
    assert_eq!(first[0].attempts, 0);
    assert_eq!(first[0].message, messages[2].message);
    let sending: BTreeSet<String> = b
        .list(Some(MailState::Sending))
        .expect("list")
        .into_iter()
        .map(|r| r.key)
        .collect();
    assert_eq!(sending.len(), 4);
}

/// A newer version replaces a row only while it was not handed to a
/// server; a claimed row is never overwritten.
pub fn claimed_rows_are_never_replaced(fx: &dyn Fixture) {
    let mut outbox = fx.outbox();
    insert(
        &mut *outbox,
        &[
            message("walk/0/a", "old", 10),
            message("walk/0/b", "old", 20),
        ],
    );
    assert_eq!(outbox.claim_due(at(10), 1).expect("claim").len(), 1);
    let newer = [
        message("walk/0/a", "new", 10),
        message("walk/0/b", "new", 20),
    ];
    let writes: Vec<_> = newer.iter().map(MessageWrite::Replace).collect();
    let applied = outbox.write_messages(&writes, &[], at(11)).expect("write");
    assert_eq!(applied, vec![false, true]);
    let prints = outbox.fingerprints().expect("fingerprints");
    assert_eq!(prints["walk/0/a"], (MailState::Sending, "old".to_string()));
    assert_eq!(prints["walk/0/b"], (MailState::Queued, "new".to_string()));
    assert_eq!(
        outbox.message("walk/0/b").expect("message"),
        Some(newer[1].message.clone())
    );
}

/// The fingerprints of some keys are exactly those rows of all the
/// fingerprints, with their current state; keys with no row are left out.
pub fn fingerprints_of_some_keys(fx: &dyn Fixture) {
    let mut outbox = fx.outbox();
    insert(
        &mut *outbox,
        &[
            message("walk/0/a", "fa", 10),
            message("walk/0/b", "fb", 20),
            message("walk/1/a", "fc", 30),
        ],
    );
    assert_eq!(outbox.claim_due(at(10), 1).expect("claim").len(), 1);
    let all = outbox.fingerprints().expect("fingerprints");
    let some = outbox
        .fingerprints_of(&["walk/1/a", "walk/0/a", "walk/9/x"])
        .expect("fingerprints of");
    let want: BTreeMap<String, (MailState, String)> = all
        .into_iter()
        .filter(|(k, _)| k == "walk/0/a" || k == "walk/1/a")
        .collect();
    assert_eq!(some, want);
    assert_eq!(some["walk/0/a"], (MailState::Sending, "fa".to_string()));
    assert!(outbox.fingerprints_of(&[]).expect("none").is_empty());
}

/// Outcomes recorded between begin and rollback are discarded; between
/// begin and commit, kept; a row interrupted while sending is recovered.
pub fn outcomes_are_transactional(fx: &dyn Fixture) {
    let mut outbox = fx.outbox();
    insert(
        &mut *outbox,
        &[message("walk/0/a", "f", 10), message("walk/0/b", "f", 10)],
    );
    assert_eq!(outbox.claim_due(at(10), 5).expect("claim").len(), 2);
    outbox.begin().expect("begin");
    outbox.mark_sent("walk/0/a", at(11)).expect("sent");
    outbox.rollback();
    let state = |o: &dyn OutboxBackend, key: &str| {
        let rows = o.list(None).expect("list");
        rows.into_iter().find(|r| r.key == key).expect("row")
    };
    assert_eq!(state(&*outbox, "walk/0/a").state, MailState::Sending);
    outbox.begin().expect("begin");
    outbox.mark_sent("walk/0/a", at(11)).expect("sent");
    outbox
        .mark_retry("walk/0/b", "451 later", at(40))
        .expect("retry");
    outbox.commit().expect("commit");
    let a = state(&*fx.outbox(), "walk/0/a");
    assert_eq!(
        (a.state, a.sent_at, a.attempts),
        (MailState::Sent, Some(at(11)), 1)
    );
    let b = state(&*outbox, "walk/0/b");
    assert_eq!((b.state, b.next_attempt_at), (MailState::Queued, at(40)));
    assert_eq!(b.last_error.as_deref(), Some("451 later"));
    assert_eq!(outbox.next_due().expect("next"), Some(at(40)));
    assert_eq!(outbox.claim_due(at(40), 5).expect("claim").len(), 1);
    assert_eq!(outbox.recover(at(20)).expect("recover"), 1);
    let b = state(&*outbox, "walk/0/b");
    assert_eq!((b.state, b.next_attempt_at), (MailState::Queued, at(20)));
    outbox.mark_failed("walk/0/b", "550 no").expect("failed");
    assert_eq!(state(&*outbox, "walk/0/b").state, MailState::Failed);
}

/// Expiry, withdrawal, kinds and alerts read back as written.
pub fn expiry_withdrawal_and_alerts(fx: &dyn Fixture) {
    let mut outbox = fx.outbox();
    let mut hr = message("walk/-/hr/hr:x", "f", 10);
    (hr.kind, hr.index, hr.expires_at) = (MessageKind::Hr, None, None);
    insert(
        &mut *outbox,
        &[
            message("walk/0/a", "f", 10),
            message("walk/0/b", "f", 10),
            hr,
        ],
    );
    let keys = ["walk/0/b".to_string(), "walk/0/zzz".to_string()];
    assert_eq!(outbox.withdraw(&keys).expect("withdraw"), 1);
    assert_eq!(outbox.expire(at(100_000)).expect("expire"), 1);
    let rows = outbox.list(None).expect("list");
    let got: Vec<_> = rows
        .iter()
        .map(|r| (r.key.as_str(), r.kind, r.index, r.state))
        .collect();
    assert_eq!(
        got,
        vec![
            ("walk/-/hr/hr:x", MessageKind::Hr, None, MailState::Queued),
            (
                "walk/0/a",
                MessageKind::Upcoming,
                Some(0),
                MailState::Expired
            ),
            (
                "walk/0/b",
                MessageKind::Upcoming,
                Some(0),
                MailState::Withdrawn
            ),
        ]
    );
    outbox
        .set_alert("walk", Some(("blocked", at(7))))
        .expect("alert");
    outbox
        .set_alert("rounds", Some(("lost", at(8))))
        .expect("alert");
    outbox.set_alert("rounds", None).expect("clear");
    let alerts = fx.outbox().alerts().expect("alerts");
    assert_eq!(alerts.len(), 1);
    assert_eq!(alerts["walk"], ("blocked".to_string(), at(7)));
}
