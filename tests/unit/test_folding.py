"""Folding legality and the dataflow's streams, property-based (hypothesis) on synthetic layers.

For random layer shapes and random foldings: check_folding accepts exactly the legal ones; the
lowered dataflow chains (every stage's input stream is its producer's output), preserves the
number of elements per frame across converters, and its MVAUs take the cycles FINN's formula
gives. Weight packing round-trips through the mvau layout.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bnn2hw.bits import hex_to_bits, mvau_fold_rows, mvau_rom_words, mvau_weight_words
from bnn2hw.errors import FoldingError
from bnn2hw.hw.dataflow import ConvertStage, MvauStage, PoolStage, ResizeStage, SwgStage, lower
from bnn2hw.ir.floatops import Binarizer, BinarizerKind
from bnn2hw.ir.folding import check_folding, divisors, folding_from_json, layer_cycles
from bnn2hw.ir.graph import Graph, OutputSpec
from bnn2hw.ir.layers import (
    AccKind,
    AccOut,
    ConvGeom,
    Folding,
    InputStage,
    MatVec,
    MaxPoolBits,
    PoolGeom,
    ThresholdAct,
    ValueType,
)
from bnn2hw.passes.assign_folding import assign_folding


def _act(mh: int, k: int) -> ThresholdAct:
    return ThresholdAct(
        thresholds=np.full(mh, k // 2, dtype=np.int64),
        flipped=np.zeros(mh, dtype=bool),
        constant=np.zeros(mh, dtype=np.int8),
    )


def _conv(name: str, h: int, c: int, mh: int, k: int, stride: int, pad: int, last: bool) -> MatVec:
    g = ConvGeom(
        in_shape=(h, h, c), kernel=(k, k), stride=(stride, stride), pads=(pad,) * 4, pad_value=1
    )
    w = np.zeros((mh, k * k * c), dtype=np.uint8)
    return MatVec(
        name=name,
        source=name,
        weights=w,
        in_type=ValueType.bits(),
        acc_kind=AccKind.BIPOLAR_DOT,
        act=AccOut(epilogue=()) if last else _act(mh, k * k * c),
        conv=g,
        in_shape=(h, h, c),
    )


def _dense(name: str, mw: int, mh: int, last: bool) -> MatVec:
    return MatVec(
        name=name,
        source=name,
        weights=np.zeros((mh, mw), dtype=np.uint8),
        in_type=ValueType.bits(),
        acc_kind=AccKind.BIPOLAR_DOT,
        act=AccOut(epilogue=()) if last else _act(mh, mw),
        in_shape=(mw,),
    )


def _graph(layers: tuple, in_shape: tuple[int, ...]) -> Graph:
    stage = InputStage(
        shape=in_shape,
        ops=(),
        quant=Binarizer(BinarizerKind.GE, np.zeros(())),
        out_shape=in_shape,
        nchw=False,
        range=(-1.0, 1.0),
        name="x",
    )
    return Graph(
        name="net",
        source_file="net.onnx",
        source_hash="0" * 64,
        dialect="torch",
        input=stage,
        layers=layers,
        output=OutputSpec(name="y", shape=(10,)),
    )


@st.composite
def cnn(draw: st.DrawFn) -> Graph:
    """conv (+ pool) + conv + dense, random sizes."""
    c0 = draw(st.sampled_from([1, 2, 3, 4, 6]))
    c1 = draw(st.sampled_from([2, 4, 6, 8, 12]))
    c2 = draw(st.sampled_from([2, 4, 8]))
    h = draw(st.integers(5, 9))
    k = draw(st.sampled_from([1, 2, 3]))
    s = draw(st.sampled_from([1, 2]))
    p = draw(st.integers(0, 1))
    l0 = _conv("l00_conv", h, c0, c1, k, s, p, last=False)
    oh, _ = l0.conv.out_hw  # type: ignore[union-attr]
    layers: list = [l0]
    if draw(st.booleans()) and oh >= 2:
        pool = MaxPoolBits(
            name="l01_pool",
            source="p",
            in_shape=(oh, oh, c1),
            pool=PoolGeom(kernel=(2, 2), stride=(2, 2)),
        )
        layers.append(pool)
        oh = pool.out_shape[0]
    l2 = _conv("l02_conv", oh, c1, c2, 1, 1, 0, last=False)
    layers.append(l2)
    layers.append(_dense("l03_dense", oh * oh * c2, 10, last=True))
    return _graph(tuple(layers), (h, h, c0))


@settings(max_examples=60, deadline=None)
@given(cnn(), st.data())
def test_random_foldings_lower_to_consistent_streams(graph: Graph, data: st.DataObject) -> None:
    spec = {}
    for layer in graph.layers:
        if isinstance(layer, MaxPoolBits):
            spec[layer.name] = Folding(pe=data.draw(st.sampled_from(divisors(layer.in_shape[2]))))
        else:
            unit = layer.conv.in_shape[2] if layer.conv is not None else layer.mw
            spec[layer.name] = Folding(
                pe=data.draw(st.sampled_from(divisors(layer.mh))),
                simd=data.draw(st.sampled_from(divisors(unit))),
            )
    folded = assign_folding(spec)(graph)
    df = lower(folded)
    prev = df.interface.input
    for s in df.stages:
        if not isinstance(s, ResizeStage):
            assert s.inp == prev, s.name
        if isinstance(s, ConvertStage):
            assert s.inp.frame_elems == s.out.frame_elems and s.inp.bits == s.out.bits
            assert s.out.elems % s.inp.elems == 0 or s.inp.elems % s.out.elems == 0
        if isinstance(s, SwgStage):
            assert s.inp.elems == s.simd and s.out.elems == s.simd
        if isinstance(s, MvauStage):
            assert s.inp.elems == s.folding.simd and s.out.elems == s.folding.pe
            assert s.cycles == layer_cycles(s.layer, s.folding)
            assert s.out.beats == s.layer.num_vectors * s.layer.mh // s.folding.pe
        if isinstance(s, PoolStage):
            assert s.out.frame_elems == int(np.prod(s.layer.out_shape))
        prev = s.out
    assert df.interface.output == prev
    assert df.interface.in_tdata % 8 == 0 and df.interface.out_tdata % 8 == 0


@settings(max_examples=200, deadline=None)
@given(st.integers(1, 64), st.integers(1, 64), st.integers(1, 70), st.integers(1, 70))
def test_check_folding_accepts_exactly_the_divisors(mh: int, mw: int, pe: int, simd: int) -> None:
    layer = _dense("l00_dense", mw, mh, last=False)
    legal = mh % pe == 0 and mw % simd == 0
    if legal:
        check_folding(layer, Folding(pe, simd))
    else:
        with pytest.raises(FoldingError, match="l00_dense"):
            check_folding(layer, Folding(pe, simd))


def test_conv_simd_must_divide_channels() -> None:
    layer = _conv("l00_conv", 6, 6, 8, 3, 1, 0, last=False)  # MW = 54
    with pytest.raises(FoldingError, match="SIMD=9 must divide the input channels C=6"):
        check_folding(layer, Folding(4, 9))  # 9 divides MW=54 but not C
    check_folding(layer, Folding(4, 3))


def test_folding_file_format() -> None:
    assert folding_from_json({"layers": {"a": {"pe": 2, "simd": 4}, "p": {"pe": 8}}}, "f") == {
        "a": Folding(2, 4),
        "p": Folding(8, 1),
    }
    for bad in ([], {"a": {"pe": 0}}, {"a": {"simd": 2}}, {"a": {"pe": 1, "x": 2}}, {"a": 3}):
        with pytest.raises(FoldingError):
            folding_from_json(bad, "f")


@settings(max_examples=100, deadline=None)
@given(
    st.sampled_from([1, 2, 3, 4, 6, 8]),
    st.sampled_from([1, 2, 3, 5, 8, 16, 64, 70]),
    st.integers(1, 4),
    st.integers(1, 3),
    st.integers(0, 2**32 - 1),
)
def test_mvau_weight_words_layout(pe: int, simd: int, nf: int, sf: int, seed: int) -> None:
    """mem[pe][nf*SF + sf] bit j is W[nf*PE + pe, sf*SIMD + j]; thresholds t[pe][nf]."""
    rng = np.random.default_rng(seed)
    mh, mw = pe * nf, simd * sf
    w = rng.integers(0, 2, (mh, mw), dtype=np.uint8)
    words = mvau_weight_words(w, pe, simd)
    assert words.shape == (pe, nf * sf)
    for p in range(pe):
        for n in range(nf):
            for s in range(sf):
                bits = hex_to_bits(words[p, n * sf + s], simd)
                assert np.array_equal(bits, w[n * pe + p, s * simd : (s + 1) * simd])
    t = np.arange(mh)
    rows = mvau_fold_rows(t, pe)
    assert all(rows[p, n] == n * pe + p for p in range(pe) for n in range(nf))


@settings(max_examples=60, deadline=None)
@given(
    st.sampled_from([1, 2, 3, 4, 8]),
    st.sampled_from([1, 2, 3, 5, 16, 64]),
    st.integers(1, 4),
    st.integers(1, 3),
    st.integers(0, 2**32 - 1),
)
def test_mvau_rom_words_pack_the_hls_words_by_pe(
    pe: int, simd: int, nf: int, sf: int, seed: int
) -> None:
    """The Verilog weight memory: word t, bits [p*SIMD +: SIMD] == the HLS mem[p][t]."""
    rng = np.random.default_rng(seed)
    w = rng.integers(0, 2, (pe * nf, simd * sf), dtype=np.uint8)
    hls = mvau_weight_words(w, pe, simd)
    rom = mvau_rom_words(w, pe, simd)
    assert rom.shape == (nf * sf,)
    for t in range(nf * sf):
        bits = hex_to_bits(rom[t], pe * simd)
        for p in range(pe):
            assert np.array_equal(bits[p * simd : (p + 1) * simd], hex_to_bits(hls[p, t], simd))
