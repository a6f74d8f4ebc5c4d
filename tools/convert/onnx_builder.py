"""Small deterministic ONNX graph builder shared by the model converters.

Every converter under tools/convert/ emits ONNX that OpenCV 4.6 dnn must load, and the
produced bytes are pinned by SHA-256 in pins.json, so the builder guarantees:
  * nodes and initializers are serialised in the order they were added;
  * generated names are counters, never ids or timestamps;
  * the opset is fixed (default 10: Clip takes min/max as attributes, Pad takes pads as an
    attribute -- the forms OpenCV 4.6's importer accepts, see docs/models.md).

Helpers encode the importer constraints found by trial (docs/models.md):
  * gemm() always stores B transposed and sets transB=1;
  * clip() uses attributes;
  * conv() takes explicit pads (begin_h, begin_w, end_h, end_w).

Not thread-safe: one builder per model, used from one thread.
"""

import hashlib

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

DEFAULT_OPSET = 10


class OnnxBuilder:
    """Accumulates nodes/initializers in insertion order and writes one ONNX file."""

    def __init__(self, graph_name, opset=DEFAULT_OPSET):
        self.graph_name = graph_name
        self.opset = opset
        self.nodes = []
        self.initializers = []
        self.inputs = []
        self.outputs = []
        self._names = set()
        self._counter = 0

    # -- naming ------------------------------------------------------------------------
    def unique(self, base):
        """Returns a fresh tensor/node name derived from `base` (deterministic)."""
        base = base.replace(":", "_")
        name = base
        while name in self._names:
            self._counter += 1
            name = "%s__%d" % (base, self._counter)
        self._names.add(name)
        return name

    # -- graph edges ---------------------------------------------------------------------
    def add_input(self, name, shape, elem_type=TensorProto.FLOAT):
        self._names.add(name)
        self.inputs.append(helper.make_tensor_value_info(name, elem_type, list(shape)))
        return name

    def add_output(self, name, shape, elem_type=TensorProto.FLOAT):
        self.outputs.append(helper.make_tensor_value_info(name, elem_type, list(shape)))
        return name

    def rename(self, old, new):
        """Renames tensor `old` (a node output, e.g. a graph output) to `new`."""
        if new in self._names:
            raise ValueError("tensor name %s already used" % new)
        self._names.add(new)
        for n in self.nodes:
            for i, v in enumerate(n.output):
                if v == old:
                    n.output[i] = new
            for i, v in enumerate(n.input):
                if v == old:
                    n.input[i] = new
        return new

    def const(self, base, array):
        """Adds an initializer; float arrays are stored as float32, ints as int64."""
        arr = np.asarray(array)
        if arr.dtype.kind == "f":
            arr = arr.astype(np.float32)
        elif arr.dtype.kind in "iu":
            arr = arr.astype(np.int64)
        else:
            raise ValueError("unsupported initializer dtype %s for %s" % (arr.dtype, base))
        name = self.unique(base)
        self.initializers.append(numpy_helper.from_array(np.ascontiguousarray(arr), name))
        return name

    def node(self, op, inputs, base, n_outputs=1, **attrs):
        """Adds one node; returns its output name (or list of names if n_outputs > 1)."""
        outs = [self.unique(base if i == 0 else "%s_out%d" % (base, i)) for i in range(n_outputs)]
        self.nodes.append(
            helper.make_node(op, list(inputs), outs, name=outs[0], **attrs))
        return outs[0] if n_outputs == 1 else outs

    # -- importer-safe op helpers ---------------------------------------------------------
    def conv(self, x, weight_oihw, bias, base, strides=(1, 1), pads=(0, 0, 0, 0), group=1,
             dilations=(1, 1)):
        w = self.const(base + "_W", weight_oihw)
        ins = [x, w]
        if bias is not None:
            ins.append(self.const(base + "_B", bias))
        kh, kw = weight_oihw.shape[2], weight_oihw.shape[3]
        return self.node("Conv", ins, base, kernel_shape=[int(kh), int(kw)],
                         strides=[int(s) for s in strides], pads=[int(p) for p in pads],
                         group=int(group), dilations=[int(d) for d in dilations])

    def gemm(self, x, weight_in_out, bias, base):
        """y = x @ W + b, W given as [in, out]; stored transposed with transB=1."""
        w_t = np.ascontiguousarray(np.asarray(weight_in_out).T)
        w = self.const(base + "_W", w_t)
        if bias is None and self.opset < 11:
            bias = np.zeros(w_t.shape[0], np.float32)  # C is required before opset 11
        ins = [x, w]
        if bias is not None:
            ins.append(self.const(base + "_B", bias))
        return self.node("Gemm", ins, base, alpha=1.0, beta=1.0, transB=1)

    def clip(self, x, lo, hi, base):
        if self.opset > 10:
            raise ValueError("clip() emits attribute-form Clip; needs opset <= 10")
        return self.node("Clip", [x], base, min=float(lo), max=float(hi))

    def pad(self, x, pads, base, value=0.0):
        """pads in ONNX order: all begins then all ends, one per axis."""
        if self.opset > 10:
            raise ValueError("pad() emits attribute-form Pad; needs opset <= 10")
        return self.node("Pad", [x], base, mode="constant", pads=[int(p) for p in pads],
                         value=float(value))

    # -- output --------------------------------------------------------------------------
    def model(self, doc=""):
        graph = helper.make_graph(self.nodes, self.graph_name, self.inputs, self.outputs,
                                  initializer=self.initializers)
        m = helper.make_model(
            graph, producer_name="facetrail-convert", producer_version="1",
            opset_imports=[helper.make_opsetid("", self.opset)], doc_string=doc)
        # ir_version 6 is what opset 10/11 era readers (OpenCV 4.6's bundled proto) expect.
        m.ir_version = 6
        onnx.checker.check_model(m)
        return m

    def save(self, path, doc=""):
        """Writes the model; returns the SHA-256 hex of the bytes written."""
        data = self.model(doc).SerializeToString(deterministic=True)
        with open(path, "wb") as f:
            f.write(data)
        return hashlib.sha256(data).hexdigest()


def sha256_file(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def same_pads(in_size, kernel, stride, dilation=1):
    """TF 'SAME' padding for one spatial axis: (begin, end), extra pixel at the end."""
    eff_k = (kernel - 1) * dilation + 1
    out = (in_size + stride - 1) // stride
    total = max((out - 1) * stride + eff_k - in_size, 0)
    return total // 2, total - total // 2
