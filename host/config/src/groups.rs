//! One file per group under `groups/`.

use std::collections::BTreeSet;
use std::ops::Range;

use jiff::civil::{Time, Weekday};
use toml::de::{DeTable, DeValue};

use super::charter::{charter, check_settings, escalation, validate_settings};
use super::people::People;
use super::source::SourceFile;
use super::suggest::{closest, did_you_mean};
use super::values::{
    END_OF_DAY, cadence, check_id, is_http_url, show_span, span_minutes, span_value, weekdays, zone,
};
use super::walk::{Out, Table, array, string, text, type_error};
use peerwell_core::formats::Formats;
use peerwell_core::model::{Cadence, Group, Org, RequiredRole, ShortOfQuorum};

const KEYS: &[&str] = &[
    "version",
    "id",
    "name",
    "format",
    "members",
    "cadence",
    "duration_minutes",
    "days",
    "window",
    "preferred",
    "preferred_days",
    "quorum",
    "required_roles",
    "time_zone",
    "location",
    "video_url",
    "neutral_title",
    "charter",
    "escalation",
    "settings",
    "short_of_quorum",
    "reminders",
];

/// What a group file is checked against.
pub(crate) struct Context<'a> {
    pub org: &'a Org,
    pub people: &'a People,
    pub formats: &'a Formats,
}

/// Reads one group file. `settings` is the file's `[settings]` table as
/// plain TOML (for the format); `None` when anything is invalid.
pub(crate) fn read(
    src: &SourceFile,
    root: &DeTable<'_>,
    stem: &str,
    settings: Option<toml::Table>,
    cx: &Context<'_>,
    out: &mut Out,
) -> Option<Group> {
    let before = out.len();
    let t = Table::new(src, root, 0..0, "the group file", KEYS, out);
    t.version(out);
    let id = group_id(&t, stem, out);
    let name = t.required_text("name", "name = \"Morning walk\"", out);
    let format = format_name(&t, cx.formats, out);
    let members = members(&t, cx.people, out);
    let cadence_value = cadence_value(&t, out);
    let duration = t
        .required("duration_minutes", "duration_minutes = 45", out)
        .and_then(|v| super::walk::integer(src, v, 10..=480, out));
    let days = match t.get("days") {
        Some(v) => weekdays(src, v, out),
        None => Some(vec![
            Weekday::Monday,
            Weekday::Tuesday,
            Weekday::Wednesday,
            Weekday::Thursday,
            Weekday::Friday,
        ]),
    };
    let window = window(&t, duration, out);
    let preferred = preferred(&t, window, out);
    let preferred_days = preferred_days(&t, days.as_deref(), out);
    let member_count = members.as_ref().map(|m| m.len() as i64);
    let quorum = quorum(&t, member_count, out);
    let required_roles = required_roles(&t, members.as_deref(), cx.people, out);
    let zone = match t.get("time_zone") {
        Some(v) => zone(src, v, out),
        None => Some(cx.org.zone.clone()),
    };
    let location = t.get("location").and_then(|v| text(src, v, out));
    let video_url = video_url(&t, out);
    let neutral_title = t.boolean("neutral_title", out).unwrap_or(false);
    let short_of_quorum = short_of_quorum(&t, out);
    let charter = charter(&t, member_count, out);
    let escalation = escalation(&t, out);
    let settings = check_settings(&t, settings, out);
    let mail = super::mail::read_group(&t, out);
    if out.len() != before {
        return None;
    }
    let group = Group {
        id: id?,
        name: name?,
        format: format?,
        members: members?,
        cadence: cadence_value?,
        duration_minutes: duration? as u32,
        days: days?,
        earliest: window?.0,
        latest: window?.1,
        preferred: preferred?,
        preferred_days: preferred_days?,
        quorum: quorum?,
        required_roles: required_roles?,
        charter: charter?,
        escalation: escalation?,
        location,
        video_url,
        neutral_title,
        zone: zone?,
        settings,
        short_of_quorum: short_of_quorum?,
        mail,
    };
    validate_settings(&t, &group, cx.formats, out);
    (out.len() == before).then_some(group)
}

/// `format`: a name the formats know (built-in or a plugin).
fn format_name(t: &Table<'_, '_>, formats: &Formats, out: &mut Out) -> Option<String> {
    let v = t.required("format", "format = \"check-in\"", out)?;
    let s = string(t.src, v, out)?;
    if formats.get(&s).is_none() {
        let names: Vec<&str> = formats.names().collect();
        let hint = did_you_mean(closest(&s, names.iter().copied()))
            .unwrap_or_else(|| format!("known formats: {}", names.join(", ")));
        out.push(
            t.src
                .error(v.span(), format!("unknown format \"{s}\""), Some(hint)),
        );
        return None;
    }
    Some(s)
}

/// `cadence`, weekly when absent.
fn cadence_value(t: &Table<'_, '_>, out: &mut Out) -> Option<Cadence> {
    let Some(v) = t.get("cadence") else {
        return Some(Cadence::Weekly);
    };
    let s = string(t.src, v, out)?;
    match cadence(&s) {
        Ok(c) => Some(c),
        Err(e) => {
            out.push(t.src.error(
                v.span(),
                e.to_string(),
                Some("e.g. cadence = \"every 2 weeks\"".to_string()),
            ));
            None
        }
    }
}

/// `window`, the whole day when absent; a session of `duration` minutes
/// must fit in it.
fn window(t: &Table<'_, '_>, duration: Option<i64>, out: &mut Out) -> Option<(Time, Time)> {
    let window = match t.get("window") {
        Some(v) => span_value(t.src, v, out),
        None => Some((Time::MIN, END_OF_DAY)),
    };
    if let (Some(w), Some(d), Some(v)) = (window, duration, t.get("duration_minutes"))
        && d > span_minutes(w)
    {
        out.push(t.src.error(
            v.span(),
            format!(
                "a {d}-minute session cannot fit in the window {} ({} minutes)",
                show_span(w),
                span_minutes(w)
            ),
            Some("shorten duration_minutes or widen window".to_string()),
        ));
    }
    window
}

/// `preferred_days`: a subset of the group's `days` (none when absent).
fn preferred_days(
    t: &Table<'_, '_>,
    days: Option<&[Weekday]>,
    out: &mut Out,
) -> Option<Vec<Weekday>> {
    let Some(v) = t.get("preferred_days") else {
        return Some(Vec::new());
    };
    let list = weekdays(t.src, v, out)?;
    if let Some(allowed) = days
        && let Some(day) = list.iter().find(|d| !allowed.contains(d))
    {
        out.push(t.src.error(
            v.span(),
            format!(
                "preferred day \"{}\" is not one of the group's days",
                &format!("{day:?}").to_lowercase()[..3]
            ),
            Some("preferred_days must be a subset of days".to_string()),
        ));
    }
    Some(list)
}

/// `video_url`: kept even when it is not an http(s) link (which is reported).
fn video_url(t: &Table<'_, '_>, out: &mut Out) -> Option<String> {
    let v = t.get("video_url")?;
    let s = string(t.src, v, out)?;
    if !is_http_url(&s) {
        out.push(t.src.error(
            v.span(),
            format!("expected an http:// or https:// link, found \"{s}\""),
            Some("e.g. video_url = \"https://meet.example/abc\"".to_string()),
        ));
    }
    Some(s)
}

fn short_of_quorum(t: &Table<'_, '_>, out: &mut Out) -> Option<ShortOfQuorum> {
    let Some(v) = t.get("short_of_quorum") else {
        return Some(ShortOfQuorum::Move);
    };
    match string(t.src, v, out)?.as_str() {
        "move" => Some(ShortOfQuorum::Move),
        "skip" => Some(ShortOfQuorum::Skip),
        other => {
            out.push(t.src.error(
                v.span(),
                format!("expected \"move\" or \"skip\", found \"{other}\""),
                Some(
                    "\"move\": hold a short occurrence at another time in its week; \"skip\": leave it out"
                        .to_string(),
                ),
            ));
            None
        }
    }
}

fn group_id(t: &Table<'_, '_>, stem: &str, out: &mut Out) -> Option<String> {
    let src = t.src;
    if let Some(v) = t.get("id") {
        let s = string(src, v, out)?;
        if s != stem {
            out.push(src.error(
                v.span(),
                format!("group id \"{s}\" does not match the file name \"{stem}.toml\""),
                Some(format!(
                    "rename the file to {s}.toml, or remove `id` (it defaults to the file name)"
                )),
            ));
            return None;
        }
        return check_id(src, "group id", &s, v.span(), out).then_some(s);
    }
    if !super::values::is_id(stem) {
        out.push(super::source::file_error(
            &src.name,
            format!("the file name \"{stem}\" is not a valid group id"),
            Some("use lowercase letters, digits, `-` and `_`, e.g. morning-walk.toml".to_string()),
        ));
        return None;
    }
    Some(stem.to_string())
}

fn members(t: &Table<'_, '_>, people: &People, out: &mut Out) -> Option<Vec<String>> {
    let src = t.src;
    let v = t.required("members", "members = [\"amara\", \"tag:clinician\"]", out)?;
    let a = array(
        src,
        v,
        "an array of person ids and \"tag:<tag>\" entries",
        out,
    )?;
    let before = out.len();
    let mut list: Vec<String> = Vec::new();
    for e in a.iter() {
        let Some(s) = string(src, e, out) else {
            continue;
        };
        let found: Vec<String> = match s.strip_prefix("tag:") {
            Some(tag) => {
                let tagged: Vec<String> = people
                    .tags
                    .iter()
                    .filter(|(_, tags)| tags.iter().any(|x| x == tag))
                    .map(|(id, _)| id.clone())
                    .collect();
                if tagged.is_empty() && people.complete {
                    // Only on the error path: every tag of every person.
                    let all_tags: BTreeSet<&str> =
                        people.tags.values().flatten().map(String::as_str).collect();
                    let hint = did_you_mean(
                        closest(tag, all_tags.iter().copied())
                            .map(|t| format!("tag:{t}"))
                            .as_deref(),
                    );
                    out.push(src.error(e.span(), format!("no person has the tag \"{tag}\""), hint));
                }
                tagged
            }
            None if people.tags.contains_key(&s) => vec![s],
            None => {
                if people.complete {
                    let hint = did_you_mean(closest(&s, people.tags.keys().map(String::as_str)))
                        .or_else(|| {
                            Some(
                                "members are person ids from the people file(s), or \"tag:<tag>\""
                                    .to_string(),
                            )
                        });
                    out.push(src.error(e.span(), format!("unknown person id \"{s}\""), hint));
                }
                Vec::new()
            }
        };
        for id in found {
            if !list.contains(&id) {
                list.push(id);
            }
        }
    }
    if out.len() != before || !people.complete {
        return None;
    }
    if list.len() < 2 {
        out.push(src.error(
            v.span(),
            format!("a group needs at least 2 members, found {}", list.len()),
            Some("peer support needs peers: add members or a tag".to_string()),
        ));
        return None;
    }
    Some(list)
}

fn preferred(
    t: &Table<'_, '_>,
    window: Option<(Time, Time)>,
    out: &mut Out,
) -> Option<Vec<(Time, Time)>> {
    let Some(v) = t.get("preferred") else {
        return Some(Vec::new());
    };
    let a = array(t.src, v, "an array of time spans", out)?;
    let mut spans = Vec::new();
    let before = out.len();
    for e in a.iter() {
        let Some(span) = span_value(t.src, e, out) else {
            continue;
        };
        if let Some(w) = window
            && (span.1 <= w.0 || w.1 <= span.0)
        {
            out.push(t.src.error(
                e.span(),
                format!(
                    "preferred time {} lies outside the window {}",
                    show_span(span),
                    show_span(w)
                ),
                Some("preferred times must overlap the group's window".to_string()),
            ));
        }
        spans.push(span);
    }
    (out.len() == before).then_some(spans)
}

fn quorum(t: &Table<'_, '_>, members: Option<i64>, out: &mut Out) -> Option<u32> {
    let Some(v) = t.get("quorum") else {
        return members.map(|n| (n / 2 + 1).max(2) as u32);
    };
    let q = super::walk::integer(t.src, v, 2..=i64::from(u32::MAX), out)?;
    if let Some(n) = members
        && q > n
    {
        out.push(t.src.error(
            v.span(),
            format!("quorum {q} is more than the group's {n} members"),
            Some(format!("set quorum to at most {n}, or add members")),
        ));
        return None;
    }
    Some(q as u32)
}

fn required_roles(
    t: &Table<'_, '_>,
    members: Option<&[String]>,
    people: &People,
    out: &mut Out,
) -> Option<Vec<RequiredRole>> {
    let Some(v) = t.get("required_roles") else {
        return Some(Vec::new());
    };
    let src = t.src;
    let a = array(
        src,
        v,
        "an array of tags or { tag = \"...\", min = N } tables",
        out,
    )?;
    let before = out.len();
    let mut roles = Vec::new();
    for e in a.iter() {
        let (tag, min, at): (String, i64, Range<usize>) = match e.get_ref() {
            DeValue::String(s) => (s.to_string(), 1, e.span()),
            DeValue::Table(rt) => {
                let r = Table::new(src, rt, e.span(), "the required role", &["tag", "min"], out);
                let Some(tv) = r.required("tag", "tag = \"supervisor\"", out) else {
                    continue;
                };
                let Some(tag) = string(src, tv, out) else {
                    continue;
                };
                let Some(min) = r
                    .get("min")
                    .map_or(Some(1), |m| super::walk::integer(src, m, 1..=100, out))
                else {
                    continue;
                };
                (tag, min, tv.span())
            }
            _ => {
                type_error(
                    src,
                    e,
                    "a tag or a table { tag = \"...\", min = N }",
                    None,
                    out,
                );
                continue;
            }
        };
        if let Some(members) = members {
            let carriers = members
                .iter()
                .filter(|m| people.tags.get(*m).is_some_and(|tags| tags.contains(&tag)))
                .count() as i64;
            if carriers < min {
                let all_tags: BTreeSet<&str> =
                    people.tags.values().flatten().map(String::as_str).collect();
                let message = if carriers == 0 {
                    format!("required role \"{tag}\": no member of this group has that tag")
                } else {
                    format!(
                        "required role \"{tag}\" needs {min} members with that tag, but the group has {carriers}"
                    )
                };
                let hint = did_you_mean(closest(&tag, all_tags.iter().copied())).or_else(|| {
                    Some(format!(
                        "add a member tagged \"{tag}\" (e.g. members = [..., \"tag:{tag}\"])"
                    ))
                });
                out.push(src.error(at, message, hint));
            }
        }
        roles.push(RequiredRole {
            tag,
            min: min as u32,
        });
    }
    (out.len() == before).then_some(roles)
}
