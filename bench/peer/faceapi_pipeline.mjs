// Peer benchmark: @vladmandic/face-api's own full pipeline, per image, in Node 20 with
// @tensorflow/tfjs + the wasm backend on ONE thread (no worker pool):
//   detectSingleFace(img) [ssd_mobilenetv1, default options]
//     .withFaceLandmarks()       [68-point net]
//     .withFaceDescriptor()      [dlib ResNet descriptor]
// This is face-api's default API for "one face -> descriptor". Images are decoded with the
// pure-JS jpeg-js / pngjs (tfjs-node, face-api's usual decoder in Node, cannot be installed
// here); decode is timed separately so the pipeline time is face-api's work alone.
//
// Usage (node_modules come from tools/reference: cd tools/reference && npm ci):
//   node bench/peer/faceapi_pipeline.mjs --images DIR [--list FILE] [--n N] [--warmup W]
//     --list FILE   image names (one per line, relative to DIR); default: every *.jpg/*.png
//                   in DIR, sorted, then N of them evenly spaced
//     --n N         at most N images (default 100)
//     --warmup W    untimed runs on the first image first (default 3)
// Prints one JSON object on stdout: {images, faces_found, mean_ms, p50_ms, p90_ms, ...}
// where *_ms is the face-api pipeline per image (detect + landmarks + descriptor, decoded
// tensor in, descriptor out), and decode_mean_ms / total_mean_ms add the JS decode.

import fs from 'node:fs';
import path from 'node:path';
import { faceapi, tf, initWasm, packageVersion } from '../../tools/reference/lib.mjs';
import { createRequire } from 'node:module';

const require = createRequire(new URL('../../tools/reference/lib.mjs', import.meta.url));
const jpeg = require('jpeg-js');
const { PNG } = require('pngjs');

function die(msg) {
  process.stderr.write(`faceapi_pipeline: ${msg}\n`);
  process.exit(2);
}

export function parseArgs(argv, defaults) {
  const opts = { ...defaults };
  for (let i = 0; i < argv.length; i++) {
    const key = argv[i];
    if (!key.startsWith('--') || !(key.slice(2) in defaults)) die(`unknown argument ${key}`);
    if (i + 1 >= argv.length) die(`${key} needs a value`);
    opts[key.slice(2)] = argv[++i];
  }
  return opts;
}

// Evenly spaced pick of n names from the sorted folder listing (deterministic).
export function listImages(dir, listFile, n) {
  let names;
  if (listFile) {
    names = fs.readFileSync(listFile, 'utf8').split('\n').map((s) => s.trim()).filter(Boolean);
  } else {
    const all = fs.readdirSync(dir).filter((f) => /\.(jpe?g|png)$/i.test(f)).sort();
    const k = Math.min(n, all.length);
    names = Array.from({ length: k }, (_, i) => all[Math.floor(i * all.length / k)]);
  }
  return names.slice(0, n).map((f) => path.join(dir, f));
}

// Decodes JPEG/PNG bytes into an int32 [H, W, 3] RGB tensor, as face-api's own Node demos
// build their input tensors. Limits decoder memory on untrusted input.
export function decodeToTensor(file) {
  const buf = fs.readFileSync(file);
  let img;
  if (buf.length > 8 && buf[0] === 0x89 && buf[1] === 0x50) {
    img = PNG.sync.read(buf);
  } else {
    img = jpeg.decode(buf, { useTArray: true, formatAsRGBA: true, maxResolutionInMP: 50, maxMemoryUsageInMB: 512 });
  }
  const { width, height, data } = img;
  const rgb = new Int32Array(width * height * 3);
  for (let i = 0, j = 0; i < width * height * 4; i += 4, j += 3) {
    rgb[j] = data[i];
    rgb[j + 1] = data[i + 1];
    rgb[j + 2] = data[i + 2];
  }
  return tf.tensor3d(rgb, [height, width, 3], 'int32');
}

export async function loadFaceapiNets() {
  const rt = await initWasm();
  const modelDir = path.join(path.dirname(require.resolve('@vladmandic/face-api/package.json')), 'model');
  // Only the three nets the verification pipeline needs; never the age/gender/expression nets.
  await faceapi.nets.ssdMobilenetv1.loadFromDisk(modelDir);
  await faceapi.nets.faceLandmark68Net.loadFromDisk(modelDir);
  await faceapi.nets.faceRecognitionNet.loadFromDisk(modelDir);
  return rt;
}

// face-api's default one-face pipeline; returns the descriptor or null when no face.
export async function describe(tensor) {
  const r = await faceapi.detectSingleFace(tensor).withFaceLandmarks().withFaceDescriptor();
  return r ? r.descriptor : null;
}

function percentile(sorted, p) {
  if (sorted.length === 0) return null;
  const idx = Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1));
  return sorted[idx];
}

const round = (x) => (x === null ? null : Number(x.toFixed(2)));

async function main() {
  const opts = parseArgs(process.argv.slice(2), { images: '', list: '', n: '100', warmup: '3' });
  if (!opts.images) die('--images DIR is required');
  const n = Number(opts.n);
  const warmup = Number(opts.warmup);
  if (!Number.isInteger(n) || n <= 0) die('--n must be a positive integer');
  if (!Number.isInteger(warmup) || warmup < 0) die('--warmup must be a non-negative integer');
  const files = listImages(opts.images, opts.list, n);
  if (files.length === 0) die(`no images in ${opts.images}`);
  const rt = await loadFaceapiNets();

  const first = decodeToTensor(files[0]);
  for (let i = 0; i < warmup; i++) await describe(first);
  tf.dispose(first);

  const pipeline = [];
  const decode = [];
  let found = 0;
  for (const file of files) {
    const t0 = performance.now();
    const t = decodeToTensor(file);
    const t1 = performance.now();
    const d = await describe(t);
    const t2 = performance.now();
    tf.dispose(t);
    if (d) found++;
    decode.push(t1 - t0);
    pipeline.push(t2 - t1);
  }
  const mean = (a) => a.reduce((s, x) => s + x, 0) / a.length;
  const sorted = [...pipeline].sort((a, b) => a - b);
  const out = {
    peer: `@vladmandic/face-api ${packageVersion('@vladmandic/face-api')}`,
    runtime: rt.runtime,
    simd: rt.simd,
    threads: 1,
    pipeline: 'detectSingleFace(ssd_mobilenetv1).withFaceLandmarks().withFaceDescriptor()',
    images: files.length,
    faces_found: found,
    warmup,
    mean_ms: round(mean(pipeline)),
    p50_ms: round(percentile(sorted, 0.5)),
    p90_ms: round(percentile(sorted, 0.9)),
    decode_mean_ms: round(mean(decode)),
    total_mean_ms: round(mean(pipeline) + mean(decode)),
  };
  process.stdout.write(`${JSON.stringify(out)}\n`);
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
