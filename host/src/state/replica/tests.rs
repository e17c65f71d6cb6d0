use super::*;

const TIMEOUT: Duration = Duration::from_secs(10);

fn ago(d: Duration) -> Instant {
    Instant::now().checked_sub(d).unwrap_or_else(Instant::now)
}

#[test]
fn single_always_writes_sole_and_sends() {
    let r = Replica::default();
    assert_eq!(r.role(), Role::Single);
    assert_eq!(r.writer(), Writer::Sole);
    assert!(r.may_send());
}

#[test]
fn a_follower_never_sends_and_writes_as_no_lease() {
    let r = Replica::new(Role::Follower, TIMEOUT);
    assert!(!r.may_send());
    assert_eq!(r.writer(), Writer::Leader { generation: 0 });
}

#[test]
fn a_leader_sends_only_while_its_lease_is_young_by_its_own_clock() {
    let r = Replica::new(Role::Follower, TIMEOUT);
    r.lead(4, Instant::now());
    assert_eq!(r.role(), Role::Leader);
    assert_eq!(r.writer(), Writer::Leader { generation: 4 });
    assert!(r.may_send());
    // Woken up after a pause of the whole lease: still "leader" until the
    // loop notices, but it sends nothing.
    r.lead(4, ago(TIMEOUT));
    assert!(!r.may_send());
    // The margin: the lease is not yet expired, but too close to it.
    r.lead(4, ago(TIMEOUT - r.margin() / 2));
    assert!(!r.may_send());
    r.follow();
    assert_eq!(r.role(), Role::Follower);
    assert!(!r.may_send());
    assert_eq!(r.lease_generation(), 4);
}

#[test]
fn database_errors_are_reported_until_cleared() {
    let r = Replica::default();
    assert!(r.set_db_error(Some("down".to_string())));
    assert!(!r.set_db_error(Some("still down".to_string())));
    assert_eq!(
        r.db_error().as_deref().map(String::as_str),
        Some("still down")
    );
    assert!(r.set_db_error(None));
    assert!(r.db_error().is_none());
}
