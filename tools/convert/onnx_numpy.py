"""A small numpy evaluator for the ONNX subset the converters emit.

Used by converters_test.py to run a converted model without OpenCV (the test
must not depend on python3-opencv): the TFLite graph runs in
tflite_reference.py (NHWC, TFLite semantics), the ONNX graph runs here (NCHW,
ONNX semantics), and the two must agree. It evaluates in float64 and knows
only the operators and attributes listed in _OPS; anything else raises.
"""

import numpy as np
from onnx import numpy_helper


def _attrs(node):
    out = {}
    for a in node.attribute:
        if a.type == a.INT:
            out[a.name] = a.i
        elif a.type == a.FLOAT:
            out[a.name] = a.f
        elif a.type == a.INTS:
            out[a.name] = list(a.ints)
        elif a.type == a.STRING:
            out[a.name] = a.s.decode()
        else:
            raise NotImplementedError("attribute type %d" % a.type)
    return out


def _pad_hw(x, pads, value=0.0):
    t, l, b, r = pads[0], pads[1], pads[2], pads[3]
    return np.pad(x, ((0, 0), (0, 0), (t, b), (l, r)), constant_values=value)


def _taps(x, kh, kw, sh, sw, dh=1, dw=1):
    """Yields (i, j, view) per kernel tap over an already padded NCHW x."""
    h, w = x.shape[2], x.shape[3]
    oh = (h - ((kh - 1) * dh + 1)) // sh + 1
    ow = (w - ((kw - 1) * dw + 1)) // sw + 1
    for i in range(kh):
        for j in range(kw):
            yield i, j, x[:, :, i * dh: i * dh + (oh - 1) * sh + 1: sh,
                          j * dw: j * dw + (ow - 1) * sw + 1: sw]


def _dense_conv(x, w, kh, kw, sh, sw, dh, dw):
    # Accumulate in NHWC so each tap is one BLAS matmul, then back to NCHW.
    xt = np.ascontiguousarray(np.transpose(x, (0, 2, 3, 1)))
    y = 0
    for i, j, v in _taps_nhwc(xt, kh, kw, sh, sw, dh, dw):
        y = y + v @ w[:, :, i, j].T
    return np.transpose(y, (0, 3, 1, 2))


def _taps_nhwc(x, kh, kw, sh, sw, dh, dw):
    h, w = x.shape[1], x.shape[2]
    oh = (h - ((kh - 1) * dh + 1)) // sh + 1
    ow = (w - ((kw - 1) * dw + 1)) // sw + 1
    for i in range(kh):
        for j in range(kw):
            yield i, j, x[:, i * dh: i * dh + (oh - 1) * sh + 1: sh,
                          j * dw: j * dw + (ow - 1) * sw + 1: sw, :]


def _conv(ins, a):
    x, w = ins[0], ins[1]
    group = a.get("group", 1)
    kh, kw = w.shape[2], w.shape[3]
    sh, sw = a.get("strides", [1, 1])
    dh, dw = a.get("dilations", [1, 1])
    x = _pad_hw(x, a.get("pads", [0, 0, 0, 0]))
    cin_g = x.shape[1] // group
    cout_g = w.shape[0] // group
    if group == 1:
        y = _dense_conv(x, w, kh, kw, sh, sw, dh, dw)
    elif cin_g == 1:
        # Depthwise: output channel k reads input channel k // multiplier.
        xr = np.repeat(x, cout_g, axis=1)
        y = 0
        for i, j, v in _taps(xr, kh, kw, sh, sw, dh, dw):
            y = y + v * w[:, 0, i, j].reshape(1, -1, 1, 1)
    else:
        y = np.concatenate([
            _dense_conv(x[:, g * cin_g:(g + 1) * cin_g],
                        w[g * cout_g:(g + 1) * cout_g], kh, kw, sh, sw, dh, dw)
            for g in range(group)], axis=1)
    if len(ins) > 2:
        y = y + ins[2].reshape(1, -1, 1, 1)
    return y


def _pool(ins, a, kind):
    x = ins[0]
    kh, kw = a["kernel_shape"]
    sh, sw = a.get("strides", [1, 1])
    pads = a.get("pads", [0, 0, 0, 0])
    if kind == "max":
        xp = _pad_hw(x, pads, -np.inf)
        y = None
        for _, _, v in _taps(xp, kh, kw, sh, sw):
            y = v if y is None else np.maximum(y, v)
        return y
    if a.get("count_include_pad", 0):
        raise NotImplementedError("count_include_pad")
    xp = _pad_hw(x, pads)
    ones = _pad_hw(np.ones_like(x), pads)
    s = sum(v for _, _, v in _taps(xp, kh, kw, sh, sw))
    n = sum(v for _, _, v in _taps(ones, kh, kw, sh, sw))
    return s / n


def _gemm(ins, a):
    x, b = ins[0], ins[1]
    if a.get("transA", 0):
        x = x.T
    if a.get("transB", 0):
        b = b.T
    y = a.get("alpha", 1.0) * (x @ b)
    if len(ins) > 2:
        y = y + a.get("beta", 1.0) * ins[2]
    return y


def _pad(ins, a):
    p = a["pads"]
    r = len(p) // 2
    if a.get("mode", "constant") != "constant":
        raise NotImplementedError("pad mode")
    return np.pad(ins[0], [(p[i], p[i + r]) for i in range(r)],
                  constant_values=a.get("value", 0.0))


def _softmax(ins, a):
    x = ins[0]
    if a.get("axis", 1) != 1 or x.ndim != 2:
        raise NotImplementedError("softmax layout")
    e = np.exp(x - x.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def _prelu(ins, a):
    x, s = ins
    return np.where(x >= 0, x, x * s)


_OPS = {
    "Conv": _conv,
    "Relu": lambda i, a: np.maximum(i[0], 0),
    "Clip": lambda i, a: np.clip(i[0], a["min"], a["max"]),
    "PRelu": _prelu,
    "LeakyRelu": lambda i, a: np.where(i[0] >= 0, i[0], i[0] * a["alpha"]),
    "Sigmoid": lambda i, a: 1 / (1 + np.exp(-i[0])),
    "Add": lambda i, a: i[0] + i[1],
    "Sub": lambda i, a: i[0] - i[1],
    "Mul": lambda i, a: i[0] * i[1],
    "Sign": lambda i, a: np.sign(i[0]),
    "Ceil": lambda i, a: np.ceil(i[0]),
    "Floor": lambda i, a: np.floor(i[0]),
    "Flatten": lambda i, a: i[0].reshape(
        int(np.prod(i[0].shape[:a.get("axis", 1)])), -1),
    "Reshape": lambda i, a: i[0].reshape([int(d) for d in i[1]]),
    "Transpose": lambda i, a: np.transpose(i[0], a["perm"]),
    "Gemm": _gemm,
    "MaxPool": lambda i, a: _pool(i, a, "max"),
    "AveragePool": lambda i, a: _pool(i, a, "avg"),
    "GlobalAveragePool": lambda i, a: i[0].mean(axis=(2, 3), keepdims=True),
    "Concat": lambda i, a: np.concatenate(i, axis=a["axis"]),
    "Softmax": _softmax,
    "Pad": _pad,
}


def run(model, feeds):
    """model: onnx.ModelProto; feeds: {input name: array}. Returns
    {output name: float64 array} for the graph outputs."""
    env = {t.name: numpy_helper.to_array(t).astype(np.float64)
           if t.data_type == t.FLOAT else numpy_helper.to_array(t)
           for t in model.graph.initializer}
    for k, v in feeds.items():
        env[k] = np.asarray(v, np.float64)
    for node in model.graph.node:
        fn = _OPS.get(node.op_type)
        if fn is None:
            raise NotImplementedError(node.op_type)
        env[node.output[0]] = fn([env[i] for i in node.input], _attrs(node))
    return {o.name: env[o.name] for o in model.graph.output}
