"""Multi-operator patterns in TFLite graphs that tflite_to_onnx.py rewrites.

Each finder runs over the whole graph before conversion, so the operators it
absorbs are skipped whatever their order in the operator list. A finder only
matches when every intermediate tensor has exactly the one consumer the
pattern expects: otherwise the intermediate is needed elsewhere and the ops
are converted one by one.
"""

import numpy as np

from tflite_reader import ACT_NONE


def static_constant(model, producer, t):
    """The value of tensor t when it is constant, directly or through a
    DEQUANTIZE of a constant (float16 / int8 weights); else None."""
    if model.tensors[t].data is not None:
        return model.tensors[t].data
    p = producer.get(t)
    if p is not None and p.opcode == "DEQUANTIZE":
        return model.tensors[p.inputs[0]].data
    return None


def _plain(op):
    return op.options.get("activation", ACT_NONE) == ACT_NONE


def _only(consumers, t, op):
    users = consumers.get(t, [])
    return len(users) == 1 and users[0] is op


def find_prelus(model, consumers):
    """Relu(x) + c * (x - |x|), how Keras' PReLU reached TFLite, is
    PRelu(x, 2c): for x < 0 the sum is c * 2x. Returns
    ({relu op index: (final ADD op, c)}, {absorbed op indices})."""
    producer = {o.outputs[0]: o for o in model.operators}
    found, fused = {}, set()
    for relu in model.operators:
        if relu.opcode != "RELU":
            continue
        x, r = relu.inputs[0], relu.outputs[0]
        for a in consumers.get(x, []):
            if a.opcode != "ABS":
                continue
            subs = [o for o in consumers.get(a.outputs[0], [])
                    if o.opcode == "SUB" and o.inputs == [x, a.outputs[0]]]
            if len(subs) != 1 or not _only(consumers, a.outputs[0], subs[0]):
                continue
            sub = subs[0]
            users = consumers.get(sub.outputs[0], [])
            if len(users) != 1 or users[0].opcode != "MUL" or not _plain(sub):
                continue
            mul = users[0]
            other = [i for i in mul.inputs if i != sub.outputs[0]]
            c = static_constant(model, producer, other[0]) \
                if len(other) == 1 else None
            users = consumers.get(mul.outputs[0], [])
            if c is None or len(users) != 1 or not _plain(mul):
                continue
            add = users[0]
            if (add.opcode != "ADD" or not _plain(add) or
                    sorted(add.inputs) != sorted([r, mul.outputs[0]]) or
                    not _only(consumers, r, add)):
                continue
            found[relu.index] = (add, c)
            fused |= {a.index, sub.index, mul.index, add.index}
            break
    return found, fused


def find_centred_fcs(model, consumers):
    """FULLY_CONNECTED(x - c) with a constant c is FULLY_CONNECTED(x) with
    bias b - W c. FaceAntiSpoofing's routing units subtract a full [1, N] mean
    right before a projection; OpenCV 4.6 folds only per-channel constants
    into Sub, so the mean goes into the Gemm bias. Returns
    ({fc op index: (x tensor, c as float64 vector)}, {absorbed op indices})."""
    producer = {o.outputs[0]: o for o in model.operators}
    found, fused = {}, set()
    for fc in model.operators:
        if fc.opcode != "FULLY_CONNECTED":
            continue
        sub = producer.get(fc.inputs[0])
        if (sub is None or sub.opcode != "SUB" or not _plain(sub) or
                not _only(consumers, sub.outputs[0], fc)):
            continue
        c = static_constant(model, producer, sub.inputs[1])
        if c is None:
            continue
        fused.add(sub.index)
        found[fc.index] = (sub.inputs[0], np.asarray(c, np.float64).reshape(-1))
    return found, fused
