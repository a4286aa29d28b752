"""Run QONNX / FINN-style models in qonnx's executor many frames at a time.

Brevitas exports a batch-1 graph: its input is (1, ...) and it flattens with ``Reshape [1, -1]``.
qonnx's executor builds an onnxruntime session per node per call, so running such a graph frame
by frame costs ~80 ms per CNV frame. ``batched_copy`` makes a copy that takes n frames:

1. the data input's batch dimension 1 becomes n;
2. every Reshape of a data tensor whose target is an initializer starting with 1 gets the
   target ``[-1, *per-frame shape]`` (from the original graph's inferred shapes);
3. output shapes get batch n, intermediate shapes are re-inferred.

No weight, node or attribute changes otherwise. The engine checks the first frame of every
batched run against the unmodified graph and falls back to frame-by-frame execution if they
differ in any requested tensor, so a graph with other batch dependencies stays correct.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import onnx

__all__ = ["batched_copy", "data_tensors"]


def data_tensors(model: onnx.ModelProto, input_name: str) -> set[str]:
    """Names of the tensors that depend on the model input."""
    dyn = {input_name}
    for node in model.graph.node:
        if any(i in dyn for i in node.input):
            dyn.update(o for o in node.output if o)
    return dyn


def batched_copy(model: onnx.ModelProto, input_name: str, n: int) -> Any:
    """A qonnx ModelWrapper of a copy of ``model`` that runs n frames at once (see module doc).

    Raises ValueError when the graph is not a batch-1 graph of that form.
    """
    from qonnx.core.modelwrapper import ModelWrapper
    from qonnx.transformation.infer_shapes import InferShapes

    m = onnx.ModelProto()
    m.CopyFrom(model)
    mw = ModelWrapper(m).transform(InferShapes())
    shape = list(mw.get_tensor_shape(input_name))
    if not shape or shape[0] != 1:
        raise ValueError(f"input batch dimension is {shape[:1]}, not 1")
    dyn = data_tensors(mw.model, input_name)
    for k, node in enumerate(mw.graph.node):
        if node.op_type != "Reshape" or node.input[0] not in dyn:
            continue
        target = mw.get_initializer(node.input[1])
        if target is None or target.size == 0 or int(target.reshape(-1)[0]) != 1:
            continue
        out = mw.get_tensor_shape(node.output[0])
        if out is None:
            raise ValueError(f"Reshape {node.name!r}: output shape unknown")
        new = f"{node.input[1]}__bnn2hw_batched_{k}"
        mw.set_initializer(new, np.asarray([-1, *out[1:]], dtype=np.int64))
        node.input[1] = new
    mw.set_tensor_shape(input_name, [n, *shape[1:]])
    for o in mw.graph.output:
        oshape = mw.get_tensor_shape(o.name)
        mw.set_tensor_shape(o.name, [n, *oshape[1:]])
    del mw.graph.value_info[:]
    return mw.transform(InferShapes())
