"""Binarized layers for training (PyTorch): binary Linear/Conv2d with latent real weights, sign
activations (deterministic, stochastic, or with a learnable per-channel threshold), an exact
BatchNorm, the BNN paper's shift-based BatchNorm, and the integer input of a first layer.

Every module computes, in eval mode, exactly the float32 expression its exported ONNX computes
(``bnn2hw.nn.export_onnx``): binary weights as +-1 constants, per-channel factors as ``Mul``,
offsets as ``Add``/``Sub``, and the sign as ``Where(x >= 0, 1, -1)``. So the compiled hardware
can be checked bit for bit against the PyTorch model itself.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from bnn2hw.nn.functional import ap2, binarize, binarize_weight

__all__ = [
    "BatchNorm1d",
    "BatchNorm2d",
    "BinaryConv2d",
    "BinaryLinear",
    "QuantInput",
    "RSign",
    "ShiftBatchNorm1d",
    "ShiftBatchNorm2d",
    "Sign",
    "binary_layers",
    "clip_weights",
]


def _per_channel(v: torch.Tensor, ndim: int) -> torch.Tensor:
    """A (C,) vector shaped to broadcast over dimension 1 of an ndim-dimensional NC... tensor."""
    return v.reshape((1, -1) + (1,) * (ndim - 2))


# --------------------------------------------------------------------------- activations


class Sign(nn.Module):
    """sign(x) = +1 where x >= 0, else -1, with the saturating straight-through estimator.

    Args:
        stochastic: while training, +1 with probability hard_sigmoid(x) (Courbariaux et al.);
            eval and export are always deterministic.
    """

    def __init__(self, stochastic: bool = False) -> None:
        super().__init__()
        self.stochastic = stochastic

    def pre_sign(self, x: torch.Tensor) -> torch.Tensor:
        """The value compared with 0 (x itself; RSign subtracts its threshold)."""
        return x

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return binarize(self.pre_sign(x), self.training, self.stochastic)

    def extra_repr(self) -> str:
        return "stochastic=True" if self.stochastic else ""


class RSign(Sign):
    """ReActNet's RSign: sign(x - b_c) with a learnable threshold b per channel (dimension 1)."""

    def __init__(self, channels: int, stochastic: bool = False) -> None:
        super().__init__(stochastic)
        self.threshold = nn.Parameter(torch.zeros(channels))

    def pre_sign(self, x: torch.Tensor) -> torch.Tensor:
        return x - _per_channel(self.threshold, x.ndim)

    def extra_repr(self) -> str:
        return f"channels={self.threshold.numel()}" + (
            ", stochastic=True" if self.stochastic else ""
        )


class QuantInput(nn.Module):
    """Declares the model input as integers (a first layer taking e.g. raw pixels).

    Training rounds and clamps to the integer range with a straight-through gradient; in eval it
    checks instead that inputs are already on the grid (the hardware takes integers). The export
    records the type as the ONNX metadata ``bnn2hw.input_int`` that the compiler reads.

    Args:
        bits: integer width; signed: two's complement range instead of 0..2**bits-1.
    """

    def __init__(self, bits: int, signed: bool = False) -> None:
        super().__init__()
        if not 1 <= bits <= 16:
            raise ValueError(f"QuantInput: bits must be 1..16, got {bits}")
        self.bits = bits
        self.signed = signed

    @property
    def int_type(self) -> str:
        return f"{'int' if self.signed else 'uint'}{self.bits}"

    @property
    def range(self) -> tuple[int, int]:
        if self.signed:
            return -(1 << (self.bits - 1)), (1 << (self.bits - 1)) - 1
        return 0, (1 << self.bits) - 1

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        lo, hi = self.range
        if self.training:
            q = x.round().clamp(lo, hi)
            return x + (q - x).detach()
        if not torch.compiler.is_exporting():
            bad = (x != x.round()) | (x < lo) | (x > hi)
            if bool(bad.any()):
                raise ValueError(
                    f"QuantInput({self.int_type}): inputs must be integers in [{lo}, {hi}]; "
                    f"got e.g. {x[bad].flatten()[0].item():g}"
                )
        return x

    def extra_repr(self) -> str:
        return self.int_type


# --------------------------------------------------------------------------- binary weights


class _BinaryWeights(nn.Module):
    """Latent real weights in [-1, 1], binarized in the forward pass; optional XNOR-Net scale.

    ``freeze_()`` (used by the export) replaces the latent weights by their +-1 values and fixes
    the scale, so the exported graph holds +-1 constants and a per-channel ``Mul``.
    """

    weight: torch.Tensor
    alpha: torch.Tensor | None

    def _init_binary(self, scale: bool, stochastic: bool) -> None:
        self.scale = scale
        self.stochastic = stochastic
        self.frozen = False
        nn.init.uniform_(self.weight, -1.0, 1.0)
        self.register_buffer("alpha", None)

    def binary_weight(self) -> torch.Tensor:
        if self.frozen:
            return self.weight
        return binarize_weight(self.weight, self.training, self.stochastic)

    def channel_scale(self) -> torch.Tensor | None:
        """XNOR-Net's per-output-channel factor: mean |latent weight| of the channel's row."""
        if not self.scale:
            return None
        if self.frozen:
            return self.alpha
        return self.weight.abs().flatten(1).mean(dim=1)

    def scaled(self, y: torch.Tensor) -> torch.Tensor:
        a = self.channel_scale()
        return y if a is None else y * _per_channel(a, y.ndim)

    @torch.no_grad()
    def clip_(self) -> None:
        """Clip the latent weights to [-1, 1] (call after every optimizer step)."""
        if not self.frozen:
            self.weight.clamp_(-1.0, 1.0)

    @torch.no_grad()
    def freeze_(self) -> None:
        """Replace the latent weights by +-1 and fix the scale (for export; not reversible)."""
        if self.frozen:
            return
        a = self.channel_scale()
        self.alpha = None if a is None else a.detach().clone()
        self.weight.copy_(binarize_weight(self.weight, training=False))
        self.frozen = True


class BinaryLinear(_BinaryWeights, nn.Linear):
    """Linear layer with +-1 weights (latent real weights while training).

    Args:
        scale: multiply each output channel by alpha = mean |w| of its latent weights (XNOR-Net).
        stochastic: binarize the weights stochastically while training.
        bias: a float bias after the (scaled) product; usually left to the BatchNorm.
    """

    def __init__(
        self,
        in_features: int,
        out_features: int,
        bias: bool = False,
        scale: bool = False,
        stochastic: bool = False,
    ) -> None:
        nn.Linear.__init__(self, in_features, out_features, bias=bias)
        self._init_binary(scale, stochastic)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = self.scaled(F.linear(x, self.binary_weight()))
        return y if self.bias is None else y + self.bias

    def extra_repr(self) -> str:
        return super().extra_repr() + (", scale=True" if self.scale else "")


class BinaryConv2d(_BinaryWeights, nn.Conv2d):
    """2-D convolution with +-1 weights.

    Args:
        padding: border width on every side.
        pad_value: the value of the border: -1 or +1 for binary inputs (a binary tensor cannot
            hold 0), 0 for an integer first layer. Exported as an explicit ``Pad``.
        scale, stochastic, bias: as for BinaryLinear.
    """

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: int,
        stride: int = 1,
        padding: int = 0,
        pad_value: float = -1.0,
        bias: bool = False,
        scale: bool = False,
        stochastic: bool = False,
    ) -> None:
        if pad_value not in (-1.0, 0.0, 1.0):
            raise ValueError(f"BinaryConv2d: pad_value must be -1, 0 or +1, got {pad_value}")
        nn.Conv2d.__init__(
            self, in_channels, out_channels, kernel_size, stride=stride, padding=0, bias=bias
        )
        self.pad = padding
        self.pad_value = float(pad_value)
        self._init_binary(scale, stochastic)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.pad:
            x = F.pad(x, (self.pad,) * 4, value=self.pad_value)
        y = self.scaled(F.conv2d(x, self.binary_weight(), None, self.stride))
        return y if self.bias is None else y + _per_channel(self.bias, y.ndim)

    def extra_repr(self) -> str:
        s = super().extra_repr()
        if self.pad:
            s += f", pad={self.pad}, pad_value={self.pad_value:g}"
        return s + (", scale=True" if self.scale else "")


# --------------------------------------------------------------------------- batch norm


class _ExactBatchNorm(nn.modules.batchnorm._BatchNorm):
    """BatchNorm whose eval forward is ``x * a + b`` with per-channel float32 a and b.

    a = gamma / sqrt(var + eps) and b = beta - mean * a, computed once in the same order by the
    model and by the export, so onnxruntime, the compiler's threshold derivation and PyTorch
    evaluate the very same float expression (torch's own kernel rounds differently).
    """

    frozen_affine: tuple[torch.Tensor, torch.Tensor] | None = None

    def eval_affine(self) -> tuple[torch.Tensor, torch.Tensor]:
        if self.frozen_affine is not None:
            return self.frozen_affine
        assert self.running_var is not None and self.running_mean is not None
        a = self.factor()
        b = -self.running_mean * a
        if self.bias is not None:
            b = self.bias + b
        return a, b

    def factor(self) -> torch.Tensor:
        assert self.running_var is not None
        a = torch.rsqrt(self.running_var + self.eps)
        return a if self.weight is None else self.weight * a

    @torch.no_grad()
    def freeze_(self) -> None:
        a, b = self.eval_affine()
        self.frozen_affine = (a.detach().clone(), b.detach().clone())

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.training or not self.track_running_stats:
            return self.train_forward(x)
        a, b = self.eval_affine()
        return x * _per_channel(a, x.ndim) + _per_channel(b, x.ndim)

    def train_forward(self, x: torch.Tensor) -> torch.Tensor:
        return super().forward(x)


class BatchNorm1d(_ExactBatchNorm, nn.BatchNorm1d):
    """nn.BatchNorm1d with an exactly exportable eval forward (see _ExactBatchNorm)."""


class BatchNorm2d(_ExactBatchNorm, nn.BatchNorm2d):
    """nn.BatchNorm2d with an exactly exportable eval forward (see _ExactBatchNorm)."""


class _ShiftBatchNorm(_ExactBatchNorm):
    """Shift-based BatchNorm (Courbariaux et al. 2016, Algorithm 3): powers of two replace the
    multiplications. Training: C = x - mean, var = mean(C * AP2(C)),
    y = AP2(gamma) * (C * AP2(1 / sqrt(var + eps))) + beta. Eval: the same with running
    statistics, a power-of-two factor per channel.
    """

    def factor(self) -> torch.Tensor:
        assert self.running_var is not None
        a = ap2(torch.rsqrt(self.running_var + self.eps))
        return a if self.weight is None else ap2(self.weight) * a

    def train_forward(self, x: torch.Tensor) -> torch.Tensor:
        dims = [0, *list(range(2, x.ndim))]
        mean = x.mean(dim=dims)
        c = x - _per_channel(mean, x.ndim)
        var = (c * ap2(c)).mean(dim=dims)
        y = c * _per_channel(ap2(torch.rsqrt(var + self.eps)), x.ndim)
        if self.weight is not None:
            y = y * _per_channel(ap2(self.weight), x.ndim)
        if self.bias is not None:
            y = y + _per_channel(self.bias, x.ndim)
        if self.track_running_stats:
            assert self.running_mean is not None and self.running_var is not None
            with torch.no_grad():
                if self.num_batches_tracked is not None:
                    self.num_batches_tracked.add_(1)
                m = self.momentum
                if m is None:  # cumulative moving average, as torch's BatchNorm
                    assert self.num_batches_tracked is not None
                    m = 1.0 / float(self.num_batches_tracked)
                n = x.numel() // x.shape[1]
                self.running_mean.mul_(1 - m).add_(mean.detach(), alpha=m)
                self.running_var.mul_(1 - m).add_(var.detach() * n / max(n - 1, 1), alpha=m)
        return y


class ShiftBatchNorm1d(_ShiftBatchNorm, nn.BatchNorm1d):
    """Shift-based BatchNorm over (N, C) or (N, C, L)."""


class ShiftBatchNorm2d(_ShiftBatchNorm, nn.BatchNorm2d):
    """Shift-based BatchNorm over (N, C, H, W)."""


# --------------------------------------------------------------------------- model helpers


def binary_layers(model: nn.Module) -> list[_BinaryWeights]:
    """The binary Linear/Conv2d layers of a model, in module order."""
    return [m for m in model.modules() if isinstance(m, _BinaryWeights)]


def clip_weights(model: nn.Module) -> None:
    """Clip every binary layer's latent weights to [-1, 1]; call after each optimizer step."""
    for m in binary_layers(model):
        m.clip_()


def _check_finite(name: str, v: torch.Tensor) -> None:
    if not bool(torch.isfinite(v).all()):
        raise ValueError(f"{name}: non-finite values (NaN or inf); retrain or check the data")


def check_finite(model: nn.Module) -> None:
    """Refuse a model with NaN/inf parameters or BatchNorm statistics (before export)."""
    for name, p in model.named_parameters():
        _check_finite(name, p)
    for name, b in model.named_buffers():
        if b.is_floating_point():
            _check_finite(name, b)
