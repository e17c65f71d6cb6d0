use super::*;

#[test]
fn the_lease_timeout_defaults_and_refuses_nonsense() {
    assert_eq!(lease_timeout(None), Ok(DEFAULT_LEASE));
    assert_eq!(lease_timeout(Some("")), Ok(DEFAULT_LEASE));
    assert_eq!(lease_timeout(Some(" 4 ")), Ok(Duration::from_secs(4)));
    for bad in ["0", "-1", "1.5", "ten"] {
        let e = lease_timeout(Some(bad)).expect_err(bad).to_string();
        assert!(e.contains(LEASE_ENV) && e.contains(bad), "{e}");
    }
}

#[test]
fn holder_names_differ_between_processes_and_starts() {
    let (a, b) = (holder_name(), holder_name());
    assert_ne!(a, b);
    assert!(a.contains(&std::process::id().to_string()));
}

#[test]
fn the_default_takeover_bound_is_within_fifteen_seconds() {
    assert!(DEFAULT_LEASE + POLL <= Duration::from_secs(15));
}
