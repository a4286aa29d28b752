"""The formula estimates (bnn2hw/hw/estimate.py) against Yosys synth_xilinx, through
``bnn2hw estimate BUILD --synth``: the BNN-PYNQ W1A1 topologies from brevitas_examples at FINN's
foldings (SFC, which has none, at TFC's first layer and PE = SIMD = 16), every layer's wrapper
synthesized on its own and the whole flattened design.

Checked: the LUT estimate of every MVAU layer within 25% of Yosys's logic LUTs, the whole
design's within 15%, and the block RAM (RAMB18 and RAMB36 counts) equal on every layer and on
the whole design. The side-by-side table is printed. TFC and SFC run by default (about 1 min of
synthesis each on two cores); LFC and CNV (about 4 min each) are marked slow.
Also ``bnn2hw estimate --synth`` on a tiny model: the table, the recorded JSON.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path

import pytest
import zoo
from foldings import FINN_CNV_LARGE, FINN_LFC, FINN_TFC, SFC_TFC_LIKE, compile_at, fold_list
from onnx_builders import save, tiny_mlp

from bnn2hw.build import load_build
from bnn2hw.cli import main
from bnn2hw.hw.dataflow import MvauStage, lower
from bnn2hw.synth import synth_available

pytestmark = [
    pytest.mark.rtl,
    pytest.mark.skipif(not synth_available(), reason="pyosys (Yosys) not installed"),
]

LAYER_LUT_TOL = 0.25
TOTAL_LUT_TOL = 0.15

CASES: dict[str, tuple[Callable[..., zoo.ModelCase], list[tuple[int, int]]]] = {
    "brevitas_tfc": (zoo.brevitas_tfc, FINN_TFC),
    "brevitas_sfc": (zoo.brevitas_sfc, SFC_TFC_LIKE),
    "brevitas_lfc": (zoo.brevitas_lfc, FINN_LFC),
    "brevitas_cnv": (zoo.brevitas_cnv, FINN_CNV_LARGE),
}
SLOW = {"brevitas_lfc", "brevitas_cnv"}


def _params() -> list:
    return [
        pytest.param(
            name, id=name, marks=[pytest.mark.torch, *([pytest.mark.slow] if name in SLOW else [])]
        )
        for name in CASES
    ]


def _ratio(e: int, m: int) -> float:
    return e / m if m else (1.0 if e == 0 else float("inf"))


@pytest.mark.parametrize("name", _params())
def test_estimates_match_yosys(
    name: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    factory, folding = CASES[name]
    case = factory(tmp_path / "model", seed=1)
    b = compile_at(case.path, case.compile_args, fold_list(folding), tmp_path)
    t0 = time.perf_counter()
    assert main(["estimate", str(b.path), "--synth"]) == 0
    seconds = time.perf_counter() - t0
    out = capsys.readouterr().out
    meta = json.loads((b.path / "bnn2hw.json").read_text())
    est, syn = meta["estimates"], meta["synthesis"]
    mvaus = {s.name for s in lower(load_build(b.path).graph).stages if isinstance(s, MvauStage)}
    lines = [f"{'layer':<12}{'est LUT':>9}{'Yosys':>8}{'ratio':>7}   BRAM18/36 est  Yosys"]
    bad = []
    for layer, s in syn["layers"].items():
        e = est["layers"][layer]
        r = _ratio(e["lut"], s["lut"])
        lines.append(
            f"{layer:<12}{e['lut']:>9}{s['lut']:>8}{r:>7.2f}   "
            f"{e['bram18']:>5}/{e['bram36']:<5}{s['bram18']:>5}/{s['bram36']}"
        )
        if layer in mvaus and abs(r - 1) > LAYER_LUT_TOL:
            bad.append(f"{layer}: LUT {e['lut']} vs {s['lut']}")
        if (e["bram18"], e["bram36"]) != (s["bram18"], s["bram36"]):
            bad.append(f"{layer}: BRAM {e['bram18']}/{e['bram36']} vs {s['bram18']}/{s['bram36']}")
    te, ts = est["total"], syn["total"]
    rt = _ratio(te["lut"], ts["lut"])
    lines.append(
        f"{'total':<12}{te['lut']:>9}{ts['lut']:>8}{rt:>7.2f}   "
        f"{te['bram18']:>5}/{te['bram36']:<5}{ts['bram18']:>5}/{ts['bram36']}"
    )
    compared = len([x for x in syn["layers"] if x in mvaus])
    with capsys.disabled():
        print(
            f"\n{name} at {folding}: {compared} MVAU layers (+ {len(syn['layers']) - compared} "
            f"pools) and the whole design compared; bnn2hw estimate --synth {seconds:.0f} s"
        )
        print("\n".join("  " + ln for ln in lines))
    if abs(rt - 1) > TOTAL_LUT_TOL:
        bad.append(f"total: LUT {te['lut']} vs {ts['lut']}")
    if (te["bram18"], te["bram36"]) != (ts["bram18"], ts["bram36"]):
        bad.append(f"total: BRAM {te['bram18']}/{te['bram36']} vs {ts['bram18']}/{ts['bram36']}")
    assert bad == []
    assert compared == len(folding)
    assert "total (design)" in out and "LUT ratio" in out


def test_cli_estimate_synth_tiny(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    model = save(tiny_mlp(k=64, c=4), tmp_path / "tiny.onnx")
    assert main(["compile", str(model), "-o", str(tmp_path / "b")]) == 0
    capsys.readouterr()
    assert main(["estimate", str(tmp_path / "b"), "--synth"]) == 0
    out = capsys.readouterr().out
    meta = json.loads((tmp_path / "b" / "bnn2hw.json").read_text())
    syn = meta["synthesis"]
    assert syn["family"] == "xc7" and set(syn["layers"]) == set(meta["estimates"]["layers"])
    for r in [*syn["layers"].values(), syn["total"]]:
        assert r["lut"] > 0 and r["ff"] > 0 and "seconds" not in r
    assert (tmp_path / "b" / "synth" / "top" / "yosys.log").exists()
    assert "synth_xilinx" in out and "Yosys LUT" in out and "total (design)" in out
    load_build(tmp_path / "b")  # still a valid build
    with capsys.disabled():
        print("\n" + out)
