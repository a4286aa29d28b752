"""Near ties: decisions that float rounding elsewhere could flip.

bnn2hw's threshold follows the float32 evaluation of the exact accumulator. Another runtime may
round differently: it sums the products of a folded weight scale in another order, or computes
BatchNorm with another (algebraically equal) formula. Where the activation at the two
accumulator values around a threshold is closer to the decision point than such rounding can
move it, the float model itself is ambiguous there. Those (channel, value) places are reported,
never silently accepted.

The rounding bound is propagated through the op chain in float64, per channel:
  * the sum of K products: exact when the accumulator's per-step value (the scale the layer
    multiplies it by) is a power of two and K * max|input| < 2**24; otherwise at most
    u * K * max|input| * |scale| (u = 2**-24);
  * every elementwise op adds SLACK half-ulps of its result (and of the constants a refactored
    formula would round), and scales the incoming bound by its derivative.
"""

from __future__ import annotations

import numpy as np

from bnn2hw import arith
from bnn2hw.ir.floatops import BinarizerKind, FloatOp, OpKind
from bnn2hw.ir.layers import FloatAct, MatVec

__all__ = ["SLACK", "near_ties", "rounding_bound"]

SLACK = 4.0
U32 = 2.0**-24


def _ulp(v: np.ndarray) -> np.ndarray:
    return SLACK * U32 * np.abs(v)


def _c(a: np.ndarray | None, n: int) -> np.ndarray:
    return np.broadcast_to(np.asarray(a, dtype=np.float64), (n,))


def rounding_bound(
    ops: tuple[FloatOp, ...], x: np.ndarray, err0: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Float64 values of the chain on x (rows of channels) and a bound on how far float32
    evaluations in any reasonable order can be from them."""
    y = x.astype(np.float64)
    err = np.broadcast_to(err0, y.shape).astype(np.float64)
    n = y.shape[-1]
    for op in ops:
        k = op.kind
        if k in (OpKind.ADD, OpKind.SUB, OpKind.RSUB):
            y = op.apply(y, np.float64)
            err = err + _ulp(y) + _ulp(_c(op.c, n))
        elif k in (OpKind.MUL, OpKind.DIV):
            c = _c(op.c, n)
            y = op.apply(y, np.float64)
            err = err * (np.abs(c) if k is OpKind.MUL else 1 / np.abs(c)) + _ulp(y)
        elif k is OpKind.BATCHNORM:
            std = np.sqrt(_c(op.var, n) + op.eps)
            a = _c(op.c, n) / std
            mean, bias = _c(op.mean, n), _c(op.c2, n)
            centred = y - mean
            y = op.apply(y, np.float64)
            # spec order (x - mean) / std * scale + bias, or x * a + (bias - mean * a)
            terms = _ulp(centred) * np.abs(a) + _ulp(y) + _ulp(mean * a) + _ulp(bias)
            err = err * np.abs(a) + terms + _ulp(centred * a) * 2
        else:  # CLIP, NEG: no rounding, derivative at most 1
            y = op.apply(y, np.float64)
    return y, err


def _leading_scale(ops: tuple[FloatOp, ...], channels: int) -> tuple[np.ndarray, int]:
    """Product of the MUL ops applied to the accumulator first, and how many there are."""
    unit = np.ones(channels, dtype=np.float64)
    count = 0
    for op in ops:
        if op.kind is not OpKind.MUL:
            break
        unit = unit * np.broadcast_to(np.asarray(op.c, dtype=np.float64), (channels,))
        count += 1
    return unit, count


def near_ties(
    layer: MatVec, act: FloatAct, thresholds: np.ndarray, flipped: np.ndarray, constant: np.ndarray
) -> list[tuple[int, int, float, float]]:
    """(channel, accumulator value as the model sees it, margin, rounding bound) of every
    data-dependent channel whose decision is within rounding of its threshold."""
    chans = np.flatnonzero(constant == 0)
    if chans.size == 0:
        return []
    # the last value on the 0 side and the first on the 1 side, unflipped hardware domain
    t = thresholds[chans]
    u = np.where(flipped[chans], arith.mirror(t, layer.in_type.binary, layer.mw), t - 1)
    ma = np.zeros((2, layer.mh), dtype=np.float64)
    ma[:, chans] = layer.model_acc(np.stack([u, u + 1]))
    unit, lead = _leading_scale(act.pre, layer.mh)
    x_max = 1 if layer.in_type.binary else max(abs(layer.in_type.lo), abs(layer.in_type.hi))
    mant, _ = np.frexp(np.abs(unit))
    exact = ((mant == 0.5) | (unit == 0)) & (layer.mw * x_max < 2**24)
    y, err = rounding_bound(act.pre[:lead], ma, np.zeros(1))
    err = np.maximum(err, np.where(exact, 0.0, U32 * layer.mw * x_max * np.abs(unit)))
    y, err = rounding_bound(act.pre[lead:] + act.post, y, err)
    b = act.binarizer
    c = np.zeros(layer.mh) if b.kind is BinarizerKind.SIGN else np.broadcast_to(b.c, (layer.mh,))
    dist = np.abs(y - c)[:, chans]
    near = (dist < err[:, chans]).any(axis=0)  # an exact compare (no rounding) is never near
    out = []
    for k in np.flatnonzero(near):
        side = int(np.argmin(dist[:, k]))
        ch = int(chans[k])
        out.append((ch, int(ma[side, ch]), float(dist[side, k]), float(err[side, ch])))
    return out
