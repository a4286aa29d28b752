"""Sliding windows over NHWC tensors (convolution vectors and pooling windows)."""

from __future__ import annotations

import numpy as np

from bnn2hw.ir.layers import ConvGeom, PoolGeom

__all__ = ["conv_vectors", "pool_windows"]


def _pad_hw(
    x: np.ndarray, pads: tuple[int, int, int, int], value: np.ndarray | np.generic | float
) -> np.ndarray:
    top, left, bottom, right = pads
    if not any(pads):
        return x
    n, h, w, c = x.shape
    out = np.empty((n, h + top + bottom, w + left + right, c), dtype=x.dtype)
    out[...] = value
    out[:, top : top + h, left : left + w, :] = x
    return out


def conv_vectors(x: np.ndarray, geom: ConvGeom) -> np.ndarray:
    """(N, H, W, C) -> (N, OH, OW, KH*KW*C) window vectors in (kh, kw, c) order."""
    kh, kw = geom.kernel
    sh, sw = geom.stride
    xp = _pad_hw(x, geom.pads, geom.pad_value)
    v = np.lib.stride_tricks.sliding_window_view(xp, (kh, kw), axis=(1, 2))
    v = v[:, ::sh, ::sw]  # (N, OH, OW, C, KH, KW)
    oh, ow = geom.out_hw
    v = v[:, :oh, :ow]
    v = v.transpose(0, 1, 2, 4, 5, 3)
    return np.ascontiguousarray(v).reshape(x.shape[0], oh, ow, kh * kw * x.shape[3])


def pool_windows(
    x: np.ndarray, pool: PoolGeom, pad_value: np.ndarray | np.generic | float
) -> np.ndarray:
    """(N, H, W, C) -> (N, OH, OW, C, KH*KW) pooling windows, padding filled with pad_value."""
    kh, kw = pool.kernel
    sh, sw = pool.stride
    xp = _pad_hw(x, pool.pads, pad_value)
    v = np.lib.stride_tricks.sliding_window_view(xp, (kh, kw), axis=(1, 2))
    oh, ow = pool.out_hw(x.shape[1], x.shape[2])
    v = v[:, ::sh, ::sw][:, :oh, :ow]
    return v.reshape(*v.shape[:4], kh * kw)
