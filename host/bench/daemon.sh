#!/usr/bin/env bash
# The daemon's benchmarks (see BENCHMARKS.md, "Daemon"):
#   http    feeds served by `peerwell serve` against nginx serving the same bytes,
#           measured with wrk at 64 connections, alternating, same run;
#   mail    10,000 reminders drained from the outbox into Postfix's smtp-sink,
#           against smtp-source's throughput into the same sink;
#   memory  the daemon's resident memory with a generated organization of
#           20,000 staff (first pass, then serving);
#   invitations  the same organization with [mail] delivery = "invitations":
#           time and memory to queue the first pass's invitations, then one
#           role holder's absence link posted: time to the group's feed
#           changing and to the change notices queued.
# Usage: host/bench/daemon.sh [http] [mail] [memory] [invitations]
#        (default: http mail memory)
# Installs wrk, nginx and postfix with tests/apt-install when missing.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
parts="${*:-http mail memory}"
rounds="${ROUNDS:-3}"
duration="${DURATION:-10s}"
work="$(mktemp -d)"
chmod 755 "$work" # nginx's workers run as an unprivileged user
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

"$root/tests/apt-install" wrk nginx postfix
(cd "$root" && cargo build --release -q -p peerwell -p peerwell-bench)
"$root/plugins/build" >/dev/null
# PEERWELL_BIN runs another build of the daemon (a before/after pair).
bin="${PEERWELL_BIN:-$root/target/release/peerwell}"
bench="$root/target/release/peerwell-bench"

echo "== machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //'), $(free -g | awk '/Mem:/ {print $2}') GiB"
echo "== load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# Starts `peerwell serve DIR ARGS...` in the background; sets $daemon_pid and
# $daemon_url once it prints its address.
start_daemon() {
  local dir="$1" log="$2"
  shift 2
  "$bin" serve "$dir" --listen 127.0.0.1:0 "$@" >"$log" 2>"$log.err" &
  daemon_pid=$!
  pids+=("$daemon_pid")
  for _ in $(seq 1 1200); do
    daemon_url="$(sed -n 's/^listening on //p' "$log" | head -n 1)"
    [ -n "$daemon_url" ] && return 0
    kill -0 "$daemon_pid" 2>/dev/null || { cat "$log.err" >&2; return 1; }
    sleep 0.1
  done
  echo "the daemon did not start" >&2
  return 1
}

rss() { # VmRSS and VmHWM of a process, in MiB
  awk '/^VmRSS|^VmHWM/ { printf "%s %.0f MiB  ", $1, $2 / 1024 }' "/proc/$1/status"
}

if [[ " $parts " == *" http "* ]]; then
  echo
  echo "== http: feeds from examples/clinic, wrk -t2 -c64 -d$duration, $rounds rounds each, alternating"
  org="$work/clinic"
  cp -r "$root/examples/clinic" "$org"
  sed -i "s#\.\./\.\./plugins/#$root/plugins/#" "$org/peerwell.toml"
  export PEERWELL_DATA_DIR="$work/clinic-state"
  start_daemon "$org" "$work/serve.log" --now 2026-03-02T08:00:00-06:00
  # Two feeds: the median-sized one (what a typical member fetches) and the
  # largest (the most sessions per response), each against nginx.
  "$bin" feeds "$org" --base-url "$daemon_url" --format json | python3 -c '
import json, sys, urllib.request
feeds = json.load(sys.stdin)
sizes = sorted((len(urllib.request.urlopen(f["feed_url"]).read()), f["feed_url"]) for f in feeds)
print("median", sizes[len(sizes) // 2][1])
print("largest", sizes[-1][1])' >"$work/feeds.txt"
  mkdir -p "$work/www"
  port="$(free_port)"
  mkdir -p "$work/nginx/logs"
  cat >"$work/nginx/nginx.conf" <<EOF
worker_processes auto;
daemon off;
error_log $work/nginx/logs/error.log warn;
pid $work/nginx/nginx.pid;
events { worker_connections 1024; }
http {
  types { text/calendar ics; }
  charset utf-8;
  charset_types text/calendar;
  access_log off;
  sendfile on;
  tcp_nopush on;
  keepalive_requests 1000000;
  keepalive_timeout 60s;
  open_file_cache max=16;
  open_file_cache_valid 60s;
  server {
    listen 127.0.0.1:$port;
    root $work/www;
  }
}
EOF
  nginx -p "$work/nginx" -c "$work/nginx/nginx.conf" &
  pids+=("$!")
  while read -r label feed <&3; do
    curl -sf "$feed" -o "$work/www/$label.ics"
    echo "  -- the $label feed"
    nginx_url="http://127.0.0.1:$port/$label.ics"
    for _ in $(seq 1 50); do curl -sf -o /dev/null "$nginx_url" && break; sleep 0.1; done
    curl -sf "$nginx_url" -o "$work/nginx.ics"
    curl -sf "$feed" -o "$work/peerwell.ics"
    cmp "$work/nginx.ics" "$work/peerwell.ics"
    echo "   same $(wc -c <"$work/peerwell.ics") bytes from both; content types:" \
      "peerwell \"$(curl -sI "$feed" | sed -n 's/^[Cc]ontent-[Tt]ype: //p' | tr -d '\r')\"," \
      "nginx \"$(curl -sI "$nginx_url" | sed -n 's/^[Cc]ontent-[Tt]ype: //p' | tr -d '\r')\""
    run_wrk() {
      wrk -t2 -c64 -d"$duration" --latency "$1" >"$work/wrk.out"
      local rps p50 p99
      rps="$(awk '/^Requests\/sec:/ {print $2}' "$work/wrk.out")"
      p50="$(awk '$1 == "50%" {print $2}' "$work/wrk.out")"
      p99="$(awk '$1 == "99%" {print $2}' "$work/wrk.out")"
      if grep -q "Non-2xx\|Socket errors" "$work/wrk.out"; then
        grep "Non-2xx\|Socket errors" "$work/wrk.out" | sed 's/^/      /'
      fi
      echo "$rps $p50 $p99"
    }
    wrk -t2 -c64 -d3s "$feed" >/dev/null
    wrk -t2 -c64 -d3s "$nginx_url" >/dev/null
    : >"$work/rps"
    for r in $(seq 1 "$rounds"); do
      read -r prps p50 p99 <<<"$(run_wrk "$feed")"
      echo "   round $r peerwell: $prps req/s (p50 $p50, p99 $p99)"
      read -r nrps n50 n99 <<<"$(run_wrk "$nginx_url")"
      echo "   round $r nginx:    $nrps req/s (p50 $n50, p99 $n99)"
      echo "$prps $nrps" >>"$work/rps"
    done
    python3 - "$work/rps" <<'EOF'
import statistics, sys
rows = [tuple(map(float, l.split())) for l in open(sys.argv[1]) if l.strip()]
p = statistics.median(r[0] for r in rows)
n = statistics.median(r[1] for r in rows)
ratios = [r[0] / r[1] for r in rows]
print(f"   median: peerwell {p:,.0f} req/s, nginx {n:,.0f} req/s: {100 * p / n:.0f}% of nginx"
      f" (per round {', '.join(f'{100 * x:.0f}%' for x in ratios)})")
EOF
  done 3<"$work/feeds.txt"
  echo "   daemon memory after the runs: $(rss "$daemon_pid")"
  kill "$daemon_pid"
  unset PEERWELL_DATA_DIR
fi

if [[ " $parts " == *" mail "* ]]; then
  echo
  echo "== mail: 10,000 reminders into smtp-sink (gen_org.py 2000 200 42)"
  org="$work/mailorg"
  python3 "$root/host/bench/gen_org.py" 2000 200 42 "$org" >/dev/null
  port="$(free_port)"
  cat >>"$org/peerwell.toml" <<EOF

[mail]
from = "wellness@bench.example"
domain = "bench.example"

[mail.smtp]
host = "127.0.0.1"
port = $port
tls = "none"
EOF
  /usr/sbin/smtp-sink -c -u nobody "127.0.0.1:$port" 1024 >"$work/sink.out" 2>&1 &
  sink_pid=$!
  pids+=("$sink_pid")
  sleep 0.5
  # smtp-sink -c keeps a running "sess=N quit=N mesg=N" line.
  sink_count() { tr '\r' '\n' <"$work/sink.out" | sed -n 's/.*mesg=\([0-9]*\).*/\1/p' | tail -n 1; }
  for r in $(seq 1 "$rounds"); do
    before="$(sink_count)"
    rm -rf "$work/mailstate"
    PEERWELL_DATA_DIR="$work/mailstate" "$bench" mail drain "$org" --count 10000 | sed 's/^/   /'
    sleep 0.3
    after="$(sink_count)"
    echo "   smtp-sink counted $(( ${after:-0} - ${before:-0} )) messages"
  done
  echo "   reference: smtp-source, 10,000 messages of 2 KB into the same sink"
  for s in 1 8; do
    before="$(sink_count)"
    start="$(date +%s.%N)"
    smtp-source -d -m 10000 -s "$s" -l 2048 -f a@bench.example -t b@bench.example "127.0.0.1:$port"
    end="$(date +%s.%N)"
    sleep 0.3
    after="$(sink_count)"
    python3 -c "print(f'   smtp-source -s $s: {10000 / ($end - $start):,.0f} messages per second ({$end - $start:.3f} s); sink counted $(( ${after:-0} - ${before:-0} ))')"
  done
fi

if [[ " $parts " == *" memory "* ]]; then
  echo
  echo "== memory: gen_org.py 20000 2000 42, peerwell serve at 2026-03-01T12:00:00Z"
  org="$work/big"
  python3 "$root/host/bench/gen_org.py" 20000 2000 42 "$org" >/dev/null
  echo "   input: $(du -sh "$org" | cut -f1), $(find "$org" -name '*.ics' | wc -l) calendars"
  export PEERWELL_DATA_DIR="$work/big-state"
  start="$(date +%s.%N)"
  start_daemon "$org" "$work/big.log" --now 2026-03-01T12:00:00Z
  for _ in $(seq 1 3000); do
    curl -sf "$daemon_url/healthz" >"$work/health.json" 2>/dev/null && break
    sleep 0.2
  done
  end="$(date +%s.%N)"
  python3 - "$work/health.json" "$start" "$end" <<'EOF'
import json, sys
h = json.load(open(sys.argv[1]))
print(f"   first pass served after {float(sys.argv[3]) - float(sys.argv[2]):.1f} s: "
      f"status {h['status']}, {h['sessions']} sessions, {h['feeds']} feeds")
EOF
  echo "   after the first pass: $(rss "$daemon_pid")"
  start="$(date +%s.%N)"
  for _ in $(seq 1 3000); do
    q="$(curl -sf "$daemon_url/metrics" | awk '/^peerwell_reminders_queued_total/ {print $2}')"
    [ "${q:-0}" -gt 0 ] && break
    sleep 0.2
  done
  end="$(date +%s.%N)"
  sleep 2
  python3 -c "print(f'   reminders queued $q in {$end - $start:.1f} s after the first pass')"
  echo "   then: $(rss "$daemon_pid")"
  "$bin" feeds "$org" --base-url "$daemon_url" --format json | python3 -c '
import json, sys, urllib.request
feeds = json.load(sys.stdin)
for f in feeds[::50]:
    urllib.request.urlopen(f["feed_url"]).read()
print(f"   fetched {len(feeds[::50])} of {len(feeds)} feeds")'
  echo "   after serving feeds: $(rss "$daemon_pid")"
  curl -sf "$daemon_url/metrics" | grep -E '^peerwell_(plans|sessions|reminders_queued|reminders_sent)' | sed 's/^/   /'
  kill "$daemon_pid"
fi
if [[ " $parts " == *" invitations "* ]]; then
  echo
  echo "== invitations: gen_org.py 20000 2000 42, [mail] delivery = \"invitations\", peerwell serve at 2026-03-01T12:00:00Z"
  org="$work/inv"
  python3 "$root/host/bench/gen_org.py" 20000 2000 42 "$org" >/dev/null
  printf '\n[mail]\ndelivery = "invitations"\n' >>"$org/peerwell.toml"
  export PEERWELL_DATA_DIR="$work/inv-state" PEERWELL_PUBLIC_URL="https://peerwell.bench.invalid"
  start="$(date +%s.%N)"
  start_daemon "$org" "$work/inv.log" --now 2026-03-01T12:00:00Z
  for _ in $(seq 1 3000); do
    q="$(curl -sf "$daemon_url/metrics" | awk '/^peerwell_reminders_queued_total/ {print $2}')"
    [ "${q:-0}" -gt 0 ] && break
    sleep 0.2
  done
  end="$(date +%s.%N)"
  python3 -c "print(f'   first pass planned and its {$q} messages queued {$end - $start:.1f} s after start')"
  echo "   then: $(rss "$daemon_pid")"
  "$bin" outbox "$org" --format json >"$work/outbox.json"
  "$bin" feeds "$org" --base-url "$daemon_url" --format json >"$work/feeds.json"
  python3 "$root/host/bench/absence_click.py" "$work/outbox.json" "$work/feeds.json" "$daemon_url"
  echo "   then: $(rss "$daemon_pid")"
  kill "$daemon_pid"
fi
echo
echo "== load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
