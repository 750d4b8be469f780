#!/usr/bin/env python3
"""Failover benchmark (issue #8): nginx managed by Picket against HAProxy, same backends, same faults.

scripts/bench-failover.sh builds Picket, installs what is missing and runs `run`; its header says what is
matched between the two balancers. Standard library only. Subcommands:
  backend NAME PORT   one controllable backend: answers NAME on every path; SIGUSR1 makes it answer 500,
                      SIGRTMIN 500 on every path but /health (which keeps answering 200), SIGUSR2 200
                      again; prints `ready` once listening and `check T` for each /health
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
import urllib.request
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

FAULTS = ("kill", "pause", "error", "error-traffic")
# picket-passive: Picket with passive detection (issue 15): nginx includes nginx/passive.conf, whose
# access log goes to Picket's socket, and every passive rule is at its default. haproxy-observe: HAProxy
# with its own passive check, `observe layer7 error-limit 5 on-error mark-down` (5 in a row, as Picket).
# picket-passive-retry: picket-passive with `proxy_next_upstream ... http_500 http_502 http_503 http_504`,
# so nginx retries an idempotent request that got a 5xx on another server (and counts it against the
# server's max_fails, which is nginx's own passive check).
BALANCERS = ("picket", "picket-passive", "picket-passive-retry", "haproxy", "haproxy-observe")
NAMES = ("b1", "b2", "b3")
VICTIM = "b2"


# ---- backend -------------------------------------------------------------------------------------------

def serve_backend(name, port):
    failing = {"paths": "none"}
    signal.signal(signal.SIGUSR1, lambda *_: failing.update(paths="all"))
    signal.signal(signal.SIGRTMIN, lambda *_: failing.update(paths="traffic"))
    signal.signal(signal.SIGUSR2, lambda *_: failing.update(paths="none"))

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            fails = failing["paths"] == "all" or (failing["paths"] == "traffic" and self.path != "/health")
            status = 500 if fails else 200
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
        self.answers = []
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
                self.answers.append((float(rest[0]), rest[1] == "200"))

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


class PicketPrefix:
    """nginx in a prefix (nginx/run-nginx.sh) and the release `picket` managing its upstream file, maybe
    with passive detection. Shared with scripts/bench_passive_ingest.py."""

    def __init__(self, opts, prefix):
        self.opts, self.prefix = opts, prefix
        self.output = os.path.join(prefix, "conf/picket/upstreams.conf")
        self.socket = os.path.join(prefix, "passive.sock")
        self.picket = None

    def passive_conf(self, endpoint):
        """Writes nginx/passive.conf into the prefix with its access log sent to `endpoint`; returns the
        `include` for nginx's http block and the `passive:` line for Picket's config."""
        with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "../nginx/passive.conf")) as f:
            snippet = f.read()
        os.makedirs(os.path.join(self.prefix, "conf"), exist_ok=True)
        with open(os.path.join(self.prefix, "conf/passive.conf"), "w") as f:
            f.write(snippet.replace("unix:/run/picket/passive.sock", endpoint))
        # nginx's workers run as another user: they must be able to write to the socket.
        mode = ', socket_mode: "0666"' if endpoint.startswith("unix:") else ""
        return "include passive.conf;", f'passive: {{listen: "{endpoint}"{mode}}}\n'

    def start_picket(self, passive, apps):
        """Writes Picket's config (its `passive:` line, then `apps`), starts it and waits for its first file."""
        o, p = self.opts, self.prefix
        with open(os.path.join(p, "picket.yaml"), "w") as f:
            f.write(PICKET_YAML.format(prefix=p, nginx=o.nginx, status_port=o.status_port, passive=passive) + apps)
        self.picket = subprocess.Popen(
            [o.picket, "run", "--config", os.path.join(p, "picket.yaml"), "--log-format", "json", "--log-level", "info"],
            stdout=open(os.path.join(p, "picket.log"), "wb"), stderr=subprocess.STDOUT)
        wait_for("picket's first file", lambda: os.path.exists(self.output), 15)
        if passive:
            wait_for("picket's passive listener", lambda: "passive_listening" in self.log(), 15)

    def nginx_control(self, *args):
        with open(os.path.join(self.prefix, "nginx-control.log"), "ab") as log:
            subprocess.run([self.opts.run_nginx, self.prefix, *args], stdout=log, stderr=subprocess.STDOUT, check=True)

    def log(self):
        with open(os.path.join(self.prefix, "picket.log"), errors="replace") as f:
            return f.read()

    def passive_counts(self):
        """Datagrams by result (picket_passive_datagrams_total) and `not_sent`: the access-log lines nginx
        could not send (its error log's `send() to syslog failed`: Picket's socket queue was full)."""
        with open(os.path.join(self.prefix, "logs/error.log"), errors="replace") as f:
            counts = {"not_sent": sum(1 for line in f if "send() to syslog failed" in line)}
        with urllib.request.urlopen(f"http://127.0.0.1:{self.opts.status_port}/metrics", timeout=5) as answer:
            for line in answer.read().decode().splitlines():
                if line.startswith('picket_passive_datagrams_total{result="'):
                    counts[line.split('"')[1]] = int(float(line.split()[-1]))
        return counts

    def stop(self):
        if self.picket:
            stop_process(self.picket)
        pidfile = os.path.join(self.prefix, "logs/nginx.pid")
        if os.path.exists(pidfile):
            pid = int(open(pidfile).read())
            self.nginx_control("stop")
            stop_pid(pid, 10)


class PicketNginx(PicketPrefix):
    """The benchmark's nginx and Picket; with `passive`, nginx also sends its access log (nginx/passive.conf)
    to Picket's passive socket, and with `retry` it retries a 5xx on another server."""

    def __init__(self, opts, prefix, backends, passive=False, retry=False):
        super().__init__(opts, prefix)
        self.backends, self.passive, self.retry = backends, passive, retry
        self.port = opts.nginx_port

    def start(self):
        o, p = self.opts, self.prefix
        conf = os.path.join(p, "bench-nginx.conf")
        access_log, passive = ("access_log off;", "")
        if self.passive:
            access_log, passive = self.passive_conf(f"unix:{self.socket}")
        next_upstream = "proxy_next_upstream error timeout http_500 http_502 http_503 http_504;" if self.retry else ""
        with open(conf, "w") as f:
            f.write(NGINX_CONF.format(port=self.port, timeout=o.timeout, read_timeout=o.read_timeout, access_log=access_log,
                                      next_upstream=next_upstream))
        self.nginx_control("layout", conf)
        servers = "".join(f"      - {b.address}\n" for b in self.backends)
        self.start_picket(passive, PICKET_APP.format(interval=o.interval, timeout=o.timeout, servers=servers))
        self.nginx_control("start")
        wait_for("picket's first round", lambda: "first round of checks complete" in self.log(), 15)
        wait_for("all backends in nginx's file", lambda: all(self.poll().values()), 15)
        wait_for("a request through nginx", lambda: get_once(self.port), 10)

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

    def counters(self):
        """Passive detection's datagram counts; {} without."""
        if not self.passive:
            return {}
        try:
            return self.passive_counts()
        except OSError:
            return {}

    def details(self, offset, fault_start, fault_end):
        """Checks of the victim from Picket's state database (or, from a store without the `checks` table,
        as the victim answered them), and from Picket's log the apply durations and when it logged backend
        2's passive ejection."""
        checks = self.backends[1].answers
        db = os.path.join(self.prefix, "picket.state.db")
        if os.path.exists(db):
            with sqlite3.connect(db) as conn:
                try:
                    rows = conn.execute("SELECT at, passed FROM checks WHERE address = ? ORDER BY at",
                                        (self.backends[1].address,)).fetchall()
                    checks = [(at - offset, bool(passed)) for at, passed in rows]
                except sqlite3.OperationalError:
                    pass
        applies, marks = [], {}
        for line in self.log().splitlines():
            try:
                event = json.loads(line)
            except ValueError:
                continue
            at = datetime.fromisoformat(event["ts"].replace("Z", "+00:00")).timestamp() - offset if "ts" in event else None
            if event.get("event") == "apply" and event.get("result") == "applied":
                applies.append((at, float(event["validate_ms"]), float(event["duration_ms"])))
            elif event.get("event") == "passive_ejection" and event.get("backend") == self.backends[1].address:
                marks.setdefault("ejected", at)
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

    def __init__(self, opts, prefix, backends, observe=False):
        self.opts, self.prefix, self.backends, self.observe = opts, prefix, backends, observe
        self.port = opts.haproxy_port
        self.socket = os.path.join(prefix, "haproxy.sock")
        self.proc = None

    def start(self):
        o = self.opts
        # observe: real traffic's 5xx (but 501 and 505) count too; 5 in a row mark the server down until
        # `rise` checks pass.
        observe = " observe layer7 error-limit 5 on-error mark-down" if self.observe else ""
        servers = "".join(f"    server {b.name} {b.address} check inter {o.interval} fall 2 rise 2{observe}\n" for b in self.backends)
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

    def counters(self):
        return {}

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
    {access_log}
    include picket/upstreams.conf;
    # Matched with HAProxy's timeout connect / timeout server. proxy_next_upstream is left at its
    # default (error timeout, each server at most once), which HAProxy's retry settings mirror.
    proxy_connect_timeout {timeout};
    proxy_send_timeout {read_timeout};
    proxy_read_timeout {read_timeout};
    {next_upstream}
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
{passive}"""

PICKET_APP = """\
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
    elif fault == "error-traffic":
        backend.signal(signal.SIGRTMIN)
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
    if kind.startswith("haproxy"):
        balancer = HAProxy(opts, workdir, backends, observe=kind == "haproxy-observe")
    else:
        balancer = PicketNginx(opts, workdir, backends, passive=kind.startswith("picket-passive"), retry=kind.endswith("-retry"))
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
        run.counters = balancer.counters()
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
    if run.kind.startswith("haproxy"):
        marks.update({k: v for k, v in (("fail1", poller.first(start, lambda s: s == "UP 1/2")), ("fail2", out_at),
                                        ("pass1", poller.first(end, lambda s: s == "DOWN 1/2")), ("pass2", back_at))
                      if v is not None})
    served = [done for sent, done, status, who in requests if sent >= end and status == 200 and who == VICTIM]
    failed = sorted(done for sent, done, status, who in requests if status == 500 and who == VICTIM)
    lags = sorted(sent - (run.t0 + i / opts.rate) for i, (sent, *_) in enumerate(requests))
    result = {
        "errors": sum(1 for r in requests if r[2] != 200),
        "err500": sum(1 for r in requests if r[2] == 500),
        "slow": sum(1 for r in requests if r[1] - r[0] > 1),
        "out": since(out_at, start),
        "last_500": since(max(failed, default=None), start),
        "first_500": since(failed[0] if failed else None, start),
        # The 500 that reaches passive detection's default threshold (consecutive_5xx 5), as clients saw it.
        "fifth_500": since(failed[4] if len(failed) >= 5 else None, start),
        "ejected": since(marks.get("ejected"), start),
        # Where the failed requests fell: until the ejection was logged, until backend 2 was out of
        # rotation (the apply), and after (nginx's reload: its old worker goes on accepting for 100 ms).
        "failed_split": split_at(failed, [marks.get("ejected"), out_at]),
        "answered": sum(1 for r in requests if r[2] != 0),
        "back_ctrl": since(back_at, end),
        "back_client": since(min(served, default=None), end),
        "requests": len(requests),
        "lag_p99": lags[int(0.99 * (len(lags) - 1))] if lags else 0,
        "lag_max": lags[-1] if lags else 0,
        "validate": marks.get("validate"),
        "apply": marks.get("apply"),
    }
    result.update(run.counters)
    result["first_to_ejected"] = difference(result["ejected"], result["first_500"])
    result["first_to_out"] = difference(result["out"], result["first_500"])
    result.update({key: since(marks.get(key), start) for key in ("fail1", "fail2")})
    result.update({key: since(marks.get(key), end) for key in ("pass1", "pass2")})
    return result


def split_at(times, marks):
    """How many of the sorted `times` fall up to each mark, between marks and after the last; [] when a
    mark is missing."""
    if None in marks:
        return []
    counts, rest = [], times
    for mark in marks:
        counts.append(sum(1 for t in rest if t <= mark))
        rest = [t for t in rest if t > mark]
    return counts + [len(rest)]


def since(t, origin):
    return None if t is None else t - origin


def difference(a, b):
    return None if a is None or b is None else a - b


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
    passive = ""
    if kind.startswith("picket-passive"):
        passive = (f"  passive: 1st 500 {fmt(r['first_500'])}, 5th {fmt(r['fifth_500'])}, ejected {fmt(r['ejected'])}; "
                   f"datagrams {r.get('accepted', 0)} accepted of {r['answered']} answered, {r.get('not_sent', 0)} not sent")
    return (f"errors {r['errors']:4d} (500s {r['err500']}, >1 s {r['slow']})  out {fmt(r['out'])}, last 500 {fmt(r['last_500'])} "
            f"[1st fail {fmt(r['fail1'])}, threshold {fmt(r['fail2'])}]  serving again {fmt(r['back_client'])} client, "
            f"{fmt(r['back_ctrl'])} {'stats' if kind.startswith('haproxy') else 'file'} [1st pass {fmt(r['pass1'])}, "
            f"threshold {fmt(r['pass2'])}]  load lag p99 {r['lag_p99'] * 1000:.0f} ms{passive}")


def run_bench(opts):
    shutil.rmtree(opts.workdir, ignore_errors=True)
    results = {(f, k): [] for f in FAULTS for k in BALANCERS}
    faults = [f for f in FAULTS if f in opts.faults.split(",")]
    kinds = [k for k in BALANCERS if k in opts.balancers.split(",")]
    print(f"load average at start: {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f} {os.getloadavg()[2]:.2f}", flush=True)
    extras = {fault: end_offsets(opts, fault) for fault in faults}
    for rnd in range(opts.rounds):
        phase = (rnd + 0.5) / opts.rounds
        for fault in faults:
            order = kinds if rnd % 2 == 0 else kinds[::-1]
            for kind in order:
                extra = extras[fault][rnd]
                r = run_case(opts, kind, fault, phase, extra, os.path.join(opts.workdir, f"r{rnd + 1}-{fault}-{kind}"))
                results[(fault, kind)].append(r)
                print(f"round {rnd + 1} (phase {phase:.2f}, +{extra:.2f} s) {fault:5s} {kind:7s}: {case_line(kind, r)}",
                      flush=True)
                with open(os.path.join(opts.workdir, "results.jsonl"), "a") as f:
                    f.write(json.dumps({"round": rnd + 1, "fault": fault, "balancer": kind, **r}) + "\n")
    print(f"load average at end: {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f} {os.getloadavg()[2]:.2f}")
    summarize(opts, faults, kinds, results)


def end_offsets(opts, fault):
    """How much longer than 10 s the fault lasts in each round: spread evenly over two intervals (the
    probe cycle of a hung backend: timeout + down interval) in a shuffled order, so that where the fault
    ends in each balancer's probe cycle does not follow from where it started; the same for both."""
    rng = random.Random(f"{opts.seed}-{fault}")
    slots = list(range(opts.rounds))
    rng.shuffle(slots)
    span = 2 * seconds(opts.interval)
    return [span * (slot + rng.random()) / opts.rounds for slot in slots]


def summarize(opts, faults, kinds, results):
    keys = ("errors", "out", "back_client", "back_ctrl", "fail1", "fail2", "pass1", "pass2", "validate", "apply", "last_500",
            "first_500", "fifth_500", "ejected", "first_to_ejected", "first_to_out")
    medians = {(fault, kind): {k: median([r[k] for r in results[(fault, kind)]]) for k in keys} for fault in faults for kind in kinds}
    print(f"\nMedians of {opts.rounds} rounds [min–max]. Out of rotation: from the fault's start; serving again: "
          f"from its end. Ratio: Picket / HAProxy.\n")
    print("| fault | balancer | client errors | out of rotation | serving again (client) | serving again (controller) |")
    print("|---|---|---:|---:|---:|---:|")
    verdicts = []
    for fault in faults:
        for kind in kinds:
            print(f"| {fault} | {kind} | " + " | ".join(spread(results[(fault, kind)], k) for k in keys[:4]) + " |")
        h = medians.get((fault, "haproxy"))
        for kind in (k for k in kinds if k != "haproxy" and h):
            p = medians[(fault, kind)]
            out, back = ratio(p["out"], h["out"]), ratio(p["back_client"], h["back_client"])
            print(f"| {fault} | ratio {kind} | {fmt(ratio(p['errors'], h['errors']), '×')} | **{fmt(out, '×')}** | "
                  f"**{fmt(back, '×')}** | {fmt(ratio(p['back_ctrl'], h['back_ctrl']), '×')} |")
            if kind == "picket" and fault in ("kill", "pause", "error"):
                verdicts.append(f"{fault}: out of rotation {fmt(out, '×')} ({verdict(out, 0.7)}, goal ≤ 0.7×); "
                                f"serving again {fmt(back, '×')} ({verdict(back, 1.0)}, goal ≤ 1.0×) (issue #8)")
    print("\nWhere the time goes (medians). After the fault's start: the first failed check, the check that reached "
          "fall/failure_threshold, out of rotation; after its end: the first passing check, the one that reached "
          "rise/success_threshold, back in the controller, served. Picket's checks as its state database recorded "
          "them; HAProxy's as its stats showed UP 1/2 and DOWN 1/2. Last 500: when the balancer last passed a 500 of "
          "backend 2 to a client. Picket's apply: validation (nginx -t) and the whole apply, reload signal included.\n")
    print("| fault | balancer | 1st failed | threshold | out | last 500 | 1st pass | threshold | controller | client "
          "| validate / apply |")
    print("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for fault in faults:
        for kind in kinds:
            m = medians[(fault, kind)]
            cells = ("fail1", "fail2", "out", "last_500", "pass1", "pass2", "back_ctrl", "back_client")
            print(f"| {fault} | {kind} | " + " | ".join(fmt(m[k]) for k in cells) + f" | {apply_cell(m)} |")
    if {"picket-passive", "picket-passive-retry", "haproxy-observe"} & set(kinds):
        verdicts += summarize_passive(opts, faults, kinds, results, medians)
    print("\nGoals:")
    for line in verdicts:
        print("  " + line)


def summarize_passive(opts, faults, kinds, results, medians):
    """Passive detection's own table (Picket's, and HAProxy's `observe layer7` when run): from the first
    500 a client received to the ejection Picket logged and to backend 2 leaving rotation (the file; the
    stats for HAProxy); the datagrams nginx sent and Picket read. Returns the issue-15 verdicts."""
    print("\nPassive detection, medians [min–max]. From the fault's start: the first 500 a client received, the fifth "
          "(the threshold of consecutive_5xx and of error-limit), Picket's `ejected:` log line, out of rotation (the "
          "file without backend 2 / the stats DOWN), the last 500 a client received; then from the first 500 to the "
          "ejection and to out of rotation. Datagrams: accepted by Picket / requests nginx answered (summed over the "
          "rounds), and the access-log lines nginx could not send (`send() to syslog failed`). The 500s clients received, "
          "split at the ejection and at out of rotation (medians of each part).\n")
    print("| fault | balancer | client errors | 1st 500 | 5th 500 | ejected | out | last 500 | 1st 500 → ejected | "
          "1st 500 → out | validate / apply | 500s until ejected / until out / after | datagrams accepted / answered, not sent |")
    print("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    verdicts = []
    for fault in faults:
        for kind in (k for k in ("picket-passive", "picket-passive-retry", "haproxy-observe") if k in kinds):
            rs, m = results[(fault, kind)], medians[(fault, kind)]
            cells = [spread(rs, "errors")] + [fmt(m[k]) for k in ("first_500", "fifth_500", "ejected", "out", "last_500")]
            cells += [spread(rs, "first_to_ejected", " ms"), spread(rs, "first_to_out", " ms"), apply_cell(m)]
            splits = [r["failed_split"] for r in rs if r["failed_split"]]
            cells.append(" / ".join(f"{median([s[i] for s in splits]):g}" for i in range(3)) if splits else "—")
            datagrams = "—"
            if kind.startswith("picket"):
                accepted, answered = sum(r.get("accepted", 0) for r in rs), sum(r["answered"] for r in rs)
                datagrams = f"{accepted} / {answered}, {sum(r.get('not_sent', 0) for r in rs)}"
            print(f"| {fault} | {kind} | " + " | ".join(cells + [datagrams]) + " |")
            if not kind.startswith("picket"):
                continue
            errors, to_ejected = median([r["errors"] for r in rs]), m["first_to_ejected"]
            line = f"{fault}, {kind}: {errors:g} client errors ({verdict(errors, 20)}, goal ≤ 20)"
            if kind == "picket-passive":
                line += (f"; ejected {fmt(to_ejected, ' s')} after the first 500 ({verdict(to_ejected, 0.1)}, goal ≤ 0.1 s), "
                         f"out of the file {fmt(m['first_to_out'], ' s')} after it")
            verdicts.append(line + " (issue 15)")
    return verdicts


def apply_cell(m):
    return "—" if m["apply"] is None else f"{m['validate'] * 1000:.0f} / {m['apply'] * 1000:.0f} ms"


def verdict(value, goal):
    return "met" if value is not None and value <= goal else "MISSED"


def spread(rs, key, unit=" s"):
    """The median and range of `key`, in seconds, or in milliseconds (whole) with unit " ms"."""
    values = [r[key] for r in rs]
    if key == "errors":
        return f"{median(values):g} [{min(values)}–{max(values)}]"
    scale, digits = (1000, 0) if unit == " ms" else (1, 2)
    shown = [v * scale for v in values if v is not None]
    missing = len(values) - len(shown)
    m = median(values)
    text = ("—" if m is None else f"{m * scale:.{digits}f}{unit}") + (f" [{min(shown):.{digits}f}–{max(shown):.{digits}f}]" if shown else "")
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
    r.add_argument("--faults", default="kill,pause,error")
    r.add_argument("--balancers", default="picket,haproxy")
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
