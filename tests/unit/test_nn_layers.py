"""bnn2hw.nn training layers: the straight-through estimators, stochastic binarization, weight
clipping, XNOR-Net scales, the power-of-two approximation, shift-based BatchNorm and AdaMax,
QuantInput, and the export's own checks and refusals."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import onnx
import pytest
from onnx import numpy_helper

torch = pytest.importorskip("torch")
from torch import nn  # noqa: E402

from bnn2hw import nn as bnn  # noqa: E402

pytestmark = pytest.mark.torch


def _grid() -> torch.Tensor:
    """Values around and at the saturation points and at 0."""
    return torch.tensor(
        [-3.0, -1.0001, -1.0, -0.9999, -0.5, -1e-7, 0.0, 1e-7, 0.5, 0.9999, 1.0, 1.0001, 3.0]
    )


def test_sign_forward_convention() -> None:
    x = _grid()
    want = torch.where(x >= 0, 1.0, -1.0)
    assert torch.equal(bnn.sign(x), want)
    assert torch.equal(bnn.sign_ste(x), want)
    assert bnn.sign(torch.zeros(1)).item() == 1.0  # sign(0) = +1, never torch.sign's 0
    sign = bnn.Sign()
    for mode in (True, False):
        sign.train(mode)
        assert torch.equal(sign(x), want)


def test_sign_straight_through_gradient() -> None:
    x = _grid().requires_grad_(True)
    g = torch.linspace(1.0, 2.0, len(x))
    bnn.sign_ste(x).backward(g)
    assert x.grad is not None
    want = torch.where(x.detach().abs() <= 1, g, torch.zeros_like(g))
    assert torch.equal(x.grad, want)
    # exactly 1 (times the incoming gradient) on [-1, 1], 0 outside, endpoints included
    inside = [float(v) for v, gr in zip(x.detach(), x.grad, strict=True) if gr != 0]
    assert min(inside) == -1.0 and max(inside) == 1.0


def test_weight_binarization_gradient_reaches_latent_weights() -> None:
    layer = bnn.BinaryLinear(4, 3)
    with torch.no_grad():
        layer.weight.copy_(torch.tensor([[0.5, -0.5, 1.0, -1.0]] * 3))
        layer.weight[0, 0] = 1.5  # outside [-1, 1]: gradient cancelled
    layer.train()
    x = torch.tensor([[1.0, 2.0, 3.0, 4.0]])
    layer(x).sum().backward()
    assert layer.weight.grad is not None
    want = x.expand(3, 4).clone()
    want[0, 0] = 0.0
    assert torch.equal(layer.weight.grad, want)


def test_stochastic_sign_probability_and_gradient() -> None:
    gen = torch.Generator().manual_seed(0)
    n = 200_000
    for v in (-0.6, 0.0, 0.5, 1.2):
        x = torch.full((n,), v, requires_grad=True)
        out = bnn.stochastic_sign_ste(x, gen)
        assert set(out.unique().tolist()) <= {-1.0, 1.0}
        p = float((out > 0).float().mean())
        want = float(bnn.hard_sigmoid(torch.tensor(v)))
        assert abs(p - want) < 0.005, (v, p, want)
        out.sum().backward()
        assert x.grad is not None
        assert torch.equal(x.grad, torch.full((n,), 1.0 if abs(v) <= 1 else 0.0))
    sign = bnn.Sign(stochastic=True).eval()  # eval is deterministic
    assert torch.equal(sign(_grid()), bnn.sign(_grid()))


def test_clip_weights_after_step() -> None:
    torch.manual_seed(0)
    model = nn.Sequential(
        bnn.BinaryConv2d(2, 4, 3, padding=1, pad_value=1.0),
        bnn.BatchNorm2d(4),
        bnn.Sign(),
        nn.Flatten(),
        bnn.BinaryLinear(64, 3),
    )
    opt = torch.optim.SGD(model.parameters(), lr=100.0)  # large steps push weights out of range
    x = torch.randn(8, 2, 4, 4)
    model(x).square().sum().backward()
    opt.step()
    latent = [m.weight for m in bnn.binary_layers(model)]
    assert len(latent) == 2
    assert any(float(w.abs().max()) > 1 for w in latent)
    bnn.clip_weights(model)
    for w in latent:
        assert float(w.abs().max()) == 1.0  # clipped, and some reach the bound
    bn = model[1]
    assert float(bn.weight.abs().max()) > 1  # only binary layers' latent weights are clipped


def test_xnor_scale_is_mean_abs_weight_per_channel() -> None:
    torch.manual_seed(1)
    layer = bnn.BinaryConv2d(3, 5, 3, scale=True).eval()
    x = bnn.sign(torch.randn(2, 3, 6, 6))
    alpha = layer.weight.detach().abs().mean(dim=(1, 2, 3))
    plain = torch.nn.functional.conv2d(x, bnn.sign(layer.weight.detach()))
    assert torch.equal(layer(x).detach(), plain * alpha.view(1, 5, 1, 1))
    frozen = bnn.BinaryConv2d(3, 5, 3, scale=True).eval()
    frozen.load_state_dict(layer.state_dict())
    frozen.freeze_()
    assert set(frozen.weight.unique().tolist()) == {-1.0, 1.0}
    assert torch.equal(frozen(x), layer(x).detach())


def test_padding_values() -> None:
    x = torch.ones(1, 1, 2, 2)
    for value in (-1.0, 1.0, 0.0):
        conv = bnn.BinaryConv2d(1, 1, 3, padding=1, pad_value=value).eval()
        with torch.no_grad():
            conv.weight.fill_(1.0)
        # the corner output sees 4 inputs (+1 each) and 5 padding values
        assert conv(x)[0, 0, 0, 0].item() == 4 + 5 * value
    with pytest.raises(ValueError, match="pad_value"):
        bnn.BinaryConv2d(1, 1, 3, padding=1, pad_value=0.5)


def test_rsign_threshold_is_learned_per_channel() -> None:
    rs = bnn.RSign(3).train()
    with torch.no_grad():
        rs.threshold.copy_(torch.tensor([0.0, 0.5, -0.5]))
    x = torch.tensor([[0.25, 0.25, -0.25]]).requires_grad_(True)
    out = rs(x)
    assert out.tolist() == [[1.0, -1.0, 1.0]]
    out.sum().backward()
    assert rs.threshold.grad is not None
    assert rs.threshold.grad.tolist() == [-1.0, -1.0, -1.0]
    x4 = torch.zeros(2, 3, 2, 2)
    assert rs.eval()(x4)[:, 1].eq(-1).all() and rs(x4)[:, 2].eq(1).all()


def test_ap2() -> None:
    z = torch.tensor([0.3, -3.0, 0.0, 1.0, 0.75, 5.0, -0.1], requires_grad=True)
    got = bnn.ap2(z)
    assert got.tolist() == [0.25, -4.0, 0.0, 1.0, 1.0, 4.0, -0.125]
    got.sum().backward()
    assert z.grad is not None and z.grad.tolist() == [1.0] * 7


def test_shift_batchnorm() -> None:
    torch.manual_seed(2)
    bn = bnn.ShiftBatchNorm1d(6)
    with torch.no_grad():
        bn.weight.copy_(torch.tensor([0.3, -0.7, 1.0, 2.5, 0.1, -1.0]))
        bn.bias.copy_(torch.linspace(-1, 1, 6))
    x = torch.randn(256, 6) * 3 + 2
    y = bn.train()(x)
    # normalised up to the power-of-two approximations: per-channel mean is beta
    assert torch.allclose(y.mean(0), bn.bias.detach(), atol=1e-5)
    for _ in range(60):
        bn(x)
    bn.eval()
    a, b = bn.eval_affine()
    mant, _ = np.frexp(np.abs(a.detach().numpy()))
    assert np.all(mant == 0.5), a  # every factor is a power of two
    assert torch.equal(bn(x), x * a + b)


def test_shift_batchnorm_cumulative_average() -> None:
    torch.manual_seed(6)
    bn = bnn.ShiftBatchNorm1d(3, momentum=None).train()
    xs = [torch.randn(32, 3) * (i + 1) + i for i in range(4)]
    for x in xs:
        bn(x)
    want = torch.stack([x.mean(0) for x in xs]).mean(0)
    assert bn.running_mean is not None and int(bn.num_batches_tracked) == 4
    assert torch.allclose(bn.running_mean, want, atol=1e-6)


def test_exact_batchnorm_matches_torch() -> None:
    torch.manual_seed(3)
    ref = nn.BatchNorm2d(4)
    ours = bnn.BatchNorm2d(4)
    x = torch.randn(16, 4, 3, 3) * 2 + 1
    for m in (ref, ours):
        with torch.no_grad():
            m.weight.copy_(torch.tensor([1.5, -0.5, 0.25, 2.0]))
        m.train()(x)
        m.eval()
    assert torch.equal(ours.train()(x), ref.train()(x))  # training: torch's own BN
    ours.eval()
    ref.eval()
    assert torch.allclose(ours(x), ref(x), rtol=1e-6, atol=1e-6)
    a, b = ours.eval_affine()
    assert torch.equal(ours(x), x * a.view(1, 4, 1, 1) + b.view(1, 4, 1, 1))


def test_shift_adamax_step() -> None:
    p = nn.Parameter(torch.tensor([0.5, -0.25, 0.0]))
    opt = bnn.ShiftAdaMax([p], lr=0.01, betas=(0.9, 0.999))
    grads = [torch.tensor([0.2, -0.4, 0.0]), torch.tensor([0.1, 0.3, -0.05])]
    m = torch.zeros(3)
    v = torch.zeros(3)
    want = p.detach().clone()
    for t, g in enumerate(grads, start=1):
        p.grad = g.clone()
        opt.step()
        m = 0.9 * m + 0.1 * g
        v = torch.maximum(0.999 * v, g.abs())
        step = bnn.ap2(torch.tensor(0.01 / (1 - 0.9**t))).item()
        want = want - step * (m * bnn.ap2(1.0 / (v + 1e-8)))
        assert torch.allclose(p.detach(), want, rtol=0, atol=1e-7)
    # the step sizes are powers of two: 0.01 / 0.1 = 0.1 -> 0.125 at t = 1
    assert bnn.ap2(torch.tensor(0.01 / 0.1)).item() == 0.125


def test_quant_input() -> None:
    q = bnn.QuantInput(5)
    assert q.int_type == "uint5" and q.range == (0, 31)
    x = torch.tensor([0.4, 3.6, 40.0, -2.0], requires_grad=True)
    y = q.train()(x)
    assert y.tolist() == [0.0, 4.0, 31.0, 0.0]
    y.sum().backward()
    assert x.grad is not None and x.grad.tolist() == [1.0] * 4
    q.eval()
    assert torch.equal(q(torch.tensor([0.0, 31.0])), torch.tensor([0.0, 31.0]))
    with pytest.raises(ValueError, match=r"integers in \[0, 31\]"):
        q(torch.tensor([0.5]))
    assert bnn.QuantInput(4, signed=True).range == (-8, 7)


def _mlp() -> nn.Module:
    torch.manual_seed(4)
    return nn.Sequential(
        bnn.QuantInput(4),
        bnn.BinaryLinear(12, 16, scale=True),
        bnn.BatchNorm1d(16),
        bnn.RSign(16),
        bnn.BinaryLinear(16, 5),
        bnn.ShiftBatchNorm1d(5),
    ).eval()


def _warm(model: nn.Module, x: torch.Tensor) -> nn.Module:
    model.train()
    with torch.no_grad():
        for _ in range(3):
            model(x)
        for m in model.modules():
            if isinstance(m, bnn.RSign):
                m.threshold.normal_(0.0, 1.0)
    return model.eval()


def _weights(m: onnx.ModelProto) -> list[np.ndarray]:
    """The weight constants of the graph's Gemm/MatMul/Conv nodes."""
    inits = {t.name: numpy_helper.to_array(t) for t in m.graph.initializer}
    return [
        inits[n.input[1]]
        for n in m.graph.node
        if n.op_type in ("Gemm", "MatMul", "Conv") and n.input[1] in inits
    ]


def test_export_graph_form(tmp_path: Path) -> None:
    x = torch.randint(0, 16, (32, 12)).float()
    model = _warm(_mlp(), x)
    before = {k: v.clone() for k, v in model.state_dict().items()}
    check = bnn.export_onnx(model, x, tmp_path / "m.onnx", input_name="px")
    assert check.sign_layers == 1 and check.sign_bits == 32 * 16
    assert check.sign_mismatches == 0 and check.max_output_diff == 0.0
    for k, v in model.state_dict().items():  # the model itself is untouched
        assert torch.equal(v, before[k]), k
    m = onnx.load(str(tmp_path / "m.onnx"))
    meta = {p.key: p.value for p in m.metadata_props}
    assert meta["bnn2hw.input_int"] == "uint4" and meta["bnn2hw.sign_at_zero"] == "+1"
    assert m.graph.input[0].name == "px"
    assert m.graph.input[0].type.tensor_type.shape.dim[0].dim_param == "batch"
    mats = _weights(m)
    assert len(mats) == 2
    for w in mats:
        assert set(np.unique(w).tolist()) == {-1.0, 1.0}  # +-1 constants, nothing folded in
    assert "Sign" not in {n.op_type for n in m.graph.node}
    assert len(bnn.sign_tensors(m)) == 1
    # deterministic: byte-identical on a second export
    bnn.export_onnx(model, x, tmp_path / "m2.onnx", input_name="px")
    assert (tmp_path / "m.onnx").read_bytes() == (tmp_path / "m2.onnx").read_bytes()


def test_export_refuses_nan_and_conflicts(tmp_path: Path) -> None:
    x = torch.randint(0, 16, (8, 12)).float()
    model = _warm(_mlp(), x)
    with torch.no_grad():
        model[2].running_var[3] = float("nan")
    with pytest.raises(ValueError, match=r"2\.running_var: non-finite"):
        bnn.export_onnx(model, x, tmp_path / "nan.onnx")
    assert not list(tmp_path.iterdir())  # nothing half-written
    model = _warm(_mlp(), x)
    with pytest.raises(ValueError, match="input_int='uint8' but the model declares"):
        bnn.export_onnx(model, x, tmp_path / "c.onnx", input_int="uint8")
    with pytest.raises(ValueError, match="integers in"):
        bnn.export_onnx(model, x + 0.5, tmp_path / "c.onnx")
    model[2] = bnn.BatchNorm1d(16, track_running_stats=False)
    with pytest.raises(ValueError, match="BatchNorm '2' has no running statistics"):
        bnn.export_onnx(model, x, tmp_path / "c.onnx")
    assert not list(tmp_path.iterdir())


def test_export_converts_torch_batchnorm(tmp_path: Path) -> None:
    """A model with torch.nn.BatchNorm exports through bnn2hw's exact BatchNorm: ±1 weights
    stay ±1 (the exporter would otherwise fold BN into them) and the check passes."""
    torch.manual_seed(5)
    model = nn.Sequential(
        bnn.BinaryLinear(10, 8), nn.BatchNorm1d(8), bnn.Sign(), bnn.BinaryLinear(8, 3)
    )
    x = bnn.sign(torch.randn(64, 10))
    model.train()(x)
    model.eval()
    check = bnn.export_onnx(model, x, tmp_path / "t.onnx", input_int=None)
    assert check.sign_mismatches == 0 and check.sign_bits == 64 * 8
    m = onnx.load(str(tmp_path / "t.onnx"))
    assert "BatchNormalization" not in {n.op_type for n in m.graph.node}
    mats = _weights(m)
    assert len(mats) == 2 and all(set(np.unique(w).tolist()) == {-1.0, 1.0} for w in mats)
