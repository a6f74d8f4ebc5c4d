"""Small ONNX graph builder shared by the TFLite and face-api converters.

It only emits what OpenCV 4.6's ONNX importer is known to accept (see
../shared/docs/MODELS.md): opset 10 (so Clip carries min/max as attributes),
Gemm with transB=1, PRelu with [C,1,1] slopes. Names are generated from a
counter and the graph is built in a fixed order, so the serialised model is
byte-for-byte identical on every run: the setup pins its SHA-256.
"""

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

OPSET = 10
# IR version 6 is what onnx 1.7-era tooling writes for opset 10; OpenCV 4.6
# does not look at it, but keeping it low keeps older readers happy.
IR_VERSION = 6


class GraphBuilder:
    def __init__(self, name):
        self.name = name
        self.nodes = []
        self.initializers = []
        self._counter = 0
        self._used = set()

    def _fresh(self, hint):
        base = "".join(c if c.isalnum() or c in "_./-" else "_" for c in hint)
        base = base or "v"
        name = base
        while name in self._used:
            self._counter += 1
            name = "%s_%d" % (base, self._counter)
        self._used.add(name)
        return name

    def reserve(self, name):
        """Claims a fixed name (the graph input) so no generated name takes it."""
        if name in self._used:
            raise ValueError("name %r already used" % name)
        self._used.add(name)
        return name

    def const(self, hint, array, dtype=np.float32):
        """Adds an initializer; returns its name."""
        name = self._fresh(hint)
        arr = np.ascontiguousarray(np.asarray(array, dtype=dtype))
        self.initializers.append(numpy_helper.from_array(arr, name))
        return name

    def node(self, op, inputs, hint, **attrs):
        """Adds one node with a single output; returns the output name."""
        out = self._fresh(hint)
        self.nodes.append(helper.make_node(op, list(inputs), [out],
                                           name=out + "/" + op, **attrs))
        return out

    def rename_output(self, old, new):
        """Gives the tensor produced by the last node writing `old` the name
        `new` (so graph outputs carry stable, documented names)."""
        if new in self._used and new != old:
            raise ValueError("output name %r already used" % new)
        self._used.add(new)
        for n in self.nodes:
            for i, o in enumerate(n.output):
                if o == old:
                    n.output[i] = new
            for i, x in enumerate(n.input):
                if x == old:
                    n.input[i] = new
        return new

    def model(self, input_name, input_shape, outputs):
        """outputs: list of (name, shape). Returns a checked ModelProto."""
        graph = helper.make_graph(
            self.nodes, self.name,
            [helper.make_tensor_value_info(input_name, TensorProto.FLOAT,
                                           list(input_shape))],
            [helper.make_tensor_value_info(n, TensorProto.FLOAT, list(s))
             for n, s in outputs],
            initializer=self.initializers)
        m = helper.make_model(
            graph, producer_name="facetrail-convert", producer_version="1",
            opset_imports=[helper.make_opsetid("", OPSET)])
        m.ir_version = IR_VERSION
        onnx.checker.check_model(m)
        return m


def save(model, path):
    """Writes the model; returns its bytes (for hashing by the caller)."""
    data = model.SerializeToString(deterministic=True)
    with open(path, "wb") as f:
        f.write(data)
    return data


def same_pads(in_size, kernel, stride, dilation=1):
    """TensorFlow SAME padding for one spatial axis: (before, after)."""
    out = -(-in_size // stride)
    eff = (kernel - 1) * dilation + 1
    total = max((out - 1) * stride + eff - in_size, 0)
    return total // 2, total - total // 2
