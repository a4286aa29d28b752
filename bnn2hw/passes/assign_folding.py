"""assign_folding: give every layer its PE x SIMD (ir/folding.py); computation is unchanged.

Requires: every activation folded (ThresholdAct or AccOut). Ensures: every layer has a legal
folding. Rules:
  1. A layer named in the folding spec takes that folding; it must be legal (FoldingError).
  2. Other layers take the default folding (a pool follows its producer's PE).
  3. A spec naming a layer the graph does not have is an error that lists the layer names.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import replace

from bnn2hw.errors import FoldingError
from bnn2hw.ir.folding import check_folding, default_folding
from bnn2hw.ir.graph import Graph
from bnn2hw.ir.layers import FloatAct, Folding, Layer, MatVec

__all__ = ["assign_folding"]


def assign_folding(spec: Mapping[str, Folding] | None = None) -> Callable[[Graph], Graph]:
    """The pass that assigns ``spec`` (layer name -> Folding) and defaults elsewhere."""
    given = dict(spec or {})

    def assign_folding(graph: Graph) -> Graph:
        names = [layer.name for layer in graph.layers]
        unknown = sorted(set(given) - set(names))
        if unknown:
            raise FoldingError(
                f"folding names layer '{unknown[0]}', which this model does not have "
                f"(layers: {', '.join(names)})"
            )
        out: list[Layer] = []
        producer_pe: int | None = None
        for layer in graph.layers:
            if isinstance(layer, MatVec) and isinstance(layer.act, FloatAct):
                raise FoldingError(f"layer {layer.name}: fold thresholds before assigning folding")
            f = given.get(layer.name) or default_folding(layer, producer_pe)
            check_folding(layer, f)
            out.append(replace(layer, folding=f))
            producer_pe = f.pe
        return graph.with_layers(tuple(out))

    return assign_folding
