"""Folders shipped beside the package: hls/ (the HLS library) and templates/ (Jinja2)."""

from __future__ import annotations

from pathlib import Path

from bnn2hw.errors import BuildError

__all__ = ["resource_dir"]

_ROOT = Path(__file__).resolve().parent.parent


def resource_dir(name: str) -> Path:
    """The folder ``name`` next to the package (editable install or source checkout)."""
    here = _ROOT / name
    if here.is_dir():
        return here
    raise BuildError(f"bnn2hw resource folder '{name}' not found next to the package ({here})")
