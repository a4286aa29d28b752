"""Replace one file atomically: readers see the old file or the new one, never a half-written
one, and a failed write leaves the old file untouched."""

from __future__ import annotations

import os
from pathlib import Path

from bnn2hw.errors import BuildError

__all__ = ["write_text_atomic"]


def write_text_atomic(path: Path, text: str) -> None:
    """Write ``text`` to a temporary file next to ``path``, then rename it over ``path``;
    BuildError naming the file when it cannot be written."""
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    try:
        tmp.write_text(text)
        os.replace(tmp, path)
    except OSError as e:
        tmp.unlink(missing_ok=True)
        raise BuildError(f"{path}: cannot write ({e.strerror})") from None
