"""bnn2hw: compile trained binarized neural networks into bit-exact FPGA hardware."""

from __future__ import annotations

__version__ = "0.1.0"

__all__ = ["__version__"]
