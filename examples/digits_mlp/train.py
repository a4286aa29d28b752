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

import argparse
import sys
import time
from pathlib import Path

import torch
from torch import nn

from bnn2hw import nn as bnn

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
from digits_data import (  # noqa: E402
    describe_onnx,
    load_digits_split,
    save_test_set,
)

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
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=HERE, help="output directory (default: script dir)")
    ap.add_argument("--epochs", type=int, default=EPOCHS)
    ap.add_argument("--lr", type=float, default=LR, help="initial Adam learning rate (cosine)")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    t_start = time.perf_counter()

    x_tr, x_te, y_tr, y_te = load_digits_split()
    print(f"digits: {len(x_tr)} train / {len(x_te)} test, seed {args.seed}, {args.epochs} epochs")

    t0 = time.perf_counter()
    bnn.deterministic(args.seed, threads=THREADS)
    fmodel = bnn.fit(float_mlp(), x_tr, y_tr, epochs=args.epochs, lr=args.lr, seed=args.seed)
    t_float = time.perf_counter() - t0
    float_acc = bnn.accuracy(fmodel, x_te, y_te)

    t0 = time.perf_counter()
    bnn.deterministic(args.seed, threads=THREADS)
    model = bnn.fit(bnn_mlp(), x_tr, y_tr, epochs=args.epochs, lr=args.lr, seed=args.seed)
    t_bnn = time.perf_counter() - t0
    bnn_acc = bnn.accuracy(model, x_te, y_te)
    print(
        f"test accuracy: BNN {bnn_acc:.2%} ({t_bnn:.1f} s), float {float_acc:.2%} ({t_float:.1f} s)"
    )

    args.out.mkdir(parents=True, exist_ok=True)
    onnx_path = args.out / "digits_mlp.onnx"
    check = bnn.export_onnx(
        model, torch.from_numpy(x_te), onnx_path, input_name="pixels", output_name="logits"
    )
    print(f"wrote {onnx_path}; onnxruntime vs PyTorch on the test set: {check.describe()}")
    print(describe_onnx(onnx_path))
    npz_path = args.out / "test_set.npz"
    save_test_set(npz_path, x_te, y_te)
    print(f"wrote {npz_path} (inputs {x_te.shape} float32, labels {y_te.shape} int64)")
    print(f"total {time.perf_counter() - t_start:.1f} s")


if __name__ == "__main__":
    main()
