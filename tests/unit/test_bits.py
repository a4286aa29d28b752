"""The bit-order convention: round trips and the documented layout."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from bnn2hw import bits


@given(st.integers(1, 300), st.integers(1, 4), st.integers(0, 2**32 - 1))
@settings(max_examples=60, deadline=None)
def test_pack_unpack_round_trip(n: int, rows: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    b = rng.integers(0, 2, size=(rows, n), dtype=np.uint8)
    w = bits.pack_bits(b)
    assert w.dtype == np.uint64 and w.shape == (rows, bits.n_words(n))
    assert np.array_equal(bits.unpack_bits(w, n), b)


@given(st.integers(1, 200), st.integers(0, 2**32 - 1))
@settings(max_examples=60, deadline=None)
def test_hex_round_trip(n: int, seed: int) -> None:
    b = np.random.default_rng(seed).integers(0, 2, size=n, dtype=np.uint8)
    h = bits.bits_to_hex(b)
    assert len(h) == (n + 3) // 4
    assert np.array_equal(bits.hex_to_bits(h, n), b)


def test_layout_element_j_is_bit_j() -> None:
    b = np.zeros(130, dtype=np.uint8)
    b[0] = b[65] = b[129] = 1
    w = bits.pack_bits(b)
    assert [int(v) for v in w] == [1, 2, 2]
    assert bits.bits_to_hex(np.array([1, 0, 0, 0, 1], np.uint8)) == "11"
    assert bits.bits_to_hex(np.array([0, 1, 1, 1], np.uint8)) == "e"


def test_bipolar_mapping() -> None:
    assert np.array_equal(bits.bipolar_to_bits(np.array([-1, 1, 1])), [0, 1, 1])
    assert np.array_equal(bits.bits_to_bipolar(np.array([0, 1])), [-1.0, 1.0])
    try:
        bits.bipolar_to_bits(np.array([0, 1]))
    except ValueError:
        pass
    else:
        raise AssertionError("0 is not bipolar")
