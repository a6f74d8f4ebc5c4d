#!/usr/bin/env bash
# Side-by-side: facetrail's C++ vision engine vs the @vladmandic/face-api peer (its own full
# pipeline in Node, tfjs + wasm backend, one thread) on the SAME N LFW images, in the same
# run, one after the other; prints both results and the speed ratio as JSON.
#
#   bench/run_vision_compare.sh [N]            # default N=100
#
# Env: FACETRAIL_DATA (default <repo>/../shared/data), BUILD_DIR (default <repo>/build),
#      IMAGES (default $FACETRAIL_DATA/lfw-dev/images).
# Needs: build/ with the vision bench built, Node 20 and tools/reference/node_modules
# (installed here with `npm ci` when missing; the npm registry must then be reachable).
# The images: every file in IMAGES, sorted by name, N of them evenly spaced
# (index floor(i*count/N)), symlinked into a temp folder that both sides read whole.
set -euo pipefail
cd "$(dirname "$0")/.."
repo="$(pwd)"

n="${1:-100}"
[[ "$n" =~ ^[1-9][0-9]*$ ]] || { echo "usage: $0 [N]" >&2; exit 2; }
data="${FACETRAIL_DATA:-$repo/../shared/data}"
images="${IMAGES:-$data/lfw-dev/images}"
build="${BUILD_DIR:-$repo/build}"
[ -d "$images" ] || { echo "run_vision_compare: no images in $images (set FACETRAIL_DATA)" >&2; exit 2; }
command -v node >/dev/null || { echo "run_vision_compare: node not found" >&2; exit 2; }

if [ ! -d tools/reference/node_modules ]; then
  (cd tools/reference && npm ci --no-audit --no-fund >&2)
fi

bench_bin="$build/bench/vision_bench"
[ -x "$bench_bin" ] || { echo "run_vision_compare: $bench_bin not built (cmake --build $build --target vision_bench)" >&2; exit 2; }

list="$(mktemp)"
ours_json="$(mktemp)"
peer_json="$(mktemp)"
subset="$(mktemp -d)"
trap 'rm -rf "$list" "$list.all" "$ours_json" "$peer_json" "$subset"' EXIT
find "$images" -maxdepth 1 -type f \( -iname '*.jpg' -o -iname '*.jpeg' -o -iname '*.png' \) \
    -printf '%f\n' | LC_ALL=C sort > "$list.all"
total=$(wc -l < "$list.all")
[ "$total" -gt 0 ] || { rm -f "$list.all"; echo "run_vision_compare: no images in $images" >&2; exit 2; }
[ "$n" -le "$total" ] || n="$total"
awk -v n="$n" -v total="$total" 'BEGIN { for (i = 0; i < n; i++) want[int(i * total / n) + 1] = 1 }
  want[NR]' "$list.all" > "$list"
while IFS= read -r f; do ln -s "$(cd "$images" && pwd)/$f" "$subset/$f"; done < "$list"

echo "run_vision_compare: $n images from $images; load average: $(cut -d' ' -f1-3 /proc/loadavg)" >&2

# --- ours: one thread, decode + detect + align + embed per image --------------------------
"$bench_bin" --images "$subset" --n "$n" --threads 1 --json > "$ours_json"

# --- peer: face-api's own pipeline, same images -----------------------------------------
node bench/peer/faceapi_pipeline.mjs --images "$subset" --n "$n" --warmup 3 \
  2>/dev/null > "$peer_json"

python3 - "$ours_json" "$peer_json" <<'EOF'
import json, sys
ours = json.load(open(sys.argv[1]))
peer = json.load(open(sys.argv[2]))
ours_ms = ours["stages"]["end_to_end"]["mean_ms"]
out = {
    "ours": ours,
    "peer": peer,
    "ours_end_to_end_mean_ms": ours_ms,
    "peer_pipeline_mean_ms": peer["mean_ms"],
    # Peer time excludes its (pure-JS) decode; ours includes decode: conservative.
    "speedup_vs_peer": round(peer["mean_ms"] / ours_ms, 2) if ours_ms > 0 else None,
}
print(json.dumps(out, indent=2))
EOF
