"""cocotb benches of the window cores: sliding-window generator (rtl/b2h_swg.v) and binary max-pool
(rtl/b2h_maxpool.v = b2h_swg + rtl/b2h_pool_reduce.v).

Expected beats come from bnn2hw's Python reference (golden.windows.conv_vectors, the golden
model's max-pool) packed with hw.streams; several frames stream back to back under every stall mix.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
from core_bench import rtl_sources, run_core

from bnn2hw.golden.reference import _maxpool
from bnn2hw.golden.windows import conv_vectors
from bnn2hw.hw.streams import Stream, pack_beats
from bnn2hw.ir.layers import ConvGeom, MaxPoolBits, PoolGeom

pytestmark = pytest.mark.rtl


def _rng(kind: str, case: str) -> np.random.Generator:
    return np.random.default_rng(zlib.crc32(f"{kind}/{case}".encode()))


def _pack(elems: np.ndarray, per_beat: int, ew: int) -> list[int]:
    """Beats (ints) of a flat element sequence, per_beat elements of ew bits (unsigned)."""
    v = np.asarray(elems, dtype=np.int64).reshape(-1, per_beat)
    return [int(b) for b in pack_beats(v, Stream(elems=per_beat, bits=ew, beats=1))]


def _window_params(
    h: int, w: int, c: int, kernel: tuple[int, int], stride: tuple[int, int],
    pads: tuple[int, int, int, int], out_hw: tuple[int, int],
) -> dict[str, int | str]:
    top, left, bottom, right = pads
    return {
        "IFM_H": h, "IFM_W": w, "C": c, "KH": kernel[0], "KW": kernel[1],
        "SH": stride[0], "SW": stride[1], "PT": top, "PL": left, "PB": bottom, "PR": right,
        "OFM_H": out_hw[0], "OFM_W": out_hw[1],
    }


# ---------------------------------------------------------------------------------------------
# Sliding-window generator


@dataclass(frozen=True)
class SwgCase:
    id: str
    h: int
    w: int
    c: int
    simd: int
    ew: int
    kernel: tuple[int, int]
    stride: tuple[int, int] = (1, 1)
    pads: tuple[int, int, int, int] = (0, 0, 0, 0)  # top, left, bottom, right
    pad: int = 0  # element pattern (a bit for EW = 1: 1 is +1, 0 is -1)
    frames: int = 3


SWG_CASES = [
    SwgCase("k3_s1_pad1_full_simd_pad+1", 5, 5, 4, 4, 1, (3, 3), pads=(1, 1, 1, 1), pad=1),
    SwgCase("k3x2_s2x1_asym_pad-1_simd2", 7, 6, 6, 2, 1, (3, 2), (2, 1), (0, 1, 2, 0), pad=0),
    SwgCase("k2_s2_unused_row_col_int8", 7, 7, 3, 1, 8, (2, 2), (2, 2)),
    SwgCase("k3_s2_int8_asym_pad", 6, 5, 3, 3, 8, (3, 3), (2, 2), (1, 0, 0, 1)),
    SwgCase("k1_s2_simd4_of8", 5, 5, 8, 4, 1, (1, 1), (2, 2)),
    SwgCase("one_row_k3_pad1", 1, 6, 2, 1, 1, (3, 3), pads=(1, 1, 1, 1), pad=1),
    SwgCase("whole_image_r_eq_h", 4, 3, 2, 1, 1, (4, 3)),
    SwgCase("k2x3_s3x2_wide_pad+1", 8, 9, 4, 2, 1, (2, 3), (3, 2), (1, 1, 0, 1), pad=1),
    SwgCase("big_pads_r_eq_h_int8", 3, 4, 2, 2, 8, (3, 3), (1, 1), (2, 0, 0, 2)),
]


@pytest.mark.parametrize("case", SWG_CASES, ids=lambda c: c.id)
def test_swg(case: SwgCase, tmp_path: Path) -> None:
    rng = _rng("swg", case.id)
    x = rng.integers(0, 1 << case.ew, size=(case.frames, case.h, case.w, case.c), dtype=np.int64)
    x[0] = (1 << case.ew) - 1  # an all-ones frame: padding must differ from it where pad != max
    geom = ConvGeom((case.h, case.w, case.c), case.kernel, case.stride, case.pads, case.pad)
    want = conv_vectors(x, geom)
    width = case.simd * case.ew
    params = {
        **_window_params(case.h, case.w, case.c, case.kernel, case.stride, case.pads,
                         geom.out_hw),
        "SIMD": case.simd, "EW": case.ew, "PAD": case.pad,
    }
    run_core(
        tmp_path, module="b2h_swg", sources=rtl_sources("b2h_axis_skid", "b2h_swg"),
        params=params, in_width=width, out_width=width,
        beats_in=_pack(x, case.simd, case.ew), beats_out=_pack(want, case.simd, case.ew),
        in_frame=x[0].size // case.simd, out_frame=want[0].size // case.simd,
    )


# ---------------------------------------------------------------------------------------------
# Max-pool


@dataclass(frozen=True)
class PoolCase:
    id: str
    h: int
    w: int
    c: int
    pe: int
    kernel: tuple[int, int]
    stride: tuple[int, int]
    pads: tuple[int, int, int, int]
    and_mask: tuple[int, ...]
    frames: int = 4


POOL_CASES = [
    PoolCase("k2_s2_full_pe_mixed", 4, 4, 8, 8, (2, 2), (2, 2), (0, 0, 0, 0),
             (1, 0, 0, 1, 1, 0, 1, 0)),
    PoolCase("k3_s2_pad1_pe1", 5, 5, 4, 1, (3, 3), (2, 2), (1, 1, 1, 1), (1, 0, 1, 0)),
    PoolCase("k2x3_asym_or_only", 6, 5, 6, 3, (2, 3), (2, 1), (0, 1, 1, 0), (0,) * 6),
    PoolCase("k3_s1_pad1_overlap_pe2", 4, 4, 4, 2, (3, 3), (1, 1), (1, 1, 1, 1), (0, 1, 1, 0)),
    PoolCase("k2_s2_odd_unused_and", 5, 5, 2, 1, (2, 2), (2, 2), (0, 0, 0, 0), (0, 1)),
]


@pytest.mark.parametrize("case", POOL_CASES, ids=lambda c: c.id)
def test_maxpool(case: PoolCase, tmp_path: Path) -> None:
    rng = _rng("maxpool", case.id)
    shape = (case.frames, case.h, case.w, case.c)
    p_one = rng.uniform(0.1, 0.9, size=(case.frames, 1, 1, 1))  # sparse and dense frames
    x = (rng.random(shape) < p_one).astype(np.uint8)
    x[0], x[1] = 0, 1  # all -1 and all +1 frames
    mask = np.array(case.and_mask, dtype=bool)
    pool = PoolGeom(case.kernel, case.stride, case.pads)
    layer = MaxPoolBits(name="pool", source="pool", in_shape=shape[1:], pool=pool, and_mask=mask)
    want = _maxpool(layer, x)
    params = {
        **_window_params(case.h, case.w, case.c, case.kernel, case.stride, case.pads,
                         pool.out_hw(case.h, case.w)),
        "PE": case.pe,
        "AND_MASK": sum(int(b) << i for i, b in enumerate(case.and_mask)),
    }
    run_core(
        tmp_path, module="b2h_maxpool",
        sources=rtl_sources("b2h_axis_skid", "b2h_swg", "b2h_pool_reduce", "b2h_maxpool"),
        params=params, in_width=case.pe, out_width=case.pe,
        beats_in=_pack(x, case.pe, 1), beats_out=_pack(want, case.pe, 1),
        in_frame=x[0].size // case.pe, out_frame=want[0].size // case.pe,
    )
