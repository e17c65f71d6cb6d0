#!/usr/bin/env python3
"""Generates many groups over the same few people as a policy folder.

    gen_shared.py GROUPS PEOPLE SEED OUT_DIR [--mixed]

The shape of a large organization where one tag (here `tag:clinician`)
feeds many groups: PEOPLE staff (4-20), all clinicians, each with an ICS
calendar like gen_org.py's (America/Chicago, 12 weeks from 2026-03-02, the
US DST change inside), and GROUPS groups over them.

By default every group is a copy of the example clinic's morning walk
(check-in format, weekly, 45 minutes, Monday-Friday 07:30-10:00, preferred
08:00-09:00 on Tuesday and Thursday) with `members = ["tag:clinician"]`,
i.e. all PEOPLE staff, quorum three quarters of them. With --mixed each
group instead draws 3-6 members, its days, window, duration and cadence
from the seed (all still over the same PEOPLE staff). Deterministic for a
given seed.
"""

import os
import random
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from gen_org import calendar  # noqa: E402

DAYS = ["mon", "tue", "wed", "thu", "fri"]

WALK = """version = 1
name = "Morning walk {n}"
format = "check-in"
members = ["tag:clinician"]
cadence = "weekly"
duration_minutes = 45
days = ["mon", "tue", "wed", "thu", "fri"]
window = "07:30-10:00"
preferred = ["08:00-09:00"]
preferred_days = ["tue", "thu"]
quorum = {quorum}
location = "Front entrance"

[charter]
purpose = "A weekly walk to check in."
membership = "closed"

[[escalation]]
name = "Employee Assistance Program"
contact = "1-800-555-0100"

[settings]
activity = "walk"
"""

MIXED = """version = 1
name = "Peer group {n}"
format = "check-in"
members = {members}
cadence = "{cadence}"
duration_minutes = {duration}
days = {days}
window = "{window}"
quorum = {quorum}

[charter]
purpose = "Peer support."

[[escalation]]
name = "Employee Assistance Program"
contact = "1-800-555-0100"
"""


def quoted(items):
    return "[" + ", ".join(f'"{x}"' for x in items) + "]"


def mixed_group(rng, n, ids):
    members = rng.sample(ids, rng.randint(3, min(6, len(ids))))
    days = sorted(rng.sample(DAYS, rng.randint(1, 5)), key=DAYS.index)
    start = rng.choice((7 * 60 + 30, 8 * 60, 9 * 60, 12 * 60, 14 * 60))
    end = min(start + rng.choice((120, 150, 180, 240)), 18 * 60)
    window = f"{start // 60:02d}:{start % 60:02d}-{end // 60:02d}:{end % 60:02d}"
    return MIXED.format(
        n=n,
        members=quoted(members),
        cadence=rng.choice(("weekly", "weekly", "every 2 weeks")),
        duration=rng.choice((30, 45, 60)),
        days=quoted(days),
        window=window,
        quorum=max(2, (len(members) * 2 + 2) // 3),
    )


def main():
    args = [a for a in sys.argv[1:] if a != "--mixed"]
    if len(args) != 4:
        sys.exit(__doc__)
    groups, staff, seed, out = int(args[0]), int(args[1]), int(args[2]), args[3]
    rng = random.Random(seed)
    for sub in ("groups", "calendars"):
        os.makedirs(os.path.join(out, sub), exist_ok=True)
    with open(os.path.join(out, "peerwell.toml"), "w") as f:
        f.write(
            'version = 1\nname = "Shared Staff Clinic"\ntime_zone = "America/Chicago"\n'
            "horizon_weeks = 12\nstart = 2026-03-02\nbuffer_minutes = 10\n"
            'people = "people.toml"\ngroups = "groups"\n\n[working_hours]\n'
            'weekdays = "07:30-18:00"\n'
        )
    ids = [f"p{i:02d}" for i in range(staff)]
    with open(os.path.join(out, "people.toml"), "w") as f:
        f.write("version = 1\n")
        for pid in ids:
            f.write(
                f'\n[[person]]\nid = "{pid}"\nname = "Staff {pid[1:]}"\n'
                f'email = "{pid}@bench.example"\ntags = ["clinician"]\n'
                f'calendars = ["calendars/{pid}.ics"]\n'
            )
    for pid in ids:
        with open(os.path.join(out, "calendars", f"{pid}.ics"), "w", newline="") as f:
            f.write(calendar(rng, pid, "America/Chicago"))
    for g in range(groups):
        with open(os.path.join(out, "groups", f"g{g:05d}.toml"), "w") as f:
            if "--mixed" in sys.argv:
                f.write(mixed_group(rng, g, ids))
            else:
                f.write(WALK.format(n=g, quorum=(staff * 3 + 3) // 4))


if __name__ == "__main__":
    main()
