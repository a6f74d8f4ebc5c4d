#!/usr/bin/python3
"""face-api's dlib ResNet face descriptor (weights only) -> ONNX for OpenCV 4.6.

The package ships weights, not a graph: the graph below transcribes
@vladmandic/face-api 1.7.15 src/faceRecognitionNet/{FaceRecognitionNet,
residualLayer,convLayer,scaleLayer}.ts:

  x = (RGB - [122.782, 117.001, 104.298]) / 255          (left to the caller)
  convDown(conv32_down): conv 7x7/2 VALID + bias, scale, relu
  maxPool 3x3/2 VALID
  residual x3 (32), residualDown + residual x3 (64), residualDown + x2 (128),
  residualDown + x2 (256), residualDown (256_down_out)
  mean over H,W; matMul with fc [256, 128]

  conv layer  = conv + bias, then scale layer x*w + b (folded into the conv
                here: W' = W*w, b' = bias*w + b; exact up to float rounding)
  residual    = relu(convNoRelu(conv(x)) + x), 3x3 SAME convs
  residualDown: out = convNoRelu(convDown(x)) (3x3/2 VALID then 3x3 SAME);
                pooled = avgPool(x, 2, 2, VALID), zero-padded on channels when
                out has more; where out is spatially smaller (odd sizes) face-api
                appends a zero row and a zero column at the bottom/right;
                relu(pooled + out).

Weights: face_recognition_model.bin holds the manifest's tensors back to back;
uint8-quantised ones decode as q * scale + min (tf.io.decodeWeights), the
others are float32 little-endian. The 128-d output is NOT L2-normalised.

Usage: faceapi_to_onnx.py MANIFEST.json WEIGHTS.bin OUT.onnx
"""

import json
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import onnx_emit  # noqa: E402

MANIFEST = "face_recognition_model-weights_manifest.json"
WEIGHTS = "face_recognition_model.bin"
INPUT_SIZE = 150
MEAN_RGB = [122.782, 117.001, 104.298]
OUTPUT_NAME = "descriptor"
# A bound on what we are willing to read: the shipped file is 6.4 MB.
MAX_WEIGHTS_BYTES = 64 << 20


class ConversionError(Exception):
    pass


def load_weights(manifest_path, bin_path):
    """Returns {name: float32 array} decoded as tf.io.decodeWeights does."""
    with open(manifest_path, "r", encoding="utf-8") as f:
        manifest = json.load(f)
    if os.path.getsize(bin_path) > MAX_WEIGHTS_BYTES:
        raise ConversionError("weights file too large")
    with open(bin_path, "rb") as f:
        data = f.read()
    if len(manifest) != 1 or manifest[0].get("paths") != [WEIGHTS]:
        raise ConversionError("expected one weight group in %s" % WEIGHTS)
    out = {}
    off = 0
    for w in manifest[0]["weights"]:
        n = int(np.prod(w["shape"])) if w["shape"] else 1
        q = w.get("quantization")
        if w.get("dtype") != "float32":
            raise ConversionError("%s: unsupported dtype %s" %
                                  (w["name"], w.get("dtype")))
        if q is not None and q.get("dtype") != "uint8":
            raise ConversionError("%s: unsupported quantisation %r" %
                                  (w["name"], q))
        size = 4 * n if q is None else n
        if off + size > len(data):
            raise ConversionError("weights file shorter than its manifest")
        if q is None:
            arr = np.frombuffer(data, "<f4", n, off).astype(np.float32)
        else:
            raw = np.frombuffer(data, np.uint8, n, off)
            # decodeWeights evaluates v * scale + min in double and stores
            # float32; do the same so the rounding matches.
            arr = (raw.astype(np.float64) * q["scale"] +
                   q["min"]).astype(np.float32)
        out[w["name"]] = arr.reshape(w["shape"])
        off += size
    if off != len(data):
        raise ConversionError("weights file has %d trailing bytes" %
                              (len(data) - off))
    return out


class _Net:
    def __init__(self, weights):
        self.w = weights
        self.g = onnx_emit.GraphBuilder("faceapi_recognition")

    def _param(self, name):
        if name not in self.w:
            raise ConversionError("missing weight %s" % name)
        return self.w[name]

    def conv_layer(self, x, shape, prefix, stride, relu, same):
        """shape: [C, H, W] of x; returns (y, shape of y)."""
        filt = self._param(prefix + "/conv/filters").astype(np.float64)
        bias = self._param(prefix + "/conv/bias").astype(np.float64)
        sw = self._param(prefix + "/scale/weights").astype(np.float64)
        sb = self._param(prefix + "/scale/biases").astype(np.float64)
        kh, kw, cin, cout = filt.shape
        if cin != shape[0]:
            raise ConversionError("%s: expects %d channels, has %d" %
                                  (prefix, cin, shape[0]))
        weight = np.transpose(filt, (3, 2, 0, 1)) * sw.reshape(-1, 1, 1, 1)
        b = bias * sw + sb
        if same:
            pt, pb = onnx_emit.same_pads(shape[1], kh, stride)
            pl, pr = onnx_emit.same_pads(shape[2], kw, stride)
        else:
            pt = pb = pl = pr = 0
        y = self.g.node("Conv", [x, self.g.const(prefix + "/W", weight),
                                 self.g.const(prefix + "/B", b)],
                        prefix, kernel_shape=[kh, kw], strides=[stride, stride],
                        pads=[pt, pl, pb, pr])
        oh = (shape[1] + pt + pb - kh) // stride + 1
        ow = (shape[2] + pl + pr - kw) // stride + 1
        if relu:
            y = self.g.node("Relu", [y], prefix + "/relu")
        return y, [cout, oh, ow]

    def residual(self, x, shape, prefix):
        y, s = self.conv_layer(x, shape, prefix + "/conv1", 1, True, True)
        y, s = self.conv_layer(y, s, prefix + "/conv2", 1, False, True)
        if s != shape:
            raise ConversionError("%s: residual shape mismatch" % prefix)
        y = self.g.node("Add", [y, x], prefix + "/add")
        return self.g.node("Relu", [y], prefix + "/relu"), s

    def residual_down(self, x, shape, prefix):
        y, s = self.conv_layer(x, shape, prefix + "/conv1", 2, True, False)
        y, s = self.conv_layer(y, s, prefix + "/conv2", 1, False, True)
        pooled = self.g.node("AveragePool", [x], prefix + "/pool",
                             kernel_shape=[2, 2], strides=[2, 2],
                             pads=[0, 0, 0, 0])
        ps = [shape[0], (shape[1] - 2) // 2 + 1, (shape[2] - 2) // 2 + 1]
        if ps[1:] != s[1:]:
            dh, dw = ps[1] - s[1], ps[2] - s[2]
            if (dh, dw) != (1, 1):
                raise ConversionError("%s: unexpected size gap" % prefix)
            # face-api concatenates one zero row, then one zero column.
            y = self.g.node("Pad", [y], prefix + "/padhw", mode="constant",
                            pads=[0, 0, 0, 0, 0, 0, dh, dw], value=0.0)
            s = [s[0], ps[1], ps[2]]
        if ps[0] != s[0]:
            if s[0] != 2 * ps[0]:
                raise ConversionError("%s: unexpected channel gap" % prefix)
            # tf.concat([pooled, zeros(pooled.shape)], 3)
            pooled = self.g.node("Pad", [pooled], prefix + "/padc",
                                 mode="constant",
                                 pads=[0, 0, 0, 0, 0, ps[0], 0, 0], value=0.0)
        y = self.g.node("Add", [pooled, y], prefix + "/add")
        return self.g.node("Relu", [y], prefix + "/relu"), s

    def build(self):
        x = self.g.reserve("input")
        s = [3, INPUT_SIZE, INPUT_SIZE]
        x, s = self.conv_layer(x, s, "conv32_down", 2, True, False)
        x = self.g.node("MaxPool", [x], "pool", kernel_shape=[3, 3],
                        strides=[2, 2], pads=[0, 0, 0, 0])
        s = [s[0], (s[1] - 3) // 2 + 1, (s[2] - 3) // 2 + 1]
        for name in ("conv32_1", "conv32_2", "conv32_3"):
            x, s = self.residual(x, s, name)
        x, s = self.residual_down(x, s, "conv64_down")
        for name in ("conv64_1", "conv64_2", "conv64_3"):
            x, s = self.residual(x, s, name)
        x, s = self.residual_down(x, s, "conv128_down")
        for name in ("conv128_1", "conv128_2"):
            x, s = self.residual(x, s, name)
        x, s = self.residual_down(x, s, "conv256_down")
        for name in ("conv256_1", "conv256_2"):
            x, s = self.residual(x, s, name)
        x, s = self.residual_down(x, s, "conv256_down_out")
        x = self.g.node("GlobalAveragePool", [x], "mean")
        x = self.g.node("Flatten", [x], "mean/flat", axis=1)
        fc = self._param("fc")  # [256, 128]: y = x @ fc
        if fc.shape[0] != s[0]:
            raise ConversionError("fc expects %d inputs, has %d" %
                                  (fc.shape[0], s[0]))
        # Gemm with B stored [out, in] and transB=1 (OpenCV 4.6 constraint).
        y = self.g.node("Gemm", [x, self.g.const("fc/W", fc.T),
                                 self.g.const("fc/B", np.zeros(fc.shape[1]))],
                        "fc", transB=1)
        self.g.rename_output(y, OUTPUT_NAME)
        self.output_dim = int(fc.shape[1])
        return self.g.model("input", [1, 3, INPUT_SIZE, INPUT_SIZE],
                            [(OUTPUT_NAME, [1, self.output_dim])])


def _source(sources, basename):
    keys = [k for k in sources if os.path.basename(k) == basename]
    if len(keys) != 1:
        raise ConversionError("sources must name exactly one %s" % basename)
    return sources[keys[0]]


def convert(sources, out_path):
    """sources: {package-relative path: local path} naming the weights
    manifest and the .bin. Writes ONNX to out_path; returns manifest fields."""
    weights = load_weights(_source(sources, MANIFEST),
                           _source(sources, WEIGHTS))
    net = _Net(weights)
    onnx_emit.save(net.build(), out_path)
    return {
        "input": {"name": "input", "shape": [1, 3, INPUT_SIZE, INPUT_SIZE],
                  "layout": "NCHW"},
        "outputs": [{"name": OUTPUT_NAME, "shape": [1, net.output_dim]}],
        "output_dim": net.output_dim,
        "preprocess": {"color": "RGB", "size": [INPUT_SIZE, INPUT_SIZE],
                       "mean": list(MEAN_RGB), "scale": 1.0 / 255.0},
    }


def main(argv):
    if len(argv) != 4:
        sys.stderr.write(__doc__)
        return 2
    info = convert({MANIFEST: argv[1], WEIGHTS: argv[2]}, argv[3])
    json.dump(info, sys.stdout, indent=2)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
