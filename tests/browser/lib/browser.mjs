// Launch helpers for facetrail's browser tests: Debian's /usr/bin/chromium driven by
// playwright-core (no browser download), headless, sandbox off (containers), no network
// side traffic, a fresh profile per launch. Other browser tests import these.
//
//   const b = await launchChromium();          // or null + reason when unavailable
//   const page = await b.context.newPage();
//   ...
//   await b.close();                           // closes the browser, deletes the profile
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const CHROMIUM = process.env.FACETRAIL_CHROMIUM || '/usr/bin/chromium';

export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

// The repository root (tests/browser/lib -> ../../..).
export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

// The facetrail binary built by the default build (build/facetrail), or $FACETRAIL_BINARY.
export function facetrailBinary() {
  return process.env.FACETRAIL_BINARY || join(REPO_ROOT, 'build', 'facetrail');
}

// $FACETRAIL_DATA, else ../shared/data beside the repository.
export function dataDir() {
  return process.env.FACETRAIL_DATA || resolve(REPO_ROOT, '..', 'shared', 'data');
}

// $FACETRAIL_MODELS_DIR, else <repo>/models.
export function modelsDir() {
  return process.env.FACETRAIL_MODELS_DIR || join(REPO_ROOT, 'models');
}

// A fresh temporary directory; remove it with rmSync(dir, {recursive: true, force: true}).
export function tempDir(prefix = 'facetrail-browser-') {
  return mkdtempSync(join(tmpdir(), prefix));
}

// Why the browser cannot run here, or null if it can.
export function chromiumMissing() {
  if (!existsSync(CHROMIUM)) return `chromium not found at ${CHROMIUM}`;
  return null;
}

// Launches chromium with a fresh user-data dir. Returns {browser, context, close}.
// Throws if playwright-core is not installed (run `npm ci` in tests/browser).
export async function launchChromium({ viewport = { width: 1100, height: 900 } } = {}) {
  const { chromium } = await import('playwright-core');
  const profile = tempDir('facetrail-chromium-profile-');
  let context;
  try {
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: CHROMIUM_ARGS,
      viewport,
      offline: true,  // the pages under test must not need the network
    });
  } catch (e) {
    rmSync(profile, { recursive: true, force: true });
    throw e;
  }
  return {
    context,
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}
