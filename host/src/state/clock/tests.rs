use super::*;

#[test]
fn manual_clock_moves_only_when_told() {
    let start: Timestamp = "2026-03-02T08:00:00Z".parse().unwrap();
    let clock = Clock::manual(start);
    assert_eq!(clock.now(), start);
    clock.advance(SignedDuration::from_mins(90));
    assert_eq!(clock.now().to_string(), "2026-03-02T09:30:00Z");
    let system = Clock::system();
    system.set(start);
    assert!(system.now() > start);
}

#[test]
fn offset_clock_starts_at_its_moment() {
    let start: Timestamp = "2026-03-02T08:00:00Z".parse().unwrap();
    let clock = Clock::starting_at(start);
    let now = clock.now();
    assert!(now >= start && now < start + SignedDuration::from_secs(60));
}
