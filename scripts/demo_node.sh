#!/usr/bin/env bash
# The README's main demo: starts a facetrail verification node with a demo gallery and
# prints its URL and a demo officer token. Run from anywhere after the build
# (scripts/build.sh or scripts/setup.sh). Ctrl-C stops the node cleanly; everything is
# kept in out/demo-node and the next run carries on from it (same keys, users, gallery
# and audit log).
#
#   out/demo-node/authority.key   the demo oversight authority's signing key (0600)
#   out/demo-node/authority.vkey  its verifier key (the node trusts policies signed by it)
#   out/demo-node/policy.bundle   config/demo-policy.json, signed
#   out/demo-node/tokens.txt      API tokens of the demo users (0600)
#   out/demo-node/data/           the node's data directory (docs/node.md)
#
# Environment: LISTEN (default 127.0.0.1:8080), FACETRAIL_DATA (default ../shared/data;
# the gallery is enrolled from FACETRAIL_DATA/peers), FACETRAIL_BINARY (default build/facetrail).
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${FACETRAIL_BINARY:-build/facetrail}
DATA_SET=${FACETRAIL_DATA:-$(cd .. && pwd)/shared/data}
PEERS=$DATA_SET/peers
LISTEN=${LISTEN:-127.0.0.1:8080}
DEMO=out/demo-node
NODE_DATA=$DEMO/data
TOKENS=$DEMO/tokens.txt

die() { echo "demo_node: $*" >&2; exit 2; }
[ -x "$BIN" ] || die "$BIN not found: build first (scripts/build.sh)"
command -v curl >/dev/null || die "curl is required"
command -v python3 >/dev/null || die "python3 is required"

umask 077
mkdir -p "$DEMO"

# 1. The demo authority and its signed use policy (config/demo-policy.json).
if [ ! -f "$DEMO/authority.key" ]; then
  "$BIN" note keygen --name demo-authority --out "$DEMO/authority.key" >"$DEMO/authority.vkey"
fi
VKEY=$(tr -d '\n' <"$DEMO/authority.vkey")
if [ ! -f "$DEMO/policy.bundle" ]; then
  "$BIN" policy sign --key-file "$DEMO/authority.key" config/demo-policy.json --out "$DEMO/policy.bundle" >/dev/null
fi

NODE_PID=
LOG=$DEMO/serve.log
stop_node() {
  if [ -n "$NODE_PID" ] && kill -0 "$NODE_PID" 2>/dev/null; then
    kill -TERM "$NODE_PID" 2>/dev/null || true
    wait "$NODE_PID" 2>/dev/null || true
  fi
  NODE_PID=
}
trap stop_node EXIT

# Starts the node in the background and waits for its "listening" line; sets URL.
start_node() {
  local listen=$1
  : >"$LOG"
  "$BIN" serve --data "$NODE_DATA" --authority-key "$VKEY" --policy "$DEMO/policy.bundle" \
    --listen "$listen" >"$LOG" 2>&1 &
  NODE_PID=$!
  for _ in $(seq 1 600); do
    URL=$(sed -n 's/^facetrail node listening on \(http:[^ ]*\).*/\1/p' "$LOG" | head -1)
    [ -n "$URL" ] && return 0
    kill -0 "$NODE_PID" 2>/dev/null || { cat "$LOG" >&2; die "the node did not start"; }
    sleep 0.1
  done
  cat "$LOG" >&2
  die "the node did not report listening within 60 s"
}

# 2. First run: start once so the node writes its config and keys, then add the demo users
#    with the operator's CLI on the stopped node (as an agency would).
if [ ! -s "$TOKENS" ]; then
  if [ ! -f "$NODE_DATA/node.json" ]; then
    start_node 127.0.0.1:0
    stop_node
  fi
  tmp=$(mktemp)
  add_user() {  # id name role
    local out
    out=$("$BIN" users add --data "$NODE_DATA" --id "$1" --name "$2" --role "$3")
    printf '%s %s %s\n' "$1" "$3" "$(printf '%s' "$out" | python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])')" >>"$tmp"
  }
  add_user demo-officer "Demo Officer" officer
  add_user demo-reviewer-1 "Demo Reviewer One" reviewer
  add_user demo-reviewer-2 "Demo Reviewer Two" reviewer
  add_user demo-auditor "Demo Auditor" auditor
  add_user demo-enroller "Demo Enroller" enroller
  add_user demo-admin "Demo Admin" admin
  for u in demo-officer demo-reviewer-1 demo-reviewer-2; do
    "$BIN" users train --data "$NODE_DATA" --id "$u" --training-id "demo-course-2026" --days 365 >/dev/null
  done
  install -m 0600 "$tmp" "$TOKENS"
  rm -f "$tmp"
fi
token_of() { awk -v u="$1" '$1 == u { print $3 }' "$TOKENS"; }

# 3. Serve.
start_node "$LISTEN"

# 4. First run: enrol the demo gallery through the API with the enroller's token: the first
#    photo of each labelled person in FACETRAIL_DATA/peers; their other photos are probes.
if [ ! -f "$DEMO/enrolled.txt" ]; then
  if [ -d "$PEERS" ]; then
    ENROLLER=$(token_of demo-enroller)
    plan=$(python3 - "$PEERS" <<'PY'
import csv, os, sys
root = sys.argv[1]
seen = set()
for project in sorted(os.listdir(root)):
    labels = os.path.join(root, project, "labels.csv")
    if not os.path.isfile(labels):
        continue
    with open(labels, newline="") as f:
        for row in csv.DictReader(f):
            ident = f"{project}-{row['identity']}"
            path = os.path.join(root, project, row["image"])
            if ident in seen or not os.path.isfile(path):
                continue
            seen.add(ident)
            print(ident, path, sep="\t")
PY
)
    : >"$DEMO/enrolled.txt.tmp"
    while IFS=$'\t' read -r ident path; do
      [ -n "$ident" ] || continue
      code=$(curl -s -o "$DEMO/enrol.out" -w '%{http_code}' -H "Authorization: Bearer $ENROLLER" \
        -F "identity_id=$ident" -F "record_ref=peers:${path#"$PEERS"/}" -F "images=@$path" "$URL/v1/identities")
      if [ "$code" = 201 ]; then
        printf '%s\t%s\n' "$ident" "$path" >>"$DEMO/enrolled.txt.tmp"
      else
        echo "demo_node: not enrolled $ident ($code): $(cat "$DEMO/enrol.out")" >&2
      fi
    done <<<"$plan"
    rm -f "$DEMO/enrol.out"
    mv "$DEMO/enrolled.txt.tmp" "$DEMO/enrolled.txt"
    echo "demo_node: enrolled $(wc -l <"$DEMO/enrolled.txt") identities from $PEERS"
  else
    echo "demo_node: $PEERS is absent: the gallery is empty (enrol with the enroller token)" >&2
  fi
fi

cat <<MSG

facetrail node running at $URL
  officer page:  $URL/officer.html   (demo officer token below)
  reviewer page: $URL/reviewer.html  auditor page: $URL/auditor.html
  demo officer token: $(token_of demo-officer)
  every demo token:   $TOKENS
  try: verify (1:1) $PEERS/face-recognition/tests/test_images/obama2.jpg
       as identity "face-recognition-obama", purpose "robbery", any case number;
       a search (1:N) also needs a legal authority (enrolled ids: $DEMO/enrolled.txt)
Press Ctrl-C to stop; nothing is lost (data in $NODE_DATA).
MSG

trap 'echo; echo "demo_node: stopping"; stop_node; exit 0' INT TERM
wait "$NODE_PID"
