#!/usr/bin/env bash
# Prints the `load_module` line an nginx needs before it can read `stream {}`, or nothing when its stream
# module is built in. Debian builds it as a dynamic module (libnginx-mod-stream) and loads it through
# /etc/nginx/modules-enabled, which a config of its own (the demo's, the tests') does not read.
#   nginx/stream-module.sh [NGINX_BINARY]
set -euo pipefail
nginx_bin=${1:-$(command -v nginx || echo /usr/sbin/nginx)}
configure=$("$nginx_bin" -V 2>&1)
case " $configure " in
  *" --with-stream=dynamic "*) ;;
  *" --with-stream "*) exit 0 ;;
  *) echo "stream-module: $nginx_bin was built without the stream module" >&2; exit 1 ;;
esac
modules=$(sed -n 's/.*--modules-path=\([^ ]*\).*/\1/p' <<<"$configure")
for directory in ${modules:+"$modules"} /usr/lib/nginx/modules /usr/lib64/nginx/modules /usr/share/nginx/modules /etc/nginx/modules; do
  if [ -f "$directory/ngx_stream_module.so" ]; then
    echo "load_module $directory/ngx_stream_module.so;"
    exit 0
  fi
done
echo "stream-module: ngx_stream_module.so not found (on Debian: apt-get install libnginx-mod-stream)" >&2
exit 1
