"""Comparisons between engines: exact on every binarized value, a tolerance only on logits."""

from __future__ import annotations

from bnn2hw.verify.compare import Comparison, compare_golden, compare_to_reference

__all__ = ["Comparison", "compare_golden", "compare_to_reference"]
