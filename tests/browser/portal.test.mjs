// The hub's transparency portal in Debian's chromium: a real `facetrail hub serve` with
// two registered agencies, reports posted over HTTP (pd-a's signed by its node key, pd-b's
// unsigned), a signed revocation list and a stale log alert; checks that the agencies, the
// report signature state, the alert and the query plot render. Skips with a
// message when the binary or the browser is absent.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

import { REPO_ROOT, chromiumMissing, facetrailBinary, launchChromium, tempDir } from './lib/browser.mjs';

function keygen(dir, name, file) {
  const r = spawnSync(facetrailBinary(), ['note', 'keygen', '--name', name, '--out', join(dir, file)],
                      { encoding: 'utf8' });
  assert.equal(r.status, 0, `note keygen failed: ${r.stderr}`);
  return r.stdout.trim();
}

// Starts the hub and resolves with its first stdout line (JSON: url, admin_token, witness_key).
function startHub(dir, vkeyFile) {
  const hub = spawn(facetrailBinary(), [
    'hub', 'serve', '--data', join(dir, 'hub'), '--listen', '127.0.0.1:0',
    '--authority-key-file', vkeyFile, '--stale-after', '1', '--portal-dir', join(REPO_ROOT, 'web', 'portal'),
  ], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  hub.stderr.on('data', (d) => { stderr += d; });
  return new Promise((resolve, reject) => {
    const lines = createInterface({ input: hub.stdout });
    lines.once('line', (l) => resolve({ hub, info: JSON.parse(l) }));
    hub.once('exit', (code) => reject(new Error(`hub exited ${code}: ${stderr}`)));
  });
}

// The canonical JSON of a signed report (docs/hub.md "Reports"): keys sorted, no white space.
function canonical(v) {
  if (Array.isArray(v)) return '[' + v.map(canonical).join(',') + ']';
  if (v && typeof v === 'object') {
    return '{' + Object.keys(v).sort().map((k) => JSON.stringify(k) + ':' + canonical(v[k])).join(',') + '}';
  }
  return JSON.stringify(v);
}

// A report signed with `keyFile` by the CLI (`facetrail note sign`), as a node sends it.
function signReport(dir, keyFile, report) {
  const textFile = join(dir, 'report.txt');
  writeFileSync(textFile, 'facetrail-report/v1\n' + canonical(report) + '\n');
  const r = spawnSync(facetrailBinary(), ['note', 'sign', '--key-file', join(dir, keyFile), textFile],
                      { encoding: 'utf8' });
  assert.equal(r.status, 0, `note sign failed: ${r.stderr}`);
  return r.stdout;
}

async function post(url, body, token, type = 'application/json') {
  const res = await fetch(url, { method: 'POST', body, headers: { 'Content-Type': type, Authorization: `Bearer ${token}` } });
  const text = await res.text();
  assert.ok(res.ok, `POST ${url}: ${res.status} ${text}`);
  return text ? JSON.parse(text) : null;
}

test('portal renders agencies, an alert and a query plot', async (t) => {
  const bin = facetrailBinary();
  const missing = !existsSync(bin) ? `facetrail binary not built at ${bin}` : chromiumMissing();
  if (missing) {
    t.skip(missing);
    return;
  }
  const dir = tempDir('facetrail-portal-');
  let hub;
  let b;
  try {
    const authority = keygen(dir, 'authority.example', 'authority.key');
    writeFileSync(join(dir, 'authority.vkey'), authority + '\n');
    const started = await startHub(dir, join(dir, 'authority.vkey'));
    hub = started.hub;
    const { url, admin_token: admin } = started.info;
    assert.ok(admin, 'first start prints the admin token');

    const tokens = {};
    // pd-a registers a node key (its reports are signed); pd-b does not (unsigned).
    const nodeKeyA = keygen(dir, 'pd-a.example/log/report', 'pd-a-report.key');
    for (const [id, name] of [['pd-a', 'Avalon Police'], ['pd-b', 'Brook County Sheriff']]) {
      const logKey = keygen(dir, `${id}.example/log`, `${id}.key`);
      const reg = { id, name, jurisdiction: 'Testshire', log_key: logKey, contact: `oversight@${id}.example` };
      if (id === 'pd-a') reg.node_key = nodeKeyA;
      const r = await post(`${url}/hub/v1/agencies`, JSON.stringify(reg), admin);
      tokens[id] = r.agency_token;
    }
    for (const [i, [match, noMatch]] of [[3, 5], [7, 9], [12, 10]].entries()) {
      const report = {
        generated_at: `2026-12-04T10:0${i}:00.000000Z`, node: 'node-1', agency: 'pd-a',
        model: { id: 'mobilefacenet', sha256: '0'.repeat(64) }, policy: { serial: 1 },
        usage: { verify: { robbery: { match, no_match: noMatch } } } };
      await post(`${url}/hub/v1/agencies/pd-a/report`, signReport(dir, 'pd-a-report.key', report), tokens['pd-a'],
                 'text/plain');
    }
    await post(`${url}/hub/v1/agencies/pd-b/report`, JSON.stringify({
      node: 'node-1', agency: 'pd-b', usage: { verify: { fraud: { no_match: 1 } } } }), tokens['pd-b']);
    const list = spawnSync(bin, ['hub', 'revoke', '--authority-key-file', join(dir, 'authority.key'),
                                 '--sequence', '1', '--agency', 'pd-b'], { encoding: 'utf8' });
    assert.equal(list.status, 0, list.stderr);
    await post(`${url}/hub/v1/revocations`, list.stdout, admin, 'text/plain');
    // No log has advanced: after the 1 s window both raise stale alerts.
    await new Promise((r) => setTimeout(r, 2100));

    b = await launchChromium();
    await b.context.setOffline(false);  // the hub is on loopback; nothing else may be fetched
    const page = await b.context.newPage();
    const foreign = [];
    page.on('request', (r) => { if (!r.url().startsWith(url)) foreign.push(r.url()); });
    const errors = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    await page.goto(url + '/');
    await page.waitForSelector('body[data-loaded="true"]', { timeout: 10_000 });

    const rows = page.locator('#agencies tbody tr');
    assert.equal(await rows.count(), 2);
    assert.match(await rows.nth(0).innerText(), /Avalon Police/);
    assert.ok(await rows.nth(0).locator('.yes').count() >= 1, 'pd-a policy not shown as published');
    assert.match(await rows.nth(1).innerText(), /suspended/);
    assert.match(await rows.nth(0).innerText(), /signed by the node/);
    assert.match(await rows.nth(1).innerText(), /unsigned/);

    const stale = page.locator('#alerts li[data-kind="stale"]');
    assert.equal(await stale.count(), 2);
    assert.ok(await stale.first().isVisible());

    const plot = page.locator('figure.plot[data-agency="pd-a"] svg.query-plot');
    assert.equal(await plot.count(), 1, 'no plot for pd-a');
    assert.equal(await plot.locator('circle').count(), 3);
    const line = await plot.locator('polyline').evaluate((p) => p.getTotalLength());
    assert.ok(line > 50, `plot line is degenerate (${line})`);
    const box = await plot.boundingBox();
    assert.ok(box && box.width > 100 && box.height > 50, 'plot is not laid out');
    assert.match(await page.locator('#revocations').innerText(), /agency pd-b/);
    assert.deepEqual(errors, []);
    assert.deepEqual(foreign, []);
  } finally {
    if (b) await b.close();
    if (hub) hub.kill('SIGTERM');
    rmSync(dir, { recursive: true, force: true });
  }
});
