"""Compare the golden model with the float reference (or with itself across a pass).

Binarized tensors are compared bit for bit; the logits (the float epilogue) with a relative
tolerance; labels (argmax) exactly.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from bnn2hw.golden.reference import GoldenResult
from bnn2hw.ir.floatops import TiePolicy
from bnn2hw.ir.graph import Graph
from bnn2hw.ir.layers import IntQuantizer, MatVec, MaxPoolBits

__all__ = [
    "LOGIT_RTOL",
    "Comparison",
    "Mismatch",
    "compare_exact",
    "compare_golden",
    "compare_to_reference",
]

LOGIT_RTOL = 1e-5


@dataclass(frozen=True)
class Mismatch:
    """The first differing value of a tensor."""

    layer: str
    node: str
    tensor: str
    frame: int
    position: tuple[int, ...]
    channel: int
    golden: int
    reference: float

    def describe(self, other: str = "reference") -> str:
        pos = f" at position {self.position}" if self.position else ""
        return (
            f"layer {self.layer} (node '{self.node}', tensor '{self.tensor}'), "
            f"channel {self.channel}{pos}, "
            f"frame {self.frame}: golden {self.golden}, {other} {self.reference:g}"
        )


@dataclass
class TensorStats:
    layer: str
    tensor: str
    compared: int
    mismatches: int
    ties: int = 0
    first: Mismatch | None = None


@dataclass
class Comparison:
    """Result of comparing golden against a reference on the same inputs."""

    frames: int
    tensors: list[TensorStats] = field(default_factory=list)
    logits_compared: int = 0
    max_abs_diff: float = 0.0
    max_rel_diff: float = 0.0
    argmax_agree: int = 0
    output_is_labels: bool = False
    labels_compared: int = 0
    labels_agree: int = 0

    @property
    def bits_compared(self) -> int:
        return sum(t.compared for t in self.tensors)

    @property
    def bit_mismatches(self) -> int:
        return sum(t.mismatches for t in self.tensors)

    @property
    def ok(self) -> bool:
        return (
            self.bit_mismatches == 0
            and self.max_rel_diff <= LOGIT_RTOL
            and self.argmax_agree == self.frames
            and self.labels_agree == self.labels_compared
        )

    def first_mismatch(self) -> Mismatch | None:
        for t in self.tensors:
            if t.first is not None:
                return t.first
        return None


def _ref_bits(ref: np.ndarray, binary01: bool, tie: TiePolicy) -> tuple[np.ndarray, np.ndarray]:
    """Reference tensor values -> (bits, tie mask). Zeros of a +-1 tensor are Sign ties."""
    if binary01:
        return (ref > 0.5).astype(np.uint8), np.zeros(ref.shape, dtype=bool)
    ties = ref == 0
    bits = (ref > 0) | (ties & (tie is TiePolicy.PLUS))
    return bits.astype(np.uint8), ties


def _to_hw_layout(ref: np.ndarray, golden: np.ndarray) -> np.ndarray:
    if ref.ndim == 4 and golden.ndim == 4:
        ref = np.moveaxis(ref, 1, -1)
    return ref.reshape(golden.shape)


def _first(
    layer: str, node: str, tensor: str, diff: np.ndarray, g: np.ndarray, r: np.ndarray
) -> Mismatch:
    idx = tuple(int(i) for i in np.argwhere(diff)[0])
    return Mismatch(
        layer=layer,
        node=node,
        tensor=tensor,
        frame=idx[0],
        position=idx[1:-1],
        channel=idx[-1],
        golden=int(g[idx]),
        reference=float(r[idx]),
    )


def _compare_logits(cmp: Comparison, got: np.ndarray, ref: np.ndarray) -> None:
    """Logit statistics of (N, classes) ``got`` against ``ref``: the largest absolute difference,
    the largest difference relative to each frame's largest |ref|, argmax agreement."""
    g, r = got.astype(np.float64), ref.astype(np.float64)
    diff = np.abs(g - r)
    scale = np.maximum(np.abs(r).max(axis=1, keepdims=True), 1e-30)
    cmp.logits_compared = int(g.size)
    cmp.max_abs_diff = float(diff.max(initial=0.0))
    cmp.max_rel_diff = float((diff / scale).max(initial=0.0))
    cmp.argmax_agree = int((g.argmax(axis=1) == r.argmax(axis=1)).sum())


def compare_to_reference(
    graph: Graph,
    golden: GoldenResult,
    ref_output: np.ndarray,
    ref_tensors: dict[str, np.ndarray],
    tie: TiePolicy,
) -> Comparison:
    """Compare golden with the float reference: tensors keyed by ONNX name."""
    n = golden.output.shape[0]
    cmp = Comparison(frames=n)
    encodings = {
        layer.name: layer.binary01
        for layer in graph.layers
        if isinstance(layer, MatVec | MaxPoolBits)
    }
    encodings["input"] = graph.input.binary01
    sources = {layer.name: layer.source for layer in graph.layers}
    sources["input"] = graph.input.name
    for tensor, layer in golden.tensors.items():
        if tensor not in ref_tensors:
            continue
        g = golden.acts[layer]
        ref = np.asarray(ref_tensors[tensor], dtype=np.float32)
        if layer == "input" and isinstance(graph.input.quant, IntQuantizer):
            r = _to_hw_layout(np.rint(ref / graph.input.quant.scale), g)
            diff = r.astype(np.int64) != g
            ties = np.zeros_like(diff)
            rv = r
        else:
            rv = _to_hw_layout(ref, g)
            r, ties = _ref_bits(rv, encodings.get(layer, False), tie)
            diff = r != g
            if tie is TiePolicy.ERROR:
                diff |= ties
        st = TensorStats(layer, tensor, int(g.size), int(diff.sum()), int(ties.sum()))
        if st.mismatches:
            st.first = _first(layer, sources.get(layer, ""), tensor, diff, g, rv)
        cmp.tensors.append(st)
    out = golden.output
    ref_out = np.asarray(ref_output)
    if graph.output.topk_in_model:
        cmp.output_is_labels = True
        same = (out.reshape(n, -1) == ref_out.reshape(n, -1)).all(axis=1)
        cmp.argmax_agree = int(same.sum())
        ref_logits = None
    else:
        ref_logits = ref_out.reshape(n, -1).astype(np.float32)
    logits = golden.logits.reshape(n, -1)
    if ref_logits is not None:
        _compare_logits(cmp, logits, ref_logits)
        if golden.labels is not None:
            k = golden.labels.shape[1]
            ref_top = np.argsort(-ref_logits, axis=1, kind="stable")[:, :k]
            cmp.labels_compared = n
            cmp.labels_agree = int((ref_top == golden.labels).all(axis=1).sum())
    return cmp


def _exact(layer: str, node: str, tensor: str, g: np.ndarray, r: np.ndarray) -> TensorStats:
    if g.shape != r.shape:
        raise ValueError(f"layer {layer}: shapes {g.shape} and {r.shape} differ")
    diff = g != r
    st = TensorStats(layer, tensor, int(g.size), int(diff.sum()))
    if st.mismatches:
        st.first = _first(layer, node, tensor, diff, g, r)
    return st


def compare_exact(graph: Graph, golden: GoldenResult, other: GoldenResult) -> Comparison:
    """Compare golden with a hardware engine (csim, rtl): every value exactly.

    Every binarized layer output the engine produced is compared bit for bit, then the
    accumulators (or the label indices when the hardware selects labels); the logits, computed
    by the same float epilogue from the accumulators, must then agree exactly too.
    """
    n = int(golden.output.shape[0])
    cmp = Comparison(frames=n)
    sources = {layer.name: layer.source for layer in graph.layers}
    for layer in graph.layers:
        if layer.name in other.acts:
            cmp.tensors.append(
                _exact(
                    layer.name,
                    layer.source,
                    layer.out_tensor or layer.name,
                    golden.acts[layer.name],
                    other.acts[layer.name],
                )
            )
    last = graph.layers[-1].name
    if other.labels is not None:
        assert golden.labels is not None
        same = (golden.labels == other.labels).all(axis=1)
        cmp.labels_compared = n
        cmp.labels_agree = int(same.sum())
        cmp.argmax_agree = int((golden.labels[:, 0] == other.labels[:, 0]).sum())
        cmp.tensors.append(_exact(last, sources[last], "labels", golden.labels, other.labels))
        cmp.output_is_labels = True
        return cmp
    cmp.tensors.append(_exact(last, sources[last], "accumulators", golden.acc, other.acc))
    _compare_logits(cmp, other.logits.reshape(n, -1), golden.logits.reshape(n, -1))
    return cmp


def compare_golden(a: GoldenResult, b: GoldenResult) -> str:
    """'' when two golden runs agree exactly on output, accumulators and shared tensors."""
    if not np.array_equal(a.acc, b.acc):
        return "last-layer accumulators differ"
    if not np.array_equal(a.output, b.output, equal_nan=True):
        return "outputs differ"
    by_tensor_b = {t: b.acts[name] for t, name in b.tensors.items()}
    for t, name in a.tensors.items():
        if t in by_tensor_b and not np.array_equal(a.acts[name], by_tensor_b[t]):
            diff = np.argwhere(a.acts[name] != by_tensor_b[t])[0]
            return f"tensor '{t}' (layer {name}) differs at {tuple(int(i) for i in diff)}"
    return ""
