"""The end of the chain: the last layer's accumulators, float epilogue, optional top-k."""

from __future__ import annotations

import re

import numpy as np
import onnx

from bnn2hw.errors import UnsupportedModelError
from bnn2hw.frontend.context import Ctx
from bnn2hw.frontend.load import LoadedModel, attr, describe
from bnn2hw.frontend.ops_act import layer_name
from bnn2hw.frontend.values import AccVal, Act
from bnn2hw.ir.floatops import FloatOp, apply_ops, direction, is_channel_uniform
from bnn2hw.ir.graph import Graph, OutputSpec
from bnn2hw.ir.layers import AccOut, InputStage, MatVec

__all__ = ["finish_output", "topk_direction"]


def _dialect(g: onnx.GraphProto) -> str:
    ops = {n.op_type for n in g.node}
    if ops & {"MultiThreshold", "XnorPopcountMatMul"}:
        return "finn"
    if ops & {"BipolarQuant", "Quant", "IntQuant"}:
        return "qonnx"
    return "torch"


def sanitize(name: str) -> str:
    """A C/Verilog-safe identifier from any string."""
    s = re.sub(r"[^A-Za-z0-9_]", "_", name)
    s = re.sub(r"_+", "_", s).strip("_") or "model"
    return ("m_" + s if s[0].isdigit() else s)[:48]


def topk_direction(layer: MatVec, epilogue: tuple[FloatOp, ...]) -> int | None:
    """+1 / -1 when ordering the accumulators gives the same order as the float output (the same
    strictly monotone map for every channel), else None."""
    if not is_channel_uniform(epilogue):
        return None
    d = np.unique(direction(epilogue, layer.mh))
    if d.size != 1 or d[0] == 0:
        return None
    lo_c, hi_c = layer.acc_range()
    acc = np.arange(int(lo_c.min()), int(hi_c.max()) + 1, dtype=np.int64)
    model_acc = layer.model_acc(acc)
    y = apply_ops(epilogue, model_acc.astype(np.float32)[:, None])[:, 0]
    diffs = np.diff(y) * int(d[0])
    return int(d[0]) if np.all(diffs > 0) else None


def finish_output(ctx: Ctx, lm: LoadedModel, g: onnx.GraphProto, options: object) -> Graph:
    out_name = g.output[0].name
    v = ctx.values.get(out_name)
    where = f"{lm.path}: output '{out_name}'"
    if isinstance(v, Act):
        raise UnsupportedModelError(
            f"{where} is a binarized activation; bnn2hw expects the last layer to output its "
            "accumulators (logits), without a sign"
        )
    if not isinstance(v, AccVal):
        raise UnsupportedModelError(f"{where} is not computed by a binary layer")
    if v.pool is not None:
        raise UnsupportedModelError(f"{where}: max-pooling of the final logits is not supported")
    if not isinstance(ctx.input_stage, InputStage):
        raise UnsupportedModelError(f"{where}: the model input never reaches a layer")
    pend = v.layer
    epilogue = tuple(v.pre)
    last = MatVec(
        name=layer_name(ctx, "conv" if pend.conv is not None else "dense"),
        source=pend.source,
        weights=pend.weights,
        in_type=pend.in_type,
        acc_kind=pend.acc_kind,
        act=AccOut(epilogue=epilogue),
        conv=pend.conv,
        in_shape=pend.in_shape,
        out_tensor=out_name,
    )
    ctx.layers.append(last)
    topk = getattr(options, "topk", None)
    am = ctx.argmax_node
    keepdims = True
    if am is not None:
        if am.output[0] != out_name:
            raise UnsupportedModelError(f"{describe(am)}: ArgMax must be the last node")
        axis = attr(am, "axis", 0)
        if axis not in (1, -1) or len(v.model_shape) != 1:
            raise UnsupportedModelError(
                f"{describe(am)}: ArgMax over axis {axis}; only over the "
                "class axis of (N, C) logits"
            )
        if attr(am, "select_last_index", 0):
            raise UnsupportedModelError(f"{describe(am)}: select_last_index=1 is not supported")
        keepdims = bool(attr(am, "keepdims", 1))
        topk = 1
    if topk is not None:
        what = describe(am) if am is not None else f"{where}: --topk {topk}"
        if len(v.model_shape) != 1 or not 1 <= topk <= v.model_shape[0]:
            raise UnsupportedModelError(f"{what}: top-k needs 1 <= k <= classes of (N, C) logits")
        sign = topk_direction(last, epilogue)
        if sign is None:
            raise UnsupportedModelError(
                f"{what}: the float epilogue of '{pend.source}' is not the same strictly "
                "monotone map for every class, so selecting labels on the integer accumulators "
                "could differ from the float logits; select labels on the host instead"
            )
    else:
        sign = 1
    if am is not None:
        shape: tuple[int, ...] = (1,) if keepdims else ()
    else:
        shape = v.model_shape
    spec = OutputSpec(
        name=out_name,
        shape=shape,
        nchw=pend.conv is not None,
        topk=topk,
        topk_in_model=am is not None,
        argmax_keepdims=keepdims,
        topk_sign=sign,
    )
    return Graph(
        name=sanitize(lm.path.stem),
        source_file=lm.path.name,
        source_hash=lm.sha256,
        dialect=_dialect(g),
        input=ctx.input_stage,
        layers=tuple(ctx.layers),
        output=spec,
        tie=ctx.tie,
    )
