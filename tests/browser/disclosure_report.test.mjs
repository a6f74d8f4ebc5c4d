// Renders a disclosure report made by a small real run (`facetrail eval disclose --limit`)
// in Debian's chromium and checks the plots are there and drawn: the DET curve and the
// per-group bars must contain plotted paths / bars, not just empty frames. Skips with a
// message when the binary, models, data or browser are absent.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

import {
  chromiumMissing, dataDir, facetrailBinary, launchChromium, modelsDir, tempDir,
} from './lib/browser.mjs';

function missingPrerequisite() {
  const bin = facetrailBinary();
  if (!existsSync(bin)) return `facetrail binary not built at ${bin}`;
  if (!existsSync(join(modelsDir(), 'manifest.json'))) return `no models at ${modelsDir()}`;
  for (const d of ['lfw-dev', 'utkface-dev', 'pad-dev']) {
    if (!existsSync(join(dataDir(), d))) return `data set ${d} not found under ${dataDir()}`;
  }
  return chromiumMissing();
}

test('disclosure report renders with DET and group-bar plots', async (t) => {
  const missing = missingPrerequisite();
  if (missing) {
    t.skip(missing);
    return;
  }
  const out = tempDir('facetrail-disclosure-');
  const run = spawnSync(facetrailBinary(), [
    'eval', 'disclose', '--data', dataDir(), '--out', out, '--limit', '300',
    '--models', modelsDir(), '--cache', join(out, 'cache'),
  ], { encoding: 'utf8', timeout: 600_000 });
  assert.equal(run.status, 0, `eval disclose failed:\n${run.stderr}`);
  for (const f of ['disclosure.json', 'disclosure.json.sig', 'index.html']) {
    assert.ok(statSync(join(out, f)).size > 0, `${f} is empty`);
  }
  const doc = JSON.parse(readFileSync(join(out, 'disclosure.json'), 'utf8'));
  assert.equal(doc.format, 'facetrail-disclosure/1');
  assert.ok(typeof doc.threshold.score === 'number');

  const b = await launchChromium();
  try {
    const page = await b.context.newPage();
    const errors = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    await page.goto(pathToFileURL(join(out, 'index.html')).href);
    assert.match(await page.locator('#summary').innerText(), /comparisons of two different people/);

    // DET: at least one plotted series path with real geometry.
    const det = page.locator('#det svg');
    assert.equal(await det.count(), 1, 'DET svg missing');
    const detPaths = await det.locator('path.series').evaluateAll((ps) =>
      ps.map((p) => ({ len: p.getTotalLength(), d: p.getAttribute('d') })));
    assert.ok(detPaths.length >= 1, 'DET has no plotted series');
    assert.ok(detPaths.some((p) => p.len > 50), `DET paths are degenerate: ${JSON.stringify(detPaths)}`);

    // Group bars: bars with a visible width, and CI whiskers.
    const groups = page.locator('figure.group-bars svg');
    assert.ok(await groups.count() >= 1, 'no group-bar svg');
    const bars = await groups.locator('rect.bar').evaluateAll((rs) =>
      rs.map((r) => r.getBBox().width));
    assert.ok(bars.length >= 2, `expected bars for at least two groups, got ${bars.length}`);
    assert.ok(await groups.locator('line.whisker').count() >= 2, 'no CI whiskers');

    // The SVGs are laid out (not zero-sized) in the rendered page.
    const box = await det.boundingBox();
    assert.ok(box && box.width > 200 && box.height > 150, `DET not laid out: ${JSON.stringify(box)}`);

    const shot = join(out, 'disclosure.png');
    await page.screenshot({ path: shot, fullPage: true });
    assert.ok(statSync(shot).size > 10_000, 'screenshot suspiciously small');
    assert.deepEqual(errors, []);
    t.diagnostic(`report and screenshot in ${out}`);
  } finally {
    await b.close();
  }
});
