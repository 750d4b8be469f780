#!/usr/bin/env bash
# Picket against HAProxy in one run, on this machine: one nginx listening on BACKENDS loopback ports,
# HAProxy 2.6 from Debian checking every port (option httpchk GET /health, inter 1s), then the release
# `picket run` with the same checks; each measured for SECONDS after a 5 s warm-up. Prints CPU µs per
# check, RSS, checks/s, check gaps (from nginx's log), TIME_WAIT sockets and the ratios.
# Usage: scripts/bench-vs-haproxy.sh [BACKENDS] [SECONDS] [reuse]   (default 1000 60; reuse turns on
# Picket's health_check.reuse_connection). HAPROXY_THREADS=N sets HAProxy's nbthread (default: 1, its
# cheapest per check here). Needs root to install HAProxy once; the Debian package is kept from
# starting its system service, and the only HAProxy this runs is its own, stopped at the end.
set -euo pipefail
cd "$(dirname "$0")/.."
backends=${1:-1000}
seconds=${2:-60}
mode=${3:-}
if ! command -v haproxy >/dev/null 2>&1 && [ ! -x /usr/sbin/haproxy ]; then
  [ "$(id -u)" -eq 0 ] || { echo "bench-vs-haproxy: haproxy is missing; run as root to install it" >&2; exit 1; }
  policy=/usr/sbin/policy-rc.d
  created_policy=false
  if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' >"$policy" && chmod +x "$policy" && created_policy=true
  fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq haproxy >/dev/null
  $created_policy && rm -f "$policy"
fi
if pgrep -x haproxy >/dev/null; then
  echo "bench-vs-haproxy: another haproxy is running; stop it first (service haproxy stop)" >&2
  exit 1
fi
swift build -c release --product picket >/dev/null
swift build -c release --product picket-bench >/dev/null
ulimit -n "$(ulimit -Hn)"
HAPROXY_THREADS=${HAPROXY_THREADS:-1} .build/release/picket-bench versus "$backends" "$seconds" $mode
