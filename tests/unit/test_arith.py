"""The arithmetic contract: dot products, widths, reachable ranges, step thresholds."""

from __future__ import annotations

import numpy as np
import pytest

from bnn2hw import arith
from bnn2hw.errors import ThresholdError


@pytest.mark.parametrize("k", [1, 2, 7, 63, 64, 65, 127, 128, 200, 576])
def test_xnor_popcount_matches_bipolar_dot(k: int) -> None:
    rng = np.random.default_rng(k)
    x = rng.integers(0, 2, size=(33, k), dtype=np.uint8)
    w = rng.integers(0, 2, size=(9, k), dtype=np.uint8)
    # the extremes: all-match and no-match vectors
    x[0] = w[0]
    x[1] = 1 - w[1]
    p = arith.xnor_popcount(x, w)
    dot = (2 * x.astype(np.int64) - 1) @ (2 * w.astype(np.int64) - 1).T
    assert np.array_equal(arith.bipolar_dot(p, k), dot)
    assert p[0, 0] == k and p[1, 1] == 0
    print(f"k={k}: {p.size} popcounts compared, extremes {k} and 0 reached")


def test_int_dot_and_range_extremes() -> None:
    rng = np.random.default_rng(0)
    w = rng.integers(0, 2, size=(5, 27), dtype=np.uint8)
    lo, hi = arith.int_acc_range(w, -128, 127)
    x_max = np.where(w == 1, 127, -128)  # reaches hi of each row
    x_min = np.where(w == 1, -128, 127)
    assert np.array_equal(np.diag(arith.int_dot(x_max, w)), hi)
    assert np.array_equal(np.diag(arith.int_dot(x_min, w)), lo)


@pytest.mark.parametrize(("k", "bits"), [(1, 1), (2, 2), (3, 2), (63, 6), (64, 7), (576, 10)])
def test_popcount_width(k: int, bits: int) -> None:
    assert arith.popcount_width(k) == bits
    assert (1 << bits) - 1 >= k
    assert arith.threshold_width(k) == (k + 1).bit_length()


@pytest.mark.parametrize(
    ("lo", "hi", "w"),
    [(0, 0, 1), (-1, 0, 1), (-128, 127, 8), (-129, 0, 9), (0, 128, 9), (-3456, 3456, 13)],
)
def test_signed_width(lo: int, hi: int, w: int) -> None:
    assert arith.signed_width(lo, hi) == w


def test_step_threshold_cases() -> None:
    k = 4
    bits = np.array(
        [
            [0, 0, 1, 1, 1],  # increasing: T = 2
            [1, 1, 0, 0, 0],  # decreasing: last one at P=1 -> flipped, T = K - 1 = 3
            [1, 1, 1, 1, 1],  # always one: T = 0
            [0, 0, 0, 0, 0],  # never: T = K + 1
        ],
        dtype=np.uint8,
    )
    lo = np.zeros(4, np.int64)
    r = arith.step_threshold(bits, lo, lo + k, True, k, "t")
    assert r.thresholds.tolist() == [2, 3, 0, 5]
    assert r.flipped.tolist() == [False, True, False, False]
    assert r.constant.tolist() == [0, 0, 1, -1]
    for c in range(4):
        for p in range(k + 1):
            hw = k - p if r.flipped[c] else p
            assert int(hw >= r.thresholds[c]) == bits[c, p]


def test_step_threshold_rejects_non_monotone() -> None:
    bits = np.array([[0, 1, 0, 1]], dtype=np.uint8)
    with pytest.raises(ThresholdError, match=r"layer x, channel 0: the activation is not a step"):
        arith.step_threshold(bits, np.zeros(1, np.int64), np.full(1, 3), True, 3, "layer x")


@pytest.mark.parametrize(("k", "lo", "hi"), [(27, -128, 127), (784, 0, 255), (3, -(2**30), 2**30)])
def test_int_dot_exact_at_extremes(k: int, lo: int, hi: int) -> None:
    """The float product path stays exact up to the largest reachable magnitudes."""
    rng = np.random.default_rng(k)
    w = rng.integers(0, 2, size=(4, k), dtype=np.uint8)
    x = rng.integers(lo, hi + 1, size=(6, k), dtype=np.int64)
    x[0] = np.where(w[0] == 1, hi, lo)  # the largest accumulator of row 0
    x[1] = np.where(w[1] == 1, lo, hi)  # the smallest of row 1
    want = np.array(
        [
            [sum(int(a) * (1 if b else -1) for a, b in zip(r, wr, strict=True)) for wr in w]
            for r in x
        ]
    )
    assert np.array_equal(arith.int_dot(x, w), want)
