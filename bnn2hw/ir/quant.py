"""Integer quantization semantics of the input stage (QONNX ``Quant``), shared by the importer's
constant folding and the golden model. Computed in float32 in QONNX's order: scale, shift,
clip, then round."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

__all__ = ["ROUNDING_MODES", "int_quant", "quant_range", "rounding_fn"]

ROUNDING_MODES = ("ROUND", "HALF_EVEN", "CEIL", "FLOOR", "DOWN", "UP", "HALF_UP", "HALF_DOWN")


def quant_range(bits: int, signed: bool, narrow: bool) -> tuple[int, int]:
    """Integer range of a QONNX quantizer."""
    if signed:
        lo = -(1 << (bits - 1)) + (1 if narrow else 0)
        hi = (1 << (bits - 1)) - 1
    else:
        lo = 0
        hi = (1 << bits) - 1 - (1 if narrow else 0)
    return lo, hi


def rounding_fn(mode: str) -> Callable[[np.ndarray], np.ndarray]:
    """numpy rounding for a QONNX rounding_mode string (ROUND is half to even)."""
    mode = mode.upper()
    half = np.float32(0.5)
    table: dict[str, Callable[[np.ndarray], np.ndarray]] = {
        "ROUND": np.round,
        "HALF_EVEN": np.round,
        "CEIL": np.ceil,
        "FLOOR": np.floor,
        "DOWN": np.fix,
        "UP": lambda v: np.sign(v) * np.ceil(np.abs(v)),
        "HALF_UP": lambda v: np.sign(v) * np.floor(np.abs(v) + half),
        "HALF_DOWN": lambda v: np.sign(v) * np.ceil(np.abs(v) - half),
    }
    if mode not in table:
        raise ValueError(mode)
    return table[mode]


def int_quant(
    x: np.ndarray, scale: np.ndarray, zero_point: np.ndarray, lo: int, hi: int, rounding: str
) -> np.ndarray:
    """Integer codes q (float32 holding integers) of QONNX Quant: the op's output is q * scale."""
    v = (np.asarray(x, dtype=np.float32) / scale).astype(np.float32) + zero_point
    v = np.where(v > hi, np.float32(hi), v)
    v = np.where(v < lo, np.float32(lo), v)
    v = rounding_fn(rounding)(v.astype(np.float32))
    return (v - zero_point).astype(np.float32)
