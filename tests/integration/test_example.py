"""The bundled examples (the README demo's CNN and the MLP) compile, verify and keep their
accuracy."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from bnn2hw.build import load_build
from bnn2hw.cli import main
from bnn2hw.engines import run_onnx
from bnn2hw.golden import run_golden

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"

# name: (layer kinds after compilation, test-set input shape, minimum test accuracy)
CASES = {
    "digits_mlp": (["dense", "dense", "dense"], (450, 64), 0.93),
    "digits_cnn": (
        ["conv", "conv", "maxpool", "conv", "maxpool", "dense"],
        (450, 1, 8, 8),
        0.95,
    ),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_example_model(name: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    kinds, shape, min_acc = CASES[name]
    model = EXAMPLES / name / f"{name}.onnx"
    build = tmp_path / "b"
    assert main(["compile", str(model), "-o", str(build)]) == 0
    meta = json.loads((build / "bnn2hw.json").read_text())
    assert meta["graph"]["input"]["quant"]["declared"]  # uint5 from the model's metadata
    assert [r["kind"] for r in meta["layers"]] == kinds
    inputs = [r.get("input") for r in meta["layers"] if r["kind"] != "maxpool"]
    assert inputs == ["int[0,31]"] + ["bits"] * (len(inputs) - 1)

    data = np.load(EXAMPLES / name / "test_set.npz")
    x, labels = data["inputs"], data["labels"]
    assert x.shape == shape and x.dtype == np.float32 and labels.shape == (shape[0],)
    np.save(tmp_path / "x.npy", x)
    assert main(["verify", str(build), "--inputs", str(tmp_path / "x.npy")]) == 0
    assert main(["verify", str(build), "--random", "1000"]) == 0
    out = capsys.readouterr().out
    assert out.count("result: PASS") == 2

    golden = run_golden(load_build(build).graph, x)
    ref = run_onnx(model, x)
    acc_golden = float((golden.output.argmax(1) == labels).mean())
    acc_ref = float((ref.output.argmax(1) == labels).mean())
    with capsys.disabled():
        print(
            f"\n{name}: {len(labels)} test digits, accuracy golden {acc_golden:.2%}, "
            f"onnxruntime {acc_ref:.2%} (minimum {min_acc:.0%})"
        )
    assert acc_golden == acc_ref
    assert acc_golden >= min_acc
