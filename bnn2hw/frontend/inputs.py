"""The model input: float preprocessing, then quantization to integers or bits (InputStage)."""

from __future__ import annotations

import numpy as np
import onnx

from bnn2hw.frontend.context import Ctx
from bnn2hw.frontend.values import Act, InputVal
from bnn2hw.ir.floatops import Binarizer, FloatOp, OpKind
from bnn2hw.ir.layers import InputStage, IntQuantizer

__all__ = ["declared_act", "finish_input", "input_range"]


def _layout(shape: tuple[int, ...]) -> tuple[tuple[int, ...], bool]:
    if len(shape) == 3:
        c, h, w = shape
        return (h, w, c), True
    if len(shape) == 1:
        return shape, False
    return (int(np.prod(shape)),), False


def finish_input(
    ctx: Ctx,
    node: onnx.NodeProto,
    inval: InputVal,
    quant: IntQuantizer | Binarizer,
    tensor: str,
    scale: float = 1.0,
    binary01: bool = False,
) -> Act:
    """Close the input stage with its quantizer; returns the quantized activation."""
    if ctx.input_stage is not None:
        ctx.fail(node, "the model input is quantized twice")
    if len(inval.shape) not in (1, 3):
        ctx.fail(
            node,
            f"input of rank {len(inval.shape) + 1} is not supported after preprocessing;"
            " bnn2hw takes (N, F) vectors or (N, C, H, W) images",
        )
    out_shape, nchw = _layout(inval.shape)
    stage = InputStage(
        shape=ctx.input_shape,
        ops=tuple(inval.ops),
        quant=quant,
        out_shape=out_shape,
        nchw=nchw,
        range=input_range(ctx, inval, quant),
        name=ctx.input_name,
        quant_tensor=tensor,
        integer_input=isinstance(quant, IntQuantizer) and quant.declared,
        binary01=binary01,
    )
    ctx.input_stage = stage
    vtype = stage.out_type
    return Act(
        vtype=vtype,
        scale=scale,
        shape=out_shape,
        model_shape=inval.shape,
        tensor=tensor,
        binary01=binary01,
    )


def declared_act(ctx: Ctx, node: onnx.NodeProto, inval: InputVal) -> Act:
    """A linear layer reads the model input directly: it must be declared integer."""
    if ctx.declared is None:
        ctx.fail(
            node,
            f"reads the real-valued model input '{ctx.input_name}' directly; declare "
            "integer inputs with --input-int uint8 (or int8, uintN, intN), or quantize them "
            "in the model (QONNX Quant / BipolarQuant, or a sign)",
        )
    assert ctx.declared is not None
    scale = 1.0
    kept = []
    for op in inval.ops:
        if op.kind is OpKind.RESHAPE:
            kept.append(op)
        elif (
            op.kind in (OpKind.MUL, OpKind.DIV) and op.c is not None and op.c.size == 1 and op.c > 0
        ):
            f = float(op.c.ravel()[0])
            scale = scale * f if op.kind is OpKind.MUL else scale / f
        else:
            ctx.fail(
                node,
                f"integer input '{ctx.input_name}' passes through '{op.source}' "
                f"({op.kind.value}); only reshapes and positive scalar scaling may sit between "
                "a declared integer input and the first layer",
            )
    inval = InputVal(shape=inval.shape, ops=kept)
    return finish_input(ctx, node, inval, ctx.declared, ctx.input_name, scale)


def _invert(ops: tuple[FloatOp, ...] | list[FloatOp], y: float) -> float | None:
    """Model input value that maps to y through scalar affine ops, or None."""
    for op in reversed(ops):
        if op.kind is OpKind.RESHAPE:
            continue
        if op.c is None or op.c.size != 1:
            return None
        c = float(op.c.ravel()[0])
        if op.kind is OpKind.ADD:
            y -= c
        elif op.kind is OpKind.SUB:
            y += c
        elif op.kind is OpKind.RSUB:
            y = c - y
        elif op.kind is OpKind.MUL and c != 0:
            y /= c
        elif op.kind is OpKind.DIV:
            y *= c
        else:
            return None
    return y


def input_range(ctx: Ctx, inval: InputVal, quant: IntQuantizer | Binarizer) -> tuple[float, float]:
    """Valid range of model inputs, for random test inputs (user choice wins)."""
    if ctx.input_range is not None:
        return ctx.input_range
    if isinstance(quant, IntQuantizer):
        if quant.declared:
            return float(quant.lo), float(quant.hi)
        s = float(np.asarray(quant.scale).ravel()[0])
        ends = [_invert(inval.ops, quant.lo * s), _invert(inval.ops, quant.hi * s)]
    else:
        c = float(np.asarray(quant.c).ravel()[0]) if np.asarray(quant.c).size else 0.0
        ends = [_invert(inval.ops, c - 1.0), _invert(inval.ops, c + 1.0)]
    if any(e is None for e in ends):
        return 0.0, 1.0
    lo, hi = sorted(float(e) for e in ends if e is not None)
    return lo, hi
