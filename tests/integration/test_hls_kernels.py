"""C-simulation of every HLS kernel (hls/bnn2hw/*.hpp) against the golden model, many foldings.

Each test builds a driver from tests/hls/kernels/ with g++ (its configuration as -DCFG_* macros),
feeds it hex beats packed with bnn2hw.bits, runs the kernel once per frame for several frames and
compares the output beats exactly with the package's golden functions. Inputs are seeded random
data plus extremes that random data almost never reaches: all-match and no-match vectors (P = K and
P = 0), the largest and smallest integers, thresholds exactly at an accumulator and one above.
Every compile must be free of warnings, and the drivers must print nothing (ap_int reports width
mismatches at run time).
"""

from __future__ import annotations

import os
import subprocess
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
from kernel_stimuli import label_stimulus, top_k

from bnn2hw.arith import (
    int_acc_range,
    int_dot,
    popcount_width,
    signed_width,
    threshold_width,
    xnor_popcount,
)
from bnn2hw.backends.hls.toolchain import ap_include_dir, cxx, hls_library_dir
from bnn2hw.bits import bits_to_hex, hex_to_bits, mvau_fold_rows, mvau_weight_words
from bnn2hw.errors import BuildError
from bnn2hw.golden.reference import _maxpool
from bnn2hw.golden.windows import conv_vectors
from bnn2hw.hw.streams import Stream, beats_to_hex, hex_to_beats, pack_beats, unpack_beats
from bnn2hw.ir.layers import ConvGeom, MaxPoolBits, PoolGeom

DRIVERS = Path(__file__).resolve().parents[1] / "hls" / "kernels"


# ---------------------------------------------------------------------------------------------
# Toolchain, beats, comparison


def _toolchain() -> tuple[str, Path, Path]:
    try:
        return cxx(), ap_include_dir(), hls_library_dir()
    except BuildError as e:
        pytest.skip(f"C-simulation toolchain missing: {e}")


def _build(tmp: Path, driver: str, cfg: dict[str, int], defines: tuple[str, ...] = ()) -> Path:
    """Compile a driver with -DCFG_<key>=<value>; fails on any compiler warning."""
    compiler, ap_dir, hls = _toolchain()
    exe = tmp / Path(driver).stem
    cmd = [
        compiler,
        "-std=c++14",
        "-O1",  # faster to build than the emitted build's -O2; both must be warning-free
        "-Wall",
        "-Wextra",
        "-Wno-unknown-pragmas",
        f"-I{hls}",
        f"-I{hls / 'csim'}",
        "-isystem",
        str(ap_dir),
        *(f"-DCFG_{k}={int(v)}" for k, v in cfg.items()),
        *(f"-D{d}" for d in defines),
        str(DRIVERS / driver),
        "-o",
        str(exe),
    ]
    p = subprocess.run(cmd, capture_output=True, text=True, check=False)
    assert p.returncode == 0, f"{driver} {cfg}: compile failed\n{p.stderr[-6000:]}"
    assert "warning" not in p.stderr.lower(), f"{driver} {cfg}: warnings\n{p.stderr[-6000:]}"
    return exe


def _run(exe: Path, data: Path, frames: int, files: dict[str, list[str]]) -> list[str]:
    """Write the input files, run the driver on `frames` frames, return the output hex lines."""
    data.mkdir(parents=True, exist_ok=True)
    for name, lines in files.items():
        (data / name).write_text("".join(line + "\n" for line in lines))
    p = subprocess.run(
        [str(exe), str(data), str(frames)], capture_output=True, text=True, timeout=120, check=False
    )
    assert p.returncode == 0, f"{exe.name} exited with {p.returncode}\n{p.stderr[-4000:]}"
    assert p.stdout == "" and p.stderr == "", f"{exe.name} printed:\n{p.stdout}{p.stderr}"
    return (data / "out.hex").read_text().split()


def _rng(kind: str, case: str) -> np.random.Generator:
    """A generator seeded from the case name and $BNN2HW_TEST_SEED (default 0)."""
    base = int(os.environ.get("BNN2HW_TEST_SEED", "0"))
    return np.random.default_rng([base, zlib.crc32(f"{kind}/{case}".encode())])


def _beats(elems: np.ndarray, per_beat: int, ew: int) -> list[str]:
    """Hex beats of a flat element sequence, per_beat elements of ew bits each (two's
    complement): bnn2hw.hw.streams' packing, the one the emitter and the engines use."""
    v = np.asarray(elems, dtype=np.int64).reshape(-1, per_beat) & ((1 << ew) - 1)
    s = Stream(elems=per_beat, bits=ew, beats=1)
    return beats_to_hex(pack_beats(v, s), per_beat * ew)


def _unbeats(lines: list[str], per_beat: int, ew: int, signed: bool = False) -> np.ndarray:
    """(len(lines), per_beat) int64 elements of hex beats (inverse of _beats)."""
    if not lines:
        return np.zeros((0, per_beat), dtype=np.int64)
    s = Stream(elems=per_beat, bits=ew, beats=1, signed=signed)
    return unpack_beats(hex_to_beats(lines, per_beat * ew), s)


def _check(kind: str, case: str, got: np.ndarray, want: np.ndarray, what: str) -> None:
    """Exact comparison; reports the first mismatch, prints how many values were compared."""
    assert got.shape == want.shape, f"{kind} {case}: output shape {got.shape}, want {want.shape}"
    bad = np.argwhere(got != want)
    if bad.size:
        at = tuple(int(i) for i in bad[0])
        pytest.fail(
            f"{kind} {case}: {len(bad)} of {want.size} {what} differ; first at {at}: "
            f"got {got[at]}, expected {want[at]}"
        )
    print(f"{kind} {case}: {want.size:,} {what} compared, 0 mismatches")


def _lines_expected(kind: str, case: str, lines: list[str], n: int) -> None:
    assert len(lines) == n, f"{kind} {case}: {len(lines)} output beats, expected {n}"


# ---------------------------------------------------------------------------------------------
# MVAU


@dataclass(frozen=True)
class MvauCase:
    id: str
    mw: int
    mh: int
    pe: int
    simd: int
    reps: int
    in_bits: int = 1
    in_signed: bool = False
    raw: bool = False  # mvau_acc (raw accumulators) instead of mvau_threshold
    frames: int = 40


MVAU_CASES = [
    MvauCase("bin_pe1_simd1", 16, 8, 1, 1, reps=3),
    MvauCase("bin_full_parallel", 32, 8, 8, 32, reps=4),
    MvauCase("bin_mixed_conv", 72, 16, 4, 8, reps=9),
    MvauCase("bin_simd_only", 40, 6, 1, 20, reps=5),
    MvauCase("bin_raw_dense", 64, 10, 5, 16, reps=1, raw=True, frames=200),
    MvauCase("bin_raw_pe1_simd1", 12, 3, 1, 1, reps=2, raw=True),
    MvauCase("int8_signed", 27, 8, 2, 3, reps=4, in_bits=8, in_signed=True),
    MvauCase("uint8", 12, 6, 3, 4, reps=5, in_bits=8),
    MvauCase("uint8_pe1_simd1", 6, 4, 1, 1, reps=4, in_bits=8),
    MvauCase("uint8_raw_full", 16, 4, 4, 16, reps=3, in_bits=8, raw=True),
    MvauCase("int4_signed_raw", 24, 6, 2, 6, reps=4, in_bits=4, in_signed=True, raw=True),
]


def _mvau_inputs(case: MvauCase, w: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """(frames*reps, MW) input vectors: extremes for every row first, then random ones."""
    n = case.frames * case.reps
    if case.in_bits == 1:
        lo, hi = 0, 1
    elif case.in_signed:
        lo, hi = -(1 << (case.in_bits - 1)), (1 << (case.in_bits - 1)) - 1
    else:
        lo, hi = 0, (1 << case.in_bits) - 1
    x = rng.integers(lo, hi + 1, size=(n, case.mw), dtype=np.int64)
    # Row r's largest accumulator (all-match: P = MW) and smallest (no-match: P = 0).
    ext = [np.where(w[r] == 1, hi, lo) for r in range(case.mh)]
    ext += [np.where(w[r] == 1, lo, hi) for r in range(case.mh)]
    ext += [np.full(case.mw, hi), np.full(case.mw, lo)]
    k = min(len(ext), n // 2)
    order = rng.permutation(len(ext))[:k]
    x[:k] = np.stack([ext[i] for i in order])
    return x


def _mvau_thresholds(acc: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """Per channel: random, never/always one, exactly at a reached accumulator and one above."""
    rng = np.random.default_rng(7)
    mh = acc.shape[1]
    t = np.empty(mh, dtype=np.int64)
    for c in range(mh):
        seen = acc[rng.integers(acc.shape[0]), c]
        kinds = (
            int(rng.integers(lo[c], hi[c] + 2)),
            int(lo[c]),  # always one
            int(hi[c]) + 1,  # never one
            int(hi[c]),  # only the largest accumulator
            int(seen),  # tie: acc == T gives one
            int(seen) + 1,  # acc == T - 1 gives zero
        )
        t[c] = kinds[c % len(kinds)]
    return t


def _mvau_pack_weights(w: np.ndarray, case: MvauCase) -> list[str]:
    """w.hex lines: word [pe][nf*SF + sf] = row nf*PE + pe, columns sf*SIMD + j in bit j
    (bnn2hw.bits.mvau_weight_words, the emitter's packing; property-tested in test_folding)."""
    return [str(h) for h in mvau_weight_words(w, case.pe, case.simd).ravel()]


@pytest.mark.parametrize("case", MVAU_CASES, ids=lambda c: c.id)
def test_mvau(case: MvauCase, tmp_path: Path) -> None:
    rng = _rng("mvau", case.id)
    w = rng.integers(0, 2, size=(case.mh, case.mw), dtype=np.uint8)
    x = _mvau_inputs(case, w, rng)
    binary = case.in_bits == 1
    if binary:
        acc = xnor_popcount(x.astype(np.uint8), w)
        lo, hi = np.zeros(case.mh, dtype=np.int64), np.full(case.mh, case.mw, dtype=np.int64)
        acc_bits, acc_signed = popcount_width(case.mw), False
        t_bits, t_signed = threshold_width(case.mw), False
    else:
        acc = int_dot(x, w)
        in_lo = -(1 << (case.in_bits - 1)) if case.in_signed else 0
        in_hi = (1 << (case.in_bits - 1)) - 1 if case.in_signed else (1 << case.in_bits) - 1
        lo, hi = int_acc_range(w, in_lo, in_hi)
        acc_bits, acc_signed = signed_width(int(lo.min()), int(hi.max())), True
        t_bits, t_signed = signed_width(int(lo.min()), int(hi.max()) + 1), True
    # The extremes reach both ends of every row's range (when there are enough vectors).
    assert (acc >= lo).all() and (acc <= hi).all()
    n_ext = min(2 * case.mh + 2, x.shape[0] // 2)
    if n_ext == 2 * case.mh + 2:
        assert (acc.max(0) == hi).all() and (acc.min(0) == lo).all()
    cfg = {
        "MW": case.mw,
        "MH": case.mh,
        "PE": case.pe,
        "SIMD": case.simd,
        "REPS": case.reps,
        "IN_BITS": case.in_bits,
        "IN_SIGNED": case.in_signed,
        "ACC_BITS": acc_bits,
        "ACC_SIGNED": acc_signed,
        "THRESH_BITS": t_bits,
        "THRESH_SIGNED": t_signed,
        "MODE": case.raw,
    }
    files = {
        "in.hex": _beats(x, case.simd, case.in_bits),
        "w.hex": _mvau_pack_weights(w, case),
    }
    nf = case.mh // case.pe
    if not case.raw:
        t = _mvau_thresholds(acc, lo, hi)
        files["t.hex"] = _beats(mvau_fold_rows(t, case.pe).ravel(), 1, t_bits)  # t[pe][nf]
    # the adder-tree popcount that synthesis builds (emitted projects C-simulate the host count,
    # which test_popcount_paths_agree proves equal)
    exe = _build(tmp_path, "mvau_driver.cpp", cfg, defines=("BNN2HW_CSIM_POPCOUNT_TREE",))
    lines = _run(exe, tmp_path / "data", case.frames, files)
    _lines_expected("mvau", case.id, lines, x.shape[0] * nf)
    if case.raw:
        got = _unbeats(lines, case.pe, acc_bits, acc_signed).reshape(acc.shape)
        _check("mvau", case.id, got, acc, "accumulators")
    else:
        got = _unbeats(lines, case.pe, 1).reshape(acc.shape)
        want = (acc >= t).astype(np.int64)
        assert (acc == t).any(), "no tie exercised"
        _check("mvau", case.id, got, want, "threshold bits")


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
    pad: int = 0
    frames: int = 20


SWG_CASES = [
    SwgCase("k3_s1_pad1_full_simd", 5, 5, 4, 4, 1, (3, 3), pads=(1, 1, 1, 1), pad=1),
    SwgCase("k3x2_s2x1_asym_pad", 7, 6, 6, 2, 1, (3, 2), (2, 1), (0, 1, 2, 0)),
    SwgCase("k2_s2_unused_row_col_int8", 7, 7, 3, 1, 8, (2, 2), (2, 2)),
    SwgCase("k3_s2_int8_pad_pattern", 6, 5, 3, 3, 8, (3, 3), (2, 2), (1, 0, 0, 1), pad=0xA5),
    SwgCase("k1_s2", 5, 5, 8, 4, 1, (1, 1), (2, 2)),
    SwgCase("k1_s1_simd1", 3, 4, 2, 1, 1, (1, 1)),
    SwgCase("whole_image", 4, 3, 2, 1, 1, (4, 3)),
    SwgCase("big_pads_ew2", 4, 4, 2, 2, 2, (3, 3), (1, 1), (2, 0, 0, 2), pad=2),
    SwgCase("k2x3_s3x2_wide", 8, 9, 4, 2, 1, (2, 3), (3, 2), (1, 1, 0, 1), pad=1),
    SwgCase("ofm1x1_padded", 2, 2, 2, 2, 1, (3, 3), (2, 2), (1, 1, 0, 0), pad=1),
]


def _window_cfg(
    h: int,
    w: int,
    c: int,
    kernel: tuple[int, int],
    stride: tuple[int, int],
    pads: tuple[int, int, int, int],
) -> dict[str, int]:
    """The window geometry fields shared by the sliding-window and pool configurations."""
    top, left, bottom, right = pads
    return {
        "IFM_H": h,
        "IFM_W": w,
        "C": c,
        "KH": kernel[0],
        "KW": kernel[1],
        "SH": stride[0],
        "SW": stride[1],
        "PT": top,
        "PL": left,
        "PB": bottom,
        "PR": right,
    }


@pytest.mark.parametrize("case", SWG_CASES, ids=lambda c: c.id)
def test_swg(case: SwgCase, tmp_path: Path) -> None:
    rng = _rng("swg", case.id)
    x = rng.integers(0, 1 << case.ew, size=(case.frames, case.h, case.w, case.c), dtype=np.int64)
    x[0] = (1 << case.ew) - 1  # an all-ones frame: padding must differ from it where pad != max
    geom = ConvGeom((case.h, case.w, case.c), case.kernel, case.stride, case.pads, case.pad)
    oh, ow = geom.out_hw
    want = conv_vectors(x, geom).reshape(-1, case.simd)
    cfg = {
        **_window_cfg(case.h, case.w, case.c, case.kernel, case.stride, case.pads),
        "SIMD": case.simd,
        "EW": case.ew,
        "PAD": case.pad,
    }
    exe = _build(tmp_path, "swg_driver.cpp", cfg)
    lines = _run(exe, tmp_path / "data", case.frames, {"in.hex": _beats(x, case.simd, case.ew)})
    _lines_expected("swg", case.id, lines, want.shape[0])
    got = _unbeats(lines, case.simd, case.ew)
    assert (
        want.shape[0]
        == case.frames * oh * ow * case.kernel[0] * case.kernel[1] * case.c // case.simd
    )
    _check("swg", case.id, got, want, "window elements")


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
    frames: int = 40


POOL_CASES = [
    PoolCase(
        "k2_s2_full_pe_mixed", 4, 4, 8, 8, (2, 2), (2, 2), (0, 0, 0, 0), (1, 0, 0, 1, 1, 0, 1, 0)
    ),
    PoolCase("k3_s2_pad1_pe1", 5, 5, 4, 1, (3, 3), (2, 2), (1, 1, 1, 1), (1, 0, 1, 0)),
    PoolCase("k2x3_asym_or_only", 6, 5, 6, 3, (2, 3), (2, 1), (0, 1, 1, 0), (0,) * 6),
    PoolCase("whole_image_and_only", 3, 3, 2, 2, (3, 3), (1, 1), (0, 0, 0, 0), (1, 1)),
    PoolCase("k3_s1_pad1_mixed", 4, 4, 4, 2, (3, 3), (1, 1), (1, 1, 1, 1), (0, 1, 1, 0)),
    PoolCase("k2_s2_odd_unused", 5, 5, 2, 1, (2, 2), (2, 2), (0, 0, 0, 0), (0, 1)),
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
    want = _maxpool(layer, x).reshape(-1, case.pe).astype(np.int64)
    cfg = {
        **_window_cfg(case.h, case.w, case.c, case.kernel, case.stride, case.pads),
        "PE": case.pe,
    }
    files = {"in.hex": _beats(x, case.pe, 1), "mask.hex": _beats(mask, case.pe, 1)}
    exe = _build(tmp_path, "maxpool_driver.cpp", cfg)
    lines = _run(exe, tmp_path / "data", case.frames, files)
    _lines_expected("maxpool", case.id, lines, want.shape[0])
    _check("maxpool", case.id, _unbeats(lines, case.pe, 1), want, "pooled bits")


# ---------------------------------------------------------------------------------------------
# Stream tools


WIDTH_CASES = [
    (2, 8, 1, 32),
    (8, 2, 1, 32),
    (3, 3, 4, 12),
    (1, 4, 8, 16),
    (6, 2, 3, 24),
    (4, 1, 5, 8),
]


@pytest.mark.parametrize(("in_e", "out_e", "ew", "n"), WIDTH_CASES)
def test_width_convert(in_e: int, out_e: int, ew: int, n: int, tmp_path: Path) -> None:
    frames = 50
    rng = _rng("width_convert", f"{in_e},{out_e},{ew},{n}")
    x = rng.integers(0, 1 << ew, size=(frames, n), dtype=np.int64)
    x[0], x[1] = 0, (1 << ew) - 1
    cfg = {"KIND": 0, "IN_E": in_e, "OUT_E": out_e, "EW": ew, "N": n}
    exe = _build(tmp_path, "streams_driver.cpp", cfg)
    lines = _run(exe, tmp_path / "data", frames, {"in.hex": _beats(x, in_e, ew)})
    case = f"{in_e}x{ew}b->{out_e}x{ew}b"
    _lines_expected("width_convert", case, lines, frames * n // out_e)
    _check("width_convert", case, _unbeats(lines, out_e, ew), x.reshape(-1, out_e), "elements")


RESIZE_CASES = [(10, 16, 7), (16, 10, 7), (8, 8, 5), (1, 8, 4), (70, 72, 3), (72, 70, 3)]


@pytest.mark.parametrize(("in_w", "out_w", "beats"), RESIZE_CASES)
def test_resize_beats(in_w: int, out_w: int, beats: int, tmp_path: Path) -> None:
    frames = 50
    rng = _rng("resize_beats", f"{in_w},{out_w}")
    bits = rng.integers(0, 2, size=(frames * beats, in_w), dtype=np.uint8)
    bits[0], bits[1] = 0, 1
    cfg = {"KIND": 1, "IN_W": in_w, "OUT_W": out_w, "BEATS": beats}
    exe = _build(tmp_path, "streams_driver.cpp", cfg)
    lines = _run(exe, tmp_path / "data", frames, {"in.hex": [bits_to_hex(b) for b in bits]})
    case = f"{in_w}->{out_w}"
    _lines_expected("resize_beats", case, lines, frames * beats)
    want = np.zeros((frames * beats, out_w), dtype=np.int64)
    keep = min(in_w, out_w)
    want[:, :keep] = bits[:, :keep]
    got = np.stack([hex_to_bits(s, out_w) for s in lines]).astype(np.int64)
    _check("resize_beats", case, got, want, "bits")


# ---------------------------------------------------------------------------------------------
# Label select


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
    frames: int = 300


LABEL_CASES = [
    LabelCase("top3_desc_signed", 10, 10, 8, True, 3, 4, True),
    LabelCase("full_sort_asc_unsigned_ties", 10, 1, 3, False, 10, 4, False),
    LabelCase("argmax_signed_ties", 12, 4, 4, True, 1, 4, True),
    LabelCase("top5_asc_signed", 16, 2, 6, True, 5, 4, False),
    LabelCase("full_sort_desc_exact_idx_bits", 16, 8, 2, False, 16, 4, True),
    LabelCase("top2_desc_n1_pe1", 2, 1, 5, True, 2, 1, True),
]


@pytest.mark.parametrize("case", LABEL_CASES, ids=lambda c: c.id)
def test_label_select(case: LabelCase, tmp_path: Path) -> None:
    rng = _rng("label_select", case.id)
    acc = label_stimulus(rng, case.frames, case.n, case.acc_bits, case.signed)
    want = top_k(acc, case.k, case.descending)
    cfg = {
        "N": case.n,
        "PE": case.pe,
        "ACC_BITS": case.acc_bits,
        "ACC_SIGNED": case.signed,
        "K": case.k,
        "IDX_BITS": case.idx_bits,
        "DESCENDING": case.descending,
    }
    exe = _build(tmp_path, "label_select_driver.cpp", cfg)
    files = {"in.hex": _beats(acc, case.pe, case.acc_bits)}
    lines = _run(exe, tmp_path / "data", case.frames, files)
    _lines_expected("label_select", case.id, lines, case.frames)
    _check("label_select", case.id, _unbeats(lines, case.k, case.idx_bits), want, "labels")


# ---------------------------------------------------------------------------------------------
# Test-bench plumbing: tb_io.hpp and the C-simulation stream


def test_tb_io_and_stream_errors(tmp_path: Path) -> None:
    exe = _build(tmp_path, "streams_driver.cpp", {"KIND": 1, "IN_W": 8, "OUT_W": 8, "BEATS": 2})

    def run(name: str, lines: list[str] | None, frames: int = 2) -> tuple[int, str]:
        data = tmp_path / name
        data.mkdir()
        if lines is not None:
            (data / "in.hex").write_text("".join(line + "\n" for line in lines))
        p = subprocess.run(
            [str(exe), str(data), str(frames)], capture_output=True, text=True, timeout=60
        )
        return p.returncode, p.stderr

    # Comments, blank lines and surrounding blanks are skipped; upper case digits are accepted.
    code, err = run("ok", ["# beats", "", "  0a", "FF\r", "00", "7f  "])
    assert (code, err) == (0, "")
    assert (tmp_path / "ok" / "out.hex").read_text().split() == ["0a", "ff", "00", "7f"]
    code, err = run("bad_digit", ["0g", "00", "00", "00"])
    assert code != 0 and "bad hex digit in '0g'" in err
    code, err = run("too_wide", ["1ff", "00", "00", "00"])
    assert code != 0 and "has bits beyond 8" in err
    code, err = run("missing", None)
    assert code != 0 and "cannot open" in err and "in.hex" in err
    code, err = run("short", ["00", "01", "02"])
    assert code != 0 and "hls::stream 'in': read while empty" in err
    code, err = run("long", ["00", "01", "02", "03", "04"])
    assert code != 0 and "1 input beats left unread" in err


def test_popcount_paths_agree(tmp_path: Path) -> None:
    """C-simulation's host popcount equals the synthesized adder tree and a bit count."""
    exe = _build(tmp_path, "popcount_driver.cpp", {})
    p = subprocess.run([str(exe)], capture_output=True, text=True, timeout=120, check=False)
    print(f"\npopcount host vs tree: {p.stdout.strip()}")
    assert p.returncode == 0, p.stdout + p.stderr
    assert p.stdout.strip().endswith(" 0 mismatches")
    assert int(p.stdout.split()[0]) > 200_000  # 12 wide widths x 20k + every value up to 12 bits
