#!/usr/bin/env bash
# scripts/build.sh DIR BUILD_TYPE [extra cmake args...]: configures (once) and builds.
set -euo pipefail
cd "$(dirname "$0")/.."
dir=${1:-build}
type=${2:-Release}
shift $(( $# >= 2 ? 2 : $# ))
jobs=$(nproc 2>/dev/null || echo 2)
# Lets ccache (when installed) share results between checkouts in different folders.
export CCACHE_BASEDIR=${CCACHE_BASEDIR:-$(pwd)}
if [ ! -f "$dir/build.ninja" ]; then
  cmake -S . -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE="$type" "$@"
fi
cmake --build "$dir" -j "$jobs"
