#!/usr/bin/env python3
"""Busy intervals of ICS files, by icalendar + recurring-ical-events.

Usage: busy_intervals.py MANIFEST.json
MANIFEST: {"start": "<RFC 3339 UTC>", "end": "<RFC 3339 UTC>",
           "files": [{"path": "...", "tz": "<IANA zone for floating/DATE>"}]}
Prints one JSON object: {path: [[start_epoch_s, end_epoch_s], ...] sorted}
or {path: {"error": "<exception type>"}} when the oracle cannot read a file.

Busy means what peerwell's read_calendar means: every VEVENT occurrence
overlapping [start, end) with a positive length, except STATUS:CANCELLED
and TRANSP:TRANSPARENT; floating times and DATE values are read in "tz"
(an all-day event is busy from local midnight to local midnight).

Before icalendar sees a file, the damage peerwell's documented rules read
leniently (README, calendar section: a defect never refuses the whole
calendar) is repaired the same way in busy_intervals.mjs: a UTF-8
byte-order mark is dropped, CR-only line ends become CRLF, anything after
END:VCALENDAR is dropped, empty RRULE:/RDATE:/EXDATE: lines are dropped,
and a COUNT below 1 beside an UNTIL is dropped (the UNTIL ends the rule).
X-WR-TIMEZONE (floating times in the calendar's zone) and the newest
SEQUENCE of a UID and RECURRENCE-ID need nothing here: recurring-ical-events
does both itself.
"""
import datetime as dt
import json
import re
import sys
import zoneinfo

import icalendar
import recurring_ical_events


def instant(value, tz):
    if isinstance(value, dt.datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=tz)  # fold=0: first in a fold
        return int(value.timestamp())
    if isinstance(value, dt.date):
        return int(dt.datetime(value.year, value.month, value.day, tzinfo=tz).timestamp())
    raise TypeError(type(value))


EMPTY = re.compile(rb"^(RRULE|RDATE|EXDATE)(;[^:]*)?:[ \t]*$", re.IGNORECASE)
BAD_COUNT = re.compile(rb";?COUNT=(-\d+|0+)(?=;|$)", re.IGNORECASE)


def repaired(data):
    """The file with the damage peerwell reads leniently repaired."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    lines = data.replace(b"\r\n", b"\n").replace(b"\r", b"\n").split(b"\n")
    out = []
    for line in lines:
        if EMPTY.match(line):
            continue
        if line[:6].upper() == b"RRULE:" and b"UNTIL=" in line.upper():
            line = BAD_COUNT.sub(b"", line).replace(b":;", b":")
        out.append(line)
        if line.strip().upper() == b"END:VCALENDAR":
            break
    return b"\r\n".join(out) + b"\r\n"


def busy(path, tz, start, end):
    with open(path, "rb") as f:
        cal = icalendar.Calendar.from_ical(repaired(f.read()))
    out = set()
    lo, hi = int(start.timestamp()), int(end.timestamp())
    for ev in recurring_ical_events.of(cal).between(start - dt.timedelta(days=3), end + dt.timedelta(days=3)):
        if str(ev.get("STATUS", "")).upper() == "CANCELLED":
            continue
        if str(ev.get("TRANSP", "")).upper() == "TRANSPARENT":
            continue
        s = ev["DTSTART"].dt
        if "DTEND" in ev:
            e = ev["DTEND"].dt
        elif "DURATION" in ev:
            e = s + ev["DURATION"].dt
        else:
            e = s + dt.timedelta(days=1) if not isinstance(s, dt.datetime) else s
        a, b = instant(s, tz), instant(e, tz)
        if a < b and a < hi and b > lo:
            out.add((a, b))
    return sorted(out)


def main():
    with open(sys.argv[1]) as f:
        manifest = json.load(f)
    start = dt.datetime.fromisoformat(manifest["start"].replace("Z", "+00:00"))
    end = dt.datetime.fromisoformat(manifest["end"].replace("Z", "+00:00"))
    result = {}
    for item in manifest["files"]:
        tz = zoneinfo.ZoneInfo(item["tz"])
        try:
            result[item["path"]] = [list(p) for p in busy(item["path"], tz, start, end)]
        except Exception as exc:  # reported per file, compared by the test
            result[item["path"]] = {"error": type(exc).__name__}
    json.dump(result, sys.stdout, sort_keys=True)


if __name__ == "__main__":
    main()
