#!/usr/bin/env bash
# The main job at this stage: enrol labelled face images into a fresh embedded SQLite
# gallery, then run 1:1 verifications (`facetrail compare`) and 1:N searches
# (`facetrail search`) of held-out probes and of people who are not enrolled, and print a
# readable summary (the full JSON of every call is kept under the output folder).
#
# Data: $FACETRAIL_DATA/peers (default ../shared/data/peers): other face-recognition
# projects' own test images with their identity labels (peers/<project>/labels.csv:
# image,identity). One gallery identity per person, named <project>:<person>. For each
# person with two or more distinct images, the last listed image is held out as a probe and
# the others are enrolled; people with a single image are not enrolled and serve as
# "unknown" probes, for which the right answer is "no candidate".
# Without the peers folder it falls back to the sample photos shipped in the face-api npm
# package (.cache/npm/*/package/demo/sample*.jpg); those carry no identity labels, so the
# fallback can only show enrolment and self-search, and says so.
#
# Usage: scripts/demo.sh            (after scripts/setup.sh or scripts/build.sh)
# Env:   FACETRAIL_BIN (default build/facetrail), FACETRAIL_DATA, FACETRAIL_MODELS_DIR,
#        FACETRAIL_DEMO_OUT (default out/demo; wiped and recreated on every run).
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
BIN="${FACETRAIL_BIN:-$ROOT/build/facetrail}"
DATA="${FACETRAIL_DATA:-$ROOT/../shared/data}"
OUT="${FACETRAIL_DEMO_OUT:-$ROOT/out/demo}"
PY=/usr/bin/python3
[ -x "$PY" ] || PY=python3

if [ ! -x "$BIN" ]; then
  echo "demo: $BIN not found; build first (scripts/build.sh)" >&2
  exit 2
fi
rm -rf "$OUT"
mkdir -p "$OUT/json"
DB="$OUT/gallery.db"

# ---- plan: which images are enrolled, held out, unknown --------------------------------
PLAN="$OUT/plan.tsv"   # kind<TAB>identity<TAB>image   kind: enrol | probe | unknown
MODE=labelled
if [ -d "$DATA/peers" ]; then
  SOURCE="$DATA/peers"
  "$PY" - "$DATA/peers" >"$PLAN" <<'PY'
import csv, hashlib, os, sys
root = sys.argv[1]
people = {}  # identity -> [paths], in label order, duplicates (same bytes) dropped
for project in sorted(os.listdir(root)):
    labels = os.path.join(root, project, "labels.csv")
    if not os.path.isfile(labels):
        continue
    seen = {}
    with open(labels, newline="") as f:
        for row in csv.DictReader(f):
            path = os.path.join(root, project, row["image"])
            ident = f"{project}:{row['identity']}"
            digest = hashlib.sha256(open(path, "rb").read()).hexdigest()
            if digest in seen.setdefault(ident, set()):
                continue  # the same photo listed twice for one person
            seen[ident].add(digest)
            people.setdefault(ident, []).append(path)
for ident, paths in people.items():
    if len(paths) == 1:
        print(f"unknown\t{ident}\t{paths[0]}")
        continue
    for p in paths[:-1]:
        print(f"enrol\t{ident}\t{p}")
    print(f"probe\t{ident}\t{paths[-1]}")
PY
else
  SAMPLES=$(ls "$ROOT"/.cache/npm/*/package/demo/sample*.jpg 2>/dev/null | sort || true)
  if [ -z "$SAMPLES" ]; then
    echo "demo: neither $DATA/peers nor the npm sample photos (.cache/npm) are present;" \
         "run scripts/setup.sh or set FACETRAIL_DATA" >&2
    exit 2
  fi
  MODE=unlabelled
  SOURCE="$(dirname "$(echo "$SAMPLES" | head -1)")"
  # No identity labels: every sample but the last is enrolled as its own "identity" and
  # searched for itself; the last one is never enrolled.
  n=$(echo "$SAMPLES" | wc -l)
  i=0
  for s in $SAMPLES; do
    i=$((i + 1))
    name="sample:$(basename "$s" .jpg)"
    if [ "$i" -lt "$n" ]; then
      printf 'enrol\t%s\t%s\nprobe\t%s\t%s\n' "$name" "$s" "$name" "$s"
    else
      printf 'unknown\t%s\t%s\n' "$name" "$s"
    fi
  done >"$PLAN"
fi

echo "facetrail demo"
echo "  binary:  $BIN"
echo "  images:  $SOURCE ($MODE)"
echo "  gallery: $DB (fresh)"
echo

# ---- enrol: one call per identity with all its images; if that fails (e.g. one image has
# no usable face), enrol image by image and report the ones refused ----------------------
echo "== enrolment"
status_of() { "$@" >"$TMP_OUT" 2>"$TMP_ERR" && echo 0 || echo $?; }
TMP_OUT="$OUT/last.out"
TMP_ERR="$OUT/last.err"
enrolled=0
refused=0
for ident in $(awk -F'\t' '$1=="enrol"{print $2}' "$PLAN" | awk '!seen[$0]++'); do
  mapfile -t imgs < <(awk -F'\t' -v id="$ident" '$1=="enrol" && $2==id {print $3}' "$PLAN")
  safe="${ident//[:\/]/_}"
  rc=$(status_of "$BIN" enroll --db "$DB" --id "$ident" --record "demo/$ident" "${imgs[@]}")
  if [ "$rc" = 0 ]; then
    cp "$TMP_OUT" "$OUT/json/enroll_$safe.json"
    enrolled=$((enrolled + ${#imgs[@]}))
    printf '  %-32s %d image(s)\n' "$ident" "${#imgs[@]}"
    continue
  fi
  ok=0
  for img in "${imgs[@]}"; do
    rc=$(status_of "$BIN" enroll --db "$DB" --id "$ident" --record "demo/$ident" "$img")
    if [ "$rc" = 0 ]; then
      ok=$((ok + 1))
      cp "$TMP_OUT" "$OUT/json/enroll_${safe}_$ok.json"
    else
      refused=$((refused + 1))
      echo "  refused $(basename "$img"): $(head -n 1 "$TMP_ERR" | head -c 200)"
    fi
  done
  enrolled=$((enrolled + ok))
  printf '  %-32s %d of %d image(s)\n' "$ident" "$ok" "${#imgs[@]}"
done
echo "  $enrolled template(s) enrolled, $refused image(s) refused"
echo

# ---- 1:1 verification -------------------------------------------------------------------
echo "== verification (facetrail compare)"
PAIRS="$OUT/pairs.tsv"   # expected<TAB>image_a<TAB>image_b
if [ "$MODE" = labelled ]; then
  "$PY" - "$PLAN" >"$PAIRS" <<'PY'
import sys
rows = [l.rstrip("\n").split("\t") for l in open(sys.argv[1])]
by_id = {}
for kind, ident, path in rows:
    by_id.setdefault(ident, []).append(path)
ids = [i for i, p in by_id.items() if len(p) >= 2]
# Same person: each person's first image against their held-out probe. Different people:
# each person's first image against the next person's first image.
for i in ids:
    print(f"same\t{by_id[i][0]}\t{by_id[i][-1]}")
for a, b in zip(ids, ids[1:] + ids[:1]):
    print(f"different\t{by_id[a][0]}\t{by_id[b][0]}")
PY
  # The peers' own assertions (face_recognition's tests: obama = obama2 = obama3 != biden).
  FR="$DATA/peers/face-recognition/tests/test_images"
  if [ -d "$FR" ]; then
    printf 'same\t%s\t%s\nsame\t%s\t%s\ndifferent\t%s\t%s\n' \
      "$FR/obama.jpg" "$FR/obama2.jpg" "$FR/obama.jpg" "$FR/obama3.jpg" \
      "$FR/obama.jpg" "$FR/biden.jpg" >>"$PAIRS"
  fi
else
  first=$(awk -F'\t' '$1=="enrol"{print $3; exit}' "$PLAN")
  unknown=$(awk -F'\t' '$1=="unknown"{print $3; exit}' "$PLAN")
  printf 'same\t%s\t%s\ndifferent\t%s\t%s\n' "$first" "$first" "$first" "$unknown" >"$PAIRS"
fi
: >"$OUT/compare.jsonl"
HAVE_COMPARE=1
"$BIN" --help | grep -q '^  compare ' || HAVE_COMPARE=0
[ "$HAVE_COMPARE" = 1 ] || echo "  (this build has no 'compare' command; skipping verification)"
while [ "$HAVE_COMPARE" = 1 ] && IFS=$'\t' read -r expected a b; do
  rc=$(status_of "$BIN" compare "$a" "$b")
  if [ "$rc" = 0 ] || [ "$rc" = 1 ]; then
    "$PY" -c 'import json,sys; d=json.load(open(sys.argv[1])); d["expected"]=sys.argv[2]; d["image_a"]=sys.argv[3]; d["image_b"]=sys.argv[4]; print(json.dumps(d))' \
      "$TMP_OUT" "$expected" "$a" "$b" >>"$OUT/compare.jsonl" \
      || echo "{\"expected\":\"$expected\",\"image_a\":\"$a\",\"image_b\":\"$b\",\"error\":\"unreadable output\"}" >>"$OUT/compare.jsonl"
  else
    err=$(head -n 1 "$TMP_ERR" | head -c 200 | tr '"\\' "'/")
    echo "{\"expected\":\"$expected\",\"image_a\":\"$a\",\"image_b\":\"$b\",\"error\":\"$err\"}" >>"$OUT/compare.jsonl"
  fi
done <"$PAIRS"
"$PY" - "$OUT/compare.jsonl" <<'PY'
import json, os, sys
agree = total = 0
errors = {}
for line in open(sys.argv[1]):
    d = json.loads(line)
    short = lambda p: "/".join(p.split("/")[-2:])
    a, b = short(d["image_a"]), short(d["image_b"])
    if "error" in d:
        # One line per distinct error (a missing threshold fails every pair alike).
        if d["error"] not in errors:
            print(f"  {a:>30} vs {b:<30} error: {d['error']}")
        errors[d["error"]] = errors.get(d["error"], 0) + 1
        continue
    same = d.get("same")
    verdict = "same" if same else "different"
    ok = (same and d["expected"] == "same") or (not same and d["expected"] == "different")
    total += 1
    agree += ok
    print(f"  {a:>30} vs {b:<30} score {d.get('score', float('nan')):6.3f}  -> {verdict:<9}"
          f" (expected {d['expected']}){'' if ok else '  <-- disagrees'}")
for e, count in errors.items():
    if count > 1:
        print(f"  ... and {count - 1} more pair(s) with the same error")
if total:
    print(f"  {agree} of {total} verifications agree with the labels (threshold {d.get('threshold'):.4f})")
PY
echo

# ---- 1:N search -------------------------------------------------------------------------
echo "== search (facetrail search --top 3) of held-out probes and unknown faces"
: >"$OUT/search.jsonl"
nsearch=0
EXAMPLE=""
while IFS=$'\t' read -r kind ident img; do
  [ "$kind" = enrol ] && continue
  rc=$(status_of "$BIN" search --db "$DB" --top 3 "$img")
  if [ "$rc" = 0 ]; then
    nsearch=$((nsearch + 1))
    cp "$TMP_OUT" "$OUT/json/search_${nsearch}_${ident//[:\/]/_}.json"
    [ "$kind" = unknown ] && [ -z "$EXAMPLE" ] && EXAMPLE="$OUT/json/search_${nsearch}_${ident//[:\/]/_}.json"
    "$PY" -c 'import json,sys; d=json.load(open(sys.argv[1])); d["kind"]=sys.argv[2]; d["expected"]=sys.argv[3]; print(json.dumps(d))' \
      "$TMP_OUT" "$kind" "$ident" >>"$OUT/search.jsonl"
  else
    err=$(head -n 1 "$TMP_ERR" | head -c 200 | tr '"\\' "'/")
    echo "{\"kind\":\"$kind\",\"expected\":\"$ident\",\"probe\":\"$img\",\"error\":\"$err\"}" >>"$OUT/search.jsonl"
  fi
done <"$PLAN"
"$PY" - "$OUT/search.jsonl" <<'PY'
import json, os, sys
known_hit = known_total = unknown_ok = unknown_total = 0
errors = {}
d = {}
for line in open(sys.argv[1]):
    d = json.loads(line)
    name = os.path.basename(d.get("probe", ""))
    label = f"{d['kind']:<7} {d['expected']:<30} {name:<20}"
    if "error" in d:
        if d["error"] not in errors:
            print(f"  {label} error: {d['error']}")
        errors[d["error"]] = errors.get(d["error"], 0) + 1
        if d["kind"] == "probe": known_total += 1
        else: unknown_total += 1
        continue
    faces = d["faces"]
    # The probe's person is the most prominent face (faces are most prominent first);
    # every other face in the picture is reported too.
    for f in faces:
        c = f["candidates"]
        desc = ", ".join(f"#{x['rank']} {x['identity']} {x['score']:.3f}" for x in c) or "no candidate"
        prefix = label if f["face"] == 0 else " " * len(label)
        print(f"  {prefix} face {f['face']}: {desc}")
    c0 = faces[0]["candidates"] if faces else []
    if d["kind"] == "probe":
        known_total += 1
        known_hit += bool(c0) and c0[0]["identity"] == d["expected"]
    else:
        unknown_total += 1
        unknown_ok += not c0
for e, count in errors.items():
    if count > 1:
        print(f"  ... and {count - 1} more probe(s) with the same error")
threshold = d.get("threshold")
print(f"  enrolled people found at rank 1: {known_hit} of {known_total}")
print(f"  people not enrolled reported as 'no candidate': {unknown_ok} of {unknown_total}")
if threshold is not None:
    print(f"  (candidates only at or above the engine's operating threshold {threshold:.4f};"
          " a candidate is a lead for human review, not an identification)")
PY
if [ -n "$EXAMPLE" ]; then
  echo
  echo "== the JSON of one search (a person who is not enrolled): $EXAMPLE"
  cat "$EXAMPLE"
fi
echo
echo "full JSON: $OUT/json/ (every enrolment and search), $OUT/compare.jsonl, $OUT/search.jsonl"
echo "gallery: $DB (inspect with: $BIN gallery list --db $DB)"
# Errors (as opposed to disagreements with the labels) make the demo fail visibly.
if grep -q '"error"' "$OUT/compare.jsonl" "$OUT/search.jsonl"; then
  echo "demo: some verifications or searches failed (see above)" >&2
  exit 1
fi
