#!/usr/bin/python3
"""Unit tests of the TF.js side of the model converter (run by ctest as convert_tfjs_test).

The numeric acceptance test of the converted models is the C++ test against JS-runtime
fixtures (src/vision/model_conversion_test.cc). These cover what it cannot see: weight
dequantisation paths no shipped model uses today, TF SAME padding arithmetic, refusal of
unknown ops and of the hard-line models, pin enforcement and byte-for-byte determinism.
"""

import json
import os
import shutil
import struct
import sys
import tempfile
import unittest

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)

import convert_all  # noqa: E402
import onnx_builder  # noqa: E402
import tfjs_graph  # noqa: E402
import tfjs_model  # noqa: E402

NPM = os.environ.get("FACETRAIL_NPM_CACHE", os.path.join(REPO, ".cache", "npm"))
BLAZEFACE = os.path.join(NPM, "vladmandic-human-3.3.6", "package", "models", "blazeface.json")


def _b64(s):
    import base64
    return base64.b64encode(s.encode()).decode()


def write_model(folder, nodes, weights_spec, blob):
    doc = {"format": "graph-model", "modelTopology": {"node": nodes},
           "weightsManifest": [{"paths": ["w.bin"], "weights": weights_spec}]}
    path = os.path.join(folder, "model.json")
    with open(path, "w") as f:
        json.dump(doc, f)
    with open(os.path.join(folder, "w.bin"), "wb") as f:
        f.write(blob)
    return path


class DequantiseTest(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp()

    def tearDown(self):
        shutil.rmtree(self.dir)

    def load(self, spec, blob):
        nodes = [{"name": spec["name"], "op": "Const"}]
        return tfjs_model.load(write_model(self.dir, nodes, [spec], blob)).weights[spec["name"]]

    def test_uint8_is_q_times_scale_plus_min(self):
        q = np.array([0, 1, 128, 255], dtype=np.uint8)
        got = self.load({"name": "w", "shape": [2, 2], "dtype": "float32",
                         "quantization": {"dtype": "uint8", "scale": 0.5, "min": -3.0}},
                        q.tobytes())
        np.testing.assert_array_equal(got, np.array([[-3.0, -2.5], [61.0, 124.5]], np.float32))

    def test_uint16(self):
        q = np.array([0, 1000, 65535], dtype="<u2")
        got = self.load({"name": "w", "shape": [3], "dtype": "float32",
                         "quantization": {"dtype": "uint16", "scale": 0.001, "min": 1.0}},
                        q.tobytes())
        want = (q.astype(np.float32) * np.float32(0.001) + np.float32(1.0))
        np.testing.assert_array_equal(got, want)

    def test_float16(self):
        vals = np.array([1.5, -2.25, 65504.0, 0.0], dtype="<f2")
        got = self.load({"name": "w", "shape": [4], "dtype": "float32",
                         "quantization": {"dtype": "float16"}}, vals.tobytes())
        np.testing.assert_array_equal(got, vals.astype(np.float32))

    def test_int32_and_float32_plain(self):
        blob = struct.pack("<2i", 7, -9) + struct.pack("<f", 0.25)
        nodes = [{"name": "a", "op": "Const"}, {"name": "b", "op": "Const"}]
        m = tfjs_model.load(write_model(self.dir, nodes, [
            {"name": "a", "shape": [2], "dtype": "int32"},
            {"name": "b", "shape": [], "dtype": "float32"}], blob))
        self.assertEqual(m.weights["a"].tolist(), [7, -9])
        self.assertEqual(float(m.weights["b"]), 0.25)

    def test_truncated_shard_is_refused(self):
        with self.assertRaisesRegex(ValueError, "runs past the end"):
            self.load({"name": "w", "shape": [4], "dtype": "float32"}, b"\0" * 12)

    def test_trailing_bytes_are_refused(self):
        with self.assertRaisesRegex(ValueError, "left over"):
            self.load({"name": "w", "shape": [1], "dtype": "float32"}, b"\0" * 8)


class PaddingTest(unittest.TestCase):
    def test_same_pads_put_the_odd_pixel_last(self):
        # (size, kernel, stride) -> (begin, end), as TF computes SAME.
        cases = {(256, 3, 2): (0, 1), (255, 3, 2): (1, 1), (128, 5, 2): (1, 2),
                 (64, 5, 1): (2, 2), (7, 1, 1): (0, 0), (16, 2, 2): (0, 0), (15, 2, 2): (0, 1)}
        for (n, k, s), want in cases.items():
            self.assertEqual(onnx_builder.same_pads(n, k, s), want, (n, k, s))


class ConverterTest(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp()

    def tearDown(self):
        shutil.rmtree(self.dir)

    def test_unknown_op_is_refused_by_name(self):
        nodes = [{"name": "input", "op": "Placeholder"},
                 {"name": "y", "op": "Cos", "input": ["input"]}]
        path = write_model(self.dir, nodes, [], b"")
        with self.assertRaisesRegex(tfjs_graph.ConversionError, "unsupported TF op Cos"):
            tfjs_graph.convert_generic(path, os.path.join(self.dir, "o.onnx"), (4, 4), "g", ["y"])

    def test_depthwise_multiplier_and_flatten_permutation(self):
        # input 1x5x5x2 -> depthwise 3x3 stride 2 SAME, multiplier 2 (4 channels, 3x3)
        # -> Flatten -> MatMul [36, 3]. Checks the emitted weights against the TF layout:
        # ONNX out channel c*M+m is TF's (c, m); Gemm rows are permuted (h,w,c)->(c,h,w).
        rng = np.random.default_rng(1)
        dw = rng.standard_normal((3, 3, 2, 2)).astype(np.float32)
        mm = rng.standard_normal((36, 3)).astype(np.float32)
        shape = np.array([-1, 36], dtype=np.int32)
        blob = dw.tobytes() + shape.tobytes() + mm.tobytes()
        spec = [{"name": "dw", "shape": [3, 3, 2, 2], "dtype": "float32"},
                {"name": "shape", "shape": [2], "dtype": "int32"},
                {"name": "mm", "shape": [36, 3], "dtype": "float32"}]
        nodes = [
            {"name": "input", "op": "Placeholder", "attr": {"shape": {"shape": {"dim": [
                {"size": "1"}, {"size": "5"}, {"size": "5"}, {"size": "2"}]}}}},
            {"name": "dw", "op": "Const"}, {"name": "shape", "op": "Const"},
            {"name": "mm", "op": "Const"},
            {"name": "d", "op": "DepthwiseConv2dNative", "input": ["input", "dw"],
             "attr": {"padding": {"s": _b64("SAME")},
                      "strides": {"list": {"i": ["1", "2", "2", "1"]}}}},
            {"name": "f", "op": "Reshape", "input": ["d", "shape"]},
            {"name": "y", "op": "MatMul", "input": ["f", "mm"]},
        ]
        path = write_model(self.dir, nodes, spec, blob)
        out = os.path.join(self.dir, "o.onnx")
        _, outs = tfjs_graph.convert_generic(path, out, (5, 5), "g", ["logits"])
        self.assertEqual(outs, [("logits", [1, 3])])
        import onnx
        from onnx import numpy_helper
        m = onnx.load(out)
        inits = {i.name: numpy_helper.to_array(i) for i in m.graph.initializer}
        conv = next(n for n in m.graph.node if n.op_type == "Conv")
        attrs = {a.name: onnx.helper.get_attribute_value(a) for a in conv.attribute}
        self.assertEqual(attrs["group"], 2)
        self.assertEqual(list(attrs["pads"]), [1, 1, 1, 1])  # 5 -> 3, k3 s2: total 2
        w = inits[conv.input[1]]
        for c in range(2):
            for k in range(2):
                np.testing.assert_array_equal(w[c * 2 + k, 0], dw[:, :, c, k])
        gemm = next(n for n in m.graph.node if n.op_type == "Gemm")
        b = inits[gemm.input[1]]  # [out, in] with transB=1
        for h in range(3):
            for x in range(3):
                for c in range(4):
                    np.testing.assert_array_equal(b[:, c * 9 + h * 3 + x], mm[(h * 3 + x) * 4 + c])
        self.assertEqual([n.op_type for n in m.graph.node], ["Conv", "Flatten", "Gemm"])
        self.assertEqual([i.name for i in m.graph.input], ["input"])
        dims = [d.dim_value for d in m.graph.input[0].type.tensor_type.shape.dim]
        self.assertEqual(dims, [1, 2, 5, 5])


class DriverTest(unittest.TestCase):
    def test_hard_line_table_guard(self):
        convert_all._check_hard_lines()
        bad = {"name": "x", "sources": ["models/gender.json"]}
        convert_all.MODELS.append(bad)
        try:
            with self.assertRaises(convert_all.SetupError):
                convert_all._check_hard_lines()
        finally:
            convert_all.MODELS.remove(bad)

    def test_no_forbidden_model_in_table(self):
        for m in convert_all.MODELS:
            for word in ("age", "gender", "emotion"):
                self.assertNotIn(word, m["name"])

    @unittest.skipUnless(os.path.exists(BLAZEFACE), "npm cache absent: run scripts/fetch_models.sh")
    def test_blazeface_conversion_is_deterministic_and_pinned(self):
        with open(convert_all.PINS_PATH) as f:
            pinned = json.load(f)["models"]["blazeface-back"]["onnx"]
        d = tempfile.mkdtemp()
        try:
            a, _ = tfjs_graph.convert_blazeface(BLAZEFACE, os.path.join(d, "a.onnx"), 256)
            b, _ = tfjs_graph.convert_blazeface(BLAZEFACE, os.path.join(d, "b.onnx"), 256)
            self.assertEqual(a, b)
            self.assertEqual(a, pinned)
        finally:
            shutil.rmtree(d)

    @unittest.skipUnless(os.path.exists(BLAZEFACE), "npm cache absent: run scripts/fetch_models.sh")
    def test_tampered_source_is_refused_and_no_manifest_written(self):
        d = tempfile.mkdtemp()
        try:
            pkg = os.path.join(d, "npm", "vladmandic-human-3.3.6", "package")
            os.makedirs(os.path.join(pkg, "models"))
            for rel in ("package.json", "models/blazeface.json", "models/blazeface.bin"):
                shutil.copy(os.path.join(NPM, "vladmandic-human-3.3.6", "package", rel),
                            os.path.join(pkg, rel))
            with open(os.path.join(pkg, "models", "blazeface.bin"), "r+b") as f:
                f.seek(1000)
                byte = f.read(1)
                f.seek(1000)
                f.write(bytes([byte[0] ^ 1]))
            out = os.path.join(d, "models")
            os.makedirs(out)
            with open(os.path.join(out, "manifest.json"), "w") as f:
                f.write("{}")  # stale manifest must not survive a failed run
            saved = convert_all.MODELS
            convert_all.MODELS = [m for m in saved if m["name"] == "blazeface-back"]
            try:
                with self.assertRaisesRegex(convert_all.SetupError, "models/blazeface.bin"):
                    convert_all.run(out, os.path.join(d, "npm"), False, False)
            finally:
                convert_all.MODELS = saved
            self.assertFalse(os.path.exists(os.path.join(out, "manifest.json")))
            self.assertFalse(os.path.exists(os.path.join(out, "blazeface-back.onnx")))
        finally:
            shutil.rmtree(d)


if __name__ == "__main__":
    unittest.main()
