"""The bundled example (README demo model) compiles, verifies and keeps its accuracy."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from bnn2hw.build import load_build
from bnn2hw.cli import main
from bnn2hw.engines import run_onnx
from bnn2hw.golden import run_golden

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "digits_mlp"


def test_digits_mlp(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    build = tmp_path / "b"
    assert main(["compile", str(EXAMPLE / "digits_mlp.onnx"), "-o", str(build)]) == 0
    meta = json.loads((build / "bnn2hw.json").read_text())
    assert meta["graph"]["input"]["quant"]["declared"]  # uint5 from the model's metadata
    assert [r["input"] for r in meta["layers"]] == ["int[0,31]", "bits", "bits"]
    data = np.load(EXAMPLE / "test_set.npz")
    x, labels = data["inputs"], data["labels"]
    np.save(tmp_path / "x.npy", x)
    assert main(["verify", str(build), "--inputs", str(tmp_path / "x.npy")]) == 0
    assert main(["verify", str(build), "--random", "1000"]) == 0
    out = capsys.readouterr().out
    assert out.count("result: PASS") == 2
    golden = run_golden(load_build(build).graph, x)
    ref = run_onnx(EXAMPLE / "digits_mlp.onnx", x)
    acc_golden = float((golden.output.argmax(1) == labels).mean())
    acc_ref = float((ref.output.argmax(1) == labels).mean())
    print(
        f"digits_mlp: {len(labels)} test digits, accuracy golden {acc_golden:.2%}, "
        f"onnxruntime {acc_ref:.2%}"
    )
    assert acc_golden == acc_ref
    assert acc_golden >= 0.93
