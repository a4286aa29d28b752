"""Test inputs in the model's own units: random frames plus the extremes of the input range."""

from __future__ import annotations

import numpy as np

from bnn2hw.ir.graph import Graph

__all__ = ["random_inputs"]


def random_inputs(graph: Graph, n: int, seed: int = 0) -> np.ndarray:
    """n frames (N, *input shape) float32: frame 0 all-low, frame 1 all-high, the rest uniform
    random (integers when the model takes integers)."""
    lo, hi = graph.input.range
    shape = (n, *graph.input.shape)
    rng = np.random.default_rng(seed)
    if graph.input.integer_input:
        x = rng.integers(int(lo), int(hi) + 1, size=shape).astype(np.float32)
    else:
        x = rng.uniform(lo, hi, size=shape).astype(np.float32)
    if n >= 3:
        x[0] = lo
        x[1] = hi
    return x
