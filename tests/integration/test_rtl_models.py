"""The emitted Verilog designs, simulated with Verilator under cocotb, against the golden model.

Every model class of the core suite (torch MLP; torch CNN with integer zero padding, +-1 padding,
OR/AND/overlapping pools and gamma < 0 rows; Brevitas TFC and CNV W1A1) at two foldings each:
the output port (accumulators) compared value for value on 100 frames (MLPs) or 20 frames (CNNs)
streamed with random input gaps and output back-pressure, the frames including the input
extremes; then a stall-free run whose steady-state cycles per frame must be within 5% of the
analytic bottleneck (the slowest stage's cycles).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
import zoo
from foldings import (
    FINN_CNV_LARGE,
    FINN_CNV_SMALL,
    FINN_TFC,
    Chooser,
    case_params,
    compile_at,
    fold_default,
    fold_list,
    fold_mixed,
    lazy_models,
)

from bnn2hw.engines.rtl_engine import run_rtl
from bnn2hw.golden import run_golden
from bnn2hw.rtl_sim import Stalls
from bnn2hw.stimuli import random_inputs
from bnn2hw.verify.compare import compare_exact

pytestmark = [pytest.mark.torch, pytest.mark.rtl]

Case = tuple[Callable[..., zoo.ModelCase], int, dict[str, Chooser]]
CASES: dict[str, Case] = {
    "torch_mlp": (zoo.torch_mlp, 100, {"default": fold_default, "mixed": fold_mixed}),
    "torch_cnn": (zoo.torch_cnn, 20, {"default": fold_default, "mixed": fold_mixed}),
    "brevitas_tfc": (zoo.brevitas_tfc, 100, {"finn": fold_list(FINN_TFC), "mixed": fold_mixed}),
    "brevitas_cnv": (
        zoo.brevitas_cnv,
        20,
        {"fold_cnv_large": fold_list(FINN_CNV_LARGE), "fold_cnv_small": fold_list(FINN_CNV_SMALL)},
    ),
}
TIMING_FRAMES = 8
TOLERANCE = 1.05


@pytest.fixture(scope="module")
def models(tmp_path_factory: pytest.TempPathFactory) -> dict[str, zoo.ModelCase]:
    return lazy_models(CASES, tmp_path_factory)


@pytest.mark.parametrize(("name", "fold"), case_params(CASES))
def test_rtl_bit_exact(
    name: str,
    fold: str,
    models: dict[str, zoo.ModelCase],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    _, frames, folds = CASES[name]
    case = models[name]
    b = compile_at(case.path, case.compile_args, folds[fold], tmp_path)
    x = np.concatenate(
        [random_inputs(b.graph, 2, seed=3), case.sample(np.random.default_rng(4), frames - 2)]
    )
    golden = run_golden(b.graph, x)
    stalls = Stalls.named("both", seed=11)
    run = run_rtl(b.graph, b.rtl_dir, x, stalls=stalls)
    cmp = compare_exact(b.graph, golden, run.result)
    timing = run_rtl(b.graph, b.rtl_dir, x[:TIMING_FRAMES], stalls=Stalls.named("none"))
    cmp_t = compare_exact(b.graph, run_golden(b.graph, x[:TIMING_FRAMES]), timing.result)
    with capsys.disabled():
        print(
            f"\nrtl {name} [{fold}]: {cmp.frames} frames, {cmp.bits_compared:,} values compared "
            f"under stalls ({stalls.describe()}), {cmp.bit_mismatches} mismatches; "
            f"argmax {cmp.argmax_agree}/{cmp.frames}\n  stalled run: {run.describe()}"
            f"\n  stall-free run: {timing.describe()}"
        )
    first = cmp.first_mismatch()
    assert cmp.bit_mismatches == 0, first.describe("rtl") if first else ""
    assert cmp.frames == frames and run.frames == frames
    assert cmp_t.bit_mismatches == 0
    cpf = timing.cycles_per_frame
    assert cpf is not None
    assert cpf <= TOLERANCE * timing.bottleneck, (
        f"{cpf:.1f} cycles/frame vs analytic bottleneck {timing.bottleneck}"
    )
