#!/usr/bin/env python3
"""Generates a large organization as a peerwell policy folder (stdlib only).

    gen_org.py STAFF GROUPS SEED OUT_DIR

Staff sit at sites of ~100 people; each has an ICS calendar (Google- or
Outlook-style exports in America/Chicago, with weekly client sessions as
RRULEs with EXDATEs, one-off intakes and an all-day event) over a 12-week
horizon from 2026-03-02 (the US DST change falls inside). A few staff work
from New York. 10% are supervisors, who are picked into groups four times
as often, so they sit in several groups. Groups use the check-in format,
have 4-8 members mostly from one site, and meet weekly or fortnightly for
45 or 60 minutes. Deterministic for a given seed.
"""

import os
import random
import sys
from datetime import date, timedelta

START = date(2026, 2, 23)
DAYS = ["MO", "TU", "WE", "TH", "FR"]

VTZ = {
    "America/Chicago": ("-0600", "-0500", "CST", "CDT"),
    "America/New_York": ("-0500", "-0400", "EST", "EDT"),
}


def vtimezone(zone):
    std, dst, sn, dn = VTZ[zone]
    return (
        f"BEGIN:VTIMEZONE\r\nTZID:{zone}\r\nBEGIN:DAYLIGHT\r\nTZOFFSETFROM:{std}\r\n"
        f"TZOFFSETTO:{dst}\r\nTZNAME:{dn}\r\nDTSTART:19700308T020000\r\n"
        "RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=2SU\r\nEND:DAYLIGHT\r\nBEGIN:STANDARD\r\n"
        f"TZOFFSETFROM:{dst}\r\nTZOFFSETTO:{std}\r\nTZNAME:{sn}\r\n"
        "DTSTART:19701101T020000\r\nRRULE:FREQ=YEARLY;BYMONTH=11;BYDAY=1SU\r\n"
        "END:STANDARD\r\nEND:VTIMEZONE\r\n"
    )


def calendar(rng, pid, zone):
    out = ["BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//bench//gen_org//EN\r\n", vtimezone(zone)]
    n = 0
    share = rng.uniform(0.55, 0.75)
    for day in DAYS:
        for hour in range(8, 18):
            weight = 0.3 if hour in (8, 12, 17) else 1.0
            if rng.random() < share * weight:
                n += 1
                minute = rng.choice((0, 0, 0, 30, 15))
                first = START + timedelta(days=DAYS.index(day))
                length = rng.choice((45, 50, 60))
                end_h, end_m = divmod(hour * 60 + minute + length, 60)
                ex = ""
                if rng.random() < 0.3:
                    skip = first + timedelta(weeks=rng.randint(1, 12))
                    ex = f"EXDATE;TZID={zone}:{skip:%Y%m%d}T{hour:02d}{minute:02d}00\r\n"
                out.append(
                    "BEGIN:VEVENT\r\n"
                    f"UID:{pid}-{n}@bench.example\r\nDTSTAMP:20260201T000000Z\r\n"
                    f"DTSTART;TZID={zone}:{first:%Y%m%d}T{hour:02d}{minute:02d}00\r\n"
                    f"DTEND;TZID={zone}:{first:%Y%m%d}T{end_h:02d}{end_m:02d}00\r\n"
                    f"RRULE:FREQ=WEEKLY;BYDAY={day};UNTIL=20260630T235959Z\r\n{ex}"
                    "SUMMARY:Client session\r\nDESCRIPTION:Confidential\r\nEND:VEVENT\r\n"
                )
    for _ in range(rng.randint(2, 6)):
        n += 1
        d = START + timedelta(days=rng.randint(7, 90))
        if d.weekday() > 4:
            continue
        hour = rng.randint(8, 16)
        out.append(
            "BEGIN:VEVENT\r\n"
            f"UID:{pid}-{n}@bench.example\r\nDTSTAMP:20260201T000000Z\r\n"
            f"DTSTART;TZID={zone}:{d:%Y%m%d}T{hour:02d}0000\r\n"
            f"DTEND;TZID={zone}:{d:%Y%m%d}T{hour + 1:02d}3000\r\n"
            "SUMMARY:Intake assessment\r\nEND:VEVENT\r\n"
        )
    d = START + timedelta(days=rng.randint(7, 90))
    out.append(
        f"BEGIN:VEVENT\r\nUID:{pid}-allday@bench.example\r\nDTSTAMP:20260201T000000Z\r\n"
        f"DTSTART;VALUE=DATE:{d:%Y%m%d}\r\nDTEND;VALUE=DATE:{d + timedelta(days=1):%Y%m%d}\r\n"
        "SUMMARY:Training day\r\nEND:VEVENT\r\n"
    )
    out.append("END:VCALENDAR\r\n")
    return "".join(out)


def main():
    if len(sys.argv) != 5:
        sys.exit(__doc__)
    staff, groups, seed, out = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
    rng = random.Random(seed)
    for sub in ("people", "groups", "calendars"):
        os.makedirs(os.path.join(out, sub), exist_ok=True)
    with open(os.path.join(out, "peerwell.toml"), "w") as f:
        f.write(
            'version = 1\nname = "Generated Health System"\ntime_zone = "America/Chicago"\n'
            "horizon_weeks = 12\nstart = 2026-03-02\nbuffer_minutes = 10\n"
            'people = "people"\ngroups = "groups"\n\n[working_hours]\nweekdays = "08:00-18:00"\n'
        )
    sites = max(1, staff // 100)
    people = []
    for i in range(staff):
        pid = f"p{i:05d}"
        site = i % sites
        supervisor = rng.random() < 0.10
        zone = "America/New_York" if rng.random() < 0.02 else "America/Chicago"
        people.append((pid, site, supervisor, zone))
        with open(os.path.join(out, "calendars", f"{pid}.ics"), "w", newline="") as f:
            f.write(calendar(rng, pid, zone))
    per_file = 1000
    for k in range(0, staff, per_file):
        with open(os.path.join(out, "people", f"staff-{k // per_file:03d}.toml"), "w") as f:
            f.write("version = 1\n")
            for pid, site, supervisor, zone in people[k:k + per_file]:
                tags = '["clinician", "supervisor"]' if supervisor else '["clinician"]'
                f.write(
                    f'\n[[person]]\nid = "{pid}"\nname = "Staff {pid[1:]}"\n'
                    f'email = "{pid}@bench.example"\ntime_zone = "{zone}"\n'
                    f'tags = {tags}\nsite = "site-{site}"\n'
                    f'calendars = ["../calendars/{pid}.ics"]\n'
                )
    by_site = {}
    for p in people:
        by_site.setdefault(p[1], []).append(p)
    for g in range(groups):
        site = rng.randrange(sites)
        pool = by_site[site] if rng.random() < 0.85 else people
        weights = [4 if p[2] else 1 for p in pool]
        size = rng.randint(4, 8)
        members = []
        while len(members) < size:
            p = rng.choices(pool, weights)[0][0]
            if p not in members:
                members.append(p)
        cadence = "weekly" if rng.random() < 0.6 else "every 2 weeks"
        duration = rng.choice((45, 60))
        quorum = max(2, (size * 2 + 2) // 3)
        with open(os.path.join(out, "groups", f"g{g:05d}.toml"), "w") as f:
            f.write(
                f'version = 1\nname = "Peer group {g}"\nformat = "check-in"\n'
                f"members = {members!r}\n".replace("'", '"')
                + f'cadence = "{cadence}"\nduration_minutes = {duration}\nquorum = {quorum}\n'
                '\n[charter]\npurpose = "Peer support."\n\n[[escalation]]\n'
                'name = "Employee Assistance Program"\ncontact = "1-800-555-0100"\n'
            )


if __name__ == "__main__":
    main()
