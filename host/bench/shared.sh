#!/usr/bin/env bash
# Many groups over the same few people (one tag feeding many groups).
#
# 1. `peerwell plan` on generated policy folders (gen_shared.py): copies of
#    the example clinic's morning walk over the same 4 people (50, 200 and
#    1,000 groups), over the same 20 people, and 1,000 mixed groups of 3-6
#    out of 20; CPU time and peak RSS from /usr/bin/time -v.
# 2. The same shape as solver instances (shared_instance.py): the reference
#    CP-SAT model beside `peerwell-bench sched`, both checked by the
#    reference verify_solution.py.
#
# Usage: host/bench/shared.sh [SHARED_BENCH_DIR]   (default ../shared/bench)
# PEERWELL_BIN=path runs another `peerwell` binary (e.g. an older build);
# PLAN_TIMEOUT (seconds, default 300) bounds each plan run.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
bench="${1:-$root/../shared/bench}"
bench="$(cd "$bench" && pwd)"
venv="${BENCH_VENV:-$root/target/bench-venv}"
if ! "$venv/bin/python" -c 'import ortools' 2>/dev/null; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q ortools
fi
py="$venv/bin/python"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

(cd "$root" && cargo build --release -q -p peerwell --bin peerwell && cargo build --release -q -p peerwell-bench)
bin="${PEERWELL_BIN:-$root/target/release/peerwell}"
ours="$root/target/release/peerwell-bench"
echo "== machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //')"
echo "== $(uptime)"

timed() { # LABEL DIR: one plan run, one table row
  local label="$1" dir="$2" log="$work/time.log" out="$work/plan.json" code=0
  timeout "${PLAN_TIMEOUT:-300}" /usr/bin/time -v "$bin" plan "$dir" --format json \
    >"$out" 2>"$log" || code=$?
  local user sys rss wall
  user="$(sed -n 's/.*User time (seconds): //p' "$log")"
  sys="$(sed -n 's/.*System time (seconds): //p' "$log")"
  rss="$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$log")"
  wall="$(sed -n 's/.*Elapsed (wall clock) time (h:mm:ss or m:ss): //p' "$log")"
  if [ "$code" != 0 ]; then
    echo "| $label | did not finish in ${PLAN_TIMEOUT:-300} s (exit $code) | | | |"
    return
  fi
  local scheduled
  scheduled="$(python3 -c 'import json,sys; g=json.load(open(sys.argv[1]))["groups"]; print(sum(x["status"]=="scheduled" for x in g))' "$out")"
  echo "| $label | $(python3 -c "print(f'{$user + $sys:.2f}')") | $wall | $((rss / 1024)) MiB | $scheduled |"
}

echo
echo "| plan | CPU s (user+sys) | wall | peak RSS | groups scheduled |"
echo "|---|---|---|---|---|"
for n in 50 200 1000; do
  python3 "$root/host/bench/gen_shared.py" "$n" 4 1 "$work/walk_$n" >/dev/null
  timed "$n copies of the walk, same 4 people" "$work/walk_$n"
  rm -rf "$work/walk_$n"
done
python3 "$root/host/bench/gen_shared.py" 1000 20 1 "$work/walk_20" >/dev/null
timed "1000 copies of the walk, same 20 people" "$work/walk_20"
python3 "$root/host/bench/gen_shared.py" 1000 20 1 "$work/mixed_20" --mixed >/dev/null
timed "1000 mixed groups (3-6 of the same 20)" "$work/mixed_20"

field() { echo "$1" | sed -n "s/.*$2=\([0-9]*\).*/\1/p"; }
table=()
add() { table+=("| $1 | $(field "$2" scheduled) | $(field "$2" morning) | $3 | $2 |"); }
for spec in "1000 4 copies" "1000 4 mixed" "1000 20 mixed"; do
  read -r n_groups n_people kind <<<"$spec"
  name="shared_${n_groups}x${n_people}_$kind"
  inst="$work/$name.json"
  flags=(--light)
  [ "$kind" = mixed ] && flags+=(--mixed)
  python3 "$root/host/bench/shared_instance.py" "$n_groups" "$n_people" 1 "$inst" "$bench/sched" "${flags[@]}" >/dev/null
  echo "== CP-SAT on $name (tuned: subsolvers=max_lp_sym,core, 60 s)"
  cp_out="$("$py" "$bench/sched/solve.py" "$inst" --time-limit 60 --param subsolvers=max_lp_sym,core)"
  echo "$cp_out"
  add "$name CP-SAT" "$("$py" "$bench/sched/verify_solution.py" "$inst" "${inst%.json}.cpsat.solution.json")" \
    "$(echo "$cp_out" | sed -n 's/.*solve_wall=\([0-9.]*s\).*/\1/p') ($(echo "$cp_out" | sed -n 's/.*status=\([A-Z]*\).*/\1/p'), bound $(echo "$cp_out" | sed -n 's/.*bound=\([0-9]*\).*/\1/p'))"
  echo "== peerwell on $name"
  out="$("$ours" sched "$inst" "$work/ours.json")"
  echo "$out"
  add "$name peerwell" "$("$py" "$bench/sched/verify_solution.py" "$inst" "$work/ours.json")" \
    "$(echo "$out" | sed -n 's/.*solve=\([0-9.]*ms\) whole=\([0-9.]*ms\).*/\1 (whole process \2)/p')"
done
echo
echo "| run | scheduled | morning | solve time | verify_solution.py |"
echo "|---|---|---|---|---|"
printf '%s\n' "${table[@]}"
