#!/usr/bin/env bash
# Command two (README): runs the whole test suite. Assumes scripts/setup.sh has run
# (packages, models); builds whatever is missing.
#   1. release build (g++): unit, integration and LFW evaluation tests (ctest)
#   2. clang build with ASan+UBSan and libFuzzer instrumentation: the unit tests again
#      under the sanitizers, then every libFuzzer harness for FUZZ_SECONDS each
#   3. browser tests (Debian chromium driven by playwright-core)
# Environment: FACETRAIL_DATA (default ../shared/data), FUZZ_SECONDS (default 20),
# FACETRAIL_CRASH_TRIALS (crash-harness trials, default 200).
set -uo pipefail
cd "$(dirname "$0")/.."
export FACETRAIL_DATA=${FACETRAIL_DATA:-$(cd .. && pwd)/shared/data}
export FACETRAIL_MODELS_DIR=${FACETRAIL_MODELS_DIR:-$(pwd)/models}
FUZZ_SECONDS=${FUZZ_SECONDS:-20}
jobs=$(nproc 2>/dev/null || echo 2)

failed_steps=()
passed_steps=0
run_step() {
  local name=$1; shift
  printf '\n==> %s\n' "$name"
  if "$@"; then
    passed_steps=$((passed_steps + 1))
  else
    echo "FAILED: $name"
    failed_steps+=("$name")
  fi
}

[ -d "$FACETRAIL_DATA" ] || echo "note: $FACETRAIL_DATA is absent; data-driven tests will skip"
[ -f "$FACETRAIL_MODELS_DIR/manifest.json" ] || echo "note: no models in $FACETRAIL_MODELS_DIR; model tests will skip (run scripts/setup.sh)"

# 1. Release build and its tests.
run_step "release build (g++)" scripts/build.sh build Release
run_step "tests (release)" ctest --test-dir build --output-on-failure -j "$jobs" --timeout 900

# 2. Sanitizer + fuzzer build with clang.
run_step "sanitizer build (clang, ASan+UBSan, libFuzzer)" scripts/build.sh build-asan Debug \
  -DCMAKE_C_COMPILER=clang-14 -DCMAKE_CXX_COMPILER=clang++-14 -DFACETRAIL_FUZZ=ON \
  -DFACETRAIL_BENCH=OFF
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
run_step "tests (ASan+UBSan)" ctest --test-dir build-asan --output-on-failure -j "$jobs" \
  --timeout 900 -LE "lfw|slow"

run_fuzzers() {
  local ok=0 f
  for f in build-asan/fuzz/*_fuzzer; do
    [ -x "$f" ] || continue
    local name corpus
    name=$(basename "$f")
    corpus="fuzz/corpus/${name%_fuzzer}"
    local work
    work=$(mktemp -d)
    [ -d "$corpus" ] && cp -r "$corpus"/. "$work"/
    echo "fuzzing $name for ${FUZZ_SECONDS}s"
    if ! "$f" -max_total_time="$FUZZ_SECONDS" -rss_limit_mb=2048 -print_final_stats=0 \
        -artifact_prefix="$work/" "$work" >"$work/log" 2>&1; then
      echo "fuzzer $name found a problem:"; tail -40 "$work/log"; ok=1
    fi
    rm -rf "$work"
  done
  return $ok
}
run_step "fuzzers (${FUZZ_SECONDS}s each)" run_fuzzers

# 3. Browser tests.
browser_tests() {
  [ -d tests/browser ] || { echo "no browser tests"; return 0; }
  (cd tests/browser && { [ -d node_modules ] || npm ci --no-audit --no-fund --silent; }) || return 1
  node --test tests/browser/
}
run_step "browser tests (chromium)" browser_tests

echo
echo "steps: ${passed_steps} passed, ${#failed_steps[@]} failed"
for s in "${failed_steps[@]}"; do echo "  failed: $s"; done
[ ${#failed_steps[@]} -eq 0 ]
