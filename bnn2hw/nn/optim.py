"""Shift-based AdaMax (Courbariaux et al. 2016, Algorithm 4).

AdaMax with the two multiplications of its update replaced by power-of-two approximations
(shifts in hardware training):

    m_t = beta1 * m + (1 - beta1) * g
    v_t = max(beta2 * v, |g|)
    theta -= AP2(lr / (1 - beta1**t)) * (m_t * AP2(1 / v_t))
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

import torch

from bnn2hw.nn.functional import ap2

__all__ = ["ShiftAdaMax"]


class ShiftAdaMax(torch.optim.Optimizer):
    """AdaMax whose step size and 1/v factor are rounded to powers of two."""

    def __init__(
        self,
        params: Iterable[torch.Tensor] | Iterable[dict],
        lr: float = 2.0**-6,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
    ) -> None:
        if lr <= 0 or not 0 <= betas[0] < 1 or not 0 <= betas[1] < 1:
            raise ValueError(f"ShiftAdaMax: invalid lr {lr} or betas {betas}")
        super().__init__(params, {"lr": lr, "betas": betas, "eps": eps})

    @torch.no_grad()
    def step(self, closure: Callable[[], float] | None = None) -> float | None:  # type: ignore[override]
        loss = None
        if closure is not None:
            with torch.enable_grad():
                loss = closure()
        for group in self.param_groups:
            beta1, beta2 = group["betas"]
            for p in group["params"]:
                if p.grad is None:
                    continue
                state = self.state[p]
                if not state:
                    state["step"] = 0
                    state["m"] = torch.zeros_like(p)
                    state["v"] = torch.zeros_like(p)
                state["step"] += 1
                m, v = state["m"], state["v"]
                m.mul_(beta1).add_(p.grad, alpha=1 - beta1)
                torch.maximum(v * beta2, p.grad.abs(), out=v)
                step = ap2(torch.tensor(group["lr"] / (1 - beta1 ** state["step"]))).item()
                p.sub_(m * ap2(1.0 / (v + group["eps"])), alpha=step)
        return loss
