#!/usr/bin/env python3
"""Fleet benchmark (issue #17): three Pickets on one PostgreSQL, every node checking the same backends.

scripts/bench-fleet.sh builds the release `picket` and runs this. Standard library only. On loopback:
  - PostgreSQL (Debian's) made with initdb in the work directory, as the postgres user when run as root;
  - one nginx serving GET /health on BACKENDS addresses 127.77.x.y:10080 (the backends);
  - three nodes, each a release `picket run` with its own nginx (prefix under the work directory),
    checking every backend every second, and a Docker app of one busybox container (when a Docker
    engine answers) so that the nodes share an engine lease.
Printed: per node, CPU (user + system, from /proc) as a share of one core and per check, and RSS; the
database's rows and commits per second (pg_stat_database) and its CPU (the postmaster and its backends); the time a drain through node A takes to
leave node B's and node C's files (polled every 2 ms), ROUNDS times; and, with Docker, the time from
SIGKILL of the lease holder to another node holding the lease (polled in the database every 20 ms).
"""

import argparse
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import time
import urllib.request

TOKEN = "bench-token-0123456789"
PASSWORD = "bench-secret-1"
NODES = ("node-a", "node-b", "node-c")


def run(argv, **kwargs):
    return subprocess.run(argv, check=True, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, **kwargs).stdout


def as_postgres(argv):
    return ["runuser", "-u", "postgres", "--"] + argv if os.getuid() == 0 else argv


class Postgres:
    def __init__(self, work, port):
        versions = sorted(int(v) for v in os.listdir("/usr/lib/postgresql") if v.isdigit())
        self.bin = f"/usr/lib/postgresql/{versions[-1]}/bin"
        self.dir = os.path.join(work, "pg")
        self.port = port
        os.makedirs(self.dir)
        with open(os.path.join(self.dir, "pwfile"), "w") as f:
            f.write(PASSWORD)
        if os.getuid() == 0:
            shutil.chown(self.dir, "postgres", "postgres")
            shutil.chown(os.path.join(self.dir, "pwfile"), "postgres", "postgres")
        run(as_postgres([f"{self.bin}/initdb", "-D", f"{self.dir}/data", "-U", "picket", "--pwfile", f"{self.dir}/pwfile",
                         "--auth-local", "trust", "--auth-host", "scram-sha-256", "--no-sync", "-E", "UTF8"]))
        options = f"-c listen_addresses=127.0.0.1 -p {port} -k {self.dir}"
        run(as_postgres([f"{self.bin}/pg_ctl", "-D", f"{self.dir}/data", "-l", f"{self.dir}/server.log", "-o", options, "-w", "start"]))
        self.url = f"postgres://picket:{PASSWORD}@127.0.0.1:{port}/postgres?sslmode=disable"

    def sql(self, statement):
        env = dict(os.environ, PGPASSWORD=PASSWORD)
        return run([f"{self.bin}/psql", "-h", "127.0.0.1", "-p", str(self.port), "-U", "picket", "-d", "postgres", "-X", "-At", "-c", statement],
                   env=env).strip()

    def cpu_ticks(self):
        """The server's CPU so far: the postmaster and every backend process it forked (live ones)."""
        with open(f"{self.dir}/data/postmaster.pid") as f:
            postmaster = int(f.readline())
        total = 0
        for entry in os.listdir("/proc"):
            if not entry.isdigit():
                continue
            try:
                with open(f"/proc/{entry}/stat") as f:
                    fields = f.read().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(entry) == postmaster or int(fields[1]) == postmaster:
                total += int(fields[11]) + int(fields[12])
        return total

    def stop(self):
        subprocess.run(as_postgres([f"{self.bin}/pg_ctl", "-D", f"{self.dir}/data", "-m", "fast", "-w", "stop"]), stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL)


def backend_addresses(count):
    return [f"127.77.{i // 250}.{i % 250 + 1}:10080" for i in range(count)]


def start_backends(work, addresses):
    prefix = os.path.join(work, "backends")
    os.makedirs(f"{prefix}/conf")
    os.makedirs(f"{prefix}/logs")
    listens = "\n".join(f"    listen {a} reuseport;" if i == 0 else f"    listen {a};" for i, a in enumerate(addresses))
    with open(f"{prefix}/conf/nginx.conf", "w") as f:
        f.write(f"""worker_processes 2;
worker_rlimit_nofile 65536;
pid logs/nginx.pid;
error_log logs/error.log;
events {{ worker_connections 16384; }}
http {{
  access_log off;
  server {{
{listens}
    location / {{ return 200 "ok\\n"; }}
  }}
}}
""")
    run(["nginx", "-p", prefix, "-c", "conf/nginx.conf"])
    return prefix


class Node:
    def __init__(self, work, name, url, addresses, container_selector, lease_ttl, picket):
        self.name = name
        self.prefix = os.path.join(work, name)
        self.status_port = free_port()
        self.front_port = free_port()
        os.makedirs(f"{self.prefix}/conf/picket")
        os.makedirs(f"{self.prefix}/logs")
        with open(f"{self.prefix}/conf/nginx.conf", "w") as f:
            f.write(f"""worker_processes 1;
pid logs/nginx.pid;
error_log logs/error.log;
events {{ worker_connections 1024; }}
http {{
  access_log off;
  include picket/upstreams.conf;
  server {{ listen 127.0.0.1:{self.front_port}; location / {{ proxy_pass http://web; }} }}
}}
""")
        self.output = f"{self.prefix}/conf/picket/upstreams.conf"
        docker_app = ""
        if container_selector:
            docker_app = f"""
  - name: jobs
    docker: {{selector: {{picket.bench: "{container_selector}"}}}}
    health_check: {{path: /health, interval: 1s, timeout: 1s}}
"""
        config = f"""nginx:
  main_config: {self.prefix}/conf/nginx.conf
  output: {self.output}
  test_command: [nginx, -p, {self.prefix}, -q, -t, -c, "{{config}}"]
  pid_file: {self.prefix}/logs/nginx.pid
status: {{listen: "127.0.0.1:{self.status_port}", token: {TOKEN}}}
state: {{url: "{url}"}}
node: {{name: {name}}}
fleet: {{lease_ttl: {lease_ttl}}}
probes: {{max_concurrent: 2048}}
apps:
  - name: web
    health_check: {{path: /health, interval: 1s, timeout: 1s}}
    instances: [{", ".join(addresses)}]
{docker_app}"""
        self.config = f"{self.prefix}/picket.yaml"
        with open(self.config, "w") as f:
            f.write(config)
        self.picket = picket
        self.process = None

    def start(self):
        log = open(f"{self.prefix}/picket.log", "a")
        self.process = subprocess.Popen([self.picket, "run", "--config", self.config], stdout=log, stderr=subprocess.STDOUT)

    def start_nginx(self):
        run(["nginx", "-p", self.prefix, "-c", "conf/nginx.conf"])

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
        subprocess.run(["nginx", "-p", self.prefix, "-c", "conf/nginx.conf", "-s", "stop"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def cpu_ticks(self):
        with open(f"/proc/{self.process.pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return int(fields[11]) + int(fields[12])

    def rss_mib(self):
        with open(f"/proc/{self.process.pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
        return 0.0

    def file(self):
        try:
            with open(self.output) as f:
                return f.read()
        except FileNotFoundError:
            return ""

    def post(self, path):
        request = urllib.request.Request(f"http://127.0.0.1:{self.status_port}{path}", method="POST",
                                         headers={"Authorization": f"Bearer {TOKEN}"})
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status


def free_port():
    import socket
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait(condition, timeout, every=0.05):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if condition():
            return True
        time.sleep(every)
    return condition()


def docker_answers():
    return subprocess.run(["docker", "version", "--format", "{{.Server.Version}}"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode == 0


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--picket", required=True)
    parser.add_argument("--backends", type=int, default=1000)
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--lease-ttl", default="5s")
    args = parser.parse_args()
    work = os.environ.get("BENCH_WORKDIR", "/tmp/picket-bench-fleet")
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    if os.getuid() == 0:
        os.chmod(work, 0o755)
    addresses = backend_addresses(args.backends)
    selector = None
    container = None
    if docker_answers():
        selector = f"fleet-{os.getpid()}"
        container = f"picket-bench-fleet-{os.getpid()}"
        port = free_port()
        run(["docker", "run", "-d", "--network", "host", "--name", container, "--label", f"picket.bench={selector}", "--label", f"picket.port={port}",
             "picket-test/busybox:latest", "sh", "-c", f"mkdir -p /tmp/w && echo ok > /tmp/w/health && exec httpd -f -p 127.0.0.1:{port} -h /tmp/w"])
    database = Postgres(work, free_port())
    backends = start_backends(work, addresses)
    nodes = [Node(work, name, database.url, addresses, selector, args.lease_ttl, args.picket) for name in NODES]
    try:
        for node in nodes:
            node.start()
        for node in nodes:
            if not wait(lambda: os.path.exists(node.output), 30):
                sys.exit(f"bench-fleet: {node.name} wrote no file; see {node.prefix}/picket.log")
            node.start_nginx()
        if not wait(lambda: all(n.file().count("server 127.77.") == len(addresses) for n in nodes), 60, 0.5):
            sys.exit("bench-fleet: not every backend came into every node's file within 60 s")
        print(f"three nodes, {len(addresses)} backends each at 1 s, one PostgreSQL {database.sql('SHOW server_version')}; warming up 10 s")
        time.sleep(10)

        def db_counters():
            row = database.sql("SELECT xact_commit, tup_inserted + tup_updated + tup_deleted FROM pg_stat_database WHERE datname = 'postgres'")
            commits, rows = row.split("|")
            return int(commits), int(rows)

        ticks_per_second = os.sysconf("SC_CLK_TCK")
        before = [n.cpu_ticks() for n in nodes]
        database_before = database.cpu_ticks()
        commits0, rows0 = db_counters()
        checks0 = int(database.sql("SELECT count(*) FROM picket_checks"))
        started = time.monotonic()
        time.sleep(args.seconds)
        elapsed = time.monotonic() - started
        after = [n.cpu_ticks() for n in nodes]
        database_after = database.cpu_ticks()
        commits1, rows1 = db_counters()
        checks1 = int(database.sql("SELECT count(*) FROM picket_checks"))
        checks_per_node = (checks1 - checks0) / elapsed / len(nodes)
        print(f"\nsteady state over {elapsed:.0f} s (`scripts/bench-fleet.sh {args.backends} {args.seconds}`):")
        print("| node | CPU (share of a core) | CPU per check | RSS |")
        print("|---|---:|---:|---:|")
        for node, b, a in zip(nodes, before, after):
            share = (a - b) / ticks_per_second / elapsed
            per_check = share / checks_per_node * 1e6 if checks_per_node else 0
            print(f"| {node.name} | {share * 100:.1f} % | {per_check:.0f} µs | {node.rss_mib():.1f} MiB |")
        print(f"database: {(rows1 - rows0) / elapsed:,.0f} rows written/s ({(checks1 - checks0) / elapsed:,.0f} checks/s from all nodes), "
              f"{(commits1 - commits0) / elapsed:.1f} commits/s (reads and writes); {checks_per_node:,.0f} checks/s per node; "
              f"PostgreSQL's CPU {(database_after - database_before) / ticks_per_second / elapsed * 100:.1f} % of a core")

        victim = addresses[len(addresses) // 2]
        times = []
        for _ in range(args.rounds):
            sent = time.monotonic()
            nodes[0].post(f"/v1/apps/web/backends/{victim}/drain")
            if not wait(lambda: all(f"server {victim} " not in n.file() for n in nodes[1:]), 30, 0.002):
                sys.exit("bench-fleet: a drain did not reach every node within 30 s")
            times.append(time.monotonic() - sent)
            nodes[1].post(f"/v1/apps/web/backends/{victim}/undrain")
            wait(lambda: all(f"server {victim} " in n.file() for n in nodes), 30, 0.01)
            time.sleep(1)
        print(f"drain through node-a until node-b's and node-c's files lack the backend, {args.rounds} rounds: "
              f"median {statistics.median(times) * 1000:.0f} ms, max {max(times) * 1000:.0f} ms "
              f"({', '.join(f'{t * 1000:.0f}' for t in times)} ms)")

        if selector:
            takeovers = []
            for _ in range(3):
                holder = database.sql("SELECT holder FROM picket_leases WHERE expires_at > now()")
                node = next((n for n in nodes if n.name == holder), None)
                if node is None:
                    wait(lambda: database.sql("SELECT count(*) FROM picket_leases WHERE expires_at > now()") == "1", 30, 0.1)
                    continue
                node.process.kill()
                node.process.wait()
                killed = time.monotonic()
                if not wait(lambda: database.sql("SELECT holder FROM picket_leases WHERE expires_at > now()") not in ("", holder), 60, 0.02):
                    sys.exit("bench-fleet: no node took the lease within 60 s")
                takeovers.append(time.monotonic() - killed)
                node.start()
                time.sleep(2)
            print(f"lease takeover after SIGKILL of the holder (lease_ttl {args.lease_ttl}, renewed every third), "
                  f"{len(takeovers)} rounds: {', '.join(f'{t:.2f}' for t in takeovers)} s")
        else:
            print("lease takeover: not measured (no Docker engine answers)")
    finally:
        for node in nodes:
            node.stop()
        subprocess.run(["nginx", "-p", backends, "-c", "conf/nginx.conf", "-s", "stop"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        database.stop()
        if container:
            subprocess.run(["docker", "rm", "-f", container], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


if __name__ == "__main__":
    main()
