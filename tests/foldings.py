"""Foldings used by the model tests of both hardware backends, compiling a model at one, and
the parametrisation and model cache those tests share."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import zoo

from bnn2hw.build import Build, load_build
from bnn2hw.cli import main
from bnn2hw.ir.folding import default_folding, divisors, simd_unit
from bnn2hw.ir.graph import Graph
from bnn2hw.ir.layers import Folding, MatVec, MaxPoolBits

FoldingSpec = dict[str, dict[str, int]]
Chooser = Callable[[Graph], FoldingSpec]

# FINN's published foldings (../shared/ANCHORS.md), per MVAU layer in order
FINN_TFC = [(16, 49), (8, 8), (8, 8), (10, 8)]
FINN_LFC = [(32, 49), (64, 32), (32, 64), (10, 8)]
# SFC has no FINN folding: TFC's first layer, PE = SIMD = 16 on the 256-wide layers
SFC_TFC_LIKE = [(16, 49), (16, 16), (16, 16), (10, 16)]
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


ModelCases = Mapping[str, tuple[Callable[..., zoo.ModelCase], int, Mapping[str, Chooser]]]


def case_params(cases: ModelCases) -> list[Any]:
    """One pytest parameter (model name, folding name) per model and folding."""
    return [
        pytest.param(name, fold, id=f"{name}-{fold}")
        for name, (_, _, folds) in cases.items()
        for fold in folds
    ]


def lazy_models(
    cases: ModelCases, tmp_path_factory: pytest.TempPathFactory
) -> dict[str, zoo.ModelCase]:
    """The zoo models of ``cases``, each exported once (on first use) into its own folder."""

    class Lazy(dict):  # type: ignore[type-arg]
        def __missing__(self, key: str) -> zoo.ModelCase:
            self[key] = cases[key][0](tmp_path_factory.mktemp(key), seed=1)
            return self[key]

    return Lazy()


def compile_at(model: Path, compile_args: list[str], choose: Chooser, tmp: Path) -> Build:
    """Compile ``model`` at the folding ``choose`` picks (given as a --folding file)."""
    # the default build tells the layer names; the folding under test is then given as a file
    probe = tmp / "probe"
    args = ["compile", str(model), "-o", str(probe), *compile_args, "--golden-frames", "2"]
    assert main(args) == 0
    spec = choose(load_build(probe).graph)
    (tmp / "folding.json").write_text(json.dumps(spec))
    build = tmp / "build"
    args = ["compile", str(model), "-o", str(build), *compile_args]
    args += ["--folding", str(tmp / "folding.json"), "--golden-frames", "4"]
    assert main(args) == 0
    b = load_build(build)
    for layer in b.graph.layers:
        assert layer.folding == Folding(spec[layer.name]["pe"], spec[layer.name].get("simd", 1))
    return b
