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
# (index floor(i*count/N)); the list is written to a temp file and given to both sides.
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

list="$(mktemp)"
ours_json="$(mktemp)"
peer_json="$(mktemp)"
trap 'rm -f "$list" "$ours_json" "$peer_json"' EXIT
find "$images" -maxdepth 1 -type f \( -iname '*.jpg' -o -iname '*.jpeg' -o -iname '*.png' \) \
    -printf '%f\n' | LC_ALL=C sort > "$list.all"
total=$(wc -l < "$list.all")
[ "$total" -gt 0 ] || { rm -f "$list.all"; echo "run_vision_compare: no images in $images" >&2; exit 2; }
[ "$n" -le "$total" ] || n="$total"
awk -v n="$n" -v total="$total" 'BEGIN { for (i = 0; i < n; i++) want[int(i * total / n) + 1] = 1 }
  want[NR]' "$list.all" > "$list"
rm -f "$list.all"

echo "run_vision_compare: $n images from $images; load average: $(cut -d' ' -f1-3 /proc/loadavg)" >&2

# --- ours: one thread, decode + detect + align + embed per image --------------------------
# TODO(vision bench): bench/vision_bench.cc has not landed yet; replace this line with its
# invocation on "$images" + "$list", one thread, printing JSON with the per-image
# end-to-end mean in milliseconds as "mean_ms".
echo "run_vision_compare: C++ vision bench not available yet ($build/bench/vision_bench)" >&2
echo '{}' > "$ours_json"

# --- peer: face-api's own pipeline, same images -----------------------------------------
node bench/peer/faceapi_pipeline.mjs --images "$images" --list "$list" --n "$n" --warmup 3 \
  2>/dev/null > "$peer_json"

python3 - "$ours_json" "$peer_json" <<'EOF'
import json, sys
ours = json.load(open(sys.argv[1]))
peer = json.load(open(sys.argv[2]))
out = {"ours": ours, "peer": peer}
if ours.get("mean_ms") and peer.get("mean_ms"):
    # Peer pipeline time excludes its (pure-JS) decode; ours includes decode: conservative.
    out["speedup_vs_peer"] = round(peer["mean_ms"] / ours["mean_ms"], 2)
else:
    out["speedup_vs_peer"] = None
print(json.dumps(out, indent=2))
EOF
