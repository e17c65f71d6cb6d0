//! `peerwell plugin check FILE.wasm`: loads a plugin with the same checks
//! as a policy would, shows what it says about itself, and runs every call
//! against a built-in sample group within the limits.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;

use jiff::civil::{Date, Time, Weekday, date};
use jiff::{Timestamp, ToSpan};

use peerwell_core::formats::{
    Format, PartitionRequest, PastSession, ReminderKind, ReminderRequest, Requirements,
    SessionPlan, SessionRequest,
};
use peerwell_core::model::{Cadence, Charter, Group, Person, ShortOfQuorum, WorkingHours, Zone};
use peerwell_plugins::{Limits, Plugin, PluginFormat, PluginSpec, cache};

use super::CliError;

/// Members of the sample group; the first and fourth are facilitators.
const MEMBERS: [&str; 6] = ["ana", "ben", "chen", "dara", "eli", "fay"];
/// The sample sessions: Mondays at 10:00 from this date.
const FIRST: Date = date(2026, 3, 2);

/// Runs the check, and with `policy` the check of that folder's groups on
/// the plugin; `Ok(report)` when every call succeeded, else the report so
/// far and the error.
pub fn check(
    file: &Path,
    limits: Limits,
    policy: Option<&Path>,
) -> Result<String, (String, Box<CliError>)> {
    let uses = policy
        .map(|dir| super::plugin_groups::load(dir, file, FIRST))
        .transpose()
        .map_err(|e| (String::new(), Box::new(e)))?;
    let name = match &uses {
        Some(u) => u.name.clone(),
        None => file
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_else(|| "plugin".to_string()),
    };
    let spec = PluginSpec {
        name: name.clone(),
        path: file.to_path_buf(),
        label: file.display().to_string(),
        limits,
    };
    let cache_dir = cache::default_dir();
    let formats = peerwell_core::formats::Formats::builtin();
    formats.set_planning_time(Timestamp::constant(1_772_366_400, 0)); // 2026-03-01T12:00Z
    let mut out = String::new();
    let plugin =
        Plugin::load(&spec, cache_dir.as_deref(), formats.clock().clone()).map_err(|e| {
            (
                out.clone(),
                Box::new(CliError::Invalid(format!("error: {e}"))),
            )
        })?;
    describe(&plugin, &mut out);
    let format = PluginFormat::new(plugin);
    let checked = run(&format, &mut out).and_then(|()| match &uses {
        Some(u) => super::plugin_groups::run(&format, u, &mut out),
        None => Ok(()),
    });
    match checked {
        Ok(()) => {
            let _ = writeln!(out, "\nok: every call succeeded within the limits");
            Ok(out)
        }
        Err(e) => Err((out, Box::new(CliError::Invalid(format!("error: {e}"))))),
    }
}

fn describe(plugin: &Plugin, out: &mut String) {
    let info = plugin.info();
    let l = plugin.limits();
    let _ = writeln!(out, "plugin:     {}", plugin.file());
    let _ = writeln!(out, "interface:  {}", plugin.interface());
    let _ = writeln!(
        out,
        "sdk:        {}",
        plugin.sdk_version().unwrap_or("(none)")
    );
    let _ = writeln!(out, "format:     {} {}", info.name, info.version);
    let _ = writeln!(out, "summary:    {}", info.summary);
    let _ = writeln!(
        out,
        "limits:     {} ms, {} fuel, {} MiB memory, {} KiB output per call",
        l.timeout_ms, l.fuel, l.memory_mib, l.output_kib
    );
    let source = match plugin.source() {
        cache::Source::Compiled => "compiled now (no cache folder)",
        cache::Source::CompiledAndCached => "compiled now and cached",
        cache::Source::Cached => "from the cache",
    };
    let _ = writeln!(out, "compiled:   {source}");
    if info.settings.is_empty() {
        let _ = writeln!(out, "settings:   (none)");
    } else {
        let _ = writeln!(out, "settings:");
        for s in &info.settings {
            let _ = writeln!(
                out,
                "  {} ({}, default {}): {}",
                s.key, s.kind, s.default, s.doc
            );
        }
    }
}

/// The sample group's calls, in the order a pass makes them: validate,
/// requirements, four sessions, the partition, then the reminders of the
/// first session.
fn run(format: &PluginFormat, out: &mut String) -> Result<(), CliError> {
    let people = sample_people();
    let group = sample_group(&format.plugin().info().name, format.plugin().name());
    let _ = writeln!(
        out,
        "\nsample group: {} members, {} minutes weekly, sessions on Mondays at 10:00 from {FIRST}",
        MEMBERS.len(),
        group.duration_minutes
    );
    validate(format, &group, out);
    let req = format.requirements(&group)?;
    describe_requirements(&req, out);
    let first = sessions(format, &group, &people, out)?;
    partition(format, &group, &people, out)?;
    let Some((plan, attendees)) = first else {
        return Ok(());
    };
    let sample = Sample {
        format,
        group: &group,
        people: &people,
        minutes: req.duration_minutes,
    };
    reminders(&sample, &plan, &attendees, out)
}

/// What every call of the sample run shares.
struct Sample<'a> {
    format: &'a PluginFormat,
    group: &'a Group,
    people: &'a BTreeMap<String, Person>,
    /// The session length from the plugin's requirements.
    minutes: u32,
}

/// The sessions' start time.
const START: Time = Time::constant(10, 0, 0, 0);

/// `validate` on the sample group with empty `[settings]`.
fn validate(format: &PluginFormat, group: &Group, out: &mut String) {
    let diagnostics = format.validate_group(group);
    let _ = writeln!(
        out,
        "validate:   {} diagnostic(s) for an empty [settings]",
        diagnostics.len()
    );
    for d in &diagnostics {
        let _ = writeln!(
            out,
            "  {}: {}",
            if d.key.is_empty() {
                "[settings]"
            } else {
                &d.key
            },
            d.message
        );
    }
}

/// The plugin's requirements, on one line.
fn describe_requirements(req: &Requirements, out: &mut String) {
    let _ = writeln!(
        out,
        "requirements: {} min, {:?}, quorum {}, size {}..{}, roles [{}]{}",
        req.duration_minutes,
        req.cadence,
        req.quorum,
        req.min_size,
        req.max_size.map_or("".to_string(), |m| m.to_string()),
        req.required_roles
            .iter()
            .map(|r| format!("{}×{}", r.min, r.tag))
            .collect::<Vec<_>>()
            .join(", "),
        req.window.as_ref().map_or(String::new(), |w| format!(
            ", window {}–{} on {} day(s)",
            w.earliest.strftime("%H:%M"),
            w.latest.strftime("%H:%M"),
            w.days.len()
        ))
    );
}

/// Four weekly sessions, one member absent from each, each seeing the
/// ones before as history; the first session's plan and attendees.
fn sessions(
    format: &PluginFormat,
    group: &Group,
    people: &BTreeMap<String, Person>,
    out: &mut String,
) -> Result<Option<(SessionPlan, Vec<String>)>, CliError> {
    let mut history: Vec<PastSession> = Vec::new();
    let mut first: Option<(SessionPlan, Vec<String>)> = None;
    for i in 0..4u32 {
        let day = FIRST
            .checked_add((i64::from(i) * 7).days())
            .map_err(|e| CliError::Invalid(e.to_string()))?;
        let absent = MEMBERS[(i as usize + 1) % MEMBERS.len()].to_string();
        let attendees: Vec<String> = MEMBERS
            .iter()
            .map(|s| s.to_string())
            .filter(|m| *m != absent)
            .collect();
        let absentees = vec![absent];
        let request = SessionRequest {
            group,
            index: i,
            date: day,
            start: START,
            attendees: &attendees,
            absentees: &absentees,
            history: &history,
            people,
        };
        let plan = format.plan_session(&request)?;
        let _ = writeln!(
            out,
            "\nsession {} on {day} ({} absent): {}",
            i + 1,
            absentees[0],
            plan.title
        );
        for a in &plan.agenda {
            let _ = writeln!(out, "  {:>3} min  {}", a.minutes, a.title);
        }
        for r in &plan.roles {
            let _ = writeln!(out, "  role {}: {}", r.role, r.member);
        }
        history.push(PastSession {
            date: day,
            attendees: attendees.clone(),
            roles: plan.roles.clone(),
        });
        first.get_or_insert((plan, attendees));
    }
    Ok(first)
}

/// `partition` of the whole sample group in the first week.
fn partition(
    format: &PluginFormat,
    group: &Group,
    people: &BTreeMap<String, Person>,
    out: &mut String,
) -> Result<(), CliError> {
    let members: Vec<String> = MEMBERS.iter().map(|s| s.to_string()).collect();
    let partition = format.partition(&PartitionRequest {
        group,
        cycle: 0,
        week_start: FIRST,
        members: &members,
        history: &[],
        people,
    })?;
    let _ = match partition {
        None => writeln!(out, "\npartition:  the whole group meets"),
        Some(parts) => writeln!(
            out,
            "\npartition:  {}",
            parts
                .iter()
                .map(|p| p.join("+"))
                .collect::<Vec<_>>()
                .join(" | ")
        ),
    };
    Ok(())
}

/// The first session's reminders: a day before to its first attendee, and
/// a role notice to each role holder.
fn reminders(
    sample: &Sample<'_>,
    plan: &SessionPlan,
    attendees: &[String],
    out: &mut String,
) -> Result<(), CliError> {
    let mut kinds = vec![(
        ReminderKind::Upcoming(1440),
        attendees.first().cloned().unwrap_or_default(),
    )];
    for r in &plan.roles {
        kinds.push((ReminderKind::RoleNotice(r.role.clone()), r.member.clone()));
    }
    for (kind, recipient) in kinds {
        reminder(sample, plan, kind, &recipient, out)?;
    }
    Ok(())
}

/// One reminder of `kind` to `recipient`: its subject and length, or that
/// the host's standard text is used.
fn reminder(
    sample: &Sample<'_>,
    plan: &SessionPlan,
    kind: ReminderKind,
    recipient: &str,
    out: &mut String,
) -> Result<(), CliError> {
    let roles: Vec<String> = plan
        .roles
        .iter()
        .filter(|r| r.member == recipient)
        .map(|r| r.role.clone())
        .collect();
    let first_name = sample
        .people
        .get(recipient)
        .map(|p| p.first_name().to_string())
        .unwrap_or_default();
    let text = sample.format.compose_reminder(&ReminderRequest {
        group: sample.group,
        kind: kind.clone(),
        recipient,
        recipient_first_name: &first_name,
        date: FIRST,
        start: START,
        end: START
            .checked_add(i64::from(sample.minutes).minutes())
            .unwrap_or(START),
        plan,
        recipient_roles: &roles,
    })?;
    let what = match &kind {
        ReminderKind::Upcoming(m) => format!("reminder {m} min before"),
        ReminderKind::RoleNotice(r) => format!("role notice ({r})"),
        other => format!("{other:?}"),
    };
    let _ = match text {
        Some(t) => writeln!(
            out,
            "{what} to {recipient}: {} ({} lines)",
            t.subject,
            t.body.lines().count()
        ),
        None => writeln!(out, "{what} to {recipient}: the host's standard text"),
    };
    Ok(())
}

fn sample_people() -> BTreeMap<String, Person> {
    let zone = Zone::iana("America/Chicago").unwrap_or(Zone {
        name: "UTC".to_string(),
        tz: jiff::tz::TimeZone::UTC,
    });
    MEMBERS
        .iter()
        .enumerate()
        .map(|(i, id)| {
            let mut name = id.to_string();
            name[..1].make_ascii_uppercase();
            let tags = if i % 3 == 0 {
                vec!["facilitator".to_string()]
            } else {
                Vec::new()
            };
            let person = Person {
                mail: Default::default(),
                id: id.to_string(),
                name: format!("{name} Sample"),
                email: format!("{id}@example.invalid"),
                zone: zone.clone(),
                working_hours: WorkingHours::weekdays(
                    Time::constant(8, 0, 0, 0),
                    Time::constant(17, 0, 0, 0),
                ),
                tags,
                site: Some(if i % 2 == 0 { "north" } else { "south" }.to_string()),
                start_date: None,
                calendars: Vec::new(),
                client_blocks: Vec::new(),
                buffer_minutes: 15,
                weekly_cap_minutes: None,
            };
            (id.to_string(), person)
        })
        .collect()
}

fn sample_group(display: &str, format: &str) -> Group {
    let zone = Zone::iana("America/Chicago").unwrap_or(Zone {
        name: "UTC".to_string(),
        tz: jiff::tz::TimeZone::UTC,
    });
    Group {
        mail: Default::default(),
        id: "sample".to_string(),
        name: format!("Sample {display} group"),
        format: format.to_string(),
        members: MEMBERS.iter().map(|s| s.to_string()).collect(),
        cadence: Cadence::Weekly,
        duration_minutes: 90,
        days: vec![
            Weekday::Monday,
            Weekday::Tuesday,
            Weekday::Wednesday,
            Weekday::Thursday,
            Weekday::Friday,
        ],
        earliest: Time::constant(9, 0, 0, 0),
        latest: Time::constant(17, 0, 0, 0),
        preferred: Vec::new(),
        preferred_days: Vec::new(),
        quorum: 3,
        required_roles: Vec::new(),
        charter: Charter {
            purpose: "Peer support for clinicians.".to_string(),
            boundaries: "What is said here stays here.".to_string(),
            open: false,
            size_limit: Some(8),
        },
        escalation: Vec::new(),
        location: None,
        video_url: None,
        neutral_title: false,
        zone,
        settings: toml::Table::new(),
        short_of_quorum: ShortOfQuorum::Move,
    }
}
