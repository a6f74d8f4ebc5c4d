// web/merkle.js (the auditor page's proof check) against proofs built from the RFC 9162
// recursive definition (PATH(m, D[n]), section 2.1.3.1) with node:crypto, for every
// index of every tree size up to 40, plus tampering. Runs without a browser.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, webcrypto } from 'node:crypto';

if (!globalThis.crypto) globalThis.crypto = webcrypto;
const { verifyInclusion, leafHash, parseCheckpoint, bytesToB64 } = await import('../../web/merkle.js');

const H = (...parts) => createHash('sha256').update(Buffer.concat(parts)).digest();
const leaf = (e) => H(Buffer.from([0]), Buffer.from(e, 'utf8'));
const k = (n) => { let p = 1; while (p * 2 < n) p *= 2; return p; };  // largest power of 2 < n
function mth(ls) {
  if (ls.length === 1) return ls[0];
  const s = k(ls.length);
  return H(Buffer.from([1]), mth(ls.slice(0, s)), mth(ls.slice(s)));
}
function path(m, ls) {
  if (ls.length === 1) return [];
  const s = k(ls.length);
  return m < s ? [...path(m, ls.slice(0, s)), mth(ls.slice(s))]
               : [...path(m - s, ls.slice(s)), mth(ls.slice(0, s))];
}

test('leaf hash is SHA-256(0x00 || entry)', async () => {
  const e = '{"schema":"facetrail-audit/v1","type":"node.start","note":"\u00e9"}';
  assert.deepEqual(Buffer.from(await leafHash(e)), leaf(e));
});

test('inclusion proofs verify for every index of trees up to 40', async () => {
  const entries = Array.from({ length: 40 }, (_, i) => `{"i":${i}}`);
  for (let n = 1; n <= 40; n++) {
    const ls = entries.slice(0, n).map(leaf);
    const root = mth(ls).toString('base64');
    for (let m = 0; m < n; m++) {
      const proof = path(m, ls).map((b) => b.toString('base64'));
      const r = await verifyInclusion(entries[m], m, n, proof, root);
      assert.ok(r.ok, `index ${m} size ${n}`);
      assert.equal(bytesToB64(r.root), root);
      // Another entry's text, or the wrong index, must fail.
      const other = await verifyInclusion(entries[(m + 1) % 40] + ' ', m, n, proof, root);
      assert.ok(!other.ok);
      if (n > 1) {
        const wrongIndex = await verifyInclusion(entries[m], (m + 1) % n, n, proof, root).catch(() => ({ ok: false }));
        if ((m + 1) % n !== m) assert.ok(!wrongIndex.ok, `wrong index accepted ${m} ${n}`);
      }
    }
  }
});

test('malformed proofs are refused', async () => {
  const ls = ['a', 'b', 'c', 'd', 'e'].map(leaf);
  const root = mth(ls).toString('base64');
  const proof = path(2, ls).map((b) => b.toString('base64'));
  await assert.rejects(verifyInclusion('c', 5, 5, proof, root));              // index >= size
  await assert.rejects(verifyInclusion('c', 2, 5, [...proof, proof[0]], root));  // too long
  await assert.rejects(verifyInclusion('c', 2, 5, proof.slice(1), root));       // too short
  await assert.rejects(verifyInclusion('c', 2, 5, [Buffer.alloc(31).toString('base64'), ...proof.slice(1)], root));
});

test('checkpoint parsing reads origin, size, root and signatures', () => {
  const note = 'facetrail.local/demo-pd/node-1\n12\nq83vEjRWeJA=\n\n\u2014 facetrail.local/demo-pd/node-1 AAAAAAAA\n';
  const cp = parseCheckpoint(note);
  assert.equal(cp.origin, 'facetrail.local/demo-pd/node-1');
  assert.equal(cp.size, '12');
  assert.equal(cp.text, 'facetrail.local/demo-pd/node-1\n12\nq83vEjRWeJA=\n');
  assert.equal(cp.signatures.length, 1);
  assert.throws(() => parseCheckpoint('no blank line\n'));
});
