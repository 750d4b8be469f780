#!/usr/bin/env python3
"""Reload mode against lua mode (issue #14): the same flapping backend under the same keep-alive load.

Three backends (each its own small nginx, so one can stop and start like a real process), a front nginx
with two workers and the Lua module, Picket managing it in one mode, then the other. wrk keeps
CONNECTIONS connections alive for DURATION seconds while backend b stops and starts every FLAP seconds.
Per mode: wrk's requests, failed requests (socket errors and non-2xx), p99; nginx reloads and the most
worker processes alive at once (old generations shutting down count); and for every time b rejoined,
the time from Picket's decision (its apply log line's time less the apply's duration) to the first
request nginx routed to b (b's access log, $msec).
    bench_lua.py PICKET_BINARY [--duration 20] [--flap 2] [--connections 20] [--rounds 1]
"""
import argparse
import calendar
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"


def sh(*argv, check=True):
    return subprocess.run(argv, check=check, capture_output=True, text=True)


def wait_for(what, predicate, limit=10.0):
    end = time.time() + limit
    while time.time() < end:
        if predicate():
            return
        time.sleep(0.02)
    raise SystemExit("bench-lua: timed out waiting for " + what)


class Backend:
    def __init__(self, root, name, port):
        self.root, self.name, self.port = root, name, port
        os.makedirs(root + "/logs", exist_ok=True)
        with open(root + "/nginx.conf", "w") as conf:
            conf.write("""worker_processes 1;
pid logs/nginx.pid;
error_log logs/error.log;
events { worker_connections 1024; }
http {
    log_format stamp '$msec $uri';
    access_log off;
    server {
        listen 127.0.0.1:%d backlog=128;
        location = /health { return 200 "ok\\n"; }
        location / { access_log logs/access.log stamp; return 200 "backend %s\\n"; }
    }
}
""" % (port, name))

    def start(self):
        sh(NGINX, "-p", self.root, "-c", "nginx.conf", "-e", "logs/error.log")

    def stop(self):
        sh(NGINX, "-p", self.root, "-c", "nginx.conf", "-e", "logs/error.log", "-s", "stop", check=False)
        wait_for("backend %s to stop" % self.name, lambda: not os.path.exists(self.root + "/logs/nginx.pid"))

    def routed_times(self):
        try:
            with open(self.root + "/logs/access.log") as log:
                return [float(line.split()[0]) for line in log if line.split()[1:] == ["/"]]
        except FileNotFoundError:
            return []


class Front:
    def __init__(self, root, port, upstream_port_base):
        self.root, self.port = root, port
        os.makedirs(root + "/conf/picket", exist_ok=True)
        os.makedirs(root + "/logs", exist_ok=True)
        with open(root + "/secret", "w") as secret:
            secret.write(os.urandom(24).hex() + "\n")
        modules = sh("bash", REPO + "/nginx/lua-module.sh", NGINX).stdout
        with open(REPO + "/nginx/lua-sync.conf") as snippet:
            lua = (snippet.read().replace("/usr/share/picket/lua", REPO + "/nginx/lua")
                   .replace("/etc/picket/lua.secret", root + "/secret").replace("/run/picket/lua.sock", root + "/lua.sock"))
        with open(root + "/conf/nginx.conf", "w") as conf:
            conf.write("""%s
worker_processes 2;
pid logs/nginx.pid;
error_log logs/error.log notice;
events { worker_connections 1024; }
http {
    access_log off;
    include picket/upstreams.conf;
%s
    proxy_connect_timeout 1s;
    proxy_read_timeout 5s;
    proxy_next_upstream error timeout;
    proxy_http_version 1.1;
    proxy_set_header Connection "";
    server {
        listen 127.0.0.1:%d;
        location / { proxy_pass http://web; }
    }
}
""" % (modules, lua, port))

    def start(self):
        sh(NGINX, "-p", self.root, "-c", "conf/nginx.conf")

    def stop(self):
        sh(NGINX, "-p", self.root, "-c", "conf/nginx.conf", "-s", "stop", check=False)

    def master(self):
        with open(self.root + "/logs/nginx.pid") as pid:
            return int(pid.read())

    def workers(self):
        master, found = self.master(), set()
        for entry in os.listdir("/proc"):
            if not entry.isdigit():
                continue
            try:
                with open("/proc/%s/stat" % entry) as stat:
                    fields = stat.read().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == master:
                found.add(int(entry))
        return found

    def reloads(self):
        with open(self.root + "/logs/error.log") as log:
            return log.read().count("signal 1 (SIGHUP) received")


def run_mode(opts, mode, workdir, base):
    root = "%s/%s" % (workdir, mode)
    shutil.rmtree(root, ignore_errors=True)
    backends = [Backend("%s/backend-%s" % (root, name), name, base + 1 + index) for index, name in enumerate("abc")]
    front = Front(root + "/front", base + 80, base)
    for backend in backends:
        backend.start()
    config = root + "/picket.yaml"
    with open(config, "w") as yaml:
        yaml.write("""nginx:
  main_config: {front}/conf/nginx.conf
  output: {front}/conf/picket/upstreams.conf
  test_command: [{nginx}, -p, {front}, -q, -t, -c, "{{config}}"]
  pid_file: {front}/logs/nginx.pid
  mode: {mode}
  lua: {{socket: {front}/lua.sock, secret_file: {front}/secret}}
apps:
  - name: web
    health_check: {{path: /health, interval: 250ms, timeout: 200ms, failure_threshold: 1, success_threshold: 1}}
    # Every flap is a change: no hold-down, and probes keep their pace while b is away.
    circuit_breaker: {{flap_window: 0s, failure_threshold: 1000}}
    instances: [{instances}]
""".format(front=front.root, nginx=NGINX, mode=mode, instances=", ".join("127.0.0.1:%d" % b.port for b in backends)))
    log = open(root + "/picket.log", "w")
    picket = subprocess.Popen([opts.picket, "run", "--config", config, "--log-format", "json"], stdout=log, stderr=subprocess.STDOUT)
    try:
        wait_for("Picket's first file", lambda: os.path.exists(front.root + "/conf/picket/upstreams.conf"))
        front.start()
        wait_for("the first round", lambda: "first_round" in open(root + "/picket.log").read())
        time.sleep(1.0)
        master, before = front.master(), front.workers()
        reloads_before = front.reloads()
        peak, seen, sampling = [len(before)], set(before), [True]

        def sample():
            while sampling[0]:
                workers = front.workers()
                peak[0] = max(peak[0], len(workers))
                seen.update(workers)
                time.sleep(0.02)

        sampler = threading.Thread(target=sample)
        sampler.start()
        wrk = subprocess.Popen(["wrk", "-t2", "-c%d" % opts.connections, "-d%ds" % opts.duration, "--latency",
                                "http://127.0.0.1:%d/" % front.port], stdout=subprocess.PIPE, text=True)
        start, flips = time.time(), 0
        b = backends[1]
        while time.time() - start < opts.duration - opts.flap:
            time.sleep(opts.flap)
            if flips % 2 == 0:
                b.stop()
            else:
                b.start()
            flips += 1
        if flips % 2 == 1:
            b.start()
        output = wrk.communicate()[0]
        sampling[0] = False
        sampler.join()
        time.sleep(1.0)
        after_master = front.master()
        return summarize(output, root + "/picket.log", b, front.reloads() - reloads_before, peak[0], len(seen), master == after_master, mode)
    finally:
        picket.send_signal(signal.SIGTERM)
        picket.wait()
        front.stop()
        for backend in backends:
            backend.stop()


def summarize(wrk, picket_log, b, reloads, peak, pids, same_master, mode):
    requests = int(re.search(r"(\d+) requests in", wrk).group(1))
    errors = sum(int(n) for n in re.findall(r"(?:connect|read|write|timeout) (\d+)", wrk.split("Socket errors:")[1].splitlines()[0])) \
        if "Socket errors:" in wrk else 0
    non2xx = int(re.search(r"Non-2xx or 3xx responses: (\d+)", wrk).group(1)) if "Non-2xx" in wrk else 0
    p99 = re.search(r"99%\s+(\S+)", wrk).group(1)
    decisions, paths = [], {}
    for line in open(picket_log):
        try:
            entry = json.loads(line)
        except ValueError:
            continue
        if entry.get("event") != "apply" or entry.get("result") != "applied":
            continue
        paths[entry.get("path")] = paths.get(entry.get("path"), 0) + 1
        changes = entry.get("upstream_changes") or []
        if any(c.get("backend") == "127.0.0.1:%d" % b.port and c.get("change") == "added" for c in changes):
            stamp = calendar.timegm(time.strptime(entry["ts"][:19], "%Y-%m-%dT%H:%M:%S")) + float("0." + entry["ts"][20:23])
            decisions.append(stamp - float(entry.get("duration_ms", 0)) / 1000)
    routed = b.routed_times()
    firsts = []
    for decision in decisions:
        later = [t for t in routed if t >= decision - 0.001]
        if later:
            firsts.append((later[0] - decision) * 1000)
    firsts.sort()
    return {
        "mode": mode, "requests": requests, "failed": errors + non2xx, "non2xx": non2xx,
        "socket_errors": wrk.split("Socket errors:")[1].splitlines()[0].strip() if "Socket errors:" in wrk else "none", "p99": p99, "reloads": reloads,
        "applies": paths, "peak_workers": peak, "worker_pids_seen": pids, "same_master": same_master,
        "rejoins": len(decisions), "decision_to_routed_ms": [round(f, 1) for f in firsts],
    }


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("picket")
    parser.add_argument("--duration", type=int, default=20)
    parser.add_argument("--flap", type=float, default=2.0)
    parser.add_argument("--connections", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=1)
    opts = parser.parse_args()
    workdir = os.environ.get("BENCH_WORKDIR", "/tmp/picket-bench-lua")
    base = int(os.environ.get("BENCH_PORT_BASE", "18400"))
    os.makedirs(workdir, exist_ok=True)
    results = []
    for _ in range(opts.rounds):
        for mode in ("reload", "lua"):
            result = run_mode(opts, mode, workdir, base)
            results.append(result)
            print(json.dumps(result), flush=True)
    print("\n| mode | requests | failed | p99 | reloads | applies by path | most workers alive | worker pids seen | same master | decision → first routed (ms, median / max) |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for r in results:
        times = r["decision_to_routed_ms"]
        median = times[len(times) // 2] if times else "-"
        print("| %s | %d | %d | %s | %d | %s | %d | %d | %s | %s / %s (%d rejoins) |" % (
            r["mode"], r["requests"], r["failed"], r["p99"], r["reloads"], ", ".join("%s %d" % kv for kv in sorted(r["applies"].items())),
            r["peak_workers"], r["worker_pids_seen"], "yes" if r["same_master"] else "no", median, max(times) if times else "-", r["rejoins"]))


if __name__ == "__main__":
    sys.exit(main())
