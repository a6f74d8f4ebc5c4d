#!/usr/bin/python3
"""Development check of the TF.js conversions (not part of setup or CI).

For each converted TF.js model in models/ this compares, on the same input:
  * OpenCV 4.6 dnn running models/<name>.onnx (needs python3-opencv, a dev-only package);
  * tfjs_numpy.py running the original TF.js graph in numpy (float64, NHWC);
  * the JS-runtime fixture in tests/fixtures/models/<name>.json when it exists.
The input is the fixtures' "ft-synth-v1" formula (tests/fixtures/models/README.md).

    /usr/bin/python3 tools/convert/check_tfjs.py [NAME...]
"""

import json
import os
import sys
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)

import convert_all  # noqa: E402
import tfjs_numpy  # noqa: E402


def synth_input(h, w, lo, hi):
    """ft-synth-v1, NHWC float32 (formula in tests/fixtures/models/README.md)."""
    out = np.empty((1, h, w, 3), dtype=np.float32)
    for c in range(3):
        for y in range(h):
            x = np.arange(w, dtype=np.float64)
            u = 0.5 * np.sin(0.11 * x + 0.07 * y + 1.3 * c) + 0.3 * np.cos(0.05 * x * y / h + c)
            out[0, y, :, c] = (lo + (u + 0.8) * (hi - lo) / 1.6).astype(np.float32)
    return out


def blazeface_rows(outs):
    by = {tuple(v.shape): v for v in outs.values()}
    return np.concatenate([np.concatenate([by[(1, 512, 1)], by[(1, 512, 16)]], 2),
                           np.concatenate([by[(1, 384, 1)], by[(1, 384, 16)]], 2)], 1)


def fixture_rows(fx):
    outs = {k: np.array(v["values"], dtype=np.float64).reshape(v["shape"])
            for k, v in fx["outputs"].items()}
    return blazeface_rows(outs) if len(outs) == 4 else next(iter(outs.values()))


def check(m, cv2):
    name, size = m["name"], m["converter"][1]
    lo, hi = (-1.0, 1.0) if m["preprocess"]["mean"][0] else (0.0, 1.0)
    x = synth_input(size, size, lo, hi)
    src = os.path.join(REPO, ".cache", "npm", m["pkg"][2], "package", m["sources"][0])
    ref = tfjs_numpy.load_and_run(src, x)
    ref = blazeface_rows(ref) if m["converter"][0] == "tfjs-blazeface" else next(iter(ref.values()))
    net = cv2.dnn.readNetFromONNX(os.path.join(REPO, "models", name + ".onnx"))
    net.setInput(np.ascontiguousarray(x.transpose(0, 3, 1, 2)))
    got = net.forward().reshape(ref.shape)
    times = []
    for _ in range(20):
        net.setInput(np.ascontiguousarray(x.transpose(0, 3, 1, 2)))
        t0 = time.perf_counter()
        net.forward()
        times.append(time.perf_counter() - t0)
    err = np.abs(got - ref)
    line = ("%-16s numpy: max abs %.2e, max rel %.2e (|ref| max %.3g); cv forward %.2f ms"
            % (name, err.max(), (err / np.maximum(np.abs(ref), 1e-3)).max(), np.abs(ref).max(),
               1e3 * float(np.median(times))))
    fx_path = os.path.join(REPO, "tests", "fixtures", "models", name + ".json")
    ok = err.max() <= 1e-4 + 1e-3 * np.abs(ref).max()
    if os.path.exists(fx_path):
        with open(fx_path) as f:
            fx = json.load(f)
        js = fixture_rows(fx).reshape(ref.shape)
        e2 = np.abs(got - js)
        tol_ok = bool(np.all(e2 <= 1e-4 + 1e-3 * np.abs(js)))
        ok = ok and tol_ok
        line += "; JS fixture: max abs %.2e (%s)" % (e2.max(), "within tol" if tol_ok else "OUT OF TOL")
    print(line)
    return ok


def main(argv):
    import cv2  # dev-only dependency (python3-opencv)
    cv2.setNumThreads(1)
    names = set(argv[1:])
    ok = True
    for m in convert_all.MODELS:
        if m["converter"][0] in ("tfjs", "tfjs-blazeface") and (not names or m["name"] in names):
            ok = check(m, cv2) and ok
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
