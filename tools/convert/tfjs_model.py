"""Reads a TF.js graph-model (model.json + weight shards) into plain Python/numpy.

A graph-model's model.json holds a TensorFlow GraphDef rendered as JSON ("modelTopology")
and a "weightsManifest": groups of shard files whose concatenated bytes hold every Const
tensor in manifest order. Weights may be quantised; they are dequantised here exactly as
tfjs-core's io.decodeWeights does:
  * uint8 / uint16: value = q * scale + min (computed in float32);
  * float16: IEEE half -> float32.

Input is trusted-but-checked: the files come from pinned npm tarballs, yet sizes are still
verified so a truncated shard fails loudly instead of producing a garbage model.
"""

import base64
import json
import os

import numpy as np

_DTYPES = {
    "float32": np.float32,
    "int32": np.int32,
    "bool": np.bool_,
}
_QUANT_DTYPES = {"uint8": np.uint8, "uint16": np.uint16, "float16": np.float16}


class TfjsNode:
    """One GraphDef node: name, op, data inputs (control inputs dropped), decoded attrs."""

    def __init__(self, raw, index):
        self.index = index
        self.name = raw["name"]
        self.op = raw["op"]
        self.inputs = [_strip_port(i) for i in raw.get("input", []) if not i.startswith("^")]
        self.raw_attr = raw.get("attr", {})

    def attr_s(self, key, default=None):
        v = self.raw_attr.get(key)
        if v is None or "s" not in v:
            return default
        return base64.b64decode(v["s"]).decode("ascii")

    def attr_ints(self, key, default=None):
        v = self.raw_attr.get(key)
        if v is None:
            return default
        return [int(i) for i in v.get("list", {}).get("i", [])]

    def attr_strs(self, key):
        v = self.raw_attr.get(key)
        if v is None:
            return []
        return [base64.b64decode(s).decode("ascii") for s in v.get("list", {}).get("s", [])]

    def attr_f(self, key, default=None):
        v = self.raw_attr.get(key)
        if v is None or "f" not in v:
            return default
        return float(v["f"])

    def attr_b(self, key, default=False):
        v = self.raw_attr.get(key)
        if v is None or "b" not in v:
            return default
        return bool(v["b"])

    def attr_i(self, key, default=None):
        v = self.raw_attr.get(key)
        if v is None or "i" not in v:
            return default
        return int(v["i"])


def _strip_port(name):
    # "node:0" and "node" name the same (first) output; the graphs we convert use only
    # single-output nodes, which convert() checks.
    if ":" in name:
        base, port = name.rsplit(":", 1)
        if port != "0":
            raise ValueError("multi-output node reference %r is not supported" % name)
        return base
    return name


class TfjsModel:
    """Parsed graph-model: nodes in file order, weights by name, input/output names."""

    def __init__(self, nodes, weights, signature):
        self.nodes = nodes
        self.weights = weights
        self.signature = signature
        self.by_name = {n.name: n for n in nodes}

    def placeholders(self):
        return [n for n in self.nodes if n.op == "Placeholder"]

    def output_names(self):
        """Graph outputs: non-Const nodes nobody consumes, in file order."""
        consumed = {i for n in self.nodes for i in n.inputs}
        return [n.name for n in self.nodes if n.name not in consumed and n.op != "Const"]


def load(json_path):
    with open(json_path, "r", encoding="utf-8") as f:
        doc = json.load(f)
    if doc.get("format") != "graph-model":
        raise ValueError("%s: not a TF.js graph-model (format=%r)" % (json_path, doc.get("format")))
    nodes = [TfjsNode(raw, i) for i, raw in enumerate(doc["modelTopology"]["node"])]
    weights = _read_weights(os.path.dirname(json_path), doc["weightsManifest"])
    for n in nodes:
        if n.op == "Const" and n.name not in weights:
            raise ValueError("%s: Const %s has no weight in the manifest" % (json_path, n.name))
    signature = doc.get("signature") or (doc.get("userDefinedMetadata") or {}).get("signature")
    return TfjsModel(nodes, weights, signature)


def _read_weights(base_dir, manifest):
    weights = {}
    for group in manifest:
        blob = b"".join(_read_file(os.path.join(base_dir, p)) for p in group["paths"])
        offset = 0
        for spec in group["weights"]:
            shape = [int(d) for d in spec["shape"]]
            count = int(np.prod(shape)) if shape else 1
            quant = spec.get("quantization")
            if quant:
                qdtype = _QUANT_DTYPES[quant["dtype"]]
                nbytes = count * np.dtype(qdtype).itemsize
                raw = _slice(blob, offset, nbytes, spec["name"])
                q = np.frombuffer(raw, dtype=qdtype)
                if quant["dtype"] == "float16":
                    arr = q.astype(np.float32)
                else:
                    arr = (q.astype(np.float32) * np.float32(quant["scale"])
                           + np.float32(quant["min"])).astype(np.float32)
                if spec["dtype"] == "int32":
                    arr = np.round(arr).astype(np.int32)
            else:
                dtype = _DTYPES.get(spec["dtype"])
                if dtype is None:
                    raise ValueError("weight %s: dtype %s unsupported" % (spec["name"], spec["dtype"]))
                nbytes = count * np.dtype(dtype).itemsize
                arr = np.frombuffer(_slice(blob, offset, nbytes, spec["name"]), dtype=dtype)
            offset += nbytes
            weights[spec["name"]] = np.array(arr).reshape(shape)
        if offset != len(blob):
            raise ValueError("weight shards %s: %d bytes left over" % (group["paths"], len(blob) - offset))
    return weights


def _slice(blob, offset, nbytes, name):
    if offset + nbytes > len(blob):
        raise ValueError("weight %s runs past the end of its shards" % name)
    return blob[offset:offset + nbytes]


def _read_file(path):
    with open(path, "rb") as f:
        return f.read()
