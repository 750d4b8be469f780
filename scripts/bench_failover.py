#!/usr/bin/env python3
"""Failover benchmark (issue #8): nginx managed by Picket against HAProxy, same backends, same faults.

scripts/bench-failover.sh builds Picket, installs what is missing and runs `run`; its header says what is
matched between the two balancers. Standard library only. Subcommands:
  backend NAME PORT   one controllable backend: answers NAME on every path; SIGUSR1 makes it answer 500,
                      SIGUSR2 200 again; prints `ready` once listening and `check T` for each /health
  load ...            open-loop load through a balancer; one line per request when done
  run ...             the benchmark: every fault, both balancers, ROUNDS times; per-case lines, then medians
All times are CLOCK_MONOTONIC (time.monotonic), shared by the processes of one run.
"""

import argparse
import csv
import errno
import io
import json
import os
import random
import resource
import selectors
import shutil
import signal
import socket
import sqlite3
import statistics
import subprocess
import sys
import threading
import time
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

FAULTS = ("kill", "pause", "error")
BALANCERS = ("picket", "haproxy")
NAMES = ("b1", "b2", "b3")
VICTIM = "b2"


# ---- backend -------------------------------------------------------------------------------------------

def serve_backend(name, port):
    failing = threading.Event()
    signal.signal(signal.SIGUSR1, lambda *_: failing.set())
    signal.signal(signal.SIGUSR2, lambda *_: failing.clear())

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            status = 500 if failing.is_set() else 200
            if self.path == "/health":
                print(f"check {time.monotonic():.6f} {status}", flush=True)
            body = f"{name}\n".encode()
            self.send_response(status)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    # A real server's listen backlog, not socketserver's 5: while the process is stopped, the kernel
    # still completes handshakes until this queue is full (then SYNs go unanswered).
    ThreadingHTTPServer.request_queue_size = 128
    server = None
    for attempt in range(50):
        try:
            server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
            break
        except OSError as error:
            # Someone else on this shared machine may hold the port for a moment: wait up to 5 s.
            if error.errno != errno.EADDRINUSE or attempt == 49:
                raise
            time.sleep(0.1)
    server.daemon_threads = True
    print("ready", flush=True)
    server.serve_forever(poll_interval=0.5)


class Backend:
    """One backend process the harness can kill, restart on the same port, stop, continue and fail."""

    def __init__(self, name, port, logdir):
        self.name, self.port, self.logdir = name, port, logdir
        self.address = f"127.0.0.1:{port}"
        self.checks = []
        self.proc = None
        self.ready = None

    def start(self):
        self.ready = threading.Event()
        self.proc = subprocess.Popen(
            [sys.executable, __file__, "backend", self.name, str(self.port)],
            stdout=subprocess.PIPE, stderr=open(os.path.join(self.logdir, f"{self.name}.err"), "ab"), text=True)
        threading.Thread(target=self._read, args=(self.proc, self.ready), daemon=True).start()
        if not self.ready.wait(10):
            raise RuntimeError(f"backend {self.name} did not start on port {self.port}")
        return time.monotonic()

    def _read(self, proc, ready):
        for line in proc.stdout:
            word, *rest = line.split()
            if word == "ready":
                ready.set()
            elif word == "check":
                self.checks.append(float(rest[0]))

    def signal(self, sig):
        self.proc.send_signal(sig)

    def kill(self):
        self.proc.kill()
        self.proc.wait()

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGCONT)
            self.proc.kill()
            self.proc.wait()


# ---- load ----------------------------------------------------------------------------------------------

REQUEST = b"GET / HTTP/1.0\r\nHost: bench\r\n\r\n"


def open_loop(port, rate, start, duration, timeout):
    """Sends request i at start + i/rate whether or not earlier ones have been answered: one thread on
    epoll, each request on its own connection (asyncio streams cost too much CPU on a busy machine)."""
    selector = selectors.DefaultSelector()
    rows, total, i = [], int(rate * duration), 0
    next_sweep = start + 0.1

    def finish(request, status, who):
        selector.unregister(request[0])
        request[0].close()
        rows.append((request[1], time.monotonic(), status, who))

    def answer(request):
        head, _, body = b"".join(request[2]).partition(b"\r\n\r\n")
        words = head.split(b" ", 2)
        who = body.strip().decode(errors="replace")
        return (int(words[1]) if len(words) > 1 and words[1].isdigit() else 0), (who if who in NAMES else "-")

    while i < total or selector.get_map():
        now = time.monotonic()
        while i < total and start + i / rate <= now:
            sock = socket.socket()
            sock.setblocking(False)
            request = [sock, time.monotonic(), []]
            error = sock.connect_ex(("127.0.0.1", port))
            selector.register(sock, selectors.EVENT_WRITE, request)
            if error not in (0, errno.EINPROGRESS):
                finish(request, 0, errno.errorcode.get(error, str(error)))
            i += 1
        due = start + i / rate if i < total else now + 0.05
        for key, events in selector.select(max(0.0, min(due, next_sweep) - time.monotonic())):
            request = key.data
            sock = request[0]
            if events & selectors.EVENT_WRITE:
                error = sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
                if error:
                    finish(request, 0, errno.errorcode.get(error, str(error)))
                    continue
                sock.send(REQUEST)
                selector.modify(sock, selectors.EVENT_READ, request)
                continue
            try:
                chunk = sock.recv(65536)
            except OSError as error:
                finish(request, 0, errno.errorcode.get(error.errno, "error"))
                continue
            if chunk:
                request[2].append(chunk)
            else:
                finish(request, *answer(request))
        now = time.monotonic()
        if now >= next_sweep:
            next_sweep = now + 0.1
            for request in [key.data for key in selector.get_map().values() if key.data[1] + timeout < now]:
                finish(request, 0, "timeout")
    return rows


def run_load(args):
    _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    rows = open_loop(args.port, args.rate, args.start, args.duration, args.timeout)
    with open(args.out, "w") as out:
        for sent, done, status, who in sorted(rows):
            out.write(f"{sent:.6f} {done:.6f} {status} {who}\n")


# ---- balancers -----------------------------------------------------------------------------------------

def wait_for(what, predicate, limit, step=0.05):
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(step)
    raise RuntimeError(f"timed out waiting for {what}")


def get_once(port):
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=2) as conn:
            conn.sendall(REQUEST)
            return conn.recv(4096).split(b"\r\n", 1)[0].split(b" ")[1:2] == [b"200"]
    except OSError:
        return False


class PicketNginx:
    """nginx in a prefix (nginx/run-nginx.sh), its upstream file written by the release `picket`."""

    def __init__(self, opts, prefix, backends):
        self.opts, self.prefix, self.backends = opts, prefix, backends
        self.port = opts.nginx_port
        self.output = os.path.join(prefix, "conf/picket/upstreams.conf")
        self.picket = None

    def start(self):
        o, p = self.opts, self.prefix
        conf = os.path.join(p, "bench-nginx.conf")
        with open(conf, "w") as f:
            f.write(NGINX_CONF.format(port=self.port, timeout=o.timeout, read_timeout=o.read_timeout))
        self.nginx_control("layout", conf)
        servers = "".join(f"      - {b.address}\n" for b in self.backends)
        with open(os.path.join(p, "picket.yaml"), "w") as f:
            f.write(PICKET_YAML.format(prefix=p, nginx=o.nginx, status_port=o.status_port, interval=o.interval,
                                       timeout=o.timeout, servers=servers))
        self.picket = subprocess.Popen(
            [o.picket, "run", "--config", os.path.join(p, "picket.yaml"), "--log-format", "json", "--log-level", "info"],
            stdout=open(os.path.join(p, "picket.log"), "wb"), stderr=subprocess.STDOUT)
        wait_for("picket's first file", lambda: os.path.exists(self.output), 15)
        self.nginx_control("start")
        wait_for("picket's first round", lambda: "first round of checks complete" in self.log(), 15)
        wait_for("all backends in nginx's file", lambda: all(self.poll().values()), 15)
        wait_for("a request through nginx", lambda: get_once(self.port), 10)

    def nginx_control(self, *args):
        with open(os.path.join(self.prefix, "nginx-control.log"), "ab") as log:
            subprocess.run([self.opts.run_nginx, self.prefix, *args], stdout=log, stderr=subprocess.STDOUT, check=True)

    def log(self):
        with open(os.path.join(self.prefix, "picket.log"), errors="replace") as f:
            return f.read()

    def poll(self):
        """Each backend's line in the upstream file: in rotation unless absent or marked down."""
        try:
            with open(self.output) as f:
                text = f.read()
        except FileNotFoundError:
            text = ""
        listed = {}
        for line in text.splitlines():
            words = line.replace(";", " ").split()
            if len(words) >= 2 and words[0] == "server":
                listed[words[1]] = "down" not in words[2:]
        return {b.name: listed.get(b.address, False) for b in self.backends}

    @staticmethod
    def in_rotation(state):
        return state is True

    def stop(self):
        if self.picket:
            stop_process(self.picket)
        pidfile = os.path.join(self.prefix, "logs/nginx.pid")
        if os.path.exists(pidfile):
            pid = int(open(pidfile).read())
            self.nginx_control("stop")
            stop_pid(pid, 10)

    def details(self, offset, fault_start, fault_end):
        """Checks of the victim from Picket's state database, and the apply durations from its log."""
        rows = []
        db = os.path.join(self.prefix, "picket.state.db")
        if os.path.exists(db):
            with sqlite3.connect(db) as conn:
                rows = conn.execute("SELECT at, passed FROM checks WHERE address = ? ORDER BY at",
                                    (self.backends[1].address,)).fetchall()
        checks = [(at - offset, bool(passed)) for at, passed in rows]
        applies = []
        for line in self.log().splitlines():
            try:
                event = json.loads(line)
            except ValueError:
                continue
            if event.get("event") == "apply" and event.get("result") == "applied":
                at = datetime.fromisoformat(event["ts"].replace("Z", "+00:00")).timestamp() - offset
                applies.append((at, float(event["validate_ms"]), float(event["duration_ms"])))
        marks = {}
        marks.update(edges(checks, fault_start, passed=False, prefix="fail"))
        marks.update(edges(checks, fault_end, passed=True, prefix="pass"))
        ejecting = [a for a in applies if a[0] >= fault_start]
        if ejecting:
            marks["validate"], marks["apply"] = ejecting[0][1] / 1000, ejecting[0][2] / 1000
        return marks


def edges(checks, since, passed, prefix):
    """When the first and the second consecutive check of one verdict completed after `since`."""
    marks, run = {}, 0
    for at, ok in checks:
        if at < since:
            continue
        run = run + 1 if ok == passed else 0
        if run == 1 and f"{prefix}1" not in marks:
            marks[f"{prefix}1"] = at
        if run == 2:
            marks[f"{prefix}2"] = at
            break
    return marks


class HAProxy:
    """HAProxy from Debian in the foreground, its server states read from the stats socket."""

    def __init__(self, opts, prefix, backends):
        self.opts, self.prefix, self.backends = opts, prefix, backends
        self.port = opts.haproxy_port
        self.socket = os.path.join(prefix, "haproxy.sock")
        self.proc = None

    def start(self):
        o = self.opts
        servers = "".join(f"    server {b.name} {b.address} check inter {o.interval} fall 2 rise 2\n" for b in self.backends)
        cfg = os.path.join(self.prefix, "haproxy.cfg")
        with open(cfg, "w") as f:
            f.write(HAPROXY_CFG.format(sock=self.socket, port=self.port, timeout=o.timeout,
                                       read_timeout=o.read_timeout, servers=servers))
        subprocess.run([o.haproxy, "-c", "-q", "-f", cfg], check=True)
        self.proc = subprocess.Popen([o.haproxy, "-db", "-f", cfg],
                                     stdout=open(os.path.join(self.prefix, "haproxy.log"), "wb"), stderr=subprocess.STDOUT)
        wait_for("haproxy's stats socket", lambda: os.path.exists(self.socket), 10)
        wait_for("haproxy's first checks", lambda: all(s == ("UP", "L7OK") for s in self.stat().values()), 15)
        wait_for("a request through haproxy", lambda: get_once(self.port), 10)

    def stat(self):
        with socket.socket(socket.AF_UNIX) as conn:
            conn.connect(self.socket)
            conn.sendall(b"show stat web 4 -1\n")
            chunks = []
            while chunk := conn.recv(65536):
                chunks.append(chunk)
        text = b"".join(chunks).decode().lstrip("# ")
        return {row["svname"]: (row["status"], row["check_status"].lstrip("* ")) for row in csv.DictReader(io.StringIO(text))
                if row.get("svname") in NAMES}

    def poll(self):
        """Each server's status column: UP, UP 1/2 (going down), DOWN, DOWN 1/2 (coming up), ..."""
        return {name: status for name, (status, _) in self.stat().items()}

    @staticmethod
    def in_rotation(state):
        return isinstance(state, str) and state.startswith("UP")

    def stop(self):
        if self.proc:
            stop_process(self.proc)

    def details(self, offset, fault_start, fault_end):
        return {}


def stop_process(proc):
    """SIGTERM, and SIGKILL after 10 s: on a thrashing machine a clean exit can take that long."""
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            print(f"{proc.args[0]} ignored SIGTERM for 10 s; killed", file=sys.stderr)
            proc.kill()
            proc.wait()


def stop_pid(pid, limit):
    """Waits for a process we started to exit; a fast shutdown (SIGTERM) if it takes too long."""
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.05)
    os.kill(pid, signal.SIGTERM)


NGINX_CONF = """\
worker_processes 1;
worker_rlimit_nofile 8192;
pid logs/nginx.pid;
error_log logs/error.log notice;
events {{ worker_connections 4096; }}
http {{
    access_log off;
    include picket/upstreams.conf;
    # Matched with HAProxy's timeout connect / timeout server. proxy_next_upstream is left at its
    # default (error timeout, each server at most once), which HAProxy's retry settings mirror.
    proxy_connect_timeout {timeout};
    proxy_send_timeout {read_timeout};
    proxy_read_timeout {read_timeout};
    server {{
        listen 127.0.0.1:{port};
        location / {{ proxy_pass http://web; }}
    }}
}}
"""

PICKET_YAML = """\
nginx:
  main_config: {prefix}/conf/nginx.conf
  output: {prefix}/conf/picket/upstreams.conf
  test_command: [{nginx}, -p, {prefix}, -q, -t, -c, "{{config}}"]
  pid_file: {prefix}/logs/nginx.pid
status:
  listen: 127.0.0.1:{status_port}
apps:
  - name: web
    health_check:
      path: /health
      interval: {interval}
      timeout: {timeout}
      failure_threshold: 2
      success_threshold: 2
    instances:
{servers}"""

HAPROXY_CFG = """\
global
    stats socket {sock} mode 600 level admin
    nbthread 1
    maxconn 8192
defaults
    mode http
    timeout client 30s
    timeout connect {timeout}
    timeout server {read_timeout}
    timeout check {timeout}
    retries 2
    option redispatch 1
    retry-on conn-failure empty-response response-timeout
frontend bench
    bind 127.0.0.1:{port}
    default_backend web
backend web
    balance roundrobin
    option httpchk GET /health
{servers}"""


# ---- one case ------------------------------------------------------------------------------------------

class Poller(threading.Thread):
    """Reads the balancer's view every few ms and keeps each change of the victim's state."""

    def __init__(self, balancer, period):
        super().__init__(daemon=True)
        self.balancer, self.period = balancer, period
        self.changes = []
        self.halt = threading.Event()

    def run(self):
        last = object()
        while not self.halt.is_set():
            try:
                state = self.balancer.poll()[VICTIM]
            except (OSError, KeyError):
                time.sleep(self.period)
                continue
            now = time.monotonic()
            if state != last:
                self.changes.append((now, state))
                last = state
            time.sleep(self.period)

    def first(self, since, predicate):
        return next((t for t, state in self.changes if t >= since and predicate(state)), None)


def inject(fault, backend):
    if fault == "kill":
        backend.kill()
    elif fault == "pause":
        backend.signal(signal.SIGSTOP)
    else:
        backend.signal(signal.SIGUSR1)


def heal(fault, backend):
    """Ends the fault; returns when it ended (a killed backend: once its successor listens)."""
    if fault == "kill":
        return backend.start()
    backend.signal(signal.SIGCONT if fault == "pause" else signal.SIGUSR2)
    return time.monotonic()


def run_case(opts, kind, fault, phase, extra, workdir):
    """One balancer, one fault: starts everything afresh, loads, injects and heals, stops everything."""
    os.makedirs(workdir)
    backends = [Backend(name, opts.backend_port + i, workdir) for i, name in enumerate(NAMES)]
    balancer = (PicketNginx if kind == "picket" else HAProxy)(opts, workdir, backends)
    victim = backends[1]
    run = argparse.Namespace(kind=kind, balancer=balancer, requests_file=os.path.join(workdir, "requests.txt"))
    try:
        for b in backends:
            b.start()
        balancer.start()
        run.offset = time.time() - time.monotonic()
        run.poller = Poller(balancer, opts.poll_ms / 1000)
        run.poller.start()
        run.t0 = time.monotonic() + 0.5
        load = subprocess.Popen([sys.executable, __file__, "load", "--port", str(balancer.port), "--rate", str(opts.rate),
                                 "--start", f"{run.t0:.6f}", "--duration", str(opts.duration), "--out", run.requests_file])
        # The fault starts at the same point of the check cycle for both balancers: `phase` of an
        # interval after the first check backend 2 sees from t=10 s. It lasts 10 s + `extra`.
        sleep_until(run.t0 + opts.fault_at)
        wait_for("a check of backend 2", lambda: victim.checks and victim.checks[-1] >= run.t0 + opts.fault_at, 5, 0.002)
        sleep_until(victim.checks[-1] + phase * seconds(opts.interval))
        run.fault_start = time.monotonic()
        inject(fault, victim)
        sleep_until(run.fault_start + opts.fault_for + extra)
        run.fault_end = heal(fault, victim)
        if load.wait() != 0:
            raise RuntimeError("the load generator failed")
        run.poller.halt.set()
        run.poller.join()
    finally:
        try:
            balancer.stop()
        finally:
            for b in backends:
                b.stop()
    return measure(opts, run)


def measure(opts, run):
    """The case's figures from what the client, the poller and (for Picket) its own records saw."""
    with open(run.requests_file) as f:
        requests = [(float(sent), float(done), int(status), who) for sent, done, status, who in map(str.split, f)]
    start, end, poller, balancer = run.fault_start, run.fault_end, run.poller, run.balancer
    marks = balancer.details(run.offset, start, end)
    out_at = poller.first(start, lambda s: not balancer.in_rotation(s))
    back_at = poller.first(end, balancer.in_rotation)
    if run.kind == "haproxy":
        marks.update({k: v for k, v in (("fail1", poller.first(start, lambda s: s == "UP 1/2")), ("fail2", out_at),
                                        ("pass1", poller.first(end, lambda s: s == "DOWN 1/2")), ("pass2", back_at))
                      if v is not None})
    served = [done for sent, done, status, who in requests if sent >= end and status == 200 and who == VICTIM]
    failed = [done for sent, done, status, who in requests if status == 500 and who == VICTIM]
    lags = sorted(sent - (run.t0 + i / opts.rate) for i, (sent, *_) in enumerate(requests))
    result = {
        "errors": sum(1 for r in requests if r[2] != 200),
        "err500": sum(1 for r in requests if r[2] == 500),
        "slow": sum(1 for r in requests if r[1] - r[0] > 1),
        "out": since(out_at, start),
        "last_500": since(max(failed, default=None), start),
        "back_ctrl": since(back_at, end),
        "back_client": since(min(served, default=None), end),
        "requests": len(requests),
        "lag_p99": lags[int(0.99 * (len(lags) - 1))] if lags else 0,
        "lag_max": lags[-1] if lags else 0,
        "validate": marks.get("validate"),
        "apply": marks.get("apply"),
    }
    result.update({key: since(marks.get(key), start) for key in ("fail1", "fail2")})
    result.update({key: since(marks.get(key), end) for key in ("pass1", "pass2")})
    return result


def since(t, origin):
    return None if t is None else t - origin


def seconds(text):
    return float(text[:-2]) / 1000 if text.endswith("ms") else float(text.rstrip("s"))


def sleep_until(t):
    delay = t - time.monotonic()
    if delay > 0:
        time.sleep(delay)


# ---- the benchmark -------------------------------------------------------------------------------------

def fmt(value, unit=" s"):
    return "—" if value is None else f"{value:.2f}{unit}"


def median(values):
    """The median, where a missing value (it never happened within the run) counts as the largest."""
    if not values:
        return None
    m = statistics.median(float("inf") if v is None else v for v in values)
    return None if m == float("inf") else m


def ratio(a, b):
    return None if a is None or b is None or b == 0 else a / b


def case_line(kind, r):
    return (f"errors {r['errors']:4d} (500s {r['err500']}, >1 s {r['slow']})  out {fmt(r['out'])}, last 500 {fmt(r['last_500'])} "
            f"[1st fail {fmt(r['fail1'])}, threshold {fmt(r['fail2'])}]  serving again {fmt(r['back_client'])} client, "
            f"{fmt(r['back_ctrl'])} {'file' if kind == 'picket' else 'stats'} [1st pass {fmt(r['pass1'])}, "
            f"threshold {fmt(r['pass2'])}]  load lag p99 {r['lag_p99'] * 1000:.0f} ms")


def run_bench(opts):
    shutil.rmtree(opts.workdir, ignore_errors=True)
    results = {(f, k): [] for f in FAULTS for k in BALANCERS}
    faults = [f for f in FAULTS if f in opts.faults.split(",")]
    print(f"load average at start: {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f} {os.getloadavg()[2]:.2f}", flush=True)
    extras = {fault: end_offsets(opts, fault) for fault in faults}
    for rnd in range(opts.rounds):
        phase = (rnd + 0.5) / opts.rounds
        for fault in faults:
            order = BALANCERS if rnd % 2 == 0 else BALANCERS[::-1]
            for kind in order:
                extra = extras[fault][rnd]
                r = run_case(opts, kind, fault, phase, extra, os.path.join(opts.workdir, f"r{rnd + 1}-{fault}-{kind}"))
                results[(fault, kind)].append(r)
                print(f"round {rnd + 1} (phase {phase:.2f}, +{extra:.2f} s) {fault:5s} {kind:7s}: {case_line(kind, r)}",
                      flush=True)
                with open(os.path.join(opts.workdir, "results.jsonl"), "a") as f:
                    f.write(json.dumps({"round": rnd + 1, "fault": fault, "balancer": kind, **r}) + "\n")
    print(f"load average at end: {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f} {os.getloadavg()[2]:.2f}")
    summarize(opts, faults, results)


def end_offsets(opts, fault):
    """How much longer than 10 s the fault lasts in each round: spread evenly over two intervals (the
    probe cycle of a hung backend: timeout + down interval) in a shuffled order, so that where the fault
    ends in each balancer's probe cycle does not follow from where it started; the same for both."""
    rng = random.Random(f"{opts.seed}-{fault}")
    slots = list(range(opts.rounds))
    rng.shuffle(slots)
    span = 2 * seconds(opts.interval)
    return [span * (slot + rng.random()) / opts.rounds for slot in slots]


def summarize(opts, faults, results):
    keys = ("errors", "out", "back_client", "back_ctrl", "fail1", "fail2", "pass1", "pass2", "validate", "apply", "last_500")
    print(f"\nMedians of {opts.rounds} rounds [min–max]. Out of rotation: from the fault's start; serving again: "
          f"from its end. Ratio: picket / haproxy.\n")
    print("| fault | balancer | client errors | out of rotation | serving again (client) | serving again (controller) |")
    print("|---|---|---:|---:|---:|---:|")
    medians, verdicts = {}, []
    for fault in faults:
        for kind in BALANCERS:
            rs = results[(fault, kind)]
            medians[(fault, kind)] = {k: median([r[k] for r in rs]) for k in keys}
            print(f"| {fault} | {kind} | " + " | ".join(spread(rs, k) for k in keys[:4]) + " |")
        p, h = medians[(fault, "picket")], medians[(fault, "haproxy")]
        out, back = ratio(p["out"], h["out"]), ratio(p["back_client"], h["back_client"])
        print(f"| {fault} | ratio | {fmt(ratio(p['errors'], h['errors']), '×')} | **{fmt(out, '×')}** | "
              f"**{fmt(back, '×')}** | {fmt(ratio(p['back_ctrl'], h['back_ctrl']), '×')} |")
        verdicts.append(f"{fault}: out of rotation {fmt(out, '×')} ({verdict(out, 0.7)}, goal ≤ 0.7×); "
                        f"serving again {fmt(back, '×')} ({verdict(back, 1.0)}, goal ≤ 1.0×)")
    print("\nWhere the time goes (medians). After the fault's start: the first failed check, the check that reached "
          "fall/failure_threshold, out of rotation; after its end: the first passing check, the one that reached "
          "rise/success_threshold, back in the controller, served. Picket's checks as its state database recorded "
          "them; HAProxy's as its stats showed UP 1/2 and DOWN 1/2. Last 500: when the balancer last passed a 500 of "
          "backend 2 to a client. Picket's apply: validation (nginx -t) and the whole apply, reload signal included.\n")
    print("| fault | balancer | 1st failed | threshold | out | last 500 | 1st pass | threshold | controller | client "
          "| validate / apply |")
    print("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for fault in faults:
        for kind in BALANCERS:
            m = medians[(fault, kind)]
            apply = "—" if m["apply"] is None else f"{m['validate'] * 1000:.0f} / {m['apply'] * 1000:.0f} ms"
            cells = ("fail1", "fail2", "out", "last_500", "pass1", "pass2", "back_ctrl", "back_client")
            print(f"| {fault} | {kind} | " + " | ".join(fmt(m[k]) for k in cells) + f" | {apply} |")
    print("\nGoals (issue #8):")
    for line in verdicts:
        print("  " + line)


def verdict(value, goal):
    return "met" if value is not None and value <= goal else "MISSED"


def spread(rs, key):
    values = [r[key] for r in rs]
    if key == "errors":
        return f"{median(values):g} [{min(values)}–{max(values)}]"
    shown = [v for v in values if v is not None]
    missing = len(values) - len(shown)
    text = fmt(median(values)) + (f" [{min(shown):.2f}–{max(shown):.2f}]" if shown else "")
    return text + (f" ({missing}× not within the run)" if missing else "")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    b = sub.add_parser("backend")
    b.add_argument("name")
    b.add_argument("port", type=int)
    ld = sub.add_parser("load")
    ld.add_argument("--port", type=int, required=True)
    ld.add_argument("--rate", type=float, required=True)
    ld.add_argument("--start", type=float, required=True)
    ld.add_argument("--duration", type=float, required=True)
    ld.add_argument("--timeout", type=float, default=15)
    ld.add_argument("--out", required=True)
    r = sub.add_parser("run")
    r.add_argument("--rounds", type=int, default=3)
    r.add_argument("--faults", default=",".join(FAULTS))
    r.add_argument("--picket", required=True)
    r.add_argument("--nginx", required=True)
    r.add_argument("--haproxy", required=True)
    r.add_argument("--run-nginx", required=True)
    r.add_argument("--workdir", required=True)
    r.add_argument("--backend-port", type=int, default=18301)
    r.add_argument("--nginx-port", type=int, default=18380)
    r.add_argument("--haproxy-port", type=int, default=18381)
    r.add_argument("--status-port", type=int, default=18390)
    r.add_argument("--rate", type=float, default=500)
    r.add_argument("--duration", type=float, default=32)
    r.add_argument("--fault-at", type=float, default=10)
    r.add_argument("--fault-for", type=float, default=10)
    r.add_argument("--interval", default="1s")
    r.add_argument("--timeout", default="1s")
    r.add_argument("--read-timeout", default="5s")
    r.add_argument("--poll-ms", type=float, default=5)
    r.add_argument("--seed", default="8")
    args = parser.parse_args()
    if args.command == "backend":
        serve_backend(args.name, args.port)
    elif args.command == "load":
        run_load(args)
    else:
        run_bench(args)


if __name__ == "__main__":
    main()
