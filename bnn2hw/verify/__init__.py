"""Comparisons between engines: exact on every binarized value, a tolerance only on logits."""

from __future__ import annotations

from bnn2hw.verify.compare import Comparison, compare_golden, compare_to_reference
from bnn2hw.verify.ladder import ENGINES, VerifyResult, format_report, verify_graph

__all__ = [
    "ENGINES",
    "Comparison",
    "VerifyResult",
    "compare_golden",
    "compare_to_reference",
    "format_report",
    "verify_graph",
]
