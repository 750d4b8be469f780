#!/usr/bin/env bash
# Does a Picket followed by dashboards for hours grow? Runs a real Picket beside a real nginx with three
# loopback backends, one of them flapping, while it is watched harder than any operator would: four
# clients follow GET /v1/events (one notes how late each event arrives), one more connects every
# minute and never reads (cut off after 5 s), /v1/overview is read 10 times a second (a page reads it
# every 5 s) and a backend is drained and undrained 5 times a second. Prints Picket's resident memory
# and the stream's counters every SAMPLE seconds, then compares the second half of the run with the
# first and gives the event stream's delivery latency. With PAGE=1 the dashboard itself is open the
# whole time in a headless Chromium (Debian's `chromium`, driven as the tests drive it), and each sample
# adds the page's JavaScript heap, its DOM nodes and the events in its feed.
#   [PAGE=1] scripts/bench-dashboard.sh [MINUTES] [SAMPLE_SECONDS]     (defaults: 10, 30)
# Uses PICKET (default .build/release/picket, else .build/debug/picket) and ports from PORT_BASE (29100).
# Loopback only.
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
base=${PORT_BASE:-29100}        # nginx on base-20, backends on base+1..3, Picket's status on base+80
status=127.0.0.1:$((base + 80))
ports=($((base + 1)) $((base + 2)) $((base + 3)))
pids=()
page=${PAGE:-0}
browser_port=
browser() { curl -s -X POST --data-binary "$1" "http://127.0.0.1:$browser_port/"; }
cleanup() {
  [ -n "$browser_port" ] && browser '{"method": "quit"}' >/dev/null 2>&1
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
sed -i "s/127.0.0.1:8080/127.0.0.1:$((base - 20))/" "$prefix/conf/nginx.conf"
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
# The loops' stderr goes nowhere: bash would say "Terminated" for each child stopped at the end.
(while :; do curl -s "http://$status/v1/overview" >/dev/null; sleep 0.1; done) 2>/dev/null & pids+=($!)
(while :; do
  for action in drain undrain; do curl -s -X POST -H "Authorization: Bearer $token" "http://$status/v1/apps/web/backends/127.0.0.1:${ports[0]}/$action" >/dev/null; sleep 0.2; done
done) 2>/dev/null & pids+=($!)
(while :; do
  python3 -c "import socket, time; s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1024); s.connect(('127.0.0.1', ${status##*:})); s.sendall(b'GET /v1/events HTTP/1.1\r\nHost: x\r\n\r\n'); time.sleep(58)"
done) 2>/dev/null & pids+=($!)
(flapping=$(backend "${ports[2]}"); while :; do
  sleep 2; kill "$flapping" 2>/dev/null; sleep 2; flapping=$(backend "${ports[2]}")
done) 2>/dev/null & pids+=($!)
if [ "$page" = 1 ]; then
  command -v chromium >/dev/null || { echo "bench-dashboard: PAGE=1 needs chromium (scripts/install-deps.sh installs it)" >&2; exit 1; }
  python3 Tests/PicketIntegrationTests/Scripts/browser.py chromium >"$work/browser.log" 2>&1 & pids+=($!)
  for _ in $(seq 600); do browser_port=$(awk '/browser control on/ { print $4 }' "$work/browser.log"); [ -n "$browser_port" ] && break; sleep 0.1; done
  [ -n "$browser_port" ] || { echo "bench-dashboard: the browser did not start: $(cat "$work/browser.log")" >&2; exit 1; }
  browser "{\"method\": \"open\", \"url\": \"http://$status/\"}" >/dev/null
fi

metric() { grep -E "^$1 " <<<"$2" | awk '{print $2}' | head -1; }
# The page's heap (precise: browser.py starts Chromium with --enable-precise-memory-info), after a
# collection when Chromium allows one, its DOM and its feed.
page_sample() {
  browser '{"method": "eval", "expression": "(window.gc && gc(), [(performance.memory.usedJSHeapSize / 1048576).toFixed(1), document.getElementsByTagName(\"*\").length, document.querySelectorAll(\"#events > li\").length].join(\" \"))"}' |
    python3 -c 'import json, sys; print(json.load(sys.stdin).get("value") or "- - -")'
}
header=(elapsed rss_mib event_clients applies cut_off dropped_events)
format='%8s %8s %14s %8s %8s %15s'
[ "$page" = 1 ] && header+=(page_heap_mib page_nodes page_events) && format+=' %14s %11s %12s'
printf "$format\n" "${header[@]}"
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
  row=("$((now - start))s" "$mib" "$events" "$(metric 'picket_applies_total\{result="applied"\}' "$m")" \
    "$(metric picket_event_stream_cut_off_total "$m")" "$(metric picket_event_stream_dropped_total "$m")")
  # shellcheck disable=SC2207
  [ "$page" = 1 ] && row+=($(page_sample))
  printf "$format\n" "${row[@]}"
  if [ $((now - start)) -le $((minutes * 30)) ]; then first+=("$mib"); else second+=("$mib"); fi
done
mean() { printf '%s\n' "$@" | awk '{ s += $1 } END { if (NR) printf "%.1f", s / NR }'; }
echo "resident memory: first half mean $(mean "${first[@]}") MiB, second half mean $(mean "${second[@]}") MiB, last $mib MiB ($picket, ${minutes} min)"
sort -n "$work/latency.txt" | awk '{ v[NR] = $1 } END { if (NR) printf "event stream: %d events read %.1f ms (p50), %.1f ms (p99), %.1f ms (max) after they were logged (the ts has millisecond resolution)\n", NR, v[int(NR * 0.5) + 1], v[int(NR * 0.99) + 1], v[NR] }'
