#!/usr/bin/env bash
# Runs Picket's whole test suite: installs what is missing (nginx), builds once, runs every test
# (pure core, config, probes against loopback servers, renders checked by nginx -t, and the control loop
# against a real nginx), then prints one summary line.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/install-deps.sh
log=$(mktemp)
echo "building (the first build of the dependencies takes several minutes on 2 cores)..."
if ! swift build --build-tests >"$log" 2>&1; then
  grep -v "^\[" "$log" | tail -50
  rm -f "$log"
  echo "tests: 0 passed, 1 failed (build)"
  exit 1
fi
if grep -E "/(Sources|Tests)/[^:]+:[0-9]+:[0-9]+: warning:" "$log"; then
  rm -f "$log"
  echo "tests: 0 passed, 1 failed (Picket's own code must build without warnings)"
  exit 1
fi
status=0
swift test --skip-build 2>&1 | tee "$log" || status=$?
passed=$(grep -Eo "Test run with [0-9]+ tests? (in [0-9]+ suites? )?passed" "$log" | grep -Eo "[0-9]+" | head -1 || true)
failed=$( (grep -E "^✘ Test [^ ]+\(.*\) failed" "$log" || true) | sort -u | wc -l)
rm -f "$log"
if [ "$status" -ne 0 ] || [ -z "$passed" ]; then
  echo "tests: 0 passed, ${failed:-1} failed"
  exit 1
fi
echo "tests: $passed passed, 0 failed"
