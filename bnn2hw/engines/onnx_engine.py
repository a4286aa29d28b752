"""The float reference: the source model run as its own framework would run it.

Plain ONNX runs in onnxruntime; QONNX / FINN-style models (custom quantization ops) run in
qonnx's executor. Requested intermediate tensors are added as graph outputs on a copy.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import onnx
from onnx import helper

from bnn2hw.errors import InputDataError

logger = logging.getLogger(__name__)

__all__ = ["OnnxResult", "run_onnx", "with_sign_convention"]

_CUSTOM = {"BipolarQuant", "Quant", "IntQuant", "MultiThreshold", "XnorPopcountMatMul", "Trunc"}


@dataclass
class OnnxResult:
    """The model's output for a batch and the requested intermediate tensors (model layout)."""

    output: np.ndarray
    tensors: dict[str, np.ndarray] = field(default_factory=dict)


def _input_info(model: onnx.ModelProto) -> tuple[str, int | None, int]:
    inits = {t.name for t in model.graph.initializer}
    vi = next(i for i in model.graph.input if i.name not in inits)
    d0 = vi.type.tensor_type.shape.dim[0]
    batch = d0.dim_value if d0.HasField("dim_value") else None
    return vi.name, batch, vi.type.tensor_type.elem_type


def _with_outputs(model: onnx.ModelProto, names: Sequence[str]) -> onnx.ModelProto:
    m = onnx.ModelProto()
    m.CopyFrom(model)
    have = {o.name for o in m.graph.output}
    for n in names:
        if n not in have:
            m.graph.output.append(helper.make_tensor_value_info(n, onnx.TensorProto.FLOAT, None))
    return m


def with_sign_convention(model: onnx.ModelProto, at_zero: float) -> onnx.ModelProto:
    """A copy whose ONNX Sign nodes give ``at_zero`` (+1 or -1) at exactly 0, as the user chose
    with --sign-at-zero: Sign(x) becomes Where(x >= 0, 1, -1) or Where(x > 0, 1, -1)."""
    m = onnx.ModelProto()
    m.CopyFrom(model)
    nodes = []
    one = helper.make_tensor("bnn2hw_sign_one", onnx.TensorProto.FLOAT, [], [1.0])
    neg = helper.make_tensor("bnn2hw_sign_neg", onnx.TensorProto.FLOAT, [], [-1.0])
    zero = helper.make_tensor("bnn2hw_sign_zero", onnx.TensorProto.FLOAT, [], [0.0])
    cmp_op = "GreaterOrEqual" if at_zero > 0 else "Greater"
    for k, n in enumerate(m.graph.node):
        if n.op_type != "Sign" or n.domain not in ("", "ai.onnx"):
            nodes.append(n)
            continue
        c = f"bnn2hw_sign_cmp_{k}"
        nodes.append(helper.make_node(cmp_op, [n.input[0], zero.name], [c], name=f"{n.name}_cmp"))
        nodes.append(helper.make_node("Where", [c, one.name, neg.name], [n.output[0]], name=n.name))
    del m.graph.node[:]
    m.graph.node.extend(nodes)
    m.graph.initializer.extend([one, neg, zero])
    return m


def run_onnx(
    path: Path, x: np.ndarray, names: Sequence[str] = (), sign_at_zero: float | None = None
) -> OnnxResult:
    """Run the source model on x (N, *input shape) in model units.

    With ``sign_at_zero`` (+1 or -1), ONNX Sign nodes follow that convention at exactly 0.
    """
    model = onnx.load(str(path))
    if sign_at_zero is not None:
        model = with_sign_convention(model, sign_at_zero)
    custom = any(n.op_type in _CUSTOM for n in model.graph.node)
    in_name, batch, elem = _input_info(model)
    if elem != onnx.TensorProto.FLOAT:
        raise InputDataError(
            f"{path}: input '{in_name}' is not float32; unsupported by the reference engine"
        )
    x = np.ascontiguousarray(x, dtype=np.float32)
    step = x.shape[0] if batch is None else batch
    names = list(names)
    out_name = model.graph.output[0].name
    if custom and batch == 1:
        parts = _run_qonnx(model, x, names, in_name, out_name)
    else:
        run = (
            _qonnx_runner(model, names, in_name, out_name)
            if custom
            else _ort_runner(_with_outputs(model, names), names, in_name, out_name)
        )
        parts = [run(x[s : s + step]) for s in range(0, x.shape[0], max(1, step))]
    return OnnxResult(
        output=np.concatenate([p.output for p in parts]),
        tensors={n: np.concatenate([p.tensors[n] for p in parts]) for n in names},
    )


def _ort_runner(model: onnx.ModelProto, names: list[str], in_name: str, out_name: str):
    import onnxruntime as ort

    opts = ort.SessionOptions()
    opts.log_severity_level = 3
    opts.intra_op_num_threads = 2
    sess = ort.InferenceSession(model.SerializeToString(), opts, providers=["CPUExecutionProvider"])

    def run(xb: np.ndarray) -> OnnxResult:
        res = sess.run([out_name, *names], {in_name: xb})
        return OnnxResult(output=np.asarray(res[0]), tensors=dict(zip(names, res[1:], strict=True)))

    return run


def _qonnx_runner(model: onnx.ModelProto, names: list[str], in_name: str, out_name: str):
    """Frame-by-frame qonnx execution (the fast path is _run_qonnx)."""
    from qonnx.core.modelwrapper import ModelWrapper
    from qonnx.core.onnx_exec import execute_onnx
    from qonnx.transformation.infer_shapes import InferShapes

    mw = ModelWrapper(model)
    if not mw.check_all_tensor_shapes_specified():
        mw = mw.transform(InferShapes())

    def run(xb: np.ndarray) -> OnnxResult:
        ctx = execute_onnx(mw, {in_name: xb}, return_full_exec_context=True)
        return OnnxResult(
            output=np.asarray(ctx[out_name]), tensors={n: np.asarray(ctx[n]) for n in names}
        )

    return run


def _run_qonnx(
    model: onnx.ModelProto,
    x: np.ndarray,
    names: list[str],
    in_name: str,
    out_name: str,
    chunk: int = 256,
) -> list[OnnxResult]:
    """qonnx execution, many frames per call when the graph allows it (qonnx_batch.py)."""
    from qonnx.core.onnx_exec import execute_onnx

    from bnn2hw.engines.qonnx_batch import batched_copy

    single = _qonnx_runner(model, names, in_name, out_name)
    first = single(x[:1])
    parts: list[OnnxResult] = []
    cache: dict[int, object] = {}
    for s in range(0, x.shape[0], chunk):
        xb = x[s : s + chunk]
        try:
            if xb.shape[0] not in cache:
                cache[xb.shape[0]] = batched_copy(model, in_name, xb.shape[0])
            ctx = execute_onnx(cache[xb.shape[0]], {in_name: xb}, return_full_exec_context=True)
            res = OnnxResult(
                output=np.asarray(ctx[out_name]), tensors={n: np.asarray(ctx[n]) for n in names}
            )
        except Exception as e:
            logger.info("qonnx batched execution not possible (%s); running frame by frame", e)
            return [single(x[i : i + 1]) for i in range(x.shape[0])]
        if s == 0 and not _same_frame(first, res):
            logger.info("batched qonnx graph differs on frame 0; running frame by frame")
            return [first] + [single(x[i : i + 1]) for i in range(1, x.shape[0])]
        parts.append(res)
    return parts


def _same_frame(a: OnnxResult, b: OnnxResult) -> bool:
    """Frame 0 of a batched result equals a single-frame result, in every tensor."""
    if b.output.shape[1:] != a.output.shape[1:] or not np.array_equal(a.output[0], b.output[0]):
        return False
    return all(
        t.shape[1:] == b.tensors[n].shape[1:] and np.array_equal(t[0], b.tensors[n][0])
        for n, t in a.tensors.items()
    )
