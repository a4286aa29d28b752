"""Elementwise float32 operations, kept in the model's own order so the model's arithmetic is
reproduced exactly (same ops, same operand order, same float32 rounding).

These describe what sits between an integer accumulator and its binarizer (bias, BatchNorm,
scales, learnable thresholds), the float epilogue of the last layer, and the host-side input
preprocessing. Constants are float32 arrays that broadcast against the tensor they apply to
(for accumulators: shape () or (C,), channel last).
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

__all__ = [
    "Binarizer",
    "BinarizerKind",
    "FloatOp",
    "OpKind",
    "TiePolicy",
    "apply_ops",
    "direction",
    "is_channel_uniform",
]


class OpKind(enum.Enum):
    """One elementwise float32 operation; ``c`` is its constant operand."""

    ADD = "add"  # x + c
    SUB = "sub"  # x - c
    RSUB = "rsub"  # c - x
    MUL = "mul"  # x * c
    DIV = "div"  # x / c
    BATCHNORM = "batchnorm"  # (x - mean) / sqrt(var + eps) * scale + bias, ONNX formula
    CLIP = "clip"  # min(max(x, lo), hi)
    NEG = "neg"  # -x
    RESHAPE = "reshape"  # layout only (input stage); shape in ``shape``


@dataclass(frozen=True, eq=False)
class FloatOp:
    """An elementwise float32 op with constant operands.

    Attributes:
        kind: which operation.
        c: the constant (ADD/SUB/RSUB/MUL/DIV); for BATCHNORM the scale; for CLIP the low bound.
        c2: BATCHNORM bias; CLIP high bound.
        mean: BATCHNORM running mean.
        var: BATCHNORM running variance.
        eps: BATCHNORM epsilon (float32).
        shape: RESHAPE target shape per frame.
        source: ONNX node name, for messages.
    """

    kind: OpKind
    c: np.ndarray | None = None
    c2: np.ndarray | None = None
    mean: np.ndarray | None = None
    var: np.ndarray | None = None
    eps: float = 0.0
    shape: tuple[int, ...] = ()
    source: str = ""

    def apply(self, x: np.ndarray, dtype: type = np.float32) -> np.ndarray:
        """Apply to an array (batch first) in ``dtype``: float32 reproduces the model's
        arithmetic; float64 serves the near-tie analysis."""
        k = self.kind
        dt = dtype

        def c(a: np.ndarray | None) -> np.ndarray:
            assert a is not None
            return np.asarray(a).astype(dt, copy=False)

        if k is OpKind.ADD:
            return (x + c(self.c)).astype(dt, copy=False)
        if k is OpKind.SUB:
            return (x - c(self.c)).astype(dt, copy=False)
        if k is OpKind.RSUB:
            return (c(self.c) - x).astype(dt, copy=False)
        if k is OpKind.MUL:
            return (x * c(self.c)).astype(dt, copy=False)
        if k is OpKind.DIV:
            return (x / c(self.c)).astype(dt, copy=False)
        if k is OpKind.BATCHNORM:
            std = np.sqrt(c(self.var) + dt(self.eps)).astype(dt)
            return ((x - c(self.mean)) / std * c(self.c) + c(self.c2)).astype(dt, copy=False)
        if k is OpKind.CLIP:
            return np.clip(x, c(self.c), c(self.c2)).astype(dt, copy=False)
        if k is OpKind.NEG:
            return (-x).astype(dt, copy=False)
        if k is OpKind.RESHAPE:
            return x.reshape(x.shape[0], *self.shape)
        raise AssertionError(k)

    def direction(self, channels: int) -> np.ndarray:
        """Per-channel monotonic direction: +1 non-decreasing, -1 non-increasing, 0 constant."""
        k = self.kind
        if k in (OpKind.ADD, OpKind.SUB, OpKind.CLIP, OpKind.RESHAPE):
            d = np.ones(channels, dtype=np.int8)
        elif k in (OpKind.RSUB, OpKind.NEG):
            d = -np.ones(channels, dtype=np.int8)
        elif k in (OpKind.MUL, OpKind.DIV, OpKind.BATCHNORM):
            assert self.c is not None
            d = np.broadcast_to(np.sign(self.c).astype(np.int8), (channels,)).copy()
        else:
            raise AssertionError(k)
        if k is OpKind.CLIP:
            assert self.c is not None and self.c2 is not None
            lo = np.broadcast_to(self.c, (channels,))
            hi = np.broadcast_to(self.c2, (channels,))
            d[lo >= hi] = 0
        return d

    def constants(self) -> list[np.ndarray]:
        """All array operands (for uniformity and finiteness checks)."""
        return [a for a in (self.c, self.c2, self.mean, self.var) if a is not None]


def apply_ops(ops: Sequence[FloatOp], x: np.ndarray) -> np.ndarray:
    """Apply a chain of ops in order to a float32 array."""
    y = np.asarray(x, dtype=np.float32)
    for op in ops:
        y = op.apply(y)
    return y


def direction(ops: Sequence[FloatOp], channels: int) -> np.ndarray:
    """Per-channel direction of a chain of monotone ops: product of the op directions."""
    d = np.ones(channels, dtype=np.int8)
    for op in ops:
        d = d * op.direction(channels)
    return d


def is_channel_uniform(ops: Sequence[FloatOp]) -> bool:
    """True when every constant is the same for all channels (the chain is one function)."""
    for op in ops:
        for a in op.constants():
            flat = np.asarray(a).ravel()
            if flat.size > 1 and not np.all(flat == flat[0]):
                return False
    return True


class BinarizerKind(enum.Enum):
    """How a float value becomes one bit."""

    GE = "ge"  # bit = y >= c   (BipolarQuant, MultiThreshold, Where(y >= c, 1, -1))
    GT = "gt"  # bit = y > c    (Where(y > c, 1, -1): ties go to -1)
    SIGN = "sign"  # ONNX Sign: y > 0 -> +1, y < 0 -> -1, y == 0 -> 0 (not binary: see TiePolicy)


class TiePolicy(enum.Enum):
    """What a SIGN binarizer does at exactly zero. ERROR unless the user chose explicitly."""

    ERROR = "error"
    PLUS = "+1"
    MINUS = "-1"

    @property
    def at_zero(self) -> float | None:
        """The value Sign(0) takes under this policy, None when no convention was chosen."""
        return {TiePolicy.PLUS: 1.0, TiePolicy.MINUS: -1.0}.get(self)


@dataclass(frozen=True, eq=False)
class Binarizer:
    """Turns float32 values into bits (1 = +1).

    Attributes:
        kind: comparison rule.
        c: comparison constant, () or per channel (channel last); 0 for SIGN.
        invert: output the complement (Where(cond, -1, +1)).
        tie: SIGN only: the convention at exactly zero.
        source: ONNX node name, for messages.
    """

    kind: BinarizerKind
    c: np.ndarray
    invert: bool = False
    tie: TiePolicy = TiePolicy.ERROR
    source: str = ""

    def convention(self) -> str:
        """The source's rule at the decision point, in words (recorded in the build)."""
        neg = "not " if self.invert else ""
        if self.kind is BinarizerKind.GE:
            return f"{neg}(y >= c): y == c gives {'-1' if self.invert else '+1'}"
        if self.kind is BinarizerKind.GT:
            return f"{neg}(y > c): y == c gives {'+1' if self.invert else '-1'}"
        if self.tie is TiePolicy.ERROR:
            return "ONNX Sign: y == 0 gives 0 (no reachable tie)"
        return f"ONNX Sign: y == 0 taken as {self.tie.value} (--sign-at-zero)"

    def apply(self, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Return (bits uint8, tie mask bool). Tie positions hold the tie policy's bit, or 0."""
        if self.kind is BinarizerKind.GE:
            bits, ties = y >= self.c, np.zeros(y.shape, dtype=bool)
        elif self.kind is BinarizerKind.GT:
            bits, ties = y > self.c, np.zeros(y.shape, dtype=bool)
        else:
            ties = y == 0
            bits = (y > 0) | (ties & (self.tie is TiePolicy.PLUS))
        if self.invert:
            bits = ~bits
        return bits.astype(np.uint8), ties
