#!/usr/bin/env bash
# Full pipeline benchmark: files to feeds on a generated organization.
# Usage: host/bench/pipeline.sh [ORG_DIR] [STAFF] [GROUPS] [SEED]
# Generates the organization into ORG_DIR (default: a temporary folder;
# an existing folder with a peerwell.toml is reused), builds release, then
# times `peerwell check` and `peerwell export` (fresh planning state in a
# temporary data directory) with /usr/bin/time -v.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
staff="${2:-20000}"
groups="${3:-2000}"
seed="${4:-42}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
org="${1:-$work/org}"

if [ ! -f "$org/peerwell.toml" ]; then
  echo "== generating $staff staff, $groups groups (seed $seed) into $org"
  python3 "$root/host/bench/gen_org.py" "$staff" "$groups" "$seed" "$org"
fi
(cd "$root" && cargo build --release -q -p peerwell)
bin="$root/target/release/peerwell"

echo "== machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //')"
echo "== input: $(du -sh "$org" | cut -f1), $(find "$org" -name '*.ics' | wc -l) calendars"
echo "== load average before: $(cut -d' ' -f1-3 /proc/loadavg)"

report() {
  local log="$1"
  echo "   wall: $(grep 'Elapsed (wall clock)' "$log" | awk '{print $NF}')" \
    " user: $(grep 'User time' "$log" | awk '{print $NF}') s" \
    " sys: $(grep 'System time' "$log" | awk '{print $NF}') s" \
    " max RSS: $(( $(grep 'Maximum resident' "$log" | awk '{print $NF}') / 1024 )) MB"
}

echo "== peerwell check"
/usr/bin/time -v "$bin" check "$org" >"$work/check.out" 2>"$work/check.time" || true
tail -n 2 "$work/check.out"
report "$work/check.time"

echo "== peerwell export (fresh state)"
export PEERWELL_DATA_DIR="$work/state"
/usr/bin/time -v "$bin" export "$org" --out "$work/out" >"$work/export.out" 2>"$work/export.time"
cat "$work/export.out"
report "$work/export.time"
sessions=$(cat "$work"/out/groups/*.ics | grep -c '^BEGIN:VEVENT' || true)
scheduled=$(for f in "$work"/out/groups/*.ics; do grep -q '^BEGIN:VEVENT' "$f" && echo x; done | wc -l)
echo "   sessions planned: $sessions, groups scheduled: $scheduled of $(ls "$work/out/groups" | wc -l)"

echo "== peerwell export again (same inputs, stored state: nothing changes)"
/usr/bin/time -v "$bin" export "$org" --out "$work/out2" >"$work/export2.out" 2>"$work/export2.time"
cat "$work/export2.out"
report "$work/export2.time"
if diff -rq "$work/out" "$work/out2" >/dev/null; then
  echo "   feeds byte-identical to the first export"
else
  echo "   feeds DIFFER from the first export"
  exit 1
fi
echo "== load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
