"""The compiled model: input stage, a chain of layers, and the output description."""

from __future__ import annotations

from dataclasses import dataclass, replace

from bnn2hw.ir.floatops import TiePolicy
from bnn2hw.ir.layers import InputStage, Layer

__all__ = ["Graph", "OutputSpec"]


@dataclass(frozen=True)
class OutputSpec:
    """How the last layer's result becomes the model's output.

    Attributes:
        name: ONNX output name.
        shape: per-frame output shape in the model's layout.
        nchw: the last layer's NHWC accumulators are transposed to NCHW for the output.
        topk: when set, the output is the indices of the k largest accumulators (ArgMax / TopK
            in the model, or requested), provably equal to those of the float logits.
        topk_in_model: the model itself ends in ArgMax/TopK (its output is indices).
    """

    name: str
    shape: tuple[int, ...]
    nchw: bool = False
    topk: int | None = None
    topk_in_model: bool = False
    argmax_keepdims: bool = True
    topk_sign: int = 1  # -1 when the float epilogue decreases: largest logits = smallest acc


@dataclass(frozen=True)
class Graph:
    """An ordered chain of layers between an input stage and an output.

    Attributes:
        name: sanitised model name.
        source_file: file name of the source model.
        source_hash: sha256 of the source model file (hex).
        dialect: "torch", "qonnx" or "finn".
        input: the host-side input stage.
        layers: the layer chain.
        output: how the result is presented.
        tie: the user's convention for ONNX Sign at exactly zero (ERROR: none chosen).
    """

    name: str
    source_file: str
    source_hash: str
    dialect: str
    input: InputStage
    layers: tuple[Layer, ...]
    output: OutputSpec
    tie: TiePolicy = TiePolicy.ERROR

    def with_layers(self, layers: tuple[Layer, ...]) -> Graph:
        return replace(self, layers=layers)

    def layer(self, name: str) -> Layer:
        for layer in self.layers:
            if layer.name == name:
                return layer
        raise KeyError(name)
