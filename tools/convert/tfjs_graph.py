"""TF.js graph-model -> ONNX (opset 10) that OpenCV 4.6 dnn loads.

The TF graph is NHWC; the ONNX graph is NCHW end to end, with one float32 input named
"input" of shape [1, 3, H, W], so cv::dnn::blobFromImage's output feeds it directly and no
Transpose runs on the hot path. Layout is tracked per tensor:
  * 4-D activations live in NCHW; their logical (TF) shape is kept in NHWC;
  * Reshape of a 4-D tensor feeding MatMul (a Keras Flatten) becomes Flatten on NCHW and
    the MatMul's weight rows are permuted from (h, w, c) to (c, h, w) order instead;
  * any other Reshape of a 4-D tensor gets a Transpose back to NHWC first.

Op mapping (also in docs/models.md):
  _FusedConv2D / Conv2D         -> Conv (HWIO -> OIHW; BiasAdd folded; Relu/Relu6/PReLU/
                                   LeakyRelu/FusedBatchNorm fused ops appended or folded)
  (Fused)DepthwiseConv2dNative  -> Conv with group = C_in (HW,C,M -> C*M,1,H,W)
  SAME padding                  -> explicit (possibly asymmetric) pads
  MaxPool / AvgPool             -> MaxPool / AveragePool
  Pad (channel or spatial)      -> Pad (attribute form)
  Add/AddV2/Mul/Sub with const  -> same op, const reshaped to [1,C,1,1] for 4-D tensors
  Relu6                         -> Clip(0, 6) (attribute form)
  _FusedMatMul / MatMul         -> Gemm (B stored transposed, transB=1)
  Mean over H,W                 -> GlobalAveragePool (+ Flatten without keep_dims)
  Sigmoid / Softmax / Relu / Tanh / Identity -> same

Anything else raises ConversionError naming the op: a converter that guessed would make
a model that loads and silently computes something else.
"""

import numpy as np

import onnx_builder
import tfjs_model


class ConversionError(Exception):
    pass


class _Tensor:
    """A converted tensor: ONNX name, logical TF (NHWC) shape, whether stored NCHW."""

    def __init__(self, name, shape, nchw, flatten_of=None):
        self.name = name
        self.shape = list(shape)
        self.nchw = nchw
        # (h, w, c) when this 2-D tensor is an NCHW Flatten of an NHWC [1,h,w,c] tensor.
        self.flatten_of = flatten_of


def _to_nchw_const(arr, rank):
    """Broadcast constant for an NHWC op, expressed for the NCHW tensor of `rank`."""
    arr = np.asarray(arr, dtype=np.float32)
    if rank != 4 or arr.size == 1:
        return arr.reshape([1] * max(arr.ndim, 1)) if arr.size == 1 else arr
    c = arr.shape[-1]
    if arr.size != c:
        raise ConversionError("only per-channel constants broadcast onto 4-D tensors")
    return arr.reshape(1, c, 1, 1)


def _placeholder_channels(node):
    """Channels of an NHWC Placeholder; 3 (RGB) when the graph leaves the shape open."""
    dims = node.raw_attr.get("shape", {}).get("shape", {}).get("dim", [])
    if len(dims) == 4 and int(dims[3].get("size", -1)) > 0:
        return int(dims[3]["size"])
    return 3


class Converter:
    """Converts one TfjsModel. Not thread-safe; single use."""

    def __init__(self, model, graph_name, input_hw):
        self.m = model
        self.b = onnx_builder.OnnxBuilder(graph_name)
        self.input_hw = input_hw
        self.t = {}
        consumers = {}
        for n in model.nodes:
            for i in n.inputs:
                consumers.setdefault(i, []).append(n)
        self.consumers = consumers

    # -- helpers -----------------------------------------------------------------------
    def w(self, name):
        if name not in self.m.weights:
            raise ConversionError("expected a constant input, got computed tensor %s" % name)
        return self.m.weights[name]

    def is_const(self, name):
        return name in self.m.weights

    def _base(self, node):
        parts = node.name.split("/")
        return "/".join(parts[-2:]) if len(parts) > 1 else node.name

    def run(self):
        phs = self.m.placeholders()
        if len(phs) != 1:
            raise ConversionError("expected exactly one Placeholder, got %d" % len(phs))
        h, w = self.input_hw
        c = _placeholder_channels(phs[0])
        name = self.b.add_input("input", [1, c, h, w])
        self.t[phs[0].name] = _Tensor(name, [1, h, w, c], True)
        for node in self._topo_order():
            if node.op in ("Const", "Placeholder"):
                continue
            handler = getattr(self, "_op_" + node.op.lstrip("_"), None)
            if handler is None:
                raise ConversionError("unsupported TF op %s (node %s)" % (node.op, node.name))
            self.t[node.name] = handler(node)
        return {n: self.t[n] for n in self.m.output_names()}

    def _topo_order(self):
        done, order = set(), []
        for root in self.m.nodes:
            stack = [(root, False)]
            while stack:
                node, expanded = stack.pop()
                if node.name in done:
                    continue
                if expanded:
                    done.add(node.name)
                    order.append(node)
                    continue
                stack.append((node, True))
                for i in reversed(node.inputs):
                    if i not in done:
                        stack.append((self.m.by_name[i], False))
        return order

    def x(self, node, k=0):
        src = node.inputs[k]
        if src not in self.t:
            raise ConversionError("%s: input %s is not a computed tensor" % (node.name, src))
        return self.t[src]

    # -- convolution -------------------------------------------------------------------
    def _pads(self, node, in_shape, kh, kw, sh, sw, dh=1, dw=1):
        padding = node.attr_s("padding", "VALID")
        if padding == "VALID":
            return [0, 0, 0, 0]
        if padding == "SAME":
            t, b = onnx_builder.same_pads(in_shape[1], kh, sh, dh)
            l, r = onnx_builder.same_pads(in_shape[2], kw, sw, dw)
            return [t, l, b, r]
        if padding == "EXPLICIT":
            e = node.attr_ints("explicit_paddings")
            return [e[2], e[4], e[3], e[5]]
        raise ConversionError("%s: padding %s" % (node.name, padding))

    def _conv_common(self, node, weight_oihw, bias, group, out_c):
        if node.attr_s("data_format", "NHWC") != "NHWC":
            raise ConversionError("%s: only NHWC graphs are supported" % node.name)
        x = self.x(node)
        strides = node.attr_ints("strides", [1, 1, 1, 1])
        dil = node.attr_ints("dilations", [1, 1, 1, 1])
        kh, kw = weight_oihw.shape[2], weight_oihw.shape[3]
        pads = self._pads(node, x.shape, kh, kw, strides[1], strides[2], dil[1], dil[2])
        fused = node.attr_strs("fused_ops")
        extra = node.inputs[2:]
        post = []
        if fused:
            if fused[0] == "BiasAdd":
                bias = self.w(extra[0]).astype(np.float32)
                post = fused[1:]
                extra = extra[1:]
            elif fused[0] == "FusedBatchNorm":
                scale, offset, mean, var = (self.w(e).astype(np.float64) for e in extra[:4])
                eps = node.attr_f("epsilon", 0.001)
                k = scale / np.sqrt(var + eps)
                weight_oihw = (weight_oihw * k.reshape(-1, 1, 1, 1)).astype(np.float32)
                base = bias if bias is not None else 0.0
                bias = ((base - mean) * k + offset).astype(np.float32)
                post = fused[1:]
                extra = extra[4:]
            else:
                raise ConversionError("%s: fused op %s" % (node.name, fused[0]))
        base = self._base(node)
        y = self.b.conv(x.name, weight_oihw, bias, base, strides=strides[1:3], pads=pads,
                        group=group, dilations=dil[1:3])
        oh = (x.shape[1] + pads[0] + pads[2] - ((kh - 1) * dil[1] + 1)) // strides[1] + 1
        ow = (x.shape[2] + pads[1] + pads[3] - ((kw - 1) * dil[2] + 1)) // strides[2] + 1
        y = self._activation(post, y, extra, node, rank=4)
        return _Tensor(y, [1, oh, ow, out_c], True)

    def _activation(self, post, y, extra, node, rank):
        base = self._base(node)
        for act in post:
            if act == "Relu":
                y = self.b.node("Relu", [y], base + "_relu")
            elif act == "Relu6":
                y = self.b.clip(y, 0.0, 6.0, base + "_relu6")
            elif act == "Prelu":
                slope = self.w(extra[0]).astype(np.float32)
                slope = slope.reshape(-1, 1, 1) if rank == 4 else slope.reshape(-1)
                y = self.b.node("PRelu", [y, self.b.const(base + "_slope", slope)], base + "_prelu")
            elif act == "LeakyRelu":
                y = self.b.node("LeakyRelu", [y], base + "_lrelu",
                                alpha=node.attr_f("leakyrelu_alpha", 0.2))
            elif act == "Elu":
                y = self.b.node("Elu", [y], base + "_elu", alpha=1.0)
            else:
                raise ConversionError("%s: fused activation %s" % (node.name, act))
        return y

    def _op_FusedConv2D(self, node):
        w = self.w(node.inputs[1]).astype(np.float32)  # HWIO
        return self._conv_common(node, np.transpose(w, (3, 2, 0, 1)), None, 1, w.shape[3])

    _op_Conv2D = _op_FusedConv2D

    def _op_DepthwiseConv2dNative(self, node):
        w = self.w(node.inputs[1]).astype(np.float32)  # H, W, C, M
        kh, kw, c, mult = w.shape
        oihw = np.transpose(w, (2, 3, 0, 1)).reshape(c * mult, 1, kh, kw)
        return self._conv_common(node, oihw, None, c, c * mult)

    _op_FusedDepthwiseConv2dNative = _op_DepthwiseConv2dNative

    # -- pooling / padding -------------------------------------------------------------
    def _pool(self, node, onnx_op):
        x = self.x(node)
        k = node.attr_ints("ksize")
        s = node.attr_ints("strides")
        pads = self._pads(node, x.shape, k[1], k[2], s[1], s[2])
        y = self.b.node(onnx_op, [x.name], self._base(node), kernel_shape=k[1:3],
                        strides=s[1:3], pads=pads)
        oh = (x.shape[1] + pads[0] + pads[2] - k[1]) // s[1] + 1
        ow = (x.shape[2] + pads[1] + pads[3] - k[2]) // s[2] + 1
        return _Tensor(y, [1, oh, ow, x.shape[3]], True)

    def _op_MaxPool(self, node):
        return self._pool(node, "MaxPool")

    def _op_AvgPool(self, node):
        return self._pool(node, "AveragePool")

    def _op_Pad(self, node):
        x = self.x(node)
        p = self.w(node.inputs[1]).astype(np.int64)
        value = 0.0
        if node.op == "PadV2":
            value = float(self.w(node.inputs[2]))
        if x.nchw:
            order = [0, 3, 1, 2]
            pads = [int(p[a, 0]) for a in order] + [int(p[a, 1]) for a in order]
        else:
            pads = [int(v) for v in p[:, 0]] + [int(v) for v in p[:, 1]]
        y = self.b.pad(x.name, pads, self._base(node), value)
        shape = [d + int(p[i, 0]) + int(p[i, 1]) for i, d in enumerate(x.shape)]
        return _Tensor(y, shape, x.nchw)

    _op_PadV2 = _op_Pad

    # -- element-wise ------------------------------------------------------------------
    def _binary(self, node, onnx_op):
        a_name, b_name = node.inputs[0], node.inputs[1]
        a_const, b_const = self.is_const(a_name), self.is_const(b_name)
        base = self._base(node)
        if a_const and b_const:
            raise ConversionError("%s: constant folding not implemented" % node.name)
        if a_const or b_const:
            t = self.t[b_name if a_const else a_name]
            c = _to_nchw_const(self.w(a_name if a_const else b_name), len(t.shape) if t.nchw else 0)
            cname = self.b.const(base + "_k", c)
            ins = [cname, t.name] if a_const else [t.name, cname]
            return _Tensor(self.b.node(onnx_op, ins, base), t.shape, t.nchw, t.flatten_of)
        a, b = self.t[a_name], self.t[b_name]
        if a.shape != b.shape or a.nchw != b.nchw:
            raise ConversionError("%s: broadcasting between computed tensors" % node.name)
        return _Tensor(self.b.node(onnx_op, [a.name, b.name], base), a.shape, a.nchw, a.flatten_of)

    def _op_AddV2(self, node):
        return self._binary(node, "Add")

    _op_Add = _op_AddV2

    def _op_Mul(self, node):
        return self._binary(node, "Mul")

    def _op_Sub(self, node):
        return self._binary(node, "Sub")

    def _unary(self, node, onnx_op, **attrs):
        x = self.x(node)
        return _Tensor(self.b.node(onnx_op, [x.name], self._base(node), **attrs),
                       x.shape, x.nchw, x.flatten_of)

    def _op_Relu(self, node):
        return self._unary(node, "Relu")

    def _op_Relu6(self, node):
        x = self.x(node)
        return _Tensor(self.b.clip(x.name, 0.0, 6.0, self._base(node)), x.shape, x.nchw,
                       x.flatten_of)

    def _op_Sigmoid(self, node):
        return self._unary(node, "Sigmoid")

    def _op_Tanh(self, node):
        return self._unary(node, "Tanh")

    def _op_Softmax(self, node):
        x = self.x(node)
        if len(x.shape) != 2 or x.nchw:
            raise ConversionError("%s: Softmax only on 2-D tensors" % node.name)
        return self._unary(node, "Softmax", axis=1)

    def _op_Identity(self, node):
        return self.x(node)

    # -- shape ops ---------------------------------------------------------------------
    def _op_Reshape(self, node):
        x = self.x(node)
        shape = [int(v) for v in self.w(node.inputs[1]).reshape(-1)]
        total = int(np.prod(x.shape))
        if -1 in shape:
            known = int(np.prod([d for d in shape if d != -1]))
            shape[shape.index(-1)] = total // known
        shape[0] = 1 if shape[0] in (-1, 1) else shape[0]
        base = self._base(node)
        users = self.consumers.get(node.name, [])
        if (x.nchw and len(shape) == 2 and users
                and all(u.op in ("MatMul", "_FusedMatMul") for u in users)):
            y = self.b.node("Flatten", [x.name], base, axis=1)
            return _Tensor(y, shape, False, flatten_of=tuple(x.shape[1:]))
        src = x.name
        if x.nchw:
            src = self.b.node("Transpose", [src], base + "_nhwc", perm=[0, 2, 3, 1])
        y = self.b.node("Reshape", [src, self.b.const(base + "_shape", np.array(shape))], base)
        return _Tensor(y, shape, False)

    def _op_FusedMatMul(self, node):
        x = self.x(node)
        if len(x.shape) != 2:
            raise ConversionError("%s: MatMul on rank %d" % (node.name, len(x.shape)))
        if node.attr_b("transpose_a"):
            raise ConversionError("%s: transpose_a" % node.name)
        w = self.w(node.inputs[1]).astype(np.float32)
        if node.attr_b("transpose_b"):
            w = w.T
        if x.flatten_of is not None:
            h, wd, c = x.flatten_of
            # rows are TF (h, w, c) order; the NCHW Flatten yields (c, h, w) order.
            w = w.reshape(h, wd, c, -1).transpose(2, 0, 1, 3).reshape(h * wd * c, -1)
        fused = node.attr_strs("fused_ops")
        bias, post, extra = None, [], node.inputs[2:]
        if fused:
            if fused[0] != "BiasAdd":
                raise ConversionError("%s: fused op %s" % (node.name, fused[0]))
            bias = self.w(extra[0]).astype(np.float32)
            post, extra = fused[1:], extra[1:]
        y = self.b.gemm(x.name, w, bias, self._base(node))
        y = self._activation(post, y, extra, node, rank=2)
        return _Tensor(y, [1, w.shape[1]], False)

    _op_MatMul = _op_FusedMatMul

    def _op_Mean(self, node):
        x = self.x(node)
        axes = sorted(int(a) % 4 for a in self.w(node.inputs[1]).reshape(-1))
        if not x.nchw or axes != [1, 2]:
            raise ConversionError("%s: Mean only over H,W of a 4-D tensor" % node.name)
        base = self._base(node)
        y = self.b.node("GlobalAveragePool", [x.name], base)
        if node.attr_b("keep_dims"):
            return _Tensor(y, [1, 1, 1, x.shape[3]], True)
        return _Tensor(self.b.node("Flatten", [y], base + "_flat", axis=1), [1, x.shape[3]], False)

    def _op_ConcatV2(self, node):
        parts = [self.t[i] for i in node.inputs[:-1]]
        axis = int(self.w(node.inputs[-1]))
        rank = len(parts[0].shape)
        axis %= rank
        nchw = parts[0].nchw
        if any(p.nchw != nchw for p in parts):
            raise ConversionError("%s: mixed layouts" % node.name)
        onnx_axis = [0, 2, 3, 1][axis] if nchw else axis
        y = self.b.node("Concat", [p.name for p in parts], self._base(node), axis=onnx_axis)
        shape = list(parts[0].shape)
        shape[axis] = sum(p.shape[axis] for p in parts)
        return _Tensor(y, shape, nchw)


def convert_generic(json_path, out_path, input_hw, graph_name, output_names):
    """Converts a single-input graph; each graph output becomes an ONNX output.

    `output_names` names the ONNX outputs, one per graph output in the graph's order.
    Returns (sha256, [(onnx output name, logical shape)]).
    """
    model = tfjs_model.load(json_path)
    conv = Converter(model, graph_name, input_hw)
    outs = conv.run()
    if len(outs) != len(output_names):
        raise ConversionError("graph has %d outputs, %d names given" % (len(outs), len(output_names)))
    result = []
    for (tf_name, t), name in zip(outs.items(), output_names):
        if t.nchw:
            raise ConversionError("4-D graph outputs are not supported (%s)" % tf_name)
        conv.b.rename(t.name, name)
        conv.b.add_output(name, t.shape)
        result.append((name, t.shape))
    return conv.b.save(out_path), result


def convert_blazeface(json_path, out_path, size):
    """BlazeFace: one output "detections" [1, 896, 17] = per anchor (logit, 16 regressors).

    Rows 0..511 are the stride-S/16 anchors, 512..895 the stride-S/8 anchors, each in
    (y, x, anchor) order -- the layout @vladmandic/human 3.3.6 builds with tf.concat.
    """
    model = tfjs_model.load(json_path)
    conv = Converter(model, "blazeface%d" % size, (size, size))
    outs = conv.run()
    by_shape = {}
    for t in outs.values():
        by_shape[tuple(t.shape)] = t
    try:
        c512, r512 = by_shape[(1, 512, 1)], by_shape[(1, 512, 16)]
        c384, r384 = by_shape[(1, 384, 1)], by_shape[(1, 384, 16)]
    except KeyError:
        raise ConversionError("BlazeFace outputs not [1,512|384,1|16]: %s"
                              % sorted(by_shape)) from None
    b = conv.b
    a = b.node("Concat", [c512.name, r512.name], "concat512", axis=2)
    c = b.node("Concat", [c384.name, r384.name], "concat384", axis=2)
    det = b.node("Concat", [a, c], "detections", axis=1)
    b.add_output(det, [1, 896, 17])
    return b.save(out_path), [(det, [1, 896, 17])]
