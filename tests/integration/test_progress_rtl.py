"""The rtl engine reports its progress: the simulator build, then frames as the sink logs them."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from onnx_builders import save, tiny_mlp

from bnn2hw.build import load_build
from bnn2hw.cli import main
from bnn2hw.engines.rtl_engine import run_rtl
from bnn2hw.progress import Progress
from bnn2hw.stimuli import random_inputs

pytestmark = pytest.mark.rtl


class _Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_rtl_progress(tmp_path: Path) -> None:
    model = save(tiny_mlp(), tmp_path / "m.onnx")
    assert main(["compile", str(model), "-o", str(tmp_path / "b")]) == 0
    b = load_build(tmp_path / "b")
    x = random_inputs(b.graph, 40, seed=1)
    log = io.StringIO()
    with Progress(1, "rtl", stream=log) as p:
        run = run_rtl(b.graph, b.rtl_dir, x, progress=p)
    assert run.frames == 40
    assert log.getvalue().startswith("rtl [40/40] verilator: 40 frames (")
    tty = _Tty()
    with Progress(1, "rtl", stream=tty) as p:
        run_rtl(b.graph, b.rtl_dir, x, progress=p)
    shown = tty.getvalue()
    assert "verilator: build" in shown and "] 40/40  rtl verilator: 40 frames" in shown
