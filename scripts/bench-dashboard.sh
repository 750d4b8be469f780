#!/usr/bin/env bash
# Does a Picket followed by dashboards for hours grow? Runs a real Picket beside a real nginx with three
# loopback backends, one of them flapping, while it is watched harder than any operator would: four
# clients follow GET /v1/events (one notes how late each event arrives), one more connects every
# minute and never reads (cut off after 5 s), /v1/overview is read 10 times a second (a page reads it
# every 5 s) and a backend is drained and undrained 5 times a second. Prints Picket's resident memory
# and the stream's counters every SAMPLE seconds, then compares the second half of the run with the
# first and gives the event stream's delivery latency.
#   scripts/bench-dashboard.sh [MINUTES] [SAMPLE_SECONDS]     (defaults: 10, 30)
# Uses PICKET (default .build/release/picket, else .build/debug/picket). Loopback only.
set -euo pipefail
cd "$(dirname "$0")/.."
minutes=${1:-10}
sample=${2:-30}
picket=${PICKET:-}
[ -z "$picket" ] && for candidate in .build/release/picket .build/debug/picket; do [ -x "$candidate" ] && picket=$candidate && break; done
[ -x "$picket" ] || { echo "bench-dashboard: build picket first (swift build -c release --product picket)" >&2; exit 1; }

work=$(mktemp -d /tmp/picket-bench-dashboard-XXXXXX)
prefix=$work/nginx
token=bench-dashboard-token-0123
status=127.0.0.1:29180
ports=(29101 29102 29103)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do pkill -P "$pid" 2>/dev/null || true; kill "$pid" 2>/dev/null || true; done
  [ -f "$prefix/logs/nginx.pid" ] && nginx/run-nginx.sh "$prefix" stop 2>/dev/null || true
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

backend() {
  mkdir -p "$work/www$1" && echo ok >"$work/www$1/health"
  (cd "$work/www$1" && exec python3 -m http.server "$1" --bind 127.0.0.1 >/dev/null 2>&1) &
  echo $!
}

nginx/run-nginx.sh "$prefix" layout
sed -i 's/127.0.0.1:8080/127.0.0.1:29080/' "$prefix/conf/nginx.conf"
for port in "${ports[@]}"; do pids+=("$(backend "$port")"); done
cat >"$work/picket.yaml" <<YAML
nginx:
  output: $prefix/conf/picket/upstreams.conf
  main_config: $prefix/conf/nginx.conf
  test_command: [nginx, -t, -q, -p, $prefix, -c, "{config}"]
  pid_file: $prefix/logs/nginx.pid
status: {listen: $status, token: $token}
state: {enabled: false}
apps:
  - name: web
    health_check: {path: /health, interval: 250ms, timeout: 200ms, failure_threshold: 1, success_threshold: 1}
    instances: [127.0.0.1:${ports[0]}, 127.0.0.1:${ports[1]}, 127.0.0.1:${ports[2]}]
YAML
"$picket" run --config "$work/picket.yaml" --log-level warning >"$work/picket.log" 2>&1 &
picket_pid=$!
pids+=("$picket_pid")
for _ in $(seq 50); do [ -f "$prefix/conf/picket/upstreams.conf" ] && break; sleep 0.1; done
nginx/run-nginx.sh "$prefix" start
sleep 2

for _ in 1 2 3; do curl -sN "http://$status/v1/events" >/dev/null 2>&1 & pids+=($!); done
# The fourth follower notes, for each event logged after it connected, how long after its `ts` it read it.
python3 -c '
import datetime, http.client, json, sys, time
host, port = sys.argv[1].split(":")
connection = http.client.HTTPConnection(host, int(port))
connection.request("GET", "/v1/events")
response, started = connection.getresponse(), time.time()
with open(sys.argv[2], "w", buffering=1) as out:
    for line in response:
        if line.startswith(b"data: "):
            logged = datetime.datetime.fromisoformat(json.loads(line[6:])["ts"].replace("Z", "+00:00")).timestamp()
            if logged > started:
                out.write(f"{(time.time() - logged) * 1000:.1f}\n")
' "$status" "$work/latency.txt" & pids+=($!)
(while :; do curl -s "http://$status/v1/overview" >/dev/null; sleep 0.1; done) & pids+=($!)
(while :; do
  for action in drain undrain; do curl -s -X POST -H "Authorization: Bearer $token" "http://$status/v1/apps/web/backends/127.0.0.1:${ports[0]}/$action" >/dev/null; sleep 0.2; done
done) & pids+=($!)
(while :; do
  python3 -c "import socket, time; s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1024); s.connect(('127.0.0.1', ${status##*:})); s.sendall(b'GET /v1/events HTTP/1.1\r\nHost: x\r\n\r\n'); time.sleep(58)" 2>/dev/null
done) & pids+=($!)
(flapping=$(backend "${ports[2]}"); while :; do
  sleep 2; kill "$flapping" 2>/dev/null; sleep 2; flapping=$(backend "${ports[2]}")
done) & pids+=($!)

metric() { grep -E "^$1 " <<<"$2" | awk '{print $2}' | head -1; }
printf '%8s %8s %14s %8s %8s %15s\n' elapsed rss_mib event_clients applies cut_off dropped_events
start=$(date +%s)
first=() second=()
end=$((start + minutes * 60))
while [ "$(date +%s)" -lt "$end" ]; do
  sleep "$sample"
  now=$(date +%s)
  m=$(curl -s "http://$status/metrics")
  rss=$(metric process_resident_memory_bytes "$m")
  mib=$(awk -v b="$rss" 'BEGIN { printf "%.1f", b / 1048576 }')
  events=$(curl -s "http://$status/v1/overview" | python3 -c "import json, sys; print(json.load(sys.stdin)['event_clients'])")
  printf '%7ss %8s %14s %8s %8s %15s\n' $((now - start)) "$mib" "$events" "$(metric 'picket_applies_total\{result="applied"\}' "$m")" \
    "$(metric picket_event_stream_cut_off_total "$m")" "$(metric picket_event_stream_dropped_total "$m")"
  if [ $((now - start)) -le $((minutes * 30)) ]; then first+=("$mib"); else second+=("$mib"); fi
done
mean() { printf '%s\n' "$@" | awk '{ s += $1 } END { if (NR) printf "%.1f", s / NR }'; }
echo "resident memory: first half mean $(mean "${first[@]}") MiB, second half mean $(mean "${second[@]}") MiB, last $mib MiB ($picket, ${minutes} min)"
sort -n "$work/latency.txt" | awk '{ v[NR] = $1 } END { if (NR) printf "event stream: %d events read %.1f ms (p50), %.1f ms (p99), %.1f ms (max) after they were logged (the ts has millisecond resolution)\n", NR, v[int(NR * 0.5) + 1], v[int(NR * 0.99) + 1], v[NR] }'
