"""Folding: how much of each layer is computed in parallel (FINN's PE x SIMD).

* Matrix-vector layer (MH output channels, MW = fan-in): ``PE`` output channels and ``SIMD``
  input elements per cycle; ``NF = MH / PE`` output folds, ``SF = MW / SIMD`` input folds,
  ``NF * SF`` cycles per vector and ``vectors * NF * SF`` cycles per frame.
  Legal when PE divides MH and SIMD divides MW; for a convolution SIMD must also divide the input
  channels C, so that a SIMD-wide chunk of a window vector never straddles two kernel positions.
* Binary max-pool: ``PE`` channels per beat (PE divides C); one input beat per cycle.

A folding file (``--folding F.json``, and BUILD/folding.json, which every build writes) maps layer
names to ``{"pe": P, "simd": S}`` (pools take only ``pe``). Layers it does not name get the
default folding (:func:`default_folding`).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from bnn2hw.errors import FoldingError
from bnn2hw.ir.layers import Folding, Layer, MatVec, MaxPoolBits

__all__ = [
    "DEFAULT_MAX_PE",
    "DEFAULT_MAX_SIMD",
    "Folding",
    "check_folding",
    "default_folding",
    "divisors",
    "folding_from_json",
    "folding_to_json",
    "layer_cycles",
    "read_folding_file",
    "simd_unit",
]

#: The default folding takes the largest legal PE and SIMD up to these bounds.
DEFAULT_MAX_PE = 16
DEFAULT_MAX_SIMD = 32


def divisors(n: int) -> list[int]:
    return [d for d in range(1, n + 1) if n % d == 0]


def _largest_divisor(n: int, bound: int) -> int:
    return max(d for d in divisors(n) if d <= bound)


def simd_unit(layer: MatVec) -> int:
    """The number SIMD must divide: the input channels of a convolution, MW of a dense layer."""
    return layer.conv.in_shape[2] if layer.conv is not None else layer.mw


def _pe_unit(layer: Layer) -> int:
    return layer.in_shape[2] if isinstance(layer, MaxPoolBits) else layer.mh


def check_folding(layer: Layer, f: Folding) -> None:
    """FoldingError naming the layer and the legal values unless ``f`` is legal for ``layer``."""
    pe_unit = _pe_unit(layer)
    what = "channels C" if isinstance(layer, MaxPoolBits) else "output channels MH"
    if f.pe < 1 or pe_unit % f.pe:
        raise FoldingError(
            f"layer {layer.name}: PE={f.pe} must divide the {what}={pe_unit} "
            f"(legal: {_legal(pe_unit)})"
        )
    if isinstance(layer, MatVec):
        unit = simd_unit(layer)
        what = "input channels C" if layer.conv is not None else "fan-in MW"
        if f.simd < 1 or unit % f.simd:
            raise FoldingError(
                f"layer {layer.name}: SIMD={f.simd} must divide the {what}={unit} "
                f"(legal: {_legal(unit)})"
            )


def _legal(n: int) -> str:
    d = divisors(n)
    return ", ".join(map(str, d)) if len(d) <= 12 else ", ".join(map(str, d[:10])) + ", ..."


def default_folding(layer: Layer, producer_pe: int | None = None) -> Folding:
    """A modest default: the largest legal PE <= 16 and SIMD <= 32. A pool takes its producer's
    PE when legal, so no width converter sits between them."""
    if isinstance(layer, MaxPoolBits):
        c = layer.in_shape[2]
        if producer_pe is not None and c % producer_pe == 0:
            return Folding(pe=producer_pe)
        return Folding(pe=_largest_divisor(c, DEFAULT_MAX_PE))
    return Folding(
        pe=_largest_divisor(layer.mh, DEFAULT_MAX_PE),
        simd=_largest_divisor(simd_unit(layer), DEFAULT_MAX_SIMD),
    )


def layer_cycles(layer: Layer, f: Folding) -> int:
    """Cycles per frame of one layer at folding f (initiation interval 1)."""
    if isinstance(layer, MaxPoolBits):
        h, w, c = layer.in_shape
        return h * w * (c // f.pe)
    return layer.num_vectors * (layer.mh // f.pe) * (layer.mw // f.simd)


def folding_to_json(layers: tuple[Layer, ...]) -> dict[str, Any]:
    """The folding-file entries of layers that have a folding (the format --folding reads)."""
    return {
        layer.name: layer.folding.to_json(isinstance(layer, MaxPoolBits))
        for layer in layers
        if layer.folding is not None
    }


def folding_from_json(data: object, source: str) -> dict[str, Folding]:
    """Parse ``{"layer": {"pe": P, "simd": S}}`` (optionally under a "layers" key)."""
    if isinstance(data, dict) and isinstance(data.get("layers"), dict):
        data = data["layers"]
    if not isinstance(data, dict):
        raise FoldingError(f"{source}: expected an object mapping layer names to {{pe, simd}}")
    out: dict[str, Folding] = {}
    for name, entry in data.items():
        if not isinstance(entry, dict) or not set(entry) <= {"pe", "simd"} or "pe" not in entry:
            raise FoldingError(
                f'{source}: layer \'{name}\': expected {{"pe": P, "simd": S}}, got {entry!r}'
            )
        vals = [entry.get("pe"), entry.get("simd", 1)]
        if not all(isinstance(v, int) and not isinstance(v, bool) and v >= 1 for v in vals):
            raise FoldingError(
                f"{source}: layer '{name}': pe and simd must be positive integers, got {entry!r}"
            )
        out[str(name)] = Folding(pe=int(vals[0]), simd=int(vals[1]))  # type: ignore[arg-type]
    return out


def read_folding_file(path: Path) -> dict[str, Folding]:
    """Read a folding file; FoldingError with one clear line if it is missing or malformed."""
    p = Path(path)
    try:
        data = json.loads(p.read_text())
    except FileNotFoundError:
        raise FoldingError(f"{p}: folding file not found") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as e:
        raise FoldingError(
            f"{p}: not a readable JSON folding file ({type(e).__name__}: "
            f"{str(e).splitlines()[0] if str(e) else ''})"
        ) from None
    return folding_from_json(data, str(p))
