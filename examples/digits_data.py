"""Shared by the digits examples: the fixed train/test split of scikit-learn's 8x8 digits, the
held-out test set file, and a printable summary of an exported ONNX graph.

The training scripts import it after putting examples/ on sys.path:

    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from digits_data import load_digits_split

The split is always ``train_test_split(x, y, test_size=0.25, random_state=0, stratify=y)`` of
``sklearn.datasets.load_digits`` (1797 images, bundled with scikit-learn: nothing downloads):
1347 training and 450 test images. Pixels stay raw integers 0..16 (float32), the values the
hardware takes (the models declare them with ``QuantInput(5)``).
"""

from __future__ import annotations

from pathlib import Path

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
