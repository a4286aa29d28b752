"""Typed errors. Every message names where (file, node, layer, channel), what, and what to do.

Only the command line turns these into exit codes (2) and one line on stderr.
"""

from __future__ import annotations

__all__ = [
    "Bnn2HwError",
    "BoardError",
    "BuildError",
    "FitError",
    "FoldingError",
    "InputDataError",
    "ModelFileError",
    "NonBinaryError",
    "ThresholdError",
    "TieError",
    "UnsupportedModelError",
]


class Bnn2HwError(Exception):
    """Base class: a problem with the user's input, reported as one line."""


class ModelFileError(Bnn2HwError):
    """The model file is missing, unreadable, truncated or not a valid ONNX model."""


class UnsupportedModelError(Bnn2HwError):
    """An op, attribute or pattern bnn2hw cannot compile exactly."""


class NonBinaryError(UnsupportedModelError):
    """Weights or activations that should be binary are not."""


class TieError(UnsupportedModelError):
    """A reachable accumulator value makes a sign exactly zero: the model is not binary there."""


class ThresholdError(UnsupportedModelError):
    """Thresholds cannot be derived exactly (non-monotone or non-finite activation function)."""


class FoldingError(Bnn2HwError):
    """A folding (PE, SIMD per layer) is illegal or unreadable, or a layer cannot be folded."""


class InputDataError(Bnn2HwError):
    """Inputs given to run/verify have the wrong shape, dtype or values."""


class BoardError(Bnn2HwError):
    """An unknown board name or an invalid board data file."""


class BuildError(Bnn2HwError):
    """A build folder is missing, incomplete, corrupt, or would be overwritten."""


class FitError(Bnn2HwError):
    """A design's estimated resources exceed the target board's (deploy's fit check)."""
