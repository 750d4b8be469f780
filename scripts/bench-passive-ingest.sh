#!/usr/bin/env bash
# Ingestion cost of passive detection (issue 15): Picket's CPU per request, its RSS and the datagrams lost
# while nginx sends one access-log datagram per request (nginx/passive.conf) at about 10,000 and 50,000
# requests/s. One nginx worker proxies to three backends that are server blocks of the same nginx
# (`return 200`, upstream keepalive), managed by the release `picket`; wrk from Debian (closed loop, no
# -R there) is paced by a Lua delay() hook: CONNECTIONS connections each wait PACE ms after an answer, so
# the rate is at most CONNECTIONS / PACE and the achieved rate is printed. Loopback only.
#   scripts/bench-passive-ingest.sh [DURATION]   seconds per measurement, default 30 (each level also
#                                                measures Picket at rest for as long)
#   TRANSPORTS=off,unix,udp  off: no snippet (nginx's own cost, the reference); unix: a unix datagram
#   socket (the README's default); udp: a loopback UDP port. LEVELS=100/10,500/10,100/0 (CONNECTIONS/PACE_MS;
#   a pace of 0 runs wrk unpaced: nginx's throughput, with the access log against without).
#   BENCH_PORT_BASE=18400 moves every port (base+1..3 backends, +80 nginx, +90 status, +91 UDP);
#   BENCH_WORKDIR=/tmp/picket-bench-ingest keeps the logs. Root only to install what is missing.
# The machine's net.unix.max_dgram_qlen bounds how many datagrams wait on the unix socket (the kernel's
# default is 10; systemd sets 512): beyond it nginx's send fails at once and it logs
# `send() to syslog failed`. The script prints it.
set -euo pipefail
cd "$(dirname "$0")/.."
duration=${1:-${DURATION:-30}}
base=${BENCH_PORT_BASE:-18400}
export EXTRA_PACKAGES=wrk
source scripts/install-deps.sh
command -v python3 >/dev/null || { echo "bench-passive-ingest: python3 is required" >&2; exit 1; }
for port in $((base + 1)) $((base + 2)) $((base + 3)) $((base + 80)) $((base + 90)); do
  if ss -Htln "sport = :$port" | grep -q .; then
    echo "bench-passive-ingest: port $port is in use; set BENCH_PORT_BASE" >&2
    exit 1
  fi
done
if ss -Huln "sport = :$((base + 91))" | grep -q .; then
  echo "bench-passive-ingest: UDP port $((base + 91)) is in use; set BENCH_PORT_BASE" >&2
  exit 1
fi
swift build -c release --product picket 2>&1 | grep -E "error|warning|Compiling picket" || true
nginx_bin=$(command -v nginx || echo /usr/sbin/nginx)
echo "$("$nginx_bin" -v 2>&1); $(wrk -v 2>&1 | head -1); $(nproc) cores; $(uname -r);" \
  "net.unix.max_dgram_qlen $(cat /proc/sys/net/unix/max_dgram_qlen), net.core.rmem_max $(cat /proc/sys/net/core/rmem_max)"
ulimit -n "$(ulimit -Hn)"
exec python3 scripts/bench_passive_ingest.py --duration "$duration" \
  --transports "${TRANSPORTS:-off,unix,udp}" --levels "${LEVELS:-100/10,500/10,100/0}" \
  --picket "$PWD/.build/release/picket" --nginx "$nginx_bin" --wrk "$(command -v wrk)" \
  --run-nginx "$PWD/nginx/run-nginx.sh" --workdir "${BENCH_WORKDIR:-/tmp/picket-bench-ingest}" \
  --backend-port $((base + 1)) --nginx-port $((base + 80)) --status-port $((base + 90)) --udp-port $((base + 91))
