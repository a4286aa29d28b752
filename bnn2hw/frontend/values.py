"""Abstract values of the importer: what each ONNX tensor is, as far as bnn2hw is concerned.

The importer walks the graph once, in order, giving every tensor one of these values. A node's
handler looks at its inputs' values and produces its output's value (and sometimes a layer).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from bnn2hw.ir.floatops import BinarizerKind, FloatOp
from bnn2hw.ir.layers import AccKind, ConvGeom, IntQuantizer, PoolGeom, ValueType

__all__ = ["AccVal", "Act", "CmpVal", "Const", "InputVal", "PendingMatVec", "Value"]


@dataclass
class Const:
    """A constant tensor (initializer, Constant node, or folded constant expression)."""

    value: np.ndarray


@dataclass
class InputVal:
    """The model input (float, model layout) with the float preprocessing applied so far."""

    shape: tuple[int, ...]
    ops: list[FloatOp] = field(default_factory=list)
    declared: IntQuantizer | None = None

    def add_op(self, op: FloatOp) -> None:
        self.ops.append(op)


@dataclass
class Act:
    """A quantized activation: bits (bipolar +-scale, or {0,1}) or integers times scale.

    shape is bnn2hw layout ((H, W, C) or (F,)); model_shape the model's ((C, H, W) or (F,)).
    order (flat tensors only): the model's flat index of each bnn2hw element, None = identity.
    pad: pending explicit padding (top, left, bottom, right) and the padded value in the
    activation's own units (a bit, or an integer).
    """

    vtype: ValueType
    scale: float
    shape: tuple[int, ...]
    model_shape: tuple[int, ...]
    tensor: str
    binary01: bool = False
    order: np.ndarray | None = None
    pad: tuple[tuple[int, int, int, int], int] | None = None
    producer: str = ""  # name of the layer that made it ("" for the input)


@dataclass
class PendingMatVec:
    """A matrix-vector layer whose activation is not known yet."""

    source: str
    weights: np.ndarray
    in_type: ValueType
    acc_kind: AccKind
    conv: ConvGeom | None
    in_shape: tuple[int, ...]


@dataclass
class AccVal:
    """Float values computed from a pending layer's integer accumulator.

    pre ops apply before an optional float max-pool, post ops after it.
    """

    layer: PendingMatVec
    shape: tuple[int, ...]  # bnn2hw layout of the current float tensor
    model_shape: tuple[int, ...]
    pre: list[FloatOp] = field(default_factory=list)
    pool: PoolGeom | None = None
    pool_source: str = ""
    post: list[FloatOp] = field(default_factory=list)
    flattened: bool = False

    @property
    def channels(self) -> int:
        return self.layer.weights.shape[0]

    def add_op(self, op: FloatOp) -> None:
        (self.post if self.pool is not None else self.pre).append(op)


@dataclass
class CmpVal:
    """A pending comparison ``x <kind> c`` (or its negation) awaiting a Where."""

    src: AccVal | InputVal
    kind: BinarizerKind
    c: np.ndarray
    negate: bool
    source: str


Value = Const | InputVal | Act | AccVal | CmpVal
