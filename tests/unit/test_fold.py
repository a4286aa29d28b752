"""Exhaustive threshold folding: every channel, every reachable accumulator value.

Expected bits are computed here with plain float32 numpy written out per case, independent of
bnn2hw's op chain; the folded layer must give ``acc_hw >= T`` equal to them for all K+1 values
of P (binary inputs) or every reachable integer accumulator (integer inputs). The golden model
is then run on input vectors that realise each of those values, in both forms.
"""

from __future__ import annotations

import numpy as np
import pytest

from bnn2hw.errors import TieError
from bnn2hw.golden import run_golden
from bnn2hw.ir import (
    AccKind,
    AccOut,
    Binarizer,
    BinarizerKind,
    FloatAct,
    FloatOp,
    Graph,
    InputStage,
    IntQuantizer,
    MatVec,
    OpKind,
    OutputSpec,
    ThresholdAct,
    TiePolicy,
    ValueType,
)
from bnn2hw.passes.fold_thresholds import fold_layer

F32 = np.float32


def _layer(
    w: np.ndarray, pre: list[FloatOp], binarizer: Binarizer, in_type: ValueType | None = None
) -> MatVec:
    in_type = in_type or ValueType.bits()
    kind = AccKind.BIPOLAR_DOT if in_type.binary else AccKind.INT_DOT
    return MatVec(
        name="l00_dense",
        source="n0",
        weights=w,
        in_type=in_type,
        acc_kind=kind,
        act=FloatAct(pre=tuple(pre), binarizer=binarizer),
        in_shape=(w.shape[1],),
    )


def _sign(tie: TiePolicy = TiePolicy.ERROR) -> Binarizer:
    return Binarizer(BinarizerKind.SIGN, np.zeros((), F32), tie=tie, source="sign")


def _ge() -> Binarizer:
    return Binarizer(BinarizerKind.GE, np.zeros((), F32), source="bq")


def _check_exhaustive(layer: MatVec, expected: np.ndarray) -> int:
    """expected: (n_values, C) bits at acc values lo..hi (hardware domain, unflipped)."""
    folded, _ = fold_layer(layer)
    act = folded.act
    assert isinstance(act, ThresholdAct)
    k = layer.mw
    n = expected.shape[0]
    compared = 0
    for c in range(layer.mh):
        for i in range(n):
            if layer.in_type.binary:
                acc = i
                hw = k - acc if act.flipped[c] else acc
            else:
                acc = i + _int_lo(layer)
                hw = -acc if act.flipped[c] else acc
            assert int(hw >= act.thresholds[c]) == expected[i, c], (c, acc)
            compared += 1
        # the flipped weight row is the complement of the original one
        want = layer.weights[c] ^ 1 if act.flipped[c] else layer.weights[c]
        assert np.array_equal(folded.weights[c], want)
    print(f"{compared} (channel, accumulator) pairs compared exhaustively")
    return compared


def _int_lo(layer: MatVec) -> int:
    return int(layer.mw * min(layer.in_type.lo, -layer.in_type.hi))


def _bn_expected(acc: np.ndarray, gamma, beta, mean, var, eps, scale=None, tau=None, tie=0):
    x = acc.astype(F32)[:, None]
    if scale is not None:
        x = (x * scale).astype(F32)
    y = ((x - mean) / np.sqrt(var + F32(eps)).astype(F32) * gamma + beta).astype(F32)
    if tau is not None:
        y = (y - tau).astype(F32)
    return ((y > 0) | ((y == 0) & (tie > 0))).astype(np.uint8)


def _bn(gamma, beta, mean, var, eps=1e-5) -> FloatOp:
    return FloatOp(
        OpKind.BATCHNORM,
        c=np.asarray(gamma, F32),
        c2=np.asarray(beta, F32),
        mean=np.asarray(mean, F32),
        var=np.asarray(var, F32),
        eps=float(F32(eps)),
    )


@pytest.mark.parametrize("k", [1, 8, 63, 64, 65, 200])
def test_batchnorm_gamma_signs_exhaustive(k: int) -> None:
    """gamma > 0, gamma < 0, gamma = 0 (beta of both signs), thresholds inside and outside."""
    rng = np.random.default_rng(k)
    c = 12
    w = rng.integers(0, 2, size=(c, k), dtype=np.uint8)
    gamma = rng.uniform(0.2, 2, c).astype(F32) * np.where(np.arange(c) % 2, -1, 1).astype(F32)
    gamma[8], gamma[9] = 0, 0
    beta = rng.uniform(-1, 1, c).astype(F32)
    beta[8], beta[9] = 0.5, -0.5
    mean = rng.uniform(-k, k, c).astype(F32) + F32(0.37)  # no exact ties
    mean[10], mean[11] = 3 * k, -3 * k  # thresholds outside the reachable range
    var = rng.uniform(0.5, 2 * k, c).astype(F32)
    layer = _layer(w, [_bn(gamma, beta, mean, var)], _sign())
    acc = 2 * np.arange(k + 1) - k
    expected = _bn_expected(acc, gamma, beta, mean, var, 1e-5)
    assert _check_exhaustive(layer, expected) == c * (k + 1)
    act = fold_layer(layer)[0].act
    assert act.flipped[1] and not act.flipped[0]
    assert act.constant[8] == 1 and act.constant[9] == -1


def test_tie_is_reported_with_node_channel_value() -> None:
    k = 6
    w = np.ones((3, k), dtype=np.uint8)
    mean = np.array([0.5, 2.0, 1.5], F32)  # channel 1: y == 0 exactly at acc = 2
    layer = _layer(w, [_bn([1, 1, 1], [0, 0, 0], mean, [1, 1, 1], eps=0.0)], _sign())
    with pytest.raises(
        TieError,
        match=r"layer l00_dense \(node 'n0'\), channel 1: accumulator "
        r"value 2 makes the input of Sign 'sign' exactly 0.*--sign-at-zero",
    ):
        fold_layer(layer)


@pytest.mark.parametrize("tie", [TiePolicy.PLUS, TiePolicy.MINUS])
def test_tie_convention_option(tie: TiePolicy) -> None:
    """P == T ties: with an explicit convention the tie value gets that bit, exhaustively."""
    k = 10
    rng = np.random.default_rng(1)
    w = rng.integers(0, 2, size=(6, k), dtype=np.uint8)
    gamma = np.array([1, -1, 2, -2, 1, -1], F32)
    mean = np.array([0, 0, 2, -4, 10, -10], F32)  # every mean is a reachable acc value
    zeros = np.zeros(6, F32)
    layer = _layer(w, [_bn(gamma, zeros, mean, np.ones(6, F32), eps=0.0)], _sign(tie))
    acc = 2 * np.arange(k + 1) - k
    expected = _bn_expected(
        acc, gamma, zeros, mean, np.ones(6, F32), 0.0, tie=1 if tie is TiePolicy.PLUS else -1
    )
    _check_exhaustive(layer, expected)


def test_bipolar_quant_tie_is_plus_one() -> None:
    """BipolarQuant / Where(x >= 0): y == 0 maps to +1, so exact ties are legal."""
    k = 8
    w = np.ones((2, k), dtype=np.uint8)
    mean = np.array([2, -2], F32)
    gamma = np.array([1, -1], F32)
    layer = _layer(w, [_bn(gamma, [0, 0], mean, [1, 1], eps=0.0)], _ge())
    acc = 2 * np.arange(k + 1) - k
    y = ((acc[:, None] - mean) * gamma).astype(F32)
    _check_exhaustive(layer, (y >= 0).astype(np.uint8))


def test_scales_and_learnable_threshold_exhaustive() -> None:
    """XNOR-Net per-channel alpha (both signs, and 0) then BN then an RSign threshold."""
    k = 37
    rng = np.random.default_rng(7)
    c = 10
    w = rng.integers(0, 2, size=(c, k), dtype=np.uint8)
    alpha = rng.uniform(0.1, 3, c).astype(F32) * np.where(rng.random(c) < 0.5, -1, 1).astype(F32)
    alpha[3] = 0
    gamma = rng.uniform(0.5, 1.5, c).astype(F32)
    beta = rng.uniform(-0.5, 0.5, c).astype(F32)
    mean = rng.uniform(-5, 5, c).astype(F32)
    var = rng.uniform(1, 4, c).astype(F32)
    tau = rng.uniform(-1, 1, c).astype(F32) + F32(0.013)
    ops = [FloatOp(OpKind.MUL, c=alpha), _bn(gamma, beta, mean, var), FloatOp(OpKind.SUB, c=tau)]
    layer = _layer(w, ops, _sign(TiePolicy.PLUS))
    acc = 2 * np.arange(k + 1) - k
    expected = _bn_expected(acc, gamma, beta, mean, var, 1e-5, scale=alpha, tau=tau, tie=1)
    _check_exhaustive(layer, expected)


def test_integer_input_layer_exhaustive() -> None:
    """First layer on int8 inputs: every reachable integer accumulator, gamma of both signs."""
    k = 3
    rng = np.random.default_rng(3)
    c = 6
    w = rng.integers(0, 2, size=(c, k), dtype=np.uint8)
    gamma = np.array([1, -1, 0.5, -0.25, 2, -3], F32)
    mean = rng.uniform(-200, 200, c).astype(F32) + F32(0.25)
    ones = np.ones(c, F32)
    in_type = ValueType.integer(-128, 127)
    layer = _layer(w, [_bn(gamma, 0 * ones, mean, ones, eps=0.0)], _sign(), in_type)
    lo = _int_lo(layer)
    acc = np.arange(lo, -lo + 1)
    expected = _bn_expected(acc, gamma, 0 * ones, mean, ones, 0.0)
    _check_exhaustive(layer, expected)


def _graph(layer: MatVec, k: int) -> Graph:
    """A one-layer graph (binary input vector of K) plus a pass-through last layer."""
    stage = InputStage(
        shape=(k,), ops=(), quant=_ge(), out_shape=(k,), nchw=False, range=(-1.0, 1.0), name="x"
    )
    last = MatVec(
        name="l01_dense",
        source="n1",
        weights=np.eye(layer.mh, dtype=np.uint8),
        in_type=ValueType.bits(),
        acc_kind=AccKind.BIPOLAR_DOT,
        act=AccOut(()),
        in_shape=(layer.mh,),
    )
    return Graph(
        name="t",
        source_file="t.onnx",
        source_hash="0" * 64,
        dialect="torch",
        input=stage,
        layers=(layer, last),
        output=OutputSpec("y", (layer.mh,)),
    )


def test_golden_both_forms_on_every_popcount() -> None:
    """Inputs that realise every P in 0..K for every channel: FloatAct and folded golden agree."""
    k = 70
    rng = np.random.default_rng(11)
    c = 16
    w = rng.integers(0, 2, size=(c, k), dtype=np.uint8)
    gamma = rng.uniform(-2, 2, c).astype(F32)
    mean = rng.uniform(-k, k, c).astype(F32) + F32(0.5)
    layer = _layer(w, [_bn(gamma, rng.uniform(-1, 1, c), mean, rng.uniform(1, 9, c))], _sign())
    g = _graph(layer, k)
    frames = []
    for ch in range(c):
        for p in range(k + 1):
            x = w[ch].copy()
            x[: k - p] ^= 1  # P matches with row ch
            frames.append(np.where(x == 1, 1.0, -1.0))
    x = np.asarray(frames, dtype=F32)
    a = run_golden(g, x)
    folded, _ = fold_layer(layer)
    b = run_golden(g.with_layers((folded, g.layers[1])), x)
    assert np.array_equal(a.acts["l00_dense"], b.acts["l00_dense"])
    assert np.array_equal(a.output, b.output)
    print(f"{a.acts['l00_dense'].size} bits compared over {x.shape[0]} frames realising every P")


def test_int_quant_input_stage() -> None:
    from bnn2hw.golden import quantize_input

    q = IntQuantizer(
        scale=np.asarray(2**-7, F32), zero_point=np.asarray(0, F32), qmin=-128, qmax=127
    )
    stage = InputStage(
        shape=(4,), ops=(), quant=q, out_shape=(4,), nchw=False, range=(-1, 1), name="x"
    )
    x = np.array([[-2.0, -1.0, 0.99, 5.0], [0.00390625, 0.01171875, -0.00390625, 0]], F32)
    assert quantize_input(stage, x).tolist() == [[-128, -128, 127, 127], [0, 2, 0, 0]]


def test_near_ties_are_reported(caplog: pytest.LogCaptureFixture) -> None:
    """A BatchNorm mean a few ulps from a reachable accumulator value is a near tie (reported,
    with its channel); a mean half a step away is not."""
    k = 9
    w = np.ones((3, k), dtype=np.uint8)
    acc3 = F32(3.0)
    mean = np.array([np.nextafter(acc3, F32(10)), 3.0 + 1.0, np.nextafter(acc3, F32(0))], F32)
    mean[1] = 2.0  # 2.0 is not a reachable value of 2P - 9 (odd): half a step from 1 and 3
    layer = _layer(w, [_bn([1, 1, -1], [0, 0, 0], mean, [1, 1, 1], eps=0.0)], _ge())
    with caplog.at_level("WARNING"):
        folded, _ = fold_layer(layer)
    assert isinstance(folded.act, ThresholdAct)
    assert folded.act.near_ties.tolist() == [0, 2]
    assert "l00_dense (node 'n0'): 2 channel(s) decide within float rounding" in caplog.text
    assert "channel 0 at accumulator 3" in caplog.text


def test_near_ties_from_inexact_weight_scale() -> None:
    """Weights +-alpha with alpha not a power of two (BatchNorm folded by the exporter): the
    model's float sum of K products is inexact, so a threshold within K*u of an integer is a
    near tie, while one a tenth of a step away is not."""
    k = 500
    w = np.ones((2, k), dtype=np.uint8)
    alpha = np.array([0.1, 0.1], F32)
    # thresholds at acc = 100.00001 and 100.1 in accumulator units (acc = 2P - K is even)
    bias = -(alpha * np.array([100.00001, 100.2], F32)).astype(F32)
    ops = [FloatOp(OpKind.MUL, c=alpha), FloatOp(OpKind.ADD, c=bias)]
    folded, _ = fold_layer(_layer(w, ops, _ge()))
    assert isinstance(folded.act, ThresholdAct)
    assert folded.act.near_ties.tolist() == [0]
