#!/usr/bin/env bash
# The fleet on PostgreSQL (issue #17), on this machine, loopback only: three release `picket run` nodes,
# each with its own nginx, one PostgreSQL made in the work directory (scripts/bench_fleet.py says how),
# BACKENDS backends (one nginx on 127.77.x.y:10080) checked every second by every node, and, when a
# Docker engine answers, one busybox container (scripts/docker-env.sh image) so the nodes share a lease.
# Prints CPU per node and per check, RSS, database rows and commits per second, how long a drain through
# node A takes to leave node B's and C's files, and how long the lease takes to move after its holder is
# SIGKILLed.
# Usage: scripts/bench-fleet.sh [BACKENDS] [SECONDS]   (default 1000 60); ROUNDS=N drains (default 5);
# LEASE_TTL=5s; BENCH_WORKDIR=/tmp/picket-bench-fleet (emptied first).
set -euo pipefail
cd "$(dirname "$0")/.."
swift build -c release --product picket >/dev/null
ulimit -n "$(ulimit -Hn)"
exec python3 scripts/bench_fleet.py --picket .build/release/picket --backends "${1:-1000}" --seconds "${2:-60}" \
  --rounds "${ROUNDS:-5}" --lease-ttl "${LEASE_TTL:-5s}"
