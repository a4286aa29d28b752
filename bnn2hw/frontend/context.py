"""Importer state shared by the op handlers."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import onnx

from bnn2hw.errors import UnsupportedModelError
from bnn2hw.frontend.load import describe
from bnn2hw.frontend.values import AccVal, Act, Const, InputVal, Value
from bnn2hw.ir.floatops import TiePolicy
from bnn2hw.ir.layers import IntQuantizer, Layer

__all__ = ["Ctx", "Handler"]


@dataclass
class Ctx:
    """Everything the handlers read and write while walking one graph."""

    file: str
    opset: int
    tie: TiePolicy
    values: dict[str, Value] = field(default_factory=dict)
    layers: list[Layer] = field(default_factory=list)
    input_name: str = ""
    input_shape: tuple[int, ...] = ()
    input_stage: object | None = None  # InputStage once the input is quantized
    input_range: tuple[float, float] | None = None
    declared: IntQuantizer | None = None
    argmax_node: onnx.NodeProto | None = None

    def fail(
        self, node: onnx.NodeProto, msg: str, cls: type[Exception] = UnsupportedModelError
    ) -> None:
        raise cls(f"{describe(node)}: {msg}")

    def get(self, node: onnx.NodeProto, i: int) -> Value:
        name = node.input[i] if i < len(node.input) else ""
        if not name:
            self.fail(node, f"input {i} is missing")
        if name not in self.values:
            self.fail(node, f"input '{name}' is not produced by any node (graph is not sorted)")
        return self.values[name]

    def opt_const(self, node: onnx.NodeProto, i: int) -> np.ndarray | None:
        if i >= len(node.input) or not node.input[i]:
            return None
        return self.const(node, i)

    def const(self, node: onnx.NodeProto, i: int) -> np.ndarray:
        v = self.get(node, i)
        if not isinstance(v, Const):
            self.fail(node, f"input {i} ('{node.input[i]}') must be a constant")
        assert isinstance(v, Const)
        return v.value

    def set(self, node: onnx.NodeProto, value: Value, k: int = 0) -> None:
        self.values[node.output[k]] = value

    def data_and_const(self, node: onnx.NodeProto) -> tuple[Value, np.ndarray, bool]:
        """For a binary op with one data and one constant operand: (data, const, const_first)."""
        a, b = self.get(node, 0), self.get(node, 1)
        if isinstance(b, Const) and not isinstance(a, Const):
            return a, b.value, False
        if isinstance(a, Const) and not isinstance(b, Const):
            return b, a.value, True
        self.fail(node, "both operands are computed tensors; bnn2hw needs one constant operand")
        raise AssertionError

    def input_const(self, node: onnx.NodeProto, v: InputVal, c: np.ndarray) -> np.ndarray:
        """Normalise a constant of the input stage to broadcast against (N, *v.shape)."""
        c = np.asarray(c, dtype=np.float32)
        if c.size == 1:
            c = c.reshape(())
        elif c.ndim == len(v.shape) + 1:
            c = c.reshape(c.shape[1:])  # drop the batch dimension
        try:
            np.broadcast_to(c, v.shape)
        except ValueError:
            self.fail(
                node,
                f"constant of shape {list(c.shape)} does not broadcast to the input "
                f"shape {list(v.shape)}",
            )
        if not np.all(np.isfinite(c)):
            self.fail(node, "constant operand contains NaN or Inf")
        return c

    def channel_const(self, node: onnx.NodeProto, c: np.ndarray, v: AccVal | Act) -> np.ndarray:
        """Normalise a constant that broadcasts against (N, *model_shape) to () or (C,)."""
        c = np.asarray(c, dtype=np.float32)
        if not np.all(np.isfinite(c)):
            self.fail(node, "constant operand contains NaN or Inf; fix the trained parameters")
        if c.size == 1:
            return c.reshape(())
        full = (1, *v.model_shape)
        try:
            b = np.broadcast_to(c, full) if c.ndim <= len(full) else None
        except ValueError:
            b = None
        if b is None:
            self.fail(node, f"constant of shape {list(c.shape)} does not broadcast to {list(full)}")
        assert b is not None
        chans = b.reshape(1, b.shape[1], -1)
        if not np.all(chans == chans[:, :, :1]):
            self.fail(
                node,
                "constant varies across positions, not only across channels; "
                "bnn2hw folds per-channel constants only",
            )
        per_c = chans[0, :, 0]
        if isinstance(v, AccVal) and v.flattened:
            if not np.all(per_c == per_c[0]):
                self.fail(node, "per-feature constant after flattening a convolution output")
            return per_c[:1].reshape(())
        return np.ascontiguousarray(per_c)


Handler = Callable[[Ctx, onnx.NodeProto], None]
