"""Every model class, imported and compiled through the CLI, against its float reference.

On 500 inputs per model: every binarized intermediate identical between golden and the
reference (onnxruntime for torch exports, qonnx execution for QONNX / FINN-style graphs),
argmax identical, logits within 1e-5 relative. Each pass is also checked against the step
before it (golden of the imported float form vs the folded integer form) on the same inputs.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
import zoo

from bnn2hw.build import load_build
from bnn2hw.cli import main
from bnn2hw.frontend import import_model
from bnn2hw.golden import run_golden
from bnn2hw.ir.layers import FloatAct, MatVec, MaxPoolBits, ThresholdAct
from bnn2hw.passes import run_pipeline
from bnn2hw.verify import compare_to_reference

FRAMES = 500

Factory = Callable[..., zoo.ModelCase]
CASES: list[tuple[str, Factory, dict]] = [
    ("torch_mlp_dynamo", zoo.torch_mlp, {"dynamo": True}),
    ("torch_mlp_dynamo_op20", zoo.torch_mlp, {"dynamo": True, "opset": 20}),
    ("torch_mlp_torchscript_op13", zoo.torch_mlp, {"dynamo": False, "opset": 13}),
    ("torch_mlp_torchscript_op17", zoo.torch_mlp, {"dynamo": False, "opset": 17}),
    ("torch_cnn_dynamo", zoo.torch_cnn, {"dynamo": True}),
    ("torch_cnn_dynamo_op20", zoo.torch_cnn, {"dynamo": True, "opset": 20}),
    ("torch_cnn_torchscript_op13", zoo.torch_cnn, {"dynamo": False, "opset": 13}),
    ("torch_cnn_torchscript_op17", zoo.torch_cnn, {"dynamo": False, "opset": 17}),
    ("brevitas_tfc", zoo.brevitas_tfc, {}),
    ("brevitas_sfc", zoo.brevitas_sfc, {}),
    ("brevitas_lfc", zoo.brevitas_lfc, {}),
    ("brevitas_cnv", zoo.brevitas_cnv, {}),
    ("finn_tfc", zoo.finn_tfc, {}),
    ("finn_cnn", zoo.finn_cnn, {}),
]
NEEDS_TORCH = {
    "torch_mlp",
    "torch_cnn",
    "brevitas_tfc",
    "brevitas_sfc",
    "brevitas_lfc",
    "brevitas_cnv",
}


def _params() -> list:
    out = []
    for cid, fac, kw in CASES:
        marks = [pytest.mark.torch] if fac.__name__ in NEEDS_TORCH else []
        out.append(pytest.param(fac, kw, id=cid, marks=marks))
    return out


@pytest.mark.parametrize(("factory", "kwargs"), _params())
def test_bit_exact_against_reference(
    factory: Factory, kwargs: dict, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    case = factory(tmp_path, seed=1, **kwargs)
    build = tmp_path / "build"
    assert main(["compile", str(case.path), "-o", str(build), *case.compile_args]) == 0
    graph = load_build(build).graph
    x = case.sample(np.random.default_rng(2), FRAMES)

    # pass by pass: the imported float form and the folded integer form agree bit for bit
    imported = import_model(case.path, _options(case))
    assert any(isinstance(la, MatVec) and isinstance(la.act, FloatAct) for la in imported.layers)
    run_pipeline(imported, check_inputs=x)

    golden = run_golden(graph, x)
    missing = set(case.binarized) - set(golden.tensors)
    assert not missing, f"binarized tensors without a golden counterpart: {missing}"
    ref_out, ref_tensors = zoo.run_reference(case, x, case.binarized)
    cmp = compare_to_reference(graph, golden, ref_out, ref_tensors, graph.tie)
    with capsys.disabled():
        print(
            f"\n{case.name}: {cmp.frames} frames, {len(cmp.tensors)} binarized tensors, "
            f"{cmp.bits_compared:,} bits compared, {cmp.bit_mismatches} mismatches; "
            f"{cmp.logits_compared:,} logits, max rel diff {cmp.max_rel_diff:.2e}; argmax "
            f"{cmp.argmax_agree}/{cmp.frames}"
        )
    first = cmp.first_mismatch()
    assert cmp.bit_mismatches == 0, first.describe() if first else ""
    assert len(cmp.tensors) == len(case.binarized)
    assert cmp.argmax_agree == FRAMES
    assert cmp.max_rel_diff <= 1e-5
    assert np.array_equal(golden.logits.argmax(1), np.asarray(ref_out).argmax(1))
    # the zoo places every threshold well away from reachable values: no near-tie reports
    near = {
        la.name: la.act.near_ties.tolist()
        for la in graph.layers
        if isinstance(la, MatVec) and isinstance(la.act, ThresholdAct)
    }
    assert not any(near.values()), near
    if factory is zoo.torch_cnn:
        pools = [la for la in graph.layers if isinstance(la, MaxPoolBits)]
        assert any(p.and_mask.any() for p in pools), "no pool before a decreasing map (min)"
        flipped = [
            la.act.flipped.sum()
            for la in graph.layers
            if isinstance(la, MatVec) and hasattr(la.act, "flipped")
        ]
        assert sum(flipped) > 0, "no gamma < 0 channel was complemented"


def _options(case: zoo.ModelCase):
    from bnn2hw.frontend import ImportOptions

    args = dict(zip(case.compile_args[::2], case.compile_args[1::2], strict=True))
    return ImportOptions(input_int=args.get("--input-int"))


@pytest.mark.torch
def test_verify_cli_on_torch_cnn(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """`bnn2hw verify` (its own onnx engine) passes on 500 frames of the CNN."""
    case = zoo.torch_cnn(tmp_path, seed=3)
    build = tmp_path / "b"
    assert main(["compile", str(case.path), "-o", str(build), *case.compile_args]) == 0
    np.save(tmp_path / "x.npy", case.sample(np.random.default_rng(4), FRAMES))
    assert main(["verify", str(build), "--inputs", str(tmp_path / "x.npy")]) == 0
    out = capsys.readouterr().out
    assert "result: PASS" in out and f"{FRAMES}/{FRAMES}" in out
