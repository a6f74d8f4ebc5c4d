// Shared helpers for the reference runners: one tfjs instance (the one face-api binds to),
// the single-threaded wasm backend, file-based model loading, and SHA-256 of inputs.
// Everything here runs the ORIGINAL models in their own JS runtime; nothing is converted.

import { createRequire } from 'node:module';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);

export const here = path.dirname(fileURLToPath(import.meta.url));
export const repoRoot = path.resolve(here, '..', '..');

// face-api's node-wasm bundle requires the external @tensorflow/tfjs and
// @tensorflow/tfjs-backend-wasm packages, so faceapi.tf is the very tfjs instance used below.
export const faceapi = require('@vladmandic/face-api/dist/face-api.node-wasm.js');
export const tf = faceapi.tf;

export function packageVersion(name) {
  return JSON.parse(fs.readFileSync(require.resolve(`${name}/package.json`), 'utf8')).version;
}

// Single-threaded wasm (no worker pool) so that timings compare with 1-thread C++ runs and
// results do not depend on the host's core count. SIMD is used when Node supports it.
export async function initWasm() {
  tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
  await tf.setBackend('wasm');
  await tf.ready();
  if (tf.getBackend() !== 'wasm') throw new Error(`wasm backend not active: ${tf.getBackend()}`);
  const simd = await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT');
  const threads = await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT');
  return {
    runtime: `tfjs-wasm ${packageVersion('@tensorflow/tfjs-backend-wasm')}`,
    tfjs: packageVersion('@tensorflow/tfjs'),
    simd: Boolean(simd),
    threads: Boolean(threads),
  };
}

export function sha256File(file) {
  return crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex');
}

// Loads a TF.js graph model (model.json + weight shards) straight from disk: tfjs' own
// file:// handler needs tfjs-node, which is unavailable here.
export async function loadGraphModelFromFile(jsonPath) {
  const modelJson = JSON.parse(fs.readFileSync(jsonPath, 'utf8'));
  const dir = path.dirname(jsonPath);
  const weightSpecs = [];
  const buffers = [];
  const files = {};
  for (const group of modelJson.weightsManifest) {
    weightSpecs.push(...group.weights);
    for (const p of group.paths) {
      const full = path.join(dir, p);
      const buf = fs.readFileSync(full);
      files[p] = sha256File(full);
      buffers.push(buf);
    }
  }
  const all = Buffer.concat(buffers);
  const weightData = all.buffer.slice(all.byteOffset, all.byteOffset + all.byteLength);
  const handler = tf.io.fromMemory({
    modelTopology: modelJson.modelTopology,
    weightSpecs,
    weightData,
    format: modelJson.format,
    generatedBy: modelJson.generatedBy,
    convertedBy: modelJson.convertedBy,
    signature: modelJson.signature,
    userDefinedMetadata: modelJson.userDefinedMetadata,
  });
  const model = await tf.loadGraphModel(handler);
  files[path.basename(jsonPath)] = sha256File(jsonPath);
  return { model, files };
}
