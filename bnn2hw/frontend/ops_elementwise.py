"""Elementwise float ops with constants: Add, Sub, Mul, Div, BatchNormalization, Clip, Neg.

On an accumulator they join its float chain; on the model input, the preprocessing; on a
binary activation, only a positive scalar scale is meaningful.
"""

from __future__ import annotations

import numpy as np
import onnx

from bnn2hw.frontend.context import Ctx
from bnn2hw.frontend.load import attr
from bnn2hw.frontend.values import AccVal, Act, InputVal, Value
from bnn2hw.ir.floatops import FloatOp, OpKind

__all__ = ["HANDLERS"]

_KINDS = {
    ("Add", False): OpKind.ADD,
    ("Add", True): OpKind.ADD,
    ("Sub", False): OpKind.SUB,
    ("Sub", True): OpKind.RSUB,
    ("Mul", False): OpKind.MUL,
    ("Mul", True): OpKind.MUL,
    ("Div", False): OpKind.DIV,
}


def _append(ctx: Ctx, node: onnx.NodeProto, v: Value, op: FloatOp) -> None:
    if isinstance(v, AccVal | InputVal):
        v.add_op(op)
        ctx.set(node, v)
    else:
        ctx.fail(node, "elementwise op not supported here")


def arith(ctx: Ctx, node: onnx.NodeProto) -> None:
    data, c, const_first = ctx.data_and_const(node)
    key = (node.op_type, const_first)
    if key not in _KINDS:
        ctx.fail(node, "constant divided by a tensor is not an affine map; not supported")
    kind = _KINDS[key]
    src = node.name or node.output[0]
    if isinstance(data, Act):
        if kind in (OpKind.MUL, OpKind.DIV) and c.size == 1 and float(c.ravel()[0]) > 0:
            f = float(c.ravel()[0])
            data.scale = data.scale * f if kind is OpKind.MUL else data.scale / f
            data.tensor = node.output[0]
            ctx.set(node, data)
            return
        ctx.fail(
            node,
            f"{node.op_type} on a binarized or quantized activation is not supported "
            "(only scaling by a positive scalar)",
        )
    if isinstance(data, AccVal):
        cc = ctx.channel_const(node, c, data)
    elif isinstance(data, InputVal):
        cc = ctx.input_const(node, data, c)
    else:
        ctx.fail(node, "operand not supported here")
    if kind is OpKind.DIV and np.any(cc == 0):
        ctx.fail(node, "division by zero in a constant")
    _append(ctx, node, data, FloatOp(kind, c=cc, source=src))


def batchnorm(ctx: Ctx, node: onnx.NodeProto) -> None:
    v = ctx.get(node, 0)
    if attr(node, "training_mode", 0):
        ctx.fail(node, "training_mode=1: export the model in eval() mode")
    if not isinstance(v, AccVal):
        ctx.fail(node, "BatchNormalization is supported after a binary layer's accumulator only")
    assert isinstance(v, AccVal)
    params = [np.asarray(ctx.const(node, i), dtype=np.float32) for i in range(1, 5)]
    names = ("scale", "bias", "mean", "var")
    ch = v.channels
    for nm, p in zip(names, params, strict=True):
        if p.size not in (1, ch):
            ctx.fail(node, f"{nm} has {p.size} values for {ch} channels")
        if not np.all(np.isfinite(p)):
            bad = int(np.flatnonzero(~np.isfinite(p.ravel()))[0])
            ctx.fail(
                node,
                f"{nm} is NaN or Inf at channel {bad}; the BatchNorm statistics are "
                "broken: retrain or recompute them",
            )
    eps = float(attr(node, "epsilon", 1e-5))
    var = params[3]
    if np.any(var < 0):
        bad = int(np.flatnonzero(var.ravel() < 0)[0])
        ctx.fail(
            node,
            f"negative running variance {var.ravel()[bad]:g} at channel {bad}; the "
            "BatchNorm statistics are broken: retrain or recompute them",
        )
    if np.any(var + np.float32(eps) <= 0):
        ctx.fail(node, "running variance + epsilon is zero; cannot normalise")
    flat = [p.reshape(()) if p.size == 1 else p.reshape(ch) for p in params]
    op = FloatOp(
        OpKind.BATCHNORM,
        c=flat[0],
        c2=flat[1],
        mean=flat[2],
        var=flat[3],
        eps=float(np.float32(eps)),
        source=node.name or node.output[0],
    )
    _append(ctx, node, v, op)


def clip(ctx: Ctx, node: onnx.NodeProto) -> None:
    v = ctx.get(node, 0)
    lo = ctx.opt_const(node, 1)
    hi = ctx.opt_const(node, 2)
    lo_v = np.float32(attr(node, "min", -3.4028234e38)) if lo is None else np.float32(lo)
    hi_v = np.float32(attr(node, "max", 3.4028234e38)) if hi is None else np.float32(hi)
    if isinstance(v, Act):
        ctx.fail(node, "Clip of a binarized activation is not supported")
    _append(
        ctx,
        node,
        v,
        FloatOp(
            OpKind.CLIP, c=np.asarray(lo_v), c2=np.asarray(hi_v), source=node.name or node.output[0]
        ),
    )


def neg(ctx: Ctx, node: onnx.NodeProto) -> None:
    _append(ctx, node, ctx.get(node, 0), FloatOp(OpKind.NEG, source=node.name or node.output[0]))


HANDLERS = {
    "Add": arith,
    "Sub": arith,
    "Mul": arith,
    "Div": arith,
    "BatchNormalization": batchnorm,
    "Clip": clip,
    "Neg": neg,
}
