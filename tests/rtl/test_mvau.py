"""cocotb benches of the MVAU (rtl/b2h_mvau.v with its XNOR-popcount / integer dot arrays):
random weights, thresholds with ties and never/always rows, extreme inputs, every folding shape
from PE=SIMD=1 to fully parallel, under every stall mix; outputs compared beat by beat."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
from core_bench import rtl_sources, run_core

from bnn2hw import arith
from bnn2hw.bits import mvau_rom_words
from bnn2hw.hw.streams import Stream, beats_to_hex, pack_beats
from bnn2hw.ir.quant import quant_range

pytestmark = pytest.mark.rtl

MVAU_SOURCES = ("b2h_mvau", "b2h_xnor_popcount", "b2h_int_dot", "b2h_adder_tree", "b2h_axis_skid")


@dataclass(frozen=True)
class MvauCase:
    mw: int
    mh: int
    pe: int
    simd: int
    in_bits: int = 1
    in_signed: bool = False
    threshold: bool = True
    reps: int = 3
    block_rom: bool = False
    stage_levels: int = 2

    def __str__(self) -> str:
        kind = "bin" if self.in_bits == 1 else f"{'i' if self.in_signed else 'u'}{self.in_bits}"
        out = "thr" if self.threshold else "acc"
        return f"{kind}-{out}-mw{self.mw}-mh{self.mh}-pe{self.pe}-simd{self.simd}"


CASES = [
    MvauCase(16, 8, 2, 4),
    MvauCase(6, 3, 1, 1),
    MvauCase(32, 8, 8, 32),
    MvauCase(24, 8, 4, 8, threshold=False),
    MvauCase(27, 16, 4, 3, in_bits=8),
    MvauCase(8, 4, 2, 4, in_bits=8, in_signed=True, threshold=False),
    MvauCase(6, 6, 3, 2, in_bits=4, in_signed=True),
    MvauCase(128, 4, 4, 64, block_rom=True, stage_levels=1, reps=2),
]


def _expected(case: MvauCase, w: np.ndarray, x: np.ndarray, t: np.ndarray | None) -> np.ndarray:
    """(frames*reps, MH) outputs: threshold bits or accumulators."""
    if case.in_bits == 1:
        acc = (w[None, :, :] == x[:, None, :]).sum(axis=2)
    else:
        acc = x @ np.where(w == 1, 1, -1).T
    return (acc >= t[None, :]).astype(np.int64) if t is not None else acc


@pytest.mark.parametrize("case", CASES, ids=str)
def test_mvau(case: MvauCase, tmp_path: Path) -> None:
    rng = np.random.default_rng(case.mw * 1000 + case.mh)
    frames = 4
    n = frames * case.reps
    w = rng.integers(0, 2, size=(case.mh, case.mw)).astype(np.uint8)
    if case.in_bits == 1:
        x = rng.integers(0, 2, size=(n, case.mw))
        x[0] = w[0]  # row 0 agrees everywhere: popcount MW
        x[1] = 1 - w[0]  # and nowhere: popcount 0
        acc_bits, acc_signed = arith.popcount_width(case.mw), False
        thresh_bits = arith.threshold_width(case.mw)
        lo_t, hi_t = 0, case.mw + 1
    else:
        lo, hi = quant_range(case.in_bits, case.in_signed, narrow=False)
        x = rng.integers(lo, hi + 1, size=(n, case.mw))
        x[0] = np.where(w[0] == 1, hi, lo)  # the extremes of row 0's range
        x[1] = np.where(w[0] == 1, lo, hi)
        big = case.mw * max(abs(lo), abs(hi))
        acc_bits, acc_signed = arith.signed_width(-big, big), True
        thresh_bits = arith.signed_width(-big, big + 1)
        lo_t, hi_t = -big, big + 1
    acc_all = _expected(case, w, x, None)
    t = None
    if case.threshold:
        # thresholds hit real accumulator values (ties), plus always-one and never-one rows
        t = acc_all[rng.integers(0, n, size=case.mh), np.arange(case.mh)]
        t[0], t[-1] = lo_t, hi_t
    want = _expected(case, w, x, t)

    in_s = Stream(
        elems=case.simd,
        bits=case.in_bits,
        beats=case.mw // case.simd * case.reps,
        signed=case.in_signed,
    )
    out_bits = 1 if case.threshold else acc_bits
    nf = case.mh // case.pe
    out_s = Stream(
        elems=case.pe, bits=out_bits, beats=nf * case.reps, signed=acc_signed and not case.threshold
    )
    wfile, tfile = tmp_path / "w.mem", tmp_path / "t.mem"
    wfile.write_text("".join(f"{h}\n" for h in mvau_rom_words(w, case.pe, case.simd)))
    params: dict[str, int | str] = {
        "MW": case.mw,
        "MH": case.mh,
        "PE": case.pe,
        "SIMD": case.simd,
        "IN_BITS": case.in_bits,
        "IN_SIGNED": int(case.in_signed),
        "ACC_BITS": acc_bits,
        "ACC_SIGNED": int(acc_signed),
        "THRESHOLD": int(case.threshold),
        "THRESH_BITS": thresh_bits,
        "WEIGHTS": str(wfile),
        "THRESHOLDS": str(tfile),
        "BLOCK_ROM": int(case.block_rom),
        "STAGE_LEVELS": case.stage_levels,
    }
    if t is not None:
        ts = Stream(elems=case.pe, bits=thresh_bits, beats=nf, signed=acc_signed)
        words = beats_to_hex(pack_beats(t.reshape(1, -1), ts), ts.width)
        tfile.write_text("".join(f"{h}\n" for h in words))
    else:
        tfile.write_text("0\n")
    run_core(
        tmp_path,
        module="b2h_mvau",
        sources=rtl_sources(*MVAU_SOURCES),
        params=params,
        in_width=in_s.width,
        out_width=out_s.width,
        beats_in=list(pack_beats(x.reshape(frames, -1), in_s)),
        beats_out=list(pack_beats(want.reshape(frames, -1), out_s)),
        in_frame=in_s.beats,
        out_frame=out_s.beats,
        label=str(case),
    )
