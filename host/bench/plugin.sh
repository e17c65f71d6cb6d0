#!/usr/bin/env bash
# Plugin benchmarks (issue 4, point 9): per-session planning cost (warm call,
# instantiate-per-call, the built-in check-in format as reference), cold load
# with an empty and a warm compile cache, and the plugin's overhead on
# planning a generated organization.
# Usage: host/bench/plugin.sh [STAFF] [GROUPS] [SEED]   (default 2000 200 42)
# Builds every plugin from source (plugins/build) and the release binaries.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
staff="${1:-2000}"
groups="${2:-200}"
seed="${3:-42}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
now="2026-03-01T18:00:00Z"

machine() {
  echo "== machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //'), load average $(cut -d' ' -f1-3 /proc/loadavg)"
}
machine

echo "== building plugins (plugins/build) and release binaries"
wasm="$("$root/plugins/build")"
pick() {
  local f
  f="$(printf '%s\n' "$wasm" | grep "/$1\$" | head -n1)"
  [ -n "$f" ] || { echo "plugins/build did not make $1" >&2; exit 1; }
  echo "$f"
}
checkin="$(pick check_in_plugin.wasm)"
sps="$(pick structured_peer_supervision.wasm)"
js="$(pick js_example.wasm)"
(cd "$root" && cargo build --release -q -p peerwell -p peerwell-bench)
bench="$root/target/release/peerwell-bench"
bin="$root/target/release/peerwell"

echo
echo "== 1. per-session planning cost (plan-session, µs per call)"
"$bench" plugin calls check-in-wasm="$checkin" structured-peer-supervision="$sps" \
  gratitude-round="$js" --rounds 4000

echo
echo "== 2. cold load: Plugin::load with an empty vs a warm cache folder"
"$bench" plugin load check-in-wasm="$checkin" structured-peer-supervision="$sps" --runs 5
"$bench" plugin load gratitude-round="$js" --runs 2

echo
echo "== 3. overhead on planning an organization ($staff staff, $groups groups, seed $seed)"
python3 "$root/host/bench/gen_org.py" "$staff" "$groups" "$seed" "$work/builtin" >/dev/null
cp -r "$work/builtin" "$work/plugin"
printf '\n[plugins.check-in-wasm]\npath = "%s"\n' "$checkin" >>"$work/plugin/peerwell.toml"
sed -i 's/^format = "check-in"$/format = "check-in-wasm"/' "$work/plugin"/groups/*.toml
echo "   $(grep -l '^format = "check-in-wasm"$' "$work/plugin"/groups/*.toml | wc -l) groups switched to the plugin"
# Compiled plugins are cached here; the first load below fills the cache, so
# compile time is not counted in any figure of this section.
export PEERWELL_CACHE_DIR="$work/cache"
"$bin" plugin check "$checkin" >/dev/null
"$bin" check "$work/plugin" >/dev/null 2>&1 || true
ls "$PEERWELL_CACHE_DIR"/*.cwasm >/dev/null || { echo "plugin cache was not filled" >&2; exit 1; }
"$bench" plugin org "$work/builtin" "$work/plugin" --runs 31

plan() { "$bin" plan "$1" --now "$now" --data-dir "$work/state-$2" --format json; }
plan "$work/builtin" a >"$work/builtin.json"
plan "$work/plugin" b | sed 's/"check-in-wasm"/"check-in"/g' >"$work/plugin.json"
if cmp -s "$work/builtin.json" "$work/plugin.json"; then
  echo "   peerwell plan --format json: identical ($(wc -c <"$work/builtin.json") bytes; format name normalised)"
else
  echo "   peerwell plan --format json DIFFERS between built-in and plugin" >&2
  diff "$work/builtin.json" "$work/plugin.json" | head -n 20 >&2
  exit 1
fi

if ! command -v hyperfine >/dev/null 2>&1; then
  apt-get install -y hyperfine >/dev/null 2>&1 || true
fi
if command -v hyperfine >/dev/null 2>&1; then
  echo "   whole process, warm plugin cache (hyperfine -N -w 2 -r 10):"
  hyperfine -N -w 2 -r 10 --export-markdown "$work/hf.md" \
    -n builtin "$bin plan $work/builtin --now $now --data-dir $work/state-a --format json" \
    -n plugin "$bin plan $work/plugin --now $now --data-dir $work/state-b --format json" \
    >"$work/hf.out"
  cat "$work/hf.md"
  grep -A2 'Summary' "$work/hf.out" || true
else
  echo "   hyperfine not available: whole-process timing skipped"
fi
echo
machine
