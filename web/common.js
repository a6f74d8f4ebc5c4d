// Shared helpers of the node's pages: the API token (kept in sessionStorage, so it goes
// when the tab closes), fetch with the bearer token, safe DOM building (text only, never
// innerHTML with server data), and false-match rates in words.

const TOKEN_KEY = 'facetrail.token';

export function getToken() {
  return sessionStorage.getItem(TOKEN_KEY) || '';
}

export function setToken(token) {
  if (token) sessionStorage.setItem(TOKEN_KEY, token.trim());
  else sessionStorage.removeItem(TOKEN_KEY);
}

// Wires a token <input> and its "forget" button to sessionStorage.
export function bindTokenField(input, forgetButton) {
  input.value = getToken();
  input.addEventListener('change', () => setToken(input.value));
  if (forgetButton) {
    forgetButton.addEventListener('click', () => {
      setToken('');
      input.value = '';
      input.focus();
    });
  }
}

export class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

// fetch() against the node with the bearer token; JSON answers are parsed, errors thrown
// as ApiError with the server's message.
export async function api(path, { method = 'GET', body, type, raw = false } = {}) {
  const headers = {};
  const token = getToken();
  if (token) headers['Authorization'] = 'Bearer ' + token;
  if (type) headers['Content-Type'] = type;
  const res = await fetch(path, { method, headers, body, cache: 'no-store' });
  if (!res.ok) {
    let code = 'http_' + res.status;
    let message = 'HTTP ' + res.status;
    try {
      const j = await res.json();
      if (j && j.error) {
        code = String(j.error.code || code);
        message = String(j.error.message || message);
      }
    } catch (_) { /* not JSON */ }
    throw new ApiError(res.status, code, describeStatus(res.status) + message);
  }
  if (raw) return res;
  const ct = res.headers.get('Content-Type') || '';
  return ct.includes('application/json') ? res.json() : res.text();
}

function describeStatus(status) {
  switch (status) {
    case 401: return 'Not signed in (check the token): ';
    case 403: return 'Not allowed: ';
    case 413: return 'Too large: ';
    case 422: return 'Image refused: ';
    case 429: return 'Rate limit reached: ';
    case 503: return 'Node unavailable: ';
    default: return '';
  }
}

// el('p', {class: 'x'}, 'text', child) -> element; strings become text nodes.
export function el(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'class') e.className = v;
    else if (k.startsWith('on') && typeof v === 'function') e.addEventListener(k.slice(2), v);
    else e.setAttribute(k, v === true ? '' : String(v));
  }
  append(e, ...children);
  return e;
}

export function append(parent, ...children) {
  for (const c of children.flat()) {
    if (c === undefined || c === null || c === false) continue;
    parent.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return parent;
}

export function clear(node) {
  while (node.firstChild) node.removeChild(node.firstChild);
  return node;
}

export function showError(target, err) {
  clear(target);
  append(target, el('p', { class: 'error', role: 'alert' }, err && err.message ? err.message : String(err)));
}

// "about 1 in 25,000 comparisons of two different people score this high"
export function fmrInWords(fmr, what = 'comparisons of two different people', verb = 'score this high') {
  if (!(fmr > 0)) return 'no estimate available';
  if (fmr >= 0.5) return 'a different person would often ' + verb.replace(/^score/, 'score');
  const n = 1 / fmr;
  const rounded = n >= 100 ? Number(n.toPrecision(2)) : Math.round(n);
  return 'about 1 in ' + rounded.toLocaleString('en-US') + ' ' + what + ' ' + verb;
}

export function fmtScore(x) {
  return typeof x === 'number' ? x.toFixed(3) : String(x);
}

// Reads a File as base64 (no data: prefix).
export function fileToBase64(file) {
  return new Promise((resolve, reject) => {
    const r = new FileReader();
    r.onerror = () => reject(r.error);
    r.onload = () => {
      const s = String(r.result);
      resolve(s.slice(s.indexOf(',') + 1));
    };
    r.readAsDataURL(file);
  });
}
