#!/usr/bin/env bash
# Replicas on PostgreSQL (see BENCHMARKS.md, "Replicas on PostgreSQL"):
#   commit    committing the plan of gen_org.py 20000 2000 42 into a fresh
#             SQLite file and a fresh PostgreSQL database, alternating;
#   failover  3 `peerwell serve` replicas (default lease) on one database
#             sending reminders to a slow SMTP peer; the leader killed with
#             SIGKILL 20 times: time to a new leader on /healthz and to the
#             first reminder the new leader sends;
#   http      the clinic's feed from one replica, from one and from two
#             replicas behind nginx round-robin, and from nginx serving the
#             same bytes from a file; wrk -t2 -c64, alternating.
# Usage: host/bench/replicas.sh [commit] [failover] [http]   (default: all)
# Environment: ROUNDS (3), DURATION (10s), KILLS (20), COMMIT_ORG
# ("20000 2000 42"), FAILOVER_ORG ("2000 200 42"), SMTP_DELAY (0.25 s).
# Starts a private PostgreSQL 15 cluster in a temporary directory (trust
# authentication on 127.0.0.1, the server's default durability settings);
# installs wrk, nginx and postfix with tests/apt-install when missing.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
parts="${*:-commit failover http}"
rounds="${ROUNDS:-3}"
duration="${DURATION:-10s}"
kills="${KILLS:-20}"
now="2026-03-02T06:00:00Z"
work="$(mktemp -d)"
chmod 755 "$work" # nginx's workers and PostgreSQL run as other users
pgbin="${PEERWELL_PG_BIN:-/usr/lib/postgresql/15/bin}"
pids=()
as_pg() { if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  [ -f "$work/pg/data/postmaster.pid" ] && as_pg "$pgbin/pg_ctl" -D "$work/pg/data" -m immediate stop >/dev/null 2>&1
  rm -rf "$work"
}
trap cleanup EXIT

"$root/tests/apt-install" wrk nginx postfix postgresql jq
(cd "$root" && cargo build --release -q -p peerwell -p peerwell-bench)
"$root/plugins/build" >/dev/null
bin="$root/target/release/peerwell"
bench="$root/target/release/peerwell-bench"

load() { cut -d' ' -f1-3 /proc/loadavg; }
echo "== machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //'), $(free -g | awk '/Mem:/ {print $2}') GiB"
echo "== load average at start: $(load)"

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# A private cluster: superuser `postgres`, trust on the socket and 127.0.0.1.
start_postgres() {
  mkdir -p "$work/pg"
  [ "$(id -u)" -eq 0 ] && chown postgres:postgres "$work/pg"
  as_pg "$pgbin/initdb" -D "$work/pg/data" -U postgres --auth-local=trust \
    --auth-host=trust -E UTF8 --locale=C >/dev/null
  pgport="$(free_port)"
  printf "listen_addresses = '127.0.0.1'\nport = %s\nunix_socket_directories = '%s'\nmax_connections = 100\n" \
    "$pgport" "$work/pg" | as_pg tee -a "$work/pg/data/postgresql.conf" >/dev/null
  as_pg "$pgbin/pg_ctl" -D "$work/pg/data" -l "$work/pg/server.log" -w start >/dev/null
  echo "== PostgreSQL $("$pgbin/postgres" --version | awk '{print $3}') on 127.0.0.1:$pgport (default durability: fsync and synchronous_commit on)"
}
pg_url() { echo "postgres://postgres@127.0.0.1:$pgport/$1"; }
createdb_fresh() { "$pgbin/createdb" -h 127.0.0.1 -p "$pgport" -U postgres "$1"; }
psql_q() { "$pgbin/psql" -h 127.0.0.1 -p "$pgport" -U postgres -d "$1" -Atqc "$2"; }
start_postgres

# Starts `peerwell serve DIR ARGS...` with the environment given before it
# (`env A=B ... start_serve`); sets $daemon_pid and $daemon_url.
start_serve() {
  local dir="$1" log="$2"
  shift 2
  : >"$log"
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

# Reaps the killed process $1 and drops it from the ones to stop at exit.
forget() {
  wait "$1" 2>/dev/null || true
  local kept=() p
  for p in "${pids[@]}"; do [ "$p" = "$1" ] || kept+=("$p"); done
  pids=("${kept[@]}")
}

if [[ " $parts " == *" commit "* ]]; then
  read -r staff groups seed <<<"${COMMIT_ORG:-20000 2000 42}"
  echo
  echo "== commit: the plan of gen_org.py $staff $groups $seed, SQLite vs PostgreSQL, $rounds rounds alternating"
  echo "   load average before: $(load)"
  org="$work/commit-org"
  python3 "$root/host/bench/gen_org.py" "$staff" "$groups" "$seed" "$org" >/dev/null
  urls=()
  for r in $(seq 1 "$rounds"); do
    createdb_fresh "commit$r"
    urls+=(--url "$(pg_url "commit$r")")
  done
  PEERWELL_DATA_DIR="$work/commit-state" "$bench" state commit "$org" --now "$now" "${urls[@]}" | sed 's/^/   /'
  echo "   PostgreSQL database size after the commit: $(psql_q commit1 "SELECT pg_size_pretty(pg_database_size('commit1'))")"
  echo "   load average after: $(load)"
fi

if [[ " $parts " == *" failover "* ]]; then
  read -r staff groups seed <<<"${FAILOVER_ORG:-2000 200 42}"
  delay="${SMTP_DELAY:-0.25}"
  echo
  echo "== failover: 3 replicas of gen_org.py $staff $groups $seed (default lease), $kills leader kills (SIGKILL)"
  echo "   load average before: $(load)"
  createdb_fresh failover
  state_url="$(pg_url failover)"
  smtp_port="$(free_port)"
  python3 "$root/host/bench/smtp_timed.py" "$smtp_port" "$work/arrivals" "$delay" &
  pids+=("$!")
  org="$work/failover-org"
  python3 "$root/host/bench/gen_org.py" "$staff" "$groups" "$seed" "$org" >/dev/null
  # One week of sessions with reminders and role notices 7 days ahead: all
  # due at $now, so the outbox is sending through every kill.
  sed -i 's/^horizon_weeks = .*/horizon_weeks = 1/' "$org/peerwell.toml"
  cat >>"$org/peerwell.toml" <<EOF

[mail]
from = "wellness@bench.example"
domain = "bench.example"
reminders = ["7d"]
role_notice = "7d"
retry_seconds = 1
connections = 2

[mail.smtp]
host = "127.0.0.1"
port = $smtp_port
tls = "none"
EOF
  rpid=() rurl=()
  start_replica() {
    export PEERWELL_STATE_URL="$state_url" PEERWELL_DATA_DIR="$work/replica$1"
    start_serve "$org" "$work/replica$1.log" --now "$now"
    unset PEERWELL_STATE_URL PEERWELL_DATA_DIR
    rpid[$1]="$daemon_pid" rurl[$1]="$daemon_url"
  }
  health() { curl -s -m 1 "$1/healthz" | jq -r '"\(.role) \(.lease_generation) \(.status)"' 2>/dev/null || true; }
  # Waits for a replica other than $1 to lead with a generation above $2;
  # sets $leader and $generation.
  wait_leader() {
    for _ in $(seq 1 1200); do
      for i in 0 1 2; do
        [ "$i" = "$1" ] && continue
        read -r role gen _ <<<"$(health "${rurl[$i]}")"
        if [ "$role" = leader ] && [ "$gen" -gt "$2" ]; then leader="$i" generation="$gen"; return 0; fi
      done
      sleep 0.05
    done
    echo "no new leader within 60 s" >&2
    return 1
  }
  sent_by() { psql_q failover "SELECT count(*) FROM peerwell_outbox WHERE state = 'sent' AND claimed_generation = $1"; }
  queued() { psql_q failover "SELECT count(*) FROM peerwell_outbox WHERE state IN ('queued', 'sending')"; }
  for i in 0 1 2; do start_replica "$i"; done
  wait_leader -1 0
  for _ in $(seq 1 1200); do [ "$(sent_by "$generation")" -gt 0 ] && break; sleep 0.1; done
  [ "$(sent_by "$generation")" -gt 0 ] || { echo "nothing was sent: see $work/replica*.log.err" >&2; exit 1; }
  echo "   outbox: $(psql_q failover "SELECT count(*) FROM peerwell_outbox") messages; SMTP peer: $delay s per message, connections = 2"
  : >"$work/kills"
  for k in $(seq 1 "$kills"); do
    old="$leader" old_gen="$generation"
    left="$(queued)"
    t0="$(date +%s.%N)"
    kill -9 "${rpid[$old]}"
    forget "${rpid[$old]}"
    wait_leader "$old" "$old_gen"
    t1="$(date +%s.%N)"
    for _ in $(seq 1 1200); do [ "$(sent_by "$generation")" -gt 0 ] && break; sleep 0.1; done
    echo "$k $t0 $t1 $generation $left" >>"$work/kills"
    start_replica "$old"
    for _ in $(seq 1 1200); do
      read -r role _ status <<<"$(health "${rurl[$old]}")"
      [ "$role" = follower ] && [ "$status" != starting ] && break
      sleep 0.1
    done
  done
  psql_q failover "SELECT claimed_generation, message_id FROM peerwell_outbox WHERE state = 'sent'" >"$work/sent"
  python3 - "$work/kills" "$work/arrivals" "$work/sent" <<'EOF'
import statistics, sys
kills = [l.split() for l in open(sys.argv[1])]
arrivals = sorted((float(t), m) for t, m in (l.split() for l in open(sys.argv[2])))
by_gen = {}
for line in open(sys.argv[3]):
    g, m = line.strip().split("|")
    by_gen.setdefault(int(g), set()).add(m)
lead, first = [], []
for k, t0, t1, gen, left in kills:
    t0, t1, ids = float(t0), float(t1), by_gen.get(int(gen), set())
    # A message in flight at the kill may be accepted after it and then
    # sent again by the new leader: its last acceptance is the new leader's.
    last = {m: t for t, m in arrivals if t > t0 and m in ids}
    sent = min(last.values(), default=None)
    lead.append(t1 - t0)
    first.append(sent - t0 if sent else float("nan"))
    print(f"   kill {k:>2}: new leader (generation {gen}) after {t1 - t0:5.2f} s, "
          f"its first reminder accepted after {first[-1]:5.2f} s ({left} unsent before)")
def line(name, xs):
    xs = sorted(x for x in xs if x == x)
    print(f"   {name}: p50 {statistics.median(xs):.2f} s, max {xs[-1]:.2f} s, min {xs[0]:.2f} s ({len(xs)} kills)")
line("new leader on /healthz", lead)
line("first reminder sent by the new leader", first)
EOF
  dup="$(awk '{print $2}' "$work/arrivals" | sort | uniq -d | wc -l)"
  echo "   SMTP peer accepted $(wc -l <"$work/arrivals") messages ($dup twice: in flight at a kill)"
  for i in 0 1 2; do kill "${rpid[$i]}" 2>/dev/null || true; done
  echo "   load average after: $(load)"
fi

if [[ " $parts " == *" http "* ]]; then
  echo
  echo "== http: the clinic's median feed, wrk -t2 -c64 -d$duration, $rounds rounds, alternating"
  echo "   load average before: $(load)"
  createdb_fresh http
  org="$work/clinic"
  cp -r "$root/examples/clinic" "$org"
  sed -i "s#\.\./\.\./plugins/#$root/plugins/#" "$org/peerwell.toml"
  export PEERWELL_STATE_URL="$(pg_url http)"
  for i in 0 1; do
    PEERWELL_DATA_DIR="$work/http$i" start_serve "$org" "$work/http$i.log" --now 2026-03-02T08:00:00-06:00
    hurl[$i]="$daemon_url"
    [ "$i" = 0 ] && for _ in $(seq 1 600); do
      [ "$(curl -s "${hurl[0]}/healthz" | jq -r .role)" = leader ] && break
      sleep 0.1
    done
  done
  PEERWELL_DATA_DIR="$work/http0" "$bin" feeds "$org" --base-url "${hurl[0]}" --format json | python3 -c '
import json, sys, urllib.request
feeds = json.load(sys.stdin)
sizes = sorted((len(urllib.request.urlopen(f["feed_url"]).read()), f["feed_url"]) for f in feeds)
print(sizes[len(sizes) // 2][1].split("/", 3)[3])' >"$work/feed-path"
  unset PEERWELL_STATE_URL
  path="$(cat "$work/feed-path")"
  mkdir -p "$work/www/$(dirname "$path")" "$work/nginx/logs"
  curl -sf "${hurl[0]}/$path" -o "$work/www/$path"
  ports=("$(free_port)" "$(free_port)" "$(free_port)")
  upstream() { for u in "$@"; do echo "    server ${u#http://} max_fails=0;"; done; echo "    keepalive 64;"; }
  proxy() { echo "  server { listen 127.0.0.1:$1; location / { proxy_pass http://$2; proxy_http_version 1.1; proxy_set_header Connection \"\"; } }"; }
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
  upstream one {
$(upstream "${hurl[0]}")
  }
  upstream two {
$(upstream "${hurl[0]}" "${hurl[1]}")
  }
  server { listen 127.0.0.1:${ports[0]}; root $work/www; }
$(proxy "${ports[1]}" one)
$(proxy "${ports[2]}" two)
}
EOF
  nginx -p "$work/nginx" -c "$work/nginx/nginx.conf" &
  pids+=("$!")
  names=("one replica" "nginx -> 1 replica" "nginx -> 2 replicas" "nginx, file")
  targets=("${hurl[0]}/$path" "http://127.0.0.1:${ports[1]}/$path" "http://127.0.0.1:${ports[2]}/$path" "http://127.0.0.1:${ports[0]}/$path")
  for _ in $(seq 1 100); do curl -sf -o /dev/null "${targets[3]}" && curl -sf -o /dev/null "${hurl[1]}/$path" && break; sleep 0.1; done
  for t in "${hurl[1]}/$path" "${targets[@]}" "${targets[2]}"; do
    curl -sf "$t" -o "$work/got.ics"
    cmp "$work/www/$path" "$work/got.ics"
  done
  echo "   same $(wc -c <"$work/www/$path") bytes from both replicas, through nginx and from nginx's file"
  run_wrk() {
    wrk -t2 -c64 -d"$duration" --latency "$1" >"$work/wrk.out"
    if grep -q "Non-2xx\|Socket errors" "$work/wrk.out"; then
      grep "Non-2xx\|Socket errors" "$work/wrk.out" | sed 's/^/      /' >&2
    fi
    echo "$(awk '/^Requests\/sec:/ {print $2}' "$work/wrk.out") $(awk '$1 == "50%" {print $2}' "$work/wrk.out") $(awk '$1 == "99%" {print $2}' "$work/wrk.out")"
  }
  for t in "${targets[@]}"; do wrk -t2 -c64 -d3s "$t" >/dev/null; done
  : >"$work/rps"
  for r in $(seq 1 "$rounds"); do
    for i in 0 1 2 3; do
      read -r rps p50 p99 <<<"$(run_wrk "${targets[$i]}")"
      printf "   round %s %-20s %10s req/s (p50 %s, p99 %s)\n" "$r" "${names[$i]}:" "$rps" "$p50" "$p99"
      echo "$i $rps" >>"$work/rps"
    done
  done
  python3 - "$work/rps" "${names[@]}" <<'EOF'
import statistics, sys
rows = [l.split() for l in open(sys.argv[1]) if l.strip()]
names = sys.argv[2:]
med = [statistics.median(float(r) for i, r in rows if int(i) == k) for k in range(len(names))]
for k, name in enumerate(names):
    print(f"   median {name + ':':<21} {med[k]:>9,.0f} req/s ({100 * med[k] / med[3]:.0f}% of nginx's file)")
EOF
  echo "   load average after: $(load)"
fi
echo
echo "== load average at the end: $(load)"
