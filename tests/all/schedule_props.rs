//! Property tests of the scheduler's hard rules over random organizations.
//!
//! Every rule is re-derived here from the inputs with jiff alone; nothing of
//! the scheduler's internals is reused.

use std::collections::{BTreeMap, BTreeSet};

use jiff::civil::{Date, Weekday};
use jiff::{SignedDuration, Timestamp, ToSpan};
use peerwell::formats::Formats;
use peerwell::model::{Cadence, Group, Horizon, Organization, Person};
use peerwell::schedule::{Availability, GroupOutcome, Plan, Session, plan};
use peerwell_tests::schedule_gen::{Generated, organization};
use proptest::prelude::*;

fn overlaps(a: (Timestamp, Timestamp), b: (Timestamp, Timestamp)) -> bool {
    a.0 < b.1 && b.0 < a.1
}

/// Whether `person` is free of busy time and buffers over `[start, end)`.
fn free_of_busy(av: &Availability, person: &str, start: Timestamp, end: Timestamp) -> bool {
    let Some(Ok(busy)) = av.get(person) else {
        return false;
    };
    let buffer = SignedDuration::from_mins(i64::from(busy.buffer_minutes));
    busy.spans.iter().all(|s| {
        let i = s.interval;
        let blocked_end = if s.client_facing {
            i.end.checked_add(buffer).unwrap_or(i.end)
        } else {
            i.end
        };
        !overlaps((i.start, blocked_end), (start, end))
    })
}

/// Whether `[start, end)` lies inside one working-hours span of the
/// person's local date (in the person's zone).
fn in_working_hours(p: &Person, start: Timestamp, end: Timestamp) -> bool {
    let tz = &p.zone.tz;
    let day = tz.to_datetime(start).date();
    p.working_hours.on(day.weekday()).iter().any(|(from, to)| {
        let (Ok(a), Ok(b)) = (
            tz.to_timestamp(day.to_datetime(*from)),
            tz.to_timestamp(day.to_datetime(*to)),
        ) else {
            return false;
        };
        a <= start && end <= b
    })
}

fn started(p: &Person, start: Timestamp) -> bool {
    p.start_date
        .is_none_or(|first| p.zone.tz.to_datetime(start).date() >= first)
}

/// The occurrence dates of a series on `weekday`, derived from the calendar
/// day by day.
fn cadence_dates(cadence: Cadence, weekday: Weekday, h: Horizon) -> Vec<Date> {
    let mut out = Vec::new();
    for k in 0..i64::from(h.weeks) * 7 {
        let Ok(d) = h.start.checked_add(k.days()) else {
            continue;
        };
        if d.weekday() != weekday {
            continue;
        }
        let week = k / 7;
        let keep = match cadence {
            Cadence::Weekly => true,
            Cadence::EveryWeeks(n) => week % i64::from(n) == 0,
            Cadence::MonthlyNth(-1) => i64::from(d.day()) + 7 > i64::from(d.days_in_month()),
            Cadence::MonthlyNth(n) => (i64::from(d.day()) - 1) / 7 + 1 == i64::from(n),
        };
        if keep {
            out.push(d);
        }
    }
    out
}

fn check_session(g: &Group, s: &Session, org: &Organization, av: &Availability, h: Horizon) {
    let tz = &g.zone.tz;
    let (ls, le) = (tz.to_datetime(s.start), tz.to_datetime(s.end));
    assert_eq!(
        s.end.duration_since(s.start),
        SignedDuration::from_mins(i64::from(g.duration_minutes))
    );
    assert_eq!(ls.date(), s.date, "session date is the local date");
    assert!(s.date >= h.start && s.date < h.end(), "inside the horizon");
    assert!(g.days.contains(&s.date.weekday()), "on an allowed day");
    assert!(ls.time() >= g.earliest && le.date() == s.date && le.time() <= g.latest);
    assert_eq!(ls.time().minute() % 15, 0, "on the 15-minute grid");
    assert!(!org.org.holidays.contains(&s.date), "holidays are skipped");
    let attending: BTreeSet<&String> = s.attendees.iter().collect();
    let want_att: Vec<String> = g
        .members
        .iter()
        .filter(|m| attending.contains(m))
        .cloned()
        .collect();
    let want_abs: Vec<String> = g
        .members
        .iter()
        .filter(|m| !attending.contains(m))
        .cloned()
        .collect();
    assert_eq!(
        s.attendees, want_att,
        "attendees in member order, members only"
    );
    assert_eq!(s.absentees, want_abs, "absentees are exactly the others");
    assert!(s.attendees.len() as u32 >= g.quorum.max(1), "quorum");
    for role in &g.required_roles {
        let have = s
            .attendees
            .iter()
            .filter(|a| org.people[*a].tags.contains(&role.tag))
            .count();
        assert!(have as u32 >= role.min, "required role {}", role.tag);
    }
    for a in &s.attendees {
        let p = &org.people[a];
        assert!(
            in_working_hours(p, s.start, s.end),
            "{a} inside working hours"
        );
        assert!(
            free_of_busy(av, a, s.start, s.end),
            "{a} free of busy and buffers"
        );
        assert!(started(p, s.start), "{a} has started");
    }
    for r in &s.plan.roles {
        assert!(s.attendees.contains(&r.member), "role holder attends");
    }
}

fn check(generated: &Generated) {
    let Generated {
        org,
        availability: av,
        horizon: h,
    } = generated;
    let formats = Formats::builtin();
    let p: Plan = plan(org, av, *h, &formats);
    assert_eq!(p, plan(org, av, *h, &formats), "deterministic");
    let ids: Vec<&String> = p.outcomes.iter().map(|(id, _)| id).collect();
    let mut want: Vec<&String> = org.groups.iter().map(|g| &g.id).collect();
    want.sort();
    assert_eq!(ids, want, "one outcome per group, in id order");
    let keys: Vec<(Timestamp, &String)> = p.sessions.iter().map(|s| (s.start, &s.group)).collect();
    assert!(keys.windows(2).all(|w| w[0] <= w[1]), "sessions sorted");

    // Nobody in two sessions at once.
    let mut by_person: BTreeMap<&String, Vec<(Timestamp, Timestamp)>> = BTreeMap::new();
    for s in &p.sessions {
        for a in &s.attendees {
            by_person.entry(a).or_default().push((s.start, s.end));
        }
    }
    for (who, mut spans) in by_person.clone() {
        spans.sort();
        assert!(
            spans.windows(2).all(|w| w[0].1 <= w[1].0),
            "{who} double-booked"
        );
    }

    for g in &org.groups {
        let sessions: Vec<&Session> = p.sessions.iter().filter(|s| s.group == g.id).collect();
        let outcome = &p
            .outcomes
            .iter()
            .find(|(id, _)| *id == g.id)
            .map(|(_, o)| o);
        let unreadable = g.members.iter().any(|m| matches!(av.get(m), Some(Err(_))));
        match outcome {
            Some(GroupOutcome::Scheduled { series, skipped }) => {
                assert!(
                    !unreadable,
                    "a group with an unreadable calendar is blocked"
                );
                let mut dates: Vec<Date> = sessions.iter().map(|s| s.date).collect();
                dates.extend(skipped.iter().map(|s| s.date));
                dates.sort();
                assert_eq!(
                    dates,
                    cadence_dates(g.cadence, series.weekday, *h),
                    "cadence"
                );
                for s in &sessions {
                    let local = g.zone.tz.to_datetime(s.start);
                    assert_eq!(
                        (local.weekday(), local.time()),
                        (series.weekday, series.start)
                    );
                    check_session(g, s, org, av, *h);
                    // Every absentee really is blocked by some rule.
                    for m in &s.absentees {
                        let person = &org.people[m];
                        let booked = by_person
                            .get(m)
                            .is_some_and(|v| v.iter().any(|iv| overlaps(*iv, (s.start, s.end))));
                        assert!(
                            booked
                                || !free_of_busy(av, m, s.start, s.end)
                                || !in_working_hours(person, s.start, s.end)
                                || !started(person, s.start),
                            "{m} absent from {} {} without a reason",
                            g.id,
                            s.date
                        );
                    }
                }
                for k in skipped {
                    if org.org.holidays.contains(&k.date) {
                        assert_eq!(k.reason, "holiday");
                    }
                }
                assert!(!sessions.is_empty(), "a scheduled group holds a session");
            }
            Some(GroupOutcome::Blocked { .. }) => {
                assert!(
                    unreadable,
                    "only unreadable calendars block a check-in group"
                );
                assert!(sessions.is_empty());
            }
            Some(GroupOutcome::Unscheduled { reason }) => {
                assert!(!unreadable);
                assert!(sessions.is_empty());
                assert!(!reason.is_empty());
            }
            None => panic!("no outcome for {}", g.id),
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

    #[test]
    fn every_hard_rule_holds(seed in any::<u64>()) {
        check(&organization(seed));
    }
}

#[test]
fn generator_covers_interesting_cases() {
    // The property above must not pass vacuously: across seeds, groups get
    // scheduled, members are absent, and occurrences are skipped.
    let formats = Formats::builtin();
    let (mut sessions, mut absences, mut skipped, mut blocked) = (0, 0, 0, 0);
    for seed in 0..40 {
        let g = organization(seed);
        let p = plan(&g.org, &g.availability, g.horizon, &formats);
        sessions += p.sessions.len();
        absences += p
            .sessions
            .iter()
            .filter(|s| !s.absentees.is_empty())
            .count();
        for (_, o) in &p.outcomes {
            match o {
                GroupOutcome::Scheduled { skipped: s, .. } => skipped += s.len(),
                GroupOutcome::Blocked { .. } => blocked += 1,
                GroupOutcome::Unscheduled { .. } => {}
            }
        }
    }
    assert!(sessions > 100, "{sessions} sessions");
    assert!(absences > 20, "{absences} sessions with absentees");
    assert!(skipped > 5, "{skipped} skipped occurrences");
    assert!(blocked > 0, "{blocked} blocked groups");
}
