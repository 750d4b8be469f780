#!/usr/bin/env bash
# Installs, on Debian, what Picket's demo and tests need and the machine lacks: nginx and its stream module
# (the real thing the tests drive, with TLS and HTTP/2), busybox-static (its httpd plays the backends, in
# containers too), python3-grpcio and openssl (gRPC and TLS peers), docker.io (the engine Picket
# recovers containers through) and postgresql (a fleet's shared database). Swift itself must already be
# installed (Swift 6 or newer, https://www.swift.org/install/linux/); this script only checks for it.
set -euo pipefail
missing=()
command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || missing+=(nginx)
# nginx's stream module (stream {} apps: TCP/UDP behind Picket), a module of its own on Debian.
dpkg -s libnginx-mod-stream >/dev/null 2>&1 || missing+=(libnginx-mod-stream)
# nginx.mode: lua — Debian's Lua module (balancer_by_lua_block; pulls lua-resty-core and the NDK module) and
# lua-cjson, which nginx/lua/picket.lua decodes the pushed sets with.
dpkg -s libnginx-mod-http-lua >/dev/null 2>&1 || missing+=(libnginx-mod-http-lua)
dpkg -s lua-cjson >/dev/null 2>&1 || missing+=(lua-cjson)
dpkg -s busybox-static >/dev/null 2>&1 || missing+=(busybox-static)
command -v dockerd >/dev/null 2>&1 || missing+=(docker.io)
# GRDB (Picket's state database) builds against the system SQLite.
dpkg -s libsqlite3-dev >/dev/null 2>&1 || missing+=(libsqlite3-dev)
# A kill -9 test holds Picket's renames back with strace to land between the two files of a swap.
command -v strace >/dev/null 2>&1 || missing+=(strace)
# The systemd unit in examples/ is checked with systemd-analyze verify.
command -v systemd-analyze >/dev/null 2>&1 || missing+=(systemd)
# Prometheus' own linter checks a live /metrics.
command -v promtool >/dev/null 2>&1 || missing+=(prometheus)
# Configs are validated against `picket config schema` with Python's jsonschema.
/usr/bin/python3 -c "import jsonschema" >/dev/null 2>&1 || missing+=(python3-jsonschema)
# The HTTPS webhook test makes its test CA with openssl.
command -v openssl >/dev/null 2>&1 || missing+=(openssl)
# The dashboard test drives a real headless Chromium (the DevTools protocol over a pipe, from Python).
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
# The metrics test checks /metrics with the reference Prometheus text-format parser.
/usr/bin/python3 -c "import prometheus_client" >/dev/null 2>&1 || missing+=(python3-prometheus-client)
# The gRPC tests run a real gRPC server with the health service (scripts/grpc_health_server.py) and
# make real gRPC calls through nginx with Debian's grpcio; the TLS tests make their certificates with openssl.
/usr/bin/python3 -c "import grpc" >/dev/null 2>&1 || missing+=(python3-grpcio)
# The fleet tests start their own PostgreSQL (initdb/pg_ctl in a temporary directory, as the postgres user);
# policy-rc.d below keeps Debian from starting the system cluster.
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing+=(postgresql)
# Debian packages a caller needs beyond these, e.g. EXTRA_PACKAGES=haproxy for scripts/bench-failover.sh,
# EXTRA_PACKAGES=wrk for scripts/bench-passive-ingest.sh and scripts/bench-lua.sh.
for package in ${EXTRA_PACKAGES:-}; do dpkg -s "$package" >/dev/null 2>&1 || missing+=("$package"); done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "install-deps: need root to install: ${missing[*]} (run with sudo)" >&2
    exit 1
  fi
  echo "install-deps: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  # Keep Debian from starting services (the system nginx on :80, dockerd, haproxy) as it installs: Picket's
  # demo, tests and benchmarks run their own nginx, HAProxy and dockerd.
  policy=/usr/sbin/policy-rc.d
  created_policy=false
  if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' >"$policy" && chmod +x "$policy" && created_policy=true
  fi
  apt-get update -qq
  status=0
  apt-get install -y -qq "${missing[@]}" >/dev/null || status=$?
  if $created_policy; then rm -f "$policy"; fi
  [ "$status" -eq 0 ] || { echo "install-deps: apt-get install failed" >&2; exit "$status"; }
fi
if ! command -v swift >/dev/null 2>&1; then
  for dir in /opt/swift/usr/bin /usr/share/swift/usr/bin; do
    [ -x "$dir/swift" ] && export PATH="$dir:$PATH"
  done
fi
command -v swift >/dev/null 2>&1 || { echo "install-deps: Swift 6 is required and was not found on PATH" >&2; exit 1; }
