//! Plans across absences, timings, validation and reminders.

use super::*;
use peerwell_plugin_sdk::{
    Cadence, Date, Member, PastSession, ReminderKind, Scalar, Setting, SettingValue, TimeOfDay,
};
use std::collections::BTreeMap;

const F: StructuredPeerSupervision = StructuredPeerSupervision;

fn group(n: usize, duration: u32, settings: &[(&str, SettingValue)]) -> Group {
    let mut settings: Vec<Setting> = settings
        .iter()
        .map(|(k, v)| Setting {
            key: k.to_string(),
            value: v.clone(),
        })
        .collect();
    settings.sort_by(|a, b| a.key.cmp(&b.key));
    Group {
        id: "sps".into(),
        name: "Case consultation".into(),
        format: NAME.into(),
        members: (0..n).map(|i| format!("m{i}")).collect(),
        cadence: Cadence::EveryWeeks(2),
        duration_minutes: duration,
        days: Vec::new(),
        earliest: TimeOfDay { hour: 8, minute: 0 },
        latest: TimeOfDay {
            hour: 18,
            minute: 0,
        },
        quorum: 3,
        required_roles: Vec::new(),
        purpose: String::new(),
        boundaries: String::new(),
        size_limit: None,
        time_zone: "Europe/Berlin".into(),
        settings,
    }
}

fn int(i: i64) -> SettingValue {
    SettingValue::Scalar(Scalar::Integer(i))
}

fn text(s: &str) -> SettingValue {
    SettingValue::Scalar(Scalar::Text(s.into()))
}

fn members(g: &Group, tagged: &[usize]) -> Vec<Member> {
    g.members
        .iter()
        .enumerate()
        .map(|(i, id)| Member {
            id: id.clone(),
            first_name: format!("Name{i}"),
            tags: if tagged.contains(&i) {
                vec!["lead".into()]
            } else {
                Vec::new()
            },
            site: None,
            start_date: None,
        })
        .collect()
}

fn request(
    g: &Group,
    index: u32,
    att: Vec<String>,
    history: &[PastSession],
    tagged: &[usize],
) -> SessionRequest {
    let absentees = g
        .members
        .iter()
        .filter(|m| !att.contains(m))
        .cloned()
        .collect();
    SessionRequest {
        group: g.clone(),
        index,
        date: Date {
            year: 2025,
            month: 3,
            day: 4,
        },
        start: TimeOfDay {
            hour: 13,
            minute: 0,
        },
        attendees: att,
        absentees,
        history: history.to_vec(),
        members: members(g, tagged),
    }
}

fn holders(plan: &SessionPlan, role: &str) -> Vec<String> {
    plan.roles
        .iter()
        .filter(|r| r.role == role)
        .map(|r| r.member.clone())
        .collect()
}

#[test]
fn presenters_rotate_over_absences_and_never_moderate() {
    for cases in [1i64, 2] {
        let g = group(6, 90 * cases as u32, &[("cases", int(cases))]);
        let mut history: Vec<PastSession> = Vec::new();
        let mut seen: BTreeMap<String, usize> = BTreeMap::new();
        for s in 0..40u32 {
            // m1 misses every other session, m4 every third.
            let absent = |i: usize| (i == 1 && s % 2 == 0) || (i == 4 && s % 3 == 0);
            let att: Vec<String> = g
                .members
                .iter()
                .enumerate()
                .filter(|(i, _)| !absent(*i))
                .map(|(_, m)| m.clone())
                .collect();
            let plan = F.plan_session(&request(&g, s, att.clone(), &history, &[]));
            let plan = plan.unwrap_or_else(|e| panic!("session {s}: {e}"));
            let presenters = holders(&plan, PRESENTER);
            let moderators = holders(&plan, MODERATOR);
            assert_eq!(presenters.len(), cases as usize);
            assert_eq!(moderators.len(), 1);
            assert!(
                presenters
                    .iter()
                    .chain(&moderators)
                    .all(|p| att.contains(p)),
                "absent holder, session {s}"
            );
            assert!(
                !presenters.contains(&moderators[0]),
                "moderator presents, session {s}"
            );
            for p in &presenters {
                *seen.entry(p.clone()).or_default() += 1;
            }
            // Nobody presents twice before every always-present member has once.
            let steady = ["m0", "m2", "m3", "m5"].map(|m| seen.get(m).copied().unwrap_or(0));
            let (lo, hi) = (
                steady.iter().min().copied().unwrap_or(0),
                steady.iter().max().copied().unwrap_or(0),
            );
            assert!(hi - lo <= 1, "cases {cases} session {s}: {seen:?}");
            history.push(PastSession {
                date: Date::default(),
                attendees: att,
                roles: plan.roles,
            });
        }
        assert!(
            seen.get("m1").copied().unwrap_or(0) > 0 && seen.get("m4").copied().unwrap_or(0) > 0
        );
    }
}

#[test]
fn first_sessions_follow_member_order_skipping_the_absent() {
    let g = group(4, 75, &[]);
    let att = vec!["m0".to_string(), "m2".to_string(), "m3".to_string()];
    let first = F
        .plan_session(&request(&g, 0, att.clone(), &[], &[]))
        .unwrap_or_default();
    assert_eq!(
        first.roles,
        vec![
            RoleAssignment::new(PRESENTER, "m0"),
            RoleAssignment::new(MODERATOR, "m2")
        ]
    );
    let h = vec![PastSession {
        date: Date::default(),
        attendees: att,
        roles: first.roles,
    }];
    let all = g.members.clone();
    let second = F
        .plan_session(&request(&g, 1, all, &h, &[]))
        .unwrap_or_default();
    assert_eq!(
        second.roles,
        vec![
            RoleAssignment::new(PRESENTER, "m1"),
            RoleAssignment::new(MODERATOR, "m3")
        ]
    );
}

#[test]
fn moderators_come_from_the_tag_when_one_attends() {
    let g = group(5, 60, &[("moderator_tag", text("lead"))]);
    let all = g.members.clone();
    let plan = F
        .plan_session(&request(&g, 0, all.clone(), &[], &[3]))
        .unwrap_or_default();
    assert_eq!(holders(&plan, MODERATOR), ["m3"]);
    // The only tagged member presents: anyone else moderates.
    let h = vec![PastSession {
        date: Date::default(),
        attendees: all.clone(),
        roles: vec![
            RoleAssignment::new(PRESENTER, "m0"),
            RoleAssignment::new(PRESENTER, "m1"),
            RoleAssignment::new(PRESENTER, "m2"),
        ],
    }];
    let plan = F
        .plan_session(&request(&g, 1, all, &h, &[3]))
        .unwrap_or_default();
    assert_eq!(holders(&plan, PRESENTER), ["m3"]);
    assert_eq!(holders(&plan, MODERATOR), ["m0"]);
}

#[test]
fn fewer_than_three_cannot_plan() {
    let g = group(5, 60, &[]);
    let r = F.plan_session(&request(&g, 0, vec!["m0".into(), "m1".into()], &[], &[]));
    assert_eq!(
        r,
        Err(FormatError::CannotPlan(
            "structured peer supervision needs at least 3 attendees; 2 can attend".into()
        ))
    );
}

#[test]
fn timings_sum_to_the_duration() {
    for cases in [1u32, 2] {
        for process in [true, false] {
            for duration in 60..=180 {
                let settings = [
                    ("cases", int(i64::from(cases))),
                    (
                        "process_discussion",
                        SettingValue::Scalar(Scalar::Boolean(process)),
                    ),
                ];
                let g = group(4, duration, &settings);
                let r = F.plan_session(&request(&g, 0, g.members.clone(), &[], &[]));
                if !(60 * cases..=90 * cases).contains(&duration) {
                    assert!(
                        matches!(r, Err(FormatError::InvalidSettings(_))),
                        "{cases} {duration}"
                    );
                    continue;
                }
                let plan = r.unwrap_or_else(|e| panic!("{cases} cases, {duration} min: {e}"));
                let sum: u32 = plan.agenda.iter().map(|a| a.minutes).sum();
                assert_eq!(
                    sum, duration,
                    "{cases} cases, {duration} min: {:?}",
                    plan.agenda
                );
                assert_eq!(plan.agenda.len(), 5 * cases as usize + usize::from(process));
                assert!(plan.agenda.iter().all(|a| a.minutes >= 3));
                let feedback = plan
                    .agenda
                    .iter()
                    .filter(|a| a.title.ends_with("Feedback statements"));
                assert!(
                    feedback.clone().count() == cases as usize
                        && feedback.clone().all(|a| a.detail.contains("stays silent"))
                );
            }
        }
    }
}

#[test]
fn notes_and_deadlines() {
    let g = group(4, 90, &[("prep_days", int(3))]);
    let plan = F
        .plan_session(&request(&g, 0, g.members.clone(), &[], &[]))
        .unwrap_or_default();
    assert_eq!(
        plan.title,
        "Case consultation — structured peer supervision"
    );
    for phrase in [
        "stays silent and takes notes",
        "warning before difficult material",
        "no graphic details",
        "de-identified",
    ] {
        assert!(plan.notes.contains(phrase), "{phrase}");
    }
    assert_eq!(plan.deadlines.len(), 1);
    assert_eq!(plan.deadlines[0].days_before, 3);
    assert_eq!(plan.deadlines[0].role.as_deref(), Some(PRESENTER));
}

#[test]
fn validation_messages() {
    assert!(F.validate(&group(4, 90, &[])).is_empty());
    assert!(F.validate(&group(4, 150, &[("cases", int(2))])).is_empty());
    let d = F.validate(&group(4, 120, &[]));
    assert_eq!(d.len(), 1);
    assert_eq!(d[0].key, "");
    assert_eq!(
        d[0].message,
        "a 120-minute session for 1 case does not give each case 60 to 90 minutes: it needs 60 to 90 minutes"
    );
    assert_eq!(
        d[0].hint.as_deref(),
        Some("set the group's duration to 60..=90 minutes, or cases = 2 for 120..=180")
    );
    let d = F.validate(&group(4, 90, &[("cases", int(2))]));
    assert_eq!(d.len(), 1);
    assert_eq!(d[0].key, "cases");
    assert!(d[0].message.contains("needs 120 to 180 minutes"));
    let d = F.validate(&group(
        4,
        90,
        &[
            ("cases", int(3)),
            ("moderator_tag", text("Lead")),
            ("prep_dys", int(1)),
            ("process_discussion", text("yes")),
        ],
    ));
    let got: Vec<(&str, &str)> = d
        .iter()
        .map(|d| (d.key.as_str(), d.message.as_str()))
        .collect();
    assert_eq!(
        got,
        [
            ("cases", "3 is out of range: expected 1 to 2"),
            (
                "moderator_tag",
                "expected a tag: lowercase letters, digits, `-` and `_`"
            ),
            (
                "prep_dys",
                "unknown setting `prep_dys` for format `structured-peer-supervision`"
            ),
            ("process_discussion", "expected a boolean"),
        ]
    );
    assert_eq!(
        d[2].hint.as_deref(),
        Some(
            "did you mean `prep_days`? known settings: cases, moderator_tag, prep_days, process_discussion"
        )
    );
}

#[test]
fn requirements_need_three() {
    let mut g = group(6, 90, &[]);
    g.quorum = 2;
    let r = F.requirements(&g).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        (r.quorum, r.min_size, r.max_size, r.duration_minutes),
        (3, 3, Some(10), 90)
    );
    g.quorum = 5;
    g.size_limit = Some(7);
    let r = F.requirements(&g).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!((r.quorum, r.max_size), (5, Some(7)));
}

#[test]
fn reminders_name_the_phases() {
    let g = group(4, 90, &[]);
    let plan = F
        .plan_session(&request(&g, 0, g.members.clone(), &[], &[]))
        .unwrap_or_default();
    let mut r = ReminderRequest {
        group: g.clone(),
        kind: ReminderKind::RoleNotice(PRESENTER.into()),
        recipient: "m0".into(),
        recipient_first_name: "Ana".into(),
        date: Date {
            year: 2025,
            month: 3,
            day: 4,
        },
        start: TimeOfDay {
            hour: 13,
            minute: 0,
        },
        end: TimeOfDay {
            hour: 14,
            minute: 30,
        },
        plan: plan.clone(),
        recipient_roles: vec![PRESENTER.into()],
    };
    let t = F
        .compose_reminder(&r)
        .ok()
        .flatten()
        .unwrap_or_else(|| panic!("no presenter notice"));
    assert_eq!(
        t.subject,
        "Case consultation: you present a case on 2025-03-04 at 13:00"
    );
    assert!(
        t.body.contains("prepare your request for assistance") && t.body.contains("2 days before")
    );
    r.kind = ReminderKind::RoleNotice(MODERATOR.into());
    let t = F
        .compose_reminder(&r)
        .ok()
        .flatten()
        .unwrap_or_else(|| panic!("no moderator notice"));
    let first = &plan.agenda[0];
    assert!(
        t.body
            .contains(&format!("- {} min {}", first.minutes, first.title)),
        "{}",
        t.body
    );
    r.kind = ReminderKind::Upcoming(60);
    let t = F
        .compose_reminder(&r)
        .ok()
        .flatten()
        .unwrap_or_else(|| panic!("no upcoming"));
    assert!(t.body.contains("Feedback statements") && t.body.contains("in 1 hour"));
    assert!(t.subject.starts_with("Reminder: "), "{}", t.subject);
    r.kind = ReminderKind::Cancelled(None);
    assert_eq!(F.compose_reminder(&r), Ok(None));
}
