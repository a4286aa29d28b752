"""Tiny BNN graphs written with onnx.helper (no torch), for unit tests and bad-input tests."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

__all__ = ["label_model", "mlp_nodes", "save", "tiny_mlp"]


def _init(name: str, a: np.ndarray) -> onnx.TensorProto:
    return numpy_helper.from_array(np.asarray(a), name)


def mlp_nodes(seed: int = 0, k: int = 16, h: int = 8, c: int = 4):
    """Nodes and initializers of: Sign(x) -> MatMul -> BN -> Sign -> MatMul -> Add."""
    rng = np.random.default_rng(seed)
    w1 = np.where(rng.random((k, h)) < 0.5, 1.0, -1.0).astype(np.float32)
    w2 = np.where(rng.random((h, c)) < 0.5, 1.0, -1.0).astype(np.float32)
    inits = [
        _init("w1", w1),
        _init("w2", w2),
        _init("gamma", rng.uniform(-1, 1, h).astype(np.float32)),
        _init("beta", rng.uniform(-1, 1, h).astype(np.float32)),
        _init("mean", (rng.uniform(-3, 3, h) + 0.5).astype(np.float32)),
        _init("var", rng.uniform(1, 4, h).astype(np.float32)),
        _init("bias", rng.uniform(-1, 1, c).astype(np.float32)),
    ]
    nodes = [
        helper.make_node("Sign", ["x"], ["xs"], name="sign_in"),
        helper.make_node("MatMul", ["xs", "w1"], ["a1"], name="mm1"),
        helper.make_node(
            "BatchNormalization",
            ["a1", "gamma", "beta", "mean", "var"],
            ["b1"],
            name="bn1",
            epsilon=1e-5,
        ),
        helper.make_node("Sign", ["b1"], ["s1"], name="sign1"),
        helper.make_node("MatMul", ["s1", "w2"], ["a2"], name="mm2"),
        helper.make_node("Add", ["a2", "bias"], ["y"], name="add_bias"),
    ]
    return nodes, inits


def tiny_mlp(
    nodes=None, inits=None, *, k: int = 16, c: int = 4, opset: int = 17, inputs=None, outputs=None
) -> onnx.ModelProto:
    if nodes is None or inits is None:
        n2, i2 = mlp_nodes(k=k, c=c)
        nodes = nodes if nodes is not None else n2
        inits = inits if inits is not None else i2
    inputs = inputs or [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", k])]
    outputs = outputs or [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["N", c])]
    g = helper.make_graph(nodes, "tiny", inputs, outputs, initializer=inits)
    return helper.make_model(g, opset_imports=[helper.make_opsetid("", opset)])


def save(model: onnx.ModelProto, path: Path) -> Path:
    onnx.save(model, str(path))
    return path


def label_model(tmp: Path, argmax: bool, scale: float) -> Path:
    """A 16 -> 8 -> 6 MLP whose logits are (acc + 0.25) * scale: labels can be selected on the
    accumulators (ascending when scale < 0); with ``argmax`` the model ends in ArgMax."""
    nodes, inits = mlp_nodes(seed=4, c=6)
    last = nodes[-1]
    nodes[-1] = helper.make_node("Add", list(last.input), ["z"], name="add_bias")
    inits = [i for i in inits if i.name != "bias"]
    inits.append(numpy_helper.from_array(np.full(6, 0.25, np.float32), "bias"))
    inits.append(numpy_helper.from_array(np.array(scale, np.float32), "s"))
    nodes.append(helper.make_node("Mul", ["z", "s"], ["logits"], name="scale"))
    if argmax:
        nodes.append(
            helper.make_node("ArgMax", ["logits"], ["y"], name="argmax", axis=1, keepdims=1)
        )
        out = [helper.make_tensor_value_info("y", TensorProto.INT64, ["N", 1])]
    else:
        nodes[-1] = helper.make_node("Mul", ["z", "s"], ["y"], name="scale")
        out = [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["N", 6])]
    return save(tiny_mlp(nodes, inits, c=6, outputs=out), tmp / "labels.onnx")


HOSTILE = "q\"u'o\\te */ /* // # $x ${y} `z` \n\r\té中文ü"


def hostile_copy(src: Path, dst_dir: Path) -> Path:
    """The model with every node, tensor and graph name replaced by a hostile string."""
    m = onnx.load(str(src))
    g = m.graph
    names: dict[str, str] = {}

    def h(name: str) -> str:
        if not name:
            return name
        return names.setdefault(name, f"{HOSTILE}{len(names)}")

    for vi in [*g.input, *g.output, *g.value_info]:
        vi.name = h(vi.name)
    for init in g.initializer:
        init.name = h(init.name)
    for i, node in enumerate(g.node):
        node.name = f"{HOSTILE}node{i}"
        node.input[:] = [h(n) for n in node.input]
        node.output[:] = [h(n) for n in node.output]
    for qa in g.quantization_annotation:
        qa.tensor_name = h(qa.tensor_name)
    g.name = HOSTILE
    out = dst_dir / "we'ird $name \"é.onnx"
    onnx.save(m, str(out))
    return out
