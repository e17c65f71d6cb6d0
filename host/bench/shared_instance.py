#!/usr/bin/env python3
"""A joint-scheduling instance of many groups over the same few people, in
the format of the reference generator (sched/gen_instance.py of the shared
benchmark folder), so the reference CP-SAT model and `peerwell-bench sched`
solve the same instance.

    shared_instance.py GROUPS PEOPLE SEED OUT.json SCHED_DIR [--mixed] [--light]

PEOPLE staff (busy time drawn by the reference generator's own
`gen_person`, with one site's protected hours; with --light each busy
interval is kept with probability 1/2, so that a few people share more
than a handful of free hours); by default every group
holds all PEOPLE staff (one tag feeding every group: copies of one group),
with --mixed each group draws 3-6 of them.
"""

import json
import os
import random
import sys


def main():
    args = [a for a in sys.argv[1:] if a not in ("--mixed", "--light")]
    if len(args) != 5:
        sys.exit(__doc__)
    groups, staff, seed, out, sched = int(args[0]), int(args[1]), int(args[2]), args[3], args[4]
    sys.path.insert(0, os.path.abspath(sched))
    from gen_instance import MEET, SLOTS_PER_DAY, gen_person  # noqa: E402

    rng = random.Random(seed)
    # One site: four protected hours at quiet times, plus Wednesday 12:00.
    protected = sorted({d * SLOTS_PER_DAY + 4 * h for d, h in ((0, 8), (1, 12), (3, 16), (4, 8))})
    protected.append(2 * SLOTS_PER_DAY + 16)
    people = []
    for pid in range(staff):
        busy, _ = gen_person(rng, protected)
        if "--light" in sys.argv:
            busy = [iv for iv in busy if rng.random() < 0.5]
        people.append({"id": pid, "site": 0, "supervisor": False, "busy": busy})
    ids = list(range(staff))
    out_groups = []
    for gid in range(groups):
        if "--mixed" in sys.argv:
            members = sorted(rng.sample(ids, rng.randint(3, min(6, staff))))
        else:
            members = ids
        out_groups.append({"id": gid, "members": members})
    inst = {
        "meta": {
            "generator": "peerwell host/bench/shared_instance.py", "seed": seed,
            "n_groups": groups, "n_people": staff, "slot_minutes": 15,
            "slots_per_day": SLOTS_PER_DAY, "meeting_slots": MEET,
            "objective": "maximize W*scheduled + morning, W=n_groups+1",
        },
        "people": people,
        "groups": out_groups,
    }
    with open(out, "w") as f:
        json.dump(inst, f, separators=(",", ":"))
    print(f"wrote {out}: {groups} groups over {staff} people")


if __name__ == "__main__":
    main()
