"""cocotb benches of the window cores: sliding-window generator (rtl/b2h_swg.v) and binary max-pool
(rtl/b2h_maxpool.v = b2h_swg + rtl/b2h_pool_reduce.v; both walk windows with rtl/b2h_window_walk.v).

Expected beats come from bnn2hw's Python reference (golden.windows.conv_vectors, the golden
model's max-pool), packed with hw.streams. Three or more frames stream back to back under every
stall mix; the run without stalls also checks the steady-state throughput (cycles between the
ends of consecutive frames), and one run resets the core in the middle of a frame.

Every configuration here is compiled into one simulator behind a test-only selector top, shared
by all tests of this file (core_bench.SharedBuild).
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
from core_bench import Config, SharedBuild, case_rng, pack

from bnn2hw.golden.reference import _maxpool
from bnn2hw.golden.windows import conv_vectors
from bnn2hw.ir.layers import ConvGeom, MaxPoolBits, PoolGeom

pytestmark = pytest.mark.rtl

SELECTOR = "b2h_window_sel"
CORES = ("b2h_axis_skid", "b2h_window_walk", "b2h_swg", "b2h_pool_reduce", "b2h_maxpool")


# ---------------------------------------------------------------------------------------------
# Cases


@dataclass(frozen=True)
class Window:
    """Window geometry shared by both cores: image, kernel, stride, pads (top, left, bottom,
    right)."""

    h: int
    w: int
    c: int
    kernel: tuple[int, int]
    stride: tuple[int, int] = (1, 1)
    pads: tuple[int, int, int, int] = (0, 0, 0, 0)

    @property
    def out_hw(self) -> tuple[int, int]:
        return PoolGeom(self.kernel, self.stride, self.pads).out_hw(self.h, self.w)

    def params(self) -> tuple[tuple[str, int | str], ...]:
        top, left, bottom, right = self.pads
        oh, ow = self.out_hw
        return (
            ("IFM_H", self.h),
            ("IFM_W", self.w),
            ("C", self.c),
            ("KH", self.kernel[0]),
            ("KW", self.kernel[1]),
            ("SH", self.stride[0]),
            ("SW", self.stride[1]),
            ("PT", top),
            ("PL", left),
            ("PB", bottom),
            ("PR", right),
            ("OFM_H", oh),
            ("OFM_W", ow),
        )

    def window_beats(self, per_beat: int) -> int:
        """Beats per frame of the window stream (b2h_swg's output)."""
        oh, ow = self.out_hw
        return oh * ow * self.kernel[0] * self.kernel[1] * self.c // per_beat


@dataclass(frozen=True)
class SwgCase:
    id: str
    win: Window
    simd: int
    ew: int
    pad: int = 0  # element pattern (for EW = 1: 1 is +1, 0 is -1)
    frames: int = 3
    bubbles: int = 0  # idle output cycles per frame in the steady state (see test_swg)

    def config(self) -> Config:
        w = self.simd * self.ew
        params = (
            *self.win.params(),
            ("SIMD", self.simd),
            ("EW", self.ew),
            ("PAD", f"{self.ew}'d{self.pad}"),
        )
        return Config("b2h_swg", params, w, w)


@dataclass(frozen=True)
class PoolCase:
    id: str
    win: Window
    pe: int
    and_mask: tuple[int, ...]  # per channel: 1 = AND (min), 0 = OR (max)
    frames: int = 4

    def config(self) -> Config:
        mask = "".join(str(b) for b in reversed(self.and_mask))  # bit c = channel c
        params = (*self.win.params(), ("PE", self.pe), ("AND_MASK", f"{len(mask)}'b{mask}"))
        return Config("b2h_maxpool", params, self.pe, self.pe)


SWG_CASES = [
    SwgCase("k3_s1_pad1_full_simd_pad+1", Window(5, 5, 4, (3, 3), pads=(1, 1, 1, 1)), 4, 1, pad=1),
    SwgCase("k3x2_s2x1_asym_pad-1_simd2", Window(7, 6, 6, (3, 2), (2, 1), (0, 1, 2, 0)), 2, 1),
    SwgCase("k2_s2_unused_row_col_int8", Window(7, 7, 3, (2, 2), (2, 2)), 1, 8),
    SwgCase("k3_s2_asym_pad_int8", Window(6, 5, 3, (3, 3), (2, 2), (1, 0, 0, 1)), 3, 8),
    SwgCase("k1_s2_simd4_of8", Window(5, 5, 8, (1, 1), (2, 2)), 4, 1),
    # reading ahead covers one of the three rows the next frame's first windows need
    SwgCase("k3_s1_valid_simd1", Window(8, 8, 2, (3, 3)), 1, 1, bubbles=5),
    SwgCase("one_row_k3_pad1_pad+1", Window(1, 6, 2, (3, 3), pads=(1, 1, 1, 1)), 1, 1, pad=1),
    SwgCase("whole_image_r_eq_h", Window(4, 3, 2, (4, 3)), 1, 1),
    # the next frame is read whole while this one's padding rows are still being emitted
    SwgCase(
        "one_row_pad_below_read_ahead", Window(1, 4, 2, (1, 1), pads=(0, 0, 3, 0)), 1, 1, pad=1
    ),
    SwgCase("k2x3_s3x2_wide_pad+1", Window(8, 9, 4, (2, 3), (3, 2), (1, 1, 0, 1)), 2, 1, pad=1),
    SwgCase("big_pads_r_eq_h_int8", Window(3, 4, 2, (3, 3), (1, 1), (2, 0, 0, 2)), 2, 8),
]

POOL_CASES = [
    PoolCase("k2_s2_full_pe_mixed", Window(4, 4, 8, (2, 2), (2, 2)), 8, (1, 0, 0, 1, 1, 0, 1, 0)),
    PoolCase("k3_s2_pad1_pe1", Window(5, 5, 4, (3, 3), (2, 2), (1, 1, 1, 1)), 1, (1, 0, 1, 0)),
    PoolCase("k2x3_asym_or_only", Window(6, 5, 6, (2, 3), (2, 1), (0, 1, 1, 0)), 3, (0,) * 6),
    PoolCase(
        "k3_s1_pad1_overlap_pe2", Window(4, 4, 4, (3, 3), (1, 1), (1, 1, 1, 1)), 2, (0, 1, 1, 0)
    ),
    PoolCase("k2_s2_odd_unused_and", Window(5, 5, 2, (2, 2), (2, 2)), 1, (0, 1)),
]

ALL_CONFIGS = [c.config() for c in (*SWG_CASES, *POOL_CASES)]


@pytest.fixture(scope="module")
def shared_build(tmp_path_factory: pytest.TempPathFactory) -> SharedBuild:
    return SharedBuild(tmp_path_factory.mktemp("window_build"), SELECTOR, CORES, ALL_CONFIGS)


def _bench(
    tmp: Path,
    shared: SharedBuild,
    config: Config,
    *,
    beats_in: Sequence[int],
    beats_out: Sequence[int],
    in_frame: int,
    out_frame: int,
    frame_cycles: int,
) -> None:
    """Stream ``beats_in`` through ``config`` under every stall mix: the output must equal
    ``beats_out``. Without stalls, consecutive frames must end at most ``frame_cycles`` apart.
    Then once more with stalls and a reset in the middle of a frame: the frames that start after
    the reset must come out whole."""
    sel = shared.select(tmp, config)
    sel.run_stalled(
        tmp, beats_in=beats_in, beats_out=beats_out, in_frame=in_frame, out_frame=out_frame
    )

    # no stalls: exact beats and the steady-state cycles per frame
    log = sel.stream(tmp, "none", beats_in, in_frame=in_frame, out_frame=out_frame)
    ends = log.frame_ends(out_frame)
    per_frame = [b - a for a, b in itertools.pairwise(ends)]
    note = f"; frames end at cycles {ends}: {per_frame} cycles per frame (at most {frame_cycles})"
    sel.check(log, beats_out, "none", note)
    assert per_frame and max(per_frame) <= frame_cycles, f"{per_frame} cycles per frame"

    # reset in the middle of the second input frame (or earlier when the output is the bottleneck)
    sel.reset_mid_frame(
        tmp,
        beats_in=beats_in,
        beats_out=beats_out,
        in_frame=in_frame,
        out_frame=out_frame,
        reset_at=5 + in_frame + in_frame // 2,
    )


# ---------------------------------------------------------------------------------------------
# Sliding-window generator


@pytest.mark.parametrize("case", SWG_CASES, ids=lambda c: c.id)
def test_swg(case: SwgCase, tmp_path: Path, shared_build: SharedBuild) -> None:
    win = case.win
    rng = case_rng("swg", case.id)
    x = rng.integers(0, 1 << case.ew, size=(case.frames, win.h, win.w, win.c), dtype=np.int64)
    x[0] = (1 << case.ew) - 1  # an all-ones frame: padding must differ from it where pad != max
    geom = ConvGeom((win.h, win.w, win.c), win.kernel, win.stride, win.pads, case.pad)
    want = conv_vectors(x, geom)
    in_frame, out_frame = win.h * win.w * win.c // case.simd, win.window_beats(case.simd)
    assert want.size == case.frames * out_frame * case.simd
    # One beat per cycle on the busier side, but for the frame boundary: with R == IFM_H (no
    # room to read ahead) the next frame's first beat is read once the last window is out, one
    # bubble per frame; with fewer spare rows (SH) than the first windows need (KH - PT), the
    # output waits a few cycles for the next frame's rows (case.bubbles).
    r = min(win.kernel[0] + win.stride[0], win.h)
    _bench(
        tmp_path,
        shared_build,
        case.config(),
        beats_in=pack(x, case.simd, case.ew),
        beats_out=pack(want, case.simd, case.ew),
        in_frame=in_frame,
        out_frame=out_frame,
        frame_cycles=max(in_frame, out_frame) + (1 if r == win.h else 0) + case.bubbles,
    )


# ---------------------------------------------------------------------------------------------
# Max-pool


@pytest.mark.parametrize("case", POOL_CASES, ids=lambda c: c.id)
def test_maxpool(case: PoolCase, tmp_path: Path, shared_build: SharedBuild) -> None:
    win = case.win
    rng = case_rng("maxpool", case.id)
    shape = (case.frames, win.h, win.w, win.c)
    p_one = rng.uniform(0.1, 0.9, size=(case.frames, 1, 1, 1))  # sparse and dense frames
    x = (rng.random(shape) < p_one).astype(np.uint8)
    x[0], x[1] = 0, 1  # all -1 and all +1 frames
    mask = np.array(case.and_mask, dtype=bool)
    pool = PoolGeom(win.kernel, win.stride, win.pads)
    layer = MaxPoolBits(name="pool", source="pool", in_shape=shape[1:], pool=pool, and_mask=mask)
    want = _maxpool(layer, x)
    in_frame, out_frame = win.h * win.w * win.c // case.pe, want[0].size // case.pe
    # the window generator sets the pace: one window beat (or input beat) per cycle
    r = min(win.kernel[0] + win.stride[0], win.h)
    _bench(
        tmp_path,
        shared_build,
        case.config(),
        beats_in=pack(x, case.pe, 1),
        beats_out=pack(want, case.pe, 1),
        in_frame=in_frame,
        out_frame=out_frame,
        frame_cycles=max(in_frame, win.window_beats(case.pe)) + (1 if r == win.h else 0),
    )
