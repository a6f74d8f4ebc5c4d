#!/usr/bin/env bash
# End-to-end test of `facetrail audit fetch|case` against a real `facetrail serve` over
# loopback: mirror the node's log, fetch incrementally, verify a case export, check the log
# against a real `facetrail hub serve` (its latest witnessed checkpoint and its whole cosigned
# history), and refuse a wrong key, a damaged mirror and a rewritten log (both checkpoints
# kept as evidence).
# Exit codes checked: 0 valid, 1 verification failed, 2 usage/IO. Skips (exit 77) when the
# converted models are absent. Usage: tests/audit_fetch_cli_test.sh path/to/facetrail
set -euo pipefail
FT=${1:?usage: $0 path/to/facetrail}
FT=$(cd "$(dirname "$FT")" && pwd)/$(basename "$FT")
ROOT=$(cd "$(dirname "$0")/.." && pwd)
MODELS=${FACETRAIL_MODELS_DIR:-$ROOT/models}
if [ ! -f "$MODELS/manifest.json" ]; then echo "SKIP: no converted models in $MODELS"; exit 77; fi
T=$(mktemp -d /tmp/facetrail_auditcli_XXXXXX)
NPID=
HPID=
cleanup() {
  if [ -n "$NPID" ]; then kill "$NPID" 2>/dev/null || true; wait "$NPID" 2>/dev/null || true; fi
  if [ -n "$HPID" ]; then kill "$HPID" 2>/dev/null || true; wait "$HPID" 2>/dev/null || true; fi
  rm -rf "$T"
}
trap cleanup EXIT
cd "$T"
fail() { echo "FAIL: $*" >&2; exit 1; }
expect_rc() {  # expect_rc WANT cmd...
  local want=$1; shift
  set +e; "$@" > out.json 2> err.txt; local rc=$?; set -e
  [ "$rc" = "$want" ] || { cat out.json err.txt >&2; fail "'$*' exited $rc, want $want"; }
}
jget() { python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(eval(sys.argv[2], {"d": d}))' out.json "$1"; }

start_node() {
  : > serve.log
  "$FT" serve --data data --authority-key "$(cat authority.vkey)" --policy policy.bundle \
    --node-id node-1 --agency demo-pd --models "$MODELS" --listen 127.0.0.1:0 > serve.log 2>&1 &
  NPID=$!
  for _ in $(seq 1 300); do
    URL=$(sed -n 's/^facetrail node listening on \(http:[^ ]*\).*/\1/p' serve.log | head -1)
    [ -n "$URL" ] && return 0
    kill -0 "$NPID" 2>/dev/null || { cat serve.log >&2; fail "serve exited"; }
    sleep 0.1
  done
  cat serve.log >&2; fail "serve did not start"
}
stop_node() { kill "$NPID"; wait "$NPID" 2>/dev/null || true; NPID=; }
# A policy refusal that is audited with its case number (no face is compared).
refused_query() {
  local code
  code=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $OFFICER" \
    -H 'Content-Type: application/json' \
    -d "{\"image\":\"/9j/\",\"purpose\":\"shoplifting\",\"case_number\":\"$1\",\"identity_id\":\"x\"}" \
    "$URL/v1/verify")
  [ "$code" = 403 ] || fail "refused query answered $code"
}

"$FT" note keygen --name authority.test --out authority.key > authority.vkey
"$FT" policy sign --key-file authority.key "$ROOT/config/demo-policy.json" --out policy.bundle
start_node; stop_node  # first start writes the node's settings; users are added stopped
"$FT" users add --data data --id aud --name Auditor --role auditor | python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])' > aud.token
OFFICER=$("$FT" users add --data data --id off --name Officer --role officer | python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])')
"$FT" users train --data data --id off --training-id course-1 --days 365 > /dev/null
cp data/node.vkey log.vkey
start_node

for _ in 1 2 3; do refused_query C-9; done
refused_query C-other

# Case export: every record verifies (the export also signs a fresh checkpoint).
expect_rc 0 "$FT" audit case --node "$URL" --case C-9 --token-file aud.token --key log.vkey
[ "$(jget 'd["verified"]')" = True ] || fail "case: $(cat out.json)"
[ "$(jget 'd["records_verified"]')" = 3 ] || fail "case records: $(cat out.json)"
[ "$(jget 'set(r["type"] for r in d["records"])')" = "{'query.verify'}" ] || fail "case types: $(cat out.json)"
[ "$(jget 'all(r["outcome"] == "denied" and r["names_case"] for r in d["records"])')" = True ] || fail "outcomes"
expect_rc 2 "$FT" audit case --node "$URL" --case C-9 --key log.vkey  # no token
expect_rc 2 "$FT" audit case --node "$URL" --case C-9 --token nope --key log.vkey  # 401

# Mirror the log.
expect_rc 0 "$FT" audit fetch --node "$URL" --key log.vkey --out mirror --token-file aud.token
[ "$(jget 'd["verified"]')" = True ] || fail "fetch: $(cat out.json)"
SIZE1=$(jget 'd["size"]')
[ "$(jget 'd["entries_fetched"]')" = "$SIZE1" ] || fail "entries: $(cat out.json)"
[ -f mirror/checkpoint ] && [ -f mirror/tile/0/000.p/$SIZE1 ] && [ -f mirror/tile/entries/000.p/$SIZE1 ] \
  || fail "mirror layout: $(find mirror | sort)"
# Its root is the one an independent RFC 9162 computation over the entry bundle gives.
python3 - "$SIZE1" <<'PY' || fail "python root differs"
import base64, hashlib, json, sys
n = int(sys.argv[1])
b = open(f"mirror/tile/entries/000.p/{n}", "rb").read()
leaves, off = [], 0
while off < len(b):
    l = int.from_bytes(b[off:off + 2], "big"); leaves.append(hashlib.sha256(b"\0" + b[off + 2:off + 2 + l]).digest()); off += 2 + l
def mth(h):
    if len(h) == 1: return h[0]
    k = 1
    while k * 2 < len(h): k *= 2
    return hashlib.sha256(b"\1" + mth(h[:k]) + mth(h[k:])).digest()
root = json.load(open("out.json"))["root"]
assert len(leaves) == n and base64.b64encode(mth(leaves)).decode() == root
PY

# More entries, then an incremental fetch with a verified consistency proof.
for _ in 1 2; do refused_query C-9; done
expect_rc 0 "$FT" audit case --node "$URL" --case C-9 --token-file aud.token --key log.vkey  # signs a checkpoint
expect_rc 0 "$FT" audit fetch --node "$URL" --key log.vkey --out mirror --token-file aud.token
[ "$(jget 'd["previous_size"]')" = "$SIZE1" ] || fail "previous size: $(cat out.json)"
[ "$(jget 'd["consistency"]["verified"]')" = True ] || fail "consistency: $(cat out.json)"
[ "$(jget 'd["entries_fetched"] == d["size"] - d["previous_size"]')" = True ] || fail "incremental: $(cat out.json)"
SIZE2=$(jget 'd["size"]')

# Without a token: hash tiles only, still verified.
expect_rc 0 "$FT" audit fetch --node "$URL" --key log.vkey
[ "$(jget 'd["entries_checked"]')" = False ] || fail "no-token fetch: $(cat out.json)"

# The hub: register the agency with the log key, have its witness cosign two of the node's
# checkpoints (C2SP tlog-witness requests from a small client here: this node is
# standalone), then check the log against the hub's latest and its whole history.
"$FT" hub serve --data hub --listen 127.0.0.1:0 --authority-key-file authority.vkey > hub.json 2> hub.log &
HPID=$!
for _ in $(seq 1 100); do [ -s hub.json ] && break; sleep 0.1; done
[ -s hub.json ] || { cat hub.log >&2; fail "hub did not start"; }
HUB=$(python3 -c 'import json; print(json.load(open("hub.json"))["url"])')
HUB_ADMIN=$(python3 -c 'import json; print(json.load(open("hub.json"))["admin_token"])')
curl -sf -o /dev/null -H "Authorization: Bearer $HUB_ADMIN" -H 'Content-Type: application/json' \
  -d "{\"id\":\"demo-pd\",\"name\":\"Demo PD\",\"jurisdiction\":\"Testshire\",\"log_key\":\"$(cat log.vkey)\",\"contact\":\"a@demo.example\"}" \
  "$HUB/hub/v1/agencies" || fail "registering the agency at the hub"
witness_cosign() {  # witness_cosign NOTE_FILE OLD_SIZE [PROOF_JSON_FILE]
  python3 - "$HUB" "$@" <<'PY' || fail "the hub's witness refused checkpoint $1"
import json, sys, urllib.request
hub, note_file, old = sys.argv[1], sys.argv[2], sys.argv[3]
proof = json.load(open(sys.argv[4]))["proof"] if len(sys.argv) > 4 else []
body = f"old {old}\n" + "".join(h + "\n" for h in proof) + "\n" + open(note_file).read()
req = urllib.request.Request(hub + "/hub/v1/witness/add-checkpoint", data=body.encode(), method="POST")
with urllib.request.urlopen(req) as r:
    assert r.status == 200 and r.read().startswith("\u2014 ".encode())
PY
}
curl -sf "$URL/v1/audit/checkpoint" > cp1.note
CP1=$(sed -n 2p cp1.note)
witness_cosign cp1.note 0
for _ in 1 2; do refused_query C-hub; done
expect_rc 0 "$FT" audit case --node "$URL" --case C-hub --token-file aud.token --key log.vkey  # signs a checkpoint
curl -sf "$URL/v1/audit/checkpoint" > cp2.note
CP2=$(sed -n 2p cp2.note)
[ "$CP2" -gt "$CP1" ] || fail "the log did not grow ($CP1 -> $CP2)"
# The proof from a copy of the stopped node's log (`facetrail log` wants the verifier key
# beside the log; the node keeps it in DATA/node.vkey).
stop_node
cp -r data/audit log-copy && cp log.vkey log-copy/log.vkey
"$FT" log prove-consistency log-copy --size1 "$CP1" --size2 "$CP2" > proof.json
start_node
witness_cosign cp2.note "$CP1" proof.json
expect_rc 0 "$FT" audit fetch --node "$URL" --key log.vkey --hub "$HUB"
[ "$(jget 'd["verified"] and d["hub"]["verified"]')" = True ] || fail "hub fetch: $(cat out.json)"
[ "$(jget 'd["hub"]["size"]')" = "$CP2" ] || fail "hub latest: $(cat out.json)"
[ "$(jget '[d["hub"]["history"][k] for k in ("checkpoints", "verified", "first_size", "last_size", "legacy_uncosigned")]')" \
  = "[2, 2, $CP1, $CP2, 0]" ] || fail "hub history: $(cat out.json)"
expect_rc 0 "$FT" audit fetch --node "$URL" --key log.vkey --hub "$HUB" \
  --hub-key "$(python3 -c 'import json; print(json.load(open("hub.json"))["witness_key"])')"
# Pinned to a witness key that is not the hub's: exit 1.
"$FT" note keygen --name facetrail-hub-witness --out stranger.key > stranger.vkey
expect_rc 1 "$FT" audit fetch --node "$URL" --key log.vkey --hub "$HUB" --hub-key "$(cat stranger.vkey)"
[ "$(jget 'd["hub"]["verified"]')" = False ] || fail "stranger witness key: $(cat out.json)"
kill "$HPID"; wait "$HPID" 2>/dev/null || true; HPID=
expect_rc 2 "$FT" audit fetch --node "$URL" --key log.vkey --hub "$HUB"  # hub unreachable

# Wrong key: exit 1. Usage and unreachable node: exit 2.
"$FT" note keygen --name "$(cut -d+ -f1 log.vkey)" --out other.key > other.vkey
expect_rc 1 "$FT" audit fetch --node "$URL" --key other.vkey
grep -q 'does not verify under the log key' err.txt || fail "wrong-key message: $(cat err.txt)"
expect_rc 2 "$FT" audit fetch --node "$URL" --key other.vkey --out mirror  # a mirror of another key
expect_rc 2 "$FT" audit fetch --node "$URL"
expect_rc 2 "$FT" audit fetch --node http://127.0.0.1:9 --key log.vkey
expect_rc 2 "$FT" audit fetch --node not-a-url --key log.vkey

# A damaged mirror is refused.
cp -r mirror damaged
python3 -c 'import sys; p=sys.argv[1]; b=bytearray(open(p,"rb").read()); b[5]^=1; open(p,"wb").write(b)' \
  "damaged/tile/0/000.p/$SIZE2"
expect_rc 1 "$FT" audit fetch --node "$URL" --key log.vkey --out damaged
grep -q 'damaged' err.txt || fail "damaged-mirror message: $(cat err.txt)"

# The operator rewrites the log with the node's own key: the re-fetch is refused and
# both checkpoints are kept.
stop_node
rm -rf data/audit data/entries.db
start_node
for _ in $(seq 1 12); do refused_query C-new; done
expect_rc 0 "$FT" audit case --node "$URL" --case C-new --token-file aud.token --key log.vkey
expect_rc 1 "$FT" audit fetch --node "$URL" --key log.vkey --out mirror --token-file aud.token
[ "$(jget 'd["verified"]')" = False ] || fail "rewritten: $(cat out.json)"
EVIDENCE=$(jget 'd["evidence"]')
[ -f "$EVIDENCE/mirrored-checkpoint" ] && [ -f "$EVIDENCE/fetched-checkpoint" ] || fail "no evidence in $EVIDENCE"
grep -q "$SIZE2" "$EVIDENCE/mirrored-checkpoint" || fail "mirrored checkpoint is not the one of size $SIZE2"
"$FT" note verify --key "$(cat log.vkey)" "$EVIDENCE/fetched-checkpoint" > /dev/null || fail "fetched checkpoint does not verify"
[ "$(head -2 mirror/checkpoint | tail -1)" = "$SIZE2" ] || fail "mirror moved off the honest checkpoint"
echo "audit fetch/case CLI: all checks passed"
