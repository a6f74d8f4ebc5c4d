#!/usr/bin/python3
"""Pure-numpy interpreter of a TFLite graph, for development checks only.

It executes the TFLite operators as they are in the flatbuffer (NHWC, SAME
padding computed here, no pattern rewrites, float64 accumulation), so it is
independent of the ONNX graph that tflite_to_onnx.py builds: comparing the
two catches layout, padding and rewrite mistakes. It is slow and not used
by the setup or the engine.

Usage: tflite_reference.py MODEL.tflite OUT.onnx [OPENCV_RUNNER]
  converts MODEL.tflite to OUT.onnx, feeds a deterministic synthetic image to
  the TFLite graph here and to the ONNX graph, and prints the errors. The
  ONNX graph runs in OPENCV_RUNNER when given (a program
  "RUNNER model in.bin N C H W outprefix" that writes each output to
  outprefix_<output name>.bin as float32), else in onnx_numpy.py.
"""

import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import tflite_reader  # noqa: E402


def _pad_same(x, kh, kw, sh, sw, dh=1, dw=1, value=0.0):
    n, h, w, c = x.shape
    oh, ow = -(-h // sh), -(-w // sw)
    th = max((oh - 1) * sh + (kh - 1) * dh + 1 - h, 0)
    tw = max((ow - 1) * sw + (kw - 1) * dw + 1 - w, 0)
    return np.pad(x, ((0, 0), (th // 2, th - th // 2),
                      (tw // 2, tw - tw // 2), (0, 0)),
                  constant_values=value)


def _windows(x, kh, kw, sh, sw, dh, dw):
    """Yields (i, j, strided view) for each kernel tap (VALID on x)."""
    n, h, w, c = x.shape
    oh = (h - ((kh - 1) * dh + 1)) // sh + 1
    ow = (w - ((kw - 1) * dw + 1)) // sw + 1
    for i in range(kh):
        for j in range(kw):
            yield i, j, x[:, i * dh: i * dh + (oh - 1) * sh + 1: sh,
                          j * dw: j * dw + (ow - 1) * sw + 1: sw, :]


def _act(y, a):
    if a == 0:
        return y
    if a == 1:
        return np.maximum(y, 0)
    if a == 3:
        return np.clip(y, 0, 6)
    raise NotImplementedError("activation %d" % a)


def run(model, image_nhwc):
    """Runs the graph on one NHWC float image; returns {name: array}."""
    env = {}
    for t in model.tensors:
        if t.data is not None:
            env[t.index] = np.asarray(t.data, dtype=np.float64) \
                if t.dtype in (np.float32, np.float16, np.uint8, np.int8) \
                else np.asarray(t.data)
    batch = model.tensors[model.inputs[0]].shape[0]
    x = np.asarray(image_nhwc, np.float64)
    env[model.inputs[0]] = np.repeat(x, batch, axis=0) if x.shape[0] == 1 \
        else x
    for op in model.operators:
        o = op.options
        ins = [env[i] if i >= 0 else None for i in op.inputs]
        k = op.opcode
        if k == "DEQUANTIZE":
            y = ins[0].astype(np.float64)
        elif k in ("CONV_2D", "DEPTHWISE_CONV_2D"):
            x, w = ins[0], ins[1]
            kh, kw = w.shape[1], w.shape[2]
            sh, sw = o["stride_h"], o["stride_w"]
            dh, dw = o["dilation_h"], o["dilation_w"]
            if o["padding"] == 0:
                x = _pad_same(x, kh, kw, sh, sw, dh, dw)
            y = 0
            for i, j, v in _windows(x, kh, kw, sh, sw, dh, dw):
                if k == "CONV_2D":
                    y = y + v @ w[:, i, j, :].T
                else:
                    mult = w.shape[3] // v.shape[3]
                    y = y + np.repeat(v, mult, axis=3) * w[0, i, j, :]
            if ins[2] is not None:
                y = y + ins[2]
            y = _act(y, o["activation"])
        elif k in ("MAX_POOL_2D", "AVERAGE_POOL_2D"):
            x = ins[0]
            kh, kw, sh, sw = o["filter_h"], o["filter_w"], o["stride_h"], \
                o["stride_w"]
            if k == "MAX_POOL_2D":
                if o["padding"] == 0:
                    x = _pad_same(x, kh, kw, sh, sw, value=-np.inf)
                y = None
                for _, _, v in _windows(x, kh, kw, sh, sw, 1, 1):
                    y = v if y is None else np.maximum(y, v)
            else:
                ones = np.ones_like(x)
                if o["padding"] == 0:
                    x = _pad_same(x, kh, kw, sh, sw)
                    ones = _pad_same(ones, kh, kw, sh, sw)
                s = sum(v for _, _, v in _windows(x, kh, kw, sh, sw, 1, 1))
                cnt = sum(v for _, _, v in _windows(ones, kh, kw, sh, sw, 1, 1))
                y = s / cnt
            y = _act(y, o["activation"])
        elif k == "ADD":
            y = _act(ins[0] + ins[1], o["activation"])
        elif k == "SUB":
            y = _act(ins[0] - ins[1], o["activation"])
        elif k == "MUL":
            y = _act(ins[0] * ins[1], o["activation"])
        elif k == "RELU":
            y = np.maximum(ins[0], 0)
        elif k == "RELU6":
            y = np.clip(ins[0], 0, 6)
        elif k == "ABS":
            y = np.abs(ins[0])
        elif k == "LEAKY_RELU":
            y = np.where(ins[0] >= 0, ins[0], ins[0] * o["alpha"])
        elif k == "PRELU":
            y = np.where(ins[0] >= 0, ins[0], ins[0] * ins[1])
        elif k == "LOGISTIC":
            y = 1.0 / (1.0 + np.exp(-ins[0]))
        elif k == "RESHAPE":
            shape = list(np.asarray(ins[1]).reshape(-1)) if len(ins) > 1 and \
                ins[1] is not None else o["new_shape"]
            y = ins[0].reshape([int(s) for s in shape])
        elif k == "FULLY_CONNECTED":
            w = ins[1]
            y = ins[0].reshape(-1, w.shape[1]) @ w.T
            if len(ins) > 2 and ins[2] is not None:
                y = y + ins[2]
            y = _act(y, o["activation"])
        elif k == "SOFTMAX":
            e = np.exp((ins[0] - ins[0].max(axis=-1, keepdims=True)) *
                       o["beta"])
            y = e / e.sum(axis=-1, keepdims=True)
        elif k == "CONCATENATION":
            y = _act(np.concatenate(ins, axis=o["axis"]), o["activation"])
        elif k == "MEAN":
            y = ins[0].mean(axis=tuple(int(a) for a in
                                       np.asarray(ins[1]).reshape(-1)),
                            keepdims=o["keep_dims"])
        elif k == "STRIDED_SLICE":
            begin, end, strides = (np.asarray(v).reshape(-1).astype(int)
                                   for v in ins[1:4])
            if o["ellipsis_mask"] or o["new_axis_mask"]:
                raise NotImplementedError("STRIDED_SLICE masks")
            idx = []
            for d in range(ins[0].ndim):
                b = None if (o["begin_mask"] >> d) & 1 else begin[d]
                e = None if (o["end_mask"] >> d) & 1 else end[d]
                idx.append(b if (o["shrink_axis_mask"] >> d) & 1
                           else slice(b, e, strides[d]))
            y = ins[0][tuple(idx)]
        elif k == "GREATER_EQUAL":
            y = ins[0] >= ins[1]
        elif k == "LESS":
            y = ins[0] < ins[1]
        elif k == "CAST":
            y = ins[0].astype(np.float64)
        elif k == "L2_NORMALIZATION":
            y = ins[0] / np.sqrt((ins[0] ** 2).sum(axis=-1, keepdims=True))
        else:
            raise NotImplementedError(k)
        env[op.outputs[0]] = y
    return {model.tensors[t].name: env[t][:1] for t in model.outputs}


def synthetic_image(h, w, seed=20261127):
    """A deterministic smooth-plus-noise RGB image in 0..255 (float)."""
    rng = np.random.RandomState(seed)
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float64)
    base = np.stack([128 + 100 * np.sin(xx / 9.0 + c) * np.cos(yy / 13.0 - c)
                     for c in range(3)], axis=-1)
    img = np.clip(base + rng.uniform(-20, 20, size=base.shape), 0, 255)
    return np.round(img)


def _run_onnx(onnx_path, blob, runner):
    """{output name: flat float array} from OpenCV (runner) or onnx_numpy."""
    if runner is None:
        import onnx
        import onnx_numpy
        outs = onnx_numpy.run(onnx.load(onnx_path), {"input": blob})
        return {k: v.reshape(-1) for k, v in outs.items()}
    import subprocess
    import tempfile
    with tempfile.TemporaryDirectory() as d:
        blob.astype(np.float32).tofile(os.path.join(d, "in.bin"))
        subprocess.run([runner, onnx_path, os.path.join(d, "in.bin")] +
                       [str(v) for v in blob.shape] + [os.path.join(d, "out")],
                       check=True, stdout=subprocess.DEVNULL)
        # The runner names each file after the output: OpenCV lists outputs
        # in its own layer order, not the graph's.
        return {f[4:-4]: np.fromfile(os.path.join(d, f), np.float32)
                for f in sorted(os.listdir(d)) if f.startswith("out_")}


def main(argv):
    import tflite_to_onnx
    if len(argv) not in (3, 4):
        sys.stderr.write(__doc__)
        return 2
    tfl, onnx_path = argv[1:3]
    runner = argv[3] if len(argv) == 4 else None
    info = tflite_to_onnx.convert({os.path.basename(tfl): tfl}, onnx_path)
    model = tflite_reader.load(tfl)
    _, c, h, w = info["input"]["shape"]
    pre = info["preprocess"]
    img = synthetic_image(h, w)
    x = (img - np.array(pre["mean"])) * pre["scale"]
    ref = run(model, x[None])
    blob = np.transpose(x, (2, 0, 1))[None].astype(np.float32)
    outs = _run_onnx(onnx_path, blob, runner)
    names = tflite_to_onnx.OUTPUT_NAMES.get(os.path.basename(tfl), {})
    for o in info["outputs"]:
        got = outs[o["name"]].astype(np.float64)
        src = [k for k, v in names.items() if v == o["name"]]
        want = np.asarray(ref[src[0] if src else o["name"]]).reshape(-1)
        err = np.abs(got - want)
        print("%s (%s): max abs %.3g, max rel (to max |ref|) %.3g, "
              "cosine %.9f" % (o["name"], "OpenCV" if runner else "onnx_numpy",
                               err.max(), err.max() / np.abs(want).max(),
                               got @ want / np.linalg.norm(got) /
                               np.linalg.norm(want)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
