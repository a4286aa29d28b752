"""Import an ONNX / QONNX / FINN-style model into bnn2hw's IR.

The importer walks the graph once in topological order and gives each tensor an abstract value
(values.py): a constant, the model input with its preprocessing, a quantized activation, or the
float values computed from a layer's integer accumulator. Op handlers live in ops_*.py, one
table per concern. Anything it cannot compile exactly is rejected with the node's name.

Rules:
  1. Nodes whose inputs are all constants are folded (weights: Sign, BipolarQuant, Transpose...).
  2. The data path must be a chain: every computed tensor feeds at most one node.
  3. A binary-weight layer (MatMul/Gemm/Conv) starts an accumulator; the elementwise ops after it
     join its float chain; a binarizer (Sign, BipolarQuant, MultiThreshold, Where) closes it.
  4. The graph output is the last layer's accumulator after its float epilogue (or an ArgMax).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import onnx
from onnx import numpy_helper

from bnn2hw.errors import ModelFileError, UnsupportedModelError
from bnn2hw.frontend import ops_act, ops_elementwise, ops_layout, ops_linear
from bnn2hw.frontend.context import Ctx, Handler
from bnn2hw.frontend.load import (
    CUSTOM_DOMAINS,
    LoadedModel,
    attr,
    describe,
    eval_const_node,
    load_onnx,
)
from bnn2hw.frontend.output import finish_output
from bnn2hw.frontend.values import Const, InputVal
from bnn2hw.ir.floatops import TiePolicy
from bnn2hw.ir.graph import Graph
from bnn2hw.ir.layers import IntQuantizer
from bnn2hw.ir.quant import int_quant, quant_range

__all__ = ["ImportOptions", "import_model", "parse_int_type"]

HANDLERS: dict[str, Handler] = {
    **ops_linear.HANDLERS,
    **ops_act.HANDLERS,
    **ops_elementwise.HANDLERS,
    **ops_layout.HANDLERS,
}

_CUSTOM_OPS = {"BipolarQuant", "Quant", "IntQuant", "MultiThreshold", "XnorPopcountMatMul"}


@dataclass(frozen=True)
class ImportOptions:
    """User choices that the model file cannot express.

    Attributes:
        input_int: declared integer input type ("uint8", "int8", "uintN", "intN") or None.
        sign_at_zero: convention for ONNX Sign at exactly 0 (ERROR: refuse reachable ties).
        input_range: valid range of float model inputs, for random test inputs.
        topk: request top-k label selection on the last layer's accumulators.
    """

    input_int: str | None = None
    sign_at_zero: TiePolicy = TiePolicy.ERROR
    input_range: tuple[float, float] | None = None
    topk: int | None = None


def parse_int_type(text: str) -> tuple[int, int]:
    """'uint8' -> (0, 255); 'int4' -> (-8, 7). Raises ValueError on anything else."""
    m = re.fullmatch(r"(u?)int(\d+)", text.strip().lower())
    if not m or not 1 <= int(m.group(2)) <= 24:
        raise ValueError(text)
    return quant_range(int(m.group(2)), signed=not m.group(1), narrow=False)


def _declared(text: str, where: str) -> IntQuantizer:
    try:
        lo, hi = parse_int_type(text)
    except ValueError:
        raise UnsupportedModelError(
            f"{where}: integer input type '{text}' not understood; use uint8, int8, uintN or intN"
        ) from None
    one = np.asarray(1.0, np.float32)
    return IntQuantizer(
        scale=one,
        zero_point=np.asarray(0.0, np.float32),
        qmin=lo,
        qmax=hi,
        declared=True,
        source=where,
    )


def _frame_shape(lm: LoadedModel, vi: onnx.ValueInfoProto) -> tuple[int, ...]:
    dims = vi.type.tensor_type.shape.dim
    if not vi.type.tensor_type.HasField("shape") or len(dims) < 2:
        raise UnsupportedModelError(
            f"{lm.path}: input '{vi.name}' has no (batch, ...) shape; export with a fixed input "
            "shape and a batch dimension first"
        )
    out = []
    for d in dims[1:]:
        if not d.HasField("dim_value") or d.dim_value <= 0:
            raise UnsupportedModelError(
                f"{lm.path}: input '{vi.name}' has a symbolic dimension "
                f"'{d.dim_param or '?'}'; export with a fixed input size (only the batch may vary)"
            )
        out.append(int(d.dim_value))
    return tuple(out)


def _custom_const(ctx: Ctx, node: onnx.NodeProto, ins: list[np.ndarray | None]) -> np.ndarray:
    """Fold a QONNX custom op on constants (weights)."""
    x = np.asarray(ins[0], dtype=np.float32)
    if node.op_type == "BipolarQuant":
        return np.where(x >= 0, 1.0, -1.0).astype(np.float32) * np.asarray(ins[1], np.float32)
    if node.op_type in ("Quant", "IntQuant"):
        s, zp, bw = (np.asarray(v, np.float32) for v in ins[1:4])
        signed, narrow = bool(attr(node, "signed", 1)), bool(attr(node, "narrow", 0))
        if float(bw) == 1 and signed:
            return np.where(x / s + zp >= 0, 1.0, -1.0).astype(np.float32) * s
        lo, hi = quant_range(int(bw), signed, narrow)
        return int_quant(x, s, zp, lo, hi, str(attr(node, "rounding_mode", "ROUND"))) * s
    ctx.fail(node, "this custom op on constants is not supported")
    raise AssertionError


def _fold(ctx: Ctx, node: onnx.NodeProto) -> bool:
    """Fold a node whose inputs are all constants; returns False if it has data inputs."""
    ins: list[np.ndarray | None] = []
    for i, name in enumerate(node.input):
        if not name:
            ins.append(None)
            continue
        v = ctx.get(node, i)
        if not isinstance(v, Const):
            return False
        ins.append(v.value)
    if node.op_type in _CUSTOM_OPS:
        outs = [_custom_const(ctx, node, ins)]
    elif node.domain not in ("", "ai.onnx"):
        ctx.fail(node, f"custom op domain '{node.domain}' is not supported")
        raise AssertionError
    else:
        outs = eval_const_node(node, ins, ctx.opset)
    for k, o in enumerate(outs):
        if k < len(node.output) and node.output[k]:
            ctx.values[node.output[k]] = Const(np.asarray(o))
    return True


def _check_produced(lm: LoadedModel, g: onnx.GraphProto, consts: set[str]) -> None:
    """Every tensor a node reads must be an input, an initializer or some node's output."""
    produced = set(consts) | {i.name for i in g.input}
    for n in g.node:
        produced.update(o for o in n.output if o)
    for n in g.node:
        for i in n.input:
            if i and i not in produced:
                raise ModelFileError(
                    f"{lm.path}: {describe(n)} reads '{i}', which nothing "
                    "produces; the model file is inconsistent"
                )


def import_model(path: Path, options: ImportOptions | None = None) -> Graph:
    """Import a model file into an (unfolded) bnn2hw Graph."""
    options = options or ImportOptions()
    lm = load_onnx(Path(path))
    g = lm.model.graph
    init_names = {t.name for t in g.initializer}
    real_inputs = [i for i in g.input if i.name not in init_names]
    if len(real_inputs) != 1:
        raise UnsupportedModelError(
            f"{lm.path}: the model has {len(real_inputs)} inputs; bnn2hw compiles single-input "
            "models"
        )
    if len(g.output) != 1:
        raise UnsupportedModelError(
            f"{lm.path}: the model has {len(g.output)} outputs; "
            "bnn2hw compiles single-output models"
        )
    ctx = Ctx(file=str(lm.path), opset=lm.opset, tie=options.sign_at_zero)
    ctx.input_range = options.input_range
    declared = options.input_int or lm.metadata.get("bnn2hw.input_int")
    if declared:
        ctx.declared = _declared(
            declared,
            "--input-int" if options.input_int else f"{lm.path}: metadata bnn2hw.input_int",
        )
    inp = real_inputs[0]
    ctx.input_name = inp.name
    ctx.input_shape = _frame_shape(lm, inp)
    ctx.values[inp.name] = InputVal(shape=ctx.input_shape)
    for t in g.initializer:
        try:
            ctx.values[t.name] = Const(numpy_helper.to_array(t))
        except Exception as e:
            raise ModelFileError(f"{lm.path}: initializer '{t.name}' is corrupt ({e})") from None
    _check_produced(lm, g, init_names)
    _walk(ctx, g)
    return finish_output(ctx, lm, g, options)


def _walk(ctx: Ctx, g: onnx.GraphProto) -> None:
    data_uses: dict[str, str] = {}
    for node in g.node:
        if node.op_type == "Constant":
            val = attr(node, "value")
            if val is None:
                for key in ("value_float", "value_floats", "value_int", "value_ints"):
                    if attr(node, key) is not None:
                        val = np.asarray(attr(node, key))
            if val is None:
                ctx.fail(node, "Constant without a tensor value is not supported")
            ctx.values[node.output[0]] = Const(np.asarray(val))
            continue
        if _fold(ctx, node):
            continue
        for i in node.input:
            if i and not isinstance(ctx.values.get(i), Const):
                if i in data_uses:
                    ctx.fail(
                        node,
                        f"tensor '{i}' also feeds node '{data_uses[i]}': bnn2hw "
                        "compiles chains of layers (no branches or residual connections)",
                    )
                data_uses[i] = node.name or node.output[0]
        if node.op_type == "ArgMax":
            ctx.values[node.output[0]] = ctx.get(node, 0)
            ctx.argmax_node = node
            continue
        handler = HANDLERS.get(node.op_type)
        if handler is None or (node.domain not in ("", "ai.onnx", *CUSTOM_DOMAINS)):
            ctx.fail(
                node,
                f"op {node.op_type!r}"
                f"{' in domain ' + repr(node.domain) if node.domain else ''} is not supported "
                "by bnn2hw on the data path",
            )
        assert handler is not None
        handler(ctx, node)
