"""Formula estimates (bnn2hw/hw/estimate.py): block RAM and LUTRAM mapping exactly as Yosys's
memory_libmap did on the measured layers, monotone in PE and SIMD, totals that add up, and the
estimates that compile records."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import numpy as np
import pytest
from onnx_builders import save, tiny_mlp

from bnn2hw import arith
from bnn2hw.backends.verilog import emit
from bnn2hw.cli import main
from bnn2hw.hw import estimate as est
from bnn2hw.hw.dataflow import MvauStage, PoolStage, SwgStage, lower
from bnn2hw.ir.folding import divisors
from bnn2hw.ir.layers import (
    AccKind,
    AccOut,
    ConvGeom,
    Folding,
    MatVec,
    MaxPoolBits,
    PoolGeom,
    ThresholdAct,
    ValueType,
)

# Yosys 0.70 synth_xilinx xc7 on the emitted wrappers (module docstring of hw/estimate.py):
# weight ROM forced into block RAM, (words, bits per word) -> (RAMB18, RAMB36)
YOSYS_BLOCK_ROMS = {
    (64, 784): (0, 11),  # TFC/SFC l00 (16, 49)
    (256, 256): (0, 4),  # SFC l01 (16, 16)
    (512, 1568): (0, 22),  # LFC l00 (32, 49)
    (512, 2048): (57, 0),  # LFC l01 (64, 32), l02 (32, 64)
    (36, 1024): (29, 0),  # CNV l01 (32, 32)
    (144, 512): (15, 0),  # CNV l03 (16, 32)
    (288, 512): (15, 0),  # CNV l04 (16, 32)
    (2304, 128): (0, 9),  # CNV l06 (4, 32): 5 slices of 512 words side by side
    (18432, 32): (0, 16),  # CNV l07 (1, 32): 2048 x 18
    (32768, 4): (0, 4),  # CNV l08 (1, 4)
    (32768, 8): (15, 0),  # CNV l09 (1, 8): 2048 x 9, parity bits used
}
# RAMs without attribute: (words, bits, single port) -> (kind, RAMB18, RAMB36, LUTs as LUTRAM)
YOSYS_RAMS = {
    (16, 49, True): ("lutram", 0, 0, 28),  # TFC l00 input buffer: 7 x RAM32M
    (36, 32, True): ("lutram", 0, 0, 32),  # CNV l04 input buffer: 32 x RAM64X1S
    (72, 32, True): ("lutram", 0, 0, 64),  # CNV l07 input buffer: 32 x RAM128X1S
    (512, 1, True): ("lutram", 0, 0, 8),  # CNV l10 input buffer: 2 x RAM256X1S
    (224, 32, False): ("block", 1, 0, 0),  # CNV l02 pool's line buffer (4 rows x 56 beats)
}


def _thresholds(mh: int, mw: int) -> ThresholdAct:
    rng = np.random.default_rng(mh * 7 + mw)
    return ThresholdAct(
        thresholds=rng.integers(0, mw + 1, mh).astype(np.int64),
        flipped=np.zeros(mh, dtype=bool),
        constant=np.zeros(mh, dtype=np.int8),
    )


def _dense(mh: int, mw: int, *, last: bool = False, name: str = "l00_dense") -> MatVec:
    w = np.random.default_rng(mh + mw).integers(0, 2, (mh, mw)).astype(np.uint8)
    act = AccOut(epilogue=()) if last else _thresholds(mh, mw)
    return MatVec(name, name, w, ValueType.bits(), AccKind.BIPOLAR_DOT, act, in_shape=(mw,))


def _conv(c: int, mh: int, hw: int = 8) -> MatVec:
    geom = ConvGeom(in_shape=(hw, hw, c), kernel=(3, 3))
    mw = 9 * c
    w = np.random.default_rng(c).integers(0, 2, (mh, mw)).astype(np.uint8)
    return MatVec(
        "l00_conv",
        "conv",
        w,
        ValueType.bits(),
        AccKind.BIPOLAR_DOT,
        _thresholds(mh, mw),
        conv=geom,
        in_shape=(hw, hw, c),
    )


@pytest.mark.parametrize(("shape", "cells"), sorted(YOSYS_BLOCK_ROMS.items()))
def test_block_rom_cells_equal_yosys(shape: tuple[int, int], cells: tuple[int, int]) -> None:
    assert est.bram_cells(*shape) == cells


@pytest.mark.parametrize(("key", "want"), sorted(YOSYS_RAMS.items()))
def test_ram_mapping_equals_yosys(
    key: tuple[int, int, bool], want: tuple[str, int, int, int]
) -> None:
    depth, width, single = key
    m = est.map_memory(depth, width, rom=False, single_port=single)
    assert (m.kind, m.bram18, m.bram36, est.LUTRAM_LUTS * m.lutram) == want


def test_bram_geometry_rules() -> None:
    # one RAMB18 holds up to 512 x 36 or 16K x 1; one RAMB36 up to 512 x 72 or 32K x 1
    assert est.bram_cells(512, 36) == (1, 0)
    assert est.bram_cells(16384, 1) == (1, 0)
    assert est.bram_cells(512, 72) == (0, 1)
    assert est.bram_cells(32768, 1) == (0, 1)
    # never both kinds; RAMB36 when it is cheaper than two RAMB18 (257 < 258)
    for d in (16, 100, 512, 1000, 4096, 20000):
        for w in (1, 8, 9, 36, 64, 100, 784):
            b18, b36 = est.bram_cells(d, w)
            assert b18 == 0 or b36 == 0
            assert (b18 * 18 + b36 * 36) * 1024 >= d * w  # the bits fit (parity used as data)


def test_forced_styles() -> None:
    assert est.map_memory(16, 8, rom=True, style="block").bram18 == 1
    assert est.map_memory(4096, 64, rom=True, style="logic").kind == "logic"


def test_block_rom_follows_the_emitter() -> None:
    assert est.BLOCK_ROM_BITS == emit.BLOCK_ROM_BITS
    small = est.estimate_layer(_dense(64, 255), Folding(8, 15))  # 16320 bits: logic
    big = est.estimate_layer(_dense(64, 256), Folding(8, 16))  # 16384 bits: block RAM
    assert small.bram18_equiv == 0
    assert big.bram18_equiv > 0


@pytest.mark.parametrize(("mh", "mw"), [(64, 64), (64, 784), (256, 256), (10, 512)])
def test_monotone_in_pe_and_simd(mh: int, mw: int) -> None:
    layer = _dense(mh, mw)
    pes, simds = divisors(mh), [s for s in divisors(mw) if s <= 64]
    for simd in simds:
        prev = None
        for pe in pes:
            e = est.estimate_layer(layer, Folding(pe, simd))
            if prev is not None:
                assert e.lut > prev.lut and e.ff > prev.ff, (pe, simd)
                assert e.cycles < prev.cycles
            prev = e
    for pe in pes:
        prev = None
        for simd in simds:
            e = est.estimate_layer(layer, Folding(pe, simd))
            if prev is not None:
                # the compute grows; a smaller logic ROM may offset a little of it
                assert e.lut + e.lutram >= prev.lut + prev.lutram - e.lut // 10, (pe, simd)
                assert e.cycles < prev.cycles
            prev = e


def test_tree_counts() -> None:
    # b2h_adder_tree over 8 one-bit leaves: 4 x 2 + 2 x 3 + 1 x 4 adder bits; registers after
    # level 2 and the root (level 3): 2 x 3 + 1 x 4 bits, latency 2
    assert est.tree_bits(8, 1) == 18
    assert est.tree_regs(8, 1) == (10, 2)
    assert est.tree_regs(1, 1) == (1, 1)
    assert all(est.tree_bits(n + 1, 1) >= est.tree_bits(n, 1) for n in range(1, 200))


@pytest.fixture(scope="module")
def tiny_build(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("est")
    model = save(tiny_mlp(k=64, c=4), tmp / "tiny.onnx")
    assert main(["compile", str(model), "-o", str(tmp / "b")]) == 0
    return tmp / "b"


def test_totals_add_up(tiny_build: Path) -> None:
    from bnn2hw.build import load_build

    b = load_build(tiny_build)
    rows, total = est.estimate_design(b.graph)
    df = lower(b.graph)
    assert [r.name for r in rows if r.kind != "fifo"] == [s.name for s in df.stages]
    assert any(r.kind == "fifo" for r in rows)
    for f in ("lut", "ff", "lutram", "bram18", "bram36"):
        assert getattr(total, f) == sum(getattr(r.estimate, f) for r in rows)
    assert total.cycles == df.bottleneck == max(r.estimate.cycles for r in rows)
    # the layer estimate is the MVAU stage's, and what compile recorded
    meta = json.loads((tiny_build / "bnn2hw.json").read_text())
    for s in df.stages:
        if isinstance(s, MvauStage):
            e = est.estimate_layer(s.layer, s.folding)
            assert e == est.estimate_stage(s)
            assert meta["estimates"]["layers"][s.name] == e.to_json()
            row = next(r for r in meta["layers"] if r["name"] == s.name)
            assert row["est_lut"] == e.lut + e.lutram
            assert row["est_bram18"] == e.bram18_equiv
    assert meta["estimates"]["total"] == total.to_json()


def test_add_keeps_the_bottleneck() -> None:
    a = est.Estimate(lut=1, ff=2, lutram=4, bram18=1, bram36=2, cycles=10)
    b = est.Estimate(lut=10, ff=20, lutram=0, bram18=3, bram36=0, cycles=7)
    s = a + b
    assert (s.lut, s.ff, s.lutram, s.bram18, s.bram36, s.cycles) == (11, 22, 4, 4, 2, 10)
    assert s.bram18_equiv == 8


def test_conv_and_pool_layers() -> None:
    conv = _conv(16, 32)
    alone = est.estimate_layer(conv, Folding(8, 16), swg=False)
    with_swg = est.estimate_layer(conv, Folding(8, 16))
    assert with_swg.lut > alone.lut and with_swg.ff > alone.ff
    assert alone.cycles == 36 * 4 * 9  # 6x6 vectors, NF = 4, SF = 9
    pool = MaxPoolBits("l01_pool", "pool", (6, 6, 32), PoolGeom((2, 2), (2, 2)))
    p = est.estimate_layer(pool, Folding(8))
    assert p.lut > 0 and p.ff > 0 and p.cycles == 6 * 6 * 4
    assert est.estimate_layer(pool, Folding(16)).lut > p.lut


def test_last_layer_and_integer_inputs() -> None:
    last = _dense(10, 64, last=True)
    e = est.estimate_layer(last, Folding(10, 8))
    acc = arith.popcount_width(64)
    assert e.ff >= 2 * 10 * acc  # accumulators and the skid buffer's two beats of them
    w = np.random.default_rng(1).integers(0, 2, (16, 27)).astype(np.uint8)
    first = MatVec(
        "l00_conv",
        "c",
        w,
        ValueType.integer(-128, 127),
        AccKind.INT_DOT,
        _thresholds(16, 27),
        conv=ConvGeom((8, 8, 3), (3, 3)),
        in_shape=(8, 8, 3),
    )
    wide = est.estimate_layer(first, Folding(16, 3), swg=False)
    binary = est.estimate_layer(
        dataclasses.replace(first, in_type=ValueType.bits()), Folding(16, 3), swg=False
    )
    assert wide.lut > binary.lut  # 9-bit add/subtract leaves against XNOR bits


def test_illegal_folding_is_refused() -> None:
    from bnn2hw.errors import FoldingError

    with pytest.raises(FoldingError, match="PE=3"):
        est.estimate_layer(_dense(64, 64), Folding(3, 8))


def test_every_stage_kind(tiny_build: Path) -> None:
    from bnn2hw.build import load_build

    df = lower(load_build(tiny_build).graph)
    for s in df.stages:
        e = est.estimate_stage(s)
        assert e.lut >= 0 and e.ff >= 0
    assert any(isinstance(s, MvauStage) for s in df.stages)
    assert not any(isinstance(s, SwgStage | PoolStage) for s in df.stages)


def test_cli_estimate(tiny_build: Path, capsys: pytest.CaptureFixture[str]) -> None:
    before = json.loads((tiny_build / "bnn2hw.json").read_text())
    capsys.readouterr()
    assert main(["estimate", str(tiny_build)]) == 0
    out = capsys.readouterr().out
    assert "l00_dense" in out and "total (design)" in out and "Yosys" not in out
    after = json.loads((tiny_build / "bnn2hw.json").read_text())
    assert after["estimates"] == before["estimates"]  # the same formulas compile recorded
    assert "synthesis" not in after
    assert {k: v for k, v in after.items() if k != "estimates"} == {
        k: v for k, v in before.items() if k != "estimates"
    }
    assert list(after)[-1] == "graph"
    assert not list(tiny_build.glob(".bnn2hw.json.tmp*"))


def test_cli_estimate_bad_input(tiny_build: Path, tmp_path: Path, capsys) -> None:
    for args in (
        ["estimate", str(tmp_path / "missing")],
        ["estimate", str(tmp_path)],
        ["estimate", str(tiny_build), "--synth", "--family", "xc99"],
    ):
        capsys.readouterr()
        assert main(args) == 2
        err = capsys.readouterr().err
        assert err.startswith("bnn2hw: error: ") and err.count("\n") == 1, err
