#!/usr/bin/env python3
"""Ablation: what the BNN paper's shift-based BatchNorm and shift-based AdaMax (and stochastic
binarization) cost in test accuracy on the digits MLP and CNN examples.

Usage: python examples/shift_ablation.py [--seeds 0,1] [--epochs-scale F] [--only mlp|cnn]

Every variant trains the example's own model (examples/digits_mlp/train.py: bnn_mlp,
examples/digits_cnn/train.py: bnn_cnn) with bnn2hw.nn.fit, the example's epochs and learning rate
(times --epochs-scale), the same fixed split and the same seeds; only the BatchNorm class, the
optimizer or the binarizer changes:

    baseline             BatchNorm       + Adam         deterministic sign
    ShiftBN              ShiftBatchNorm  + Adam
    AdaMax               BatchNorm       + AdaMax       (torch's: AdaMax without the shifts)
    ShiftAdaMax          BatchNorm       + ShiftAdaMax
    ShiftBN+ShiftAdaMax  ShiftBatchNorm  + ShiftAdaMax
    stochastic           BatchNorm       + Adam         stochastic binarization while training

Prints one Markdown table: test accuracy per variant and model (mean over the seeds, then each
seed), and the training time. CPU, 2 threads, deterministic.
"""

from __future__ import annotations

import argparse
import importlib.util
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

from torch import nn

from bnn2hw import nn as bnn
from bnn2hw.nn.training import OptimizerName

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from digits_data import load_digits_split  # noqa: E402


def _load(name: str, path: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@dataclass(frozen=True)
class Variant:
    name: str
    shift_bn: bool = False
    optimizer: OptimizerName = "adam"
    stochastic: bool = False


VARIANTS = (
    Variant("baseline (BatchNorm + Adam)"),
    Variant("ShiftBatchNorm + Adam", shift_bn=True),
    Variant("BatchNorm + AdaMax", optimizer="adamax"),
    Variant("BatchNorm + ShiftAdaMax", optimizer="shift-adamax"),
    Variant("ShiftBatchNorm + ShiftAdaMax", shift_bn=True, optimizer="shift-adamax"),
    Variant("stochastic binarization (BatchNorm + Adam)", stochastic=True),
)


@dataclass(frozen=True)
class Example:
    name: str
    build: Callable[..., nn.Module]
    images: bool
    epochs: int
    lr: float


def examples() -> list[Example]:
    mlp = _load("digits_mlp_train", HERE / "digits_mlp" / "train.py")
    cnn = _load("digits_cnn_train", HERE / "digits_cnn" / "train.py")
    return [
        Example("MLP", mlp.bnn_mlp, False, mlp.EPOCHS, mlp.LR),
        Example("CNN", cnn.bnn_cnn, True, cnn.EPOCHS, cnn.LR),
    ]


def run(ex: Example, v: Variant, seed: int, epochs: int) -> tuple[float, float]:
    """(test accuracy, training seconds) of one variant and seed."""
    x_tr, x_te, y_tr, y_te = load_digits_split(images=ex.images)
    bnn.deterministic(seed, threads=2)
    model = ex.build(shift_bn=v.shift_bn, stochastic=v.stochastic)
    t0 = time.perf_counter()
    bnn.fit(model, x_tr, y_tr, epochs=epochs, lr=ex.lr, seed=seed, optimizer=v.optimizer)
    return bnn.accuracy(model, x_te, y_te), time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", default="0,1", help="comma list of seeds (default 0,1)")
    ap.add_argument(
        "--epochs-scale", type=float, default=1.0, help="fraction of each example's epochs"
    )
    ap.add_argument("--only", choices=("mlp", "cnn"), help="one example only")
    args = ap.parse_args()
    seeds = [int(s) for s in args.seeds.split(",")]
    t_start = time.perf_counter()

    exs = [e for e in examples() if args.only is None or e.name.lower() == args.only]
    acc: dict[tuple[str, str], list[float]] = {}
    secs: dict[str, float] = {}
    for ex in exs:
        epochs = max(1, round(ex.epochs * args.epochs_scale))
        print(f"{ex.name}: {epochs} epochs, lr {ex.lr:g}, seeds {seeds}", flush=True)
        t_ex = time.perf_counter()
        for v in VARIANTS:
            for seed in seeds:
                a, s = run(ex, v, seed, epochs)
                acc.setdefault((ex.name, v.name), []).append(a)
                print(f"  {v.name:45s} seed {seed}: {a:.2%} ({s:.1f} s)", flush=True)
        secs[ex.name] = time.perf_counter() - t_ex

    def cell(values: list[float]) -> str:
        each = " / ".join(f"{a:.2%}" for a in values)
        return f"{statistics.mean(values):.2%} ({each})" if len(values) > 1 else each

    head = " | ".join(f"{e.name} test accuracy" for e in exs)
    print(f"\ntest accuracy, mean over seeds {seeds} (each seed in parentheses)\n")
    print(f"| variant | {head} |")
    print("|---|" + "---|" * len(exs))
    for v in VARIANTS:
        print(f"| {v.name} | " + " | ".join(cell(acc[(e.name, v.name)]) for e in exs) + " |")
    times = ", ".join(f"{e.name} {secs[e.name]:.0f} s" for e in exs)
    print(f"\ntraining time: {times}; total {time.perf_counter() - t_start:.0f} s")


if __name__ == "__main__":
    main()
