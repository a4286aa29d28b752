"""The code base stays ruff clean and type-checks (mypy) — run as part of the suite."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", *args], cwd=ROOT, capture_output=True, text=True, check=False
    )


def test_ruff_clean() -> None:
    p = _run("ruff", "check", "bnn2hw", "tests", "examples", "benches", "sim")
    assert p.returncode == 0, p.stdout[-3000:]
    p = _run("ruff", "format", "--check", "bnn2hw", "tests", "examples", "benches", "sim")
    assert p.returncode == 0, p.stdout[-3000:]


def test_mypy_clean() -> None:
    p = _run("mypy", "bnn2hw")
    assert p.returncode == 0, p.stdout[-3000:]
