#!/usr/bin/env bash
# Joint scheduling benchmark: peerwell's solver vs OR-tools CP-SAT on the same
# instances, in the same run. Usage: host/bench/sched.sh [SHARED_BENCH_DIR]
# (default: ../shared/bench relative to the repository root).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
bench="${1:-$root/../shared/bench}"
bench="$(cd "$bench" && pwd)"
venv="$root/target/bench-venv"
if ! "$venv/bin/python" -c 'import ortools' 2>/dev/null; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q ortools
fi
py="$venv/bin/python"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

(cd "$root" && cargo build --release -q -p peerwell-bench)
ours="$root/target/release/peerwell-bench"
echo "== machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //'), load $(cut -d' ' -f1-3 /proc/loadavg)"

field() { echo "$1" | sed -n "s/.*$2=\([0-9]*\).*/\1/p"; }
table=()
add() { table+=("| $1 | $(field "$2" scheduled) | ${4:--} | $(field "$2" morning) | $3 | $2 |"); }
for spec in "2000 20000 42 sched_2000" "1000 2000 7 sched_dense"; do
  read -r n_groups n_people seed name <<<"$spec"
  inst="$work/$name.json"
  "$py" "$bench/sched/gen_instance.py" "$n_groups" "$n_people" "$seed" "$inst"
  echo "== CP-SAT on $name (tuned: subsolvers=max_lp_sym,core)"
  cp_out="$("$py" "$bench/sched/solve.py" "$inst" --time-limit 60 --param subsolvers=max_lp_sym,core)"
  echo "$cp_out"
  # CP-SAT's bound is on W * groups + morning, W = groups + 1.
  cp_bound="$(echo "$cp_out" | sed -n 's/.*bound=\([0-9]*\).*/\1/p')"
  add "$name CP-SAT" "$("$py" "$bench/sched/verify_solution.py" "$inst" "${inst%.json}.cpsat.solution.json")" \
    "$(echo "$cp_out" | sed -n 's/.*solve_wall=\([0-9.]*s\).*/\1/p') ($(echo "$cp_out" | sed -n 's/.*status=\([A-Z]*\).*/\1/p'))" \
    "$((cp_bound / (n_groups + 1)))"
  add "$name greedy (solve.py)" "$("$py" "$bench/sched/verify_solution.py" "$inst" "${inst%.json}.greedy.solution.json")" "-"
  for steps in 10000 default; do
    extra=()
    [ "$steps" = default ] || extra=(--steps "$steps")
    echo "== peerwell on $name (steps: $steps)"
    out="$("$ours" sched "$inst" "$work/ours.json" "${extra[@]}")"
    echo "$out"
    add "$name peerwell steps=$steps" "$("$py" "$bench/sched/verify_solution.py" "$inst" "$work/ours.json")" \
      "$(echo "$out" | sed -n 's/.*solve=\([0-9.]*ms\) whole=\([0-9.]*ms\).*/\1 (whole process \2)/p')" \
      "$(field "$out" bound)"
  done
done
echo
echo "| run | scheduled | bound (groups) | morning | solve time | verify_solution.py |"
echo "|---|---|---|---|---|---|"
printf '%s\n' "${table[@]}"
