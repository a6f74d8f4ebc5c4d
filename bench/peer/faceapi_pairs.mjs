// Peer accuracy: @vladmandic/face-api's own LFW pair verification, as its documentation
// uses it: detectSingleFace().withFaceLandmarks().withFaceDescriptor() per image, euclidean
// distance between descriptors, "same" when distance < 0.6 (face-api's default threshold,
// FaceMatcher's distanceThreshold). tfjs + wasm backend, one thread.
//
// Usage (node_modules from tools/reference: cd tools/reference && npm ci):
//   node bench/peer/faceapi_pairs.mjs --pairs CSV --images DIR [--folds 1,2] [--limit N]
//     CSV header: fold,image_a,image_b,same (fold optional)
//     --folds   only these folds (default: all)
//     --limit   at most N pairs, evenly spaced over the selected ones (a subset for speed)
// A pair where face-api finds no face in either image counts as predicted "different"
// (fail closed) in `accuracy_at_default_threshold`; `accuracy_on_acquired` leaves such
// pairs out. Prints one JSON object on stdout; progress on stderr.

import fs from 'node:fs';
import path from 'node:path';
import { faceapi, tf, packageVersion } from '../../tools/reference/lib.mjs';
import { parseArgs, decodeToTensor, loadFaceapiNets, describe } from './faceapi_pipeline.mjs';

const kThreshold = 0.6;

function die(msg) {
  process.stderr.write(`faceapi_pairs: ${msg}\n`);
  process.exit(2);
}

function readPairs(csvPath) {
  const lines = fs.readFileSync(csvPath, 'utf8').split('\n').map((s) => s.trim()).filter(Boolean);
  const header = lines[0].split(',');
  const col = (n) => header.indexOf(n);
  const [ia, ib, is, ifold] = [col('image_a'), col('image_b'), col('same'), col('fold')];
  if (ia < 0 || ib < 0 || is < 0) die(`${csvPath}: header needs image_a,image_b,same`);
  return lines.slice(1).map((l) => {
    const f = l.split(',');
    return { a: f[ia], b: f[ib], same: f[is] === '1', fold: ifold >= 0 ? f[ifold] : '' };
  });
}

async function main() {
  const opts = parseArgs(process.argv.slice(2), { pairs: '', images: '', folds: '', limit: '0' });
  if (!opts.pairs || !opts.images) die('--pairs CSV and --images DIR are required');
  let pairs = readPairs(opts.pairs);
  if (opts.folds) {
    const keep = new Set(opts.folds.split(','));
    pairs = pairs.filter((p) => keep.has(p.fold));
  }
  const limit = Number(opts.limit);
  if (!Number.isInteger(limit) || limit < 0) die('--limit must be a non-negative integer');
  if (limit > 0 && limit < pairs.length) {
    const all = pairs;
    pairs = Array.from({ length: limit }, (_, i) => all[Math.floor(i * all.length / limit)]);
  }
  if (pairs.length === 0) die('no pairs selected');
  const rt = await loadFaceapiNets();

  const cache = new Map();  // image name -> descriptor | null
  let ms = 0;
  const descriptorOf = async (name) => {
    if (!cache.has(name)) {
      const t = decodeToTensor(path.join(opts.images, name));
      const t0 = performance.now();
      cache.set(name, await describe(t));
      ms += performance.now() - t0;
      tf.dispose(t);
      if (cache.size % 100 === 0) process.stderr.write(`faceapi_pairs: ${cache.size} images\n`);
    }
    return cache.get(name);
  };

  let correct = 0;
  let acquired = 0;
  let correctAcquired = 0;
  for (const p of pairs) {
    const da = await descriptorOf(p.a);
    const db = await descriptorOf(p.b);
    let same = false;
    if (da && db) {
      const d = faceapi.euclideanDistance(da, db);
      same = d < kThreshold;
      acquired++;
      if (same === p.same) correctAcquired++;
    }
    if (same === p.same) correct++;
  }
  const missing = [...cache.values()].filter((d) => d === null).length;
  const out = {
    peer: `@vladmandic/face-api ${packageVersion('@vladmandic/face-api')}`,
    runtime: rt.runtime,
    pairs_csv: opts.pairs,
    folds: opts.folds || 'all',
    pairs: pairs.length,
    images: cache.size,
    faces_missing: missing,
    threshold: kThreshold,
    metric: 'euclidean distance < threshold',
    accuracy_at_default_threshold: Number((correct / pairs.length).toFixed(4)),
    pairs_acquired: acquired,
    accuracy_on_acquired: acquired ? Number((correctAcquired / acquired).toFixed(4)) : null,
    mean_ms_per_image: Number((ms / cache.size).toFixed(1)),
  };
  process.stdout.write(`${JSON.stringify(out)}\n`);
}

await main();
