//! An invitation is the member's feed event with ORGANIZER and one
//! ATTENDEE, under the feed's UID and SEQUENCE.

use super::*;
use crate::feeds::tests::{opts, org, plan, unfolded};
use crate::feeds::{member_feed, session_uid};

/// The VEVENT block of `text` whose UID is `uid`.
fn event<'a>(text: &'a str, uid: &str) -> &'a str {
    let at = text.find(&format!("UID:{uid}\r\n")).expect("the event");
    let begin = text[..at].rfind("BEGIN:VEVENT").unwrap();
    let end = at + text[at..].find("END:VEVENT").unwrap();
    &text[begin..end]
}

fn lines<'a>(block: &'a str, name: &str) -> Vec<&'a str> {
    block
        .split("\r\n")
        .filter(|l| l.starts_with(name) && l[name.len()..].starts_with([':', ';']))
        .collect()
}

#[test]
fn a_request_is_the_member_feed_event_with_organizer_and_one_attendee() {
    let org = org();
    let plan = plan();
    let ana = &org.people["ana"];
    let session = &plan.sessions[0];
    let group = &org.groups[0];
    let invite = Invite {
        organizer_name: "Riverbend, wellness",
        organizer: "wellness@riverbend.example",
        attendee: ana,
        cancel: false,
        description: invitation_text(&org, group, session, ana, None),
    };
    let cal = unfolded(&invitation(&org, group, session, &invite, &opts()));
    assert!(cal.starts_with("BEGIN:VCALENDAR\r\nVERSION:2.0\r\n"));
    assert!(cal.contains("\r\nMETHOD:REQUEST\r\n"));
    assert!(cal.contains("BEGIN:VTIMEZONE\r\nTZID:America/New_York\r\n"));
    assert_eq!(cal.matches("BEGIN:VEVENT").count(), 1);
    let uid = session_uid(&org, session);
    let mine = event(&cal, &uid);
    assert_eq!(
        lines(mine, "ORGANIZER"),
        ["ORGANIZER;CN=\"Riverbend, wellness\":mailto:wellness@riverbend.example"]
    );
    let attendees = lines(mine, "ATTENDEE");
    assert_eq!(attendees.len(), 1);
    assert!(attendees[0].ends_with(":mailto:ana.private@clinic.example"));
    assert!(!cal.contains("bo.private@"));
    assert_eq!(lines(mine, "STATUS"), ["STATUS:CONFIRMED"]);

    // Everything else is the member feed's event, line for line.
    let feed = unfolded(&member_feed(&org, ana, &plan, &opts()));
    let theirs = event(&feed, &uid);
    let without_parties: Vec<&str> = mine
        .split("\r\n")
        .filter(|l| !l.starts_with("ORGANIZER") && !l.starts_with("ATTENDEE"))
        .collect();
    assert_eq!(without_parties, theirs.split("\r\n").collect::<Vec<_>>());
}

#[test]
fn a_cancel_is_cancelled_with_the_sequence_given_and_a_note_is_appended() {
    let org = org();
    let plan = plan();
    let ana = &org.people["ana"];
    let session = &plan.sessions[2];
    let group = &org.groups[0];
    let text = invitation_text(
        &org,
        group,
        session,
        ana,
        Some("Can't come? https://x.example/a"),
    );
    assert!(
        text.ends_with("\n\nCan't come? https://x.example/a"),
        "{text}"
    );
    let invite = Invite {
        organizer_name: "Riverbend",
        organizer: "wellness@riverbend.example",
        attendee: ana,
        cancel: true,
        description: NO_LONGER_EXPECTED.to_string(),
    };
    let cal = unfolded(&invitation(&org, group, session, &invite, &opts()));
    assert!(cal.contains("\r\nMETHOD:CANCEL\r\n"));
    let mine = event(&cal, &session_uid(&org, session));
    assert_eq!(lines(mine, "STATUS"), ["STATUS:CANCELLED"]);
    assert_eq!(lines(mine, "SEQUENCE"), ["SEQUENCE:3"]);
    assert!(mine.contains(&format!("DESCRIPTION:{NO_LONGER_EXPECTED}")));
    assert!(!mine.contains("Check-in round"));
}
