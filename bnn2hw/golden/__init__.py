"""The golden model: bit-exact numpy execution of the IR (the oracle for every level)."""

from __future__ import annotations

from bnn2hw.golden.reference import GoldenResult, quantize_input, run_golden

__all__ = ["GoldenResult", "quantize_input", "run_golden"]
