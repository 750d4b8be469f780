#!/usr/bin/env bash
# Prints the `load_module` lines an nginx needs for nginx.mode: lua (Debian's libnginx-mod-http-lua and the
# NDK module it depends on), with absolute paths, for a config that does not read
# /etc/nginx/modules-enabled (the demo's, the tests', the benchmark's).
#   nginx/lua-module.sh [NGINX_BINARY]
set -euo pipefail
nginx_bin=${1:-$(command -v nginx || echo /usr/sbin/nginx)}
modules=$(sed -n 's/.*--modules-path=\([^ ]*\).*/\1/p' <<<"$("$nginx_bin" -V 2>&1)")
for directory in ${modules:+"$modules"} /usr/lib/nginx/modules /usr/lib64/nginx/modules /usr/share/nginx/modules /etc/nginx/modules; do
  if [ -f "$directory/ngx_http_lua_module.so" ]; then
    [ -f "$directory/ndk_http_module.so" ] && echo "load_module $directory/ndk_http_module.so;"
    echo "load_module $directory/ngx_http_lua_module.so;"
    exit 0
  fi
done
echo "lua-module: ngx_http_lua_module.so not found (on Debian: apt-get install libnginx-mod-http-lua lua-cjson)" >&2
exit 1
