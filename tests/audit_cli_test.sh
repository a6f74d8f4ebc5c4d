#!/usr/bin/env bash
# End-to-end test of `facetrail note` and `facetrail witness serve` through the real binary:
# key files and their modes, signing, cosigning, verification exit codes (0 valid,
# 1 invalid, 2 usage/IO), and a witness over loopback HTTP that keeps its state across a
# restart. Usage: tests/audit_cli_test.sh path/to/facetrail
set -euo pipefail
FT=${1:?usage: $0 path/to/facetrail}
FT=$(cd "$(dirname "$FT")" && pwd)/$(basename "$FT")
T=$(mktemp -d /tmp/facetrail_cli_XXXXXX)
WPID=
cleanup() {
  if [ -n "$WPID" ]; then kill "$WPID" 2>/dev/null || true; wait "$WPID" 2>/dev/null || true; fi
  rm -rf "$T"
}
trap cleanup EXIT
cd "$T"
fail() { echo "FAIL: $*" >&2; exit 1; }
expect_rc() {  # expect_rc WANT cmd...
  local want=$1; shift
  set +e; "$@" > out.txt 2> err.txt; local rc=$?; set -e
  [ "$rc" = "$want" ] || { cat out.txt err.txt >&2; fail "'$*' exited $rc, want $want"; }
}

# Keys: 0600 files, verifier key on stdout, never overwritten.
"$FT" note keygen --name example.com/log --out log.key > log.vkey
"$FT" note keygen --name witness.test/w1 --out w.key > w.vkey
[ "$(stat -c %a log.key)" = 600 ] || fail "log.key mode $(stat -c %a log.key)"
grep -q '^example.com/log+[0-9a-f]\{8\}+' log.vkey || fail "bad vkey $(cat log.vkey)"
expect_rc 2 "$FT" note keygen --name example.com/log --out log.key

# Sign a checkpoint body and verify it.
ROOT=$(python3 -c 'import base64,hashlib;print(base64.b64encode(hashlib.sha256(b"r").digest()).decode())')
printf 'example.com/log\n5\n%s\n' "$ROOT" > body
"$FT" note sign --key-file log.key body > signed
expect_rc 0 "$FT" note verify --key "$(cat log.vkey)" signed
grep -q '"valid": true' out.txt || fail "verify output: $(cat out.txt)"
expect_rc 0 "$FT" note verify --key "$(cat log.vkey)" --key "$(cat log.vkey)" signed  # same key twice
expect_rc 1 "$FT" note verify --key "$(cat w.vkey)" signed           # no known key
expect_rc 2 "$FT" note verify signed                                  # no key given
expect_rc 2 "$FT" note verify --key "$(cat log.vkey)" missing-file
expect_rc 2 "$FT" note verify --key not-a-key signed
sed 's/^5$/6/' signed > tampered
expect_rc 1 "$FT" note verify --key "$(cat log.vkey)" tampered
grep -q 'invalid signature for key example.com/log' err.txt || fail "tamper message: $(cat err.txt)"

# A world-readable key file is refused.
cp log.key loose.key && chmod 644 loose.key
expect_rc 2 "$FT" note sign --key-file loose.key body

# Local cosignature, then verification with the witness key.
"$FT" note cosign --key-file w.key signed > cosigned
expect_rc 0 "$FT" note verify --key "$(cat log.vkey)" --cosigner "$(cat w.vkey)" --min-cosigners 1 cosigned
grep -q '"type": "cosignature/v1"' out.txt || fail "no cosignature in $(cat out.txt)"
grep -q '"timestamp": ' out.txt || fail "no timestamp in $(cat out.txt)"
expect_rc 1 "$FT" note verify --key "$(cat log.vkey)" --cosigner "$(cat w.vkey)" --min-cosigners 2 cosigned

# Witness over HTTP: first checkpoint, stale old -> 409 with size, restart keeps state.
PORT=$(python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])')
start_witness() {
  "$FT" witness serve --db w.db --listen "127.0.0.1:$PORT" --log-key "$(cat log.vkey)" \
    --name witness.test/served > served.vkey 2> served.err &
  WPID=$!
  for _ in $(seq 100); do [ -s served.vkey ] && break; sleep 0.1; done
  [ -s served.vkey ] || fail "witness did not start: $(cat served.err)"
}
stop_witness() { kill "$WPID"; wait "$WPID" || fail "witness exit status $?"; WPID=; }
post() {  # post OLD FILE -> prints "STATUS CONTENT-TYPE" then the body
  python3 - "$PORT" "$1" "$2" <<'EOF'
import sys, urllib.request, urllib.error
port, old, path = sys.argv[1], sys.argv[2], sys.argv[3]
body = ("old %s\n\n" % old).encode() + open(path, "rb").read()
req = urllib.request.Request("http://127.0.0.1:%s/add-checkpoint" % port, data=body, method="POST")
try:
    r = urllib.request.urlopen(req, timeout=10); code, ct, data = r.status, r.headers.get("Content-Type"), r.read()
except urllib.error.HTTPError as e:
    code, ct, data = e.code, e.headers.get("Content-Type"), e.read()
sys.stdout.write("%d %s\n" % (code, ct)); sys.stdout.write(data.decode())
EOF
}
start_witness
[ "$(stat -c %a w.db.key)" = 600 ] || fail "witness key mode"
post 0 signed > resp
head -1 resp | grep -q '^200 ' || fail "first post: $(cat resp)"
{ cat signed; tail -n +2 resp; } > witnessed
expect_rc 0 "$FT" note verify --key "$(cat log.vkey)" --cosigner "$(cat served.vkey)" --min-cosigners 1 witnessed
# Independent check of the signed note and the witness cosignature with python3-cryptography
# (differential: another Ed25519 implementation, key IDs and messages rebuilt from the spec).
if python3 -c 'import cryptography' 2>/dev/null; then
  python3 - log.vkey served.vkey witnessed <<'EOF'
import base64, hashlib, struct, sys
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
def vkey(path):
    name, kid, b64 = open(path).read().strip().split("+", 2)
    raw = base64.b64decode(b64)
    assert raw[0] == 1 and len(raw) == 33
    assert int.from_bytes(hashlib.sha256(name.encode() + b"\n\x01" + raw[1:]).digest()[:4], "big") == int(kid, 16)
    return name, int(kid, 16), raw[1:]
(lname, lid, lpub), (wname, wid, wpub) = vkey(sys.argv[1]), vkey(sys.argv[2])
cid = int.from_bytes(hashlib.sha256(wname.encode() + b"\n\x04" + wpub).digest()[:4], "big")
note = open(sys.argv[3], "rb").read()
split = note.rfind(b"\n\n")
text, seen = note[:split + 1], set()
for line in note[split + 2:].decode().splitlines():
    assert line.startswith("\u2014 ")
    name, b64 = line[2:].rsplit(" ", 1)
    raw = base64.b64decode(b64)
    kid = int.from_bytes(raw[:4], "big")
    if (name, kid) == (lname, lid):
        Ed25519PublicKey.from_public_bytes(lpub).verify(raw[4:], text)
        seen.add("log")
    elif (name, kid) == (wname, cid):
        ts = struct.unpack(">Q", raw[4:12])[0]
        Ed25519PublicKey.from_public_bytes(wpub).verify(raw[12:], b"cosignature/v1\ntime %d\n" % ts + text)
        seen.add("witness")
assert seen == {"log", "witness"}, seen
EOF
else
  echo "skip: python3 cryptography not installed; differential signature check not run"
fi
stop_witness
start_witness
post 0 signed > resp
[ "$(head -1 resp)" = "409 text/x.tlog.size" ] || fail "stale post after restart: $(cat resp)"
[ "$(tail -n +2 resp)" = "5" ] || fail "409 body: $(cat resp)"
post 5 signed > resp
head -1 resp | grep -q '^200 ' || fail "same-size post: $(cat resp)"
stop_witness
echo "audit CLI test: OK"
