#!/usr/bin/env python3
"""Expands iCalendar feeds with Python `icalendar` + `recurring-ical-events`.

Usage: tests/.venv/bin/python tests/oracles/feed_events.py FILE...
(the venv that tests/setup installs holds icalendar and recurring-ical-events)

For each FILE, in the order given, prints ONE line of JSON: a list of the
events the file's calendar expands to between 1970-01-01 and 2100-01-01,
sorted by (start, uid), each an object with exactly these keys:

  uid          the UID (string)
  start, end   the instant in UTC, RFC 3339 "YYYY-MM-DDTHH:MM:SSZ"
  summary      SUMMARY, unescaped (string, "" when absent)
  description  DESCRIPTION, unescaped (string, "" when absent)
  location     LOCATION, unescaped (string, or null when absent)
  sequence     SEQUENCE (integer, 0 when absent)

Keys are sorted and non-ASCII is written as is (UTF-8). Exit status 1 with a
message on stderr when a file cannot be read or parsed.

X-WR-TIMEZONE is removed before expansion. `recurring_ical_events.of` passes
the calendar through `x_wr_timezone.to_standard`, which rewrites UTC times
into that zone and in doing so loses `fold`: an instant in the repeated hour
of a fall-back night (06:30Z on 2026-11-01 in New York) comes back an hour
early. For a calendar whose times are all UTC or TZID-with-VTIMEZONE (the
only kinds this script accepts) the property changes no instant, so
dropping it only removes that bug. The twin script
feed_events.mjs prints the same using ical.js.
"""

import datetime as dt
import json
import sys

import icalendar
import recurring_ical_events

WIDE_START = dt.datetime(1970, 1, 1, tzinfo=dt.timezone.utc)
WIDE_END = dt.datetime(2100, 1, 1, tzinfo=dt.timezone.utc)


def utc(value, what, uid):
    """An event time as UTC RFC 3339; floating or all-day times are errors."""
    if not isinstance(value, dt.datetime):
        raise ValueError(f"{uid}: {what} is a DATE, not a DATE-TIME")
    if value.tzinfo is None:
        raise ValueError(f"{uid}: {what} is floating (no TZID, not UTC)")
    return value.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def text(component, name):
    value = component.get(name)
    return None if value is None else str(value)


def events(path):
    with open(path, "rb") as f:
        cal = icalendar.Calendar.from_ical(f.read())
    cal.pop("X-WR-TIMEZONE", None)
    out = []
    for ev in recurring_ical_events.of(cal).between(WIDE_START, WIDE_END):
        uid = text(ev, "UID") or ""
        out.append(
            {
                "uid": uid,
                # `start`/`end` also derive the end from DURATION.
                "start": utc(ev.start, "DTSTART", uid),
                "end": utc(ev.end, "DTEND", uid),
                "summary": text(ev, "SUMMARY") or "",
                "description": text(ev, "DESCRIPTION") or "",
                "location": text(ev, "LOCATION"),
                "sequence": int(ev.get("SEQUENCE", 0)),
            }
        )
    out.sort(key=lambda e: (e["start"], e["uid"]))
    return out


def main(argv):
    if len(argv) < 2:
        print("usage: feed_events.py FILE...", file=sys.stderr)
        return 2
    for path in argv[1:]:
        try:
            result = events(path)
        except Exception as e:  # noqa: BLE001 - report any parse failure
            print(f"{path}: {type(e).__name__}: {e}", file=sys.stderr)
            return 1
        print(json.dumps(result, sort_keys=True, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
