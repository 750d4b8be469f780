#!/usr/bin/env bash
# Reload mode against lua mode (issue #14, README "Lua mode"): the same flapping backend under the same
# keep-alive load, one mode after the other, on loopback. Backend b (its own nginx) stops and starts
# every FLAP s while wrk keeps CONNECTIONS connections alive through a front nginx (2 workers, the Lua
# module, proxy_next_upstream error timeout) managed by Picket with checks every 250 ms and no flap
# hold-down (every flap is a change). Prints per mode: requests, failed requests (wrk's socket errors +
# non-2xx), p99, nginx reloads, applies by path, the most worker processes alive at once and the worker
# pids seen (old generations included), whether the master stayed, and the time from Picket's decision
# (its apply log line's time less the apply's duration) to the first request nginx routed to b after
# each rejoin (b's access log, $msec), with wrk's socket-error breakdown and non-2xx count in the JSON lines.
#   scripts/bench-lua.sh [PICKET_BINARY] [--duration 20] [--flap 2] [--connections 20] [--rounds 1]
#   BENCH_PORT_BASE=18400 (backends +1..3, nginx +80), BENCH_WORKDIR=/tmp/picket-bench-lua.
# Needs wrk and the Lua module: EXTRA_PACKAGES=wrk scripts/install-deps.sh (as root).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
picket=${1:-$here/../.build/release/picket}
[ $# -gt 0 ] && shift
command -v wrk >/dev/null || { echo "bench-lua: wrk is missing (EXTRA_PACKAGES=wrk scripts/install-deps.sh)" >&2; exit 1; }
[ -x "$picket" ] || { echo "bench-lua: $picket is not built (swift build -c release)" >&2; exit 1; }
exec python3 "$here/bench_lua.py" "$picket" "$@"
