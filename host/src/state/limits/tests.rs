//! Budgets: a key over its budget waits for its window; keys are apart.

use jiff::{SignedDuration, Timestamp};

use super::Budget;

#[test]
fn a_key_over_budget_is_told_when_its_window_ends() {
    let t0 = Timestamp::from_second(1_800_000_000).unwrap();
    let b = Budget::new(3, SignedDuration::from_secs(60));
    for _ in 0..3 {
        assert_eq!(b.take("a", t0), Ok(()));
    }
    assert_eq!(b.take("a", t0 + SignedDuration::from_secs(15)), Err(45));
    assert_eq!(b.take("b", t0), Ok(()), "another key has its own budget");
    assert_eq!(b.take("a", t0 + SignedDuration::from_secs(60)), Ok(()));
}

#[test]
fn the_wait_is_never_zero() {
    let t0 = Timestamp::from_second(1_800_000_000).unwrap();
    let b = Budget::new(1, SignedDuration::from_secs(2));
    assert_eq!(b.take("a", t0), Ok(()));
    assert_eq!(b.take("a", t0 + SignedDuration::from_millis(1999)), Err(1));
}
