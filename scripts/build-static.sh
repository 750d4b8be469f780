#!/usr/bin/env bash
# Builds a `picket` that runs on a Debian host with no Swift installed (the Swift runtime and Foundation
# linked in statically), then proves it: no libswift* among its libraries, and it runs with the
# toolchain's libraries out of reach. Usage: scripts/build-static.sh [OUT]   (default ./picket-static)
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-picket-static}
case "$out" in /*) ;; *) out="$PWD/$out" ;; esac
swift build -c release --static-swift-stdlib --product picket --scratch-path .build-static
cp .build-static/release/picket "$out"
strip "$out"
if ldd "$out" | grep -q libswift; then
  echo "build-static: $out still links Swift libraries:" >&2
  ldd "$out" | grep libswift >&2
  exit 1
fi
# A clean environment with the toolchain hidden: only system libraries (libc, libstdc++, libsqlite3…) remain.
env -i PATH=/usr/bin:/bin LD_LIBRARY_PATH=/nonexistent "$out" --version
echo "build-static: $out ($(du -h "$out" | cut -f1)) needs: $(ldd "$out" | awk '{print $1}' | tr '\n' ' ')"
