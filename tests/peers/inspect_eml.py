#!/usr/bin/env python3
"""Reads .eml files with Python's email package (and any text/calendar part
with the icalendar oracle) and prints one JSON object per file: headers,
text and HTML parts, and the attached calendar's METHOD and events."""

import email
import email.policy
import json
import sys

import icalendar


def inspect(path):
    with open(path, "rb") as f:
        msg = email.message_from_binary_file(f, policy=email.policy.default)
    out = {
        "file": path,
        "message_id": str(msg["Message-ID"]),
        "date": str(msg["Date"]),
        "from": str(msg["From"]),
        "to": str(msg["To"]),
        "subject": str(msg["Subject"]),
        "content_type": msg.get_content_type(),
        "text": None,
        "html": None,
        "calendar": None,
    }
    for part in msg.walk():
        ctype = part.get_content_type()
        if ctype == "text/plain" and out["text"] is None:
            out["text"] = part.get_content()
        elif ctype == "text/html" and out["html"] is None:
            out["html"] = part.get_content()
        elif ctype == "text/calendar":
            raw = part.get_payload(decode=True)
            cal = icalendar.Calendar.from_ical(raw)
            out["calendar"] = {
                "method": str(cal.get("METHOD")),
                "raw": raw.decode("utf-8", "replace"),
                "events": [
                    {
                        "uid": str(ev.get("UID")),
                        "summary": str(ev.get("SUMMARY")),
                        "start": ev.decoded("DTSTART").isoformat(),
                        "sequence": int(ev.get("SEQUENCE", 0)),
                        "description": str(ev.get("DESCRIPTION", "")),
                    }
                    for ev in cal.walk("VEVENT")
                ],
            }
    return out


for p in sys.argv[1:]:
    print(json.dumps(inspect(p)))
