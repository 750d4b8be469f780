#!/usr/bin/env bash
# Recovery timings against a real nginx and a real Docker engine, with the default recovery policy and a
# 1 s check interval (timeout 500 ms; every other knob at its default):
#   kill → serving: `docker kill` of a backend container until nginx routes a request to it again
#   pause → ejected: `docker pause` (a hang) until the backend is gone from the upstream file
#   pause → serving: the same until nginx routes to it again (restarted by Picket)
# Prints each run and the median/max. Usage: scripts/bench-docker.sh [ROUNDS]   (default 5; needs root)
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-5}
bash scripts/docker-env.sh ensure
bash scripts/docker-env.sh image
swift build -c release --product picket >/dev/null
prefix=/tmp/picket-bench-docker
ports=(8201 8202 8203)
cleanup() {
  [ -n "${picket_pid:-}" ] && kill "$picket_pid" 2>/dev/null && wait "$picket_pid" 2>/dev/null || true
  [ -f "$prefix/logs/nginx.pid" ] && nginx/run-nginx.sh "$prefix" stop 2>/dev/null || true
  docker rm -f bench-1 bench-2 bench-3 >/dev/null 2>&1 || true
}
trap cleanup EXIT
cleanup
rm -rf "$prefix"
nginx/run-nginx.sh "$prefix" layout
# Only the http app is measured here: nginx.conf's stream {} (the demo's TCP app) goes.
sed -i -e 's/127.0.0.1:8080/127.0.0.1:8280/' -e '/^stream {/,/^}/d' "$prefix/conf/nginx.conf"
cat >"$prefix/picket.yaml" <<YAML
nginx:
  main_config: $prefix/conf/nginx.conf
  output: $prefix/conf/picket/upstreams.conf
  test_command: [nginx, -p, $prefix, -q, -t, -c, "{config}"]
  pid_file: $prefix/logs/nginx.pid
apps:
  - name: web
    docker: {selector: {picket.app: web, picket.bench: "true"}}
    health_check: {path: /health, interval: 1s, timeout: 500ms}
YAML
for i in 1 2 3; do
  port=${ports[$((i - 1))]}
  docker run -d --name "bench-$i" --network host --label picket.app=web --label picket.bench=true --label picket.port="$port" \
    picket-test/busybox sh -c "mkdir -p /tmp/w && echo bench-$i > /tmp/w/index.html && echo ok > /tmp/w/health && exec httpd -f -p 127.0.0.1:$port -h /tmp/w" >/dev/null
done
.build/release/picket run --config "$prefix/picket.yaml" --log-level notice >"$prefix/picket.log" 2>&1 &
picket_pid=$!
for _ in $(seq 50); do [ -f "$prefix/conf/picket/upstreams.conf" ] && break; sleep 0.1; done
nginx/run-nginx.sh "$prefix" start

now() { date +%s.%N; }
get() {
  exec 3<>/dev/tcp/127.0.0.1/8280 || return 0
  printf 'GET / HTTP/1.0\r\n\r\n' >&3
  timeout 2 cat <&3 | tail -1
  exec 3<&-
}
# Waits until $2 is back in the upstream file and a request through nginx reaches $1 (round robin over
# three: try a few). The file check matters: a request an old nginx worker accepted just before a reload
# can still be waiting on the paused container, and Docker unpauses a container to stop it.
wait_served() { local r; while ! in_file "$2"; do sleep 0.02; done; while :; do for _ in 1 2 3 4; do r=$(get); [ -n "${BENCH_DEBUG:-}" ] && echo "$(date +%T.%N) $r" >&2; [ "$r" = "$1" ] && return 0; done; sleep 0.05; done; }
in_file() { grep -q "server $1 " "$prefix/conf/picket/upstreams.conf"; }
wait_ejected() { while in_file "$1"; do sleep 0.02; done; }
ready() { for i in 1 2 3; do in_file "127.0.0.1:${ports[$((i - 1))]}" || return 1; done; }
settle() { for _ in $(seq 600); do ready && return 0; sleep 0.1; done; echo "backends did not all return" >&2; exit 1; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b - a }'; }
stats() { sort -n | awk '{ v[NR] = $1 } END { printf "median %.2f s, max %.2f s (n=%d)", v[int((NR + 1) / 2)], v[NR], NR }'; }

settle
kill_times=() pause_eject=() pause_serve=()
for round in $(seq "$rounds"); do
  settle; sleep 2
  t0=$(now); docker kill bench-2 >/dev/null; wait_served bench-2 127.0.0.1:8202; t1=$(now)
  kill_times+=("$(elapsed "$t0" "$t1")")
  settle; sleep 2
  t0=$(now); docker pause bench-3 >/dev/null; wait_ejected 127.0.0.1:8203; t1=$(now); wait_served bench-3 127.0.0.1:8203; t2=$(now)
  pause_eject+=("$(elapsed "$t0" "$t1")"); pause_serve+=("$(elapsed "$t0" "$t2")")
  echo "round $round: kill → serving ${kill_times[-1]} s; pause → ejected ${pause_eject[-1]} s, → serving ${pause_serve[-1]} s"
done
echo "kill → serving again:  $(printf '%s\n' "${kill_times[@]}" | stats)"
echo "pause → ejected:       $(printf '%s\n' "${pause_eject[@]}" | stats)"
echo "pause → serving again: $(printf '%s\n' "${pause_serve[@]}" | stats)"
