"""The compiler (import, passes, golden, HLS emission, csim, CLI) never imports torch (nor
hls4ml, which only lends its ap_int.h headers): torch is for training only."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from onnx_builders import save, tiny_mlp


def test_compile_and_verify_without_torch(tmp_path: Path) -> None:
    model = save(tiny_mlp(), tmp_path / "m.onnx")
    code = f"""
import sys
from bnn2hw.cli import main
assert main(["compile", {str(model)!r}, "-o", {str(tmp_path / "b")!r}]) == 0
assert main(["verify", {str(tmp_path / "b")!r}, "--random", "50",
             "--engines", "golden,onnx,csim"]) == 0
bad = sorted(m for m in sys.modules if m.split(".")[0] in ("torch", "brevitas", "hls4ml"))
assert not bad, bad
"""
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert p.returncode == 0, p.stderr[-2000:]
