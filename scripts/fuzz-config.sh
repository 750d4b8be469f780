#!/usr/bin/env bash
# Fuzzes the config loader with libFuzzer: builds PicketConfig and its dependencies (libyaml included)
# with coverage instrumentation in .build/fuzz, links Fuzz/ConfigLoaderFuzz.swift against them, and runs
# it on a corpus seeded with the example configs.
#   scripts/fuzz-config.sh [SECONDS]        default 600; findings land in .build/fuzz/findings
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-600}
scratch=.build/fuzz
swift build -c release --scratch-path "$scratch" --target PicketConfig \
  -Xswiftc -sanitize=fuzzer -Xswiftc -parse-as-library -Xcc -fsanitize=fuzzer-no-link >/dev/null
out="$scratch/release"
mapfile -d '' objects < <(find "$out"/{PicketConfig,PicketCore,Yams,CYaml,HeapModule,InternalCollectionsUtilities}.build -name '*.o' -print0)
swiftc -O -sanitize=fuzzer -parse-as-library -I "$out/Modules" \
  -Xcc -fmodule-map-file="$scratch/checkouts/Yams/Sources/CYaml/include/module.modulemap" \
  Fuzz/ConfigLoaderFuzz.swift "${objects[@]}" -o "$scratch/config-fuzz"
mkdir -p "$scratch/corpus" "$scratch/findings"
cp examples/*.yaml "$scratch/corpus/"
"$scratch/config-fuzz" "$scratch/corpus" -max_total_time="$seconds" -max_len=8192 -timeout=5 -rss_limit_mb=2048 \
  -artifact_prefix="$scratch/findings/" -print_final_stats=1
