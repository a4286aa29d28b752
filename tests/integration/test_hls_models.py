"""The emitted HLS projects, C-simulated with g++, against the golden model.

Every model class of the core suite (torch MLP; torch CNN with integer zero padding, +-1 padding,
OR/AND/overlapping pools and gamma < 0 rows; Brevitas TFC and CNV W1A1) at three or more foldings:
every binarized layer output and the final accumulators compared value for value on 200 frames
(MLPs) or 20 frames (CNNs), the frames including the input extremes. The compiler's output must
be free of warnings, and the generated test bench must pass its own golden vectors.
"""

from __future__ import annotations

import subprocess
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
    fold_max,
    fold_min,
    fold_mixed,
    lazy_models,
)

from bnn2hw.stimuli import random_inputs
from bnn2hw.verify import verify_graph

pytestmark = pytest.mark.torch

Case = tuple[Callable[..., zoo.ModelCase], int, dict[str, Chooser]]
CASES: dict[str, Case] = {
    "torch_mlp": (
        zoo.torch_mlp,
        200,
        {"min": fold_min, "default": fold_default, "max": fold_max, "mixed": fold_mixed},
    ),
    "torch_cnn": (
        zoo.torch_cnn,
        20,
        {"min": fold_min, "default": fold_default, "max": fold_max, "mixed": fold_mixed},
    ),
    "brevitas_tfc": (
        zoo.brevitas_tfc,
        200,
        {"finn": fold_list(FINN_TFC), "default": fold_default, "mixed": fold_mixed},
    ),
    "brevitas_cnv": (
        zoo.brevitas_cnv,
        20,
        {
            "fold_cnv_large": fold_list(FINN_CNV_LARGE),
            "fold_cnv_small": fold_list(FINN_CNV_SMALL),
            "default": fold_default,
        },
    ),
}


@pytest.fixture(scope="module")
def models(tmp_path_factory: pytest.TempPathFactory) -> dict[str, zoo.ModelCase]:
    return lazy_models(CASES, tmp_path_factory)


@pytest.mark.parametrize(("name", "fold"), case_params(CASES))
def test_csim_bit_exact(
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
    res = verify_graph(b.graph, b.model_path, x, ["golden", "csim"], hls_dir=b.hls_dir)
    cmp = res.comparisons["csim"]
    log = b.hls_dir / "build" / "compiler.log"
    warnings = log.read_text() if log.exists() else ""
    tb = subprocess.run(
        [str(b.hls_dir / "build" / f"{b.graph.name}_csim"), "tb/golden"],
        cwd=b.hls_dir,
        capture_output=True,
        text=True,
        check=False,
    )
    with capsys.disabled():
        print(
            f"\ncsim {name} [{fold}]: {cmp.frames} frames, {len(cmp.tensors)} streams, "
            f"{cmp.bits_compared:,} values compared, {cmp.bit_mismatches} mismatches; "
            f"argmax {cmp.argmax_agree}/{cmp.frames}; test bench: {tb.stdout.strip()}"
        )
    first = cmp.first_mismatch()
    assert cmp.bit_mismatches == 0, first.describe() if first else ""
    assert res.ok
    assert cmp.frames == frames
    assert "warning" not in warnings, warnings
    assert tb.returncode == 0, tb.stdout + tb.stderr
    assert " 0 mismatches" in tb.stdout
