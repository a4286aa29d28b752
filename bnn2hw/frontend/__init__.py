"""Front end: ONNX / QONNX / FINN-style files into bnn2hw's IR."""

from __future__ import annotations

from bnn2hw.frontend.importer import ImportOptions, import_model

__all__ = ["ImportOptions", "import_model"]
