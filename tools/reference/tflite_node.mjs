// Runs TFLite flatbuffers with @tensorflow/tfjs-tflite (the TFLite C++ runtime compiled to
// wasm, XNNPACK delegate) under Node. The package is written for browsers: its loader
// fetches an emscripten script with importScripts (when there is no `window`) and lets the
// script fetch its .wasm. These shims give it a file-based importScripts and hand the .wasm
// bytes over directly. Feature detection is run with SharedArrayBuffer hidden so the
// single-threaded SIMD build is chosen (the threaded build needs browser Web Workers).
// Import this module only after everything else has initialised: the shims add `self`,
// `location` and `importScripts` to the global object.

import fs from 'node:fs';
import path from 'node:path';
import vm from 'node:vm';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

export async function loadTFLiteFromFile(file) {
  const wasmDir = `${path.dirname(require.resolve('@tensorflow/tfjs-tflite/package.json'))}/wasm/`;
  globalThis.self = globalThis;
  globalThis.location = { origin: '', href: '' };
  globalThis.importScripts = (url) => {
    // Only the runtime scripts shipped in the package's wasm/ folder are ever loaded.
    if (!url.startsWith(wasmDir) || !fs.existsSync(url)) throw new Error(`importScripts: unexpected ${url}`);
    vm.runInThisContext(fs.readFileSync(url, 'utf8'), { filename: url });
    const factory = globalThis.tflite_web_api_ModuleFactory;
    const wasmBinary = fs.readFileSync(url.replace(/\.js$/, '.wasm'));
    globalThis.tflite_web_api_ModuleFactory = (opts) => factory({ ...opts, wasmBinary });
  };
  const tflite = require('@tensorflow/tfjs-tflite');
  tflite.setWasmPath(wasmDir);
  const sab = globalThis.SharedArrayBuffer;
  delete globalThis.SharedArrayBuffer;
  let features;
  try {
    features = await tflite.getWasmFeatures();
  } finally {
    globalThis.SharedArrayBuffer = sab;
  }
  if (features.multiThreading) throw new Error('tfjs-tflite picked the threaded build');
  const buf = fs.readFileSync(file);
  const model = await tflite.loadTFLiteModel(
    buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength), { numThreads: 1 });
  const version = JSON.parse(
    fs.readFileSync(require.resolve('@tensorflow/tfjs-tflite/package.json'), 'utf8')).version;
  return { model, runtime: `tfjs-tflite ${version} (TFLite wasm, simd ${features.simd}, 1 thread)` };
}
