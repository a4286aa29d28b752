"""fold_thresholds: the model's float activation becomes one integer threshold per channel.

Matches: every MatVec whose activation is a FloatAct (the imported float arithmetic).
Guarantees: no FloatAct remains; every binarizing MatVec computes ``acc >= T`` with its weight
rows complemented where the activation decreases; a float-domain max-pool becomes a MaxPoolBits
right after the layer (OR, or AND for channels whose post-pool map decreases).

Rules:
  1. The reachable accumulator values are enumerated per channel: P in 0..K for binary inputs,
     the integer range of the dot product for integer inputs (arith.int_acc_range).
  2. The model's own float32 ops (pre, then post; a max over one value is that value) and the
     binarizer are evaluated on every one of them.
  3. The bits must form a step (arith.step_threshold), else ThresholdError names layer/channel.
  4. A Sign that is exactly 0 at a reachable value is a TieError (node, channel, value) unless
     the user chose a convention (--sign-at-zero).
"""

from __future__ import annotations

import logging

import numpy as np

from bnn2hw import arith
from bnn2hw.errors import ThresholdError, TieError
from bnn2hw.ir.floatops import BinarizerKind, TiePolicy, apply_ops, direction
from bnn2hw.ir.graph import Graph
from bnn2hw.ir.layers import FloatAct, Layer, MatVec, MaxPoolBits, ThresholdAct
from bnn2hw.passes.near_ties import near_ties

__all__ = ["fold_layer", "fold_thresholds"]

logger = logging.getLogger(__name__)

_CHUNK_ELEMS = 1 << 22


def _evaluate(
    layer: MatVec, act: FloatAct, lo: np.ndarray, hi: np.ndarray, c0: int, c1: int
) -> tuple[np.ndarray, int]:
    """Bits (c1-c0, n) of channels c0..c1 on the union of their ranges; returns (bits, base)."""
    base, top = int(lo[c0:c1].min()), int(hi[c0:c1].max())
    acc = np.arange(base, top + 1, dtype=np.int64)
    x = np.broadcast_to(layer.model_acc(acc).astype(np.float32)[:, None], (acc.size, layer.mh))
    y = apply_ops(act.post, apply_ops(act.pre, x))[:, c0:c1]
    where = f"layer {layer.name} (node '{layer.source}')"
    if not np.all(np.isfinite(y)):
        bad = np.argwhere(~np.isfinite(y))[0]
        raise ThresholdError(
            f"{where}, channel {c0 + bad[1]}: the activation input is not finite "
            f"at accumulator {int(layer.model_acc(acc[bad[0]]))}; check the "
            "BatchNorm / scale parameters"
        )
    bits, ties = act.binarizer.apply(y)
    if act.binarizer.kind is BinarizerKind.SIGN and act.binarizer.tie is TiePolicy.ERROR:
        reach = (acc[:, None] >= lo[None, c0:c1]) & (acc[:, None] <= hi[None, c0:c1])
        hit = ties & reach
        if hit.any():
            i, c = np.argwhere(hit)[0]
            raise TieError(
                f"{where}, channel {c0 + c}: accumulator value {int(layer.model_acc(acc[i]))} "
                f"makes the input of Sign '{act.binarizer.source}' exactly 0, where ONNX Sign "
                "outputs 0: the model is not binary there; choose a convention with "
                "--sign-at-zero +1 or --sign-at-zero -1"
            )
    return bits.T, base


def fold_layer(layer: MatVec) -> tuple[MatVec, MaxPoolBits | None]:
    """Fold one MatVec with a FloatAct; returns the folded layer and its bit pool, if any."""
    act = layer.act
    assert isinstance(act, FloatAct)
    lo, hi = layer.acc_range()
    mh = layer.mh
    n_max = int((hi - lo).max()) + 1
    step = max(1, _CHUNK_ELEMS // max(1, n_max * 4))
    results = []
    for c0 in range(0, mh, step):
        c1 = min(mh, c0 + step)
        bits, base = _evaluate(layer, act, lo, hi, c0, c1)
        results.append(
            arith.step_threshold(
                bits,
                lo[c0:c1],
                hi[c0:c1],
                layer.in_type.binary,
                layer.mw,
                f"layer {layer.name} (node '{layer.source}')",
                base=np.full(c1 - c0, base),
            )
        )
    thresholds = np.concatenate([r.thresholds for r in results])
    flipped = np.concatenate([r.flipped for r in results])
    constant = np.concatenate([r.constant for r in results])
    ties = near_ties(layer, act, thresholds, flipped, constant)
    if ties:
        shown = ", ".join(f"channel {c} at accumulator {v}" for c, v, _, _ in ties[:3])
        logger.warning(
            "layer %s (node '%s'): %d channel(s) decide within float rounding of their threshold "
            "(%s%s); runtimes that round differently may disagree with the hardware there",
            layer.name,
            layer.source,
            len(ties),
            shown,
            ", ..." if len(ties) > 3 else "",
        )
    weights = layer.weights.copy()
    weights[flipped] ^= 1
    folded = MatVec(
        name=layer.name,
        source=layer.source,
        weights=weights,
        in_type=layer.in_type,
        acc_kind=layer.acc_kind,
        act=ThresholdAct(
            thresholds=thresholds,
            flipped=flipped,
            constant=constant,
            convention=act.binarizer.convention(),
            near_ties=np.asarray([c for c, _, _, _ in ties], dtype=np.int64),
        ),
        conv=layer.conv,
        in_shape=layer.in_shape,
        out_tensor=layer.out_tensor if act.pool is None else "",
        binary01=layer.binary01,
    )
    if act.pool is None:
        return folded, None
    oh, ow = layer.conv.out_hw if layer.conv is not None else (1, 1)
    pool = MaxPoolBits(
        name=f"{layer.name}_pool",
        source=act.pool_source,
        in_shape=(oh, ow, mh),
        pool=act.pool,
        and_mask=direction(act.post, mh) < 0,
        out_tensor=layer.out_tensor,
        binary01=layer.binary01,
    )
    return folded, pool


def fold_thresholds(graph: Graph) -> Graph:
    """Fold every FloatAct of the graph (see module docstring)."""
    out: list[Layer] = []
    for layer in graph.layers:
        if isinstance(layer, MatVec) and isinstance(layer.act, FloatAct):
            folded, pool = fold_layer(layer)
            out.append(folded)
            if pool is not None:
                out.append(pool)
        else:
            out.append(layer)
    return graph.with_layers(tuple(out))
