//! The people file (or each file of the people folder).

use std::collections::BTreeMap;

use toml::de::{DeTable, DeValue};

use super::source::SourceFile;
use super::values::{HOURS_KEYS, check_id, is_email, span_value, weekdays, working_hours, zone};
use super::walk::{Out, Table, Val, array, string, text, type_error};
use peerwell_core::model::{CalendarSource, ClientBlock, ClientFacing, Org, Person};

const PERSON_KEYS: &[&str] = &[
    "id",
    "name",
    "email",
    "time_zone",
    "tags",
    "site",
    "start_date",
    "buffer_minutes",
    "calendars",
    "working_hours",
    "client_block",
    "weekly_cap_minutes",
    "reminders",
    "quiet_hours",
    "delivery",
];

const BLOCK_KEYS: &[&str] = &["days", "time", "from", "until", "every_weeks"];

/// Everyone read so far, by id, with where each was first defined.
#[derive(Default)]
pub(crate) struct People {
    pub by_id: BTreeMap<String, Person>,
    /// `file:line:column` of each id's definition.
    pub defined_at: BTreeMap<String, String>,
    /// Tags of every person with a valid id, even one with other errors, so
    /// that groups naming them do not get follow-on errors.
    pub tags: BTreeMap<String, Vec<String>>,
    /// False when some people file could not be read, so references to
    /// unknown people are not reported (they may be in the broken file).
    pub complete: bool,
}

/// Reads one people file's root table into `people`.
pub(crate) fn read(
    src: &SourceFile,
    root: &DeTable<'_>,
    org: &Org,
    people: &mut People,
    out: &mut Out,
) {
    let t = Table::new(
        src,
        root,
        0..0,
        "the people file",
        &["version", "person"],
        out,
    );
    t.version(out);
    let Some(v) = t.get("person") else {
        return;
    };
    let entries: Vec<&Val<'_>> = match v.get_ref() {
        DeValue::Array(a) if a.iter().all(|e| e.get_ref().is_table()) => a.iter().collect(),
        _ => {
            type_error(
                src,
                v,
                "an array of tables",
                Some("start each person with a `[[person]]` header".to_string()),
                out,
            );
            people.complete = false;
            return;
        }
    };
    for entry in entries {
        let Some(p) = t.as_table(entry, "[[person]]", PERSON_KEYS, out) else {
            continue;
        };
        let (id, tags, person) = person(&p, org, out);
        let (Some(id), Some(v)) = (id, p.get("id")) else {
            // Groups may name this person; without a valid id, their
            // references are not reported as unknown.
            people.complete = false;
            continue;
        };
        if let Some(first) = people.defined_at.get(&id) {
            out.push(src.error(
                v.span(),
                format!("duplicate person id \"{id}\""),
                Some(format!(
                    "first defined at {first}; ids must be unique across all people files"
                )),
            ));
            continue;
        }
        people
            .defined_at
            .insert(id.clone(), src.position(&v.span()));
        people.tags.insert(id.clone(), tags);
        if let Some(person) = person {
            people.by_id.insert(id, person);
        }
    }
}

/// One `[[person]]` table: its id and tags when valid, and the person when
/// nothing in it is invalid.
fn person(
    p: &Table<'_, '_>,
    org: &Org,
    out: &mut Out,
) -> (Option<String>, Vec<String>, Option<Person>) {
    let src = p.src;
    let before = out.len();
    let id = p
        .required("id", "id = \"amara\"", out)
        .and_then(|v| string(src, v, out).filter(|s| check_id(src, "person id", s, v.span(), out)));
    let name = p.required_text("name", "name = \"Amara Okafor\"", out);
    let email = email(p, out);
    let zone = match p.get("time_zone") {
        Some(v) => zone(src, v, out),
        None => Some(org.zone.clone()),
    };
    let tags = tags(p, out);
    let site = p.get("site").and_then(|v| text(src, v, out));
    let start_date = p.date("start_date", out);
    let buffer_minutes = p
        .integer("buffer_minutes", 0..=240, out)
        .map_or(org.buffer_minutes, |n| n as u32);
    let weekly_cap_minutes = p
        .integer("weekly_cap_minutes", super::org::CAP_RANGE, out)
        .map(|n| n as u32)
        .or(org.weekly_cap_minutes);
    let calendars = match p.get("calendars") {
        Some(v) => calendars(src, v, org, out),
        None => Vec::new(),
    };
    let hours = match p.table("working_hours", &HOURS_KEYS, out) {
        Some(h) => working_hours(&h, out),
        None => Some(org.working_hours.clone()),
    };
    let client_blocks = client_blocks(p, out);
    let mail = super::mail::read_person(p, out);
    let valid = out.len() == before;
    let person = (|| {
        Some(Person {
            id: id.clone()?,
            name: name?,
            email: email?,
            zone: zone?,
            working_hours: hours?,
            tags: tags.clone(),
            site,
            start_date,
            calendars,
            client_blocks,
            buffer_minutes,
            weekly_cap_minutes,
            mail,
        })
    })()
    .filter(|_| valid);
    (id, tags, person)
}

/// `email`: kept even when it does not look like an address (which is
/// reported).
fn email(p: &Table<'_, '_>, out: &mut Out) -> Option<String> {
    let v = p.required("email", "email = \"amara@example.org\"", out)?;
    let s = string(p.src, v, out)?;
    if !is_email(&s) {
        out.push(p.src.error(
            v.span(),
            format!("expected an email address like name@example.org, found \"{s}\""),
            None,
        ));
    }
    Some(s)
}

/// `tags`: the valid ones, sorted, without repeats.
fn tags(p: &Table<'_, '_>, out: &mut Out) -> Vec<String> {
    let mut tags = Vec::new();
    if let Some(v) = p.get("tags")
        && let Some(a) = array(p.src, v, "an array of strings", out)
    {
        for e in a.iter() {
            if let Some(s) = string(p.src, e, out)
                && check_id(p.src, "tag", &s, e.span(), out)
            {
                tags.push(s);
            }
        }
    }
    tags.sort();
    tags.dedup();
    tags
}

/// Every `[[person.client_block]]`.
fn client_blocks(p: &Table<'_, '_>, out: &mut Out) -> Vec<ClientBlock> {
    let mut client_blocks = Vec::new();
    let Some(v) = p.get("client_block") else {
        return client_blocks;
    };
    match v.get_ref() {
        DeValue::Array(a) if a.iter().all(|e| e.get_ref().is_table()) => {
            for e in a.iter() {
                if let Some(b) = p.as_table(e, "[[person.client_block]]", BLOCK_KEYS, out) {
                    client_blocks.extend(block(&b, out));
                }
            }
        }
        _ => type_error(
            p.src,
            v,
            "an array of tables",
            Some("write each block under a `[[person.client_block]]` header".to_string()),
            out,
        ),
    }
    client_blocks
}

fn calendars(src: &SourceFile, v: &Val<'_>, org: &Org, out: &mut Out) -> Vec<CalendarSource> {
    let Some(a) = array(src, v, "an array of calendar paths or tables", out) else {
        return Vec::new();
    };
    let mut list = Vec::new();
    for e in a.iter() {
        let (label, client_facing) = match e.get_ref() {
            DeValue::String(s) => (s.to_string(), org.client_facing.clone()),
            DeValue::Table(t) => {
                let t = Table::new(
                    src,
                    t,
                    e.span(),
                    "the calendar table",
                    &["path", "url", "client_facing"],
                    out,
                );
                let label = match (t.get("url"), t.get("path")) {
                    (Some(v), None) => match text(src, v, out) {
                        Some(u) if is_url(&u) => u,
                        Some(u) => {
                            out.push(src.error(
                                v.span(),
                                format!("expected an http:// or https:// URL, found \"{u}\""),
                                Some("a file goes under `path`".to_string()),
                            ));
                            continue;
                        }
                        None => continue,
                    },
                    (Some(_), Some(p)) => {
                        out.push(src.error(
                            p.span(),
                            "a calendar has either `path` or `url`, not both",
                            Some("keep the one the calendar is read from".to_string()),
                        ));
                        continue;
                    }
                    (None, _) => {
                        match t.required_text("path", "path = \"calendars/amara.ics\"", out) {
                            Some(p) => p,
                            None => continue,
                        }
                    }
                };
                let Some(cf) = calendar_mode(&t, org, out) else {
                    continue;
                };
                (label, cf)
            }
            _ => {
                type_error(
                    src,
                    e,
                    "a path string or a table { path = \"...\", client_facing = \"...\" }",
                    None,
                    out,
                );
                continue;
            }
        };
        let url = is_url(&label).then(|| label.clone());
        list.push(CalendarSource {
            path: match url {
                Some(_) => std::path::PathBuf::new(),
                None => src.resolve(&label),
            },
            url,
            label,
            client_facing,
        });
    }
    list
}

/// Whether a calendar source is fetched over HTTP rather than read from a
/// file.
fn is_url(s: &str) -> bool {
    s.starts_with("https://") || s.starts_with("http://")
}

fn calendar_mode(t: &Table<'_, '_>, org: &Org, out: &mut Out) -> Option<ClientFacing> {
    let Some(v) = t.get("client_facing") else {
        return Some(org.client_facing.clone());
    };
    match string(t.src, v, out)?.as_str() {
        "all" => Some(ClientFacing::All),
        "none" => Some(ClientFacing::None),
        "rules" => match &org.client_facing {
            ClientFacing::Matching { .. } => Some(org.client_facing.clone()),
            _ => {
                out.push(t.src.error(
                    v.span(),
                    "client_facing = \"rules\" needs matching rules, but peerwell.toml has none",
                    Some("set [client_facing] mode = \"matching\" with categories or summary_contains in peerwell.toml".to_string()),
                ));
                None
            }
        },
        other => {
            out.push(t.src.error(
                v.span(),
                format!("expected \"all\", \"none\" or \"rules\", found \"{other}\""),
                None,
            ));
            None
        }
    }
}

fn block(b: &Table<'_, '_>, out: &mut Out) -> Option<ClientBlock> {
    let before = out.len();
    let days = b
        .required("days", "days = [\"tue\", \"thu\"]", out)
        .and_then(|v| weekdays(b.src, v, out));
    let time = b
        .required("time", "time = \"09:00-12:00\"", out)
        .and_then(|v| span_value(b.src, v, out));
    let from = b.date("from", out);
    let until = b.date("until", out);
    let every_weeks = b
        .integer("every_weeks", 1..=52, out)
        .map_or(1, |n| n as u32);
    if let (Some(f), Some(u), Some(v)) = (from, until, b.get("until"))
        && u < f
    {
        out.push(b.src.error(
            v.span(),
            format!("`until` ({u}) is before `from` ({f})"),
            None,
        ));
    }
    if every_weeks > 1
        && from.is_none()
        && let Some(v) = b.get("every_weeks")
    {
        out.push(b.src.error(
            v.span(),
            format!("every_weeks = {every_weeks} needs a `from` date to count the weeks from"),
            Some("add e.g. `from = 2026-01-05` (a week the block happens)".to_string()),
        ));
    }
    if out.len() != before {
        return None;
    }
    let (start, end) = time?;
    Some(ClientBlock {
        days: days?,
        start,
        end,
        from,
        until,
        every_weeks,
    })
}
