"""The arithmetic contract of bnn2hw, in one place (see DESIGN.md, "The arithmetic contract").

* Encoding (bits.py): bit 1 means +1, bit 0 means -1.
* Binary dot product of w, a in {+-1}^K: ``w.a = 2*P - K`` with ``P = popcount(XNOR(w, a))``.
* Integer-input dot product: ``w.x = sum(x where w=+1) - sum(x where w=-1)``.
* Every binarizing layer becomes ``out_bit = (acc >= T)``, where ``acc`` is P for binary
  inputs and the integer dot product for integer inputs, T one integer per output channel.
  A channel whose activation decreases in acc has its weight row complemented: P' = K - P for
  binary inputs, acc' = -acc for integer inputs ("mirroring"), so ``>=`` holds everywhere.
* Thresholds are derived from the activation evaluated on every reachable accumulator value and
  checked to be a step; that evaluation is the proof the folding is exact.
* Widths: a popcount over K bits needs ``K.bit_length()`` bits; thresholds in [0, K+1] need
  ``(K+1).bit_length()``; integer accumulators need the signed width of their reachable range.

This module imports nothing else from bnn2hw but the bit convention and the error types.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from bnn2hw.bits import pack_bits
from bnn2hw.errors import ThresholdError

__all__ = [
    "StepResult",
    "bipolar_dot",
    "int_acc_range",
    "int_dot",
    "mirror",
    "popcount_width",
    "signed_width",
    "step_threshold",
    "threshold_width",
    "xnor_popcount",
]


def popcount_width(k: int) -> int:
    """Bits of an unsigned counter that holds 0..k."""
    return max(1, int(k).bit_length())


def threshold_width(k: int) -> int:
    """Bits of an unsigned threshold in 0..k+1 (k+1 means 'never one')."""
    return max(1, int(k + 1).bit_length())


def signed_width(lo: int, hi: int) -> int:
    """Bits of a two's complement integer that holds every value of [lo, hi]."""
    lo, hi = int(lo), int(hi)
    w = 1
    while not (-(1 << (w - 1)) <= lo and hi <= (1 << (w - 1)) - 1):
        w += 1
    return w


def bipolar_dot(p: np.ndarray, k: int) -> np.ndarray:
    """Bipolar dot product from a popcount: 2P - K (int64)."""
    return 2 * np.asarray(p, dtype=np.int64) - k


def xnor_popcount(x_bits: np.ndarray, w_bits: np.ndarray, chunk: int = 8192) -> np.ndarray:
    """P = popcount(XNOR(x, w)) for every pair of rows, on packed uint64 words.

    Args:
        x_bits: (N, K) {0,1} input vectors.
        w_bits: (M, K) {0,1} weight rows.
        chunk: rows of x per step (bounds memory).

    Returns:
        (N, M) int64 popcounts in 0..K.
    """
    k = x_bits.shape[-1]
    xw = pack_bits(x_bits)
    ww = pack_bits(w_bits)
    return xnor_popcount_packed(xw, ww, k, chunk)


def xnor_popcount_packed(xw: np.ndarray, ww: np.ndarray, k: int, chunk: int = 8192) -> np.ndarray:
    """:func:`xnor_popcount` on words already packed by :func:`bnn2hw.bits.pack_bits`.

    Padding bits are 0 in both operands, so they never count as mismatches:
    P = K - popcount(x XOR w), accumulated word by word over blocks of rows.
    """
    n, m = xw.shape[0], ww.shape[0]
    out = np.empty((n, m), dtype=np.int64)
    acc_t = np.uint16 if k < (1 << 16) else np.uint32
    for s in range(0, n, chunk):
        xb = xw[s : s + chunk]
        acc = np.zeros((xb.shape[0], m), dtype=acc_t)
        tmp = np.empty((xb.shape[0], m), dtype=np.uint64)
        for j in range(xw.shape[1]):
            np.bitwise_xor(xb[:, j : j + 1], ww[None, :, j], out=tmp)
            acc += np.bitwise_count(tmp)
        out[s : s + chunk] = k - acc.astype(np.int64)
    return out


def int_dot(x: np.ndarray, w_bits: np.ndarray) -> np.ndarray:
    """Integer inputs times {+-1} weights: (N, K) int64 x (M, K) bits -> (N, M) int64.

    Computed as a float matrix product (BLAS), which is exact while every partial sum is an
    integer the float type holds: K * max|x| < 2**24 (float32) or < 2**53 (float64).
    """
    x = np.asarray(x, dtype=np.int64)
    w = 2 * np.asarray(w_bits, dtype=np.int64) - 1
    bound = int(np.abs(x).max(initial=0)) * w.shape[1]
    for ftype, limit in ((np.float32, 2**24), (np.float64, 2**53)):
        if bound < limit:
            return (x.astype(ftype) @ w.T.astype(ftype)).astype(np.int64)
    return x @ w.T


def int_acc_range(w_bits: np.ndarray, lo: int, hi: int) -> tuple[np.ndarray, np.ndarray]:
    """Reachable range of each row's integer dot product for inputs in [lo, hi].

    Every integer in the returned [acc_lo, acc_hi] is reachable (each input moves in steps of 1).
    """
    plus = np.asarray(w_bits, dtype=np.int64).sum(axis=1)
    minus = w_bits.shape[1] - plus
    return plus * lo - minus * hi, plus * hi - minus * lo


def mirror(v: np.ndarray | int, binary: bool, k: int) -> np.ndarray:
    """Accumulator of a complemented row: K - P for popcounts, -acc for integer dot products."""
    v = np.asarray(v, dtype=np.int64)
    return k - v if binary else -v


@dataclass(frozen=True, eq=False)
class StepResult:
    """Per channel: threshold in hardware units, complement flag, constant output marker."""

    thresholds: np.ndarray  # int64
    flipped: np.ndarray  # bool
    constant: np.ndarray  # int8: +1 always one, -1 never one, 0 data dependent


def step_threshold(
    bits: np.ndarray,
    lo: np.ndarray,
    hi: np.ndarray,
    binary: bool,
    k: int,
    where: str,
    base: np.ndarray | None = None,
) -> StepResult:
    """Fold evaluated activation bits into ``acc >= T`` per channel, checking it is a step.

    Args:
        bits: (C, n) uint8, bit of channel c at accumulator value ``base[c] + i`` (base defaults
            to lo); only values in [lo[c], hi[c]] are read.
        lo, hi: (C,) int64 reachable accumulator range per channel (hardware units).
        binary: popcount domain (mirror P -> K - P) or integer domain (mirror acc -> -acc).
        k: fan-in (for the popcount mirror).
        where: layer description for error messages.

    Returns:
        StepResult; a decreasing channel is flipped and its threshold is in the mirrored domain.

    Raises:
        ThresholdError: a channel is not a step function of its accumulator.
    """
    c_n = bits.shape[0]
    base = lo if base is None else base
    t = np.zeros(c_n, dtype=np.int64)
    flipped = np.zeros(c_n, dtype=bool)
    const = np.zeros(c_n, dtype=np.int8)
    for c in range(c_n):
        start = int(lo[c] - base[c])
        b = bits[c, start : start + int(hi[c] - lo[c]) + 1].astype(np.int8)
        changes = np.flatnonzero(np.diff(b))
        if changes.size == 0:
            const[c] = 1 if b[0] else -1
            t[c] = lo[c] if b[0] else hi[c] + 1
        elif changes.size == 1 and b[0] == 0:
            t[c] = lo[c] + changes[0] + 1
        elif changes.size == 1:
            last_one = lo[c] + changes[0]
            flipped[c] = True
            t[c] = mirror(last_one, binary, k)
        else:
            vals = [int(lo[c] + i + 1) for i in changes[:4]]
            raise ThresholdError(
                f"{where}, channel {c}: the activation is not a step function of the "
                f"accumulator (it changes at {vals}); only monotone maps between the "
                "accumulator and the sign can be folded into one threshold"
            )
    return StepResult(thresholds=t, flipped=flipped, constant=const)
