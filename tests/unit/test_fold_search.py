"""The folding search (passes/fold_search.py), property-based on synthetic layer chains, and the
CLI around it (--target-fps, budgets, --board, bnn2hw boards).

For random layer shapes (dense widths, conv channels, kernels, strides, pools) and random
targets: every chosen folding is legal (PE | MH, SIMD | MW and SIMD | C for a convolution, a
pool's PE | C), the lowered dataflow builds with consistent streams and its bottleneck is the
one reported, the target is met exactly when the fully unfolded design meets it (and then the
bottleneck is within the target), a budget is respected whenever the result says it fits, and a
higher frame rate never costs less.
"""

from __future__ import annotations

import json
import math
from dataclasses import replace
from pathlib import Path

import pytest
from foldings import fold_max
from hypothesis import given, settings
from hypothesis import strategies as st
from onnx_builders import save, tiny_mlp
from unit.test_folding import _dense, _graph, cnn

from bnn2hw.boards import list_boards, load_board
from bnn2hw.cli import main
from bnn2hw.errors import BoardError, FoldingError
from bnn2hw.hw.dataflow import ResizeStage, lower
from bnn2hw.ir.folding import check_folding, folding_from_json, simd_unit
from bnn2hw.ir.graph import Graph
from bnn2hw.ir.layers import MatVec, MaxPoolBits
from bnn2hw.passes.assign_folding import assign_folding
from bnn2hw.passes.fold_search import (
    DEFAULT_LUT_PER_BRAM18,
    Budget,
    SearchResult,
    default_cost,
    folding_cost,
    interim_cost,
    search_folding,
)

CLOCK_MHZ = 100.0


@st.composite
def mlp(draw: st.DrawFn) -> Graph:
    """2-4 dense layers of random widths (including odd and prime ones)."""
    widths = st.sampled_from([3, 6, 8, 10, 12, 16, 24, 30, 64, 96, 100])
    n = draw(st.integers(2, 4))
    sizes = [draw(widths) for _ in range(n + 1)]
    layers = tuple(
        _dense(f"l{i:02d}_dense", sizes[i], sizes[i + 1], last=i == n - 1) for i in range(n)
    )
    return _graph(layers, (sizes[0],))


graphs = st.one_of(cnn(), mlp())


def _fps(t: int) -> float:
    """The frame rate whose target is exactly t cycles per frame at CLOCK_MHZ."""
    return CLOCK_MHZ * 1e6 / t


def _unfolded_bottleneck(graph: Graph) -> int:
    spec = {k: folding_from_json({k: v}, "spec")[k] for k, v in fold_max(graph).items()}
    return lower(assign_folding(spec)(graph)).bottleneck


def _score(r: SearchResult) -> float:
    return r.lut + DEFAULT_LUT_PER_BRAM18 * r.bram18


def _check_result(graph: Graph, r: SearchResult, t: int) -> None:
    assert r.target_cycles == t
    for layer in graph.layers:
        f = r.foldings[layer.name]
        check_folding(layer, f)
        if isinstance(layer, MaxPoolBits):
            assert layer.in_shape[2] % f.pe == 0
        else:
            assert isinstance(layer, MatVec)
            assert layer.mh % f.pe == 0 and layer.mw % f.simd == 0
            assert simd_unit(layer) % f.simd == 0
    df = lower(r.apply(graph))  # builds: every converter splits the frame evenly
    prev = df.interface.input
    for s in df.stages:  # every stage reads what the one before it writes
        if not isinstance(s, ResizeStage):
            assert s.inp == prev, s.name
        prev = s.out
    assert df.interface.output == prev
    assert df.bottleneck == r.bottleneck_cycles
    assert max(c.stage_cycles for c in r.layers) == r.bottleneck_cycles
    assert r.bottleneck_layer in {la.name for la in graph.layers}


@settings(max_examples=150, deadline=None)
@given(graphs, st.integers(1, 5000), st.sampled_from(["interim", "default"]))
def test_search_is_legal_and_meets_the_target_when_unfolded_can(
    graph: Graph, t: int, cost: str
) -> None:
    """With the interim model and with the default cost (hw/estimate.py when present)."""
    fn = interim_cost if cost == "interim" else default_cost()
    r = search_folding(graph, _fps(t), CLOCK_MHZ, cost=fn)
    _check_result(graph, r, t)
    assert folding_cost(graph, r.foldings, fn) == (r.lut, r.bram18)
    unfolded = _unfolded_bottleneck(graph)
    assert r.min_cycles <= unfolded
    assert r.met == (t >= r.min_cycles)
    if t >= unfolded:
        assert r.met
    if r.met:
        assert r.bottleneck_cycles <= t
        assert "met" in r.status() and "not reachable" not in r.status()
    else:
        assert r.bottleneck_cycles == r.min_cycles  # the fastest design there is
        assert "not reachable" in r.status() and "by any folding" in r.status()
    assert r.fits and r.fps == pytest.approx(CLOCK_MHZ * 1e6 / r.bottleneck_cycles)


@settings(max_examples=300, deadline=None)
@given(graphs, st.integers(1, 5000), st.integers(1, 5000), st.sampled_from(["interim", "default"]))
def test_a_higher_frame_rate_never_costs_less(graph: Graph, t1: int, t2: int, cost: str) -> None:
    fn = interim_cost if cost == "interim" else default_cost()
    fast, slow = sorted((t1, t2))
    r_fast = search_folding(graph, _fps(fast), CLOCK_MHZ, cost=fn)
    r_slow = search_folding(graph, _fps(slow), CLOCK_MHZ, cost=fn)
    assert _score(r_fast) >= _score(r_slow)
    assert r_fast.bottleneck_cycles <= max(r_slow.bottleneck_cycles, r_fast.min_cycles)


@settings(max_examples=150, deadline=None)
@given(graphs, st.integers(1, 2000), st.floats(0.05, 1.5), st.floats(0.0, 1.5))
def test_budget_is_respected(graph: Graph, t: int, lut_frac: float, bram_frac: float) -> None:
    free = search_folding(graph, _fps(t), CLOCK_MHZ, cost=interim_cost)
    budget = Budget(lut=max(1, int(free.lut * lut_frac)), bram18=math.ceil(free.bram18 * bram_frac))
    r = search_folding(graph, _fps(t), CLOCK_MHZ, budget=budget, cost=interim_cost)
    _check_result(graph, r, t)
    if r.fits:
        assert r.lut <= budget.lut and r.bram18 <= budget.bram18  # type: ignore[operator]
    if budget.fits(free.lut, free.bram18):  # the unconstrained design fits: same answer
        assert r.bottleneck_cycles == free.bottleneck_cycles and r.met == free.met
    else:
        assert not r.met
        assert r.bottleneck_cycles >= free.bottleneck_cycles
        assert "not reachable" in r.status()
        assert ("best reachable" in r.status()) == r.fits
    if r.met:
        assert r.bottleneck_cycles <= t


def _tfc_like() -> Graph:
    sizes = [784, 64, 64, 64, 10]
    layers = tuple(_dense(f"l{i:02d}_dense", sizes[i], sizes[i + 1], last=i == 3) for i in range(4))
    return _graph(layers, (784,))


def test_tfc_shaped_chain_meets_a_million_frames_per_second() -> None:
    g = _tfc_like()
    r = search_folding(g, 1e6, 100.0, cost=interim_cost)
    assert r.met and r.target_cycles == 100 and r.bottleneck_cycles <= 100
    # l00: 64 x 784 in at most 100 cycles needs PE*SIMD >= 502; the input port (784 elements
    # in SIMD per beat) needs SIMD >= 8
    f0 = r.foldings["l00_dense"]
    assert f0.pe * f0.simd >= 64 * 784 / 100 and f0.simd >= 8
    text = r.explanation
    assert "Bottleneck" in text and r.bottleneck_layer in text and "l03_dense" in text
    assert "Met" in text or "met" in text


def test_budget_too_small_reports_the_best_reachable_rate() -> None:
    g = _tfc_like()
    free = search_folding(g, 1e6, 100.0, cost=interim_cost)
    r = search_folding(g, 1e6, 100.0, Budget(lut=free.lut // 2, bram18=100), cost=interim_cost)
    assert not r.met and r.fits and r.lut <= free.lut // 2
    assert r.status().startswith(
        f"target 1,000,000 frames/s not reachable within the budget (LUT {free.lut // 2:,}"
    )
    assert f"best reachable {r.fps:,.0f} frames/s at 100 MHz" in r.status()
    assert f"bottleneck layer {r.bottleneck_layer}" in r.status()
    tiny = search_folding(g, 1e6, 100.0, Budget(lut=1, bram18=0), cost=interim_cost)
    assert not tiny.fits and not tiny.met
    assert "no folding fits the budget (LUT 1, BRAM 0 RAMB18): the smallest needs" in tiny.status()


def test_label_select_bounds_the_frame_rate() -> None:
    """Label select takes one cycle per accumulator: 10 cycles per frame at best."""
    g = _tfc_like()
    g = replace(g, output=replace(g.output, topk=1))
    r = search_folding(g, 1e8 / 10, 100.0, cost=interim_cost)
    assert r.met and r.bottleneck_cycles == 10 and r.min_cycles == 10
    assert lower(r.apply(g)).bottleneck == 10
    r = search_folding(g, 1e8 / 9, 100.0, cost=interim_cost)
    assert not r.met and r.bottleneck_cycles == 10
    assert "needs 10 cycles per frame" in r.status()


def test_bad_targets_are_refused() -> None:
    g = _tfc_like()
    for fps, mhz in ((0.0, 100.0), (-5.0, 100.0), (math.inf, 100.0), (1e3, 0.0)):
        with pytest.raises(FoldingError, match="must be a positive number"):
            search_folding(g, fps, mhz, cost=interim_cost)


# ---------------------------------------------------------------- boards


def test_boards_load_with_the_official_totals() -> None:
    boards = {b.key: b for b in list_boards()}
    expect = {
        "pynq-z1": ("xc7z020clg400-1", 53200, 106400, 140, 220, 0, "zynq7000"),
        "pynq-z2": ("xc7z020clg400-1", 53200, 106400, 140, 220, 0, "zynq7000"),
        "ultra96-v2": ("xczu3eg-sbva484-1-i", 70560, 141120, 216, 360, 0, "zynq_ultrascale_plus"),
        "zcu104": ("xczu7ev-ffvc1156-2-e", 230400, 460800, 312, 1728, 96, "zynq_ultrascale_plus"),
        "zcu102": ("xczu9eg-ffvb1156-2-e", 274080, 548160, 912, 2520, 0, "zynq_ultrascale_plus"),
        "kv260": ("xck26-sfvc784-2LV-c", 117120, 234240, 144, 1248, 64, "zynq_ultrascale_plus"),
        "u250": ("xcu250-figd2104-2L-e", 1728000, 3456000, 2688, 12288, 1280, None),
        "u280": ("xcu280-fsvh2892-2L-e", 1303680, 2607360, 2016, 9024, 960, None),
    }
    assert set(boards) == set(expect)
    for key, (part, lut, ff, bram36, dsp, uram, ps) in expect.items():
        b = boards[key]
        assert (b.part, b.lut, b.ff, b.bram36, b.dsp, b.uram, b.ps) == (
            part,
            lut,
            ff,
            bram36,
            dsp,
            uram,
            ps,
        )
        assert b.bram18 == 2 * bram36 and b.clock_mhz > 0
        assert (b.shell is None) == (ps is not None)
    assert load_board("PYNQ_Z1") == boards["pynq-z1"] == load_board("pynqz1")
    assert load_board("Alveo U250") == boards["u250"]
    with pytest.raises(BoardError, match=r"unknown board 'zedboard' \(known boards: kv260, "):
        load_board("zedboard")


def test_boards_command_lists_every_board(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["boards"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].split()[:3] == ["board", "name", "part"]
    assert len(out) == 1 + len(list_boards())
    assert any("xc7z020clg400-1" in line and "53,200" in line for line in out)


# ---------------------------------------------------------------- the command line


@pytest.fixture
def model(tmp_path: Path) -> Path:
    return save(tiny_mlp(), tmp_path / "tiny.onnx")


def test_compile_target_fps_writes_the_search_and_a_rereadable_folding(
    model: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "b"
    args = ["compile", str(model), "-o", str(out), "--target-fps", "2e7", "--board", "pynq-z1"]
    assert main([*args, "--golden-frames", "2"]) == 0
    text = capsys.readouterr().out
    assert "folding: target 20,000,000 frames/s" in text and "Bottleneck" in text
    meta = json.loads((out / "bnn2hw.json").read_text())
    fs = meta["folding_search"]
    assert fs["target_cycles"] == 5 and fs["clock_mhz"] == 100.0
    assert fs["budget"] == {"lut": 53200, "bram18": 280}
    assert fs["explanation"].startswith("Target 20,000,000 frames/s")
    assert meta["board"]["name"] == "PYNQ-Z1" and meta["hardware"]["part"] == "xc7z020clg400-1"
    assert {r["name"]: (r["pe"], r["simd"]) for r in meta["layers"]} == {
        r["name"]: (r["pe"], r["simd"]) for r in fs["layers"]
    }
    # the written folding, given back with --folding, gives the same build
    again = tmp_path / "again"
    folding = str(out / "folding.json")
    assert main(["compile", str(model), "-o", str(again), "--folding", folding]) == 0
    assert json.loads((again / "bnn2hw.json").read_text())["layers"] == meta["layers"]


@pytest.mark.parametrize(
    "extra, message",
    [
        (["--target-fps", "1e3", "--folding", "f.json"], "not allowed with argument"),
        (["--budget-luts", "100"], "--budget-luts needs --target-fps"),
        (["--require-target"], "--require-target needs --target-fps"),
        (["--target-fps", "0"], "--target-fps 0: must be a positive number"),
        (["--target-fps", "1e3", "--budget-bram18", "0"], "--budget-bram18 0: must be at least"),
        (["--board", "zedboard"], "unknown board 'zedboard' (known boards:"),
        (
            ["--target-fps", "1e12", "--require-target"],
            "not reachable at 100 MHz by any folding",
        ),
    ],
)
def test_compile_usage_errors_exit_2(
    model: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    extra: list[str],
    message: str,
) -> None:
    out = tmp_path / "b"
    assert main(["compile", str(model), "-o", str(out), *extra]) == 2
    err = capsys.readouterr().err
    assert message in err and len(err.strip().splitlines()) == 1
    assert not out.exists()


def test_board_sets_part_and_default_clock(model: Path, tmp_path: Path) -> None:
    out = tmp_path / "b"
    args = ["compile", str(model), "-o", str(out), "--board", "ZCU104", "--target-fps", "1e6"]
    assert main([*args, "--golden-frames", "2"]) == 0
    meta = json.loads((out / "bnn2hw.json").read_text())
    assert meta["hardware"] == {"part": "xczu7ev-ffvc1156-2-e", "clock_mhz": 200.0}
    assert meta["folding_search"]["target_cycles"] == 200
    assert meta["folding_search"]["budget"] == {"lut": 230400, "bram18": 624}
    out2 = tmp_path / "c"
    args = ["compile", str(model), "-o", str(out2), "--board", "zcu104", "--clock-mhz", "150"]
    assert main([*args, "--part", "xczu7ev-ffvc1156-1-e", "--golden-frames", "2"]) == 0
    meta = json.loads((out2 / "bnn2hw.json").read_text())
    assert meta["hardware"] == {"part": "xczu7ev-ffvc1156-1-e", "clock_mhz": 150.0}
    assert "folding_search" not in meta and meta["board"]["name"] == "ZCU104"


def test_unreachable_target_still_builds_the_fastest_design(
    model: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "b"
    args = ["compile", str(model), "-o", str(out), "--target-fps", "1e12", "--clock-mhz", "250"]
    assert main([*args, "--golden-frames", "2"]) == 0
    text = capsys.readouterr().out
    assert "folding: target 1,000,000,000,000 frames/s not reachable at 250 MHz" in text
    fs = json.loads((out / "bnn2hw.json").read_text())["folding_search"]
    assert not fs["met"] and fs["bottleneck_cycles"] == fs["min_cycles"]
    assert json.loads((out / "bnn2hw.json").read_text())["hardware"]["clock_mhz"] == 250.0
