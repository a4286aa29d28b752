"""--target-fps on the four BNN-PYNQ W1A1 topologies (Brevitas TFC, SFC, LFC, CNV).

Targets 1 k to 1 M frames/s at 100 and 200 MHz: the search meets every target the fully
unfolded design meets (and then the lowered dataflow's bottleneck is within the target), and
says clearly when a target is out of reach. With the PYNQ-Z1's resources as the budget, CNV at
1 M frames/s is refused with the best reachable rate, and every budgeted design fits.
Run with -s to see the table (topology, clock, target, achieved, bottleneck layer, LUT, BRAM).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import zoo
from foldings import (
    FINN_CNV_LARGE,
    FINN_CNV_SMALL,
    FINN_LFC,
    FINN_TFC,
    fold_list,
    fold_max,
)

from bnn2hw.boards import load_board
from bnn2hw.build import compile_model, load_build
from bnn2hw.cli import main
from bnn2hw.engines.rtl_engine import run_rtl
from bnn2hw.frontend import ImportOptions
from bnn2hw.golden import run_golden
from bnn2hw.hw.dataflow import lower
from bnn2hw.ir.folding import check_folding, folding_from_json
from bnn2hw.ir.graph import Graph
from bnn2hw.passes.assign_folding import assign_folding
from bnn2hw.passes.fold_search import (
    DEFAULT_LUT_PER_BRAM18,
    Budget,
    SearchResult,
    folding_cost,
    search_folding,
)
from bnn2hw.rtl_sim import Stalls
from bnn2hw.stimuli import random_inputs
from bnn2hw.verify.compare import compare_exact

pytestmark = pytest.mark.torch

TOPOLOGIES = {
    "TFC": zoo.brevitas_tfc,
    "SFC": zoo.brevitas_sfc,
    "LFC": zoo.brevitas_lfc,
    "CNV": zoo.brevitas_cnv,
}
TARGETS = (1e3, 1e4, 1e5, 1e6)
CLOCKS = (100.0, 200.0)


@pytest.fixture(scope="module")
def models(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Path, Graph]]:
    out = {}
    for name, factory in TOPOLOGIES.items():
        case = factory(tmp_path_factory.mktemp(name), seed=1)
        out[name] = (case.path, compile_model(case.path, ImportOptions(), check_frames=2))
    return out


def _unfolded(graph: Graph) -> int:
    spec = {k: folding_from_json({k: v}, "spec")[k] for k, v in fold_max(graph).items()}
    return lower(assign_folding(spec)(graph)).bottleneck


def _row(name: str, r: SearchResult, budget: str) -> str:
    return (
        f"{name:<4}{r.clock_mhz:>5.0f}{r.target_fps:>11,.0f}{budget:>9}{r.fps:>13,.0f}"
        f"  {'met' if r.met else 'NOT met':<8}{r.bottleneck_layer:<11}{r.lut:>10,}{r.bram18:>7,}"
    )


def _check(graph: Graph, r: SearchResult) -> None:
    for layer in graph.layers:
        check_folding(layer, r.foldings[layer.name])
    assert lower(r.apply(graph)).bottleneck == r.bottleneck_cycles


def test_targets_1k_to_1m_on_the_four_topologies(
    models: dict[str, tuple[Path, Graph]],
) -> None:
    pynq = load_board("pynq-z1")
    pynq_budget = Budget(lut=pynq.lut, bram18=pynq.bram18)
    rows = [
        f"{'net':<4}{'MHz':>5}{'target/s':>11}{'budget':>9}{'achieved/s':>13}  "
        f"{'':<8}{'bottleneck':<11}{'est. LUT':>10}{'RAMB18':>7}"
    ]
    for name, (_, graph) in models.items():
        unfolded = _unfolded(graph)
        for clock in CLOCKS:
            for fps in TARGETS:
                r = search_folding(graph, fps, clock)
                _check(graph, r)
                t = int(clock * 1e6 // fps)
                assert r.target_cycles == t
                assert r.min_cycles <= unfolded
                if t >= unfolded:
                    assert r.met, (name, clock, fps, r.status())
                if r.met:
                    assert r.bottleneck_cycles <= t and r.fps >= fps
                    assert r.status().startswith(f"target {fps:,.0f} frames/s met")
                else:
                    assert t < r.min_cycles
                    assert "not reachable" in r.status() and "by any folding" in r.status()
                    assert r.bottleneck_cycles == r.min_cycles  # the fastest design
                rows.append(_row(name, r, "-"))
                b = search_folding(graph, fps, clock, pynq_budget)
                _check(graph, b)
                assert b.fits and b.lut <= pynq.lut and b.bram18 <= pynq.bram18
                assert b.bottleneck_cycles >= r.bottleneck_cycles
                if pynq_budget.fits(r.lut, r.bram18):
                    assert b.foldings == r.foldings
                else:
                    assert not b.met and "best reachable" in b.status()
                rows.append(_row(name, b, "PYNQ-Z1"))
    print("\n" + "\n".join(rows))
    # the MLPs reach every target up to 1 M frames/s without a budget; CNV's first layer
    # (SIMD <= 3 input channels, 900 windows) cannot go below 8,100 cycles
    for name in ("TFC", "SFC", "LFC"):
        for clock in CLOCKS:
            assert search_folding(models[name][1], 1e6, clock).met
    cnv = models["CNV"][1]
    assert _unfolded(cnv) == 8100
    assert search_folding(cnv, 1e4, 100.0).met and not search_folding(cnv, 1e5, 200.0).met


@pytest.mark.parametrize(
    "name, table",
    [
        ("TFC", FINN_TFC),
        ("LFC", FINN_LFC),
        ("CNV", FINN_CNV_LARGE),
        ("CNV", FINN_CNV_SMALL),
    ],
    ids=["tfc", "lfc", "cnv-large", "cnv-small"],
)
def test_search_is_no_costlier_than_finns_foldings_at_their_rate(
    models: dict[str, tuple[Path, Graph]],
    capsys: pytest.CaptureFixture[str],
    name: str,
    table: list[tuple[int, int]],
) -> None:
    """At the frame rate of FINN's published folding, the search's design is at least as fast
    and costs no more (same estimate, LUT + 190 x RAMB18): FINN's folding is one of the designs
    it considers."""
    graph = models[name][1]
    spec = {k: folding_from_json({k: v}, "spec")[k] for k, v in fold_list(table)(graph).items()}
    finn_cycles = lower(assign_folding(spec)(graph)).bottleneck
    finn_lut, finn_bram = folding_cost(graph, spec)
    r = search_folding(graph, 100e6 / finn_cycles, 100.0)
    assert r.met and r.bottleneck_cycles <= finn_cycles
    ours = r.lut + DEFAULT_LUT_PER_BRAM18 * r.bram18
    theirs = finn_lut + DEFAULT_LUT_PER_BRAM18 * finn_bram
    with capsys.disabled():
        print(
            f"\n{name} at FINN's {finn_cycles:,} cycles/frame: FINN {finn_lut:,} LUT "
            f"{finn_bram} RAMB18; search {r.bottleneck_cycles:,} cycles, {r.lut:,} LUT "
            f"{r.bram18} RAMB18 ({ours / theirs:.2f}x the cost)"
        )
    assert ours <= theirs


def test_cnv_at_1m_on_pynq_z1_is_refused_with_the_best_reachable_rate(
    models: dict[str, tuple[Path, Graph]], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = models["CNV"][0]
    out = tmp_path / "cnv"
    args = ["compile", str(path), "-o", str(out), "--board", "pynq-z1", "--target-fps", "1e6"]
    assert main([*args, "--golden-frames", "2"]) == 0
    text = capsys.readouterr().out
    line = next(ln for ln in text.splitlines() if ln.startswith("folding: "))
    assert line.startswith("folding: target 1,000,000 frames/s not reachable at 100 MHz")
    assert "within the budget (LUT 53,200, BRAM 280 RAMB18)" in line
    assert "best reachable" in line and "bottleneck layer" in line
    fs = json.loads((out / "bnn2hw.json").read_text())["folding_search"]
    assert not fs["met"] and fs["fits_budget"]
    assert fs["estimate"]["lut"] <= 53200 and fs["estimate"]["bram18"] <= 280
    assert 0 < fs["achieved_fps"] < 1e6
    # strict: nothing written, exit 2
    strict = tmp_path / "strict"
    args = ["compile", str(path), "-o", str(strict), "--board", "pynq-z1", "--target-fps", "1e6"]
    assert main([*args, "--require-target"]) == 2
    assert "best reachable" in capsys.readouterr().err and not strict.exists()


@pytest.mark.rtl
@pytest.mark.parametrize(
    "name, fps, clock", [("TFC", 1e6, 100.0), ("CNV", 1e4, 200.0)], ids=["tfc-1M", "cnv-10k"]
)
def test_searched_folding_runs_at_the_target_in_rtl(
    models: dict[str, tuple[Path, Graph]],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    name: str,
    fps: float,
    clock: float,
) -> None:
    """The chosen folding, built and simulated (Verilator, no stalls): outputs equal the golden
    model's and the measured cycles per frame are within the target."""
    path = models[name][0]
    out = tmp_path / "b"
    args = ["compile", str(path), "-o", str(out), "--target-fps", f"{fps:g}"]
    assert main([*args, "--clock-mhz", f"{clock:g}", "--golden-frames", "2"]) == 0
    capsys.readouterr()
    b = load_build(out)
    fs = b.meta["folding_search"]
    assert fs["met"]
    x = random_inputs(b.graph, 5, seed=3)
    run = run_rtl(b.graph, b.rtl_dir, x, stalls=Stalls.named("none"))
    cmp = compare_exact(b.graph, run_golden(b.graph, x), run.result)
    assert cmp.bit_mismatches == 0 and cmp.frames == 5
    cpf = run.cycles_per_frame
    assert cpf is not None
    with capsys.disabled():
        print(
            f"\n{name} at {fps:,.0f} frames/s, {clock:g} MHz (target {fs['target_cycles']:,} "
            f"cycles): {run.describe()}"
        )
    assert run.bottleneck == fs["bottleneck_cycles"]
    assert cpf <= 1.02 * fs["bottleneck_cycles"] and cpf <= fs["target_cycles"]
