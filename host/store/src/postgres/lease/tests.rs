use std::collections::BTreeMap;
use std::time::Duration;

use jiff::Timestamp;
use jiff::civil::date;

use super::*;
use crate::Store;
use crate::backend::Writer;
use crate::contract::postgres::Db;
use crate::replica::decode;
use peerwell_core::formats::SessionPlan;
use peerwell_core::model::Horizon;
use peerwell_core::schedule::{Plan, Session};

const LONG: Duration = Duration::from_secs(60);

fn plan(title: &str) -> Plan {
    let start: Timestamp = "2026-03-03T09:00:00Z".parse().expect("time");
    Plan {
        horizon: Horizon::anchored(date(2026, 3, 2), 2, date(2026, 3, 2)),
        sessions: vec![Session {
            group: "walk".to_string(),
            index: 0,
            date: date(2026, 3, 3),
            start,
            end: start + jiff::SignedDuration::from_hours(1),
            attendees: vec!["amara".to_string()],
            absentees: vec![],
            plan: SessionPlan {
                title: title.to_string(),
                ..SessionPlan::default()
            },
            moved_from: None,
        }],
        outcomes: vec![],
    }
}

fn zones() -> BTreeMap<String, String> {
    BTreeMap::from([("walk".to_string(), "UTC".to_string())])
}

fn now() -> Timestamp {
    "2026-03-01T08:00:00Z".parse().expect("time")
}

/// One holder at a time; a renewal holds only the current generation; a
/// release lets another take over at once with the next generation.
#[test]
fn one_leader_at_a_time_and_generations_go_up() {
    let db = Db::new();
    drop(db.open()); // migrates
    let mut a = PgCoordinator::new(db.target.clone());
    let mut b = PgCoordinator::new(db.target.clone());
    assert_eq!(a.acquire("a", LONG).expect("acquire"), Some(1));
    assert_eq!(b.acquire("b", LONG).expect("acquire"), None);
    assert!(a.renew("a", 1, LONG).expect("renew"));
    assert!(!b.renew("b", 1, LONG).expect("renew"));
    let lease = b.lease().expect("lease");
    assert_eq!(
        (lease.generation, lease.holder.as_str(), lease.live),
        (1, "a", true)
    );
    assert!(lease.age < LONG);
    a.release("a", 1).expect("release");
    assert_eq!(b.acquire("b", LONG).expect("acquire"), Some(2));
    assert!(!a.renew("a", 1, LONG).expect("renew"));
    assert_eq!(a.acquire("a", LONG).expect("acquire"), None);
}

/// An expired lease is taken over by the database's clock.
#[test]
fn an_expired_lease_is_taken_over() {
    let db = Db::new();
    drop(db.open());
    let mut a = PgCoordinator::new(db.target.clone());
    let mut b = PgCoordinator::new(db.target.clone());
    assert_eq!(a.acquire("a", Duration::ZERO).expect("acquire"), Some(1));
    // Zero seconds: expired as soon as the next statement runs.
    assert_eq!(b.acquire("b", LONG).expect("acquire"), Some(2));
    assert!(!b.lease().expect("lease").holder.is_empty());
}

/// A leader's plan commit writes the publication in its transaction; a
/// commit by a fenced leader writes neither the plan nor a publication.
#[test]
fn publication_comes_with_the_commit_and_is_fenced_with_it() {
    let db = Db::new();
    let mut leader = PgCoordinator::new(db.target.clone());
    let mut store = Store::with_backend(Box::new(db.open()));
    store.set_publishing(true);
    assert_eq!(leader.published_generation().expect("read"), None);
    let held = leader.acquire("a", LONG).expect("acquire").expect("free");
    store.set_writer(Writer::Leader { generation: held });
    let first = plan("first");
    let commit = store.commit(&first, now(), &zones()).expect("commits");
    assert_eq!(leader.published_generation().expect("read"), Some(1));
    let (generation, text) = leader.publication().expect("read").expect("one");
    let back = decode(leader.location(), generation, &text).expect("decodes");
    assert_eq!(back.plan, first);
    assert_eq!(back.commit.sequences, commit.sequences);
    assert_eq!(back.planned_at, now());

    leader.release("a", held).expect("release");
    let mut other = PgCoordinator::new(db.target.clone());
    assert_eq!(other.acquire("b", LONG).expect("acquire"), Some(held + 1));
    let refused = store.commit(&plan("second"), now(), &zones());
    assert!(
        matches!(refused, Err(StoreError::Fenced { .. })),
        "{refused:?}"
    );
    assert_eq!(other.published_generation().expect("read"), Some(1));
    let (_, text) = other.publication().expect("read").expect("one");
    assert!(text.contains("first") && !text.contains("second"));
}
