"""Checks of the test model zoo itself (tests/zoo.py): files, references, binarized tensors."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import onnx
import pytest
import zoo
from onnx import helper, numpy_helper

# (factory, kwargs, expected number of binarized tensors)
SPECS: list[Any] = [
    pytest.param("torch_mlp", {"dynamo": True}, 2, marks=pytest.mark.torch, id="mlp-dynamo"),
    pytest.param("torch_mlp", {"dynamo": False}, 2, marks=pytest.mark.torch, id="mlp-ts"),
    pytest.param("torch_cnn", {"dynamo": True}, 5, marks=pytest.mark.torch, id="cnn-dynamo"),
    pytest.param("torch_cnn", {"dynamo": False}, 5, marks=pytest.mark.torch, id="cnn-ts"),
    pytest.param("brevitas_tfc", {}, 4, marks=pytest.mark.torch, id="brevitas-tfc"),
    pytest.param("brevitas_cnv", {}, 10, marks=pytest.mark.torch, id="brevitas-cnv"),
    pytest.param("finn_tfc", {}, 4, id="finn-tfc"),
    pytest.param("finn_cnn", {}, 5, id="finn-cnn"),
]


def _pre_activation(model: onnx.ModelProto, name: str) -> str | None:
    """The tensor a binarized tensor's sign is taken of (None for MaxPool / MultiThreshold)."""
    producers = {out: node for node in model.graph.node for out in node.output}
    node = producers[name]
    if node.op_type in ("Sign", "BipolarQuant"):
        return node.input[0]
    if node.op_type == "Where":
        cond = producers.get(node.input[0])
        if cond is not None and cond.op_type == "GreaterOrEqual":
            return cond.input[0]
    return None


def _finn_numpy(model: onnx.ModelProto, x: np.ndarray) -> tuple[np.ndarray, int]:
    """Independent numpy interpreter for the zoo's FINN graphs; also counts x == t ties."""
    vals: dict[str, np.ndarray] = {
        i.name: numpy_helper.to_array(i) for i in model.graph.initializer
    }
    vals[model.graph.input[0].name] = x.astype(np.float64).reshape(len(x), *x.shape[1:])
    ties = 0
    for node in model.graph.node:
        ins = [vals[i] for i in node.input]
        op = node.op_type
        if op == "MultiThreshold":
            attrs = {a.name: helper.get_attribute_value(a) for a in node.attribute}
            assert attrs["out_dtype"] == b"BIPOLAR"
            v, t = ins[0], ins[1][:, 0]
            t = t.reshape((1, -1) + (1,) * (v.ndim - 2)) if len(t) > 1 else t[0]
            ties += int(np.count_nonzero(v == t))
            out = np.where(v >= t, 1.0, -1.0) * attrs["out_scale"] / 2.0 + attrs["out_bias"] + 1.0
        elif op == "MatMul":
            out = ins[0] @ ins[1]
        elif op == "Conv":
            v, w = ins
            n, c, h, wd = v.shape
            kh, kw = w.shape[2:]
            out = np.zeros((n, w.shape[0], h - kh + 1, wd - kw + 1))
            for dy in range(kh):
                for dx in range(kw):
                    patch = v[:, :, dy : dy + h - kh + 1, dx : dx + wd - kw + 1]
                    out += np.einsum("nchw,oc->nohw", patch, w[:, :, dy, dx])
        elif op == "MaxPool":
            v = ins[0]
            n, c, h, wd = v.shape
            out = v.reshape(n, c, h // 2, 2, wd // 2, 2).max(axis=(3, 5))
        elif op == "Reshape":
            out = ins[0].reshape(len(x), -1)  # the zoo's only Reshape is the [1, -1] flatten
        elif op == "Mul":
            out = ins[0] * ins[1]
        elif op == "Add":
            out = ins[0] + ins[1]
        else:
            raise AssertionError(f"unexpected op {op}")
        vals[node.output[0]] = out
    return vals[model.graph.output[0].name], ties


@pytest.mark.parametrize(("factory", "kwargs", "n_binarized"), SPECS)
def test_zoo_case(factory: str, kwargs: dict[str, Any], n_binarized: int, tmp_path: Path) -> None:
    case = zoo.FACTORIES[factory](tmp_path, **kwargs)
    assert isinstance(case, zoo.ModelCase)
    assert case.path.is_file() and case.path.parent == tmp_path
    assert sorted(p.name for p in tmp_path.iterdir()) == [case.path.name]  # no side .data file
    onnx.checker.check_model(str(case.path), full_check=True)
    model = onnx.load(str(case.path))
    assert len(case.binarized) == n_binarized
    assert case.binarized == zoo.binarized_tensor_names(model)

    heavy = factory == "brevitas_cnv"
    n = 200 if heavy else 500
    rng = np.random.default_rng(123)
    x = case.sample(rng, n)
    assert x.dtype == np.float32 and x.shape == (n, *case.input_shape)
    assert x.min() >= case.low and x.max() <= case.high
    if case.integer_input:
        assert np.array_equal(x, np.round(x))

    pre = {b: _pre_activation(model, b) for b in case.binarized}
    names = [*case.binarized, *(p for p in pre.values() if p is not None)]
    y, inter = zoo.run_reference(case, x, names)
    assert y.shape == (n, 10) and np.isfinite(y).all()
    assert y.std(axis=0).min() > 0

    for name in case.binarized:
        v = inter[name]
        assert v.shape[0] == n, name
        assert set(np.unique(v).tolist()) == {-1.0, 1.0}, name  # ±1 only, no zeros
        frac = float((v > 0).mean())
        assert 0.05 < frac < 0.97, (name, frac)
        per_channel = np.moveaxis(v, 1, -1).reshape(-1, v.shape[1])
        toggles = (per_channel.max(axis=0) > 0) & (per_channel.min(axis=0) < 0)
        assert toggles.mean() >= 0.75, (name, toggles.mean())
        p = pre[name]
        if p is not None:  # the sign's argument stays clear of 0: no float ties
            assert np.abs(inter[p]).min() > 1e-4, (name, p, np.abs(inter[p]).min())

    if case.dialect in ("torch", "qonnx"):
        y_torch = zoo.torch_outputs(case, x)
        np.testing.assert_allclose(y, y_torch, rtol=1e-4, atol=1e-4 * np.abs(y_torch).max())
    else:
        y_np, ties = _finn_numpy(model, x)
        np.testing.assert_allclose(y, y_np, rtol=1e-5, atol=1e-5)
        assert ties > 0  # some thresholds sit exactly on reachable accumulator values

    if case.dialect != "torch":  # batched and frame-by-frame qonnx execution agree bit for bit
        k = 3 if heavy else 30
        y_b, i_b = zoo.run_reference(case, x[:k], case.binarized, batched=True)
        y_f, i_f = zoo.run_reference(case, x[:k], case.binarized, batched=False)
        assert np.array_equal(y_b, y_f) and np.array_equal(y_b, y[:k])
        for name in case.binarized:
            assert np.array_equal(i_b[name], i_f[name]) and np.array_equal(
                i_b[name], inter[name][:k]
            )


@pytest.mark.torch
@pytest.mark.parametrize(
    ("factory", "dynamo", "opset"),
    [
        ("torch_mlp", False, 13),
        ("torch_mlp", False, 17),
        ("torch_mlp", True, 18),
        ("torch_mlp", True, 20),
        ("torch_cnn", False, 13),
        ("torch_cnn", False, 17),
        ("torch_cnn", True, 18),
        ("torch_cnn", True, 20),
    ],
)
def test_torch_opsets(factory: str, dynamo: bool, opset: int, tmp_path: Path) -> None:
    case = zoo.FACTORIES[factory](tmp_path, dynamo=dynamo, opset=opset)
    model = onnx.load(str(case.path))
    onnx.checker.check_model(model)
    assert {o.domain: o.version for o in model.opset_import}[""] == opset
    assert case.name.endswith(f"_op{opset}")
    x = case.sample(np.random.default_rng(0), 200)
    y, inter = zoo.run_reference(case, x, case.binarized)
    np.testing.assert_allclose(y, zoo.torch_outputs(case, x), rtol=1e-4, atol=1e-4)
    for v in inter.values():
        assert set(np.unique(v).tolist()) == {-1.0, 1.0}


@pytest.mark.torch
def test_dynamo_below_opset_18_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="opset 13"):
        zoo.torch_mlp(tmp_path, dynamo=True, opset=13)


@pytest.mark.torch
def test_torch_determinism(tmp_path: Path) -> None:
    a = zoo.torch_cnn(tmp_path / "a", dynamo=False, seed=5)
    b = zoo.torch_cnn(tmp_path / "b", dynamo=False, seed=5)
    c = zoo.torch_cnn(tmp_path / "c", dynamo=False, seed=6)
    assert a.path.read_bytes() == b.path.read_bytes()
    assert a.path.read_bytes() != c.path.read_bytes()
    x = a.sample(np.random.default_rng(1), 50)
    assert np.array_equal(zoo.run_reference(a, x)[0], zoo.run_reference(b, x)[0])
    assert not np.array_equal(zoo.run_reference(a, x)[0], zoo.run_reference(c, x)[0])


def test_finn_determinism(tmp_path: Path) -> None:
    for factory in (zoo.finn_tfc, zoo.finn_cnn):
        a = factory(tmp_path / "a", seed=3)
        b = factory(tmp_path / "b", seed=3)
        c = factory(tmp_path / "c", seed=4)
        assert a.path.read_bytes() == b.path.read_bytes()
        assert a.path.read_bytes() != c.path.read_bytes()
        assert a.binarized == c.binarized


def test_finn_graph_style(tmp_path: Path) -> None:
    from qonnx.core.datatype import DataType
    from qonnx.core.modelwrapper import ModelWrapper

    case = zoo.finn_cnn(tmp_path)
    mw = ModelWrapper(str(case.path))
    ops = [n.op_type for n in mw.graph.node]
    assert ops == [
        "MultiThreshold",
        "Conv",
        "MultiThreshold",
        "MaxPool",
        "Conv",
        "MultiThreshold",
        "Reshape",
        "MatMul",
        "MultiThreshold",
        "MatMul",
        "Mul",
        "Add",
    ]
    for node in mw.graph.node:
        if node.op_type in ("MatMul", "Conv"):
            assert mw.get_tensor_datatype(node.input[1]) == DataType["BIPOLAR"]
            w = mw.get_initializer(node.input[1])
            assert set(np.unique(w).tolist()) == {-1.0, 1.0}
        if node.op_type == "MultiThreshold":
            assert node.domain == "qonnx.custom_op.general"
            thr = mw.get_initializer(node.input[1])
            assert thr.ndim == 2 and thr.shape[1] == 1
            assert mw.get_tensor_datatype(node.output[0]) == DataType["BIPOLAR"]


def test_qonnx_batched_copy_changes(tmp_path: Path) -> None:
    case = zoo.finn_cnn(tmp_path)
    before = case.path.read_bytes()
    mw, changes = zoo.qonnx_batched_copy(case.path, 7)
    assert case.path.read_bytes() == before
    assert len(changes) == 2
    assert "[1, -1]" in changes[0] and "[-1, 64]" in changes[0]
    assert mw.get_tensor_shape("global_in") == [7, 1, 10, 10]
    assert mw.get_tensor_shape(mw.graph.output[0].name) == [7, 10]


def test_sample_grid() -> None:
    case = zoo.ModelCase("t", Path("t.onnx"), (3, 4), "finn", (), (), 0.0, 1.0, False)
    x = case.sample(np.random.default_rng(0), 1000)
    k = x.astype(np.float64) * zoo.FLOAT_GRID_STEPS - 0.25
    assert np.array_equal(k, np.round(k))  # exactly on the quarter-offset grid
    assert 0.0 < x.min() and x.max() < 1.0 and 0.5 not in x
    ints = zoo.ModelCase("t", Path("t.onnx"), (5,), "torch", (), (), 0.0, 15.0, True)
    xi = ints.sample(np.random.default_rng(0), 2000)
    assert xi.dtype == np.float32 and set(np.unique(xi).tolist()) == set(range(16))
    a = case.sample(np.random.default_rng(9), 4)
    assert np.array_equal(a, case.sample(np.random.default_rng(9), 4))


def test_reference_returns_requested_intermediates(tmp_path: Path) -> None:
    case = zoo.finn_tfc(tmp_path)
    model = onnx.load(str(case.path))
    mm = next(n.output[0] for n in model.graph.node if n.op_type == "MatMul")
    x = case.sample(np.random.default_rng(2), 16)
    _, inter = zoo.run_reference(case, x, [mm, "global_in"])
    assert set(inter) == {mm, "global_in"}
    assert inter[mm].shape == (16, 64)
    assert np.array_equal(inter[mm], np.round(inter[mm]))  # ±1 x ±1 accumulators are integers
    assert np.array_equal(inter["global_in"], x)
    with pytest.raises(ValueError, match="input shape"):
        zoo.run_reference(case, x.reshape(16, 28, 28))
