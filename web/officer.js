// Officer page: verify (1:1) or search (1:N) with a photo, purpose and case number.
// Results are shown as leads with the estimated false-match rate in words and the audit
// index of the query's log entry.
import { api, bindTokenField, el, append, clear, showError, fmrInWords, fmtScore, fileToBase64 } from './common.js';

const $ = (id) => document.getElementById(id);
const form = $('query');
const result = $('result');

bindTokenField($('token'), $('forget'));

function mode() {
  return form.querySelector('input[name=mode]:checked').value;
}

function updateMode() {
  const search = mode() === 'search';
  $('identity-row').hidden = search;
  $('authority-row').hidden = !search;
  $('identity').required = !search;
  $('authority').required = search;
}
for (const r of form.querySelectorAll('input[name=mode]')) r.addEventListener('change', updateMode);
updateMode();

$('photo').addEventListener('change', () => {
  const f = $('photo').files[0];
  const img = $('preview');
  if (img.src) URL.revokeObjectURL(img.src);
  if (f) {
    img.src = URL.createObjectURL(f);
    img.alt = 'The photo to query with';
    img.hidden = false;
  } else {
    img.hidden = true;
  }
});

async function loadPurposes() {
  const sel = $('purpose');
  try {
    const p = await api('/v1/policy');
    clear(sel);
    append(sel, el('option', { value: '' }, 'Choose a purpose'));
    for (const purpose of p.purposes || []) append(sel, el('option', { value: purpose }, purpose));
    if (p.modes && p.modes.search && !p.modes.search.allowed) {
      form.querySelector('input[value=search]').disabled = true;
    }
    if (p.modes && p.modes.verify && !p.modes.verify.allowed) {
      form.querySelector('input[value=verify]').disabled = true;
    }
  } catch (e) {
    clear(sel);
    append(sel, el('option', { value: '' }, 'No valid use policy: queries are refused'));
    showError(result, e);
  }
}
loadPurposes();

function auditLine(r) {
  return el('p', { class: 'muted' }, 'Recorded in the audit log as entry ',
    el('strong', { 'data-audit-index': String(r.audit_index) }, String(r.audit_index)),
    ' under policy serial ' + r.policy_serial + '.');
}

function qualityNote(r) {
  return r.quality_flagged
    ? el('p', { class: 'bad' }, 'The photo is below the quality gate: treat any result with extra caution.')
    : null;
}

function showVerify(r, identity) {
  clear(result);
  const verdict = {
    match: ['ok', 'Possible match with ' + identity],
    no_match: ['muted', 'No match with ' + identity],
    inconclusive: ['bad', 'Inconclusive: the score is suggestive but below the operating threshold'],
  }[r.result] || ['muted', String(r.result)];
  append(result, el('div', { class: 'panel', id: 'verify-result', 'data-result': r.result },
    el('h2', {}, 'Result'),
    el('p', { class: 'lead-label' }, 'Investigative lead — not a basis for arrest'),
    el('p', { class: verdict[0] }, verdict[1]),
    el('dl', {},
      el('dt', {}, 'Score'), el('dd', {}, fmtScore(r.score) + ' (threshold ' + fmtScore(r.threshold) + ')'),
      el('dt', {}, 'False-match rate'), el('dd', {}, fmrInWords(r.estimated_fmr))),
    qualityNote(r),
    auditLine(r)));
}

function showSearch(r) {
  clear(result);
  const box = el('div', { class: 'panel', id: 'search-result', 'data-result': r.result },
    el('h2', {}, 'Result'),
    el('p', { class: 'lead-label' }, 'Investigative lead — not a basis for arrest'));
  if (!r.candidates || r.candidates.length === 0) {
    append(box, el('p', { id: 'no-candidate' }, 'No candidate in the gallery of ' + r.gallery_size + ' people.'));
  } else {
    append(box, el('p', {}, r.candidates.length === 1 ? 'One lead, pending review by '
        : r.candidates.length + ' leads, each pending review by ', 'trained reviewers before anyone may act on it.'));
    const list = el('ol', { class: 'candidates' });
    for (const c of r.candidates) {
      append(list, el('li', { class: 'lead', 'data-lead-id': c.lead_id },
        el('strong', {}, c.identity), ' — score ' + fmtScore(c.score) + '; ',
        fmrInWords(c.estimated_fmr, 'searches of a gallery this size', 'return a different person scoring this high'),
        el('br'), el('span', { class: 'muted' }, 'Lead ' + c.lead_id + ' (pending review)')));
    }
    append(box, list);
  }
  append(box, qualityNote(r), auditLine(r));
  append(result, box);
}

form.addEventListener('submit', async (ev) => {
  ev.preventDefault();
  const file = $('photo').files[0];
  const m = mode();
  const missing = [];
  if (!$('token').value.trim()) missing.push('API token');
  if (!file) missing.push('photo');
  if (!$('purpose').value) missing.push('purpose');
  if (!$('case').value.trim()) missing.push('case number');
  if (m === 'verify' && !$('identity').value.trim()) missing.push('claimed identity id');
  if (m === 'search' && !$('authority').value.trim()) missing.push('legal authority');
  if (missing.length) {
    showError(result, new Error('Please fill in: ' + missing.join(', ') + '.'));
    return;
  }
  const body = {
    image: await fileToBase64(file),
    purpose: $('purpose').value,
    case_number: $('case').value.trim(),
  };
  if (m === 'verify') body.identity_id = $('identity').value.trim();
  else body.legal_authority = $('authority').value.trim();
  const button = $('submit');
  button.disabled = true;
  clear(result);
  append(result, el('p', { class: 'muted' }, 'Querying…'));
  try {
    const r = await api('/v1/' + m, { method: 'POST', body: JSON.stringify(body), type: 'application/json' });
    if (m === 'verify') showVerify(r, body.identity_id);
    else showSearch(r);
  } catch (e) {
    showError(result, e);
  } finally {
    button.disabled = false;
  }
});
