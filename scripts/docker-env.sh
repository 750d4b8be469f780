#!/usr/bin/env bash
# The Docker side of Picket's demo and tests, on a machine without systemd or a registry:
#   ensure   start dockerd (no iptables, no bridge, vfs storage) unless an engine already answers
#   image    build picket-test/busybox from the host's busybox-static with `docker import`
#   stop     stop the dockerd this script started (the engine-outage test)
#   start    start dockerd again after stop
# Containers run with --network host and listen on loopback only.
set -euo pipefail
pidfile=/run/picket-dockerd.pid
logfile=/var/log/picket-dockerd.log
image=picket-test/busybox:latest

answers() { docker version --format '{{.Server.Version}}' >/dev/null 2>&1; }

start_engine() {
  nohup dockerd --iptables=false --ip6tables=false --bridge=none --storage-driver=vfs >>"$logfile" 2>&1 &
  echo $! >"$pidfile"
  for _ in $(seq 1 120); do answers && return 0; sleep 0.5; done
  echo "docker-env: dockerd did not answer within 60 s; see $logfile" >&2
  tail -20 "$logfile" >&2
  return 1
}

stop_engine() {
  [ -f "$pidfile" ] || { echo "docker-env: no dockerd started by this script ($pidfile)" >&2; return 1; }
  local pid; pid=$(cat "$pidfile")
  kill "$pid" 2>/dev/null || true
  for _ in $(seq 1 120); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
  rm -f "$pidfile"
}

case "${1:-}" in
  ensure)
    answers && exit 0
    command -v dockerd >/dev/null 2>&1 || { echo "docker-env: dockerd is not installed (apt-get install docker.io)" >&2; exit 1; }
    [ "$(id -u)" -eq 0 ] || { echo "docker-env: no Docker engine answers and starting one needs root" >&2; exit 1; }
    start_engine ;;
  image)
    docker image inspect "$image" >/dev/null 2>&1 && exit 0
    root=$(mktemp -d)
    mkdir -p "$root/bin" "$root/www" "$root/tmp"
    cp /bin/busybox "$root/bin/busybox"
    for applet in $(/bin/busybox --list); do [ -e "$root/bin/$applet" ] || ln -s busybox "$root/bin/$applet"; done
    echo ok >"$root/www/health"
    tar -C "$root" -c . | docker import -c 'CMD ["/bin/httpd", "-f", "-p", "127.0.0.1:8080", "-h", "/www"]' - "$image" >/dev/null
    rm -rf "$root"
    echo "docker-env: built $image" ;;
  stop) stop_engine ;;
  start) start_engine ;;
  *) echo "usage: $0 ensure|image|stop|start" >&2; exit 2 ;;
esac
