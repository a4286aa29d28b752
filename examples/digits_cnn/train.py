#!/usr/bin/env python3
"""Train a binarized CNN on scikit-learn's 8x8 digits with bnn2hw.nn and export it to ONNX.

Usage: python examples/digits_cnn/train.py [--out DIR] [--epochs N] [--lr LR] [--seed S]

Model (input: (N, 1, 8, 8) raw integer pixels 0..16, declared uint5):
    QuantInput(5)
    BinaryConv2d(1->32, 3x3, pad 1 with 0)                -> BatchNorm2d -> RSign   8x8
    BinaryConv2d(32->32, 3x3, pad 1 with +1, XNOR scale)  -> BatchNorm2d -> RSign   8x8
    MaxPool2d(2)                                                                   4x4
    BinaryConv2d(32->64, 3x3, pad 1 with -1, XNOR scale)  -> BatchNorm2d -> RSign   4x4
    MaxPool2d(2) -> Flatten                                                        2x2x64
    BinaryLinear(256->10)                                 -> BatchNorm1d           = logits

The first layer takes the integer pixels, so its border is 0 (an integer); the later layers take
+-1 activations, whose border must be +1 or -1 (a binary tensor cannot hold 0): one of each is
used here. RSign is ReActNet's sign with a learnable per-channel threshold; the XNOR-Net scale
multiplies each output channel by the mean |latent weight| (both fold into the thresholds).

A float CNN of the same shape (float Conv2d with zero padding, ReLU instead of the sign) is trained
the same way for comparison. Writes DIR/digits_cnn.onnx (input "pixels", output "logits",
checked bit for bit against PyTorch in onnxruntime) and DIR/test_set.npz (inputs float32
(450, 1, 8, 8), labels int64). Seeded and deterministic; CPU, 2 threads.
"""

from __future__ import annotations

import sys
from pathlib import Path

from torch import nn

from bnn2hw import nn as bnn

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
from digits_data import train_and_export  # noqa: E402

EPOCHS = 100
LR = 1e-2
THREADS = 2
C1, C2, C3 = 32, 32, 64


def bnn_cnn(*, shift_bn: bool = False, stochastic: bool = False) -> nn.Sequential:
    """The binarized CNN; ``shift_bn`` uses the BNN paper's shift-based BatchNorm and
    ``stochastic`` stochastic binarization of weights and activations while training."""
    bn2 = bnn.ShiftBatchNorm2d if shift_bn else bnn.BatchNorm2d
    bn1 = bnn.ShiftBatchNorm1d if shift_bn else bnn.BatchNorm1d
    s = stochastic
    return nn.Sequential(
        bnn.QuantInput(5),
        bnn.BinaryConv2d(1, C1, 3, padding=1, pad_value=0.0, stochastic=s),
        bn2(C1),
        bnn.RSign(C1, stochastic=s),
        bnn.BinaryConv2d(C1, C2, 3, padding=1, pad_value=+1.0, scale=True, stochastic=s),
        bn2(C2),
        bnn.RSign(C2, stochastic=s),
        nn.MaxPool2d(2),
        bnn.BinaryConv2d(C2, C3, 3, padding=1, pad_value=-1.0, scale=True, stochastic=s),
        bn2(C3),
        bnn.RSign(C3, stochastic=s),
        nn.MaxPool2d(2),
        nn.Flatten(),
        bnn.BinaryLinear(C3 * 4, 10, stochastic=s),
        bn1(10),
    )


def float_cnn() -> nn.Sequential:
    """Full-precision reference of the same shape: float weights, zero padding, ReLU."""
    return nn.Sequential(
        nn.Conv2d(1, C1, 3, padding=1, bias=False),
        bnn.BatchNorm2d(C1),
        nn.ReLU(),
        nn.Conv2d(C1, C2, 3, padding=1, bias=False),
        bnn.BatchNorm2d(C2),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Conv2d(C2, C3, 3, padding=1, bias=False),
        bnn.BatchNorm2d(C3),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Flatten(),
        nn.Linear(C3 * 4, 10, bias=False),
        bnn.BatchNorm1d(10),
    )


def main() -> None:
    train_and_export(
        "digits_cnn",
        __doc__ or "",
        HERE,
        float_cnn,
        bnn_cnn,
        images=True,
        epochs=EPOCHS,
        lr=LR,
        threads=THREADS,
    )


if __name__ == "__main__":
    main()
