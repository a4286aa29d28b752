"""Shared by the digits examples: the fixed train/test split of scikit-learn's 8x8 digits, the
held-out test set file, and a printable summary of an exported ONNX graph.

The training scripts import it after putting examples/ on sys.path (their command line is
:func:`train_and_export`):

    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from digits_data import load_digits_split

The split is always ``train_test_split(x, y, test_size=0.25, random_state=0, stratify=y)`` of
``sklearn.datasets.load_digits`` (1797 images, bundled with scikit-learn: nothing downloads):
1347 training and 450 test images. Pixels stay raw integers 0..16 (float32), the values the
hardware takes (the models declare them with ``QuantInput(5)``).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

IMAGE_SHAPE = (1, 8, 8)


def load_digits_split(
    images: bool = False,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(x_train, x_test, y_train, y_test): pixels float32 (N, 64), or (N, 1, 8, 8) with
    ``images=True``, integers 0..16; labels int64."""
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    digits = load_digits()
    x = digits.data.astype(np.float32)
    y = digits.target.astype(np.int64)
    x_tr, x_te, y_tr, y_te = train_test_split(x, y, test_size=0.25, random_state=0, stratify=y)
    if images:
        x_tr = x_tr.reshape(-1, *IMAGE_SHAPE)
        x_te = x_te.reshape(-1, *IMAGE_SHAPE)
    return x_tr, x_te, y_tr, y_te


def save_test_set(path: Path, x_test: np.ndarray, y_test: np.ndarray) -> None:
    """Write ``inputs`` (float32) and ``labels`` (int64) to an .npz (byte-identical per content)."""
    np.savez_compressed(
        path, inputs=np.ascontiguousarray(x_test, np.float32), labels=y_test.astype(np.int64)
    )


def describe_onnx(path: Path) -> str:
    """One line per node: op, inputs (constants with their shape or value), outputs; then the
    metadata. Weight matrices and kernels are checked to hold only +-1."""
    import onnx
    from onnx import numpy_helper

    m = onnx.load(str(path))
    consts = {t.name: numpy_helper.to_array(t) for t in m.graph.initializer}
    for node in m.graph.node:
        if node.op_type == "Constant":
            for a in node.attribute:
                if a.name == "value":
                    consts[node.output[0]] = numpy_helper.to_array(a.t)

    def dims(vi: onnx.ValueInfoProto) -> str:
        return "x".join(str(d.dim_param or d.dim_value) for d in vi.type.tensor_type.shape.dim)

    def arg(name: str) -> str:
        if name not in consts:
            return name
        a = consts[name]
        if a.size == 1:
            return f"{a.item():g}"
        kind = "±1 " if a.ndim >= 2 and np.all(np.abs(a) == 1) else ""
        return f"{kind}{name}[{'x'.join(map(str, a.shape))}]"

    lines = [f"input {i.name}: {dims(i)}" for i in m.graph.input]
    for node in m.graph.node:
        if node.op_type == "Constant":
            continue
        args = ", ".join(arg(n) for n in node.input)
        attrs = [
            f"{a.name}={onnx.helper.get_attribute_value(a)}"
            for a in node.attribute
            if a.name in ("pads", "kernel_shape", "strides", "mode")
        ]
        extra = f" [{', '.join(attrs)}]" if attrs else ""
        lines.append(f"{node.op_type}({args}){extra} -> {', '.join(node.output)}")
    lines += [f"output {o.name}: {dims(o)}" for o in m.graph.output]
    lines.append("metadata: " + ", ".join(f"{p.key}={p.value}" for p in m.metadata_props))
    return "\n".join(lines)


def train_and_export(
    name: str,
    doc: str,
    here: Path,
    float_model: Callable[[], Any],
    bnn_model: Callable[[], Any],
    *,
    images: bool,
    epochs: int,
    lr: float,
    threads: int,
) -> None:
    """A training script's command line (``--out --epochs --lr --seed``): train the float
    reference and the BNN on the fixed split (each seeded the same way), print both test
    accuracies, export the BNN to OUT/<name>.onnx (checked against PyTorch in onnxruntime),
    print the graph and write OUT/test_set.npz. ``doc``: the script's docstring (its first
    line is the description); ``here``: the default output folder."""
    import argparse
    import time

    import torch

    from bnn2hw import nn as bnn

    ap = argparse.ArgumentParser(description=doc.splitlines()[0])
    ap.add_argument("--out", type=Path, default=here, help="output directory (default: script dir)")
    ap.add_argument("--epochs", type=int, default=epochs)
    ap.add_argument("--lr", type=float, default=lr, help="initial Adam learning rate (cosine)")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    t_start = time.perf_counter()

    x_tr, x_te, y_tr, y_te = load_digits_split(images=images)
    print(f"digits: {len(x_tr)} train / {len(x_te)} test, seed {args.seed}, {args.epochs} epochs")

    t0 = time.perf_counter()
    bnn.deterministic(args.seed, threads=threads)
    fmodel = bnn.fit(float_model(), x_tr, y_tr, epochs=args.epochs, lr=args.lr, seed=args.seed)
    t_float = time.perf_counter() - t0
    float_acc = bnn.accuracy(fmodel, x_te, y_te)

    t0 = time.perf_counter()
    bnn.deterministic(args.seed, threads=threads)
    model = bnn.fit(bnn_model(), x_tr, y_tr, epochs=args.epochs, lr=args.lr, seed=args.seed)
    t_bnn = time.perf_counter() - t0
    bnn_acc = bnn.accuracy(model, x_te, y_te)
    print(
        f"test accuracy: BNN {bnn_acc:.2%} ({t_bnn:.1f} s), float {float_acc:.2%} ({t_float:.1f} s)"
    )

    args.out.mkdir(parents=True, exist_ok=True)
    onnx_path = args.out / f"{name}.onnx"
    check = bnn.export_onnx(
        model, torch.from_numpy(x_te), onnx_path, input_name="pixels", output_name="logits"
    )
    print(f"wrote {onnx_path}; onnxruntime vs PyTorch on the test set: {check.describe()}")
    print(describe_onnx(onnx_path))
    npz_path = args.out / "test_set.npz"
    save_test_set(npz_path, x_te, y_te)
    print(f"wrote {npz_path} (inputs {x_te.shape} float32, labels {y_te.shape} int64)")
    print(f"total {time.perf_counter() - t_start:.1f} s")
