"""Plain-numpy interpreter for the TF.js graph-models we convert (development check only).

Runs the TF graph directly in NHWC with TF's semantics (SAME padding, HWIO filters,
depthwise channel multipliers), sharing nothing with tfjs_graph.py but the weight loader,
so a layout or padding mistake in the converter shows up as a numeric difference when
check_conversion.py compares OpenCV's output on the ONNX with this.

The repository's acceptance test is the C++ test against outputs of each package's own
JS runtime (tests/fixtures/models/); this is the fast local loop.
"""

import numpy as np

import tfjs_model


def _same(in_size, k, s, d=1):
    eff = (k - 1) * d + 1
    out = -(-in_size // s)
    total = max((out - 1) * s + eff - in_size, 0)
    return total // 2, total - total // 2


def _pad_for(node, x, kh, kw, sh, sw):
    p = node.attr_s("padding", "VALID")
    if p == "VALID":
        return (0, 0), (0, 0)
    if p == "SAME":
        return _same(x.shape[1], kh, sh), _same(x.shape[2], kw, sw)
    e = node.attr_ints("explicit_paddings")
    return (e[2], e[3]), (e[4], e[5])


def _windows(x, kh, kw, sh, sw, ph, pw, fill):
    """Yields (i, j, view) for each kernel tap: view is [N, OH, OW, C]."""
    xp = np.pad(x, ((0, 0), ph, pw, (0, 0)), constant_values=fill)
    oh = (xp.shape[1] - kh) // sh + 1
    ow = (xp.shape[2] - kw) // sw + 1
    for i in range(kh):
        for j in range(kw):
            yield i, j, xp[:, i:i + sh * (oh - 1) + 1:sh, j:j + sw * (ow - 1) + 1:sw, :]


def conv2d(node, x, w):
    s = node.attr_ints("strides", [1, 1, 1, 1])
    kh, kw = w.shape[0], w.shape[1]
    ph, pw = _pad_for(node, x, kh, kw, s[1], s[2])
    out = None
    for i, j, v in _windows(x, kh, kw, s[1], s[2], ph, pw, 0.0):
        term = np.tensordot(v.astype(np.float64), w[i, j].astype(np.float64), axes=([3], [0]))
        out = term if out is None else out + term
    return out


def depthwise(node, x, w):
    s = node.attr_ints("strides", [1, 1, 1, 1])
    kh, kw, c, m = w.shape
    ph, pw = _pad_for(node, x, kh, kw, s[1], s[2])
    out = None
    for i, j, v in _windows(x, kh, kw, s[1], s[2], ph, pw, 0.0):
        term = v.astype(np.float64)[..., :, None] * w[i, j].astype(np.float64)
        term = term.reshape(term.shape[:3] + (c * m,))
        out = term if out is None else out + term
    return out


def pool(node, x, reducer):
    k = node.attr_ints("ksize")
    s = node.attr_ints("strides")
    ph, pw = _pad_for(node, x, k[1], k[2], s[1], s[2])
    if reducer == "max":
        out = None
        for _, _, v in _windows(x, k[1], k[2], s[1], s[2], ph, pw, -np.inf):
            out = v if out is None else np.maximum(out, v)
        return out
    total, count = None, None
    ones = np.ones(x.shape[:3] + (1,))
    for (_, _, v), (_, _, o) in zip(_windows(x, k[1], k[2], s[1], s[2], ph, pw, 0.0),
                                    _windows(ones, k[1], k[2], s[1], s[2], ph, pw, 0.0)):
        total = v if total is None else total + v
        count = o if count is None else count + o
    return total / count


def _apply_fused(node, y, extra, weights):
    fused = node.attr_strs("fused_ops")
    k = 0
    for op in fused:
        if op == "BiasAdd":
            y = y + weights[extra[k]]
            k += 1
        elif op == "FusedBatchNorm":
            sc, off, mean, var = (weights[e] for e in extra[k:k + 4])
            eps = node.attr_f("epsilon", 0.001)
            y = (y - mean) / np.sqrt(var + eps) * sc + off
            k += 4
        elif op == "Relu":
            y = np.maximum(y, 0)
        elif op == "Relu6":
            y = np.clip(y, 0, 6)
        elif op == "Prelu":
            a = weights[extra[k]]
            y = np.where(y >= 0, y, a * y)
            k += 1
        elif op == "LeakyRelu":
            a = node.attr_f("leakyrelu_alpha", 0.2)
            y = np.where(y >= 0, y, a * y)
        else:
            raise NotImplementedError(op)
    return y


def run(model, feed):
    """Executes `model` (TfjsModel) on `feed` (NHWC float array); returns {output: array}."""
    W = model.weights
    vals = {}

    def get(name):
        return W[name] if name in W else vals[name]

    remaining = [n for n in model.nodes if n.op != "Const"]
    while remaining:
        progressed = False
        for node in list(remaining):
            if any(i not in W and i not in vals for i in node.inputs):
                continue
            ins = [get(i) for i in node.inputs]
            op = node.op
            if op == "Placeholder":
                y = feed.astype(np.float64)
            elif op in ("_FusedConv2D", "Conv2D"):
                y = _apply_fused(node, conv2d(node, ins[0], ins[1]), node.inputs[2:], W)
            elif op in ("DepthwiseConv2dNative", "FusedDepthwiseConv2dNative"):
                y = _apply_fused(node, depthwise(node, ins[0], ins[1]), node.inputs[2:], W)
            elif op in ("_FusedMatMul", "MatMul"):
                b = ins[1].T if node.attr_b("transpose_b") else ins[1]
                y = _apply_fused(node, ins[0] @ b, node.inputs[2:], W)
            elif op in ("Add", "AddV2"):
                y = ins[0] + ins[1]
            elif op == "Sub":
                y = ins[0] - ins[1]
            elif op == "Mul":
                y = ins[0] * ins[1]
            elif op == "Relu":
                y = np.maximum(ins[0], 0)
            elif op == "Relu6":
                y = np.clip(ins[0], 0, 6)
            elif op == "Sigmoid":
                y = 1 / (1 + np.exp(-ins[0]))
            elif op == "Tanh":
                y = np.tanh(ins[0])
            elif op == "Softmax":
                e = np.exp(ins[0] - ins[0].max(axis=-1, keepdims=True))
                y = e / e.sum(axis=-1, keepdims=True)
            elif op == "MaxPool":
                y = pool(node, ins[0], "max")
            elif op == "AvgPool":
                y = pool(node, ins[0], "avg")
            elif op in ("Pad", "PadV2"):
                v = float(ins[2]) if op == "PadV2" else 0.0
                y = np.pad(ins[0], [tuple(int(a) for a in r) for r in ins[1]], constant_values=v)
            elif op == "Reshape":
                y = ins[0].reshape([int(d) for d in ins[1]])
            elif op == "Mean":
                axes = tuple(int(a) for a in np.asarray(ins[1]).reshape(-1))
                y = ins[0].mean(axis=axes, keepdims=node.attr_b("keep_dims"))
            elif op == "ConcatV2":
                y = np.concatenate(ins[:-1], axis=int(ins[-1]))
            elif op == "Identity":
                y = ins[0]
            else:
                raise NotImplementedError("numpy reference: op %s" % op)
            vals[node.name] = y
            remaining.remove(node)
            progressed = True
        if not progressed:
            raise RuntimeError("graph has a cycle or a missing input")
    return {n: vals[n] for n in model.output_names()}


def load_and_run(json_path, feed):
    return run(tfjs_model.load(json_path), feed)
