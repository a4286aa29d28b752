"""Stimuli and expected results shared by the kernel tests of both backends (HLS C-simulation in
tests/integration/test_hls_kernels.py, Verilog in tests/rtl)."""

from __future__ import annotations

import numpy as np

from bnn2hw.ir.quant import quant_range


def label_stimulus(
    rng: np.random.Generator, frames: int, n: int, acc_bits: int, signed: bool
) -> np.ndarray:
    """(frames, n) accumulators for a top-k label select: random values, a second half drawn
    from three values (many ties), the range's extremes (incl. one at the last index) and an
    alternating extreme pattern."""
    lo, hi = quant_range(acc_bits, signed, narrow=False)
    acc = rng.integers(lo, hi + 1, size=(frames, n), dtype=np.int64)
    narrow = rng.integers(lo, min(hi, lo + 2) + 1, size=(frames // 2, n))
    acc[frames // 2 :] = narrow  # many ties
    acc[0], acc[1], acc[2] = lo, hi, lo
    acc[2, -1] = hi  # one extreme at the last index
    acc[3] = np.where(np.arange(n) % 2 == 0, hi, lo)
    return acc


def top_k(acc: np.ndarray, k: int, descending: bool) -> np.ndarray:
    """The label select's contract: indices of the k best per frame, ties in index order."""
    sign = 1 if descending else -1
    return np.argsort(-sign * acc, axis=1, kind="stable")[:, :k]
