//! Hand-made cases for `explain`: the blocking member and rule are named.

use jiff::civil::{Date, Weekday, date, time};
use jiff::{SignedDuration, Timestamp};

use super::*;
use crate::busy::{BusySource, BusySpan, PersonBusy};
use crate::formats::Formats;
use crate::model::*;
use crate::testkit::{GroupBuilder, OrganizationBuilder, PersonBuilder};

fn london() -> Zone {
    Zone::iana("Europe/London").unwrap()
}

fn person(id: &str, zone: Zone) -> Person {
    PersonBuilder::new(id).zone(zone).buffer_minutes(15).build()
}

/// Tuesdays 09:00–10:00 London only: one candidate, 60 minutes.
fn group(id: &str, members: &[&str], quorum: u32) -> Group {
    GroupBuilder::new(id)
        .name(format!("Group {id}"))
        .members(members)
        .window(time(9, 0, 0, 0), time(10, 0, 0, 0))
        .quorum(quorum)
        .zone(london())
        .build()
}

fn org(people: Vec<Person>, groups: Vec<Group>) -> Organization {
    OrganizationBuilder::new()
        .zone(london())
        .working_hours(WorkingHours::default())
        .horizon_weeks(4)
        .buffer_minutes(15)
        .people(people)
        .groups(groups)
        .build()
}

/// Four weeks from Monday 3 March 2025 (London is on GMT until 30 March).
fn horizon() -> Horizon {
    Horizon::starting(date(2025, 3, 3), 4)
}

fn utc(d: Date, h: i8, m: i8) -> Timestamp {
    d.at(h, m, 0, 0)
        .to_zoned(jiff::tz::TimeZone::UTC)
        .unwrap()
        .timestamp()
}

/// Busy spans on every Tuesday of the horizon, `[h:m, +minutes)` UTC.
fn tuesdays(h: i8, m: i8, minutes: i64, source: BusySource, client: bool) -> PersonBusy {
    let spans = (0..4)
        .map(|w| {
            let d = date(2025, 3, 4)
                .checked_add(jiff::Span::new().weeks(w))
                .unwrap();
            let start = utc(d, h, m);
            BusySpan::new(
                Interval::new(start, start + SignedDuration::from_mins(minutes)),
                source,
                client,
            )
        })
        .collect();
    PersonBusy {
        spans,
        buffer_minutes: 15,
    }
}

fn explain_text(o: &Organization, av: &Availability, id: &str) -> (Explanation, String) {
    let e = explain(o, av, horizon(), &Formats::builtin(), id).unwrap();
    let text = e.to_string();
    (e, text)
}

#[test]
fn client_time_names_member_and_source() {
    let o = org(
        vec![person("ann", london()), person("ben", london())],
        vec![group("walk", &["ann", "ben"], 2)],
    );
    let mut av = Availability::new();
    av.insert(
        "ben".into(),
        Ok(tuesdays(9, 0, 60, BusySource::ClientBlock(1), true)),
    );
    let (e, text) = explain_text(&o, &av, "walk");
    assert!(
        matches!(e.outcome, GroupOutcome::Unscheduled { .. }),
        "{text}"
    );
    let best = &e.candidates[0];
    assert_eq!(best.held, 0);
    assert_eq!(best.problems.len(), 4);
    for p in &best.problems {
        assert_eq!(
            p.blocked,
            [(
                "ben".to_string(),
                Block::ClientTime(BusySource::ClientBlock(1))
            )]
        );
    }
    assert!(
        text.contains("ben (client time (declared client block 2))"),
        "{text}"
    );
    assert!(
        text.contains("ben blocks 4 of 4 occurrences: client time (4)"),
        "{text}"
    );
    assert!(text.contains("ann can attend all 4 occurrences"), "{text}");
    let GroupOutcome::Unscheduled { reason } = &e.outcome else {
        unreachable!()
    };
    assert!(
        reason.contains("ben is blocked 4 of 4: client time (4)"),
        "{reason}"
    );
}

#[test]
fn buffer_after_client_time_and_plain_busy_are_told_apart() {
    let o = org(
        vec![person("ann", london()), person("ben", london())],
        vec![group("walk", &["ann", "ben"], 1)],
    );
    let mut av = Availability::new();
    // ann: client session ends 08:50, buffer runs to 09:05.
    av.insert(
        "ann".into(),
        Ok(tuesdays(8, 0, 50, BusySource::Calendar(0), true)),
    );
    // ben: a non-client meeting 09:30–09:45 from his second calendar.
    av.insert(
        "ben".into(),
        Ok(tuesdays(9, 30, 15, BusySource::Calendar(1), false)),
    );
    let (e, text) = explain_text(&o, &av, "walk");
    // Quorum 1 can never be met: each is blocked every week.
    let blocked = &e.candidates[0].problems[0].blocked;
    assert_eq!(
        blocked,
        &[
            (
                "ann".to_string(),
                Block::BufferAfterClientTime(BusySource::Calendar(0))
            ),
            (
                "ben".to_string(),
                Block::Busy(Some(BusySource::Calendar(1)))
            ),
        ],
        "{text}"
    );
    assert!(
        text.contains("ann (buffer after client time (calendar 1))"),
        "{text}"
    );
    assert!(text.contains("ben (busy (calendar 2))"), "{text}");
}

#[test]
fn other_group_working_hours_start_date_and_unreadable() {
    let mut cal = person("cal", Zone::iana("America/New_York").unwrap());
    cal.working_hours = WorkingHours::weekdays(time(9, 0, 0, 0), time(17, 0, 0, 0));
    let mut dee = person("dee", london());
    dee.start_date = Some(date(2025, 3, 20));
    let o = org(
        vec![person("ann", london()), person("ben", london()), cal, dee],
        vec![
            group("a-first", &["ann", "ben"], 2),
            group("b-walk", &["ann", "ben", "cal", "dee"], 2),
        ],
    );
    let av = Availability::new();
    // Both groups want the only slot; the joint plan gives it to b-walk,
    // which has more attendance, and a-first is told why it has none.
    let (e, text) = explain_text(&o, &av, "a-first");
    assert!(
        matches!(e.outcome, GroupOutcome::Unscheduled { .. }),
        "{text}"
    );
    let first = &e.candidates[0].problems[0];
    assert_eq!(
        first.blocked,
        [
            ("ann".to_string(), Block::OtherGroup("b-walk".to_string())),
            ("ben".to_string(), Block::OtherGroup("b-walk".to_string())),
        ],
        "{text}"
    );
    assert!(text.contains("in a session of group `b-walk`"), "{text}");
    assert!(
        text.contains(
            "without the sessions of group `b-walk`: 4 more occurrences at Tuesday 09:00"
        ),
        "{text}"
    );
    let (e, text) = explain_text(&o, &av, "b-walk");
    assert!(
        matches!(e.outcome, GroupOutcome::Scheduled { .. }),
        "{text}"
    );
    let first = &e.candidates[0].problems[0];
    assert_eq!(first.date, date(2025, 3, 4));
    assert_eq!(
        first.blocked,
        [
            ("cal".to_string(), Block::OutsideWorkingHours),
            ("dee".to_string(), Block::BeforeStartDate(date(2025, 3, 20))),
        ],
        "{text}"
    );
    // From 25 March dee has started and attends.
    let late = &e.candidates[0].problems[3];
    assert!(late.blocked.iter().all(|(m, _)| m != "dee"), "{text}");

    let mut av = Availability::new();
    av.insert(
        "cal".into(),
        Err("cal.ics line 7: bad DTSTART".to_string().into()),
    );
    let (e, text) = explain_text(&o, &av, "b-walk");
    assert!(matches!(&e.outcome, GroupOutcome::Blocked { reason } if reason.contains("`cal`")));
    assert!(text.contains("cal (unreadable calendar)"), "{text}");
    let p = plan(&o, &av, horizon(), &Formats::builtin());
    assert!(matches!(p.outcomes[0].1, GroupOutcome::Scheduled { .. }));
    assert!(matches!(p.outcomes[1].1, GroupOutcome::Blocked { .. }));
}

#[test]
fn missing_format_blocks_only_its_group_and_dst_keeps_local_time() {
    let mut other = group("other", &["ann", "ben"], 1);
    other.format = "no-such-format".to_string();
    other.days = vec![Weekday::Wednesday];
    let o = org(
        vec![person("ann", london()), person("ben", london())],
        vec![group("walk", &["ann", "ben"], 2), other],
    );
    let h = Horizon::starting(date(2025, 3, 24), 2);
    let p = plan(&o, &Availability::new(), h, &Formats::builtin());
    assert!(
        matches!(&p.outcomes[0].1, GroupOutcome::Blocked { reason } if reason.contains("no-such-format"))
    );
    assert!(matches!(p.outcomes[1].1, GroupOutcome::Scheduled { .. }));
    // London moves to BST on 30 March: 09:00 local is 09:00Z, then 08:00Z.
    let starts: Vec<String> = p.sessions.iter().map(|s| s.start.to_string()).collect();
    assert_eq!(starts, ["2025-03-25T09:00:00Z", "2025-04-01T08:00:00Z"]);
    assert!(
        p.sessions
            .iter()
            .all(|s| s.group == "walk" && s.attendees == ["ann", "ben"])
    );
}

#[test]
fn weekly_cap_is_named_and_lifting_it_gains_occurrences() {
    let mut ann = person("ann", london());
    ann.weekly_cap_minutes = Some(60);
    let mut second = group("b-second", &["ann", "cal"], 2);
    second.days = vec![Weekday::Thursday];
    let o = org(
        vec![ann, person("ben", london()), person("cal", london())],
        vec![group("a-first", &["ann", "ben"], 2), second],
    );
    let av = Availability::new();
    let p = plan(&o, &av, horizon(), &Formats::builtin());
    let scheduled = p
        .outcomes
        .iter()
        .filter(|(_, o)| matches!(o, GroupOutcome::Scheduled { .. }))
        .count();
    assert_eq!(scheduled, 1, "ann's cap leaves room for one group a week");
    let loser = p
        .outcomes
        .iter()
        .find(|(_, o)| matches!(o, GroupOutcome::Unscheduled { .. }))
        .map(|(id, _)| id.clone())
        .unwrap();
    let (e, text) = explain_text(&o, &av, &loser);
    let first = &e.candidates[0].problems[0];
    assert_eq!(
        first.blocked,
        [("ann".to_string(), Block::WeeklyCap)],
        "{text}"
    );
    assert!(text.contains("ann (weekly cap reached)"), "{text}");
    assert!(
        text.contains("without the weekly cap: 4 more occurrences"),
        "{text}"
    );
    assert!(
        !text.contains("without the buffer"),
        "only relaxations that gain are listed: {text}"
    );
}

#[test]
fn buffer_relaxation_gain_is_counted() {
    // ann's client session ends at 08:50 each Tuesday; with her 15-minute
    // buffer she cannot make 09:00, without it she can.
    let o = org(
        vec![person("ann", london()), person("ben", london())],
        vec![group("walk", &["ann", "ben"], 2)],
    );
    let mut av = Availability::new();
    av.insert(
        "ann".into(),
        Ok(tuesdays(8, 0, 50, BusySource::Calendar(0), true)),
    );
    let (e, text) = explain_text(&o, &av, "walk");
    assert!(
        matches!(e.outcome, GroupOutcome::Unscheduled { .. }),
        "{text}"
    );
    // Quorum 1 would gain as much; ties are listed by rule name.
    let rules: Vec<&str> = e.relaxations.iter().map(|r| r.rule.as_str()).collect();
    assert_eq!(
        rules,
        ["with a quorum of 1", "without the buffer after client time"],
        "{text}"
    );
    let r = &e.relaxations[1];
    assert_eq!(r.rule, "without the buffer after client time");
    assert_eq!((r.gain, r.held), (4, 4), "{text}");
    assert!(
        text.contains("without the buffer after client time: 4 more occurrences at Tuesday 09:00"),
        "{text}"
    );
}
