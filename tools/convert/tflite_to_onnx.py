#!/usr/bin/python3
"""TFLite flatbuffer -> ONNX that OpenCV 4.6 dnn loads.

TFLite runs NHWC; the ONNX model runs NCHW so that cv::dnn::blobFromImage's
output feeds the input "input" directly. Every 4-D activation is therefore
kept in NCHW, constants are permuted to match (conv weights OHWI -> OIHW,
per-channel vectors [C] -> [C,1,1]), and the batch dimension is fixed at 1
(expo's MobileFaceNet.tflite was exported with batch 2).

Rewrites, each one needed by OpenCV 4.6 (../shared/docs/MODELS.md; the
multi-operator patterns are found in tflite_patterns.py):
- Relu(x) + c * (x - |x|) (how the Keras PReLU reached TFLite) -> PRelu(2c);
- SAME padding -> explicit pads (TF puts the odd pixel after);
- fused RELU6 -> Clip(0, 6) with attributes (opset 10);
- FULLY_CONNECTED -> Gemm with transB=1 (TFLite weights are already [out, in]);
- a trailing L2_NORMALIZATION is dropped: the engine normalises in C++;
- DEQUANTIZE of a constant (float16 / int8 weights) is folded into float32.

Usage: tflite_to_onnx.py MODEL.tflite OUT.onnx [mobilefacenet|antispoof]
"""

import json
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import onnx_emit  # noqa: E402
import tflite_patterns  # noqa: E402
import tflite_reader  # noqa: E402
from tflite_reader import ACT_NONE, ACT_RELU, ACT_RELU6  # noqa: E402

# Per-model facts that are not in the flatbuffer: how the original app fed
# the network (syaringan357/Android-MobileFaceNet-MTCNN-FaceAntiSpoofing).
PREPROCESS = {
    "MobileFaceNet.tflite": {"color": "RGB", "mean": [127.5, 127.5, 127.5],
                             "scale": 1.0 / 128.0},
    # The anti-spoofing app divides RGB by 255 (no mean).
    "FaceAntiSpoofing.tflite": {"color": "RGB", "mean": [0.0, 0.0, 0.0],
                                "scale": 1.0 / 255.0},
}


# Graph outputs get names that say what they hold (TFLite's are "Identity").
# FaceAntiSpoofing is a deep tree network: 8 leaves, each with a spoof score;
# the app's score is sum_i |leaf_scores[i]| * leaf_mask[i] (the mask is the
# one-hot leaf the input was routed to), "live" below 0.2.
OUTPUT_NAMES = {
    "MobileFaceNet.tflite": {},  # keeps TFLite's "embeddings"
    "FaceAntiSpoofing.tflite": {"Identity": "leaf_scores",
                                "Identity_1": "leaf_mask"},
}


class ConversionError(Exception):
    pass


class _Converter:
    def __init__(self, model, graph_name, output_names=None):
        self.output_names = output_names or {}
        self.m = model
        self.g = onnx_emit.GraphBuilder(graph_name)
        # TFLite tensor index -> (onnx name, shape in ONNX layout, is_nchw)
        self.vals = {}
        self.consumers = {}
        for op in model.operators:
            for i in op.inputs:
                if i >= 0:
                    self.consumers.setdefault(i, []).append(op)
        self.fused = set()  # operator indices consumed by a pattern
        self.folded = {}    # tensor index -> constant numpy array

    # -- helpers -----------------------------------------------------------
    def _shape(self, t):
        """TFLite shape with the batch fixed at 1."""
        s = list(self.m.tensors[t].shape)
        if s and len(s) >= 2:
            s[0] = 1
        return s

    def _constant(self, t):
        if t in self.folded:
            return self.folded[t]
        return self.m.tensors[t].data

    def _value(self, t):
        if t not in self.vals:
            raise ConversionError("tensor %r used before it is produced" %
                                  self.m.tensors[t].name)
        return self.vals[t]

    def _activation(self, x, act, hint):
        if act == ACT_NONE:
            return x
        if act == ACT_RELU:
            return self.g.node("Relu", [x], hint + "/relu")
        if act == ACT_RELU6:
            return self.g.node("Clip", [x], hint + "/relu6", min=0.0, max=6.0)
        raise ConversionError("unsupported fused activation %s" %
                              tflite_reader.ACTIVATION_NAMES.get(act, act))

    def _set(self, t, name, shape, nchw):
        self.vals[t] = (name, shape, nchw)

    # -- operators ---------------------------------------------------------
    def convert(self):
        m = self.m
        if len(m.inputs) != 1:
            raise ConversionError("expected one input, got %d" % len(m.inputs))
        t_in = m.inputs[0]
        shape = self._shape(t_in)
        if len(shape) != 4 or m.tensors[t_in].dtype != np.float32:
            raise ConversionError("expected a 4-D float32 NHWC image input")
        n, h, w, c = shape
        self.input_shape = [n, c, h, w]
        self._set(t_in, self.g.reserve("input"), self.input_shape, True)

        self.prelus, fused = tflite_patterns.find_prelus(m, self.consumers)
        self.fused |= fused
        self.centred_fc, fused = tflite_patterns.find_centred_fcs(
            m, self.consumers)
        self.fused |= fused
        for op in m.operators:
            if op.index in self.fused:
                continue
            handler = getattr(self, "_op_" + op.opcode, None)
            if handler is None:
                raise ConversionError("unsupported TFLite operator %s (#%d)" %
                                      (op.opcode, op.index))
            # Quantised activations (uint8/int8 tensors between ops) would be
            # converted as if they were float: refuse them. Only constants
            # may be quantised (they are dequantised on reading).
            want = np.bool_ if op.opcode in ("GREATER_EQUAL", "LESS") \
                else np.float32
            if m.tensors[op.outputs[0]].dtype != want:
                raise ConversionError("%s (#%d): output is %s, not %s" % (
                    op.opcode, op.index,
                    np.dtype(m.tensors[op.outputs[0]].dtype).name,
                    np.dtype(want).name))
            handler(op)

        outputs = []
        for t in m.outputs:
            t = self._skip_l2norm(t)
            name, shp, nchw = self._value(t)
            if nchw:
                raise ConversionError("4-D graph outputs are not supported")
            final = self.output_names.get(
                m.tensors[t].name, self._sanitise(m.tensors[t].name))
            name = self.g.rename_output(name, final)
            outputs.append((name, shp))
        self.outputs = outputs
        return self.g.model("input", self.input_shape, outputs)

    def _skip_l2norm(self, t):
        prod = [o for o in self.m.operators if t in o.outputs]
        if prod and prod[0].opcode == "L2_NORMALIZATION":
            return prod[0].inputs[0]
        return t

    @staticmethod
    def _sanitise(name):
        return "".join(c if c.isalnum() or c == "_" else "_" for c in name)

    def _hint(self, op):
        return self._sanitise(self.m.tensors[op.outputs[0]].name)

    def _op_DEQUANTIZE(self, op):
        src = self._constant(op.inputs[0])
        if src is None:
            raise ConversionError("DEQUANTIZE of a non-constant tensor")
        self.folded[op.outputs[0]] = np.asarray(src, dtype=np.float32)

    def _conv_common(self, op, weight_oihw, group):
        x, xs, nchw = self._value(op.inputs[0])
        if not nchw:
            raise ConversionError("convolution on a non-image tensor")
        o = op.options
        kh, kw = weight_oihw.shape[2], weight_oihw.shape[3]
        dh, dw = o.get("dilation_h", 1), o.get("dilation_w", 1)
        if o["padding"] == 0:  # SAME
            pt, pb = onnx_emit.same_pads(xs[2], kh, o["stride_h"], dh)
            pl, pr = onnx_emit.same_pads(xs[3], kw, o["stride_w"], dw)
        else:
            pt = pb = pl = pr = 0
        hint = self._hint(op)
        inputs = [x, self.g.const(hint + "/W", weight_oihw)]
        if len(op.inputs) > 2 and op.inputs[2] >= 0:
            inputs.append(self.g.const(hint + "/B",
                                       self._constant(op.inputs[2])))
        y = self.g.node("Conv", inputs, hint, kernel_shape=[kh, kw],
                        strides=[o["stride_h"], o["stride_w"]],
                        pads=[pt, pl, pb, pr], dilations=[dh, dw], group=group)
        y = self._activation(y, o.get("activation", 0), hint)
        out = self._shape(op.outputs[0])
        self._set(op.outputs[0], y, [out[0], out[3], out[1], out[2]], True)

    def _op_CONV_2D(self, op):
        w = self._constant(op.inputs[1])  # [O, KH, KW, I]
        self._conv_common(op, np.transpose(w, (0, 3, 1, 2)), 1)

    def _op_DEPTHWISE_CONV_2D(self, op):
        w = self._constant(op.inputs[1])  # [1, KH, KW, C*mult]
        _, xs, _ = self._value(op.inputs[0])
        cin = xs[1]
        # TFLite output channel k comes from input channel k // mult, which is
        # exactly ONNX grouped convolution with group = C_in.
        w = np.transpose(w, (3, 0, 1, 2))  # [C*mult, 1, KH, KW]
        self._conv_common(op, w, cin)

    def _op_RELU(self, op):
        match = self.prelus.get(op.index)
        x, xs, nchw = self._value(op.inputs[0])
        hint = self._hint(op)
        if match is None:
            self._set(op.outputs[0], self.g.node("Relu", [x], hint), xs, nchw)
            return
        ad, c = match
        slope = 2.0 * np.asarray(c, dtype=np.float32).reshape(-1)
        if nchw:
            slope = slope.reshape(-1, 1, 1)
        y = self.g.node("PRelu", [x, self.g.const(hint + "/slope", slope)],
                        self._hint(ad) + "_prelu")
        self._set(ad.outputs[0], y, xs, nchw)

    def _op_RELU6(self, op):
        x, xs, nchw = self._value(op.inputs[0])
        self._set(op.outputs[0], self.g.node("Clip", [x], self._hint(op),
                                             min=0.0, max=6.0), xs, nchw)

    def _op_LOGISTIC(self, op):
        x, xs, nchw = self._value(op.inputs[0])
        self._set(op.outputs[0], self.g.node("Sigmoid", [x], self._hint(op)),
                  xs, nchw)

    def _op_LEAKY_RELU(self, op):
        x, xs, nchw = self._value(op.inputs[0])
        self._set(op.outputs[0],
                  self.g.node("LeakyRelu", [x], self._hint(op),
                              alpha=float(op.options["alpha"])), xs, nchw)

    def _op_PRELU(self, op):
        x, xs, nchw = self._value(op.inputs[0])
        slope = np.asarray(self._constant(op.inputs[1]), np.float32)
        slope = slope.reshape(-1)
        if nchw:
            slope = slope.reshape(-1, 1, 1)
        hint = self._hint(op)
        self._set(op.outputs[0], self.g.node(
            "PRelu", [x, self.g.const(hint + "/slope", slope)], hint), xs, nchw)

    def _binary(self, op, onnx_op):
        a, b = op.inputs
        ca, cb = self._constant(a), self._constant(b)
        hint = self._hint(op)
        if ca is not None and cb is not None:
            raise ConversionError("binary op on two constants")
        if ca is not None or cb is not None:
            const, var = (ca, b) if ca is not None else (cb, a)
            x, xs, nchw = self._value(var)
            const = np.asarray(const, np.float32)
            if nchw and const.size > 1:
                if const.size != xs[1]:
                    raise ConversionError("only per-channel constants "
                                          "broadcast over images")
                const = const.reshape(-1, 1, 1)
            if onnx_op == "Sub" and ca is not None:
                # c - x = (-x) + c: keep the constant second, the only form
                # OpenCV 4.6 folds into a Scale/Shift layer.
                neg = self.g.node("Mul", [x, self.g.const(hint + "/m1",
                                                          np.float32(-1))],
                                  hint + "/neg")
                y = self.g.node("Add", [neg, self.g.const(hint + "/c", const)],
                                hint)
            else:
                y = self.g.node(onnx_op, [x, self.g.const(hint + "/c", const)],
                                hint)
            shape = xs
        else:
            x, xs, nchw = self._value(a)
            z, zs, nchw2 = self._value(b)
            if xs != zs or nchw != nchw2:
                raise ConversionError("broadcasting between activations")
            y = self.g.node(onnx_op, [x, z], hint)
            shape = xs
        y = self._activation(y, op.options.get("activation", 0), hint)
        self._set(op.outputs[0], y, shape, nchw)

    def _op_ADD(self, op):
        self._binary(op, "Add")

    def _op_SUB(self, op):
        self._binary(op, "Sub")

    def _op_MUL(self, op):
        self._binary(op, "Mul")

    def _op_RESHAPE(self, op):
        x, xs, nchw = self._value(op.inputs[0])
        out = self._shape(op.outputs[0])
        hint = self._hint(op)
        if len(out) == 4:
            raise ConversionError("reshape to 4-D is not supported")
        if nchw and xs[2] == 1 and xs[3] == 1 and len(out) == 2:
            # [N,C,1,1] -> [N,C]: the NHWC order is the same, no transpose.
            y = self.g.node("Flatten", [x], hint, axis=1)
        else:
            if nchw:
                x = self.g.node("Transpose", [x], hint + "/nhwc",
                                perm=[0, 2, 3, 1])
            y = self.g.node("Reshape", [x, self.g.const(
                hint + "/shape", np.array(out, np.int64), np.int64)], hint)
        self._set(op.outputs[0], y, out, False)

    def _op_FULLY_CONNECTED(self, op):
        centre = self.centred_fc.get(op.index)
        x, xs, nchw = self._value(centre[0] if centre else op.inputs[0])
        hint = self._hint(op)
        if nchw:
            if xs[2] != 1 or xs[3] != 1:
                x = self.g.node("Transpose", [x], hint + "/nhwc",
                                perm=[0, 2, 3, 1])
            x = self.g.node("Flatten", [x], hint + "/flat", axis=1)
        w = np.asarray(self._constant(op.inputs[1]), np.float32)  # [out, in]
        inputs = [x, self.g.const(hint + "/W", w)]
        if len(op.inputs) > 2 and op.inputs[2] >= 0:
            b = np.asarray(self._constant(op.inputs[2]), np.float64)
        else:
            b = np.zeros(w.shape[0], np.float64)
        if centre:
            if nchw or centre[1].size != w.shape[1]:
                raise ConversionError("centred projection shape mismatch")
            b = b - w.astype(np.float64) @ centre[1]
        inputs.append(self.g.const(hint + "/B", b))
        y = self.g.node("Gemm", inputs, hint, transB=1)
        y = self._activation(y, op.options.get("activation", 0), hint)
        self._set(op.outputs[0], y, [1, int(w.shape[0])], False)

    def _pool(self, op, onnx_op):
        x, xs, nchw = self._value(op.inputs[0])
        o = op.options
        if o["padding"] == 0:
            pt, pb = onnx_emit.same_pads(xs[2], o["filter_h"], o["stride_h"])
            pl, pr = onnx_emit.same_pads(xs[3], o["filter_w"], o["stride_w"])
        else:
            pt = pb = pl = pr = 0
        hint = self._hint(op)
        y = self.g.node(onnx_op, [x], hint,
                        kernel_shape=[o["filter_h"], o["filter_w"]],
                        strides=[o["stride_h"], o["stride_w"]],
                        pads=[pt, pl, pb, pr])
        y = self._activation(y, o.get("activation", 0), hint)
        out = self._shape(op.outputs[0])
        self._set(op.outputs[0], y, [out[0], out[3], out[1], out[2]], True)

    def _op_MAX_POOL_2D(self, op):
        self._pool(op, "MaxPool")

    def _op_AVERAGE_POOL_2D(self, op):
        # TF's SAME average excludes the padding from the count, as does
        # ONNX with count_include_pad=0 (the default).
        self._pool(op, "AveragePool")

    def _op_SOFTMAX(self, op):
        x, xs, nchw = self._value(op.inputs[0])
        if nchw or len(xs) != 2 or op.options.get("beta", 1.0) != 1.0:
            raise ConversionError("only 2-D softmax with beta 1")
        self._set(op.outputs[0], self.g.node("Softmax", [x], self._hint(op),
                                             axis=1), xs, False)

    def _op_CONCATENATION(self, op):
        vals = [self._value(i) for i in op.inputs]
        nchw = vals[0][2]
        if any(v[2] != nchw or len(v[1]) != len(vals[0][1]) for v in vals):
            raise ConversionError("concatenation of mixed layouts")
        axis = op.options["axis"]
        rank = len(vals[0][1])
        if axis < 0:
            axis += rank
        if nchw:
            axis = {0: 0, 1: 2, 2: 3, 3: 1}[axis]
        shape = list(vals[0][1])
        shape[axis] = sum(v[1][axis] for v in vals)
        hint = self._hint(op)
        y = self.g.node("Concat", [v[0] for v in vals], hint, axis=axis)
        y = self._activation(y, op.options.get("activation", 0), hint)
        self._set(op.outputs[0], y, shape, nchw)

    def _op_STRIDED_SLICE(self, op):
        # Only the identity slice (x[:, :] in Keras code) is supported.
        x, xs, nchw = self._value(op.inputs[0])
        begin, end, strides = (np.asarray(self._constant(i)).reshape(-1)
                               for i in op.inputs[1:4])
        o = op.options
        rank = len(xs)
        full = (1 << rank) - 1
        identity = (o["ellipsis_mask"] == 0 and o["new_axis_mask"] == 0 and
                    o["shrink_axis_mask"] == 0 and np.all(strides == 1) and
                    all((o["begin_mask"] >> d) & 1 or begin[d] == 0
                        for d in range(rank)) and
                    (o["end_mask"] & full) == full)
        if not identity:
            raise ConversionError("only identity STRIDED_SLICE is supported")
        self._set(op.outputs[0], x, xs, nchw)

    def _compare(self, op, greater_equal):
        """GREATER_EQUAL / LESS against a scalar constant, produced directly
        as float 0/1 (the CAST that follows becomes a no-op). OpenCV 4.6 has
        no GreaterOrEqual and no bool tensors, so with s = Sign(x - t):
        x >= t  is  Ceil(0.5 s + 0.5)  and  x < t  is  Floor(0.5 - 0.5 s),
        exact for every x, including x == t."""
        x, xs, nchw = self._value(op.inputs[0])
        t = self._constant(op.inputs[1])
        if t is None or np.asarray(t).size != 1:
            raise ConversionError("comparison with a non-scalar")
        for c in self.consumers.get(op.outputs[0], []):
            if c.opcode != "CAST":
                raise ConversionError("comparison result used as bool")
        hint = self._hint(op)
        t = float(np.asarray(t).reshape(-1)[0])
        d = self.g.node("Sub", [x, self.g.const(hint + "/t", np.float32(t))],
                        hint + "/d") if t != 0.0 else x
        sgn = self.g.node("Sign", [d], hint + "/sign")
        half = 0.5 if greater_equal else -0.5
        y = self.g.node("Mul", [sgn, self.g.const(hint + "/h",
                                                  np.float32(half))],
                        hint + "/scaled")
        y = self.g.node("Add", [y, self.g.const(hint + "/o", np.float32(0.5))],
                        hint + "/shift")
        y = self.g.node("Ceil" if greater_equal else "Floor", [y], hint)
        self._set(op.outputs[0], y, xs, nchw)

    def _op_GREATER_EQUAL(self, op):
        self._compare(op, True)

    def _op_LESS(self, op):
        self._compare(op, False)

    def _op_CAST(self, op):
        if (op.options.get("in_type") != 6 or op.options.get("out_type") != 0
                or self.m.tensors[op.outputs[0]].dtype != np.float32):
            raise ConversionError("only CAST bool -> float32 is supported")
        self._set(op.outputs[0], *self._value(op.inputs[0]))

    def _op_MEAN(self, op):
        x, xs, nchw = self._value(op.inputs[0])
        axes = sorted(int(a) for a in np.asarray(
            self._constant(op.inputs[1])).reshape(-1))
        if not nchw or axes != [1, 2] or op.options.get("keep_dims"):
            raise ConversionError("only MEAN over H,W without keep_dims")
        hint = self._hint(op)
        y = self.g.node("GlobalAveragePool", [x], hint + "/gap")
        y = self.g.node("Flatten", [y], hint, axis=1)
        self._set(op.outputs[0], y, [1, xs[1]], False)


def convert(sources, out_path):
    """sources: {package-relative path: local path}, one .tflite file.
    Writes the ONNX model to out_path; returns the manifest fields."""
    tfl = [k for k in sources if k.endswith(".tflite")]
    if len(tfl) != 1:
        raise ConversionError("expected exactly one .tflite source")
    key = tfl[0]
    base = os.path.basename(key)
    if base not in PREPROCESS:
        raise ConversionError("no preprocessing facts for %s" % base)
    model = tflite_reader.load(sources[key])
    conv = _Converter(model, os.path.splitext(base)[0],
                      OUTPUT_NAMES.get(base))
    proto = conv.convert()
    onnx_emit.save(proto, out_path)
    n, c, h, w = conv.input_shape
    pre = dict(PREPROCESS[base])
    pre["size"] = [w, h]
    outputs = [{"name": name, "shape": shape} for name, shape in conv.outputs]
    return {
        "input": {"name": "input", "shape": conv.input_shape,
                  "layout": "NCHW"},
        "outputs": outputs,
        "output_dim": int(np.prod(conv.outputs[0][1][1:])),
        "preprocess": {"color": pre["color"], "size": pre["size"],
                       "mean": pre["mean"], "scale": pre["scale"]},
    }


def main(argv):
    if len(argv) != 3:
        sys.stderr.write("usage: tflite_to_onnx.py MODEL.tflite OUT.onnx\n")
        return 2
    src = argv[1]
    info = convert({os.path.basename(src): src}, argv[2])
    json.dump(info, sys.stdout, indent=2)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
