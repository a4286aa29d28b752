"""cocotb benches of the window cores: sliding-window generator (rtl/b2h_swg.v) and binary max-pool
(rtl/b2h_maxpool.v = b2h_swg + rtl/b2h_pool_reduce.v).

Expected beats come from bnn2hw's Python reference (golden.windows.conv_vectors, the golden
model's max-pool), packed with hw.streams. Three or more frames stream back to back under every
stall mix; the run without stalls also checks the steady-state throughput (cycles between the
ends of consecutive frames), and one run resets the core in the middle of a frame.

A Verilator build costs far more than a run, so every configuration here is compiled into one
simulator: a test-only selector top (generated here, simulation only) instantiates each
configuration and connects the harness to the one numbered in ``b2h_dut_select.txt`` of the run
folder, the others sitting idle. All tests of this file share that build (content-keyed cache).
"""

from __future__ import annotations

import itertools
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
from core_bench import first_difference, hexw, rtl_sources, run_core

from bnn2hw.golden.reference import _maxpool
from bnn2hw.golden.windows import conv_vectors
from bnn2hw.hw.streams import Stream, pack_beats
from bnn2hw.ir.layers import ConvGeom, MaxPoolBits, PoolGeom
from bnn2hw.rtl_sim import SimBuild, Stalls, build_stream_sim, run_stream_sim, tb_top_text

pytestmark = pytest.mark.rtl

SELECT_FILE = "b2h_dut_select.txt"
SELECTOR = "b2h_window_sel"
CORES = ("b2h_axis_skid", "b2h_swg", "b2h_pool_reduce", "b2h_maxpool")


def _rng(kind: str, case: str) -> np.random.Generator:
    return np.random.default_rng(zlib.crc32(f"{kind}/{case}".encode()))


def _pack(elems: np.ndarray, per_beat: int, ew: int) -> list[int]:
    """Beats (ints) of a flat element sequence, per_beat elements of ew bits (unsigned)."""
    v = np.asarray(elems, dtype=np.int64).reshape(-1, per_beat)
    return [int(b) for b in pack_beats(v, Stream(elems=per_beat, bits=ew, beats=1))]


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
class Config:
    """One configuration of a core: the module, its parameters (Verilog text or ints), widths."""

    module: str
    params: tuple[tuple[str, int | str], ...]
    in_width: int
    out_width: int


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


# ---------------------------------------------------------------------------------------------
# One shared build: the selector top


def _selector_text(configs: Sequence[Config]) -> str:
    """Simulation-only top: one instance per configuration, the harness on the selected one
    (narrower ports use the low bits of the shared ports, zero-extended outputs)."""
    iw = max(c.in_width for c in configs)
    ow = max(c.out_width for c in configs)
    lines = [
        "// Test-only selector (tests/rtl/test_swg_pool.py): one configuration per instance,",
        f"// the one numbered in {SELECT_FILE} (run folder) drives the ports.",
        "`resetall",
        "`timescale 1ns / 1ps",
        "`default_nettype none",
        "/* verilator lint_off UNUSEDSIGNAL */",
        f"module {SELECTOR} (",
        "    input  wire clk,",
        "    input  wire rst,",
        f"    input  wire [{iw - 1}:0] s_axis_tdata,",
        "    input  wire s_axis_tvalid,",
        "    output wire s_axis_tready,",
        f"    output wire [{ow - 1}:0] m_axis_tdata,",
        "    output wire m_axis_tvalid,",
        "    input  wire m_axis_tready",
        ");",
        "    integer sel = -1;",
        "    integer fd;",
        "    integer got;",
        "    initial begin",
        f'        fd = $fopen("{SELECT_FILE}", "r");',
        "        if (fd != 0) begin",
        '            got = $fscanf(fd, "%d", sel);',
        "            $fclose(fd);",
        "        end",
        "    end",
    ]
    ready, valid, data = "1'b0", "1'b0", f"{ow}'d0"
    for i, c in enumerate(configs):
        ps = ", ".join(f".{k}({v})" for k, v in c.params)
        pad = ow - c.out_width
        out = f"{{{{{pad}{{1'b0}}}}, d{i}}}" if pad else f"d{i}"
        lines += [
            f"    wire r{i}, v{i};",
            f"    wire [{c.out_width - 1}:0] d{i};",
            f"    {c.module} #({ps}) u{i} (",
            "        .clk(clk), .rst(rst),",
            f"        .s_axis_tdata(s_axis_tdata[{c.in_width - 1}:0]),",
            f"        .s_axis_tvalid(s_axis_tvalid && sel == {i}), .s_axis_tready(r{i}),",
            f"        .m_axis_tdata(d{i}), .m_axis_tvalid(v{i}),",
            f"        .m_axis_tready(m_axis_tready && sel == {i})",
            "    );",
        ]
        ready = f"(sel == {i}) ? r{i} : {ready}"
        valid = f"(sel == {i}) ? v{i} : {valid}"
        data = f"(sel == {i}) ? {out} : {data}"
    lines += [
        f"    assign s_axis_tready = {ready};",
        f"    assign m_axis_tvalid = {valid};",
        f"    assign m_axis_tdata = {data};",
        "endmodule",
        "/* verilator lint_on UNUSEDSIGNAL */",
        "`resetall",
        "",
    ]
    return "\n".join(lines)


@pytest.fixture(scope="module")
def shared_build(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("window_build")


@dataclass(frozen=True)
class Selected:
    """A configuration picked in the shared build: sources, run folder, shared port widths."""

    sources: list[Path]
    run: Path
    in_width: int
    out_width: int

    def sim(self, tmp: Path) -> SimBuild:
        top = tb_top_text(SELECTOR, {}, self.in_width, self.out_width)
        return build_stream_sim(self.sources, top, tmp / "build", run_dir=self.run)


def _select(tmp: Path, shared: Path, config: Config) -> Selected:
    """Point ``tmp``'s build at the shared build and select ``config`` in its run folder."""
    src = shared / f"{SELECTOR}.v"
    text = _selector_text(ALL_CONFIGS)
    if not src.exists() or src.read_text() != text:
        src.write_text(text)
    (shared / "build").mkdir(exist_ok=True)
    (tmp / "build").symlink_to(shared / "build", target_is_directory=True)  # the one build
    run = tmp / "run"
    run.mkdir()
    (run / SELECT_FILE).write_text(f"{ALL_CONFIGS.index(config)}\n")
    print(f"{config.module} {dict(config.params)}:")
    iw = max(c.in_width for c in ALL_CONFIGS)
    ow = max(c.out_width for c in ALL_CONFIGS)
    return Selected([*rtl_sources(*CORES), src], run, iw, ow)


def _frame_ends(log_beats: Sequence[tuple[int, int]], out_frame: int) -> list[int]:
    """Cycle of each frame's last output beat."""
    return [log_beats[k - 1][0] for k in range(out_frame, len(log_beats) + 1, out_frame)]


def _bench(
    tmp: Path,
    shared: Path,
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
    sel = _select(tmp, shared, config)
    lines = [hexw(b, sel.in_width) for b in beats_in]
    run_core(
        tmp,
        module=SELECTOR,
        sources=sel.sources,
        params={},
        in_width=sel.in_width,
        out_width=sel.out_width,
        beats_in=beats_in,
        beats_out=beats_out,
        in_frame=in_frame,
        out_frame=out_frame,
        mixes=("input", "output", "both"),
        run_dir=sel.run,
    )

    # no stalls: exact beats and the steady-state cycles per frame
    log = run_stream_sim(
        sel.sim(tmp),
        lines,
        tmp / "none",
        in_frame_beats=in_frame,
        out_frame_beats=out_frame,
        stalls=Stalls(),
        watchdog=20000,
    )
    got = log.beats
    ends = _frame_ends(log.epochs[-1], out_frame)
    per_frame = [b - a for a, b in itertools.pairwise(ends)]
    print(
        f"{SELECTOR} [none]: {len(got)} of {len(beats_out)} beats compared, {log.cycles} cycles; "
        f"frames end at cycles {ends}: {per_frame} cycles per frame (at most {frame_cycles})"
    )
    assert not log.hung, f"none: hung after {len(got)} beats"
    assert list(got) == list(beats_out), "none: " + first_difference(got, beats_out)
    assert per_frame and max(per_frame) <= frame_cycles, f"{per_frame} cycles per frame"

    # reset in the middle of the second input frame (or earlier when the output is the bottleneck)
    reset_at = 5 + in_frame + in_frame // 2
    log = run_stream_sim(
        sel.sim(tmp),
        lines,
        tmp / "reset",
        in_frame_beats=in_frame,
        out_frame_beats=out_frame,
        stalls=Stalls.named("both"),
        reset_at=reset_at,
        watchdog=20000,
    )
    after = [f for c, f in log.frame_starts if c > reset_at]
    assert len(log.epochs) == 2 and after, "one reset, frames after it"
    want_after = beats_out[after[0] * out_frame :]
    got = log.beats
    print(
        f"{SELECTOR} [reset at cycle {reset_at}, both]: {len(log.epochs[0])} beats before, "
        f"frames {after[0]}.. after: {len(got)} of {len(want_after)} beats compared"
    )
    assert not log.hung, f"reset: hung after {len(got)} beats"
    assert list(got) == list(want_after), "reset: " + first_difference(got, want_after)


# ---------------------------------------------------------------------------------------------
# Sliding-window generator


@pytest.mark.parametrize("case", SWG_CASES, ids=lambda c: c.id)
def test_swg(case: SwgCase, tmp_path: Path, shared_build: Path) -> None:
    win = case.win
    rng = _rng("swg", case.id)
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
        beats_in=_pack(x, case.simd, case.ew),
        beats_out=_pack(want, case.simd, case.ew),
        in_frame=in_frame,
        out_frame=out_frame,
        frame_cycles=max(in_frame, out_frame) + (1 if r == win.h else 0) + case.bubbles,
    )


# ---------------------------------------------------------------------------------------------
# Max-pool


@pytest.mark.parametrize("case", POOL_CASES, ids=lambda c: c.id)
def test_maxpool(case: PoolCase, tmp_path: Path, shared_build: Path) -> None:
    win = case.win
    rng = _rng("maxpool", case.id)
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
        beats_in=_pack(x, case.pe, 1),
        beats_out=_pack(want, case.pe, 1),
        in_frame=in_frame,
        out_frame=out_frame,
        frame_cycles=max(in_frame, win.window_beats(case.pe)) + (1 if r == win.h else 0),
    )
