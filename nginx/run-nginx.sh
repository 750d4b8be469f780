#!/usr/bin/env bash
# Runs nginx in a prefix directory, without root paths: the way the demo and the tests run it.
#   nginx/run-nginx.sh PREFIX layout|start|reload|stop|test [NGINX_CONF]
# `layout` makes PREFIX/{conf,conf/picket,conf/modules,logs}, copies NGINX_CONF (default: nginx/nginx.conf
# beside this script) to PREFIX/conf/nginx.conf and writes conf/modules/stream.conf with the load_module
# line this nginx needs for stream {} (see stream-module.sh). `start` starts nginx there; Picket must
# have written PREFIX/conf/picket/upstreams.conf and stream.conf first (it does so on start when they
# are missing), so the order is: layout, start Picket, start nginx.
set -euo pipefail
usage="usage: run-nginx.sh PREFIX layout|start|reload|stop|test [NGINX_CONF]"
prefix=${1:?$usage}
action=${2:?$usage}
here=$(cd "$(dirname "$0")" && pwd)
conf=${3:-$here/nginx.conf}
nginx_bin=$(command -v nginx || echo /usr/sbin/nginx)
mkdir -p "$prefix/conf/picket" "$prefix/conf/modules" "$prefix/logs"
case "$action" in
  layout)
    cp "$conf" "$prefix/conf/nginx.conf"
    # A config without stream {} runs on an nginx without the module too; the script says why on stderr.
    "$here/stream-module.sh" "$nginx_bin" >"$prefix/conf/modules/stream.conf" || true
    ;;
  start) "$nginx_bin" -p "$prefix" -c conf/nginx.conf ;;
  reload) "$nginx_bin" -p "$prefix" -c conf/nginx.conf -s reload ;;
  stop) "$nginx_bin" -p "$prefix" -c conf/nginx.conf -s quit ;;
  test) "$nginx_bin" -p "$prefix" -c conf/nginx.conf -t ;;
  *) echo "unknown action: $action" >&2; exit 2 ;;
esac
