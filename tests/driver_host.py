"""Run a deployment's driver folder as the board (or the Alveo card's host) would: a separate
Python process with only the folder, numpy and a stand-in for the vendor module (pynq or pyxrt,
written by the test into ``fake``), the compiler's own dependencies blocked. Used by
tests/integration/test_driver_board.py and test_deploy_alveo.py."""

from __future__ import annotations

import ast
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

BLOCKED = ("onnx", "onnxruntime", "torch", "brevitas", "qonnx", "jinja2", "cocotb", "cocotb_tools")

_HOST = """
import runpy, sys
driver, vendor, blocked = sys.argv[1], sys.argv[2], sys.argv[3].split(",")
for m in blocked:
    sys.modules[m] = None  # not installed where the driver runs
sys.argv = [driver + "/infer.py", *sys.argv[4:]]
try:
    runpy.run_path(driver + "/infer.py", run_name="__main__")
finally:
    fake = __import__(vendor)
    loaded = sorted(k for k in sys.modules if k == "bnn2hw" or k.startswith("bnn2hw."))
    outside = [k for k in loaded if not sys.modules[k].__file__.startswith(driver)]
    print("bnn2hw modules", len(loaded), "from outside the folder", outside)
    print("log", repr(fake.LOG))
"""


@dataclass
class HostRun:
    returncode: int
    lines: list[str]  # infer.py's output, then the two summary lines
    stderr: str
    modules: int  # bnn2hw modules loaded
    outside: list[str]  # those not loaded from the driver folder
    log: list[Any]  # the stand-in vendor module's LOG


def run_driver(
    driver: Path,
    args: list[str],
    fake: Path,
    vendor: str,
    *,
    env: dict[str, str] | None = None,
    cwd: Path | None = None,
) -> HostRun:
    """``driver/infer.py ARGS`` with ``fake/<vendor>.py`` as the vendor module; the other
    vendor's module is blocked too."""
    other = {"pynq": "pyxrt", "pyxrt": "pynq"}[vendor]
    r = subprocess.run(
        [sys.executable, "-c", _HOST, str(driver), vendor, ",".join((*BLOCKED, other)), *args],
        env={"PYTHONPATH": str(fake), "PATH": "/usr/bin:/bin", **(env or {})},
        cwd=cwd or fake,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    print(r.stdout)
    lines = r.stdout.splitlines()
    assert len(lines) >= 2 and lines[-1].startswith("log "), r.stdout + r.stderr
    head = lines[-2].split(" from outside the folder ")
    return HostRun(
        returncode=r.returncode,
        lines=lines[:-2],
        stderr=r.stderr,
        modules=int(head[0].removeprefix("bnn2hw modules ")),
        outside=ast.literal_eval(head[1]),
        log=ast.literal_eval(lines[-1].removeprefix("log ")),
    )
