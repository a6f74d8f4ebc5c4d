#!/usr/bin/env bash
# Load benchmark of the node's HTTP API (docs/benchmarks.md, "Node API"): a real
# `facetrail serve` on loopback pinned to 1 and then 2 cores (taskset), a bench policy with
# high rate limits, 8 trained officers (more for a soak), GALLERY LFW identities enrolled through the API;
# then wrk (closed loop, keep-alive, bench/node_load.lua rotating probes and tokens) drives
# /v1/verify and /v1/search with real LFW probes (base64 JSON) for SECONDS each, at
# concurrency = cores. wrk, not a Node.js fetch client: fetch added ~2.5 ms of its own to
# every request here (measured against the node's own server-side total), more than all
# of the node's work outside the engine.
# Share of request time outside the face engine, like with like: after each run the node's
# /metrics gives facetrail_request_stage_seconds{route,stage} for the same requests (body
# read, parse, base64, auth, policy, engine, match, audit build/append/index, leads, media,
# respond, and "exchange": first request byte read -> last response byte sent); two shares:
# client = 1 - in-node engine mean / wrk's request mean (adds loopback transport and both
# ends' wake-ups), node = 1 - engine mean / exchange mean (the node's own time). A second
# baseline in the same run: bench/vision_bench (engine only, EmbedProminent end to end) on
# the same probe images and core, to show whether the engine runs slower inside the node.
# SOAK_SECONDS=600 adds a soak: /v1/verify at concurrency 2 for that long, errors counted,
# the node's RSS sampled every 10 s. Needs wrk (Debian package, installed by set-up).
#
# Environment: FACETRAIL_BINARY (build/facetrail), VISION_BENCH (build/bench/vision_bench),
# FACETRAIL_DATA, SECONDS_PER_RUN (20), GALLERY (50), SOAK_SECONDS (0), OUT (out/node-bench).
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${FACETRAIL_BINARY:-build/facetrail}
VB=${VISION_BENCH:-build/bench/vision_bench}
DATA_SET=${FACETRAIL_DATA:-$(cd .. && pwd)/shared/data}
RUN_S=${SECONDS_PER_RUN:-20}
GALLERY=${GALLERY:-50}
SOAK_SECONDS=${SOAK_SECONDS:-0}
OUT=${OUT:-out/node-bench}
die() { echo "node_load: $*" >&2; exit 2; }
[ -x "$BIN" ] || die "$BIN not built"
"$BIN" serve --help >/dev/null 2>&1 || die "$BIN has no serve command"
[ -d "$DATA_SET/lfw-dev/images" ] || die "no LFW images in $DATA_SET/lfw-dev (set FACETRAIL_DATA)"
command -v wrk >/dev/null || die "wrk is required (apt-get install wrk; scripts/install_deps.sh)"

rm -rf "$OUT"
mkdir -p "$OUT"
umask 077
W=$OUT/work
mkdir -p "$W"

# Bench policy: the demo policy with the highest rate limits the schema allows.
python3 - config/demo-policy.json "$W/policy.json" <<'PY'
import json, sys
p = json.load(open(sys.argv[1]))
p["rate_limits"] = {"per_officer_per_hour": 10000, "per_officer_per_day": 100000}
json.dump(p, open(sys.argv[2], "w"), indent=2)
PY
VKEY=$("$BIN" note keygen --name bench-authority --out "$W/authority.key")
"$BIN" policy sign --key-file "$W/authority.key" "$W/policy.json" --out "$W/policy.bundle" >/dev/null

NODE_PID=
stop_node() {
  if [ -n "$NODE_PID" ] && kill -0 "$NODE_PID" 2>/dev/null; then
    kill -TERM "$NODE_PID"; wait "$NODE_PID" 2>/dev/null || true
  fi
  NODE_PID=
}
trap stop_node EXIT
# The 1-core runs put the node on the CPU that takes the interrupts of the disk holding the
# audit log, and wrk on the other: a thread waiting in fdatasync on the other CPU pays a
# cross-CPU wake-up on every append (measured here: write + fdatasync p50 0.70-0.76 ms on
# cpu 0 against 0.36-0.49 ms on cpu 1, where virtio1-req.0 lands). NODE_CPU overrides.
disk_irq_cpu() {  # prints the CPU (0 or 1) with most interrupts from the disk holding $1
  python3 - "$1" <<'PY' 2>/dev/null || echo 0
import os, re, subprocess, sys
src = subprocess.run(["df", "--output=source", sys.argv[1]], capture_output=True, text=True).stdout.split()[-1]
name = os.path.basename(os.path.realpath(src))
if os.path.exists(f"/sys/class/block/{name}/partition"):
    name = os.path.basename(os.path.dirname(os.path.realpath(f"/sys/class/block/{name}")))
dev = os.path.basename(os.path.realpath(f"/sys/block/{name}/device"))
keys = [k for k in (dev, name) if k]
cols = None
best = [0, 0]
for line in open("/proc/interrupts"):
    f = line.split()
    if cols is None:
        cols = len(f); continue
    if any(re.search(re.escape(k) + r"[-q]", line) for k in keys):  # virtio1-req.0, nvme0q1
        for c in range(min(2, cols)):
            best[c] += int(f[1 + c]) if f[1 + c].isdigit() else 0
print(0 if best[0] >= best[1] else 1)
PY
}
NODE_CPU=${NODE_CPU:-$(disk_irq_cpu "$W")}
CLIENT_CPU=$((1 - NODE_CPU))
echo "node_load: 1-core runs: node on cpu $NODE_CPU (disk interrupts), wrk on cpu $CLIENT_CPU" >&2

start_node() {  # cpus
  : >"$W/serve.log"
  taskset -c "$1" "$BIN" serve --data "$W/node" --authority-key "$VKEY" --policy "$W/policy.bundle" \
    --listen 127.0.0.1:0 >"$W/serve.log" 2>&1 &
  NODE_PID=$!
  for _ in $(seq 1 1200); do
    URL=$(sed -n 's/^facetrail node listening on \(http:[^ ]*\).*/\1/p' "$W/serve.log" | head -1)
    [ -n "$URL" ] && return 0
    kill -0 "$NODE_PID" 2>/dev/null || { cat "$W/serve.log" >&2; die "node did not start"; }
    sleep 0.1
  done
  die "node did not start in 120 s"
}

# Users: officers (rate limits are per officer) and an enroller. Eight cover the short runs;
# a soak gets enough that the policy's per-officer limits (10,000 an hour, 100,000 a day)
# hold at up to 100 req/s, so what it measures is the node, not the limiter refusing with
# 429 (an earlier 30-minute soak with 8 officers was 95% refusals after 80,000 requests).
OFFICERS=8
HOUR_S=$((SOAK_SECONDS < 3600 ? SOAK_SECONDS : 3600))
DAY_S=$((SOAK_SECONDS < 86400 ? SOAK_SECONDS : 86400))
for need in $(((100 * HOUR_S + 9999) / 10000)) $(((100 * DAY_S + 99999) / 100000)); do
  [ "$need" -gt "$OFFICERS" ] && OFFICERS=$need
done
start_node 0; stop_node
: >"$W/tokens"
for i in $(seq 1 "$OFFICERS"); do
  "$BIN" users add --data "$W/node" --id "bench-officer-$i" --name "Bench Officer $i" --role officer |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])' >>"$W/tokens"
  "$BIN" users train --data "$W/node" --id "bench-officer-$i" --training-id bench --days 30 >/dev/null
done
ENROLLER=$("$BIN" users add --data "$W/node" --id bench-enroller --name "Bench Enroller" --role enroller |
  python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])')

# Gallery: the first image of the first GALLERY LFW identities with >= 2 images; probes:
# their second images (verify claims the right identity).
python3 - "$DATA_SET/lfw-dev/images" "$GALLERY" >"$W/plan" <<'PY'
import os, re, sys
d, n = sys.argv[1], int(sys.argv[2])
by = {}
for f in sorted(os.listdir(d)):
    m = re.match(r"(.+)_\d{4}\.jpg$", f)
    if m: by.setdefault(m.group(1), []).append(os.path.join(d, f))
for name, files in [(k, v) for k, v in sorted(by.items()) if len(v) >= 2][:n]:
    print(name, files[0], files[1], sep="\t")
PY
# Request bodies, built before any clock starts: one JSON object per line and mode.
python3 - "$W/plan" "$W/bodies-verify" "$W/bodies-search" <<'PY'
import base64, json, sys
with open(sys.argv[1]) as plan, open(sys.argv[2], "w") as v, open(sys.argv[3], "w") as s:
    for n, line in enumerate(plan):
        name, _ref, probe = line.rstrip("\n").split("\t")
        image = base64.b64encode(open(probe, "rb").read()).decode()
        common = {"image": image, "purpose": "robbery", "case_number": f"BENCH-{n}"}
        print(json.dumps({**common, "identity_id": name}), file=v)
        print(json.dumps({**common, "legal_authority": "bench warrant"}), file=s)
PY
mkdir -p "$W/probe-images"
while IFS=$'\t' read -r name ref probe; do ln -sf "$(realpath "$probe")" "$W/probe-images/$(basename "$probe")"; done <"$W/plan"

run_at() {  # label cpus concurrency
  local label=$1 cpus=$2 c=$3
  start_node "$cpus"
  if [ ! -f "$W/enrolled" ]; then
    while IFS=$'\t' read -r name ref probe; do
      curl -sf -o /dev/null -H "Authorization: Bearer $ENROLLER" -F "identity_id=$name" -F "images=@$ref" \
        "$URL/v1/identities" || die "enrol $name failed"
    done <"$W/plan"
    touch "$W/enrolled"
  fi
  for mode in verify search; do
    taskset -c "$( [ "$cpus" = 0,1 ] && echo 0,1 || echo "$CLIENT_CPU")" \
      wrk -t "$c" -c "$c" -d "${RUN_S}s" --timeout 10s -s bench/node_load.lua "$URL/v1/$mode" \
        -- "$W/bodies-$mode" "$W/tokens" >"$OUT/wrk-$mode-$label.txt"
    grep '^{' "$OUT/wrk-$mode-$label.txt" | python3 -c '
import json, sys
r = json.load(sys.stdin); r["mode"] = sys.argv[1]; r["concurrency"] = int(sys.argv[2]); print(json.dumps(r))' \
      "$mode" "$c" | tee "$OUT/$mode-$label.json"
    curl -sf "$URL/metrics" >"$OUT/metrics-$mode-$label.txt" || die "metrics of $mode-$label"
  done
  stop_node
}
run_at 1core "$NODE_CPU" 1
run_at 2core 0,1 2

# Engine-only baseline on the same probe images and cores.
if [ -x "$VB" ]; then
  taskset -c "$NODE_CPU" "$VB" --images "$W/probe-images" --n "$GALLERY" --threads 1 --json >"$OUT/engine-1core.json"
fi

if [ "$SOAK_SECONDS" -gt 0 ]; then
  start_node 0,1
  (  # the node's RSS every 10 s while wrk runs
    t=0
    while kill -0 "$NODE_PID" 2>/dev/null; do
      echo "$t $(sed -n 's/^VmRSS:[[:space:]]*\([0-9]*\) kB/\1/p' "/proc/$NODE_PID/status")"
      sleep 10; t=$((t + 10))
    done
  ) >"$OUT/soak-rss.txt" &
  RSS_PID=$!
  wrk -t 2 -c 2 -d "${SOAK_SECONDS}s" --timeout 10s -s bench/node_load.lua "$URL/v1/verify" \
    -- "$W/bodies-verify" "$W/tokens" >"$OUT/wrk-soak.txt"
  kill "$RSS_PID" 2>/dev/null || true
  grep '^{' "$OUT/wrk-soak.txt" | python3 -c '
import json, sys
r = json.load(sys.stdin)
r["rss_kib"] = [{"t": int(t), "kib": int(k)} for t, k in (l.split() for l in open(sys.argv[1]) if len(l.split()) == 2)]
print(json.dumps(r))' "$OUT/soak-rss.txt" | tee "$OUT/soak.json"
  stop_node
fi

python3 - "$OUT" <<'PY'
import json, os, re, sys
out = sys.argv[1]
def load(n):
    p = os.path.join(out, n)
    return json.load(open(p)) if os.path.exists(p) else None
def stages(mode, label):
    # Mean ms per request of each server-side stage, from the node's own histogram.
    p = os.path.join(out, f"metrics-{mode}-{label}.txt")
    if not os.path.exists(p): return None
    sums, counts = {}, {}
    pat = re.compile(r'^facetrail_request_stage_seconds_(sum|count)\{(.*)\} (\S+)$')
    for line in open(p):
        m = pat.match(line.strip())
        if not m: continue
        labels = dict(re.findall(r'(\w+)="([^"]*)"', m.group(2)))
        if labels.get("route") != mode: continue
        (sums if m.group(1) == "sum" else counts)[labels["stage"]] = float(m.group(3))
    n = counts.get("server_total", 0)
    if not n: return None
    return {k: 1000 * v / n for k, v in sums.items()}, int(n)
print("\n| run | cores | concurrency | requests | errors | req/s | p50 ms | p99 ms | mean ms |")
print("|---|---|---|---|---|---|---|---|---|")
for label, cores in (("1core", 1), ("2core", 2)):
    for mode in ("verify", "search"):
        r = load(f"{mode}-{label}.json")
        if r:
            print(f"| /v1/{mode} | {cores} | {r['concurrency']} | {r['requests']} | {r['errors']} | "
                  f"{r['rps']:.2f} | {r['p50_ms']:.1f} | {r['p99_ms']:.1f} | {r['mean_ms']:.1f} |")
order = ["body_read", "parse", "base64", "auth", "policy", "engine", "match", "audit_build",
         "audit_append", "audit_index", "leads", "media", "respond", "other", "server_total",
         "exchange"]
print("\nServer-side stages, mean ms per request (facetrail_request_stage_seconds):")
print("| run | cores | " + " | ".join(order) + " | client mean | outside engine, client | outside engine, node |")
print("|---|---|" + "---|" * (len(order) + 3))
for label, cores in (("1core", 1), ("2core", 2)):
    for mode in ("verify", "search"):
        r, st = load(f"{mode}-{label}.json"), stages(mode, label)
        if not r or not st: continue
        means, n = st
        cells = " | ".join(f"{means.get(k, 0):.2f}" for k in order)
        share = 1 - means.get("engine", 0) / r["mean_ms"]
        node = f"{100 * (1 - means['engine'] / means['exchange']):.1f}%" if means.get("exchange") else "-"
        print(f"| /v1/{mode} | {cores} | {cells} | {r['mean_ms']:.2f} | {100 * share:.1f}% | {node} |")
eng = load("engine-1core.json")
if eng:
    text = json.dumps(eng)
    # vision_bench --json: the end-to-end mean per image (ms)
    e2e = None
    for k in ("end_to_end_ms", "end_to_end_mean_ms", "e2e_mean_ms"):
        if k in eng: e2e = eng[k]
    if e2e is None and isinstance(eng.get("stages"), dict):
        s = eng["stages"].get("end_to_end") or eng["stages"].get("end-to-end")
        if isinstance(s, dict): e2e = s.get("mean_ms")
    if e2e is not None:
        for mode in ("verify", "search"):
            r, st = load(f"{mode}-1core.json"), stages(mode, "1core")
            if r:
                share = 1 - e2e / r["mean_ms"]
                inside = f", in-node engine {st[0]['engine']:.1f} ms" if st else ""
                print(f"\n/v1/{mode} at 1 core: request mean {r['mean_ms']:.1f} ms{inside}; engine-only "
                      f"process (vision_bench) {e2e:.1f} ms per image -> {100 * share:.1f}% against "
                      f"that separate baseline")
    else:
        print("\nengine baseline JSON:", text[:400])
soak = load("soak.json")
if soak:
    rss = [s["kib"] for s in soak["rss_kib"] if s["kib"]]
    print(f"\nsoak: {soak['seconds']:.0f} s, {soak['requests']} requests, {soak['errors']} errors, "
          f"RSS {rss[0] / 1024:.1f} -> {rss[-1] / 1024:.1f} MiB (min {min(rss) / 1024:.1f}, max {max(rss) / 1024:.1f})")
    if soak["errors"]:
        sys.exit(f"soak: {soak['errors']} requests failed; a soak with errors measures nothing")
PY
