// Auditor page: shows the signed checkpoint, fetches one entry with its inclusion proof
// and verifies the proof here (merkle.js, WebCrypto SHA-256) against the root of a signed
// checkpoint whose signature is checked with the node's log key when the browser has
// Ed25519.
import { api, bindTokenField, el, append, clear, showError } from './common.js';
import { parseCheckpoint, verifyInclusion, verifyNoteSignature, bytesToB64 } from './merkle.js';

const $ = (id) => document.getElementById(id);
let logKey = '';
let latest = null;

bindTokenField($('token'), $('forget'));

async function signatureLine(cp) {
  if (!logKey) logKey = (await api('/v1/audit/key')).trim();
  let verdict;
  try {
    verdict = await verifyNoteSignature(cp, logKey);
  } catch (e) {
    verdict = false;
  }
  if (verdict === null) {
    return el('span', { class: 'muted', 'data-signature': 'unchecked' },
      'signature not checked: this browser has no Ed25519 in WebCrypto (use facetrail log verify)');
  }
  return verdict
    ? el('span', { class: 'ok', 'data-signature': 'valid' }, 'valid, by ' + logKey.split('+')[0])
    : el('span', { class: 'bad', 'data-signature': 'invalid' }, 'INVALID for key ' + logKey);
}

async function loadCheckpoint() {
  const box = $('checkpoint');
  try {
    const note = await api('/v1/audit/checkpoint');
    latest = parseCheckpoint(note);
    clear(box);
    append(box, el('dl', {},
      el('dt', {}, 'Log'), el('dd', {}, latest.origin),
      el('dt', {}, 'Entries'), el('dd', { id: 'cp-size' }, latest.size),
      el('dt', {}, 'Root hash'), el('dd', { id: 'cp-root' }, latest.root),
      el('dt', {}, 'Signature'), el('dd', {}, await signatureLine(latest))),
      el('details', {}, el('summary', {}, 'Signed note'), el('pre', {}, note)));
  } catch (e) {
    showError(box, e);
  }
}

function prettyEntry(text) {
  try {
    return JSON.stringify(JSON.parse(text), null, 2);
  } catch (_) {
    return text;
  }
}

async function fetchEntry(ev) {
  ev.preventDefault();
  const out = $('entry');
  const index = $('index').value.trim();
  if (!/^[0-9]{1,19}$/.test(index)) {
    showError(out, new Error('Enter an entry index (a whole number).'));
    return;
  }
  clear(out);
  append(out, el('p', { class: 'muted' }, 'Fetching entry ' + index + '…'));
  try {
    const r = await api('/v1/audit/entries/' + index);
    // The proof is for the checkpoint the node returned with it; that checkpoint must be
    // signed, and its size and root are read from the signed text, not the JSON beside it.
    const cp = parseCheckpoint(r.checkpoint.note);
    const sig = await signatureLine(cp);
    const check = await verifyInclusion(r.entry, BigInt(r.index), BigInt(cp.size), r.inclusion_proof, cp.root);
    const ok = check.ok && String(r.index) === index;
    clear(out);
    append(out, el('div', { class: 'panel', id: 'verdict', 'data-verified': ok ? 'true' : 'false' },
      el('p', { class: ok ? 'ok' : 'bad', role: 'status' },
        ok ? 'Verified: entry ' + index + ' is in the log of ' + cp.size + ' entries.'
           : 'FAILED: the proof does not lead to the checkpoint root.'),
      el('dl', {},
        el('dt', {}, 'Leaf hash (computed)'), el('dd', {}, bytesToB64(check.leaf)),
        el('dt', {}, 'Root (computed)'), el('dd', {}, bytesToB64(check.root)),
        el('dt', {}, 'Root (checkpoint)'), el('dd', {}, cp.root),
        el('dt', {}, 'Proof length'), el('dd', {}, String(r.inclusion_proof.length)),
        el('dt', {}, 'Checkpoint signature'), el('dd', {}, sig)),
      el('h2', {}, 'Entry ' + index),
      el('pre', { id: 'entry-text' }, prettyEntry(r.entry))));
  } catch (e) {
    showError(out, e);
  }
}

$('refresh').addEventListener('click', loadCheckpoint);
$('fetch-entry').addEventListener('submit', fetchEntry);
loadCheckpoint();
