"""Loading an ONNX file and reading its nodes: the boundary where onnx is used.

Every failure here is a ModelFileError naming the file and what to do.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import onnx
from onnx import helper, numpy_helper

from bnn2hw.errors import ModelFileError, UnsupportedModelError

__all__ = [
    "CUSTOM_DOMAINS",
    "LoadedModel",
    "attr",
    "describe",
    "eval_const_node",
    "load_onnx",
]

CUSTOM_DOMAINS = ("qonnx.custom_op.general", "finn.custom_op.general", "finn", "onnx.brevitas")


@dataclass(frozen=True)
class LoadedModel:
    """A parsed model file."""

    path: Path
    model: onnx.ModelProto
    sha256: str
    opset: int
    metadata: dict[str, str]


def load_onnx(path: Path) -> LoadedModel:
    """Read and sanity-check an ONNX file."""
    p = Path(path)
    if not p.exists():
        raise ModelFileError(f"{p}: file not found")
    if p.is_dir():
        raise ModelFileError(f"{p}: is a folder, not an ONNX model file")
    try:
        data = p.read_bytes()
    except OSError as e:
        raise ModelFileError(f"{p}: cannot read ({e.strerror})") from None
    if not data:
        raise ModelFileError(f"{p}: file is empty; re-export the model")
    try:
        model = onnx.load_model_from_string(data)
    except Exception as e:
        reason = str(e).splitlines()[0] if str(e) else type(e).__name__
        raise ModelFileError(
            f"{p}: not a valid ONNX file (truncated or corrupt: {reason}); re-export the model"
        ) from None
    g = model.graph
    if len(g.node) == 0:
        raise ModelFileError(f"{p}: the ONNX graph has no nodes (not a model, or truncated)")
    for ext in (t for t in g.initializer if t.data_location == onnx.TensorProto.EXTERNAL):
        raise ModelFileError(
            f"{p}: initializer '{ext.name}' is stored in an external data file; save the model "
            "as one file (onnx.save(model, path, save_as_external_data=False))"
        )
    opset = 0
    for imp in model.opset_import:
        if imp.domain in ("", "ai.onnx"):
            opset = imp.version
    if opset == 0:
        raise ModelFileError(f"{p}: the model declares no standard ONNX opset")
    meta = {m.key: m.value for m in model.metadata_props}
    return LoadedModel(p, model, hashlib.sha256(data).hexdigest(), opset, meta)


def attr(node: onnx.NodeProto, name: str, default: Any = None) -> Any:
    """An attribute's Python value (bytes decoded to str), or default."""
    for a in node.attribute:
        if a.name == name:
            v = helper.get_attribute_value(a)
            if isinstance(v, bytes):
                return v.decode("utf-8", "replace")
            if isinstance(v, onnx.TensorProto):
                return numpy_helper.to_array(v)
            return v
    return default


def describe(node: onnx.NodeProto) -> str:
    """How messages name a node: 'name' (OpType)."""
    return f"node '{node.name or node.output[0]}' ({node.op_type})"


def eval_const_node(
    node: onnx.NodeProto, inputs: list[np.ndarray | None], opset: int
) -> list[np.ndarray]:
    """Evaluate a standard ONNX node whose inputs are all constants, with onnx.reference."""
    from onnx.reference import ReferenceEvaluator

    names = [f"i{k}" if v is not None else "" for k, v in enumerate(inputs)]
    outs = [f"o{k}" for k in range(len(node.output))]
    n = helper.make_node(node.op_type, names, outs, domain=node.domain)
    n.attribute.extend(node.attribute)
    feeds = {nm: v for nm, v in zip(names, inputs, strict=True) if v is not None}
    in_vi = [
        helper.make_tensor_value_info(nm, helper.np_dtype_to_tensor_dtype(v.dtype), v.shape)
        for nm, v in feeds.items()
    ]
    out_vi = [helper.make_tensor_value_info(o, onnx.TensorProto.UNDEFINED, None) for o in outs]
    g = helper.make_graph([n], "const", in_vi, out_vi)
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", opset)])
    try:
        res = ReferenceEvaluator(m).run(None, feeds)
    except Exception as e:
        raise UnsupportedModelError(
            f"{describe(node)}: cannot evaluate this constant expression ({type(e).__name__}: "
            f"{str(e).splitlines()[0] if str(e) else ''})"
        ) from None
    return [np.asarray(r) for r in res]
