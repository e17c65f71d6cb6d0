//! iTIP invitations (RFC 5546) of one session to one member.
//!
//! An invitation is the member's own feed event — the same UID, SEQUENCE,
//! DTSTAMP, times, title, place and text — in a VCALENDAR with
//! `METHOD:REQUEST` (a new or changed session) or `METHOD:CANCEL` (a
//! session dropped, or no longer the member's), with the VTIMEZONE its
//! times use, the configured sender as ORGANIZER and the member as the
//! only ATTENDEE. Because the UID is the feed's, a calendar that holds a
//! member's feed and their invitations keeps one event per session.
//!
//! Privacy: it carries what the member's feed carries and nothing else —
//! no colleague's address, no text of an input calendar.

use super::describe::{Audience, description};
use super::event::{EventOf, ZoneSpans, write_event_as};
use super::writer::{Writer, param_value};
use super::{FeedOptions, PRODID, write_zones};
use crate::model::{Group, Organization, Person};
use crate::schedule::Session;

/// What an invitation asks of the member's calendar.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Method {
    /// Add the session, or replace it with this newer version.
    Request,
    /// Remove the session.
    Cancel,
}

impl Method {
    /// The METHOD value.
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Request => "REQUEST",
            Method::Cancel => "CANCEL",
        }
    }
}

/// The text of a cancellation sent to a member who is no longer expected
/// at a session that still takes place: it names nobody else.
pub const NO_LONGER_EXPECTED: &str =
    "You are no longer expected at this session. It has been removed from your calendar.";

/// The parts of a VEVENT that make it an invitation.
#[derive(Debug, Clone)]
pub struct Invite<'a> {
    /// The sender's display name (`[mail] from_name`).
    pub organizer_name: &'a str,
    /// The sender's address (`[mail] from`): ORGANIZER.
    pub organizer: &'a str,
    /// The recipient, the one ATTENDEE.
    pub attendee: &'a Person,
    /// `METHOD:CANCEL`: the event is written `STATUS:CANCELLED`.
    pub cancel: bool,
    /// The DESCRIPTION (see [`invitation_text`]).
    pub description: String,
}

impl Invite<'_> {
    /// ORGANIZER and the one ATTENDEE. Replies are not read: RSVP=FALSE.
    pub(super) fn write_parties(&self, w: &mut Writer) {
        w.raw(
            "ORGANIZER",
            &[("CN", param_value(self.organizer_name))],
            &format!("mailto:{}", self.organizer),
        );
        w.raw(
            "ATTENDEE",
            &[
                ("CN", param_value(self.attendee.name.trim())),
                ("CUTYPE", "INDIVIDUAL".to_string()),
                ("ROLE", "REQ-PARTICIPANT".to_string()),
                ("PARTSTAT", "NEEDS-ACTION".to_string()),
                ("RSVP", "FALSE".to_string()),
            ],
            &format!("mailto:{}", self.attendee.email),
        );
    }
}

/// The text of `person`'s invitation to `session`: the DESCRIPTION of the
/// session in their own feed (agenda in their zone, their role, partners,
/// notes, charter, escalation contacts, where to meet), then `note` (lines
/// every invitation adds, such as a link) after a blank line. The same
/// text is the message's plain-text part.
pub fn invitation_text(
    org: &Organization,
    group: &Group,
    session: &Session,
    person: &Person,
    note: Option<&str>,
) -> String {
    let mut text = description(org, group, session, Audience::Member(person));
    if let Some(note) = note.map(str::trim).filter(|n| !n.is_empty()) {
        text.push_str("\n\n");
        text.push_str(note);
    }
    text
}

/// The VCALENDAR of one invitation: `invite`'s method for `session` of
/// `group`, with the SEQUENCE and DTSTAMP `opts` give it.
pub fn invitation(
    org: &Organization,
    group: &Group,
    session: &Session,
    invite: &Invite<'_>,
    opts: &FeedOptions,
) -> String {
    let method = if invite.cancel {
        Method::Cancel
    } else {
        Method::Request
    };
    let mut zones = ZoneSpans::new();
    let mut event = Writer::new();
    let audience = Audience::Member(invite.attendee);
    let of = EventOf {
        org,
        group,
        session,
    };
    write_event_as(&mut event, of, audience, opts, &mut zones, Some(invite));
    let mut w = Writer::new();
    w.begin("VCALENDAR");
    w.raw("VERSION", &[], "2.0");
    w.text("PRODID", PRODID);
    w.raw("CALSCALE", &[], "GREGORIAN");
    w.raw("METHOD", &[], method.as_str());
    write_zones(&mut w, &zones);
    let mut out = w.finish();
    out.push_str(&event.finish());
    let mut w = Writer::new();
    w.end("VCALENDAR");
    out.push_str(&w.finish());
    out
}

#[cfg(test)]
mod tests;
