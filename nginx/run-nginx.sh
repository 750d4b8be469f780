#!/usr/bin/env bash
# Runs nginx in a prefix directory, without root paths: the way the demo and the tests run it.
#   nginx/run-nginx.sh PREFIX layout|start|reload|stop|test [NGINX_CONF]
# `layout` makes PREFIX/{conf,conf/picket,logs} and copies NGINX_CONF (default: nginx/nginx.conf beside
# this script) to PREFIX/conf/nginx.conf. `start` starts nginx there; Picket must have written
# PREFIX/conf/picket/upstreams.conf first (it does so on start when the file is missing), so the order
# is: layout, start Picket, start nginx.
set -euo pipefail
usage="usage: run-nginx.sh PREFIX layout|start|reload|stop|test [NGINX_CONF]"
prefix=${1:?$usage}
action=${2:?$usage}
here=$(cd "$(dirname "$0")" && pwd)
conf=${3:-$here/nginx.conf}
nginx_bin=$(command -v nginx || echo /usr/sbin/nginx)
mkdir -p "$prefix/conf/picket" "$prefix/logs"
case "$action" in
  layout) cp "$conf" "$prefix/conf/nginx.conf" ;;
  start) "$nginx_bin" -p "$prefix" -c conf/nginx.conf ;;
  reload) "$nginx_bin" -p "$prefix" -c conf/nginx.conf -s reload ;;
  stop) "$nginx_bin" -p "$prefix" -c conf/nginx.conf -s quit ;;
  test) "$nginx_bin" -p "$prefix" -c conf/nginx.conf -t ;;
  *) echo "unknown action: $action" >&2; exit 2 ;;
esac
