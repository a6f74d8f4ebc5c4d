// Reviewer page: pending leads with the probe and the candidate's reference side by side
// (fetched with the bearer token into blob: URLs), and a blind confirm/reject with a note.
// It never shows other reviewers' decisions: the node withholds them while a lead is
// pending, and this page does not render the field at all.
import { api, bindTokenField, el, append, clear, showError, fmrInWords, fmtScore } from './common.js';

const $ = (id) => document.getElementById(id);
const list = $('leads');
const status = $('status');
let blobUrls = [];

bindTokenField($('token'), $('forget'));
$('load').addEventListener('click', load);

async function imageUrl(leadId, which) {
  const res = await api('/v1/leads/' + encodeURIComponent(leadId) + '/' + which, { raw: true });
  const url = URL.createObjectURL(await res.blob());
  blobUrls.push(url);
  return url;
}

function releaseImages() {
  for (const u of blobUrls) URL.revokeObjectURL(u);
  blobUrls = [];
}

async function figure(leadId, which, caption) {
  const fig = el('figure', {});
  const img = el('img', { alt: caption, 'data-image': which });
  append(fig, img, el('figcaption', {}, caption));
  try {
    img.src = await imageUrl(leadId, which);
  } catch (e) {
    img.alt = caption + ' (unavailable: ' + e.message + ')';
    append(fig, el('p', { class: 'error' }, e.message));
  }
  return fig;
}

async function card(lead) {
  const note = el('textarea', { rows: '2', maxlength: '2000', id: 'note-' + lead.lead_id,
                                'aria-label': 'Note for lead ' + lead.lead_id });
  const out = el('p', { 'aria-live': 'polite' });
  const confirmBtn = el('button', { type: 'button', class: 'confirm', 'data-action': 'confirm' }, 'Confirm: same person');
  const rejectBtn = el('button', { type: 'button', class: 'reject', 'data-action': 'reject' }, 'Reject: not the same person');
  const decide = async (decision) => {
    confirmBtn.disabled = rejectBtn.disabled = true;
    try {
      const r = await api('/v1/leads/' + encodeURIComponent(lead.lead_id) + '/decisions', {
        method: 'POST', type: 'application/json',
        body: JSON.stringify({ decision, note: note.value }),
      });
      clear(out);
      append(out, el('span', { class: 'ok', 'data-decided': decision },
        'Your decision (' + decision + ') is recorded as audit entry ' + r.audit_index + '. ',
        r.state === 'pending' ? 'The lead awaits other reviewers.' : 'The lead is now ' + r.state + '.'));
    } catch (e) {
      showError(out, e);
      confirmBtn.disabled = rejectBtn.disabled = false;
    }
  };
  confirmBtn.addEventListener('click', () => decide('confirm'));
  rejectBtn.addEventListener('click', () => decide('reject'));

  const box = el('article', { class: 'panel lead', 'data-lead-id': lead.lead_id },
    el('h2', {}, 'Lead ' + lead.lead_id),
    el('p', { class: 'lead-label' }, 'Investigative lead — not a basis for arrest'),
    el('dl', {},
      el('dt', {}, 'Case'), el('dd', {}, lead.case_number),
      el('dt', {}, 'Candidate'), el('dd', {}, lead.identity + ' (rank ' + lead.rank + ')'),
      el('dt', {}, 'Score'), el('dd', {}, fmtScore(lead.score)),
      el('dt', {}, 'False leads'), el('dd', {}, fmrInWords(lead.estimated_fmr,
          'searches of a gallery this size', 'return a different person scoring this high')),
      el('dt', {}, 'Reviewers needed'), el('dd', {}, String(lead.required_reviewers))),
    el('div', { class: 'pair' },
      await figure(lead.lead_id, 'probe', 'Probe photo (from the query)'),
      await figure(lead.lead_id, 'reference', 'Enrolled reference of ' + lead.identity)));
  if (lead.decided_by_me) {
    append(box, el('p', { class: 'muted' }, 'You have already decided on this lead; it awaits other reviewers.'));
  } else {
    append(box, el('label', { for: note.id }, 'Note ', el('span', { class: 'hint' }, '(what you compared; recorded in the log)')),
      note, el('div', { class: 'row' }, confirmBtn, rejectBtn), out);
  }
  return box;
}

async function load() {
  releaseImages();
  clear(list);
  status.textContent = 'Loading…';
  try {
    const r = await api('/v1/leads?state=pending');
    const leads = r.leads || [];
    status.textContent = leads.length === 0 ? 'No pending leads.' : leads.length + ' pending lead(s).';
    for (const lead of leads) append(list, await card(lead));
  } catch (e) {
    status.textContent = '';
    showError(list, e);
  }
}

if ($('token').value) load();
