#!/usr/bin/env python3
"""Ingestion cost of passive detection (issue 15): what reading nginx's access log costs Picket.

scripts/bench-passive-ingest.sh builds Picket, installs what is missing and runs this. One nginx (one
worker) proxies to three fast backends, which are server blocks of the same nginx answering `return 200`
(over upstream keepalive connections, so the load measures logging, not connection set-up); the release
`picket` manages the upstream and, with passive detection on, reads the access log nginx/passive.conf
sends. wrk (closed loop, no -R in Debian's wrk) is paced to a rate by a Lua `delay()` hook: each of
CONNECTIONS connections waits PACE ms after each answer, so the rate is at most CONNECTIONS / PACE.

For each transport (off: no snippet, the reference; unix: the socket the README recommends; udp: a
loopback UDP port) and each rate: after a warm-up, Picket's CPU at rest over the run's duration, then
under load: Picket's CPU (utime + stime from /proc, the whole process and its picket-passive thread),
nginx's worker CPU, RSS, and the datagrams: requests wrk completed, datagrams Picket accepted
(picket_passive_datagrams_total), access-log lines nginx could not send (`send() to syslog failed` in its
error log: the socket's queue was full) and, for UDP, the socket's drops (/proc/net/udp). Standard
library only; times are CLOCK_MONOTONIC.
"""

import argparse
import os
import re
import shutil
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench_failover import PicketPrefix, wait_for  # noqa: E402

TICK = os.sysconf("SC_CLK_TCK")

NGINX_CONF = """\
worker_processes 1;
worker_rlimit_nofile 16384;
pid logs/nginx.pid;
error_log logs/error.log notice;
events {{ worker_connections 8192; }}
http {{
    {access_log}
    include picket/upstreams.conf;
    # The backends: nginx itself, so that what the load costs is proxying and logging. They never close
    # a keepalive connection first: a request racing that close is reset, nginx (max_fails=1) disables
    # the server, and passive detection would rightly eject it, reloading nginx mid-measurement.
    server {{
        {backend_listens}
        access_log off;
        keepalive_requests 10000000;
        keepalive_timeout 600s;
        location / {{ return 200 "ok\\n"; }}
    }}
    server {{
        listen 127.0.0.1:{port} backlog=4096;
        location / {{
            proxy_pass http://web;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
        }}
    }}
}}
"""

PICKET_APP = """\
apps:
  - name: web
    keepalive: 1024
    health_check: {{path: /, interval: 1s, timeout: 1s}}
    instances: [{servers}]
"""

PACE_LUA = """\
-- Each connection waits `pace` ms after every answer: a closed loop held to at most connections / pace.
local pace = 10
function init(args) pace = tonumber(args[1]) or pace end
function delay() return pace end
"""


def cpu_ticks(path):
    """utime + stime of /proc/PID/stat or /proc/PID/task/TID/stat, in clock ticks."""
    with open(path) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])


def thread_ticks(pid, name):
    """CPU ticks of the threads of `pid` called `name`."""
    total = 0
    for tid in os.listdir(f"/proc/{pid}/task"):
        try:
            with open(f"/proc/{pid}/task/{tid}/comm") as f:
                if f.read().strip() == name:
                    total += cpu_ticks(f"/proc/{pid}/task/{tid}/stat")
        except FileNotFoundError:
            continue
    return total


def memory(pid):
    """VmRSS and VmHWM in KiB."""
    values = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            key, _, rest = line.partition(":")
            if key in ("VmRSS", "VmHWM"):
                values[key] = int(rest.split()[0])
    return values


def udp_drops(port):
    """The drops column of /proc/net/udp for the socket bound to 127.0.0.1:port."""
    local = f"0100007F:{port:04X}"
    with open("/proc/net/udp") as f:
        for line in f.readlines()[1:]:
            fields = line.split()
            if fields[1] == local:
                return int(fields[-1])
    return 0


class Stack(PicketPrefix):
    """nginx in a prefix and the release `picket` managing its upstream, with or without passive detection."""

    def __init__(self, opts, transport):
        super().__init__(opts, os.path.join(opts.workdir, transport))
        self.transport = transport

    def start(self):
        o, p = self.opts, self.prefix
        os.makedirs(os.path.join(p, "conf"), exist_ok=True)
        endpoint = {"unix": f"unix:{self.socket}", "udp": f"127.0.0.1:{o.udp_port}"}.get(self.transport)
        access_log, passive = self.passive_conf(endpoint) if endpoint else ("access_log off;", "")
        ports = [o.backend_port + i for i in range(3)]
        conf = os.path.join(p, "bench-nginx.conf")
        with open(conf, "w") as f:
            f.write(NGINX_CONF.format(access_log=access_log, port=o.nginx_port,
                                      backend_listens=" ".join(f"listen 127.0.0.1:{port};" for port in ports)))
        self.nginx_control("layout", conf)
        self.start_picket(passive, PICKET_APP.format(servers=", ".join(f"127.0.0.1:{port}" for port in ports)))
        self.nginx_control("start")
        wait_for("picket's first round", lambda: "first round of checks complete" in self.log(), 15)

    def nginx_workers(self):
        with open(os.path.join(self.prefix, "logs/nginx.pid")) as f:
            master = int(f.read())
        with open(f"/proc/{master}/task/{master}/children") as f:
            return [int(pid) for pid in f.read().split()]

    def snapshot(self):
        """Everything counted so far: CPU ticks, datagrams by result, nginx's failed sends, UDP drops."""
        pid = self.picket.pid
        workers = self.nginx_workers()
        state = {"picket": cpu_ticks(f"/proc/{pid}/stat"), "listener": thread_ticks(pid, "picket-passive"),
                 "nginx": sum(cpu_ticks(f"/proc/{w}/stat") for w in workers), "workers": sorted(workers), "at": time.monotonic()}
        counts = self.passive_counts()
        state["not_sent"] = counts.pop("not_sent")
        state["accepted"] = counts.pop("accepted", 0)
        state["dropped"] = sum(counts.values())
        state["udp_drops"] = udp_drops(self.opts.udp_port) if self.transport == "udp" else 0
        return state


def wrk(opts, connections, pace, duration):
    """Runs wrk, paced unless `pace` is 0 (as fast as it goes); returns (requests completed, non-2xx
    answers, seconds)."""
    script = ["-s", os.path.join(opts.workdir, "pace.lua")] if pace else []
    out = subprocess.run(
        ["timeout", "-s", "KILL", str(duration + 30), opts.wrk, "-t", str(opts.threads), "-c", str(connections),
         "-d", f"{duration}s", *script, f"http://127.0.0.1:{opts.nginx_port}/"] + (["--", str(pace)] if pace else []),
        capture_output=True, text=True, check=True).stdout
    done = re.search(r"(\d+) requests in ([\d.]+)s", out)
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return int(done.group(1)), int(bad.group(1)) if bad else 0, float(done.group(2))


def delta(after, before, key):
    return after[key] - before[key]


def measure(opts, stack, connections, pace):
    wrk(opts, connections, pace, 3)
    time.sleep(1)
    rest = stack.snapshot()
    time.sleep(opts.duration)
    loaded = stack.snapshot()
    idle_ticks = delta(loaded, rest, "picket") * opts.duration / (loaded["at"] - rest["at"])
    load_before = os.getloadavg()[0]
    requests, bad, seconds = wrk(opts, connections, pace, opts.duration)
    time.sleep(0.5)
    after = stack.snapshot()
    mem = memory(stack.picket.pid)
    accepted = delta(after, loaded, "accepted")
    busy = delta(after, loaded, "picket") - idle_ticks
    per = accepted or requests
    return {
        "rate": requests / seconds, "requests": requests, "non2xx": bad, "accepted": accepted,
        "dropped": delta(after, loaded, "dropped"), "not_sent": delta(after, loaded, "not_sent"),
        "udp_drops": delta(after, loaded, "udp_drops"),
        "idle_cpu": idle_ticks / TICK / opts.duration,
        "cpu_us": busy / TICK * 1e6 / per if stack.transport != "off" else None,
        "cpu_share": delta(after, loaded, "picket") / TICK / seconds,
        "listener_us": delta(after, loaded, "listener") / TICK * 1e6 / per if stack.transport != "off" else None,
        # A reload (Picket applied a change: a check failed or passive detection ejected a backend under
        # this load) replaces the worker, whose CPU then cannot be compared: the row says so.
        "nginx_us": delta(after, loaded, "nginx") / TICK * 1e6 / requests if after["workers"] == loaded["workers"] else None,
        "rss": mem["VmRSS"] / 1024, "hwm": mem["VmHWM"] / 1024,
        "load": (load_before, os.getloadavg()[0]),
    }


def run(opts):
    shutil.rmtree(opts.workdir, ignore_errors=True)
    os.makedirs(opts.workdir)
    with open(os.path.join(opts.workdir, "pace.lua"), "w") as f:
        f.write(PACE_LUA)
    levels = [tuple(int(n) for n in level.split("/")) for level in opts.levels.split(",")]
    print(f"load average at start: {' '.join(f'{v:.2f}' for v in os.getloadavg())}", flush=True)
    rows = []
    for transport in opts.transports.split(","):
        stack = Stack(opts, transport)
        try:
            stack.start()
            for connections, pace in levels:
                r = measure(opts, stack, connections, pace)
                rows.append((transport, connections, pace, r))
                print(f"{transport:4s} {connections} connections / {pace} ms: {line(r)}", flush=True)
        finally:
            stack.stop()
    print(f"load average at end: {' '.join(f'{v:.2f}' for v in os.getloadavg())}\n")
    print(f"{opts.duration} s per row; CPU per request: Picket's CPU under load less its CPU at rest over as long, "
          "per datagram accepted (the picket-passive thread alone in brackets); nginx: its worker's CPU per request. "
          "Not sent: nginx's `send() to syslog failed`; lost: requests less datagrams accepted.\n")
    print("| transport | target (connections / pace) | achieved req/s | Picket CPU per request | Picket CPU, share of a core "
          "| nginx CPU per request | Picket RSS (peak) | datagrams accepted / requests | not sent | lost | load avg |")
    print("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for transport, connections, pace, r in rows:
        cpu = "—" if r["cpu_us"] is None else f"{r['cpu_us']:.1f} µs [{r['listener_us']:.1f}]"
        lost = r["requests"] - r["accepted"] if transport != "off" else "—"
        udp = f" (socket drops {r['udp_drops']})" if transport == "udp" else ""
        target = f"{connections * 1000 // pace:,} req/s ({connections} / {pace} ms)" if pace else f"unpaced ({connections} connections)"
        nginx = "— (reloaded)" if r["nginx_us"] is None else f"{r['nginx_us']:.1f} µs"
        print(f"| {transport} | {target} | {r['rate']:,.0f} | {cpu} | "
              f"{r['cpu_share'] * 100:.1f} % | {nginx} | {r['rss']:.1f} MiB ({r['hwm']:.1f}) | "
              f"{r['accepted']:,} / {r['requests']:,} | {r['not_sent']:,}{udp} | {lost if isinstance(lost, str) else f'{lost:,}'} "
              f"| {r['load'][0]:.1f}–{r['load'][1]:.1f} |")


def line(r):
    nginx = "— (reloaded)" if r["nginx_us"] is None else f"{r['nginx_us']:.1f} µs"
    cpu = "" if r["cpu_us"] is None else f"picket {r['cpu_us']:.1f} µs/request (listener {r['listener_us']:.1f}), "
    return (f"{r['rate']:,.0f} req/s ({r['requests']:,}, non-2xx {r['non2xx']}), {cpu}picket {r['cpu_share'] * 100:.1f} % of a core "
            f"(at rest {r['idle_cpu'] * 100:.1f} %), nginx {nginx}/request, RSS {r['rss']:.1f} MiB "
            f"(peak {r['hwm']:.1f}); datagrams accepted {r['accepted']:,}, dropped {r['dropped']}, not sent {r['not_sent']:,}, "
            f"udp drops {r['udp_drops']}; load {r['load'][0]:.1f}–{r['load'][1]:.1f}")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--picket", required=True)
    parser.add_argument("--nginx", required=True)
    parser.add_argument("--wrk", required=True)
    parser.add_argument("--run-nginx", required=True)
    parser.add_argument("--workdir", required=True)
    parser.add_argument("--transports", default="off,unix,udp")
    parser.add_argument("--levels", default="100/10,500/10,100/0", help="CONNECTIONS/PACE_MS,...")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--duration", type=int, default=30)
    parser.add_argument("--backend-port", type=int, default=18401)
    parser.add_argument("--nginx-port", type=int, default=18480)
    parser.add_argument("--status-port", type=int, default=18490)
    parser.add_argument("--udp-port", type=int, default=18491)
    run(parser.parse_args())


if __name__ == "__main__":
    main()
