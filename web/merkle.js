// RFC 9162 Merkle tree checks in the browser with WebCrypto SHA-256: leaf hash
// SHA-256(0x00 || entry), interior SHA-256(0x01 || left || right), and the inclusion
// proof walk of RFC 9162 section 2.1.3.2 (docs/audit-formats.md). Also parses C2SP
// checkpoints and verifies their Ed25519 note signature when the browser supports it.
// Pure functions over bytes; nothing here trusts the server's own hashes.

const enc = new TextEncoder();

function subtle() {
  const c = globalThis.crypto;
  if (!c || !c.subtle) {
    throw new Error('WebCrypto is unavailable: open this page over https or on localhost');
  }
  return c.subtle;
}

export async function sha256(bytes) {
  return new Uint8Array(await subtle().digest('SHA-256', bytes));
}

function concat(...parts) {
  const n = parts.reduce((a, p) => a + p.length, 0);
  const out = new Uint8Array(n);
  let o = 0;
  for (const p of parts) { out.set(p, o); o += p.length; }
  return out;
}

export async function leafHash(entryText) {
  return sha256(concat(Uint8Array.of(0), enc.encode(entryText)));
}

async function nodeHash(left, right) {
  return sha256(concat(Uint8Array.of(1), left, right));
}

export function b64ToBytes(b64) {
  const s = atob(b64);
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}

export function bytesToB64(bytes) {
  let s = '';
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s);
}

export function equalBytes(a, b) {
  if (a.length !== b.length) return false;
  let d = 0;
  for (let i = 0; i < a.length; i++) d |= a[i] ^ b[i];
  return d === 0;
}

// Returns the root the proof leads to, or throws when the proof is malformed for
// (index, size). BigInt keeps 64-bit indices exact.
export async function rootFromInclusionProof(leaf, index, size, proof) {
  let fn = BigInt(index);
  let sn = BigInt(size) - 1n;
  if (BigInt(index) >= BigInt(size)) throw new Error('index ' + index + ' is not below tree size ' + size);
  let r = leaf;
  for (const p of proof) {
    if (p.length !== 32) throw new Error('proof hash is not 32 bytes');
    if (sn === 0n) throw new Error('proof is longer than the tree needs');
    if ((fn & 1n) === 1n || fn === sn) {
      r = await nodeHash(p, r);
      if ((fn & 1n) === 0n) {
        while ((fn & 1n) === 0n && fn !== 0n) { fn >>= 1n; sn >>= 1n; }
      }
    } else {
      r = await nodeHash(r, p);
    }
    fn >>= 1n;
    sn >>= 1n;
  }
  if (sn !== 0n) throw new Error('proof is shorter than the tree needs');
  return r;
}

export async function verifyInclusion(entryText, index, size, proofB64, rootB64) {
  const leaf = await leafHash(entryText);
  const root = await rootFromInclusionProof(leaf, index, size, proofB64.map(b64ToBytes));
  return { ok: equalBytes(root, b64ToBytes(rootB64)), leaf, root };
}

// "<origin>\n<size>\n<root b64>\n[extensions]\n\n— <name> <sig b64>\n..." -> parts.
export function parseCheckpoint(note) {
  const split = note.indexOf('\n\n');
  if (split < 0) throw new Error('checkpoint has no signature block');
  const text = note.slice(0, split + 1);
  const lines = text.split('\n');
  if (lines.length < 4 || !/^[0-9]{1,20}$/.test(lines[1])) throw new Error('malformed checkpoint');
  const sigs = [];
  for (const line of note.slice(split + 2).split('\n')) {
    const m = /^\u2014 (\S+) (\S+)$/.exec(line);
    if (m) sigs.push({ name: m[1], sig: m[2] });
  }
  return { origin: lines[0], size: lines[1], root: lines[2], text, signatures: sigs };
}

// Verifies the checkpoint note's Ed25519 signature against a verifier key
// "<name>+<hex key id>+<base64(0x01 || pubkey)>". Returns true/false, or null when the
// browser has no Ed25519 in WebCrypto.
export async function verifyNoteSignature(cp, vkey) {
  const first = vkey.indexOf('+');
  const second = vkey.indexOf('+', first + 1);
  if (first < 0 || second < 0) throw new Error('malformed log key');
  const name = vkey.slice(0, first);
  const keyId = vkey.slice(first + 1, second);
  const keyBytes = b64ToBytes(vkey.slice(second + 1));
  if (keyBytes.length !== 33 || keyBytes[0] !== 1) throw new Error('log key is not Ed25519');
  const sig = cp.signatures.find((s) => s.name === name);
  if (!sig) return false;
  const sigBytes = b64ToBytes(sig.sig);
  if (sigBytes.length !== 68) return false;
  const idHex = Array.from(sigBytes.slice(0, 4), (b) => b.toString(16).padStart(2, '0')).join('');
  if (idHex !== keyId.toLowerCase()) return false;
  let key;
  try {
    key = await subtle().importKey('raw', keyBytes.slice(1), { name: 'Ed25519' }, false, ['verify']);
  } catch (_) {
    return null;  // no Ed25519 in this browser's WebCrypto
  }
  return subtle().verify({ name: 'Ed25519' }, key, sigBytes.slice(4), enc.encode(cp.text));
}
