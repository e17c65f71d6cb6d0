use super::*;

fn t(s: &str) -> Timestamp {
    s.parse().unwrap()
}

fn q(s: &str) -> QuietHours {
    peerwell_core::mail::parse_quiet_hours(s).unwrap()
}

#[test]
fn outside_quiet_hours_goes_at_its_moment() {
    let tz = TimeZone::get("America/Chicago").unwrap();
    let night = q("21:00-07:00");
    // 12:00 local is 18:00Z in March (CST, before the DST change).
    let due = t("2026-03-03T18:00:00Z");
    let sent = send_time(due, t("2026-03-01T00:00:00Z"), None, Some((night, &tz)));
    assert_eq!(sent, Some(due));
    // Created late: goes at creation.
    let late = t("2026-03-03T19:00:00Z");
    assert_eq!(send_time(due, late, None, Some((night, &tz))), Some(late));
}

#[test]
fn inside_quiet_hours_goes_just_before_they_begin() {
    let tz = TimeZone::get("America/Chicago").unwrap();
    let night = q("21:00-07:00");
    // 06:30 local on 3 March = 12:30Z; quiet began 21:00 local on 2 March (03:00Z 3 March).
    let due = t("2026-03-03T12:30:00Z");
    let sent = send_time(due, t("2026-03-01T00:00:00Z"), None, Some((night, &tz)));
    assert_eq!(sent, Some(t("2026-03-03T02:59:00Z")));
}

#[test]
fn created_inside_quiet_hours_waits_for_their_end_unless_the_session_started() {
    let tz = TimeZone::get("America/Chicago").unwrap();
    let night = q("21:00-07:00");
    let due = t("2026-03-03T12:30:00Z");
    let created = t("2026-03-03T05:00:00Z"); // 23:00 local
    let end = t("2026-03-03T13:00:00Z"); // 07:00 local
    let later = Some(t("2026-03-03T14:00:00Z"));
    assert_eq!(
        send_time(due, created, later, Some((night, &tz))),
        Some(end)
    );
    let early_session = Some(t("2026-03-03T12:45:00Z"));
    assert_eq!(
        send_time(due, created, early_session, Some((night, &tz))),
        None
    );
}

#[test]
fn daytime_quiet_hours_do_not_wrap() {
    let tz = TimeZone::UTC;
    let lunch = q("12:00-13:00");
    let due = t("2026-03-03T12:30:00Z");
    assert_eq!(
        send_time(due, t("2026-03-02T00:00:00Z"), None, Some((lunch, &tz))),
        Some(t("2026-03-03T11:59:00Z"))
    );
    assert_eq!(quiet_period(lunch, &tz, t("2026-03-03T13:00:00Z")), None);
}
