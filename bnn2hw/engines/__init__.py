"""Execution engines: the same inputs, the same outputs, at every level of the ladder."""

from __future__ import annotations

from bnn2hw.engines.onnx_engine import OnnxResult, run_onnx

__all__ = ["OnnxResult", "run_onnx"]
