"""The invitations benchmark's second half (host/bench/daemon.sh invitations):
counts the queued messages by kind, then posts one role holder's absence
link to the running daemon and times the group's feed changing (its ETag)
and the change notices being queued (the outbox counter rising).

    absence_click.py OUTBOX.json FEEDS.json DAEMON_URL
"""
import json
import re
import sys
import time
import urllib.request


def metric(url, name):
    text = urllib.request.urlopen(url + "/metrics").read().decode()
    return int(next(l.split()[1] for l in text.splitlines() if l.startswith(name + " ")))


def etag(feed):
    return urllib.request.urlopen(feed).headers["ETag"]


def main():
    outbox, feeds = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
    url = sys.argv[3]
    msgs = outbox["messages"] if isinstance(outbox, dict) else outbox
    kinds = {}
    for m in msgs:
        kinds[m["kind"]] = kinds.get(m["kind"], 0) + 1
    print("   queued by kind: " + ", ".join(f"{k} {v}" for k, v in sorted(kinds.items())))
    # A strategy sharer's next session: the role passes to the next in
    # rotation, so the group's feed changes and a notice is owed.
    role = sorted(m["key"] for m in msgs if "/role-" in m["key"])[0]
    group, index, _, member = role.split("/")
    by = {(f["kind"], f["id"]): f for f in feeds}
    page = urllib.request.urlopen(by[("member", member)]["subscribe_url"]).read().decode()
    token = next(t for t in re.findall(r"/absence/([A-Za-z0-9._~-]+)", page)
                 if t.startswith(f"{group}.{index}.{member}."))
    feed = by[("group", group)]["feed_url"]
    tag, queued_before = etag(feed), metric(url, "peerwell_reminders_queued_total")
    t0 = time.monotonic()
    post = urllib.request.Request(f"{url}/absence/{token}/cant", data=b"", method="POST")
    urllib.request.urlopen(post).read()
    changed = queued = None
    while time.monotonic() - t0 < 600 and (changed is None or queued is None):
        if changed is None and etag(feed) != tag:
            changed = time.monotonic() - t0
        if queued is None and metric(url, "peerwell_reminders_queued_total") > queued_before:
            queued = time.monotonic() - t0
        time.sleep(0.05)
    print(f"   absence posted ({group} #{index}, its strategy sharer): group feed changed "
          f"after {changed:.2f} s, change notices queued after {queued:.2f} s")


main()
