#!/usr/bin/env bash
# Picket against HAProxy in one run, on this machine: one nginx listening on BACKENDS loopback addresses
# (127.77.x.y:10080), HAProxy 2.6 from Debian checking every one (option httpchk GET /health, inter 1s),
# and the release `picket run` with the same checks (its defaults otherwise: status server and state
# database on); each measured from /proc for SECONDS in two alternating rounds (HAProxy, Picket, Picket,
# HAProxy), after a warm-up each. Prints CPU µs per check (user / system), RSS, checks/s, check gaps (from
# nginx's log), TIME_WAIT sockets, Picket's lag warnings and the ratios.
# Usage: scripts/bench-vs-haproxy.sh [BACKENDS] [SECONDS] [reuse|https]   (default 1000 60; reuse turns on
# Picket's health_check.reuse_connection; https serves every backend over TLS and compares Picket's
# type: https with HAProxy's check-ssl, both without certificate verification). HAPROXY_THREADS=N sets HAProxy's nbthread (default: 1, its
# cheapest per check here); VERSUS_ROUNDS=N the rounds (default 2); PICKET_JITTER=F Picket's health_check.jitter (default its own
# 0.02; HAProxy spreads nothing, so 0 compares gaps like with like); PICKET_MAX_CONCURRENT=N Picket's probes.max_concurrent
# (default its own 512; past ~10,000 backends here 512 checks at once no longer cover a second's worth);
# PICKET_MAX_CHECKS_PER_CONNECTION=N Picket's health_check.max_checks_per_connection with reuse (default its own 10). Needs root to install HAProxy once;
# the Debian package is kept from starting its system service, and the only HAProxy this runs is its
# own, stopped after each round.
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
# The Debian package's own service must not run (policy-rc.d kept it from starting); other HAProxy
# processes are not measured (only the one this run starts), but they take CPU: say so.
if [ -f /run/haproxy.pid ] && kill -0 "$(cat /run/haproxy.pid)" 2>/dev/null; then
  echo "bench-vs-haproxy: the haproxy system service is running; stop it first (service haproxy stop)" >&2
  exit 1
fi
pgrep -x haproxy >/dev/null && echo "bench-vs-haproxy: note: other haproxy processes are running (not measured, but they share the CPU)" >&2
swift build -c release --product picket >/dev/null
swift build -c release --product picket-bench >/dev/null
ulimit -n "$(ulimit -Hn)"
HAPROXY_THREADS=${HAPROXY_THREADS:-1} .build/release/picket-bench versus "$backends" "$seconds" $mode
