"""`verilator --lint-only -Wall` on every core (several parameter sets each) and on the emitted
design of every model class: zero warnings (waivers sit at their site with a reason)."""

from __future__ import annotations

from pathlib import Path

import pytest

from bnn2hw.backends.verilog.emit import design_sources, top_module
from bnn2hw.rtl_sim import lint_verilog

pytestmark = pytest.mark.rtl

RTL = Path(__file__).resolve().parents[2] / "rtl"

MVAU = ["b2h_mvau", "b2h_xnor_popcount", "b2h_int_dot", "b2h_adder_tree", "b2h_axis_skid"]
SWG = ["b2h_swg", "b2h_window_walk", "b2h_axis_skid"]
POOL = ["b2h_maxpool", "b2h_pool_reduce", *SWG]
WINDOW = {
    "IFM_H": 6,
    "IFM_W": 5,
    "C": 4,
    "KH": 3,
    "KW": 2,
    "SH": 2,
    "SW": 1,
    "PT": 1,
    "PL": 0,
    "PB": 1,
    "PR": 1,
    "OFM_H": 3,
    "OFM_W": 5,
}

CORE_CASES: list[tuple[str, list[str], dict[str, int | str]]] = [
    ("b2h_axis_skid", ["b2h_axis_skid"], {"WIDTH": 1}),
    ("b2h_axis_skid", ["b2h_axis_skid"], {"WIDTH": 77}),
    ("b2h_axis_fifo", ["b2h_axis_fifo"], {"WIDTH": 1, "DEPTH": 2}),
    ("b2h_axis_fifo", ["b2h_axis_fifo"], {"WIDTH": 72, "DEPTH": 100}),
    ("b2h_width_convert", ["b2h_width_convert"], {"IN_ELEMS": 3, "OUT_ELEMS": 12, "EW": 4}),
    ("b2h_width_convert", ["b2h_width_convert"], {"IN_ELEMS": 8, "OUT_ELEMS": 1, "EW": 1}),
    ("b2h_axis_resize", ["b2h_axis_resize"], {"IN_WIDTH": 10, "OUT_WIDTH": 16}),
    ("b2h_axis_resize", ["b2h_axis_resize"], {"IN_WIDTH": 16, "OUT_WIDTH": 10}),
    ("b2h_axis_tlast", ["b2h_axis_tlast"], {"S_WIDTH": 8, "M_WIDTH": 8, "FRAME_BEATS": 1}),
    ("b2h_axis_tlast", ["b2h_axis_tlast"], {"S_WIDTH": 96, "M_WIDTH": 128, "FRAME_BEATS": 7}),
    ("b2h_axis_tlast", ["b2h_axis_tlast"], {"S_WIDTH": 64, "M_WIDTH": 56, "FRAME_BEATS": 64}),
    (
        "b2h_label_select",
        ["b2h_label_select"],
        {"N": 10, "PE": 2, "ACC_BITS": 7, "K": 3, "IDX_BITS": 4},
    ),
    (
        "b2h_label_select",
        ["b2h_label_select"],
        {"N": 1, "PE": 1, "ACC_BITS": 1, "K": 1, "IDX_BITS": 1, "ACC_SIGNED": 0},
    ),
    ("b2h_adder_tree", ["b2h_adder_tree"], {"N": 1, "LW": 1, "SUM_W": 1}),
    ("b2h_adder_tree", ["b2h_adder_tree"], {"N": 37, "LW": 9, "SIGNED": 1, "SUM_W": 15}),
    ("b2h_mvau", MVAU, {"MW": 8, "MH": 4, "PE": 2, "SIMD": 4}),
    ("b2h_mvau", MVAU, {"MW": 9, "MH": 3, "PE": 1, "SIMD": 1, "THRESHOLD": 0}),
    (
        "b2h_mvau",
        MVAU,
        {
            "MW": 12,
            "MH": 4,
            "PE": 2,
            "SIMD": 3,
            "IN_BITS": 8,
            "ACC_BITS": 14,
            "ACC_SIGNED": 1,
            "THRESH_BITS": 15,
        },
    ),
    (
        "b2h_mvau",
        MVAU,
        {"MW": 64, "MH": 16, "PE": 16, "SIMD": 64, "ACC_BITS": 7, "THRESH_BITS": 8, "BLOCK_ROM": 1},
    ),
    ("b2h_swg", SWG, {**WINDOW, "SIMD": 2, "EW": 1, "PAD": 1}),
    ("b2h_swg", SWG, {**WINDOW, "SIMD": 4, "EW": 8, "PAD": 0}),
    (
        "b2h_swg",
        SWG,
        {
            "IFM_H": 1,
            "IFM_W": 4,
            "C": 1,
            "SIMD": 1,
            "EW": 1,
            "KH": 1,
            "KW": 1,
            "SH": 1,
            "SW": 1,
            "PT": 0,
            "PL": 0,
            "PB": 0,
            "PR": 0,
            "OFM_H": 1,
            "OFM_W": 4,
            "PAD": 0,
        },
    ),
    ("b2h_maxpool", POOL, {**WINDOW, "PE": 2, "AND_MASK": "4'h5"}),
]


@pytest.mark.parametrize(
    ("top", "files", "params"), CORE_CASES, ids=[f"{c[0]}-{i}" for i, c in enumerate(CORE_CASES)]
)
def test_core_lint_clean(top: str, files: list[str], params: dict[str, int | str]) -> None:
    pytest.importorskip("cocotb")
    warnings = lint_verilog([RTL / f"{f}.v" for f in files], top, params)
    assert warnings == [], "\n".join(warnings)


def test_every_core_is_linted() -> None:
    linted = {f for _, files, _ in CORE_CASES for f in files}
    cores = {p.stem for p in RTL.glob("b2h_*.v")}
    assert cores <= linted, f"cores without a lint case: {sorted(cores - linted)}"


@pytest.mark.torch
@pytest.mark.parametrize("name", ["torch_mlp", "torch_cnn", "brevitas_tfc", "brevitas_cnv"])
def test_emitted_design_lint_clean(name: str, tmp_path: Path) -> None:
    import zoo

    from bnn2hw.build import load_build
    from bnn2hw.cli import main

    case = getattr(zoo, name)(tmp_path, seed=1)
    out = tmp_path / "build"
    assert main(["compile", str(case.path), "-o", str(out), *case.compile_args]) == 0
    b = load_build(out)
    srcs = design_sources(b.rtl_dir)
    warnings = lint_verilog(srcs, top_module(b.graph))
    print(f"\nlint {name}: {len(srcs)} files, {len(warnings)} warnings")
    assert warnings == [], "\n".join(warnings)
