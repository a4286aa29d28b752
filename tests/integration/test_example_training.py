"""The example training scripts, run as users run them: the digits MLP and CNN train to their
accuracy targets (printed next to a full-precision model of the same shape), export, and the
exported model compiles to a golden model with the same test accuracy as the PyTorch model.

Full training (about 20 s and 30 s on 2 cores). Whether the retrained ONNX is byte-identical to
the committed one is printed (it is on the machine that trained them; other CPUs may round
float sums differently), not asserted.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from bnn2hw.build import load_build
from bnn2hw.cli import main
from bnn2hw.golden import run_golden

pytestmark = pytest.mark.torch

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
TARGETS = {"digits_mlp": 0.93, "digits_cnn": 0.95}
ACC = re.compile(r"test accuracy: BNN ([\d.]+)% .*float ([\d.]+)%")


@pytest.mark.parametrize("name", sorted(TARGETS))
def test_training_script_reaches_target(
    name: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    proc = subprocess.run(
        [sys.executable, str(EXAMPLES / name / "train.py"), "--out", str(out)],
        capture_output=True,
        text=True,
        check=False,
        timeout=900,
    )
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    m = ACC.search(proc.stdout)
    assert m, proc.stdout[-2000:]
    bnn_acc, float_acc = float(m.group(1)) / 100, float(m.group(2)) / 100

    onnx_path = out / f"{name}.onnx"
    build = tmp_path / "build"
    assert main(["compile", str(onnx_path), "-o", str(build)]) == 0
    data = np.load(out / "test_set.npz")
    golden = run_golden(load_build(build).graph, data["inputs"])
    golden_acc = float((golden.output.argmax(1) == data["labels"]).mean())
    same = onnx_path.read_bytes() == (EXAMPLES / name / f"{name}.onnx").read_bytes()
    with capsys.disabled():
        print(
            f"\n{name}: BNN {bnn_acc:.2%} (golden model of the export {golden_acc:.2%}), "
            f"float {float_acc:.2%}, target {TARGETS[name]:.0%}; "
            f"retrained ONNX byte-identical to the committed one: {same}"
        )
    assert bnn_acc >= TARGETS[name]
    assert abs(golden_acc - bnn_acc) < 1e-4  # the printed accuracy is rounded to 0.01%
