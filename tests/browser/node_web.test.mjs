// The node's web pages in Debian's chromium against a real `facetrail serve`: a fresh
// authority key and signed demo policy, users made with `facetrail users` (training
// attested), LFW identities enrolled through the API with the enroller's token. Then an
// officer uploads a photo on officer.html and sees a lead, two reviewers confirm it on
// reviewer.html, and the auditor page verifies an inclusion proof in the page.
// Skips with a message when the binary (with `serve`), the browser, the models or the
// data are absent.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';

import { REPO_ROOT, chromiumMissing, dataDir, facetrailBinary, launchChromium, modelsDir, tempDir } from './lib/browser.mjs';

const BIN = facetrailBinary();

function run(args) {
  const r = spawnSync(BIN, args, { encoding: 'utf8' });
  assert.equal(r.status, 0, `facetrail ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

function whyMissing() {
  if (!existsSync(BIN)) return `facetrail binary not built at ${BIN}`;
  const help = spawnSync(BIN, ['serve', '--help'], { encoding: 'utf8' });
  if (help.status !== 0) return `${BIN} has no 'serve' command yet`;
  if (!existsSync(join(modelsDir(), 'manifest.json'))) return `no models in ${modelsDir()} (run scripts/setup.sh)`;
  if (!existsSync(join(dataDir(), 'lfw-dev', 'images'))) return `no LFW data in ${dataDir()} (set FACETRAIL_DATA)`;
  return chromiumMissing();
}

// Starts the node; resolves with {proc, url} once it prints its listening line.
function serve(dataDirPath, vkey, policy) {
  const proc = spawn(BIN, ['serve', '--data', dataDirPath, '--authority-key', vkey, '--policy', policy,
                           '--listen', '127.0.0.1:0', '--web', join(REPO_ROOT, 'web')],
                     { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  proc.stderr.on('data', (d) => { err += d; });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`node did not start in 120 s: ${err}`)), 120000);
    proc.stdout.on('data', (d) => {
      out += d;
      const m = /facetrail node listening on (http:\/\/\S+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve({ proc, url: m[1] });
      }
    });
    proc.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`node exited ${code}: ${err}`));
    });
  });
}

function stop(proc) {
  return new Promise((resolve) => {
    if (proc.exitCode !== null) return resolve(proc.exitCode);
    proc.once('exit', (code) => resolve(code));
    proc.kill('SIGTERM');
  });
}

// LFW identities with at least two images on disk: [{name, files}] sorted by name.
function lfwIdentities(count) {
  const dir = join(dataDir(), 'lfw-dev', 'images');
  const by = new Map();
  for (const f of readdirSync(dir).sort()) {
    const m = /^(.+)_\d{4}\.jpg$/.exec(f);
    if (!m) continue;
    if (!by.has(m[1])) by.set(m[1], []);
    by.get(m[1]).push(join(dir, f));
  }
  return [...by].filter(([, files]) => files.length >= 2).slice(0, count).map(([name, files]) => ({ name, files }));
}

test('officer sees a lead, two reviewers confirm it, the auditor verifies a proof', { timeout: 600000 }, async (t) => {
  const missing = whyMissing();
  if (missing) {
    t.skip(missing);
    return;
  }
  const dir = tempDir('facetrail-node-web-');
  const data = join(dir, 'node');
  let node = null;
  let browser = null;
  try {
    const vkey = run(['note', 'keygen', '--name', 'test-authority', '--out', join(dir, 'authority.key')]).trim();
    run(['policy', 'sign', '--key-file', join(dir, 'authority.key'), join(REPO_ROOT, 'config', 'demo-policy.json'),
         '--out', join(dir, 'policy.bundle')]);
    // First start writes the node's config; users are managed on the stopped node.
    node = await serve(data, vkey, join(dir, 'policy.bundle'));
    assert.equal(await stop(node.proc), 0, 'node did not stop cleanly on SIGTERM');
    const token = {};
    for (const [id, role] of [['officer1', 'officer'], ['reviewer1', 'reviewer'], ['reviewer2', 'reviewer'],
                              ['auditor1', 'auditor'], ['enroller1', 'enroller']]) {
      token[id] = JSON.parse(run(['users', 'add', '--data', data, '--id', id, '--name', id, '--role', role])).token;
      assert.match(token[id], /^ft_/);
    }
    for (const id of ['officer1', 'reviewer1', 'reviewer2']) {
      run(['users', 'train', '--data', data, '--id', id, '--training-id', 'course-1', '--days', '365']);
    }
    node = await serve(data, vkey, join(dir, 'policy.bundle'));
    const url = node.url;

    const people = lfwIdentities(6);
    for (const p of people) {
      const res = await fetch(url + '/v1/identities', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', Authorization: 'Bearer ' + token.enroller1 },
        body: JSON.stringify({ identity_id: p.name, images: [readFileSync(p.files[0]).toString('base64')] }),
      });
      assert.equal(res.status, 201, `enrol ${p.name}: ${await res.text()}`);
    }

    browser = await launchChromium({ viewport: { width: 390, height: 844 } });  // a phone
    // The launch helper starts offline, which also cuts loopback; allow only the node
    // itself and fail the test on any other request.
    await browser.context.setOffline(false);
    const externalRequests = [];
    await browser.context.route('**/*', (route) => {
      const u = route.request().url();
      if (u.startsWith(url + '/')) return route.continue();
      externalRequests.push(u);
      return route.abort();
    });

    // Officer: search with a second photo of an enrolled person until a lead names them.
    const officer = await browser.context.newPage();
    await officer.goto(url + '/officer.html');
    await officer.fill('#token', token.officer1);
    await officer.dispatchEvent('#token', 'change');
    await officer.check('input[name=mode][value=search]');
    await officer.waitForSelector('#purpose option[value=robbery]', { state: 'attached' });
    await officer.selectOption('#purpose', 'robbery');
    await officer.fill('#case', '2026-WEB-7');
    await officer.fill('#authority', 'warrant W-9');
    let lead = null;
    let auditIndex = null;
    for (const p of people) {
      await officer.setInputFiles('#photo', p.files[1]);
      await officer.click('#submit');
      const box = await officer.waitForSelector('#search-result, #result .error', { timeout: 60000 });
      const text = await box.textContent();
      assert.ok(await box.getAttribute('id') === 'search-result', `search failed: ${text}`);
      assert.match(text, /Investigative lead — not a basis for arrest/);
      auditIndex = await officer.textContent('[data-audit-index]');
      const first = await officer.$('li.lead');
      if (first && (await first.textContent()).includes(p.name)) {
        assert.match(await first.textContent(), /about 1 in [\d,]+ searches of a gallery this size/);
        lead = await first.getAttribute('data-lead-id');
        break;
      }
    }
    assert.ok(lead, 'no search returned the right person as a lead');

    // Two reviewers, each in their own tab (their own sessionStorage).
    for (const [i, reviewer] of ['reviewer1', 'reviewer2'].entries()) {
      const page = await browser.context.newPage();
      await page.goto(url + '/reviewer.html');
      await page.fill('#token', token[reviewer]);
      await page.dispatchEvent('#token', 'change');
      await page.click('#load');
      const card = await page.waitForSelector(`article[data-lead-id="${lead}"]`, { timeout: 30000 });
      // Both photos render (fetched with the token into blob: URLs).
      await page.waitForFunction((id) => {
        const imgs = document.querySelectorAll(`article[data-lead-id="${id}"] img`);
        return imgs.length === 2 && [...imgs].every((im) => im.complete && im.naturalWidth > 0);
      }, lead);
      assert.doesNotMatch(await card.textContent(), /reviewer1|reviewer2/, 'another reviewer is visible');
      await (await card.$('textarea')).fill('same ear shape and hairline');
      await (await card.$('button[data-action=confirm]')).click();
      const done = await page.waitForSelector(`article[data-lead-id="${lead}"] [data-decided=confirm]`);
      assert.match(await done.textContent(), i === 0 ? /awaits other reviewers/ : /now confirmed/);
      await page.close();
    }

    // Auditor: the officer's query entry, verified in the page.
    const auditor = await browser.context.newPage();
    await auditor.goto(url + '/auditor.html');
    await auditor.waitForSelector('#cp-size');
    await auditor.fill('#token', token.auditor1);
    await auditor.dispatchEvent('#token', 'change');
    await auditor.fill('#index', auditIndex);
    await auditor.click('#fetch-entry button[type=submit]');
    const verdict = await auditor.waitForSelector('#verdict', { timeout: 30000 });
    assert.equal(await verdict.getAttribute('data-verified'), 'true', await verdict.textContent());
    assert.match(await auditor.textContent('#entry-text'), /query\.search/);
    // The checkpoint's Ed25519 signature: valid, or honestly "not checked" where this
    // chromium lacks Ed25519 in WebCrypto; never invalid.
    const sig = await auditor.getAttribute('#verdict [data-signature]', 'data-signature');
    assert.ok(sig === 'valid' || sig === 'unchecked', `checkpoint signature: ${sig}`);
    console.log(`# auditor page: proof verified, checkpoint signature ${sig}`);
    assert.deepEqual(externalRequests, []);
  } finally {
    if (browser) await browser.close();
    if (node) await stop(node.proc);
    rmSync(dir, { recursive: true, force: true });
  }
});
