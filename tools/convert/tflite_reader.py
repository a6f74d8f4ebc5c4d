"""Minimal read-only accessor for TFLite flatbuffer models.

The TFLite schema (schema.fbs) is not packaged for Debian, so the tables are
read by their vtable slots with the python3-flatbuffers runtime. Only the
fields the converters need are exposed; the slot numbers below are the field
order in tensorflow/lite/schema/schema.fbs (stable: the schema only appends).
"""

import flatbuffers
import numpy as np

# TensorType enum -> numpy dtype (only the types the supported models use).
TENSOR_TYPES = {
    0: np.float32,
    1: np.float16,
    2: np.int32,
    3: np.uint8,
    4: np.int64,
    6: np.bool_,
    7: np.int16,
    9: np.int8,
}

# BuiltinOperator enum values this package knows by name.
BUILTIN_NAMES = {
    0: "ADD", 1: "AVERAGE_POOL_2D", 2: "CONCATENATION", 3: "CONV_2D",
    4: "DEPTHWISE_CONV_2D", 6: "DEQUANTIZE", 9: "FULLY_CONNECTED",
    11: "L2_NORMALIZATION", 14: "LOGISTIC", 17: "MAX_POOL_2D", 18: "MUL",
    19: "RELU", 21: "RELU6", 22: "RESHAPE", 25: "SOFTMAX", 34: "PAD",
    39: "TRANSPOSE", 40: "MEAN", 41: "SUB", 42: "DIV", 43: "SQUEEZE",
    45: "STRIDED_SLICE", 53: "CAST", 54: "PRELU", 55: "MAXIMUM", 57: "MINIMUM",
    58: "LESS", 62: "GREATER_EQUAL", 74: "SUM", 98: "LEAKY_RELU", 101: "ABS",
}

# ActivationFunctionType enum.
ACT_NONE, ACT_RELU, ACT_RELU_N1_TO_1, ACT_RELU6 = 0, 1, 2, 3
ACTIVATION_NAMES = {0: "NONE", 1: "RELU", 2: "RELU_N1_TO_1", 3: "RELU6",
                    4: "TANH", 5: "SIGN_BIT"}


class _Table:
    """A flatbuffer table plus typed slot readers (slot = field index)."""

    def __init__(self, buf, pos):
        self._t = flatbuffers.table.Table(buf, pos)

    def _off(self, slot):
        return self._t.Offset(4 + 2 * slot)

    def scalar(self, slot, flags, default):
        o = self._off(slot)
        if o == 0:
            return default
        return self._t.Get(flags, o + self._t.Pos)

    def i8(self, slot, default=0):
        return self.scalar(slot, flatbuffers.number_types.Int8Flags, default)

    def u8(self, slot, default=0):
        return self.scalar(slot, flatbuffers.number_types.Uint8Flags, default)

    def i32(self, slot, default=0):
        return self.scalar(slot, flatbuffers.number_types.Int32Flags, default)

    def u32(self, slot, default=0):
        return self.scalar(slot, flatbuffers.number_types.Uint32Flags, default)

    def f32(self, slot, default=0.0):
        return self.scalar(slot, flatbuffers.number_types.Float32Flags, default)

    def boolean(self, slot, default=False):
        return bool(self.scalar(slot, flatbuffers.number_types.BoolFlags,
                                default))

    def string(self, slot):
        o = self._off(slot)
        if o == 0:
            return None
        return self._t.String(o + self._t.Pos).decode("utf-8")

    def vector(self, slot, dtype):
        """A vector of scalars as a numpy array (a copy; empty if absent)."""
        o = self._off(slot)
        if o == 0:
            return np.zeros((0,), dtype=dtype)
        n = self._t.VectorLen(o)
        start = self._t.Vector(o)
        return np.frombuffer(self._t.Bytes, dtype=np.dtype(dtype).newbyteorder("<"),
                             count=n, offset=start).astype(dtype)

    def tables(self, slot):
        """A vector of tables as a list of _Table."""
        o = self._off(slot)
        if o == 0:
            return []
        n = self._t.VectorLen(o)
        start = self._t.Vector(o)
        out = []
        for i in range(n):
            elem = start + 4 * i
            out.append(_Table(self._t.Bytes, self._t.Indirect(elem)))
        return out

    def table(self, slot):
        o = self._off(slot)
        if o == 0:
            return None
        return _Table(self._t.Bytes, self._t.Indirect(o + self._t.Pos))


class Tensor:
    def __init__(self, index, name, shape, dtype, data, scale, zero_point):
        self.index = index
        self.name = name
        self.shape = [int(d) for d in shape]
        self.dtype = dtype
        self.data = data  # numpy array (dequantised to float32) or None
        self.scale = scale
        self.zero_point = zero_point


class Operator:
    def __init__(self, index, opcode, inputs, outputs, options):
        self.index = index
        self.opcode = opcode  # name string, e.g. "CONV_2D"
        self.inputs = [int(i) for i in inputs]   # -1 means "optional, absent"
        self.outputs = [int(i) for i in outputs]
        self.options = options  # dict of parsed builtin options


def _parse_options(opcode, t):
    """Builtin options for the operators the converters support."""
    if opcode == "CONV_2D":
        return {"padding": t.i8(0), "stride_w": t.i32(1), "stride_h": t.i32(2),
                "activation": t.i8(3), "dilation_w": t.i32(4, 1),
                "dilation_h": t.i32(5, 1)} if t else {}
    if opcode == "DEPTHWISE_CONV_2D":
        return {"padding": t.i8(0), "stride_w": t.i32(1), "stride_h": t.i32(2),
                "depth_multiplier": t.i32(3), "activation": t.i8(4),
                "dilation_w": t.i32(5, 1), "dilation_h": t.i32(6, 1)} if t else {}
    if opcode in ("MAX_POOL_2D", "AVERAGE_POOL_2D"):
        return {"padding": t.i8(0), "stride_w": t.i32(1), "stride_h": t.i32(2),
                "filter_w": t.i32(3), "filter_h": t.i32(4),
                "activation": t.i8(5)} if t else {}
    if opcode == "FULLY_CONNECTED":
        return {"activation": t.i8(0) if t else 0,
                "weights_format": t.i8(1) if t else 0,
                "keep_num_dims": t.boolean(2) if t else False}
    if opcode in ("ADD", "MUL", "SUB", "DIV", "L2_NORMALIZATION"):
        return {"activation": t.i8(0) if t else 0}
    if opcode == "CONCATENATION":
        return {"axis": t.i32(0) if t else 0, "activation": t.i8(1) if t else 0}
    if opcode == "RESHAPE":
        return {"new_shape": t.vector(0, np.int32).tolist() if t else None}
    if opcode == "SOFTMAX":
        return {"beta": t.f32(0, 1.0) if t else 1.0}
    if opcode in ("MEAN", "SUM"):
        return {"keep_dims": t.boolean(0) if t else False}
    if opcode == "SQUEEZE":
        return {"squeeze_dims": t.vector(0, np.int32).tolist() if t else []}
    if opcode == "STRIDED_SLICE":
        return {"begin_mask": t.i32(0), "end_mask": t.i32(1),
                "ellipsis_mask": t.i32(2), "new_axis_mask": t.i32(3),
                "shrink_axis_mask": t.i32(4)} if t else {
                    "begin_mask": 0, "end_mask": 0, "ellipsis_mask": 0,
                    "new_axis_mask": 0, "shrink_axis_mask": 0}
    if opcode == "CAST":
        return {"in_type": t.i8(0), "out_type": t.i8(1)} if t else {}
    if opcode == "LEAKY_RELU":
        return {"alpha": t.f32(0) if t else 0.0}
    return {}


class Model:
    """The first subgraph of a TFLite model, with constant tensors decoded."""

    def __init__(self, data: bytes):
        if len(data) < 8 or data[4:8] != b"TFL3":
            raise ValueError("not a TFLite flatbuffer (identifier TFL3 missing)")
        buf = bytearray(data)
        root = _Table(buf, flatbuffers.encode.Get(
            flatbuffers.packer.uoffset, buf, 0))
        self.version = root.u32(0)
        codes = []
        for oc in root.tables(1):
            code = oc.i32(3, 0)
            dep = oc.i8(0, 0)
            # Older files only set the deprecated int8 code; newer ones set
            # both, and the int32 field wins when it is larger.
            code = max(code, dep)
            codes.append(BUILTIN_NAMES.get(code, "BUILTIN_%d" % code)
                         if code != 32 else "CUSTOM:" + (oc.string(1) or ""))
        buffers = [b.vector(0, np.uint8) for b in root.tables(4)]
        subgraphs = root.tables(2)
        if len(subgraphs) != 1:
            raise ValueError("expected exactly one subgraph, got %d" %
                             len(subgraphs))
        sg = subgraphs[0]
        self.tensors = []
        for i, t in enumerate(sg.tables(0)):
            ttype = t.i8(1, 0)
            if ttype not in TENSOR_TYPES:
                raise ValueError("tensor %d: unsupported type %d" % (i, ttype))
            dtype = TENSOR_TYPES[ttype]
            shape = t.vector(0, np.int32)
            q = t.table(4)
            scale = q.vector(2, np.float32) if q else np.zeros(0, np.float32)
            zp = q.vector(3, np.int64) if q else np.zeros(0, np.int64)
            raw = buffers[t.u32(2, 0)] if buffers else np.zeros(0, np.uint8)
            data = None
            if raw.size:
                arr = np.frombuffer(raw.tobytes(),
                                    dtype=np.dtype(dtype).newbyteorder("<"))
                arr = arr.reshape(shape).astype(dtype)
                if scale.size and dtype in (np.uint8, np.int8):
                    # Per-tensor or per-axis (quantized_dimension) affine
                    # quantisation; dequantise to float32.
                    qdim = q.i32(6, 0)
                    bshape = [1] * arr.ndim
                    if scale.size > 1:
                        bshape[qdim] = scale.size
                    arr = ((arr.astype(np.float32) -
                            zp.reshape(bshape).astype(np.float32)) *
                           scale.reshape(bshape))
                if dtype == np.float16:
                    arr = arr.astype(np.float32)
                data = arr
            self.tensors.append(Tensor(i, t.string(3) or ("t%d" % i), shape,
                                       dtype, data, scale, zp))
        self.inputs = sg.vector(1, np.int32).tolist()
        self.outputs = sg.vector(2, np.int32).tolist()
        self.operators = []
        for i, op in enumerate(sg.tables(3)):
            name = codes[op.u32(0, 0)]
            self.operators.append(Operator(
                i, name, op.vector(1, np.int32), op.vector(2, np.int32),
                _parse_options(name, op.table(4))))


def load(path: str) -> Model:
    with open(path, "rb") as f:
        return Model(f.read())
