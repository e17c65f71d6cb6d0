#!/usr/bin/env bash
# Calendar ingest benchmark: peerwell vs libical on the same 11 MB file, in
# the same run. Usage: host/bench/ingest.sh [SHARED_BENCH_DIR]
# (default: ../shared/bench relative to the repository root).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
bench="${1:-$root/../shared/bench}"
bench="$(cd "$bench" && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
ics="$work/big.ics"

python3 "$bench/ics/gen_ics.py" 20000 "$ics"

if ! pkg-config --exists libical 2>/dev/null; then
  apt-get install -y libical-dev >/dev/null
fi
gcc -O2 -o "$work/bench_libical" "$bench/ics/bench_libical.c" $(pkg-config --cflags --libs libical)

(cd "$root" && cargo build --release -q -p peerwell-bench)
ours="$root/target/release/peerwell-bench"
args=(ingest "$ics" --from 2026-03-02 --to 2026-05-25 --tz America/New_York)

echo "== machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //')"
echo "== counts"
"$ours" "${args[@]}"
"$work/bench_libical" "$ics" 1
echo "== whole process (parse + expand, including process start and file read)"
if command -v hyperfine >/dev/null || apt-get install -y hyperfine >/dev/null 2>&1; then
  hyperfine -N -w 2 -r 20 \
    -n peerwell "$ours ${args[*]}" \
    -n libical "$work/bench_libical $ics 1"
else
  for name in peerwell libical; do
    start=$(date +%s%N)
    for _ in $(seq 10); do
      if [ $name = peerwell ]; then "$ours" "${args[@]}" >/dev/null; else "$work/bench_libical" "$ics" 1 >/dev/null; fi
    done
    echo "$name: $(( ($(date +%s%N) - start) / 10000000 )) ms per run (mean of 10)"
  done
fi
