#!/usr/bin/env python3
"""Writes the example clinic's calendar exports (deterministic; stdlib only).

Each staff member's calendar imitates what their calendar app exports:
Google Calendar (IANA TZIDs, some UTC times, X-WR-* headers), Outlook
(Windows zone names such as "Central Standard Time", CATEGORIES, busy-status
extensions) and Apple Calendar (X-APPLE-* properties, its own VTIMEZONE
layout). They hold recurring client sessions with exceptions and moved
instances, one-off intakes, cancelled and transparent events and all-day
events. The client sessions start in February 2026 and recur without an end
date, as real clinicians' calendars do, so planning from any date finds client
hours to avoid. Spring 2026 (the US daylight-saving change is on 8 March) is
detailed; from July 2026 on, a second random stream adds what a caseload's
future looks like: cancelled and moved sessions, intakes, leave, a yearly
conference and new clients after the summer. That stream never touches the
first one, so every event before July 2026 is the same as in the spring-only
exports the tests were written against.

The event texts are made up but shaped like real client data, which is the
point: peerwell must never let any of it out.

    python3 examples/clinic/calendars/generate.py
"""

import os
import random
from datetime import date, datetime, timedelta

HERE = os.path.dirname(os.path.abspath(__file__))
FIRST_MONDAY = date(2026, 2, 23)
# Everything the future stream adds lies in [FUTURE_FROM, FUTURE_UNTIL]; the
# recurring sessions themselves go on after it.
FUTURE_FROM = date(2026, 7, 1)
FUTURE_UNTIL = date(2028, 12, 31)

CHICAGO_GOOGLE = """BEGIN:VTIMEZONE
TZID:America/Chicago
X-LIC-LOCATION:America/Chicago
BEGIN:DAYLIGHT
TZOFFSETFROM:-0600
TZOFFSETTO:-0500
TZNAME:CDT
DTSTART:19700308T020000
RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=2SU
END:DAYLIGHT
BEGIN:STANDARD
TZOFFSETFROM:-0500
TZOFFSETTO:-0600
TZNAME:CST
DTSTART:19701101T020000
RRULE:FREQ=YEARLY;BYMONTH=11;BYDAY=1SU
END:STANDARD
END:VTIMEZONE"""

NEW_YORK_GOOGLE = """BEGIN:VTIMEZONE
TZID:America/New_York
X-LIC-LOCATION:America/New_York
BEGIN:DAYLIGHT
TZOFFSETFROM:-0500
TZOFFSETTO:-0400
TZNAME:EDT
DTSTART:19700308T020000
RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=2SU
END:DAYLIGHT
BEGIN:STANDARD
TZOFFSETFROM:-0400
TZOFFSETTO:-0500
TZNAME:EST
DTSTART:19701101T020000
RRULE:FREQ=YEARLY;BYMONTH=11;BYDAY=1SU
END:STANDARD
END:VTIMEZONE"""

CHICAGO_OUTLOOK = """BEGIN:VTIMEZONE
TZID:Central Standard Time
BEGIN:STANDARD
DTSTART:16010101T020000
TZOFFSETFROM:-0500
TZOFFSETTO:-0600
RRULE:FREQ=YEARLY;BYDAY=1SU;BYMONTH=11
END:STANDARD
BEGIN:DAYLIGHT
DTSTART:16010101T020000
TZOFFSETFROM:-0600
TZOFFSETTO:-0500
RRULE:FREQ=YEARLY;BYDAY=2SU;BYMONTH=3
END:DAYLIGHT
END:VTIMEZONE"""

CHICAGO_APPLE = """BEGIN:VTIMEZONE
TZID:America/Chicago
BEGIN:DAYLIGHT
TZOFFSETFROM:-0600
RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=2SU
DTSTART:20070311T020000
TZNAME:CDT
TZOFFSETTO:-0500
END:DAYLIGHT
BEGIN:STANDARD
TZOFFSETFROM:-0500
RRULE:FREQ=YEARLY;BYMONTH=11;BYDAY=1SU
DTSTART:20071104T020000
TZNAME:CST
TZOFFSETTO:-0600
END:STANDARD
END:VTIMEZONE"""

DAYS = ["MO", "TU", "WE", "TH", "FR"]
CONCERNS = [
    "panic after the car accident",
    "nightmares since the house fire",
    "custody hearing next week",
    "disclosed abuse by stepfather",
    "grief after overdose of brother",
    "self-harm risk review",
    "flashbacks at work",
    "foster placement breakdown",
]
INITIALS = ["M.R.", "J.T.", "A.K.", "D.W.", "S.P.", "L.N.", "R.B.", "C.H.", "T.O.", "E.V."]


def nth_sunday(year, month, n):
    """The n-th Sunday of a month."""
    first = date(year, month, 1)
    return first + timedelta(days=(6 - first.weekday()) % 7 + 7 * (n - 1))


def us_daylight(d):
    """Whether US daylight-saving time is in force on local date `d`."""
    return nth_sunday(d.year, 3, 2) <= d < nth_sunday(d.year, 11, 1)


def future_rng(seed):
    """The random stream for events from FUTURE_FROM on, apart from the first."""
    return random.Random(f"future-{seed}")


def future_weeks(first):
    """The dates of a weekly series from `first` that fall in the future span."""
    d = first
    if d < FUTURE_FROM:
        d += timedelta(weeks=(FUTURE_FROM - d).days // 7 + 1)
    while d <= FUTURE_UNTIL:
        yield d
        d += timedelta(weeks=1)


def fold(line):
    """Folds a content line at 75 octets without splitting a character."""
    out, cur, size = [], "", 0
    for ch in line:
        n = len(ch.encode("utf-8"))
        if size + n > 75:
            out.append(cur)
            cur, size = " ", 1
        cur += ch
        size += n
    out.append(cur)
    return "\r\n".join(out)


def esc(text):
    return (text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
            .replace("\n", "\\n"))


class Cal:
    def __init__(self, style, person, zone):
        self.style, self.person, self.zone = style, person, zone
        self.tzid = "Central Standard Time" if style == "outlook" else zone
        self.lines = []
        self.n = 0

    def uid(self):
        self.n += 1
        if self.style == "google":
            return f"{self.person}{self.n:04d}x9k2@google.com"
        if self.style == "outlook":
            digest = sum(ord(c) * 131 ** i for i, c in enumerate(self.person)) % 10**12
            return f"040000008200E00074C5B7101A82E00800000000{digest:012d}{self.n:08X}"
        return f"{self.n:04d}-{self.person.upper()}-4C1E-9A7B-{self.n * 7919:012d}"

    def when(self, d, hh, mm):
        return f"{d:%Y%m%d}T{hh:02d}{mm:02d}00"

    def dt(self, name, d, hh, mm, extra=""):
        return f"{name};TZID={self.tzid}{extra}:{self.when(d, hh, mm)}"

    def event(self, summary, d, start, minutes, rrule=None, exdates=(), desc=None,
              status=None, transp=None, category=None, uid=None, recurrence_id=None,
              location=None, attendee=None):
        uid = uid or self.uid()
        hh, mm = start
        end = datetime(d.year, d.month, d.day, hh, mm) + timedelta(minutes=minutes)
        ev = ["BEGIN:VEVENT"]
        if self.style == "google" and rrule is None and recurrence_id is None and (self.n % 3 == 0):
            # Google writes some one-off events in UTC.
            off = 5 if us_daylight(d) else 6
            if self.zone == "America/New_York":
                off -= 1
            s = datetime(d.year, d.month, d.day, hh, mm) + timedelta(hours=off)
            e = end + timedelta(hours=off)
            ev.append(f"DTSTART:{s:%Y%m%dT%H%M%S}Z")
            ev.append(f"DTEND:{e:%Y%m%dT%H%M%S}Z")
        else:
            ev.append(self.dt("DTSTART", d, hh, mm))
            if self.style == "apple" and rrule is None and self.n % 4 == 0:
                ev.append(f"DURATION:PT{minutes // 60}H{minutes % 60}M" if minutes >= 60
                          else f"DURATION:PT{minutes}M")
            else:
                ev.append(self.dt("DTEND", end.date(), end.hour, end.minute))
        if rrule:
            ev.append("RRULE:" + rrule)
        for x in exdates:
            ev.append(self.dt("EXDATE", x, hh, mm))
        if recurrence_id:
            rd, (rh, rm) = recurrence_id
            ev.append(self.dt("RECURRENCE-ID", rd, rh, rm))
        ev.append("DTSTAMP:20260215T120000Z")
        ev.append(f"UID:{uid}")
        if self.style == "outlook":
            ev.append("CLASS:PRIVATE")
            ev.append("X-MICROSOFT-CDO-BUSYSTATUS:" + ("FREE" if transp else "BUSY"))
            if category:
                ev.append(f"CATEGORIES:{category}")
        if self.style == "apple":
            ev.append("X-APPLE-TRAVEL-ADVISORY-BEHAVIOR:AUTOMATIC")
        ev.append("SUMMARY:" + esc(summary))
        if desc:
            ev.append("DESCRIPTION:" + esc(desc))
        if location:
            ev.append("LOCATION:" + esc(location))
        if attendee:
            ev.append(f"ATTENDEE;CN={attendee[0]};PARTSTAT=ACCEPTED:mailto:{attendee[1]}")
        if status:
            ev.append("STATUS:" + status)
        ev.append("TRANSP:" + ("TRANSPARENT" if transp else "OPAQUE"))
        ev.append("END:VEVENT")
        self.lines.extend(ev)
        return uid

    def allday(self, summary, d, days=1, transp=False):
        ev = ["BEGIN:VEVENT", f"DTSTART;VALUE=DATE:{d:%Y%m%d}",
              f"DTEND;VALUE=DATE:{d + timedelta(days=days):%Y%m%d}",
              "DTSTAMP:20260215T120000Z", f"UID:{self.uid()}", "SUMMARY:" + esc(summary),
              "TRANSP:" + ("TRANSPARENT" if transp else "OPAQUE"), "END:VEVENT"]
        self.lines.extend(ev)

    def write(self, path):
        head = {
            "google": ["PRODID:-//Google Inc//Google Calendar 70.9054//EN", "VERSION:2.0",
                       "CALSCALE:GREGORIAN", "METHOD:PUBLISH",
                       f"X-WR-CALNAME:{self.person}@riverbend.example",
                       f"X-WR-TIMEZONE:{self.zone}"],
            "outlook": ["METHOD:PUBLISH",
                        "PRODID:Microsoft Exchange Server 2010", "VERSION:2.0",
                        "X-WR-CALNAME:Calendar"],
            "apple": ["VERSION:2.0", "X-WR-CALNAME:Work",
                      "PRODID:-//Apple Inc.//macOS 15.3//EN", "CALSCALE:GREGORIAN"],
        }[self.style]
        zone = {"outlook": CHICAGO_OUTLOOK, "apple": CHICAGO_APPLE}.get(
            self.style, NEW_YORK_GOOGLE if self.zone == "America/New_York" else CHICAGO_GOOGLE)
        body = ["BEGIN:VCALENDAR", *head, *zone.split("\n"), *self.lines, "END:VCALENDAR"]
        with open(path, "w", newline="") as f:
            f.write("".join(fold(line) + "\r\n" for line in body))


def future_changes(frng, first):
    """Cancelled and moved instances of a weekly series after FUTURE_FROM.

    About one cancellation a year (EXDATE) and a move every other year (a
    RECURRENCE-ID override the same day: half an hour later, over lunch or
    first thing in the morning), all on the series' first weekday.
    Returns (exdates, [(date, (hour, minute))]).
    """
    ex, moves = [], []
    for d in future_weeks(first):
        roll = frng.random()
        if roll < 0.02:
            ex.append(d)
        elif roll < 0.03:
            moves.append((d, frng.choice([None, (12, 0), (8, 0)])))
    return ex, moves


def weekly_clients(cal, rng, days, hours, free, weeks_off=(), frng=None):
    """Recurring weekly client sessions, avoiding the (day, hour) pairs in `free`.

    The series have no end date. `rng` draws everything up to June 2026 and
    `frng` the cancellations and moves after it (see future_changes).
    """
    for hh in hours:
        on = [d for d in days if (d, hh) not in free]
        if not on:
            continue
        first = FIRST_MONDAY + timedelta(days=DAYS.index(on[0]))
        ex = [first + timedelta(weeks=w) for w in weeks_off if rng.random() < 0.5]
        later_ex, later_moves = future_changes(frng, first)
        kind = rng.choice(["Client session", "Family therapy session", "Client: trauma-focused CBT"])
        who = rng.choice(INITIALS)
        uid = cal.event(f"{kind} — {who}", first, (hh, 0), 50,
                        rrule=f"FREQ=WEEKLY;BYDAY={','.join(on)}",
                        exdates=ex + later_ex, desc=f"Presenting concern: {rng.choice(CONCERNS)}",
                        category="Client", location="Therapy room " + str(rng.randint(1, 9)),
                        attendee=(who, f"client{rng.randint(100, 999)}@mail.example"))
        if rng.random() < 0.4:
            # One instance moved half an hour later.
            w = rng.randint(3, 9)
            orig = first + timedelta(weeks=w)
            cal.event(f"{kind} — {who} (moved)", orig, (hh, 30), 50, uid=uid,
                      recurrence_id=(orig, (hh, 0)), category="Client")
        for orig, to in later_moves:
            to = (hh, 30) if to is None or to[0] == hh else to
            cal.event(f"{kind} — {who} (rescheduled)", orig, to, 50, uid=uid,
                      recurrence_id=(orig, (hh, 0)), category="Client")


def random_workday(frng, days, year):
    """A random date in `year` on one of `days`, within the future span."""
    lo, hi = max(date(year, 1, 1), FUTURE_FROM), min(date(year, 12, 31), FUTURE_UNTIL)
    while True:
        d = lo + timedelta(days=frng.randint(0, (hi - lo).days))
        if d.strftime("%a")[:2].upper() in days:
            return d


def future_events(cal, frng, days, hours, free, new_clients=()):
    """What the calendar holds after FUTURE_FROM besides the weekly series.

    New clients taken on after the summer (weekly, no end date, from
    September 2026), and each year: intakes, a week of annual leave and a
    conference day.
    """
    for on, hh in new_clients:
        first = date(2026, 9, 7) + timedelta(days=DAYS.index(on[0]))
        who = frng.choice(INITIALS)
        cal.event(f"Client session — {who} (new referral)", first, (hh, 0), 50,
                  rrule=f"FREQ=WEEKLY;BYDAY={','.join(on)}", category="Client",
                  desc=f"Presenting concern: {frng.choice(CONCERNS)}",
                  attendee=(who, f"client{frng.randint(100, 999)}@mail.example"))
    for year in range(FUTURE_FROM.year, FUTURE_UNTIL.year + 1):
        for _ in range(3):
            d = random_workday(frng, days, year)
            hh = frng.choice([h for h in hours if h >= 13] or list(hours))
            if (d.strftime("%a")[:2].upper(), hh) not in free:
                cal.event(f"Intake assessment — {frng.choice(INITIALS)}", d, (hh, 0), 90,
                          desc=f"Referral: {frng.choice(CONCERNS)}", category="Client")
        leave = random_workday(frng, ["MO"], year)
        cal.allday("Annual leave", leave, days=5)
        cal.allday("State trauma conference", random_workday(frng, days, year))


def person(name, style, zone, seed, days=DAYS, hours=(9, 10, 11, 13, 14, 15, 16),
           free=(), team_meeting=None, extra=None, new_clients=()):
    rng = random.Random(seed)
    frng = future_rng(seed)
    cal = Cal(style, name, zone)
    weekly_clients(cal, rng, days, hours, set(free), weeks_off=range(2, 14), frng=frng)
    if team_meeting:
        d, hh = team_meeting
        first = FIRST_MONDAY + timedelta(days=DAYS.index(d))
        cal.event("Team meeting", first, (hh, 0), 60, category="Admin",
                  rrule=f"FREQ=WEEKLY;BYDAY={d}")
    # Intakes: one-off client events on random afternoons.
    for k in range(6):
        d = FIRST_MONDAY + timedelta(weeks=rng.randint(1, 13), days=rng.choice(range(len(days))))
        if d.strftime("%a")[:2].upper() not in days:
            continue
        hh = rng.choice([h for h in hours if h >= 13] or list(hours))
        if (d.strftime("%a")[:2].upper(), hh) in set(free):
            continue
        cal.event(f"Intake assessment — {rng.choice(INITIALS)}", d, (hh, 0), 90,
                  desc=f"Referral: {rng.choice(CONCERNS)}", category="Client")
    # A cancelled session and a transparent lunch: neither blocks time.
    d = FIRST_MONDAY + timedelta(weeks=4, days=1)
    cal.event(f"Client session — {rng.choice(INITIALS)}", d, (8, 0), 50, status="CANCELLED",
              category="Client")
    cal.event("Lunch", FIRST_MONDAY, (12, 0), 45, transp=True,
              rrule="FREQ=DAILY;INTERVAL=1;BYDAY=MO,TU,WE,TH,FR")
    # A conference day away.
    cal.allday("State trauma conference", FIRST_MONDAY + timedelta(weeks=rng.randint(4, 10),
                                                                   days=rng.randint(0, 4)))
    if extra:
        extra(cal, rng)
    future_events(cal, frng, days, hours, set(free), new_clients)
    return cal


def main():
    os.makedirs(HERE, exist_ok=True)
    walk_free = [("TU", 8), ("TH", 8)]
    # The Balint group's protected Thursday early afternoon (Chicago time).
    balint_free = [("TH", 13), ("TH", 14)]

    def amara_extra(cal, rng):
        # An early intake on one Tuesday: she misses that week's walk.
        cal.event("Intake assessment — R.B.", date(2026, 3, 24), (7, 45), 75,
                  desc="Urgent referral from ER", category="Client")

    def gus_extra(cal, rng):
        # Monday morning huddle (not client-facing).
        cal.event("Peer specialists huddle", FIRST_MONDAY, (8, 0), 45,
                  rrule="FREQ=WEEKLY;BYDAY=MO,WE")

    def mei_extra(cal, rng):
        cal.event("Home visit — family C.H.", FIRST_MONDAY + timedelta(days=4), (8, 0), 90,
                  rrule="FREQ=WEEKLY;BYDAY=FR;INTERVAL=1",
                  category="Client", desc="Child protection follow-up")

    calendars = {
        "amara-google.ics": person("amara", "google", "America/Chicago", 1, free=walk_free + [("WE", 13)] + balint_free,
                                   team_meeting=("TH", 12), extra=amara_extra),
        "ben-outlook.ics": person("ben", "outlook", "America/Chicago", 2, free=[("WE", 13), ("WE", 12)] + balint_free,
                                  team_meeting=("TH", 12)),
        "carmen-apple.ics": person("carmen", "apple", "America/Chicago", 3, free=walk_free,
                                   new_clients=[(["MO", "FR"], 8)]),
        "dev-outlook.ics": person("dev", "outlook", "America/Chicago", 4, free=[("WE", 13)] + balint_free,
                                  team_meeting=("TH", 12)),
        "elena-google.ics": person("elena", "google", "America/Chicago", 5, hours=(9, 10, 13, 14, 15),
                                   free=[("TU", 8), ("TH", 8)] + balint_free,
                                   new_clients=[(["MO", "WE"], 16)]),
        "gus-apple.ics": person("gus", "apple", "America/Chicago", 7, free=walk_free, extra=gus_extra),
        "hana-google.ics": person("hana", "google", "America/Chicago", 8, days=["MO", "WE", "TH"],
                                  hours=(9, 10, 11, 14, 15), free=[("WE", 13)] + balint_free,
                                  team_meeting=("TH", 12)),
        "ibrahim-outlook.ics": person("ibrahim", "outlook", "America/Chicago", 9,
                                      hours=(10, 11, 13, 14, 15, 16)),
        "jo-apple.ics": person("jo", "apple", "America/Chicago", 10, hours=(8,),
                               free=[("TU", 8), ("TH", 8), ("WE", 8)]),
        "kwame-outlook.ics": person("kwame", "outlook", "America/Chicago", 11,
                                    hours=(9, 10, 11, 14, 15, 16), free=[("TU", 9)]),
        "lucia-google.ics": person("lucia", "google", "America/New_York", 12,
                                   hours=(9, 10, 11, 12, 15, 16), free=[("WE", 12), ("MO", 12), ("TH", 14), ("TH", 15)],
                                   new_clients=[(["TU"], 13)]),
        "mei-apple.ics": person("mei", "apple", "America/Chicago", 13, free=walk_free, extra=mei_extra),
        "noor-google.ics": person("noor", "google", "America/Chicago", 14,
                                  hours=(9, 10, 13, 14, 15), free=[("WE", 11)] + balint_free,
                                  new_clients=[(["TU", "TH"], 11)]),
    }
    for name, cal in calendars.items():
        cal.write(os.path.join(HERE, name))

    with open(os.path.join(HERE, "..", "holidays.ics"), "w", newline="") as f:
        f.write("".join(line + "\r\n" for line in holidays()))


# Holidays on a weekday rule recur yearly from their first date; Memorial Day
# 2026 is in peerwell.toml, so its rule starts in 2027.
RULE_HOLIDAYS = [
    (date(2026, 1, 19), "MLK Day", "FREQ=YEARLY;BYMONTH=1;BYDAY=3MO"),
    (date(2026, 4, 3), "Staff wellbeing day", "FREQ=YEARLY;BYMONTH=4;BYDAY=1FR"),
    (date(2027, 5, 31), "Memorial Day", "FREQ=YEARLY;BYMONTH=5;BYDAY=-1MO"),
    (date(2026, 9, 7), "Labor Day", "FREQ=YEARLY;BYMONTH=9;BYDAY=1MO"),
    (date(2026, 11, 26), "Thanksgiving", "FREQ=YEARLY;BYMONTH=11;BYDAY=4TH"),
]
# Holidays on a fixed date are listed year by year as observed (a Saturday's
# on the Friday before, a Sunday's on the Monday after), as HR publishes them.
DATE_HOLIDAYS = [((1, 1), "New Year's Day"), ((7, 4), "Independence Day"),
                 ((12, 25), "Christmas Day")]
HOLIDAY_YEARS = range(2026, 2041)


def observed(d):
    """The weekday a fixed-date holiday is observed on."""
    return d + timedelta(days={5: -1, 6: 1}.get(d.weekday(), 0))


def holidays():
    """The lines of the clinic's holiday calendar, in date order."""
    events = [(d, what, rule) for d, what, rule in RULE_HOLIDAYS]
    for (month, day), what in DATE_HOLIDAYS:
        for year in HOLIDAY_YEARS:
            d = observed(date(year, month, day))
            moved = d != date(year, month, day)
            events.append((d, what + (" (observed)" if moved else ""), None))
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//Riverbend HR//Holidays//EN"]
    for d, what, rule in sorted(events):
        lines += ["BEGIN:VEVENT", f"DTSTART;VALUE=DATE:{d:%Y%m%d}",
                  f"DTEND;VALUE=DATE:{d + timedelta(days=1):%Y%m%d}",
                  *([f"RRULE:{rule}"] if rule else []),
                  "DTSTAMP:20260101T000000Z", f"UID:holiday-{d:%Y%m%d}@riverbend.example",
                  f"SUMMARY:{esc(what)}", "END:VEVENT"]
    lines.append("END:VCALENDAR")
    return lines


if __name__ == "__main__":
    main()
