//! `peerwell absences` (list) and `peerwell absence add|remove` (HR).
//!
//! A session is named as everywhere on the command line: its group and its
//! date in the group's zone, `GROUP/DATE` (e.g. `morning-walk/2026-03-03`);
//! the internal index never shows. It is looked up among the published
//! sessions (cancelled ones too, so an absence that cost a session its
//! quorum can be removed again), then in the plan as it would be made now.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::path::Path;
use std::process::ExitCode;

use jiff::Timestamp;
use jiff::civil::Date;
use serde_json::json;

use super::args::{AbsenceCommand, OutputFormat, StateArgs};
use super::{CliError, HorizonArgs, Outcome, load_with_state, text};
use crate::pipeline::{self, Loaded};
use peerwell_core::model::{Group, Organization};
use peerwell_core::schedule::Session;
use peerwell_store::{AbsenceRow, AbsenceSource, Status, Store};

/// `peerwell absences DIR [--member ID] [--group ID]`.
pub fn list(
    dir: &Path,
    (member, group): (Option<&str>, Option<&str>),
    state: &StateArgs,
    format: OutputFormat,
) -> Outcome {
    let org = pipeline::policy(dir)?;
    if let Some(id) = member {
        person_of(&org, id)?;
    }
    if let Some(id) = group {
        group_of(&org, id)?;
    }
    let location = pipeline::state_location(&org, state.data_dir.as_deref())?;
    let store = Store::open_location_read_only(&location)?;
    let sessions = store.sessions()?;
    let rows: Vec<AbsenceRow> = store
        .absences()?
        .into_iter()
        .filter(|a| member.is_none_or(|m| a.member == m) && group.is_none_or(|g| a.group == g))
        .collect();
    let session = |a: &AbsenceRow| {
        sessions
            .get(&(a.group.clone(), a.index))
            .map(|s| &s.session)
    };
    let out = match format {
        OutputFormat::Table => table(&org, &rows, &session),
        OutputFormat::Json => json(&org, &rows, &session),
    };
    print!("{out}");
    Ok(ExitCode::SUCCESS)
}

type Lookup<'a> = dyn Fn(&AbsenceRow) -> Option<&'a Session> + 'a;

/// The session's name: `GROUP/DATE HH:MM` in the group's zone, or its
/// index when it is not published.
fn name(org: &Organization, a: &AbsenceRow, s: Option<&Session>) -> String {
    let tz = org
        .groups
        .iter()
        .find(|g| g.id == a.group)
        .map_or_else(|| org.org.zone.tz.clone(), |g| g.zone.tz.clone());
    match s {
        Some(s) => format!(
            "{}/{} {}",
            a.group,
            s.date,
            s.start.to_zoned(tz).strftime("%H:%M")
        ),
        None => format!("{} (session {} not published)", a.group, a.index),
    }
}

fn table(org: &Organization, rows: &[AbsenceRow], session: &Lookup<'_>) -> String {
    let mut out = String::new();
    if rows.is_empty() {
        out.push_str("no absences recorded\n");
        return out;
    }
    let tz = &org.org.zone.tz;
    for a in rows {
        let _ = writeln!(
            out,
            "{}  {}  recorded {} by {}",
            name(org, a, session(a)),
            a.member,
            a.recorded_at
                .to_zoned(tz.clone())
                .strftime("%Y-%m-%d %H:%M"),
            match a.source {
                AbsenceSource::Link => "the member's link",
                AbsenceSource::Hr => "HR",
            }
        );
    }
    let _ = writeln!(out, "{}", text::count(rows.len(), "absence", "absences"));
    out
}

fn json(org: &Organization, rows: &[AbsenceRow], session: &Lookup<'_>) -> String {
    let tz = &org.org.zone.tz;
    let list: Vec<_> = rows
        .iter()
        .map(|a| {
            let s = session(a);
            let gtz = org
                .groups
                .iter()
                .find(|g| g.id == a.group)
                .map_or_else(|| tz.clone(), |g| g.zone.tz.clone());
            json!({
                "group": a.group,
                "index": a.index,
                "date": s.map(|s| s.date.to_string()),
                "start": s.map(|s| text::rfc3339(s.start, &gtz)),
                "member": a.member,
                "recorded_at": text::rfc3339(a.recorded_at, tz),
                "source": a.source.as_str(),
            })
        })
        .collect();
    let mut s = serde_json::to_string_pretty(&json!({ "absences": list })).unwrap_or_default();
    s.push('\n');
    s
}

fn person_of<'o>(org: &'o Organization, id: &str) -> Result<&'o str, CliError> {
    if let Some((k, _)) = org.people.get_key_value(id) {
        return Ok(k);
    }
    let ids: Vec<&str> = org.people.keys().map(String::as_str).collect();
    Err(format!("error: no member `{id}`{}", text::did_you_mean(id, &ids)).into())
}

fn group_of<'o>(org: &'o Organization, id: &str) -> Result<&'o Group, CliError> {
    if let Some(g) = org.groups.iter().find(|g| g.id == id) {
        return Ok(g);
    }
    let ids: Vec<&str> = org.groups.iter().map(|g| g.id.as_str()).collect();
    Err(format!("error: no group `{id}`{}", text::did_you_mean(id, &ids)).into())
}

/// `GROUP/DATE` as a group id and a date.
fn parse_session(text: &str) -> Result<(&str, Date), CliError> {
    let hint = "\n  = hint: name a session by its group and date, as `peerwell plan` shows it, \
                e.g. morning-walk/2026-03-03";
    let Some((group, date)) = text.split_once('/') else {
        return Err(format!("error: session `{text}` is not GROUP/DATE{hint}").into());
    };
    let date: Date = date.parse().map_err(|_| {
        CliError::Invalid(format!("error: `{date}` is not a date (YYYY-MM-DD){hint}"))
    })?;
    Ok((group, date))
}

/// `peerwell absence add|remove`.
pub fn command(command: AbsenceCommand) -> Outcome {
    match command {
        AbsenceCommand::Add {
            dir,
            member,
            session,
            state,
        } => change(&dir, (&member, &session), &state, true),
        AbsenceCommand::Remove {
            dir,
            member,
            session,
            state,
        } => change(&dir, (&member, &session), &state, false),
    }
}

/// `peerwell absence add|remove DIR MEMBER GROUP/DATE`.
fn change(dir: &Path, (member, session): (&str, &str), state: &StateArgs, add: bool) -> Outcome {
    let (group_id, date) = parse_session(session)?;
    let (loaded, now, location) = load_with_state(dir, HorizonArgs::default(), state)?;
    let org = &loaded.org;
    let member = person_of(org, member)?;
    let group = group_of(org, group_id)?;
    if !group.members.iter().any(|m| m == member) {
        return Err(format!(
            "error: `{member}` is not a member of group `{}`\n  = hint: its members: {}",
            group.id,
            group.members.join(", ")
        )
        .into());
    }
    let mut store = Store::open_location(&location)?;
    let found = find(&loaded, &store, group, date, now)?;
    let shown = format!(
        "{}/{} {}",
        group.id,
        found.date,
        found
            .start
            .to_zoned(group.zone.tz.clone())
            .strftime("%H:%M")
    );
    if found.start <= now {
        return Err(format!(
            "error: the session {shown} has already started; absences are for sessions ahead"
        )
        .into());
    }
    let done = if add {
        store.add_absence(&AbsenceRow {
            group: group.id.clone(),
            index: found.index,
            member: member.to_string(),
            recorded_at: now,
            source: AbsenceSource::Hr,
        })?
    } else {
        store.remove_absence(&group.id, found.index, member)?
    };
    let what = match (add, done) {
        (true, true) => format!("recorded: `{member}` is absent from {shown}"),
        (true, false) => format!("already recorded: `{member}` is absent from {shown}"),
        (false, true) => format!("removed: `{member}` is expected at {shown} again"),
        (false, false) => format!("no absence of `{member}` from {shown} was recorded"),
    };
    println!("{what}");
    if done {
        println!("the next planning pass (`peerwell serve` plans at once; `export`) applies it");
    }
    Ok(ExitCode::SUCCESS)
}

/// The session of `group` on `date` (its local date in the group's zone):
/// a published one (active or cancelled), else one the plan would make
/// now; an error listing the group's next dates when there is none.
fn find(
    loaded: &Loaded,
    store: &Store,
    group: &Group,
    date: Date,
    now: Timestamp,
) -> Result<Session, CliError> {
    let stored = store.sessions()?;
    let mut published: Vec<(Status, &Session)> = stored
        .values()
        .filter(|s| s.session.group == group.id && s.session.date == date)
        .map(|s| (s.status, &s.session))
        .collect();
    published.sort_by_key(|(status, _)| *status);
    if let Some((_, s)) = published.first() {
        return Ok((*s).clone());
    }
    let plan = loaded.plan_continued(store, now)?;
    if let Some(s) = plan
        .sessions
        .iter()
        .find(|s| s.group == group.id && s.date == date)
    {
        return Ok(s.clone());
    }
    let mut dates: BTreeMap<Date, ()> = BTreeMap::new();
    for s in plan
        .sessions
        .iter()
        .filter(|s| s.group == group.id && s.start > now)
    {
        dates.insert(s.date, ());
    }
    let next: Vec<String> = dates.keys().take(5).map(|d| d.to_string()).collect();
    let hint = if next.is_empty() {
        "it has no sessions planned ahead (see `peerwell plan --explain`)".to_string()
    } else {
        format!("its next sessions: {}", next.join(", "))
    };
    Err(format!(
        "error: group `{}` has no session on {date}\n  = hint: {hint}",
        group.id
    )
    .into())
}
