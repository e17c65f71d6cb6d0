use super::*;

fn plan() -> SessionPlan {
    SessionPlan {
        title: "Walk — \"week\" 3".to_string(),
        agenda: vec![AgendaItem {
            minutes: 10,
            title: "Check-in".to_string(),
            detail: "One line each.\nNo details.".to_string(),
        }],
        roles: vec![RoleAssignment {
            role: "strategy".to_string(),
            member: "amara".to_string(),
        }],
        notes: "Feelings, not details.".to_string(),
        deadlines: vec![
            Deadline {
                label: "panel prep".to_string(),
                days_before: 14,
                role: Some("panellist".to_string()),
            },
            Deadline {
                label: "read the case".to_string(),
                days_before: 1,
                role: None,
            },
        ],
    }
}

#[test]
fn plan_round_trips() {
    let p = plan();
    assert_eq!(parse_plan(&plan_json(&p)), Ok(p));
    assert_eq!(
        parse_plan(&plan_json(&SessionPlan::default())),
        Ok(SessionPlan::default())
    );
}

#[test]
fn ids_round_trip() {
    let ids = vec!["a".to_string(), "b\"c".to_string()];
    assert_eq!(parse_ids(&ids_json(&ids)), Ok(ids));
    assert!(parse_ids("{}").is_err());
    assert!(parse_ids("[1]").is_err());
}

#[test]
fn broken_plans_are_errors() {
    assert!(parse_plan("not json").is_err());
    assert!(parse_plan("{}").is_err());
    assert!(
        parse_plan(
            r#"{"title":"t","agenda":[{"minutes":-1}],"roles":[],"notes":"","deadlines":[]}"#
        )
        .is_err()
    );
}

#[test]
fn weekdays_round_trip() {
    for n in 1..=7 {
        assert_eq!(weekday(n).map(weekday_number), Ok(n));
    }
    assert!(weekday(0).is_err());
    assert!(weekday(8).is_err());
}

#[test]
fn hash_sees_every_part() {
    let start = Timestamp::from_second(1_767_600_000).unwrap_or(Timestamp::UNIX_EPOCH);
    let base = Session {
        group: "walk".to_string(),
        index: 0,
        date: jiff::civil::date(2026, 1, 5),
        start,
        end: start + jiff::SignedDuration::from_mins(30),
        attendees: vec!["a".to_string(), "b".to_string()],
        absentees: vec![],
        plan: plan(),
        moved_from: None,
    };
    let h = content_hash(&base);
    assert_eq!(h.len(), 16);
    assert_eq!(h, content_hash(&base.clone()));
    let mut s = base.clone();
    s.attendees.reverse();
    assert_ne!(content_hash(&s), h);
    let mut s = base.clone();
    s.plan.roles[0].member = "b".to_string();
    assert_ne!(content_hash(&s), h);
    let mut s = base.clone();
    s.plan.notes.push('.');
    assert_ne!(content_hash(&s), h);
    let mut s = base.clone();
    s.end += jiff::SignedDuration::from_mins(1);
    assert_ne!(content_hash(&s), h);
    let mut s = base;
    s.moved_from = Some(start);
    assert_ne!(content_hash(&s), h);
}
