"""Train → export → compile → every engine, against the PyTorch model itself.

A tiny MLP and a tiny CNN built from bnn2hw.nn (integer input, XNOR-Net scales, RSign
thresholds, ±1 padding, shift-based BatchNorm, stochastic binarization, max-pool) are trained for
a few steps on scikit-learn digits with shift-based AdaMax, exported with ``export_onnx`` and
compiled. The golden model, the g++ C-simulation of the HLS project and the Verilator simulation
of the Verilog design (random input gaps and output back-pressure) must reproduce the PyTorch
model's own hidden sign bits and its output logits exactly, frame for frame.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

torch = pytest.importorskip("torch")
from torch import nn  # noqa: E402

from bnn2hw import nn as bnn  # noqa: E402
from bnn2hw.build import load_build  # noqa: E402
from bnn2hw.cli import main  # noqa: E402
from bnn2hw.engines.csim_engine import run_csim  # noqa: E402
from bnn2hw.engines.rtl_engine import run_rtl  # noqa: E402
from bnn2hw.golden import run_golden  # noqa: E402
from bnn2hw.ir.floatops import TiePolicy  # noqa: E402
from bnn2hw.rtl_sim import Stalls  # noqa: E402
from bnn2hw.verify.compare import Comparison, compare_to_reference  # noqa: E402

pytestmark = [pytest.mark.torch, pytest.mark.rtl]

STEPS = 12


def tiny_mlp() -> nn.Module:
    return nn.Sequential(
        bnn.QuantInput(5),
        nn.Flatten(),
        bnn.BinaryLinear(64, 48, scale=True),
        bnn.BatchNorm1d(48),
        bnn.RSign(48),
        bnn.BinaryLinear(48, 32, stochastic=True),
        bnn.ShiftBatchNorm1d(32),
        bnn.Sign(stochastic=True),
        bnn.BinaryLinear(32, 10, scale=True),
        bnn.BatchNorm1d(10),
    )


def tiny_cnn() -> nn.Module:
    return nn.Sequential(
        bnn.QuantInput(5),
        bnn.BinaryConv2d(1, 16, 3, padding=1, pad_value=0.0),
        bnn.BatchNorm2d(16),
        bnn.Sign(),
        bnn.BinaryConv2d(16, 16, 3, padding=1, pad_value=-1.0, scale=True),
        bnn.ShiftBatchNorm2d(16),
        bnn.RSign(16),
        nn.MaxPool2d(2),
        bnn.BinaryConv2d(16, 32, 3, padding=1, pad_value=1.0),
        bnn.BatchNorm2d(32),
        bnn.Sign(),
        nn.MaxPool2d(2),
        nn.Flatten(),
        bnn.BinaryLinear(128, 10, scale=True),
        bnn.ShiftBatchNorm1d(10),
    )


MODELS: dict[str, tuple[Callable[[], nn.Module], int]] = {
    "mlp": (tiny_mlp, 100),
    "cnn": (tiny_cnn, 40),
}


def _digits() -> tuple[torch.Tensor, torch.Tensor]:
    from sklearn.datasets import load_digits

    d = load_digits()
    x = torch.from_numpy(d.data.astype(np.float32).reshape(-1, 1, 8, 8))
    return x, torch.from_numpy(d.target.astype(np.int64))


def _train(model: nn.Module, x: torch.Tensor, y: torch.Tensor) -> nn.Module:
    opt = bnn.ShiftAdaMax(model.parameters(), lr=2.0**-5)
    gen = torch.Generator().manual_seed(0)
    model.train()
    for _ in range(STEPS):
        idx = torch.randint(0, len(x), (64,), generator=gen)
        loss = nn.functional.cross_entropy(model(x[idx]), y[idx])
        opt.zero_grad()
        loss.backward()
        opt.step()
        bnn.clip_weights(model)
    with torch.no_grad():  # settle the running statistics on more data
        for s in range(0, 512, 128):
            model(x[s : s + 128])
    return model.eval()


def _report(what: str, cmp: Comparison) -> str:
    return (
        f"{what}: {cmp.frames} frames, {cmp.bits_compared:,} sign bits and "
        f"{cmp.logits_compared:,} logits compared with PyTorch: {cmp.bit_mismatches} bit "
        f"mismatches, largest logit difference {cmp.max_abs_diff:g}, argmax "
        f"{cmp.argmax_agree}/{cmp.frames}"
    )


def _exact(cmp: Comparison, frames: int, bits: int) -> None:
    first = cmp.first_mismatch()
    assert cmp.bit_mismatches == 0, first.describe("pytorch") if first else ""
    assert cmp.frames == frames and cmp.bits_compared == bits
    assert cmp.max_abs_diff == 0.0 and cmp.argmax_agree == frames


@pytest.mark.parametrize("name", list(MODELS))
def test_trained_model_bit_exact_on_every_engine(
    name: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    make, frames = MODELS[name]
    torch.manual_seed(0)
    x_all, y_all = _digits()
    model = _train(make(), x_all[:1024], y_all[:1024])
    x = x_all[1024 : 1024 + frames].clone()
    x[0] = 0.0  # the input extremes: all-black and all-white (uint5 maximum) frames
    x[1] = 31.0
    if name == "mlp":
        x = x.reshape(frames, 64)
    onnx_path = tmp_path / f"{name}.onnx"
    check = bnn.export_onnx(model, x, onnx_path, input_name="pixels", output_name="logits")
    build = tmp_path / "build"
    assert main(["compile", str(onnx_path), "-o", str(build)]) == 0
    graph = load_build(build).graph
    out, tensors = bnn.torch_tensors(model, x, onnx_path)
    xs = x.numpy()
    bits = sum(int(t.size) for t in tensors.values())

    golden = run_golden(graph, xs)
    cmp_golden = compare_to_reference(graph, golden, out, tensors, TiePolicy.PLUS)
    csim = run_csim(graph, build / "hls", xs)
    cmp_csim = compare_to_reference(graph, csim, out, tensors, TiePolicy.PLUS)
    rtl = run_rtl(graph, build / "rtl", xs, stalls=Stalls.named("both", seed=5))
    cmp_rtl = compare_to_reference(graph, rtl.result, out, {}, TiePolicy.PLUS)
    acc_equal = bool(np.array_equal(rtl.result.acc, golden.acc))
    with capsys.disabled():
        print(f"\n{name}: trained {STEPS} steps; export check {check.describe()}")
        print("  " + _report("golden", cmp_golden))
        print("  " + _report("csim", cmp_csim))
        print("  " + _report("rtl (output port)", cmp_rtl))
        print(f"  rtl accumulators equal to golden: {acc_equal}; {rtl.describe()}")
    _exact(cmp_golden, frames, bits)
    _exact(cmp_csim, frames, bits)
    _exact(cmp_rtl, frames, 0)
    assert acc_equal and rtl.frames == frames
