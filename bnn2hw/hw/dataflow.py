"""Lower a folded Graph into the streaming dataflow both hardware backends build.

One stage per engine, in stream order: byte-padding adapters at the top-level ports, width
converters where a producer's beat differs from its consumer's, a sliding-window generator
before every convolution, one MVAU per matrix-vector layer, binary max-pools, and a label
select when the model picks labels in hardware. Every width, count and signedness is computed
here (from arith and the folding) and handed to the emitters finished.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from bnn2hw import arith
from bnn2hw.errors import FoldingError
from bnn2hw.hw.streams import Interface, Stream
from bnn2hw.ir.graph import Graph
from bnn2hw.ir.layers import AccOut, Folding, Layer, MatVec, MaxPoolBits, ThresholdAct, ValueType
from bnn2hw.summary import widths

__all__ = [
    "ConvertStage",
    "Dataflow",
    "LabelStage",
    "MvauStage",
    "PoolStage",
    "ResizeStage",
    "Stage",
    "SwgStage",
    "Window",
    "lower",
    "stage_cycles",
    "value_stream_bits",
]


@dataclass(frozen=True)
class Window:
    """Sliding-window geometry over an (H, W, C) input (kernel, stride, pads t/l/b/r)."""

    ifm: tuple[int, int, int]
    kernel: tuple[int, int]
    stride: tuple[int, int]
    pads: tuple[int, int, int, int]
    ofm: tuple[int, int]


@dataclass(frozen=True)
class Stage:
    """A hardware stage: its name (a C/Verilog identifier), input and output streams."""

    name: str
    inp: Stream
    out: Stream


@dataclass(frozen=True)
class ResizeStage(Stage):
    """Zero-extends or truncates each beat (top-level ports are byte-padded)."""

    in_width: int
    out_width: int


@dataclass(frozen=True)
class ConvertStage(Stage):
    """Regroups elements into beats of another size (one size divides the other)."""


@dataclass(frozen=True)
class SwgStage(Stage):
    """Sliding-window generator: emits every window vector in (kh, kw, c) order, SIMD channels
    per beat; out-of-image positions hold ``pad`` (an element bit pattern)."""

    window: Window
    simd: int
    pad: int


@dataclass(frozen=True)
class MvauStage(Stage):
    """Matrix-vector(-threshold) unit for one layer.

    Attributes:
        layer: the IR layer (weights, thresholds).
        folding: PE, SIMD.
        in_bits: 1 for binary inputs (XNOR-popcount), else the integer element width.
        in_signed: integer inputs are two's complement.
        acc_bits, acc_signed: accumulator type.
        thresh_bits: threshold width (threshold layers), same signedness as the accumulator.
        threshold: output bits (acc >= T) rather than raw accumulators.
    """

    layer: MatVec
    folding: Folding
    in_bits: int
    in_signed: bool
    acc_bits: int
    acc_signed: bool
    thresh_bits: int
    threshold: bool

    @property
    def reps(self) -> int:
        return self.layer.num_vectors

    @property
    def nf(self) -> int:
        return self.layer.mh // self.folding.pe

    @property
    def sf(self) -> int:
        return self.layer.mw // self.folding.simd

    @property
    def cycles(self) -> int:
        return self.reps * self.nf * self.sf


@dataclass(frozen=True)
class PoolStage(Stage):
    """Binary max-pool (OR; AND for the channels of ``layer.and_mask``), PE channels per beat."""

    layer: MaxPoolBits
    window: Window
    pe: int


@dataclass(frozen=True)
class LabelStage(Stage):
    """Top-k label select over the frame's accumulators (ties: lower index first)."""

    n: int
    k: int
    descending: bool


@dataclass(frozen=True)
class Dataflow:
    """The stages in stream order and the top-level interface."""

    name: str
    stages: tuple[Stage, ...]
    interface: Interface

    @property
    def bottleneck(self) -> int:
        """Analytic cycles per frame of the pipeline: its slowest stage's (stage_cycles)."""
        return max(stage_cycles(s) for s in self.stages)

    def taps(self) -> list[tuple[str, Stream, tuple[int, ...]]]:
        """(layer name, stream, per-frame shape) of every layer's binarized output stream."""
        out = []
        for s in self.stages:
            if isinstance(s, MvauStage) and s.threshold:
                out.append((s.layer.name, s.out, s.layer.out_shape))
            elif isinstance(s, PoolStage):
                out.append((s.layer.name, s.out, s.layer.out_shape))
        return out


def stage_cycles(s: Stage) -> int:
    """Cycles one stage needs per frame at one beat or tile per cycle: an MVAU's NF*SF tiles per
    vector; a window generator or pool the more of its input and window beats; a converter
    the more of its beat counts; label select one accumulator per cycle."""
    if isinstance(s, MvauStage):
        return s.cycles
    if isinstance(s, PoolStage):
        oh, ow = s.window.ofm
        kh, kw = s.window.kernel
        c = s.window.ifm[2]
        return max(s.inp.beats, oh * ow * kh * kw * c // s.pe)
    if isinstance(s, LabelStage):
        return s.n
    return max(s.inp.beats, s.out.beats)


def value_stream_bits(t: ValueType) -> tuple[int, bool]:
    """(element bits, signed) of an activation type: 1 for bits; integers unsigned when >= 0."""
    if t.binary:
        return 1, False
    if t.lo >= 0:
        return max(1, int(t.hi).bit_length()), False
    return arith.signed_width(t.lo, t.hi), True


def _window(
    in_shape: tuple[int, ...],
    kernel: tuple[int, int],
    stride: tuple[int, int],
    pads: tuple[int, int, int, int],
    ofm: tuple[int, int],
) -> Window:
    h, w, c = in_shape
    return Window(ifm=(h, w, c), kernel=kernel, stride=stride, pads=pads, ofm=ofm)


class _Builder:
    def __init__(self) -> None:
        self.stages: list[Stage] = []
        self.n_convert = 0

    def regroup(self, cur: Stream, elems: int, where: str) -> Stream:
        """Width converters from cur to ``elems`` per beat (via the gcd when neither divides)."""
        if cur.elems == elems:
            return cur
        steps = [elems]
        if elems % cur.elems and cur.elems % elems:
            steps = [math.gcd(elems, cur.elems), elems]
        for e in steps:
            n = cur.frame_elems
            if n % e:
                raise FoldingError(
                    f"{where}: {n} elements per frame do not split into beats of {e}"
                )
            out = Stream(elems=e, bits=cur.bits, beats=n // e, signed=cur.signed)
            self.stages.append(ConvertStage(f"convert{self.n_convert}", cur, out))
            self.n_convert += 1
            cur = out
        return cur

    def resize(self, cur: Stream, port_width: int, name: str, inbound: bool) -> None:
        """Beat resize between a byte-padded top-level port and the exact stream ``cur``."""
        if cur.width == port_width:
            return
        ins, outs = (port_width, cur.width) if inbound else (cur.width, port_width)
        self.stages.append(ResizeStage(name, cur, cur, in_width=ins, out_width=outs))


def _mvau(layer: MatVec, cur: Stream, b: _Builder) -> Stream:
    f = _folding(layer)
    cur = b.regroup(cur, f.simd, f"layer {layer.name}")
    if layer.conv is not None:
        g = layer.conv
        pad = g.pad_value & ((1 << cur.bits) - 1)
        win = _window(g.in_shape, g.kernel, g.stride, g.pads, g.out_hw)
        oh, ow = g.out_hw
        out = Stream(
            elems=f.simd, bits=cur.bits, beats=oh * ow * layer.mw // f.simd, signed=cur.signed
        )
        b.stages.append(SwgStage(f"{layer.name}_swg", cur, out, window=win, simd=f.simd, pad=pad))
        cur = out
    acc_bits, thresh_bits = widths(layer)
    acc_signed = not layer.in_type.binary
    threshold = isinstance(layer.act, ThresholdAct)
    if not threshold and not isinstance(layer.act, AccOut):
        raise FoldingError(f"layer {layer.name}: fold thresholds before lowering to hardware")
    nf = layer.mh // f.pe
    out = Stream(
        elems=f.pe,
        bits=1 if threshold else acc_bits,
        beats=layer.num_vectors * nf,
        signed=acc_signed and not threshold,
    )
    b.stages.append(
        MvauStage(
            layer.name,
            cur,
            out,
            layer=layer,
            folding=f,
            in_bits=cur.bits,
            in_signed=cur.signed,
            acc_bits=acc_bits,
            acc_signed=acc_signed,
            thresh_bits=thresh_bits,
            threshold=threshold,
        )
    )
    return out


def _pool(layer: MaxPoolBits, cur: Stream, b: _Builder) -> Stream:
    f = _folding(layer)
    cur = b.regroup(cur, f.pe, f"layer {layer.name}")
    oh, ow, c = layer.out_shape
    win = _window(layer.in_shape, layer.pool.kernel, layer.pool.stride, layer.pool.pads, (oh, ow))
    out = Stream(elems=f.pe, bits=1, beats=oh * ow * c // f.pe)
    b.stages.append(PoolStage(layer.name, cur, out, layer=layer, window=win, pe=f.pe))
    return out


def _folding(layer: Layer) -> Folding:
    if layer.folding is None:
        raise FoldingError(f"layer {layer.name}: no folding assigned (run assign_folding)")
    return layer.folding


def _consumer_elems(layer: Layer) -> int:
    f = _folding(layer)
    return f.pe if isinstance(layer, MaxPoolBits) else f.simd


def lower(graph: Graph) -> Dataflow:
    """The dataflow of a folded graph (every layer has a folding and a folded activation)."""
    b = _Builder()
    bits, signed = value_stream_bits(graph.input.out_type)
    n_in = int(np.prod(graph.input.out_shape))
    e0 = _consumer_elems(graph.layers[0])
    top_in = Stream(elems=e0, bits=bits, beats=n_in // e0, signed=signed)
    b.resize(top_in, top_in.tdata_width, "in_resize", inbound=True)
    cur = top_in
    for layer in graph.layers:
        cur = _mvau(layer, cur, b) if isinstance(layer, MatVec) else _pool(layer, cur, b)
    last = graph.layers[-1]
    labels = graph.output.topk is not None
    if labels:
        assert isinstance(last, MatVec)
        n = cur.frame_elems
        k = int(graph.output.topk or 1)
        idx_bits = max(1, (n - 1).bit_length())
        out = Stream(elems=k, bits=idx_bits, beats=1)
        b.stages.append(
            LabelStage("label_select", cur, out, n=n, k=k, descending=graph.output.topk_sign > 0)
        )
        cur = out
    b.resize(cur, cur.tdata_width, "out_resize", inbound=False)
    return Dataflow(
        name=graph.name,
        stages=tuple(b.stages),
        interface=Interface(input=top_in, output=cur, labels=labels),
    )
