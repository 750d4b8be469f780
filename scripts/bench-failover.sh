#!/usr/bin/env bash
# Failover against HAProxy (issue #8). The same three backends (Python ThreadingHTTPServer on loopback,
# scripts/bench_failover.py) sit once behind nginx managed by the release `picket`, once behind HAProxy
# from Debian, in the same run. Load goes through the balancer; backend 2 is killed (then restarted on
# its port), paused (SIGSTOP, then SIGCONT) or made to answer 500 on every path, /health included, for
# 10-12 s from t≈10 s. Printed per case and as medians of ROUNDS, for both balancers and as a ratio
# Picket/HAProxy: client errors; out of rotation (from the fault's start until Picket's upstream file no
# longer lists backend 2 / HAProxy's stats socket says DOWN, both polled every 5 ms); serving again (from
# the fault's end until a client request sent after it is answered 200 by backend 2, and until the file
# lists it / the stats say UP); and where that time goes.
#   scripts/bench-failover.sh [ROUNDS]      ROUNDS (argument or environment) defaults to 3; a case takes
#                                           ~37 s, faults × balancers cases a round; 8 rounds for figures
#                                           worth comparing
#   FAULTS=kill,pause,error  picks faults (default these three); error-traffic is the error fault with
#   /health still answering 200, so only real traffic fails (issue 15: active checks never see it).
#   BALANCERS=picket,haproxy  picks balancers (default these two); picket-passive is Picket with passive
#   detection: nginx includes nginx/passive.conf, its access log goes to Picket's unix socket
#   (`passive: {listen: unix:…}`), every passive rule at its default (consecutive_5xx 5, base_ejection_time
#   30s, so an ejected backend is back only after the run); picket-passive-retry adds
#   `proxy_next_upstream error timeout http_500 http_502 http_503 http_504` (nginx retries a 5xx on
#   another server); haproxy-observe is HAProxy with its own passive check, `observe layer7 error-limit 5
#   on-error mark-down`. They add a table: from the first 500 a client received to Picket's `ejected:`
#   log line and out of rotation, and the datagrams read and lost. The figures of issue 15:
#   FAULTS=error,error-traffic BALANCERS=picket,picket-passive,picket-passive-retry,haproxy,haproxy-observe
#   BENCH_PORT_BASE=18300 moves every port (base+1..3 backends, +80 nginx, +81 HAProxy, +90 Picket's
#   status server), BENCH_WORKDIR=/tmp/picket-bench-failover the per-case logs (emptied first), so two runs
#   can share a machine. Root only to install what is missing.
#
# Matched between the two, everything else at each one's defaults:
# - Checks: GET /health, a fresh connection each. Picket `interval: 1s, timeout: 1s, failure_threshold: 2,
#   success_threshold: 2` (so fast_interval 250ms, down_interval = interval, circuit, coalescing: its
#   defaults). HAProxy `option httpchk GET /health`, `check inter 1s fall 2 rise 2`, `timeout check 1s`,
#   `timeout connect 1s` (a check connects within min(timeout connect, inter), then waits timeout check
#   for the answer); fastinter and downinter default to inter. Both pass on 2xx/3xx.
# - Traffic timeouts: nginx proxy_connect_timeout 1s = HAProxy timeout connect 1s; proxy_read_timeout and
#   proxy_send_timeout 5s = timeout server 5s (nginx/nginx.conf's values).
# - Retries: nginx's default proxy_next_upstream (`error timeout`: a refused or reset connection or a
#   timed-out response goes to the next server, each server at most once, tries unlimited, never a 500)
#   against HAProxy `retries 2` (three servers: each at most once), `option redispatch 1` (every retry on
#   another server, so HAProxy's 1 s turn-around before a retry on the same server never applies) and
#   `retry-on conn-failure empty-response response-timeout` (its default is conn-failure only). Neither
#   retries a 500.
# - Shape: round robin; one nginx worker, one HAProxy thread; the backends speak HTTP/1.0, so both open
#   a new upstream connection per request; listen backlog 128 (a stopped backend's queue fills, then
#   its SYNs go unanswered, for checks and traffic alike).
# - Not matched: the nginx passive check Picket renders by default (max_fails=1 fail_timeout=10s) has no
#   default counterpart in HAProxy; it changes which requests are retried, not the controllers' times.
#   Each case starts fresh backends and a fresh balancer (and a fresh Picket state database): otherwise
#   Picket's flap damping would rightly count the next case's fault, within flap_window (60s) of the
#   last readmission, as a flap and hold the backend down.
# - Load: ~500 req/s open loop from one asyncio process, each request on its own connection and sent on
#   schedule whether or not earlier ones were answered; the body names the backend. A client error is
#   anything but a 200 (a 500, a 502/504 from the balancer, a reset, no answer within 15 s).
# - When the fault starts: at the first check backend 2 sees from t=10 s, plus (round - 0.5) / ROUNDS of
#   an interval. Both balancers meet the fault at the same point of their check cycle and the rounds
#   spread that point over the interval (left to chance, the phase alone moves the times by up to 1 s).
#   It lasts 10 s plus an offset spread over 0-2 s across the rounds in a seeded shuffled order, the same
#   for both balancers, so that where it ends in each one's probe cycle (1 s, or 2 s for a hung backend:
#   timeout + interval) is independent of where it began. A killed backend's fault ends when its
#   successor listens.
# Keep the machine otherwise idle if you can: other builds make the figures noisier, not one side slower
# (the balancers alternate within a round). Per-case logs stay in BENCH_WORKDIR.
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-${ROUNDS:-3}}
base=${BENCH_PORT_BASE:-18300}
export EXTRA_PACKAGES=haproxy
source scripts/install-deps.sh
command -v python3 >/dev/null || { echo "bench-failover: python3 is required" >&2; exit 1; }
for port in $((base + 1)) $((base + 2)) $((base + 3)) $((base + 80)) $((base + 81)) $((base + 90)); do
  if ss -Htln "sport = :$port" | grep -q .; then
    echo "bench-failover: port $port is in use; set BENCH_PORT_BASE" >&2
    exit 1
  fi
done
swift build -c release --product picket 2>&1 | grep -E "error|warning|Compiling picket" || true
nginx_bin=$(command -v nginx || echo /usr/sbin/nginx)
haproxy_bin=$(command -v haproxy || echo /usr/sbin/haproxy)
echo "$("$haproxy_bin" -v | head -1); $("$nginx_bin" -v 2>&1); $(nproc) cores; $(uname -r)"
exec python3 scripts/bench_failover.py run --rounds "$rounds" --faults "${FAULTS:-kill,pause,error}" \
  --balancers "${BALANCERS:-picket,haproxy}" \
  --picket "$PWD/.build/release/picket" --nginx "$nginx_bin" --haproxy "$haproxy_bin" \
  --run-nginx "$PWD/nginx/run-nginx.sh" --workdir "${BENCH_WORKDIR:-/tmp/picket-bench-failover}" \
  --backend-port $((base + 1)) --nginx-port $((base + 80)) --haproxy-port $((base + 81)) --status-port $((base + 90))
