"""Bit-exact execution of a bnn2hw Graph in numpy.

Binary layers run as XNOR + popcount on packed uint64 words; integer-input layers as integer
dot products with {+-1} weights. Both activation forms run: ``FloatAct`` evaluates the model's
own float32 arithmetic on the integer accumulator, ``ThresholdAct`` the folded ``acc >= T``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from bnn2hw import arith
from bnn2hw.errors import InputDataError, TieError
from bnn2hw.golden.windows import conv_vectors, pool_windows
from bnn2hw.ir.floatops import Binarizer, BinarizerKind, TiePolicy, apply_ops
from bnn2hw.ir.graph import Graph
from bnn2hw.ir.layers import (
    AccOut,
    FloatAct,
    InputStage,
    IntQuantizer,
    MatVec,
    MaxPoolBits,
    ThresholdAct,
)
from bnn2hw.ir.quant import int_quant

__all__ = [
    "GoldenResult",
    "epilogue_logits",
    "port_result",
    "quantize_input",
    "run_golden",
    "tensor_map",
]

_BATCH = 256


@dataclass
class GoldenResult:
    """What the golden model computes for a batch.

    Attributes:
        output: the model's output, model layout (float32 logits, or int64 indices).
        logits: the float epilogue's output, model layout, float32.
        acc: the last layer's integer accumulators (bnn2hw layout), int64.
        acts: every binarized tensor by layer name, (N, *layer.out_shape) uint8 bits; the
            quantized input is under "input" (bits uint8 or integers int64).
        labels: top-k indices when the graph selects labels, else None.
        tensors: ONNX tensor name -> layer name, for the binarized tensors the model also has.
    """

    output: np.ndarray
    logits: np.ndarray
    acc: np.ndarray
    acts: dict[str, np.ndarray] = field(default_factory=dict)
    labels: np.ndarray | None = None
    tensors: dict[str, str] = field(default_factory=dict)


def _check_tie(ties: np.ndarray, binarizer: Binarizer, what: str, layout: str) -> None:
    if binarizer.kind is BinarizerKind.SIGN and binarizer.tie is TiePolicy.ERROR and ties.any():
        idx = np.argwhere(ties)[0]
        raise TieError(
            f"{what}: Sign of exactly 0 at frame {idx[0]}, {layout} "
            f"{tuple(int(i) for i in idx[1:])}"
            f" (node '{binarizer.source}'); the model is not binary there: choose a convention"
            " with --sign-at-zero +1 or -1"
        )


def quantize_input(stage: InputStage, x: np.ndarray) -> np.ndarray:
    """Model-unit inputs (N, *stage.shape) -> quantized hardware input (N, *stage.out_shape).

    Returns int64 integers, or uint8 bits for a binarized input.
    """
    x = np.asarray(x, dtype=np.float32)
    y = apply_ops(stage.ops, x)
    q = stage.quant
    if isinstance(q, IntQuantizer):
        if q.declared:
            if not np.all(np.isfinite(y)) or np.any(y != np.round(y)):
                bad = np.argwhere(~np.isfinite(y) | (y != np.round(y)))[0]
                raise InputDataError(
                    f"input '{stage.name}': value {float(y[tuple(bad)]):g} at "
                    f"{tuple(int(i) for i in bad)}"
                    f" is not an integer; this model takes integers in [{q.lo}, {q.hi}]"
                )
            out = y.astype(np.int64)
            if out.min(initial=q.lo) < q.lo or out.max(initial=q.hi) > q.hi:
                raise InputDataError(
                    f"input '{stage.name}': values span [{out.min()}, {out.max()}], outside the "
                    f"declared integer range [{q.lo}, {q.hi}]"
                )
        else:
            codes = int_quant(y, q.scale, q.zero_point, q.qmin, q.qmax, q.rounding)
            out = codes.astype(np.int64)
    else:
        if not np.all(np.isfinite(y)):
            raise InputDataError(f"input '{stage.name}': NaN or Inf in the inputs")
        out, ties = q.apply(y)
        _check_tie(ties, q, f"input '{stage.name}'", "element")
    if stage.nchw:
        out = np.moveaxis(out, 1, -1)
    return np.ascontiguousarray(out).reshape(out.shape[0], *stage.out_shape)


def _accumulate(layer: MatVec, x: np.ndarray) -> np.ndarray:
    """Integer accumulators (N, *spatial, MH) in hardware units (P or integer dot product)."""
    n = x.shape[0]
    # a dense layer reads its input flattened in bnn2hw's (NHWC) order
    vec = conv_vectors(x, layer.conv) if layer.conv is not None else x.reshape(n, -1)
    lead = vec.shape[:-1]
    flat = vec.reshape(-1, layer.mw)
    if layer.in_type.binary:
        acc = arith.xnor_popcount(flat, layer.weights)
    else:
        acc = arith.int_dot(flat, layer.weights)
    return acc.reshape(*lead, layer.mh) if lead else acc.reshape(n, layer.mh)


def _float_act(layer: MatVec, act: FloatAct, acc: np.ndarray) -> np.ndarray:
    y = apply_ops(act.pre, layer.model_acc(acc).astype(np.float32))
    if act.pool is not None:
        y = pool_windows(y, act.pool, np.float32(-np.inf)).max(axis=-1)
        y = apply_ops(act.post, y)
    bits, ties = act.binarizer.apply(y)
    _check_tie(ties, act.binarizer, f"layer {layer.name}", "position/channel")
    return bits


def _maxpool(layer: MaxPoolBits, x: np.ndarray) -> np.ndarray:
    mask = np.broadcast_to(layer.and_mask, (x.shape[-1],)) if layer.and_mask.size else None
    neutral = mask.astype(np.uint8) if mask is not None else np.uint8(0)
    win = pool_windows(x, layer.pool, neutral)
    out = win.max(axis=-1)
    if mask is not None and mask.any():
        out = np.where(mask, win.min(axis=-1), out)
    return out.astype(np.uint8)


def _epilogue(graph: Graph, layer: MatVec, acc: np.ndarray) -> np.ndarray:
    assert isinstance(layer.act, AccOut)
    y = apply_ops(layer.act.epilogue, layer.model_acc(acc).astype(np.float32))
    if graph.output.nchw:
        y = np.moveaxis(y, -1, 1)
    return y.reshape(y.shape[0], *_logit_shape(graph, layer))


def epilogue_logits(graph: Graph, acc: np.ndarray) -> np.ndarray:
    """The model's float output from the last layer's accumulators (N, *acc shape)."""
    last = graph.layers[-1]
    assert isinstance(last, MatVec)
    return _epilogue(graph, last, np.asarray(acc, dtype=np.int64))


def port_result(
    graph: Graph, out: np.ndarray, labels: bool, acts: dict[str, np.ndarray]
) -> GoldenResult:
    """A hardware engine's result from its output port: ``out`` (N, frame elements) holds the
    last layer's accumulators, or the label indices when ``labels`` (selected in hardware);
    the logits follow from the accumulators by the same float epilogue as golden's."""
    n = int(out.shape[0])
    last = graph.layers[-1]
    assert isinstance(last, MatVec)
    if labels:
        acc = np.zeros((n, 0), dtype=np.int64)
        logits = np.zeros((n, 0), dtype=np.float32)
        output = out.reshape(n, *graph.output.shape) if graph.output.topk_in_model else out
        return GoldenResult(
            output=output, logits=logits, acc=acc, acts=acts, labels=out, tensors=tensor_map(graph)
        )
    acc = out.reshape(n, *last.out_shape)
    logits = epilogue_logits(graph, acc)
    return GoldenResult(
        output=logits, logits=logits, acc=acc, acts=acts, labels=None, tensors=tensor_map(graph)
    )


def _logit_shape(graph: Graph, layer: MatVec) -> tuple[int, ...]:
    if graph.output.topk_in_model:
        return (layer.mh,) if layer.conv is None else (layer.mh, *layer.conv.out_hw)
    return graph.output.shape


def run_golden(graph: Graph, x: np.ndarray, *, batch: int = _BATCH) -> GoldenResult:
    """Run the graph on model-unit inputs x (N, *input shape); returns every level's values."""
    x = np.asarray(x)
    expect = graph.input.shape
    if x.ndim != len(expect) + 1 or tuple(x.shape[1:]) != tuple(expect):
        raise InputDataError(
            f"inputs have shape {tuple(x.shape)}, the model takes "
            f"(N, {', '.join(map(str, expect))})"
        )
    parts = [_run_batch(graph, x[s : s + batch]) for s in range(0, max(1, x.shape[0]), batch)]
    if len(parts) == 1:
        return parts[0]
    cat = np.concatenate
    labels = None if parts[0].labels is None else cat([p.labels for p in parts])
    return GoldenResult(
        output=cat([p.output for p in parts]),
        logits=cat([p.logits for p in parts]),
        acc=cat([p.acc for p in parts]),
        acts={k: cat([p.acts[k] for p in parts]) for k in parts[0].acts},
        labels=labels,
        tensors=parts[0].tensors,
    )


def tensor_map(graph: Graph) -> dict[str, str]:
    """ONNX tensor name -> layer name for every binarized tensor that exists in the model."""
    out = {}
    if graph.input.quant_tensor and not graph.input.integer_input:
        out[graph.input.quant_tensor] = "input"
    for layer in graph.layers:
        if layer.out_tensor and not (isinstance(layer, MatVec) and isinstance(layer.act, AccOut)):
            out[layer.out_tensor] = layer.name
    return out


def _run_batch(graph: Graph, x: np.ndarray) -> GoldenResult:
    acts: dict[str, np.ndarray] = {}
    v = quantize_input(graph.input, x)
    acts["input"] = v
    acc = np.zeros((x.shape[0], 0), dtype=np.int64)
    logits = np.zeros((x.shape[0], 0), dtype=np.float32)
    for layer in graph.layers:
        if isinstance(layer, MaxPoolBits):
            v = _maxpool(layer, v)
            acts[layer.name] = v
            continue
        a = _accumulate(layer, v)
        act = layer.act
        if isinstance(act, AccOut):
            acc = a
            logits = _epilogue(graph, layer, a)
            break
        if isinstance(act, ThresholdAct):
            v = (a >= act.thresholds).astype(np.uint8)
        else:
            v = _float_act(layer, act, a)
        acts[layer.name] = v
    labels = None
    output = logits
    if graph.output.topk is not None:
        flat = acc.reshape(acc.shape[0], -1)
        labels = np.argsort(-graph.output.topk_sign * flat, axis=1, kind="stable")[
            :, : graph.output.topk
        ]
        if graph.output.topk_in_model:
            output = labels.reshape(labels.shape[0], *graph.output.shape).astype(np.int64)
    return GoldenResult(
        output=output, logits=logits, acc=acc, acts=acts, labels=labels, tensors=tensor_map(graph)
    )
