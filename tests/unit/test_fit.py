"""Deploy's fit check: a synthetic MLP (256-256-10) at PE 64 x SIMD 256 needs more block RAM
than a PYNQ-Z1 has (after the shell margin) and fits a ZCU104; the refusal names the resource,
the numbers and a folding that fits, which is verified by estimating it."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from onnx_builders import mlp_nodes, save, tiny_mlp

from bnn2hw.boards import load_board
from bnn2hw.build import compile_model, load_build
from bnn2hw.cli import main
from bnn2hw.deploy.fit import SHELL_MARGIN, check_fit, design_usage, fit_report
from bnn2hw.errors import Bnn2HwError, FitError
from bnn2hw.frontend import ImportOptions
from bnn2hw.hw.dataflow import lower
from bnn2hw.hw.estimate import estimate_design
from bnn2hw.ir.folding import folding_from_json

BIG = {"l00_dense": {"pe": 64, "simd": 256}, "l01_dense": {"pe": 10, "simd": 256}}


@pytest.fixture(scope="module")
def model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    nodes, inits = mlp_nodes(k=256, h=256, c=10)
    return save(tiny_mlp(nodes, inits, k=256, c=10), tmp_path_factory.mktemp("fit") / "m.onnx")


def test_too_large_for_pynq_z1_fits_zcu104(model: Path) -> None:
    graph = compile_model(model, ImportOptions(), folding=folding_from_json(BIG, "test"))
    lut, bram = design_usage(estimate_design(graph)[1])
    z1, zcu = load_board("pynq-z1"), load_board("zcu104")
    assert bram > z1.bram18 * (1 - SHELL_MARGIN) and bram <= zcu.bram18 * (1 - SHELL_MARGIN)

    ok = check_fit(graph, zcu)
    assert ok.fits and ok.suggestion is None and (ok.lut, ok.bram18) == (lut, bram)

    with pytest.raises(FitError) as e:
        check_fit(graph, z1, model="m.onnx")
    assert isinstance(e.value, Bnn2HwError)  # the CLI's one line, exit 2
    msg = str(e.value)
    assert "\n" not in msg
    assert "PYNQ-Z1" in msg and "BRAM (RAMB18)" in msg
    assert f"{bram:,} > {int(280 * (1 - SHELL_MARGIN)):,}" in msg and "280" in msg
    assert "LUT " + f"{lut:,} >" not in msg  # LUTs are within budget

    rep = fit_report(graph, z1)
    s = rep.suggestion
    assert s is not None
    assert "--board pynq-z1 --target-fps" in msg and f"{s.fps:,.0f} frames/s" in msg
    for name, f in s.foldings.items():
        assert f"{name} PE {f.pe} SIMD {f.simd}" in msg
    # the suggestion fits: estimate it independently
    folded = graph.with_layers(
        tuple(replace(la, folding=s.foldings[la.name]) for la in graph.layers)
    )
    lut2, bram2 = design_usage(estimate_design(folded)[1])
    assert (lut2, bram2) == (s.lut, s.bram18)
    assert lut2 <= rep.lut_budget and bram2 <= rep.bram18_budget
    assert fit_report(folded, z1).fits
    assert s.fps == pytest.approx(z1.clock_mhz * 1e6 / lower(folded).bottleneck)
    assert s.fps <= rep.fps  # slower than the design that did not fit
    print(f"\n  {rep.describe()}\n  suggested: {s.folding_json()} at {s.fps:,.0f} frames/s")


def test_build_uses_its_estimates(model: Path, tmp_path: Path) -> None:
    """A build folder: the check reads bnn2hw.json's estimates; the suggested command works."""
    (tmp_path / "f.json").write_text(__import__("json").dumps(BIG))
    out = tmp_path / "b"
    args = ["compile", str(model), "-o", str(out), "--folding", str(tmp_path / "f.json")]
    assert main([*args, "--golden-frames", "2"]) == 0
    build = load_build(out)
    z1 = load_board("pynq-z1")
    with pytest.raises(FitError, match="does not fit PYNQ-Z1") as e:
        check_fit(build, z1)
    cmd = str(e.value).split("rebuild with: bnn2hw ")[1].split()
    cmd[cmd.index("-o") + 1] = str(tmp_path / "fit")
    assert main([*cmd, "--golden-frames", "2"]) == 0
    rep = check_fit(load_build(tmp_path / "fit"), z1)
    assert rep.fits
