#!/usr/bin/env bash
# End-to-end test of `facetrail log` through the real binary: init (key file modes, vkey),
# append (indices), checkpoint (verifies with `facetrail note verify`), verify (0 / 1 on a
# flipped byte, naming the file / 2), proofs produced by the log and checked by the pure
# verify-* commands, and leaf hashes and roots recomputed independently in Python (RFC 9162).
# Usage: tests/log_cli_test.sh path/to/facetrail
set -euo pipefail
FT=${1:?usage: $0 path/to/facetrail}
FT=$(cd "$(dirname "$FT")" && pwd)/$(basename "$FT")
T=$(mktemp -d /tmp/facetrail_logcli_XXXXXX)
trap 'rm -rf "$T"' EXIT
cd "$T"
fail() { echo "FAIL: $*" >&2; exit 1; }
expect_rc() {  # expect_rc WANT cmd...
  local want=$1; shift
  set +e; "$@" > out.txt 2> err.txt; local rc=$?; set -e
  [ "$rc" = "$want" ] || { cat out.txt err.txt >&2; fail "'$*' exited $rc, want $want"; }
}
json() { python3 -c "import json,sys; v=json.load(open('$1'))$2; print(' '.join(v) if isinstance(v,list) else v)"; }

"$FT" log init L --origin example.org/audit > vkey
grep -q '^example.org/audit+[0-9a-f]\{8\}+' vkey || fail "vkey: $(cat vkey)"
[ "$(stat -c %a L/log.key)" = 600 ] || fail "log.key mode $(stat -c %a L/log.key)"
expect_rc 2 "$FT" log init L --origin example.org/audit          # never replaces a key
expect_rc 2 "$FT" log init L2 --origin "has space"                  # invalid key name

printf 'first\nsecond\nthird\n' | "$FT" log append L > idx
[ "$(tr '\n' ' ' < idx)" = "0 1 2 " ] || fail "indices: $(cat idx)"
python3 -c 'print("x" * 70000)' > big
expect_rc 1 "$FT" log append L < big                                # over 65535 bytes
"$FT" log checkpoint L > cp
expect_rc 0 "$FT" note verify --key "$(cat vkey)" cp
[ "$(sed -n 2p cp)" = 3 ] || fail "checkpoint size: $(cat cp)"

# Independent RFC 9162 computation of the leaf hash of "second" and the root of 3 leaves.
read -r LEAF1 ROOT3 < <(python3 - <<'PY'
import base64, hashlib
h = lambda b: hashlib.sha256(b).digest()
leaf = lambda e: h(b"\x00" + e)
node = lambda l, r: h(b"\x01" + l + r)
l = [leaf(e) for e in (b"first", b"second", b"third")]
print(base64.b64encode(l[1]).decode(), base64.b64encode(node(node(l[0], l[1]), l[2])).decode())
PY
)
[ "$(sed -n 3p cp)" = "$ROOT3" ] || fail "root $(sed -n 3p cp), python says $ROOT3"

expect_rc 0 "$FT" log verify L
grep -q '"valid": true' out.txt || fail "verify: $(cat out.txt)"
"$FT" note keygen --name other.example/log --out other.key > other.vkey
expect_rc 1 "$FT" log verify L --key "$(cat other.vkey)"            # not this log's key

expect_rc 0 "$FT" log prove-inclusion L --index 1
cp out.txt pi.json
[ "$(json pi.json '["leaf_hash"]')" = "$LEAF1" ] || fail "leaf hash"
[ "$(json pi.json '["root"]')" = "$ROOT3" ] || fail "inclusion root"
PROOF=()
for p in $(json pi.json '["proof"]'); do PROOF+=(--proof "$p"); done
expect_rc 0 "$FT" log verify-inclusion --leaf-hash "$LEAF1" --index 1 --size 3 --root "$ROOT3" "${PROOF[@]}"
expect_rc 1 "$FT" log verify-inclusion --leaf-hash "$LEAF1" --index 2 --size 3 --root "$ROOT3" "${PROOF[@]}"
expect_rc 1 "$FT" log verify-inclusion --leaf-hash "$LEAF1" --index 1 --size 3 --root "$LEAF1" "${PROOF[@]}"
expect_rc 2 "$FT" log verify-inclusion --leaf-hash 'not base64' --index 1 --size 3 --root "$ROOT3"
expect_rc 1 "$FT" log prove-inclusion L --index 3

expect_rc 0 "$FT" log prove-consistency L --size1 1 --size2 3
cp out.txt pc.json
CPROOF=()
for p in $(json pc.json '["proof"]'); do CPROOF+=(--proof "$p"); done
R1=$(json pc.json '["root1"]')
expect_rc 0 "$FT" log verify-consistency --size1 1 --size2 3 --root1 "$R1" --root2 "$ROOT3" "${CPROOF[@]}"
expect_rc 1 "$FT" log verify-consistency --size1 1 --size2 3 --root1 "$ROOT3" --root2 "$ROOT3" "${CPROOF[@]}"
expect_rc 1 "$FT" log verify-consistency --size1 2 --size2 3 --root1 "$R1" --root2 "$ROOT3" "${CPROOF[@]}"

# A flipped byte in a stored hash: verify fails (1) and names the file.
printf '\xff' | dd of=L/tree/1 bs=1 seek=7 conv=notrunc 2>/dev/null
expect_rc 1 "$FT" log verify L
grep -q 'tree/1' err.txt || fail "tamper message: $(cat err.txt)"
expect_rc 2 "$FT" log verify missing-dir
expect_rc 2 "$FT" log
echo "log CLI test: ok"
