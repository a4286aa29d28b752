"""The bnn2hw IR: a chain of frozen layer records. Tensors inside are NHWC (per frame (H, W, C))
or flat (F,). Weights are unpacked {0,1} uint8 (1 means +1), thresholds int64.

Two forms of binarizing layer exist:
  * ``FloatAct``: the model's own float arithmetic on the integer accumulator (as imported);
  * ``ThresholdAct``: the folded integer form ``out_bit = (acc >= T)`` (after fold_thresholds).
The golden model executes both, so every pass can be checked bit for bit.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field

import numpy as np

from bnn2hw import arith
from bnn2hw.ir.floatops import Binarizer, FloatOp

__all__ = [
    "AccKind",
    "AccOut",
    "Activation",
    "ConvGeom",
    "FloatAct",
    "Folding",
    "InputStage",
    "IntQuantizer",
    "Layer",
    "MatVec",
    "MaxPoolBits",
    "PoolGeom",
    "Quantizer",
    "ThresholdAct",
    "ValueType",
]


@dataclass(frozen=True)
class ValueType:
    """Type of an activation tensor: binary bits, or integers in [lo, hi]."""

    binary: bool
    lo: int = 0
    hi: int = 1

    @staticmethod
    def bits() -> ValueType:
        return ValueType(binary=True, lo=0, hi=1)

    @staticmethod
    def integer(lo: int, hi: int) -> ValueType:
        return ValueType(binary=False, lo=int(lo), hi=int(hi))


class AccKind(enum.Enum):
    """What the model's float arithmetic sees as the accumulator of a layer."""

    BIPOLAR_DOT = "bipolar_dot"  # 2P - K: {+-1} inputs times {+-1} weights
    POPCOUNT = "popcount"  # P: XnorPopcountMatMul of {0,1} inputs and weights (FINN)
    INT_DOT = "int_dot"  # sum of integer inputs times {+-1} weights


@dataclass(frozen=True)
class Folding:
    """PE output channels (pool: channels) and SIMD input elements per cycle (ir/folding.py)."""

    pe: int
    simd: int = 1

    def to_json(self, pool: bool) -> dict[str, int]:
        return {"pe": self.pe} if pool else {"pe": self.pe, "simd": self.simd}


@dataclass(frozen=True)
class PoolGeom:
    """Max-pool window over (H, W): kernel, stride, pads (top, left, bottom, right)."""

    kernel: tuple[int, int]
    stride: tuple[int, int]
    pads: tuple[int, int, int, int] = (0, 0, 0, 0)

    def out_hw(self, h: int, w: int) -> tuple[int, int]:
        top, left, bottom, right = self.pads
        oh = (h + top + bottom - self.kernel[0]) // self.stride[0] + 1
        ow = (w + left + right - self.kernel[1]) // self.stride[1] + 1
        return oh, ow


@dataclass(frozen=True)
class ConvGeom:
    """Sliding window of a convolution over an NHWC input.

    Vectors are taken in (kh, kw, c) order: element ``(i*KW + j)*C + c`` of the window vector is
    input pixel (y*SH - PT + i, x*SW - PL + j), channel c. Out-of-image positions hold
    ``pad_value`` (a bit for binary inputs, an integer for integer inputs).
    """

    in_shape: tuple[int, int, int]  # H, W, C
    kernel: tuple[int, int]
    stride: tuple[int, int] = (1, 1)
    pads: tuple[int, int, int, int] = (0, 0, 0, 0)  # top, left, bottom, right
    pad_value: int = 0

    @property
    def out_hw(self) -> tuple[int, int]:
        h, w, _ = self.in_shape
        top, left, bottom, right = self.pads
        oh = (h + top + bottom - self.kernel[0]) // self.stride[0] + 1
        ow = (w + left + right - self.kernel[1]) // self.stride[1] + 1
        return oh, ow


@dataclass(frozen=True, eq=False)
class FloatAct:
    """Imported activation: acc -> pre ops -> [max-pool] -> post ops -> binarizer -> bit."""

    pre: tuple[FloatOp, ...]
    binarizer: Binarizer
    pool: PoolGeom | None = None
    post: tuple[FloatOp, ...] = ()
    pool_source: str = ""  # ONNX MaxPool node, when pooling happens on float values


@dataclass(frozen=True, eq=False)
class ThresholdAct:
    """Folded activation: out_bit = acc >= thresholds[c], acc computed with the stored
    (possibly complemented) weight rows; ``flipped[c]`` records the complement (A < 0)."""

    thresholds: np.ndarray  # (MH,) int64
    flipped: np.ndarray  # (MH,) bool
    constant: np.ndarray  # (MH,) int8: -1 never one, +1 always one, 0 data dependent
    convention: str = ""  # the source binarizer's rule, e.g. "Sign, 0 -> +1 (--sign-at-zero)"
    near_ties: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))


@dataclass(frozen=True, eq=False)
class AccOut:
    """Last layer: integer accumulators, then the float epilogue that gives the model's output."""

    epilogue: tuple[FloatOp, ...]


Activation = FloatAct | ThresholdAct | AccOut


@dataclass(frozen=True, eq=False)
class MatVec:
    """Binary-weight matrix-vector layer (dense, or convolution via a sliding window).

    Attributes:
        name: stable sanitised name ("l00_conv").
        source: ONNX node name (for messages).
        weights: (MH, MW) uint8 bits; MW columns in input-vector order (conv: (kh, kw, c)).
        in_type: bits, or integers in [lo, hi] for the first layer.
        acc_kind: how the model's float arithmetic sees the accumulator.
        act: FloatAct (imported), ThresholdAct (folded) or AccOut (last layer).
        conv: sliding-window geometry, None for a dense layer.
        in_shape: per-frame input shape (NHWC or flat).
        out_tensor: ONNX name of this layer's binarized output (or logits).
        pre_pool_tensor: ONNX name of the binarized tensor before a following bit pool, if any.
    """

    name: str
    source: str
    weights: np.ndarray
    in_type: ValueType
    acc_kind: AccKind
    act: Activation
    conv: ConvGeom | None = None
    in_shape: tuple[int, ...] = ()
    out_tensor: str = ""
    binary01: bool = False  # the model holds this output as {0,1} rather than +-1
    folding: Folding | None = None  # None until assign_folding

    @property
    def mh(self) -> int:
        return int(self.weights.shape[0])

    @property
    def mw(self) -> int:
        return int(self.weights.shape[1])

    def model_acc(self, acc: np.ndarray) -> np.ndarray:
        """The hardware accumulator as the model's own arithmetic sees it (int64): 2P - K for a
        bipolar dot product, the value itself for popcounts and integer dot products."""
        if self.acc_kind is AccKind.BIPOLAR_DOT:
            return arith.bipolar_dot(acc, self.mw)
        return np.asarray(acc, dtype=np.int64)

    def acc_range(self) -> tuple[np.ndarray, np.ndarray]:
        """Reachable accumulator range per output channel, hardware units, unflipped rows:
        P in [0, K] for binary inputs, the integer dot product's range for integer inputs."""
        if self.in_type.binary:
            lo = np.zeros(self.mh, dtype=np.int64)
            return lo, lo + self.mw
        return arith.int_acc_range(self.weights, self.in_type.lo, self.in_type.hi)

    @property
    def num_vectors(self) -> int:
        if self.conv is None:
            return 1
        oh, ow = self.conv.out_hw
        return oh * ow

    @property
    def out_shape(self) -> tuple[int, ...]:
        """Per-frame shape of the layer's result (after its float-domain pool, if any)."""
        if self.conv is None:
            return (self.mh,)
        oh, ow = self.conv.out_hw
        if isinstance(self.act, FloatAct) and self.act.pool is not None:
            oh, ow = self.act.pool.out_hw(oh, ow)
        return (oh, ow, self.mh)


@dataclass(frozen=True, eq=False)
class MaxPoolBits:
    """Max-pool on bits: OR over the window, or AND for channels in ``and_mask`` (a pool that
    sat before a decreasing map of the activation). Padded positions are ignored."""

    name: str
    source: str
    in_shape: tuple[int, int, int]
    pool: PoolGeom
    and_mask: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=bool))
    out_tensor: str = ""
    binary01: bool = False
    folding: Folding | None = None  # pe = channels per beat; None until assign_folding

    @property
    def out_shape(self) -> tuple[int, int, int]:
        oh, ow = self.pool.out_hw(self.in_shape[0], self.in_shape[1])
        return (oh, ow, self.in_shape[2])


Layer = MatVec | MaxPoolBits


@dataclass(frozen=True, eq=False)
class IntQuantizer:
    """QONNX Quant semantics: q = round(clip(x / scale + zero_point, qmin, qmax)) - zero_point.

    The hardware sees the integer q in [lo, hi] = [qmin - zero_point, qmax - zero_point].
    ``declared`` marks integer inputs declared by the user (no scaling: values must already be
    integers in [lo, hi]).
    """

    scale: np.ndarray
    zero_point: np.ndarray
    qmin: int
    qmax: int
    rounding: str = "ROUND"
    declared: bool = False
    source: str = ""

    @property
    def lo(self) -> int:
        return int(self.qmin - float(np.asarray(self.zero_point).ravel()[0]))

    @property
    def hi(self) -> int:
        return int(self.qmax - float(np.asarray(self.zero_point).ravel()[0]))


Quantizer = IntQuantizer | Binarizer


@dataclass(frozen=True, eq=False)
class InputStage:
    """Host-side input preparation: float ops in the model's layout, then a quantizer.

    Attributes:
        shape: model input shape per frame (model layout, e.g. (C, H, W)).
        ops: float32 preprocessing, model layout.
        quant: integer quantizer or binarizer.
        out_shape: per-frame shape after quantization, bnn2hw layout (NHWC or flat).
        nchw: True when the quantized tensor is 4-D in the model and must be moved to NHWC.
        range: (low, high) of valid model inputs, for random test generation.
        name: ONNX input name.
        quant_tensor: ONNX name of the quantized tensor (for comparisons).
    """

    shape: tuple[int, ...]
    ops: tuple[FloatOp, ...]
    quant: Quantizer
    out_shape: tuple[int, ...]
    nchw: bool
    range: tuple[float, float]
    name: str
    quant_tensor: str = ""
    integer_input: bool = False
    binary01: bool = False

    @property
    def out_type(self) -> ValueType:
        if isinstance(self.quant, IntQuantizer):
            return ValueType.integer(self.quant.lo, self.quant.hi)
        return ValueType.bits()
