"""Binarization primitives for training: the sign convention, straight-through estimators,
stochastic binarization and the power-of-two approximation of the BNN paper.

The sign convention is defined here once: ``sign(x) = +1 if x >= 0 else -1`` (so ``sign(0) = +1``,
as QONNX ``BipolarQuant``, Larq and Brevitas; ``torch.sign(0) = 0`` is never used). Exported graphs
spell it ``Where(x >= 0, 1, -1)``, which leaves no tie to interpret.
"""

from __future__ import annotations

import torch

__all__ = [
    "ap2",
    "binarize",
    "binarize_weight",
    "hard_sigmoid",
    "sign",
    "sign_ste",
    "stochastic_sign_ste",
]


def sign(x: torch.Tensor) -> torch.Tensor:
    """+1 where x >= 0, else -1 (plain ops: what inference and the exported graph compute)."""
    return torch.where(x >= 0, 1.0, -1.0).to(x.dtype)


def hard_sigmoid(x: torch.Tensor) -> torch.Tensor:
    """clip((x + 1) / 2, 0, 1): the probability of +1 in stochastic binarization."""
    return ((x + 1.0) * 0.5).clamp(0.0, 1.0)


class _SignSTE(torch.autograd.Function):
    """sign(x) forward; saturating straight-through gradient: grad * 1{|x| <= 1}."""

    @staticmethod
    def forward(ctx: torch.autograd.function.FunctionCtx, x: torch.Tensor) -> torch.Tensor:
        ctx.save_for_backward(x)
        return sign(x)

    @staticmethod
    def backward(ctx: torch.autograd.function.FunctionCtx, grad: torch.Tensor) -> torch.Tensor:
        (x,) = ctx.saved_tensors  # type: ignore[attr-defined]
        return grad * (x.abs() <= 1).to(grad.dtype)


class _StochasticSignSTE(torch.autograd.Function):
    """+1 with probability hard_sigmoid(x), else -1; same straight-through gradient as sign."""

    @staticmethod
    def forward(
        ctx: torch.autograd.function.FunctionCtx,
        x: torch.Tensor,
        generator: torch.Generator | None,
    ) -> torch.Tensor:
        ctx.save_for_backward(x)
        u = torch.rand(x.shape, generator=generator, dtype=x.dtype, device=x.device)
        return torch.where(u < hard_sigmoid(x), 1.0, -1.0).to(x.dtype)

    @staticmethod
    def backward(
        ctx: torch.autograd.function.FunctionCtx, grad: torch.Tensor
    ) -> tuple[torch.Tensor, None]:
        (x,) = ctx.saved_tensors  # type: ignore[attr-defined]
        return grad * (x.abs() <= 1).to(grad.dtype), None


def sign_ste(x: torch.Tensor) -> torch.Tensor:
    """Deterministic sign with the saturating straight-through estimator (Courbariaux et al.)."""
    return _SignSTE.apply(x)  # type: ignore[no-any-return]


def stochastic_sign_ste(x: torch.Tensor, generator: torch.Generator | None = None) -> torch.Tensor:
    """Stochastic binarization (hard sigmoid probability) with the straight-through estimator."""
    return _StochasticSignSTE.apply(x, generator)  # type: ignore[no-any-return]


def binarize(
    x: torch.Tensor,
    training: bool,
    stochastic: bool = False,
    generator: torch.Generator | None = None,
) -> torch.Tensor:
    """A layer's binarizer: STE (optionally stochastic) while training, plain sign otherwise."""
    if not training:
        return sign(x)
    if stochastic:
        return stochastic_sign_ste(x, generator)
    return sign_ste(x)


def binarize_weight(
    w: torch.Tensor,
    training: bool,
    stochastic: bool = False,
    generator: torch.Generator | None = None,
) -> torch.Tensor:
    """Binarized latent weights: +-1 values, straight-through gradient to the latent weights."""
    if training and stochastic:
        return stochastic_sign_ste(w, generator)
    if training:
        return sign_ste(w)  # the gradient reaches latent weights in [-1, 1] (they are clipped)
    return sign(w)


class _AP2(torch.autograd.Function):
    """Power-of-two approximation AP2(z) = sign(z) * 2**round(log2|z|), AP2(0) = 0.

    The BNN paper's shift-based BatchNorm and AdaMax replace multiplications by shifts with it.
    The gradient is passed straight through (AP2 treated as the identity).
    """

    @staticmethod
    def forward(ctx: torch.autograd.function.FunctionCtx, z: torch.Tensor) -> torch.Tensor:
        mag = torch.exp2(torch.round(torch.log2(z.abs())))
        return torch.where(z == 0, torch.zeros_like(z), torch.sign(z) * mag)

    @staticmethod
    def backward(ctx: torch.autograd.function.FunctionCtx, grad: torch.Tensor) -> torch.Tensor:
        return grad


def ap2(z: torch.Tensor) -> torch.Tensor:
    """sign(z) * 2**round(log2|z|) (0 for 0), with a straight-through gradient."""
    return _AP2.apply(z)  # type: ignore[no-any-return]
