"""MatMul, Gemm, Conv and XnorPopcountMatMul: binary-weight layers."""

from __future__ import annotations

import math

import numpy as np
import onnx

from bnn2hw.errors import NonBinaryError
from bnn2hw.frontend.context import Ctx
from bnn2hw.frontend.inputs import declared_act
from bnn2hw.frontend.load import attr
from bnn2hw.frontend.values import AccVal, Act, InputVal, PendingMatVec, Value
from bnn2hw.ir.floatops import FloatOp, OpKind
from bnn2hw.ir.layers import AccKind, ConvGeom, ValueType

__all__ = ["HANDLERS", "binary_rows"]


def binary_rows(ctx: Ctx, node: onnx.NodeProto, w: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Split an (M, K) weight matrix into bits and a per-row magnitude: W[r] = s[r] * (+-1).

    A row of zeros is a constant channel (s = 0). Anything else must have one magnitude per row.
    """
    if not np.issubdtype(w.dtype, np.floating) and not np.issubdtype(w.dtype, np.integer):
        ctx.fail(node, f"weights of type {w.dtype} are not numbers", NonBinaryError)
    w = np.asarray(w, dtype=np.float64)
    if not np.all(np.isfinite(w)):
        ctx.fail(node, "weights contain NaN or Inf", NonBinaryError)
    mag = np.abs(w)
    s = mag.max(axis=1)
    zero_rows = s == 0
    bad = ~np.all((mag == s[:, None]) | zero_rows[:, None], axis=1)
    if bad.any():
        r = int(np.flatnonzero(bad)[0])
        vals = np.unique(w[r])
        shown = ", ".join(f"{v:g}" for v in vals[:4]) + (", ..." if vals.size > 4 else "")
        zeros = (
            " (zeros: Sign of a zero latent weight? binarize with where(w >= 0, 1, -1))"
            if (mag[r] == 0).any()
            else ""
        )
        ctx.fail(
            node,
            f"weights are not binary: output channel {r} has values {{{shown}}}{zeros}; "
            "bnn2hw needs +-1 weights, or +-alpha with one alpha per output channel",
            NonBinaryError,
        )
    bits = (w > 0).astype(np.uint8)
    bits[zero_rows] = 1
    return bits, s.astype(np.float32)


def _data_act(ctx: Ctx, node: onnx.NodeProto, v: Value) -> Act:
    if isinstance(v, InputVal):
        return declared_act(ctx, node, v)
    if isinstance(v, Act):
        return v
    if isinstance(v, AccVal):
        ctx.fail(
            node,
            "its input is not binarized: a real-valued activation feeds this layer "
            "(add a sign between layers; only the first layer may take integers)",
            NonBinaryError,
        )
    ctx.fail(node, "unexpected input (a constant data operand?)")
    raise AssertionError


def _acc_kind(ctx: Ctx, node: onnx.NodeProto, a: Act, xnor: bool) -> AccKind:
    if xnor:
        if not a.binary01:
            ctx.fail(node, "XnorPopcountMatMul needs a {0,1} binary input")
        return AccKind.POPCOUNT
    if a.binary01:
        ctx.fail(
            node,
            "a {0,1} (not +-1) activation feeds an arithmetic MatMul; use "
            "XnorPopcountMatMul or bipolar activations",
        )
    return AccKind.BIPOLAR_DOT if a.vtype.binary else AccKind.INT_DOT


def _scale_ops(node: onnx.NodeProto, a: Act, s: np.ndarray) -> list[FloatOp]:
    ops = []
    src = node.name or node.output[0]
    if a.scale != 1.0:
        ops.append(FloatOp(OpKind.MUL, c=np.asarray(a.scale, dtype=np.float32), source=src))
    if not np.all(s == 1.0):
        c = s if not np.all(s == s[0]) else s[:1].reshape(())
        ops.append(FloatOp(OpKind.MUL, c=np.asarray(c, dtype=np.float32), source=src))
    return ops


def _dense(ctx: Ctx, node: onnx.NodeProto, v: Value, w_mk: np.ndarray, xnor: bool) -> AccVal:
    """w_mk: (M, K) weights in the model's column order."""
    a = _data_act(ctx, node, v)
    k = int(np.prod(a.shape))
    if len(a.shape) != 1:
        ctx.fail(
            node, f"input of shape {list(a.model_shape)} is not flat; flatten before a dense layer"
        )
    if w_mk.shape[1] != k:
        ctx.fail(node, f"weights take {w_mk.shape[1]} inputs but the input has {k}")
    if xnor:
        if not np.all((w_mk == 0) | (w_mk == 1)):
            ctx.fail(node, "XnorPopcountMatMul weights must be 0/1", NonBinaryError)
        bits, s = w_mk.astype(np.uint8), np.ones(w_mk.shape[0], dtype=np.float32)
    else:
        bits, s = binary_rows(ctx, node, w_mk)
    if a.order is not None:
        bits = np.ascontiguousarray(bits[:, a.order])
    pend = PendingMatVec(
        node.name or node.output[0], bits, a.vtype, _acc_kind(ctx, node, a, xnor), None, a.shape
    )
    m = bits.shape[0]
    return AccVal(layer=pend, shape=(m,), model_shape=(m,), pre=_scale_ops(node, a, s))


def matmul(ctx: Ctx, node: onnx.NodeProto) -> None:
    x, w = ctx.get(node, 0), ctx.const(node, 1)
    if w.ndim != 2:
        ctx.fail(node, f"weights of rank {w.ndim}; bnn2hw needs a 2-D weight matrix")
    ctx.set(node, _dense(ctx, node, x, np.ascontiguousarray(w.T), node.op_type.startswith("Xnor")))


def gemm(ctx: Ctx, node: onnx.NodeProto) -> None:
    if attr(node, "transA", 0):
        ctx.fail(node, "transA=1 is not supported (the data operand must come first)")
    x, w = ctx.get(node, 0), ctx.const(node, 1)
    if w.ndim != 2:
        ctx.fail(node, f"weights of rank {w.ndim}; bnn2hw needs a 2-D weight matrix")
    w_mk = w if attr(node, "transB", 0) else w.T
    acc = _dense(ctx, node, x, np.ascontiguousarray(w_mk), False)
    src = node.name or node.output[0]
    alpha, beta = float(attr(node, "alpha", 1.0)), float(attr(node, "beta", 1.0))
    if alpha != 1.0:
        acc.pre.append(FloatOp(OpKind.MUL, c=np.asarray(alpha, dtype=np.float32), source=src))
    bias = ctx.opt_const(node, 2)
    if bias is not None:
        b = ctx.channel_const(node, np.asarray(bias, dtype=np.float32) * np.float32(beta), acc)
        acc.pre.append(FloatOp(OpKind.ADD, c=b, source=src))
    ctx.set(node, acc)


def _conv_pads(
    ctx: Ctx, node: onnx.NodeProto, hw: tuple[int, int], k: tuple[int, int], s: tuple[int, int]
) -> tuple[int, int, int, int]:
    auto = attr(node, "auto_pad", "NOTSET")
    if auto in ("NOTSET", ""):
        p = list(attr(node, "pads", [0, 0, 0, 0]))
        if len(p) != 4 or any(q < 0 for q in p):
            ctx.fail(node, f"pads={p} not supported (need 4 non-negative values)")
        return (p[0], p[1], p[2], p[3])
    if auto == "VALID":
        return (0, 0, 0, 0)
    pads = []
    for d in range(2):
        total = max((math.ceil(hw[d] / s[d]) - 1) * s[d] + k[d] - hw[d], 0)
        small, big = total // 2, total - total // 2
        pads.append((small, big) if auto == "SAME_UPPER" else (big, small))
    return (pads[0][0], pads[1][0], pads[0][1], pads[1][1])


def conv(ctx: Ctx, node: onnx.NodeProto) -> None:
    a = _data_act(ctx, node, ctx.get(node, 0))
    w = ctx.const(node, 1)
    if len(a.shape) != 3:
        ctx.fail(
            node,
            f"input of shape {list(a.model_shape)}; bnn2hw supports 2-D convolutions "
            "on (N, C, H, W) tensors",
        )
    if w.ndim != 4:
        ctx.fail(node, f"weights of rank {w.ndim}; only 2-D convolutions are supported")
    if attr(node, "group", 1) != 1:
        ctx.fail(
            node, f"group={attr(node, 'group')}: grouped/depthwise convolutions are not supported"
        )
    if any(d != 1 for d in attr(node, "dilations", [1, 1])):
        ctx.fail(node, f"dilations={attr(node, 'dilations')} are not supported")
    h, wd, c = a.shape
    m, cin, kh, kw = w.shape
    if cin != c:
        ctx.fail(node, f"weights expect {cin} input channels, the input has {c}")
    strides = tuple(attr(node, "strides", [1, 1]))
    kernel = (kh, kw)
    cpads = _conv_pads(ctx, node, (h, wd), kernel, (strides[0], strides[1]))
    pads, pad_value, in_type = cpads, 0, a.vtype
    if a.vtype.binary:
        if any(cpads):
            ctx.fail(
                node,
                f"zero padding (pads={list(cpads)}) of a binary input has no +-1 value "
                "and would not be exact; pad with -1 or +1 explicitly (e.g. "
                "F.pad(x, (1, 1, 1, 1), value=-1.0)) and use padding=0 in the convolution",
            )
        if a.pad is not None:
            pads, pad_value = a.pad
    elif a.pad is not None:
        ppads, pv = a.pad
        if any(cpads) and pv != 0:
            ctx.fail(
                node,
                "explicit padding with a non-zero value followed by convolution zero "
                "padding: two pad values are not supported",
            )
        pads = tuple(p + q for p, q in zip(ppads, cpads, strict=True))  # type: ignore[assignment]
        pad_value = pv
    if any(pads) and not a.vtype.binary:
        in_type = ValueType.integer(min(a.vtype.lo, pad_value), max(a.vtype.hi, pad_value))
    geom = ConvGeom(
        in_shape=(h, wd, c),
        kernel=kernel,
        stride=(strides[0], strides[1]),
        pads=pads,
        pad_value=int(pad_value),
    )  # type: ignore[arg-type]
    oh, ow = geom.out_hw
    if oh <= 0 or ow <= 0:
        ctx.fail(node, f"kernel {list(kernel)} does not fit the {h}x{wd} input")
    w_mk = np.ascontiguousarray(w.transpose(0, 2, 3, 1).reshape(m, kh * kw * c))
    bits, s = binary_rows(ctx, node, w_mk)
    pend = PendingMatVec(
        node.name or node.output[0], bits, in_type, _acc_kind(ctx, node, a, False), geom, a.shape
    )
    acc = AccVal(layer=pend, shape=(oh, ow, m), model_shape=(m, oh, ow), pre=_scale_ops(node, a, s))
    bias = ctx.opt_const(node, 2)
    if bias is not None:
        acc.pre.append(
            FloatOp(
                OpKind.ADD,
                c=ctx.channel_const(node, bias.reshape(1, m, 1, 1), acc),
                source=node.name or node.output[0],
            )
        )
    ctx.set(node, acc)


HANDLERS = {
    "MatMul": matmul,
    "Gemm": gemm,
    "Conv": conv,
    "XnorPopcountMatMul": matmul,
}
