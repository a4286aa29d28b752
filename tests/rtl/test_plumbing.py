"""cocotb benches of the plumbing cores between and around layers: FIFO, width converter, beat
resizer and top-K label select.

Several frames of random data stream through each core under every stall mix; every output beat
is compared exactly with the beats computed here in Python (hw.streams packing, numpy's stable
argsort). The run without stalls also bounds the cycle count by the core's throughput (one
narrow beat, or one accumulator, per cycle).

Every configuration of every core here is compiled into one simulator behind a test-only
selector top, shared by all tests of this file (core_bench.SharedBuild).
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
from core_bench import Config, SharedBuild, case_rng, pack
from kernel_stimuli import label_stimulus, top_k

pytestmark = pytest.mark.rtl

# harness cycles besides the narrow side's beats: reset, pipeline fill and drain
OVERHEAD = 24
SELECTOR = "b2h_plumbing_sel"
CORES = ("b2h_axis_fifo", "b2h_width_convert", "b2h_axis_resize", "b2h_label_select")


# ---------------------------------------------------------------------------------------------
# Cases


@dataclass(frozen=True)
class FifoCase:
    width: int
    depth: int
    beats: int

    def config(self) -> Config:
        w = self.width
        return Config("b2h_axis_fifo", (("WIDTH", w), ("DEPTH", self.depth)), w, w)


@dataclass(frozen=True)
class ConvertCase:
    in_e: int
    out_e: int
    ew: int
    n: int  # elements per frame

    def config(self) -> Config:
        params = (("IN_ELEMS", self.in_e), ("OUT_ELEMS", self.out_e), ("EW", self.ew))
        return Config("b2h_width_convert", params, self.in_e * self.ew, self.out_e * self.ew)


@dataclass(frozen=True)
class ResizeCase:
    in_w: int
    out_w: int

    def config(self) -> Config:
        params = (("IN_WIDTH", self.in_w), ("OUT_WIDTH", self.out_w))
        return Config("b2h_axis_resize", params, self.in_w, self.out_w)


@dataclass(frozen=True)
class LabelCase:
    id: str
    n: int
    pe: int
    acc_bits: int
    signed: bool
    k: int
    idx_bits: int
    descending: bool
    frames: int = 120

    def config(self) -> Config:
        params = (
            ("N", self.n),
            ("PE", self.pe),
            ("ACC_BITS", self.acc_bits),
            ("ACC_SIGNED", int(self.signed)),
            ("K", self.k),
            ("IDX_BITS", self.idx_bits),
            ("DESCENDING", int(self.descending)),
        )
        return Config("b2h_label_select", params, self.pe * self.acc_bits, self.k * self.idx_bits)


FIFO_CASES = [FifoCase(1, 2, 600), FifoCase(8, 5, 800), FifoCase(130, 64, 2000)]
CONVERT_CASES = [
    ConvertCase(1, 8, 1, 32),
    ConvertCase(8, 1, 1, 32),
    ConvertCase(3, 12, 4, 24),
    ConvertCase(12, 3, 4, 24),
    ConvertCase(2, 6, 1, 12),
    ConvertCase(6, 2, 3, 24),
    ConvertCase(1, 4, 8, 16),
    ConvertCase(3, 3, 4, 12),
]
RESIZE_CASES = [
    ResizeCase(10, 16),
    ResizeCase(16, 10),
    ResizeCase(8, 8),
    ResizeCase(1, 8),
    ResizeCase(72, 70),
]
LABEL_CASES = [
    LabelCase("top3_desc_signed_pe1_ties", 10, 1, 3, True, 3, 4, True),
    LabelCase("top1_asc_unsigned_pe4_ties", 12, 4, 2, False, 1, 4, False),
    LabelCase("top3_asc_signed_pe2", 16, 2, 6, True, 3, 4, False),
    LabelCase("top3_desc_signed_pe_n", 10, 10, 8, True, 3, 4, True),
    LabelCase("top1_desc_unsigned_pe1", 9, 1, 4, False, 1, 4, True),
    LabelCase("full_sort_desc_unsigned_pe8_exact_idx_bits", 16, 8, 2, False, 16, 4, True),
    LabelCase("top2_desc_n2_pe1", 2, 1, 5, True, 2, 1, True, frames=300),
    LabelCase("top1_n1", 1, 1, 3, True, 1, 1, False, frames=300),
]
ALL_CONFIGS = [c.config() for c in (*FIFO_CASES, *CONVERT_CASES, *RESIZE_CASES, *LABEL_CASES)]


@pytest.fixture(scope="module")
def shared_build(tmp_path_factory: pytest.TempPathFactory) -> SharedBuild:
    return SharedBuild(tmp_path_factory.mktemp("plumbing_build"), SELECTOR, CORES, ALL_CONFIGS)


def _bench(
    tmp: Path,
    shared: SharedBuild,
    config: Config,
    *,
    beats_in: Sequence[int],
    beats_out: Sequence[int],
    in_frame: int,
    out_frame: int,
    max_cycles: int,
) -> None:
    """Stream ``beats_in`` through ``config`` under every stall mix, then once more without
    stalls, checking the beats and the cycle bound ``max_cycles``."""
    sel = shared.select(tmp, config)
    sel.run_stalled(
        tmp, beats_in=beats_in, beats_out=beats_out, in_frame=in_frame, out_frame=out_frame
    )
    log = sel.stream(tmp, "none", beats_in, in_frame=in_frame, out_frame=out_frame)
    sel.check(log, beats_out, "none", f" (at most {max_cycles})")
    assert log.cycles <= max_cycles, f"{log.cycles} cycles, want at most {max_cycles}"


# ---------------------------------------------------------------------------------------------
# FIFO


@pytest.mark.parametrize("case", FIFO_CASES, ids=lambda c: f"w{c.width}_d{c.depth}")
def test_axis_fifo(case: FifoCase, tmp_path: Path, shared_build: SharedBuild) -> None:
    rng = random.Random(f"fifo{case.width},{case.depth}")
    data = [0, (1 << case.width) - 1] + [rng.getrandbits(case.width) for _ in range(case.beats - 2)]
    _bench(
        tmp_path,
        shared_build,
        case.config(),
        beats_in=data,
        beats_out=data,
        in_frame=1,
        out_frame=1,
        max_cycles=case.beats + OVERHEAD,
    )


# ---------------------------------------------------------------------------------------------
# Width converter


@pytest.mark.parametrize(
    "case", CONVERT_CASES, ids=lambda c: f"{c.in_e}x{c.ew}b_to_{c.out_e}x{c.ew}b"
)
def test_width_convert(case: ConvertCase, tmp_path: Path, shared_build: SharedBuild) -> None:
    frames = 40
    ew = case.ew
    x = case_rng(f"convert{case.in_e},{case.out_e},{ew}").integers(
        0, 1 << ew, size=(frames, case.n)
    )
    x[0], x[1] = 0, (1 << ew) - 1
    beats_in, beats_out = pack(x, case.in_e, ew), pack(x, case.out_e, ew)
    _bench(
        tmp_path,
        shared_build,
        case.config(),
        beats_in=beats_in,
        beats_out=beats_out,
        in_frame=case.n // case.in_e,
        out_frame=case.n // case.out_e,
        max_cycles=max(len(beats_in), len(beats_out)) + OVERHEAD,  # narrow side: a beat a cycle
    )


# ---------------------------------------------------------------------------------------------
# Beat resizer


@pytest.mark.parametrize("case", RESIZE_CASES, ids=lambda c: f"{c.in_w}_to_{c.out_w}")
def test_axis_resize(case: ResizeCase, tmp_path: Path, shared_build: SharedBuild) -> None:
    rng = random.Random(f"resize{case.in_w},{case.out_w}")
    data = [0, (1 << case.in_w) - 1] + [rng.getrandbits(case.in_w) for _ in range(398)]
    want = [b & ((1 << case.out_w) - 1) for b in data]
    _bench(
        tmp_path,
        shared_build,
        case.config(),
        beats_in=data,
        beats_out=want,
        in_frame=1,
        out_frame=1,
        max_cycles=len(data) + OVERHEAD,
    )


# ---------------------------------------------------------------------------------------------
# Label select


@pytest.mark.parametrize("case", LABEL_CASES, ids=lambda c: c.id)
def test_label_select(case: LabelCase, tmp_path: Path, shared_build: SharedBuild) -> None:
    rng = case_rng("label", case.id)
    acc = label_stimulus(rng, case.frames, case.n, case.acc_bits, case.signed)
    want = top_k(acc, case.k, case.descending)
    _bench(
        tmp_path,
        shared_build,
        case.config(),
        beats_in=pack(acc, case.pe, case.acc_bits),
        beats_out=pack(want, case.k, case.idx_bits),
        in_frame=case.n // case.pe,
        out_frame=1,
        max_cycles=case.frames * case.n + OVERHEAD,  # one accumulator per cycle
    )


# ---------------------------------------------------------------------------------------------
# Reset in the middle of a frame: the cores with frame or group state start the next frame clean


@pytest.mark.parametrize(
    "case", [CONVERT_CASES[0], CONVERT_CASES[3], LABEL_CASES[2]], ids=["gather", "split", "label"]
)
def test_reset_mid_frame(
    case: ConvertCase | LabelCase, tmp_path: Path, shared_build: SharedBuild
) -> None:
    rng = case_rng("reset", str(case))
    if isinstance(case, ConvertCase):
        frames, ew = 40, case.ew
        x = rng.integers(0, 1 << ew, size=(frames, case.n))
        beats_in, beats_out = pack(x, case.in_e, ew), pack(x, case.out_e, ew)
        in_frame, out_frame = case.n // case.in_e, case.n // case.out_e
    else:
        frames, bits = 40, case.acc_bits
        lo = -(1 << (bits - 1)) if case.signed else 0
        acc = rng.integers(lo, lo + (1 << bits), size=(frames, case.n))
        want = np.argsort(-acc if case.descending else acc, axis=1, kind="stable")[:, : case.k]
        beats_in, beats_out = pack(acc, case.pe, case.acc_bits), pack(want, case.k, case.idx_bits)
        in_frame, out_frame = case.n // case.pe, 1
    sel = shared_build.select(tmp_path, case.config())
    reset_at = 5 + in_frame * frames // 3 + in_frame // 2  # about a third in, mid-frame
    sel.reset_mid_frame(
        tmp_path,
        beats_in=beats_in,
        beats_out=beats_out,
        in_frame=in_frame,
        out_frame=out_frame,
        reset_at=reset_at,
    )
