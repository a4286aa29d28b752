"""Per-layer facts of a compiled graph (shapes, fan-in, widths), for bnn2hw.json and the CLI."""

from __future__ import annotations

from typing import Any

from bnn2hw import arith
from bnn2hw.ir.folding import layer_cycles
from bnn2hw.ir.graph import Graph
from bnn2hw.ir.layers import AccOut, Layer, MatVec, MaxPoolBits, ThresholdAct

__all__ = ["layer_rows", "widths"]


def widths(layer: MatVec) -> tuple[int, int]:
    """(accumulator bits, threshold bits) of a layer in hardware units."""
    if layer.in_type.binary:
        return arith.popcount_width(layer.mw), arith.threshold_width(layer.mw)
    lo, hi = layer.acc_range()
    lo_all, hi_all = int(min(lo.min(), -hi.max())), int(max(hi.max(), -lo.min()))
    return arith.signed_width(lo_all, hi_all), arith.signed_width(lo_all, hi_all + 1)


def _folding(layer: Layer) -> dict[str, int]:
    f = layer.folding
    if f is None:
        return {}
    from bnn2hw.hw.estimate import estimate_layer  # imports this module

    e = estimate_layer(layer, f, swg=False)  # the layer's wrapper (MVAU or max-pool)
    return {
        **f.to_json(isinstance(layer, MaxPoolBits)),
        "cycles": layer_cycles(layer, f),
        "est_lut": e.lut + e.lutram,
        "est_bram18": e.bram18_equiv,
    }


def layer_rows(graph: Graph) -> list[dict[str, Any]]:
    """One dict per layer: name, kind, source, shapes, MVAU facts, and with a folding its cycles
    and the estimate of its wrapper (hw/estimate.py): est_lut (logic and LUTRAM LUTs),
    est_bram18 (block RAM in RAMB18 units)."""
    rows: list[dict[str, Any]] = []
    for layer in graph.layers:
        if isinstance(layer, MaxPoolBits):
            rows.append(
                {
                    "name": layer.name,
                    "kind": "maxpool",
                    "source": layer.source,
                    "in_shape": list(layer.in_shape),
                    "out_shape": list(layer.out_shape),
                    "kernel": list(layer.pool.kernel),
                    "stride": list(layer.pool.stride),
                    "and_channels": int(layer.and_mask.sum()),
                    **_folding(layer),
                }
            )
            continue
        acc_w, thr_w = widths(layer)
        row: dict[str, Any] = {
            "name": layer.name,
            "kind": "conv" if layer.conv is not None else "dense",
            "source": layer.source,
            "in_shape": list(layer.in_shape),
            "out_shape": list(layer.out_shape),
            "mw": layer.mw,
            "mh": layer.mh,
            "vectors": layer.num_vectors,
            "input": "bits"
            if layer.in_type.binary
            else f"int[{layer.in_type.lo},{layer.in_type.hi}]",
            "acc_bits": acc_w,
            **_folding(layer),
        }
        if isinstance(layer.act, ThresholdAct):
            row.update(
                threshold_bits=thr_w,
                flipped=int(layer.act.flipped.sum()),
                constant=int((layer.act.constant != 0).sum()),
                sign_convention=layer.act.convention,
                near_ties=[int(c) for c in layer.act.near_ties],
            )
        elif isinstance(layer.act, AccOut):
            row.update(output="accumulators", epilogue_ops=len(layer.act.epilogue))
        rows.append(row)
    return rows
