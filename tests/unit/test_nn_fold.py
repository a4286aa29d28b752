"""XNOR-Net scales, BatchNorm (gamma of both signs and 0), shift-based BatchNorm and learnable
RSign thresholds of bnn2hw.nn fold exactly into the compiler's integer thresholds.

Exhaustive per channel: every output channel is driven through every accumulator value it can
reach, and each channel's RSign threshold is placed exactly on one of its reachable values (a
tie, f(acc) == 0, which the sign maps to +1). The compiled layer must be a folded integer
threshold, and the golden model's bits must equal the PyTorch model's signs everywhere.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

torch = pytest.importorskip("torch")
from torch import nn  # noqa: E402

from bnn2hw import nn as bnn  # noqa: E402
from bnn2hw.build import compile_model  # noqa: E402
from bnn2hw.frontend.importer import ImportOptions  # noqa: E402
from bnn2hw.golden import run_golden  # noqa: E402
from bnn2hw.ir.floatops import TiePolicy  # noqa: E402
from bnn2hw.ir.layers import MatVec, ThresholdAct  # noqa: E402
from bnn2hw.verify.compare import compare_to_reference  # noqa: E402

pytestmark = pytest.mark.torch


def _set_bn(bn: nn.Module, gen: torch.Generator, shift: bool) -> None:
    """Random statistics and gammas of both signs, one gamma exactly 0 (a constant channel)."""
    c = bn.num_features
    with torch.no_grad():
        bn.running_mean.copy_(torch.randn(c, generator=gen) * 3)
        bn.running_var.copy_(torch.rand(c, generator=gen) * 4 + 0.1)
        gamma = torch.randn(c, generator=gen)
        gamma[1] = -abs(gamma[1]) - 0.5  # A < 0: the compiler complements the row
        gamma[2] = 0.0  # A = 0: constant output (beta decides)
        bn.weight.copy_(gamma)
        bn.bias.copy_(torch.randn(c, generator=gen))
    assert shift == isinstance(bn, bnn.ShiftBatchNorm1d | bnn.ShiftBatchNorm2d)


@torch.no_grad()
def _place_ties(
    rsign: bnn.RSign, acc_inputs: torch.Tensor, pre: Callable[[torch.Tensor], torch.Tensor]
) -> None:
    """Set each channel's threshold to its own pre-sign value at one reachable input, computed
    by the model's float32 ops, so that f(acc) - threshold is exactly 0 there."""
    v = pre(acc_inputs)  # (n, C) or (n, C, 1, 1): the value RSign compares
    v = v.reshape(v.shape[0], v.shape[1], -1)[:, :, 0]
    pick = torch.arange(v.shape[1]) % v.shape[0]
    rsign.threshold.copy_(v[pick, torch.arange(v.shape[1])])


def _fold_check(
    tmp_path: Path,
    model: nn.Module,
    x: torch.Tensor,
    frames_per_channel: int,
    channels: int,
    positions: int = 1,
) -> None:
    path = tmp_path / "m.onnx"
    check = bnn.export_onnx(model, x, path)
    graph = compile_model(path, ImportOptions(), check_frames=4)
    layer = next(la for la in graph.layers if isinstance(la, MatVec))
    assert isinstance(layer.act, ThresholdAct), "scale/BN/RSign did not fold into a threshold"
    golden = run_golden(graph, x.numpy())
    out, tensors = bnn.torch_tensors(model, x, path)
    ties = _exact_ties(model, x)
    assert all(t >= 1 for t in ties), ties  # every channel has a reachable f(acc) == 0
    cmp = compare_to_reference(graph, golden, out, tensors, TiePolicy.PLUS)
    bits = next(t for t in cmp.tensors if t.layer == layer.name)
    print(
        f"{layer.name}: {channels} channels x {frames_per_channel} inputs reaching every "
        f"accumulator value; {bits.compared} bits compared with PyTorch, "
        f"{bits.mismatches} mismatches, {sum(ties)} exact ties f(acc) == 0 "
        f"(export check: {check.describe()})"
    )
    assert bits.compared == x.shape[0] * channels * positions
    assert bits.mismatches == 0, bits.first
    assert cmp.bit_mismatches == 0
    constant = layer.act.constant
    assert constant[2] != 0  # gamma = 0 channel folded to a constant
    assert layer.act.flipped[1]  # gamma < 0 channel complemented


@torch.no_grad()
def _exact_ties(model: nn.Module, x: torch.Tensor) -> list[int]:
    """Per channel, how many values the RSign compares with 0 are exactly 0 on x."""
    rsign = next(m for m in model.modules() if isinstance(m, bnn.RSign))
    seen: list[torch.Tensor] = []
    hook = rsign.register_forward_hook(lambda m, i, o: seen.append(rsign.pre_sign(i[0])))
    model(x)
    hook.remove()
    zeros = seen[0] == 0
    return zeros.transpose(0, 1).reshape(zeros.shape[1], -1).sum(1).tolist()


def _walk_inputs(w: torch.Tensor) -> torch.Tensor:
    """For each row w_c of a +-1 matrix (C, K): K+1 inputs a_j (w_c with its first j entries
    negated) whose dot products with w_c are K, K-2, ..., -K: every reachable value."""
    rows = []
    for wc in w:
        for j in range(len(wc) + 1):
            a = wc.clone()
            a[:j] = -a[:j]
            rows.append(a)
    return torch.stack(rows)


@pytest.mark.parametrize("shift", [False, True], ids=["bn", "shift_bn"])
def test_dense_scale_bn_rsign_fold_exhaustive(tmp_path: Path, shift: bool) -> None:
    k, c = 37, 12
    gen = torch.Generator().manual_seed(11)
    torch.manual_seed(11)
    bn: nn.Module = bnn.ShiftBatchNorm1d(c) if shift else bnn.BatchNorm1d(c)
    rsign = bnn.RSign(c)
    model = nn.Sequential(
        bnn.Sign(), bnn.BinaryLinear(k, c, scale=True), bn, rsign, bnn.BinaryLinear(c, 4)
    ).eval()
    _set_bn(bn, gen, shift)
    x = _walk_inputs(bnn.sign(model[1].weight.detach()))
    _place_ties(rsign, x, model[:3])
    _fold_check(tmp_path, model, x, k + 1, c)


def test_integer_input_conv_fold_exhaustive(tmp_path: Path) -> None:
    """A first layer on uint2 pixels: 2x2 kernel, all 4**4 = 256 inputs, so every channel sees
    every accumulator value it can reach (-3*#neg .. 3*#pos)."""
    c = 8
    gen = torch.Generator().manual_seed(12)
    torch.manual_seed(12)
    bn = bnn.BatchNorm2d(c)
    rsign = bnn.RSign(c)
    model = nn.Sequential(
        bnn.QuantInput(2),
        bnn.BinaryConv2d(1, c, 2, scale=True),
        bn,
        rsign,
        nn.Flatten(),
        bnn.BinaryLinear(c, 3),
    ).eval()
    _set_bn(bn, gen, shift=False)
    grid = np.stack(np.meshgrid(*[np.arange(4)] * 4, indexing="ij"), -1).reshape(-1, 1, 2, 2)
    x = torch.from_numpy(grid.astype(np.float32))
    _place_ties(rsign, x, model[:3])
    _fold_check(tmp_path, model, x, len(x), c)


@pytest.mark.parametrize("pad_value", [-1.0, 1.0])
def test_binary_conv_padding_fold_exhaustive(tmp_path: Path, pad_value: float) -> None:
    """3x3 binary convolution with +-1 padding on a 3x3 binary image: all 2**9 images, so the
    centre position reaches every value of every channel and the borders every padded case."""
    c = 6
    gen = torch.Generator().manual_seed(13)
    torch.manual_seed(13)
    bn = bnn.ShiftBatchNorm2d(c)
    rsign = bnn.RSign(c)
    model = nn.Sequential(
        bnn.Sign(),
        bnn.BinaryConv2d(1, c, 3, padding=1, pad_value=pad_value, scale=True),
        bn,
        rsign,
        nn.Flatten(),
        bnn.BinaryLinear(9 * c, 3),
    ).eval()
    _set_bn(bn, gen, shift=True)
    bits = (np.arange(512)[:, None] >> np.arange(9)) & 1
    x = torch.from_numpy((2.0 * bits - 1).astype(np.float32).reshape(-1, 1, 3, 3))
    _place_ties(rsign, x, lambda t: model[:3](t)[:, :, 1:2, 1:2])  # ties at the centre
    _fold_check(tmp_path, model, x, len(x), c, positions=9)


def test_bias_stride_and_uint8_input_through_compiler(tmp_path: Path) -> None:
    """Biases (Conv bias as a per-channel Add, Linear bias in the Gemm), stride 2 with and
    without padding, and an 8-bit image input: the golden model equals PyTorch exactly."""
    torch.manual_seed(14)
    model = nn.Sequential(
        bnn.QuantInput(8),
        bnn.BinaryConv2d(3, 8, 3, stride=2, padding=1, pad_value=0.0, bias=True),
        bnn.BatchNorm2d(8),
        bnn.Sign(),
        bnn.BinaryConv2d(8, 8, 3, stride=2, bias=True, scale=True),
        bnn.RSign(8),
        nn.Flatten(),
        bnn.BinaryLinear(8 * 3 * 3, 5, bias=True),
    )
    x = torch.randint(0, 256, (64, 3, 16, 16)).float()
    x[0], x[1] = 0.0, 255.0
    model.train()(x)
    model.eval()
    with torch.no_grad():
        model[5].threshold.normal_(0.0, 3.0)
    path = tmp_path / "m.onnx"
    bnn.export_onnx(model, x, path)
    graph = compile_model(path, ImportOptions(), check_frames=4)
    golden = run_golden(graph, x.numpy())
    out, tensors = bnn.torch_tensors(model, x, path)
    cmp = compare_to_reference(graph, golden, out, tensors, TiePolicy.PLUS)
    print(f"{cmp.bits_compared} sign bits, {cmp.logits_compared} logits compared")
    assert cmp.bits_compared == 64 * 8 * (64 + 9) and cmp.bit_mismatches == 0
    assert cmp.max_abs_diff == 0.0
