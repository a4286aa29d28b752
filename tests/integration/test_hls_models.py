"""The emitted HLS projects, C-simulated with g++, against the golden model.

Every model class of the core suite (torch MLP; torch CNN with integer zero padding, +-1 padding,
OR/AND/overlapping pools and gamma < 0 rows; Brevitas TFC and CNV W1A1) at three or more foldings:
every binarized layer output and the final accumulators compared value for value on 200 frames
(MLPs) or 20 frames (CNNs), the frames including the input extremes. The compiler's output must
be free of warnings, and the generated test bench must pass its own golden vectors.
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
import zoo

from bnn2hw.build import load_build
from bnn2hw.cli import main
from bnn2hw.ir.folding import default_folding, divisors, simd_unit
from bnn2hw.ir.graph import Graph
from bnn2hw.ir.layers import Folding, MatVec, MaxPoolBits
from bnn2hw.stimuli import random_inputs
from bnn2hw.verify import verify_graph

pytestmark = pytest.mark.torch

FoldingSpec = dict[str, dict[str, int]]
Chooser = Callable[[Graph], FoldingSpec]

# FINN's published foldings (../shared/ANCHORS.md), per MVAU layer in order
FINN_TFC = [(16, 49), (8, 8), (8, 8), (10, 8)]
FINN_CNV_LARGE = [(16, 3), (32, 32), (16, 32), (16, 32), (4, 32), (1, 32), (1, 4), (1, 8), (5, 1)]
FINN_CNV_SMALL = [(8, 3), (16, 16), (8, 16), (8, 16), (4, 8), (1, 8), (1, 2), (2, 2), (5, 1)]


def _spec(
    graph: Graph, pick: Callable[[MatVec], tuple[int, int]], pool_pe: str = "same"
) -> FoldingSpec:
    """A folding for every layer: MVAUs from ``pick``, pools following their producer (or 1)."""
    spec: FoldingSpec = {}
    prev = 1
    for layer in graph.layers:
        if isinstance(layer, MaxPoolBits):
            c = layer.in_shape[2]
            pe = prev if pool_pe == "same" and c % prev == 0 else 1
            spec[layer.name] = {"pe": pe}
        else:
            pe, simd = pick(layer)
            spec[layer.name] = {"pe": pe, "simd": simd}
            prev = pe
    return spec


def fold_min(graph: Graph) -> FoldingSpec:
    return _spec(graph, lambda layer: (1, 1), pool_pe="one")


def fold_max(graph: Graph) -> FoldingSpec:
    return _spec(graph, lambda layer: (layer.mh, simd_unit(layer)))


def fold_default(graph: Graph) -> FoldingSpec:
    f = {la.name: default_folding(la) for la in graph.layers if isinstance(la, MatVec)}
    return _spec(graph, lambda layer: (f[layer.name].pe, f[layer.name].simd))


def fold_mixed(graph: Graph) -> FoldingSpec:
    """Seeded random legal PE/SIMD per layer (widths that force gcd width converters too)."""
    rng = np.random.default_rng(7)

    def pick(layer: MatVec) -> tuple[int, int]:
        pes, simds = divisors(layer.mh), divisors(simd_unit(layer))
        return int(rng.choice(pes)), int(rng.choice(simds))

    return _spec(graph, pick, pool_pe="one")


def fold_list(table: list[tuple[int, int]]) -> Chooser:
    def choose(graph: Graph) -> FoldingSpec:
        it = iter(table)
        return _spec(graph, lambda layer: next(it))

    return choose


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


def _params() -> list:
    return [
        pytest.param(name, fold, id=f"{name}-{fold}")
        for name, (_, _, folds) in CASES.items()
        for fold in folds
    ]


@pytest.fixture(scope="module")
def models(tmp_path_factory: pytest.TempPathFactory) -> dict[str, zoo.ModelCase]:
    """Each zoo model exported once per module (lazily, on first use)."""

    class Lazy(dict):  # type: ignore[type-arg]
        def __missing__(self, key: str) -> zoo.ModelCase:
            self[key] = CASES[key][0](tmp_path_factory.mktemp(key), seed=1)
            return self[key]

    return Lazy()


@pytest.mark.parametrize(("name", "fold"), _params())
def test_csim_bit_exact(
    name: str,
    fold: str,
    models: dict[str, zoo.ModelCase],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    _, frames, folds = CASES[name]
    case = models[name]
    # the default build tells the layer names; the folding under test is then given as a file
    probe = tmp_path / "probe"
    assert (
        main(
            [
                "compile",
                str(case.path),
                "-o",
                str(probe),
                *case.compile_args,
                "--golden-frames",
                "2",
            ]
        )
        == 0
    )
    spec = folds[fold](load_build(probe).graph)
    (tmp_path / "folding.json").write_text(json.dumps(spec))
    build = tmp_path / "build"
    assert (
        main(
            [
                "compile",
                str(case.path),
                "-o",
                str(build),
                *case.compile_args,
                "--folding",
                str(tmp_path / "folding.json"),
                "--golden-frames",
                "4",
            ]
        )
        == 0
    )
    b = load_build(build)
    for layer in b.graph.layers:
        assert layer.folding == Folding(spec[layer.name]["pe"], spec[layer.name].get("simd", 1))

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
