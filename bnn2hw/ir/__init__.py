"""bnn2hw's own small typed IR (frozen dataclasses, NHWC, {0,1} weights, int64 thresholds)."""

from __future__ import annotations

from bnn2hw.ir.floatops import Binarizer, BinarizerKind, FloatOp, OpKind, TiePolicy
from bnn2hw.ir.graph import Graph, OutputSpec
from bnn2hw.ir.layers import (
    AccKind,
    AccOut,
    ConvGeom,
    FloatAct,
    Folding,
    InputStage,
    IntQuantizer,
    Layer,
    MatVec,
    MaxPoolBits,
    PoolGeom,
    ThresholdAct,
    ValueType,
)

__all__ = [
    "AccKind",
    "AccOut",
    "Binarizer",
    "BinarizerKind",
    "ConvGeom",
    "FloatAct",
    "FloatOp",
    "Folding",
    "Graph",
    "InputStage",
    "IntQuantizer",
    "Layer",
    "MatVec",
    "MaxPoolBits",
    "OpKind",
    "OutputSpec",
    "PoolGeom",
    "ThresholdAct",
    "TiePolicy",
    "ValueType",
]
