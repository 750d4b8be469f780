#!/usr/bin/env bash
# Picket's demo: a real nginx, three real backends on loopback, and Picket keeping nginx's upstream
# file true to their health. It installs what is missing (nginx, busybox-static, docker.io), builds
# Picket, then plays a short story with its log streaming to the terminal as it happens.
# With a Docker engine (started here if none answers and we are root; see scripts/docker-env.sh), the
# backends are busybox httpd containers: one is killed, Picket ejects, restarts and readmits it; one is
# paused (a hang), Picket does the same. Without Docker, plain processes: one dies and is ejected, and
# is readmitted when it returns. Beside them, a TCP app in nginx's stream {}: two echo servers on
# 127.0.0.1:6381-6382, reached through nginx on 127.0.0.1:6380; one stops and leaves stream.conf.
#   scripts/demo.sh          the story, then everything is stopped
#   scripts/demo.sh --keep   the story, then keeps running until Ctrl-C (try: kill a backend yourself)
set -euo pipefail
cd "$(dirname "$0")/.."
keep=false
[ "${1:-}" = "--keep" ] && keep=true
source scripts/install-deps.sh

prefix=/tmp/picket-demo
backends=/tmp/picket-demo-backends
ports=(8101 8102 8103)
echo_pids=()
say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

docker_demo=false
if bash scripts/docker-env.sh ensure && bash scripts/docker-env.sh image; then
  docker_demo=true
else
  echo "(no Docker engine: the demo uses plain processes; as root, scripts/docker-env.sh ensure starts one)"
fi

cleanup() {
  [ -n "${picket_pid:-}" ] && kill "$picket_pid" 2>/dev/null && wait "$picket_pid" 2>/dev/null || true
  [ -f "$prefix/logs/nginx.pid" ] && nginx/run-nginx.sh "$prefix" stop 2>/dev/null || true
  for port in "${ports[@]}"; do pkill -f "busybox httpd -f -p 127.0.0.1:$port" 2>/dev/null || true; done
  for pid in "${echo_pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  if $docker_demo; then docker rm -f web-1 web-2 web-3 >/dev/null 2>&1 || true; fi
}
trap cleanup EXIT

start_container() {
  local n=$1 port=$2
  docker run -d --name "web-$n" --network host --stop-timeout 1 \
    --label picket.app=web --label picket.demo=true --label picket.port="$port" picket-test/busybox \
    sh -c "mkdir -p /tmp/w && echo hello from container web-$n > /tmp/w/index.html && echo ok > /tmp/w/health && exec httpd -f -p 127.0.0.1:$port -h /tmp/w" >/dev/null
}

start_backend() {
  local port=$1
  mkdir -p "$backends/$port"
  echo "hello from backend $port" >"$backends/$port/index.html"
  echo ok >"$backends/$port/health"
  busybox httpd -f -p "127.0.0.1:$port" -h "$backends/$port" &
}

# A TCP echo server on a loopback port that says which one answered: the stream app's backends.
start_echo() {
  python3 -c '
import socketserver, sys
port = sys.argv[1]
class Echo(socketserver.StreamRequestHandler):
    def handle(self):
        try:
            for line in self.rfile:
                self.wfile.write(("echo " + port + ": ").encode() + line)
        except OSError:
            pass
socketserver.ThreadingTCPServer.allow_reuse_address = True
socketserver.ThreadingTCPServer(("127.0.0.1", int(port)), Echo).serve_forever()
' "$1" &
  echo_pids+=($!)
}

# Four lines through nginx's stream port, each on a connection of its own; counts who echoed.
lines() {
  for _ in 1 2 3 4; do
    exec 4<>/dev/tcp/127.0.0.1/6380 || { echo "(connection failed)"; continue; }
    printf 'ping\n' >&4
    timeout 2 head -n 1 <&4
    exec 4<&-
  done | sort | uniq -c
}

# One GET through nginx with bash's /dev/tcp (no HTTP client needed); prints the response body.
get() {
  exec 3<>/dev/tcp/127.0.0.1/8080 || { echo "(connection failed)"; return; }
  printf 'GET / HTTP/1.0\r\nHost: demo\r\n\r\n' >&3
  timeout 2 cat <&3 | tr -d '\r' | sed '1,/^$/d'
  exec 3<&-
}

requests() {
  for _ in 1 2 3 4 5 6; do get; done | sort | uniq -c
}

say "building picket (release; the first build takes several minutes)"
swift build -c release --product picket 2>&1 | grep -E "error|warning: unre|Compiling picket|Build" || true
picket=.build/release/picket

cleanup
rm -rf "$prefix"
nginx/run-nginx.sh "$prefix" layout
config=examples/static.yaml
if $docker_demo; then
  config=examples/docker.yaml
  for i in 1 2 3; do start_container "$i" "${ports[$((i - 1))]}"; done
else
  for port in "${ports[@]}"; do start_backend "$port"; done
fi
start_echo 6381
start_echo 6382

say "picket validate"
$picket validate --config "$config"

say "starting picket (its log follows, live)"
$picket run --config "$config" &
picket_pid=$!
for _ in $(seq 50); do [ -f "$prefix/conf/picket/upstreams.conf" ] && [ -f "$prefix/conf/picket/stream.conf" ] && break; sleep 0.1; done
nginx/run-nginx.sh "$prefix" start
sleep 3

say "nginx spreads 6 requests over all three backends"
requests

if $docker_demo; then
  say "docker kill web-2: watch picket eject it, restart it through the Docker socket, readmit it"
  docker kill web-2 >/dev/null
  sleep 8
  requests
  say "docker pause web-3 (a hang): ejected on timeouts, circuit opens, restarted, readmitted"
  docker pause web-3 >/dev/null
  sleep 12
  say "the upstream file now reads"
  cat "$prefix/conf/picket/upstreams.conf"
  requests
else
  say "killing backend 8102: watch picket eject it"
  pkill -f "busybox httpd -f -p 127.0.0.1:8102"
  sleep 3
  say "the upstream file now reads"
  cat "$prefix/conf/picket/upstreams.conf"
  say "and nginx only sends traffic to the living"
  requests

  say "bringing backend 8102 back: watch picket readmit it"
  start_backend 8102
  sleep 3
  requests
fi

say "a TCP app in stream {}: nginx relays 127.0.0.1:6380 to two echo servers"
lines
say "stopping echo server 6382: picket takes it out of stream.conf, in the same kind of validated swap"
kill "${echo_pids[1]}"
sleep 3
cat "$prefix/conf/picket/stream.conf"
lines

if $keep; then
  say "still running: nginx on 127.0.0.1:8080 (http) and 127.0.0.1:6380 (stream), backends on ${ports[*]}; Ctrl-C stops everything"
  wait "$picket_pid"
else
  say "done; stopping picket (it leaves the last good file in place), nginx and the backends"
fi
