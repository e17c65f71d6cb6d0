//! Rendering a plan: a table for people, JSON for tools, explanations.

use std::collections::HashMap;
use std::fmt::Write;

use serde_json::json;

use super::text::{clock, rfc3339, weekday_name};
use crate::pipeline::Loaded;
use jiff::tz::TimeZone;
use peerwell_core::model::{Cadence, Group};
use peerwell_core::schedule::{self, GroupOutcome, Plan, Session, Skipped};
use peerwell_store::AbsenceRow;

fn selected<'a>(loaded: &'a Loaded, only: Option<&str>) -> impl Iterator<Item = &'a Group> {
    loaded
        .org
        .groups
        .iter()
        .filter(move |g| only.is_none_or(|id| g.id == id))
}

/// A plan with its sessions indexed by group once per rendering: filtering
/// the whole plan for each group's sessions made `plan` quadratic (most of
/// its time at 10,000 groups and 96,000 sessions).
pub(super) struct ByGroup<'a> {
    plan: &'a Plan,
    sessions: HashMap<&'a str, Vec<&'a Session>>,
}

impl<'a> ByGroup<'a> {
    pub(super) fn new(plan: &'a Plan) -> ByGroup<'a> {
        let mut sessions: HashMap<&str, Vec<&Session>> = HashMap::new();
        for s in &plan.sessions {
            sessions.entry(s.group.as_str()).or_default().push(s);
        }
        ByGroup { plan, sessions }
    }

    fn outcome(&self, id: &str) -> Option<&'a GroupOutcome> {
        self.plan.outcome(id)
    }

    /// The group's sessions, in plan order.
    pub(super) fn sessions(&self, id: &str) -> &[&'a Session] {
        self.sessions.get(id).map_or(&[], Vec::as_slice)
    }
}

fn cadence_text(c: Cadence) -> String {
    match c {
        Cadence::Weekly => "weekly".to_string(),
        Cadence::EveryWeeks(n) => format!("every {n} weeks"),
        Cadence::MonthlyNth(n) => match n {
            1 => "monthly, 1st".to_string(),
            2 => "monthly, 2nd".to_string(),
            3 => "monthly, 3rd".to_string(),
            -1 => "monthly, last".to_string(),
            n => format!("monthly, {n}th"),
        },
    }
}

fn first_name<'a>(loaded: &'a Loaded, id: &'a str) -> &'a str {
    loaded
        .org
        .people
        .get(id)
        .map(|p| p.first_name())
        .unwrap_or(id)
}

/// The human-readable schedule, group by group.
pub fn table(loaded: &Loaded, plan: &Plan, only: Option<&str>, absent: &[AbsenceRow]) -> String {
    let mut out = String::new();
    let h = &plan.horizon;
    let _ = writeln!(
        out,
        "{} — {} weeks from {} {} to {} ({})\n",
        loaded.org.org.name,
        h.weeks,
        weekday_name(h.start.weekday()),
        h.start,
        h.end(),
        loaded.org.org.zone.name
    );
    let by = ByGroup::new(plan);
    for group in selected(loaded, only) {
        group_table(&mut out, loaded, (&by, absent), group);
        out.push('\n');
    }
    out
}

/// One group's part of [`table`]: its heading and outcome, then its
/// sessions and skipped occurrences when it has time.
fn group_table(
    out: &mut String,
    loaded: &Loaded,
    (by, absent): (&ByGroup<'_>, &[AbsenceRow]),
    group: &Group,
) {
    let _ = write!(
        out,
        "{}  {} ({}, {}, {} min)",
        group.id,
        group.name,
        group.format,
        cadence_text(group.cadence),
        group.duration_minutes
    );
    let Some(skipped) = outcome_lines(out, by, group) else {
        return;
    };
    let partitioned = matches!(
        by.outcome(&group.id),
        Some(GroupOutcome::Partitioned { .. })
    );
    for s in by.sessions(&group.id) {
        let line = session_line(loaded, s, &group.zone.tz, (partitioned, absent));
        let _ = writeln!(out, "{line}");
    }
    for k in skipped {
        let _ = writeln!(
            out,
            "  {} {}  skipped: {}",
            k.date,
            &weekday_name(k.date.weekday())[..3],
            k.reason
        );
    }
}

/// The group's outcome; its skipped occurrences when it has sessions to
/// list.
fn outcome_lines<'a>(out: &mut String, by: &ByGroup<'a>, group: &Group) -> Option<&'a [Skipped]> {
    match by.outcome(&group.id) {
        Some(GroupOutcome::Scheduled { series, skipped }) => {
            let _ = writeln!(
                out,
                "\n  series: {}s at {} {}",
                weekday_name(series.weekday),
                series.start.strftime("%H:%M"),
                group.zone.name
            );
            Some(skipped)
        }
        Some(GroupOutcome::Partitioned { skipped }) => {
            let _ = writeln!(out, "\n  split into subgroups that meet separately");
            Some(skipped)
        }
        Some(GroupOutcome::Unscheduled { reason }) => {
            let _ = writeln!(
                out,
                "\n  NOT SCHEDULED: {reason}\n  run `peerwell plan DIR --explain --group {}` for details",
                group.id
            );
            None
        }
        Some(GroupOutcome::Blocked { reason }) => {
            let _ = writeln!(out, "\n  BLOCKED: {reason}");
            None
        }
        None => {
            let _ = writeln!(out, "\n  (not planned)");
            None
        }
    }
}

/// One session of [`table`]: date, time, who attends (a subgroup by name),
/// roles, who is away and where it moved from.
fn session_line(
    loaded: &Loaded,
    s: &Session,
    tz: &TimeZone,
    (partitioned, absent): (bool, &[AbsenceRow]),
) -> String {
    let who = if partitioned {
        // A subgroup (e.g. a buddy pair): who meets.
        let names: Vec<&str> = s.attendees.iter().map(|a| first_name(loaded, a)).collect();
        names.join(" & ")
    } else {
        format!(
            "{}/{} attend",
            s.attendees.len(),
            s.attendees.len() + s.absentees.len()
        )
    };
    let mut line = format!(
        "  {} {}  {}–{}  {who}",
        s.date,
        &weekday_name(s.date.weekday())[..3],
        clock(s.start, tz),
        clock(s.end, tz),
    );
    for r in &s.plan.roles {
        let _ = write!(line, "  {}: {}", r.role, first_name(loaded, &r.member));
    }
    if !s.absentees.is_empty() {
        let away: Vec<&str> = s.absentees.iter().map(|a| first_name(loaded, a)).collect();
        let _ = write!(line, "  (away: {})", away.join(", "));
        let said: Vec<&str> = s
            .absentees
            .iter()
            .filter(|a| declared(absent, s, a))
            .map(|a| first_name(loaded, a))
            .collect();
        if !said.is_empty() {
            let _ = write!(line, "  (said they can't come: {})", said.join(", "));
        }
    }
    if let Some(from) = s.moved_from {
        let local = tz.to_datetime(from);
        let _ = write!(
            line,
            "  moved from {} {}",
            &weekday_name(local.weekday())[..3],
            clock(from, tz)
        );
    }
    line
}

/// The plan as JSON: sessions with group id, start and end in RFC 3339 with
/// offset (the group's zone), attendees and absentees by member id (and,
/// in `declared_absent`, those of them who said they cannot come), roles;
/// plus each group's outcome and every declared absence (`absences`).
pub fn json(loaded: &Loaded, plan: &Plan, only: Option<&str>, absent: &[AbsenceRow]) -> String {
    let zones: HashMap<&str, &TimeZone> = loaded
        .org
        .groups
        .iter()
        .map(|g| (g.id.as_str(), &g.zone.tz))
        .collect();
    let zone_of = |id: &str| {
        zones
            .get(id)
            .map_or_else(|| loaded.org.org.zone.tz.clone(), |&tz| tz.clone())
    };
    let sessions: Vec<serde_json::Value> = plan
        .sessions
        .iter()
        .filter(|s| only.is_none_or(|id| s.group == id))
        .map(|s| {
            let tz = zone_of(&s.group);
            json!({
                "group": s.group,
                "index": s.index,
                "title": s.plan.title,
                "start": rfc3339(s.start, &tz),
                "end": rfc3339(s.end, &tz),
                "attendees": s.attendees,
                "absentees": s.absentees,
                "declared_absent": s.absentees.iter().filter(|m| declared(absent, s, m)).collect::<Vec<_>>(),
                "moved_from": s.moved_from.map(|m| rfc3339(m, &tz)),
                "roles": s.plan.roles.iter().map(|r| json!({"role": r.role, "member": r.member})).collect::<Vec<_>>(),
            })
        })
        .collect();
    let groups = groups_json(loaded, plan, only);
    let doc = json!({
        "organization": loaded.org.org.name,
        "horizon": {
            "start": plan.horizon.start.to_string(),
            "weeks": plan.horizon.weeks,
            "time_zone": loaded.org.org.zone.name,
        },
        "sessions": sessions,
        "groups": groups,
        "absences": absent
            .iter()
            .filter(|a| only.is_none_or(|id| a.group == id))
            .map(|a| json!({
                "group": a.group,
                "index": a.index,
                "member": a.member,
                "recorded_at": rfc3339(a.recorded_at, &loaded.org.org.zone.tz),
                "source": a.source.as_str(),
            }))
            .collect::<Vec<_>>(),
    });
    let mut s = serde_json::to_string_pretty(&doc).unwrap_or_default();
    s.push('\n');
    s
}

/// Each selected group's outcome as JSON.
fn groups_json(loaded: &Loaded, plan: &Plan, only: Option<&str>) -> Vec<serde_json::Value> {
    selected(loaded, only)
        .map(|g| match plan.outcome(&g.id) {
            Some(GroupOutcome::Scheduled { series, skipped }) => json!({
                "id": g.id,
                "status": "scheduled",
                "series": {
                    "weekday": weekday_name(series.weekday).to_lowercase(),
                    "start": series.start.strftime("%H:%M").to_string(),
                    "time_zone": g.zone.name,
                },
                "skipped": skipped.iter().map(|k| json!({"date": k.date.to_string(), "reason": k.reason.to_string()})).collect::<Vec<_>>(),
            }),
            Some(GroupOutcome::Partitioned { skipped }) => json!({
                "id": g.id,
                "status": "partitioned",
                "skipped": skipped.iter().map(|k| json!({"date": k.date.to_string(), "reason": k.reason.to_string()})).collect::<Vec<_>>(),
            }),
            Some(GroupOutcome::Unscheduled { reason }) => {
                json!({"id": g.id, "status": "unscheduled", "reason": reason})
            }
            Some(GroupOutcome::Blocked { reason }) => {
                json!({"id": g.id, "status": "blocked", "reason": reason})
            }
            None => json!({"id": g.id, "status": "not planned"}),
        })
        .collect()
}

/// Whether `member` declared themselves absent from `s`.
fn declared(absent: &[AbsenceRow], s: &Session, member: &str) -> bool {
    absent
        .iter()
        .any(|a| a.group == s.group && a.index == s.index && a.member == member)
}

/// Explanations for one group; when none is named, who misses what across
/// all groups, then the explanation of every group that is not fully
/// scheduled.
pub fn explain(loaded: &Loaded, plan: &Plan, only: Option<&str>) -> String {
    let mut out = String::new();
    if only.is_none() {
        let m = schedule::misses(&loaded.org, &loaded.availability, &loaded.formats, plan);
        let _ = writeln!(out, "{m}");
    }
    for group in selected(loaded, only) {
        let needs = only.is_some()
            || match plan.outcome(&group.id) {
                Some(
                    GroupOutcome::Scheduled { skipped, .. } | GroupOutcome::Partitioned { skipped },
                ) => !skipped.is_empty(),
                _ => true,
            };
        if !needs {
            continue;
        }
        if let Some(e) = schedule::explain(
            &loaded.org,
            &loaded.availability,
            loaded.horizon,
            &loaded.formats,
            &group.id,
        ) {
            let _ = writeln!(out, "{e}");
        }
    }
    if only.is_none() {
        out.push_str(
            "For one group's candidate times and the rules behind each absence: \
             peerwell plan DIR --explain --group ID\n",
        );
    }
    out
}
