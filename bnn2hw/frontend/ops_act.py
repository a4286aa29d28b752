"""Binarizers: Sign, BipolarQuant, Quant, MultiThreshold and Where(cmp, +-1, -+1).

On an accumulator they close a layer (the model's float arithmetic plus the binarizer becomes a
FloatAct); on the model input they close the input stage.
"""

from __future__ import annotations

import numpy as np
import onnx

from bnn2hw.errors import NonBinaryError
from bnn2hw.frontend.context import Ctx
from bnn2hw.frontend.inputs import finish_input
from bnn2hw.frontend.load import attr
from bnn2hw.frontend.values import AccVal, Act, CmpVal, InputVal, Value
from bnn2hw.ir.floatops import Binarizer, BinarizerKind, FloatOp, OpKind, TiePolicy
from bnn2hw.ir.layers import FloatAct, IntQuantizer, MatVec, ValueType
from bnn2hw.ir.quant import ROUNDING_MODES, quant_range

__all__ = ["HANDLERS", "close_layer", "layer_name"]


def layer_name(ctx: Ctx, kind: str) -> str:
    return f"l{len(ctx.layers):02d}_{kind}"


def close_layer(
    ctx: Ctx,
    node: onnx.NodeProto,
    acc: AccVal,
    binarizer: Binarizer,
    scale: float,
    binary01: bool = False,
) -> Act:
    """Turn a pending layer plus its binarizer into a MatVec with a FloatAct."""
    if acc.flattened:
        ctx.fail(
            node,
            "a Flatten/Reshape sits between a convolution and its activation; "
            "binarize before flattening",
        )
    pend = acc.layer
    kind = "conv" if pend.conv is not None else "dense"
    tensor = node.output[0]
    layer = MatVec(
        name=layer_name(ctx, kind),
        source=pend.source,
        weights=pend.weights,
        in_type=pend.in_type,
        acc_kind=pend.acc_kind,
        act=FloatAct(
            pre=tuple(acc.pre),
            binarizer=binarizer,
            pool=acc.pool,
            post=tuple(acc.post),
            pool_source=acc.pool_source,
        ),
        conv=pend.conv,
        in_shape=pend.in_shape,
        out_tensor=tensor,
        binary01=binary01,
    )
    ctx.layers.append(layer)
    return Act(
        vtype=ValueType.bits(),
        scale=scale,
        shape=acc.shape,
        model_shape=acc.model_shape,
        tensor=tensor,
        binary01=binary01,
        producer=layer.name,
    )


def _binarize(
    ctx: Ctx, node: onnx.NodeProto, v: Value, b: Binarizer, scale: float, binary01: bool = False
) -> None:
    if not (scale > 0 and np.isfinite(scale)):
        ctx.fail(node, f"activation scale {scale:g} must be a positive number")
    if isinstance(v, AccVal):
        c = ctx.channel_const(node, b.c, v) if b.c.size > 1 else b.c.reshape(())
        b2 = Binarizer(b.kind, c, b.invert, b.tie, b.source)
        ctx.set(node, close_layer(ctx, node, v, b2, scale, binary01))
    elif isinstance(v, InputVal):
        a = finish_input(ctx, node, v, b, node.output[0], scale, binary01)
        ctx.set(node, a)
    elif isinstance(v, Act):
        ctx.fail(
            node,
            "binarizes a tensor that is already binary or quantized; remove the "
            "duplicate quantizer",
        )
    else:
        ctx.fail(node, "binarizer input not supported here")


def sign(ctx: Ctx, node: onnx.NodeProto) -> None:
    b = Binarizer(
        BinarizerKind.SIGN,
        np.zeros((), np.float32),
        tie=ctx.tie,
        source=node.name or node.output[0],
    )
    _binarize(ctx, node, ctx.get(node, 0), b, 1.0)


def _scalar(ctx: Ctx, node: onnx.NodeProto, i: int, what: str) -> float:
    c = ctx.const(node, i)
    if c.size != 1:
        ctx.fail(
            node,
            f"{what} must be a scalar, not of shape {list(c.shape)} (per-channel "
            "activation scales cannot be folded into a popcount)",
        )
    return float(np.asarray(c).ravel()[0])


def bipolar_quant(ctx: Ctx, node: onnx.NodeProto) -> None:
    s = _scalar(ctx, node, 1, "BipolarQuant scale")
    b = Binarizer(BinarizerKind.GE, np.zeros((), np.float32), source=node.name or node.output[0])
    _binarize(ctx, node, ctx.get(node, 0), b, s)


def quant(ctx: Ctx, node: onnx.NodeProto) -> None:
    v = ctx.get(node, 0)
    s = _scalar(ctx, node, 1, "Quant scale")
    zp = _scalar(ctx, node, 2, "Quant zero point")
    bits = _scalar(ctx, node, 3, "Quant bit width")
    signed, narrow = bool(attr(node, "signed", 1)), bool(attr(node, "narrow", 0))
    rounding = str(attr(node, "rounding_mode", "ROUND")).upper()
    src = node.name or node.output[0]
    if bits == 1 and signed:  # QONNX treats 1-bit signed Quant as x/scale + zp >= 0 -> +-1
        if isinstance(v, AccVal | InputVal):
            ops = [FloatOp(OpKind.DIV, c=np.asarray(s, np.float32), source=src)]
            if zp != 0:
                ops.append(FloatOp(OpKind.ADD, c=np.asarray(zp, np.float32), source=src))
            for op in ops:
                v.add_op(op)
        b = Binarizer(BinarizerKind.GE, np.zeros((), np.float32), source=src)
        _binarize(ctx, node, v, b, s)
        return
    if isinstance(v, AccVal | Act):
        ctx.fail(
            node,
            f"quantizes activations to {bits:g} bits; bnn2hw compiles binary "
            "activations (integers only at the first layer's input)",
            NonBinaryError,
        )
    if not isinstance(v, InputVal):
        ctx.fail(node, "Quant input not supported here")
    assert isinstance(v, InputVal)
    if bits != int(bits) or not 2 <= bits <= 16:
        ctx.fail(node, f"input bit width {bits:g} not supported (2..16)")
    if zp != int(zp) or s <= 0 or not np.isfinite(s):
        ctx.fail(
            node,
            f"scale {s:g} / zero point {zp:g}: need a positive scale and an integer zero point",
        )
    lo, hi = quant_range(int(bits), signed, narrow)
    q = IntQuantizer(
        scale=np.asarray(s, np.float32),
        zero_point=np.asarray(zp, np.float32),
        qmin=lo,
        qmax=hi,
        rounding=rounding,
        source=src,
    )
    if rounding not in ROUNDING_MODES:
        ctx.fail(node, f"rounding_mode '{rounding}' is not supported ({', '.join(ROUNDING_MODES)})")
    ctx.set(node, finish_input(ctx, node, v, q, node.output[0], s))


def multithreshold(ctx: Ctx, node: onnx.NodeProto) -> None:
    v = ctx.get(node, 0)
    t = np.asarray(ctx.const(node, 1), dtype=np.float32)
    if t.ndim != 2:
        ctx.fail(node, f"thresholds of shape {list(t.shape)}; expected (C, n)")
    if t.shape[1] != 1:
        ctx.fail(
            node,
            f"{t.shape[1]} thresholds per channel: a {t.shape[1] + 1}-level activation "
            "is not binary",
            NonBinaryError,
        )
    if attr(node, "data_layout", "NCHW") not in ("NCHW", "NC"):
        ctx.fail(node, f"data_layout={attr(node, 'data_layout')} not supported; use NCHW")
    out_scale, out_bias = float(attr(node, "out_scale", 1.0)), float(attr(node, "out_bias", 0.0))
    binary01 = out_scale == 1.0 and out_bias == 0.0
    if not binary01 and not (out_scale > 0 and out_bias == -out_scale / 2):
        ctx.fail(
            node,
            f"out_scale={out_scale:g}, out_bias={out_bias:g} give neither {{0,1}} nor "
            "{-s,+s} outputs",
            NonBinaryError,
        )
    scale = 1.0 if binary01 else out_scale / 2
    src = node.name or node.output[0]
    c = t[:, 0]
    if isinstance(v, InputVal | AccVal) and c.size > 1:  # thresholds run along channel axis 1
        shape = v.shape if isinstance(v, InputVal) else v.model_shape
        c = c.reshape(c.size, *([1] * (len(shape) - 1)))
    if isinstance(v, InputVal):
        c = ctx.input_const(node, v, c)
    b = Binarizer(BinarizerKind.GE, c, source=src)
    _binarize(ctx, node, v, b, scale, binary01)


_CMP = {
    "GreaterOrEqual": (BinarizerKind.GE, False),
    "Greater": (BinarizerKind.GT, False),
    "Less": (BinarizerKind.GE, True),  # x < c  <=>  not (x >= c)
    "LessOrEqual": (BinarizerKind.GT, True),  # x <= c <=>  not (x > c)
}
_SWAP = {
    "GreaterOrEqual": "LessOrEqual",
    "Greater": "Less",
    "Less": "Greater",
    "LessOrEqual": "GreaterOrEqual",
}


def compare(ctx: Ctx, node: onnx.NodeProto) -> None:
    data, c, const_first = ctx.data_and_const(node)
    op = _SWAP[node.op_type] if const_first else node.op_type
    kind, negate = _CMP[op]
    if not isinstance(data, AccVal | InputVal):
        ctx.fail(
            node,
            "comparison of this tensor is not supported (only as part of a "
            "Where(x >= c, 1, -1) binarizer)",
        )
    assert isinstance(data, AccVal | InputVal)
    ctx.set(
        node, CmpVal(data, kind, np.asarray(c, np.float32), negate, node.name or node.output[0])
    )


def where(ctx: Ctx, node: onnx.NodeProto) -> None:
    cond = ctx.get(node, 0)
    if not isinstance(cond, CmpVal):
        ctx.fail(node, "Where is supported only as a binarizer: Where(x >= c, 1, -1)")
    assert isinstance(cond, CmpVal)
    a, b = ctx.const(node, 1), ctx.const(node, 2)
    if (
        a.size != 1
        or b.size != 1
        or float(a.ravel()[0]) != -float(b.ravel()[0])
        or a.ravel()[0] == 0
    ):
        ctx.fail(
            node,
            f"Where selects {a.ravel()[:2]} / {b.ravel()[:2]}; a binarizer selects +s and -s",
            NonBinaryError,
        )
    hi = float(a.ravel()[0])
    invert = cond.negate ^ (hi < 0)
    c = cond.c
    if isinstance(cond.src, InputVal):
        c = ctx.input_const(node, cond.src, c)
    bz = Binarizer(cond.kind, c, invert=invert, tie=TiePolicy.ERROR, source=cond.source)
    _binarize(ctx, node, cond.src, bz, abs(hi))


HANDLERS = {
    "Sign": sign,
    "BipolarQuant": bipolar_quant,
    "Quant": quant,
    "IntQuant": quant,
    "MultiThreshold": multithreshold,
    "GreaterOrEqual": compare,
    "Greater": compare,
    "Less": compare,
    "LessOrEqual": compare,
    "Where": where,
}
