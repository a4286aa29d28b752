#!/usr/bin/env python3
"""Train a binarized MLP on scikit-learn's 8x8 digits with bnn2hw.nn and export it to ONNX.

Usage: python examples/digits_mlp/train.py [--out DIR] [--epochs N] [--lr LR] [--seed S]

Model (input: 64 raw integer pixels 0..16, declared uint5; no normalisation inside the model):
    QuantInput(5)
    BinaryLinear(64->256)  -> BatchNorm1d -> Sign
    BinaryLinear(256->256) -> BatchNorm1d -> Sign
    BinaryLinear(256->10)  -> BatchNorm1d               = logits

A full-precision MLP of the same shape (float Linear, ReLU instead of Sign) is trained the same
way for comparison. Writes DIR/digits_mlp.onnx (input "pixels", output "logits", checked bit for
bit against PyTorch in onnxruntime) and DIR/test_set.npz (held-out inputs float32 (450, 64),
labels int64). Seeded and deterministic; CPU, 2 threads.
"""

from __future__ import annotations

import sys
from pathlib import Path

from torch import nn

from bnn2hw import nn as bnn

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
from digits_data import train_and_export  # noqa: E402

HIDDEN = 256
EPOCHS = 200
LR = 1e-2
THREADS = 2


def bnn_mlp(
    hidden: int = HIDDEN, *, shift_bn: bool = False, stochastic: bool = False
) -> nn.Sequential:
    """The binarized MLP; ``shift_bn`` uses the BNN paper's shift-based BatchNorm and
    ``stochastic`` stochastic binarization of weights and activations while training."""
    bn = bnn.ShiftBatchNorm1d if shift_bn else bnn.BatchNorm1d
    return nn.Sequential(
        bnn.QuantInput(5),
        bnn.BinaryLinear(64, hidden, stochastic=stochastic),
        bn(hidden),
        bnn.Sign(stochastic=stochastic),
        bnn.BinaryLinear(hidden, hidden, stochastic=stochastic),
        bn(hidden),
        bnn.Sign(stochastic=stochastic),
        bnn.BinaryLinear(hidden, 10, stochastic=stochastic),
        bn(10),
    )


def float_mlp(hidden: int = HIDDEN) -> nn.Sequential:
    """Full-precision reference of the same shape: float weights, ReLU instead of Sign."""
    return nn.Sequential(
        nn.Linear(64, hidden, bias=False),
        bnn.BatchNorm1d(hidden),
        nn.ReLU(),
        nn.Linear(hidden, hidden, bias=False),
        bnn.BatchNorm1d(hidden),
        nn.ReLU(),
        nn.Linear(hidden, 10, bias=False),
        bnn.BatchNorm1d(10),
    )


def main() -> None:
    train_and_export(
        "digits_mlp",
        __doc__ or "",
        HERE,
        float_mlp,
        bnn_mlp,
        images=False,
        epochs=EPOCHS,
        lr=LR,
        threads=THREADS,
    )


if __name__ == "__main__":
    main()
