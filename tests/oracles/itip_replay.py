#!/usr/bin/env python3
"""Reads iTIP invitations (iMIP .eml files, RFC 6047) in the order given,
checks their shape with Python's email package and icalendar, and replays
them into one calendar per recipient by RFC 5546's rules.

Usage: itip_replay.py FILE...

Prints ONE line of JSON: {"messages": [...], "calendars": {...}}.

Each message (in the order given): file, to, from, subject, text (the plain
part), method, uid, sequence, start and end (UTC, "YYYY-MM-DDTHH:MM:SSZ"),
status, summary, description, location, organizer, attendees (the mailto
addresses), tzids (of the VTIMEZONEs), and ics (the path the calendar part
was written to, FILE + ".ics", for the ical.js twin). A message that is not
an invitation of the expected shape is an error (exit status 1):

- multipart/mixed holding multipart/alternative (text/plain and
  text/calendar; method=M) and the same calendar attached (application/ics);
- METHOD in the calendar equal to the Content-Type's method, REQUEST or
  CANCEL; exactly one VEVENT; every TZID it uses has a VTIMEZONE;
- a CANCEL's event is STATUS:CANCELLED.

The reducer (RFC 5546 sections 2.1.4, 2.1.5, 3.2.2, 3.2.5), per recipient and
UID (peerwell sends no RECURRENCE-ID): a REQUEST for a UID not held, or with
a higher SEQUENCE than the one held, replaces it; a CANCEL with a SEQUENCE at
least the held one removes the event (and is remembered, so an older REQUEST
arriving later is ignored); anything else is ignored. "calendars" maps each
recipient to {uid: {sequence, start, end, summary}} of the events it holds.
"""

import email
import email.policy
import json
import sys
from datetime import timezone

import icalendar


def fail(path, why):
    sys.stderr.write(f"{path}: {why}\n")
    sys.exit(1)


def utc(value):
    return value.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def address(value):
    text = str(value)
    return text[7:].lower() if text.lower().startswith("mailto:") else text.lower()


def parts(path, msg):
    if msg.get_content_type() != "multipart/mixed":
        fail(path, f"expected multipart/mixed, found {msg.get_content_type()}")
    inline, attached, text = None, None, None
    for part in msg.walk():
        ctype = part.get_content_type()
        if ctype == "text/plain" and text is None:
            text = part.get_content()
        elif ctype == "text/calendar":
            inline = part
        elif ctype == "application/ics":
            attached = part
    if inline is None or attached is None or text is None:
        fail(path, "missing the text, the inline calendar or the attached one")
    raw = inline.get_payload(decode=True)
    if attached.get_payload(decode=True) != raw:
        fail(path, "the attached calendar differs from the inline one")
    return inline.get_param("method"), raw, text


def message(path):
    with open(path, "rb") as f:
        msg = email.message_from_binary_file(f, policy=email.policy.default)
    method_param, raw, text = parts(path, msg)
    with open(path + ".ics", "wb") as f:
        f.write(raw)
    cal = icalendar.Calendar.from_ical(raw)
    method = str(cal.get("METHOD"))
    if method != method_param or method not in ("REQUEST", "CANCEL"):
        fail(path, f"METHOD {method} with Content-Type method={method_param}")
    events = cal.walk("VEVENT")
    if len(events) != 1:
        fail(path, f"{len(events)} VEVENTs")
    ev = events[0]
    tzids = sorted(str(z.get("TZID")) for z in cal.walk("VTIMEZONE"))
    for name in ("DTSTART", "DTEND"):
        tzid = ev.get(name).params.get("TZID")
        if tzid is not None and tzid not in tzids:
            fail(path, f"{name} uses TZID {tzid} without a VTIMEZONE")
    attendees = ev.get("ATTENDEE", [])
    if not isinstance(attendees, list):
        attendees = [attendees]
    status = str(ev.get("STATUS", ""))
    if method == "CANCEL" and status != "CANCELLED":
        fail(path, f"a CANCEL with STATUS {status}")
    return {
        "file": path,
        "ics": path + ".ics",
        "to": email.utils.parseaddr(str(msg["To"]))[1].lower(),
        "from": email.utils.parseaddr(str(msg["From"]))[1].lower(),
        "subject": str(msg["Subject"]),
        "text": text,
        "method": method,
        "uid": str(ev.get("UID")),
        "sequence": int(ev.get("SEQUENCE", 0)),
        "start": utc(ev.decoded("DTSTART")),
        "end": utc(ev.decoded("DTEND")),
        "status": status,
        "summary": str(ev.get("SUMMARY", "")),
        "description": str(ev.get("DESCRIPTION", "")),
        "location": str(ev.get("LOCATION", "")),
        "organizer": address(ev.get("ORGANIZER", "")),
        "attendees": [address(a) for a in attendees],
        "tzids": tzids,
    }


def replay(messages):
    held = {}
    for m in messages:
        mine = held.setdefault(m["to"], {})
        old = mine.get(m["uid"])
        if m["method"] == "REQUEST":
            if old is None or m["sequence"] > old["sequence"]:
                mine[m["uid"]] = {"sequence": m["sequence"], "there": True, "event": m}
        elif old is None or m["sequence"] >= old["sequence"]:
            mine[m["uid"]] = {"sequence": m["sequence"], "there": False, "event": m}
    return {
        to: {
            uid: {
                "sequence": h["sequence"],
                "start": h["event"]["start"],
                "end": h["event"]["end"],
                "summary": h["event"]["summary"],
            }
            for uid, h in sorted(events.items())
            if h["there"]
        }
        for to, events in sorted(held.items())
    }


msgs = [message(p) for p in sys.argv[1:]]
print(json.dumps({"messages": msgs, "calendars": replay(msgs)}, sort_keys=True))
