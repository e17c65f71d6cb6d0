//! One VEVENT per session.

use std::collections::BTreeMap;

use jiff::Timestamp;

use super::FeedOptions;
use super::describe::{Audience, description, has_email, withhold_emails};
use super::invite::Invite;
use super::vtimezone::{is_utc, tzid_param};
use super::writer::{Writer, local_stamp, uri_value, utc_stamp};
use crate::model::{Group, Interval, Organization, Zone};
use crate::schedule::Session;

/// The SUMMARY used for groups with `neutral_title`.
pub const NEUTRAL_TITLE: &str = "Protected time";

/// The span each zone's times cover in a feed, by zone name, so the
/// VTIMEZONEs can cover it.
pub type ZoneSpans = BTreeMap<String, (Zone, Interval)>;

/// The organization's name as a UID domain label: lowercase ASCII letters
/// and digits, every other run of characters one `-`.
pub fn slug(name: &str) -> String {
    let mut out = String::new();
    let mut dash = false;
    for c in name.chars() {
        if c.is_ascii_alphanumeric() {
            if dash && !out.is_empty() {
                out.push('-');
            }
            dash = false;
            out.push(c.to_ascii_lowercase());
        } else {
            dash = true;
        }
    }
    if out.is_empty() {
        out.push_str("organization");
    }
    out
}

/// Writes the VEVENT of `session`, and records in `zones` each zone whose
/// TZID it used.
pub fn write_event(
    w: &mut Writer,
    org: &Organization,
    group: &Group,
    session: &Session,
    audience: Audience<'_>,
    opts: &FeedOptions,
    zones: &mut ZoneSpans,
) {
    let of = EventOf {
        org,
        group,
        session,
    };
    write_event_as(w, of, audience, opts, zones, None);
}

/// The session an event is written for, with its group and organization.
#[derive(Debug, Clone, Copy)]
pub struct EventOf<'a> {
    /// The organization (its name makes the UID).
    pub org: &'a Organization,
    /// The session's group.
    pub group: &'a Group,
    /// The session.
    pub session: &'a Session,
}

/// [`write_event`], as the VEVENT of an invitation when `invite` is given:
/// its DESCRIPTION and STATUS, then ORGANIZER and the one ATTENDEE.
pub fn write_event_as(
    w: &mut Writer,
    of: EventOf<'_>,
    audience: Audience<'_>,
    opts: &FeedOptions,
    zones: &mut ZoneSpans,
    invite: Option<&Invite<'_>>,
) {
    let EventOf {
        org,
        group,
        session,
    } = of;
    let shared = matches!(audience, Audience::Group);
    let clean = |text: &str| {
        if shared {
            withhold_emails(text)
        } else {
            text.to_string()
        }
    };
    w.begin("VEVENT");
    w.text("UID", &super::session_uid(org, session));
    let key = (session.group.clone(), session.index);
    let stamp = opts.revised.get(&key).copied().unwrap_or(opts.dtstamp);
    w.raw("DTSTAMP", &[], &utc_stamp(stamp));
    let sequence = opts.sequence.get(&key).copied().unwrap_or(0);
    w.raw("SEQUENCE", &[], &sequence.to_string());
    let zone = &group.zone;
    let local = !is_utc(zone) && reads_back(zone, session.start) && reads_back(zone, session.end);
    if local {
        write_local(w, "DTSTART", zone, session.start, zones);
        write_local(w, "DTEND", zone, session.end, zones);
    } else {
        w.raw("DTSTART", &[], &utc_stamp(session.start));
        w.raw("DTEND", &[], &utc_stamp(session.end));
    }
    let summary = if group.neutral_title {
        NEUTRAL_TITLE.to_string()
    } else {
        clean(&session.plan.title)
    };
    w.text("SUMMARY", &summary);
    if let Some(loc) = group.location.as_deref().filter(|l| !l.trim().is_empty()) {
        w.text("LOCATION", &clean(loc.trim()));
    }
    let url = group.video_url.as_deref().map(str::trim);
    if let Some(url) = url.filter(|u| !(u.is_empty() || shared && has_email(u))) {
        w.raw("URL", &[], &uri_value(url));
    }
    if group.neutral_title {
        w.raw("CLASS", &[], "PRIVATE");
    }
    let cancelled = invite.map_or(opts.cancelled.contains(&key), |i| i.cancel);
    w.raw(
        "STATUS",
        &[],
        if cancelled { "CANCELLED" } else { "CONFIRMED" },
    );
    w.raw("TRANSP", &[], "OPAQUE");
    let text = match invite {
        Some(i) => i.description.clone(),
        None => clean(&description(org, group, session, audience)),
    };
    w.text("DESCRIPTION", &text);
    if let Some(i) = invite {
        i.write_parties(w);
    }
    w.end("VEVENT");
}

/// True when `ts` written as local time in `zone` reads back as `ts`. It
/// does not on the second pass through a fall-back hour (01:30 happens
/// twice and a TZID names the first), so such sessions are written in UTC
/// form, both ends alike: some readers mishandle a UTC start with a local
/// end.
fn reads_back(zone: &Zone, ts: Timestamp) -> bool {
    let dt = zone.tz.to_datetime(ts);
    zone.tz.to_ambiguous_timestamp(dt).earlier().ok() == Some(ts)
}

/// Writes a DATE-TIME property in `zone`'s local time with a TZID, and
/// records the instant so the zone's VTIMEZONE covers it.
fn write_local(w: &mut Writer, name: &str, zone: &Zone, ts: Timestamp, zones: &mut ZoneSpans) {
    let dt = zone.tz.to_datetime(ts);
    w.raw(name, &[("TZID", tzid_param(zone))], &local_stamp(dt));
    zones
        .entry(zone.name.clone())
        .and_modify(|(_, span)| {
            span.start = span.start.min(ts);
            span.end = span.end.max(ts);
        })
        .or_insert_with(|| (zone.clone(), Interval::new(ts, ts)));
}

#[cfg(test)]
mod tests;
