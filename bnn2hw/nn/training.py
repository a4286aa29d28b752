"""A small, seeded, deterministic CPU training loop for classifiers built from bnn2hw.nn layers.

    model = torch.nn.Sequential(bnn.QuantInput(5), bnn.BinaryLinear(64, 256), ...)
    bnn.fit(model, x_train, y_train, epochs=100, lr=1e-2, seed=0)
    print(bnn.accuracy(model, x_test, y_test))

``fit`` shuffles with its own seeded generator, drops the last partial batch (so BatchNorm never
sees a batch of one or two), clips every binary layer's latent weights to [-1, 1] after each
optimizer step and anneals the learning rate on a cosine schedule. With the same model
initialisation, data, seed and number of torch threads, two runs give identical weights (see
``deterministic``). Full-precision models (plain torch layers) train with the same loop.
"""

from __future__ import annotations

import math
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from bnn2hw.nn.layers import clip_weights
from bnn2hw.nn.optim import ShiftAdaMax

__all__ = ["EpochLog", "OptimizerName", "accuracy", "deterministic", "fit", "predict"]

OptimizerName = Literal["adam", "adamax", "shift-adamax"]
OPTIMIZERS: tuple[str, ...] = ("adam", "adamax", "shift-adamax")


@dataclass(frozen=True)
class EpochLog:
    """What ``fit`` reports to its ``on_epoch`` callback after each epoch."""

    epoch: int  # 1-based
    epochs: int
    loss: float  # mean training loss over the epoch's batches
    lr: float  # learning rate used during the epoch
    seconds: float  # wall time since fit started


def deterministic(seed: int = 0, threads: int | None = None) -> None:
    """Seed Python, NumPy and torch, make torch pick deterministic kernels, fix the threads.

    Call once before building a model: the model's initialisation then depends only on the seed.
    Results still depend on the number of torch threads (float sums are reordered), so scripts
    that promise reproducible output fix it (``threads``).
    """
    if threads is not None:
        torch.set_num_threads(threads)
    torch.use_deterministic_algorithms(True)
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


def _as_tensor(a: torch.Tensor | np.ndarray, dtype: torch.dtype) -> torch.Tensor:
    t = a if isinstance(a, torch.Tensor) else torch.from_numpy(np.ascontiguousarray(a))
    return t.to(dtype)


def _optimizer(
    name: str, params: list[nn.Parameter], lr: float, weight_decay: float
) -> torch.optim.Optimizer:
    if name == "adam":
        return torch.optim.Adam(params, lr=lr, weight_decay=weight_decay)
    if name == "adamax":
        return torch.optim.Adamax(params, lr=lr, weight_decay=weight_decay)
    if name == "shift-adamax":
        if weight_decay:
            raise ValueError("fit: shift-adamax has no weight decay")
        return ShiftAdaMax(params, lr=lr)
    raise ValueError(f"fit: optimizer must be one of {', '.join(OPTIMIZERS)}; got {name!r}")


def fit(
    model: nn.Module,
    x: torch.Tensor | np.ndarray,
    y: torch.Tensor | np.ndarray,
    *,
    epochs: int,
    lr: float,
    batch: int = 64,
    seed: int = 0,
    optimizer: OptimizerName = "adam",
    weight_decay: float = 0.0,
    schedule: Literal["cosine", "constant"] = "cosine",
    on_epoch: Callable[[EpochLog], None] | None = None,
) -> nn.Module:
    """Train a classifier with cross-entropy on (x, y) and return it in eval mode.

    Args:
        model: maps a batch of x to logits (N, classes); trained in place.
        x: inputs (N, ...), converted to float32; y: integer class labels (N,).
        epochs: passes over the data; each visits floor(N / batch) shuffled batches (the last
            partial batch is dropped so that BatchNorm statistics come from full batches).
        lr: initial learning rate; with ``schedule="cosine"`` it decays to 0 over the epochs
            (cosine annealing, stepped once per epoch).
        batch: batch size (<= N).
        seed: seeds the shuffling and torch's global generator (stochastic binarization draws
            from it), so a run is reproducible given the model's initial state.
        optimizer: "adam", "adamax" (torch) or "shift-adamax" (``ShiftAdaMax``, the BNN
            paper's power-of-two AdaMax).
        weight_decay: L2 penalty of Adam/AdaMax (0 by default; binary weights rarely want it).
        on_epoch: called after each epoch with an ``EpochLog`` (e.g. to print progress).

    After every optimizer step the latent weights of every binary layer are clipped to [-1, 1]
    (``clip_weights``); plain torch layers are left alone.
    """
    if epochs < 1 or lr <= 0:
        raise ValueError(f"fit: epochs must be >= 1 and lr > 0; got {epochs}, {lr}")
    xt = _as_tensor(x, torch.float32)
    yt = _as_tensor(y, torch.int64)
    n = int(xt.shape[0])
    if int(yt.shape[0]) != n:
        raise ValueError(f"fit: {n} inputs but {int(yt.shape[0])} labels")
    if not 1 <= batch <= n:
        raise ValueError(f"fit: batch must be 1..{n}; got {batch}")
    params = [p for p in model.parameters() if p.requires_grad]
    opt = _optimizer(optimizer, params, lr, weight_decay)
    sched: torch.optim.lr_scheduler.LRScheduler | None = None
    if schedule == "cosine":
        sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=epochs)
    elif schedule != "constant":
        raise ValueError(f"fit: schedule must be 'cosine' or 'constant'; got {schedule!r}")
    gen = torch.Generator().manual_seed(seed)
    torch.manual_seed(seed)
    t0 = time.perf_counter()
    for epoch in range(1, epochs + 1):
        model.train()
        lr_now = float(opt.param_groups[0]["lr"])
        perm = torch.randperm(n, generator=gen)
        total, steps = 0.0, 0
        for i in range(0, n - batch + 1, batch):
            idx = perm[i : i + batch]
            loss = F.cross_entropy(model(xt[idx]), yt[idx])
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            clip_weights(model)
            total += float(loss.detach())
            steps += 1
        if not math.isfinite(total):
            raise FloatingPointError(f"fit: the loss became {total} in epoch {epoch}")
        if sched is not None:
            sched.step()
        if on_epoch is not None:
            on_epoch(EpochLog(epoch, epochs, total / steps, lr_now, time.perf_counter() - t0))
    model.eval()
    return model


@torch.no_grad()
def predict(model: nn.Module, x: torch.Tensor | np.ndarray, batch: int = 1024) -> np.ndarray:
    """The model's eval-mode outputs on x (float32 inputs), as a NumPy array."""
    was_training = model.training
    model.eval()
    xt = _as_tensor(x, torch.float32)
    if int(xt.shape[0]) == 0:
        raise ValueError("predict: no inputs")
    try:
        outs = [model(xt[i : i + batch]) for i in range(0, int(xt.shape[0]), batch)]
    finally:
        model.train(was_training)
    return torch.cat(outs).numpy()


def accuracy(model: nn.Module, x: torch.Tensor | np.ndarray, y: torch.Tensor | np.ndarray) -> float:
    """Fraction of x whose eval-mode argmax equals the label y (top-1 accuracy)."""
    labels = _as_tensor(y, torch.int64).numpy()
    return float((predict(model, x).argmax(axis=1) == labels).mean())
