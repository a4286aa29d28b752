"""Convolution geometry, padding, pooling and top-k, against onnxruntime on small graphs.

Graphs are written with onnx.helper (no torch): stride 1 and 2, +-1 explicit padding, zero
padding of an integer first layer, max-pool before and after the sign with negative-gamma
channels, and label selection (ArgMax in the model, or --topk).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from onnx import TensorProto, helper, numpy_helper
from onnx_builders import label_model, save, tiny_mlp

from bnn2hw.build import compile_model
from bnn2hw.engines import run_onnx
from bnn2hw.frontend import ImportOptions
from bnn2hw.golden import run_golden
from bnn2hw.ir.layers import MaxPoolBits
from bnn2hw.verify import compare_to_reference

F32 = np.float32


def _pm1(rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
    return np.where(rng.random(shape) < 0.5, 1.0, -1.0).astype(F32)


def _bn(name: str, c: int, rng: np.random.Generator, center: float, spread: float) -> list:
    gamma = rng.uniform(0.5, 1.5, c) * np.where(rng.random(c) < 0.4, -1, 1)
    mean = center + rng.uniform(-spread, spread, c) + 0.37
    return [
        numpy_helper.from_array(a.astype(F32), f"{name}_{k}")
        for k, a in (
            ("g", gamma),
            ("b", rng.uniform(-0.2, 0.2, c)),
            ("m", mean),
            ("v", rng.uniform(0.5, 2.0, c)),
        )
    ]


def _conv_net(tmp: Path, *, stride: int, pad_value: float, pool_before_bn: bool, seed: int) -> Path:
    """int8 input -> conv(zero pad 1, stride) -> BN -> sign -> Pad(pad_value) -> conv(stride 1)
    -> [maxpool -> BN | BN -> maxpool] -> sign -> flatten -> dense -> logits."""
    rng = np.random.default_rng(seed)
    c0, c1, c2 = 2, 6, 8
    w0, w1 = _pm1(rng, (c1, c0, 3, 3)), _pm1(rng, (c2, c1, 3, 3))
    h = 10
    h1 = (h + 2 - 3) // stride + 1
    h2 = h1 - 3 + 3  # padded by 1 then 3x3 valid
    hp = (h2 - 2) // 2 + 1
    w2 = _pm1(rng, (c2 * hp * hp, 5))
    inits = [
        numpy_helper.from_array(w0, "w0"),
        numpy_helper.from_array(w1, "w1"),
        numpy_helper.from_array(w2, "w2"),
        numpy_helper.from_array(np.array([0, 0, 1, 1, 0, 0, 1, 1], np.int64), "pads"),
        numpy_helper.from_array(np.array(pad_value, F32), "pv"),
    ]
    inits += _bn("bn0", c1, rng, 0.0, 300.0) + _bn("bn1", c2, rng, 0.0, 20.0)
    pool = helper.make_node(
        "MaxPool", ["p_in"], ["p_out"], name="pool", kernel_shape=[2, 2], strides=[2, 2]
    )
    bn1 = ["bn1_g", "bn1_b", "bn1_m", "bn1_v"]
    if pool_before_bn:
        tail = [
            helper.make_node("Identity", ["c1"], ["p_in"], name="id"),
            pool,
            helper.make_node("BatchNormalization", ["p_out", *bn1], ["b1"], name="bn1"),
        ]
    else:
        tail = [
            helper.make_node("BatchNormalization", ["c1", *bn1], ["p_in"], name="bn1"),
            pool,
            helper.make_node("Identity", ["p_out"], ["b1"], name="id"),
        ]
    nodes = [
        helper.make_node(
            "Conv",
            ["x", "w0"],
            ["c0"],
            name="conv0",
            pads=[1, 1, 1, 1],
            strides=[stride, stride],
            kernel_shape=[3, 3],
        ),
        helper.make_node(
            "BatchNormalization", ["c0", "bn0_g", "bn0_b", "bn0_m", "bn0_v"], ["b0"], name="bn0"
        ),
        helper.make_node("Sign", ["b0"], ["s0"], name="sign0"),
        helper.make_node("Pad", ["s0", "pads", "pv"], ["s0p"], name="pad", mode="constant"),
        helper.make_node("Conv", ["s0p", "w1"], ["c1"], name="conv1", kernel_shape=[3, 3]),
        *tail,
        helper.make_node("Sign", ["b1"], ["s1"], name="sign1"),
        helper.make_node("Flatten", ["s1"], ["f"], name="flat", axis=1),
        helper.make_node("MatMul", ["f", "w2"], ["y"], name="fc"),
    ]
    inp = [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", c0, h, h])]
    out = [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["N", 5])]
    return save(tiny_mlp(nodes, inits, inputs=inp, outputs=out), tmp / "conv.onnx")


@pytest.mark.parametrize("stride", [1, 2])
@pytest.mark.parametrize("pad_value", [-1.0, 1.0])
@pytest.mark.parametrize("pool_before_bn", [False, True])
def test_conv_pad_pool_against_onnxruntime(
    stride: int, pad_value: float, pool_before_bn: bool, tmp_path: Path
) -> None:
    path = _conv_net(
        tmp_path,
        stride=stride,
        pad_value=pad_value,
        pool_before_bn=pool_before_bn,
        seed=stride * 10 + int(pad_value > 0) * 2 + pool_before_bn,
    )
    graph = compile_model(path, ImportOptions(input_int="int8"))
    rng = np.random.default_rng(0)
    x = rng.integers(-128, 128, size=(300, 2, 10, 10)).astype(F32)
    x[0], x[1] = -128, 127  # the extremes of the integer input
    golden = run_golden(graph, x)
    ref = run_onnx(path, x, list(golden.tensors))
    cmp = compare_to_reference(graph, golden, ref.output, ref.tensors, graph.tie)
    print(
        f"stride {stride}, pad {pad_value:+g}, pool {'before' if pool_before_bn else 'after'} "
        f"BN: {cmp.bits_compared} bits, {cmp.bit_mismatches} mismatches"
    )
    assert cmp.ok, cmp.first_mismatch()
    assert len(cmp.tensors) == 2  # s0 and the pooled s1: the binarized tensors of the model
    pool = next(la for la in graph.layers if isinstance(la, MaxPoolBits))
    # a pool before a BatchNorm with negative gamma is a min: AND on those channels
    assert pool.and_mask.any() == pool_before_bn


@pytest.mark.parametrize("scale", [0.5, -2.0])
def test_argmax_in_model(scale: float, tmp_path: Path) -> None:
    """ArgMax on logits becomes label selection on the accumulators (of either direction)."""
    path = label_model(tmp_path, argmax=True, scale=scale)
    graph = compile_model(path, ImportOptions())
    assert graph.output.topk == 1 and graph.output.topk_sign == (1 if scale > 0 else -1)
    x = np.random.default_rng(1).uniform(-1, 1, (2000, 16)).astype(F32)
    golden = run_golden(graph, x)
    ref = run_onnx(path, x).output
    assert golden.output.dtype == np.int64 and golden.output.shape == ref.shape == (2000, 1)
    assert np.array_equal(golden.output, ref)
    print(f"ArgMax (scale {scale:+g}): {ref.size} labels equal to onnxruntime's")


def test_topk_option(tmp_path: Path) -> None:
    path = label_model(tmp_path, argmax=False, scale=-0.5)
    graph = compile_model(path, ImportOptions(topk=3))
    x = np.random.default_rng(2).uniform(-1, 1, (2000, 16)).astype(F32)
    golden = run_golden(graph, x)
    ref = run_onnx(path, x).output
    want = np.argsort(-ref, axis=1, kind="stable")[:, :3]
    assert golden.labels is not None and np.array_equal(golden.labels, want)
    np.testing.assert_allclose(golden.output, ref, rtol=1e-5)
