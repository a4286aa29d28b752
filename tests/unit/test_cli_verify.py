"""`bnn2hw compile / run / verify` end to end on a tiny model, including a corrupted build."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from onnx_builders import save, tiny_mlp

from bnn2hw.cli import main


@pytest.fixture
def build(tmp_path: Path) -> Path:
    model = save(tiny_mlp(), tmp_path / "tiny.onnx")
    assert main(["compile", str(model), "-o", str(tmp_path / "b")]) == 0
    return tmp_path / "b"


def test_verify_random_1000_passes(build: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["verify", str(build), "--random", "1000"]) == 0
    out = capsys.readouterr().out
    assert "golden vs onnx" in out and "1000/1000" in out and "result: PASS" in out
    print(out)


def test_corrupted_threshold_is_caught(build: Path, capsys: pytest.CaptureFixture[str]) -> None:
    meta = json.loads((build / "bnn2hw.json").read_text())
    layer = meta["graph"]["layers"][0]
    act = layer["act"]
    ch = next(c for c, k in enumerate(act["constant"]) if k == 0)
    act["thresholds"][ch] = layer["mw"] + 1  # this channel now never fires
    (build / "bnn2hw.json").write_text(json.dumps(meta))
    assert main(["verify", str(build), "--random", "1000"]) == 1
    out = capsys.readouterr().out
    assert "result: FAIL" in out
    assert f"first mismatch: layer l00_dense (node 'mm1', tensor 's1'), channel {ch}" in out
    print(out)


def test_run_engines_agree(build: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    x = np.random.default_rng(5).uniform(-1, 1, (50, 16)).astype(np.float32)
    np.save(tmp_path / "x.npy", x)
    for e in ("onnx", "golden"):
        assert (
            main(
                [
                    "run",
                    str(build),
                    "--inputs",
                    str(tmp_path / "x.npy"),
                    "--engine",
                    e,
                    "-o",
                    str(tmp_path / f"{e}.npy"),
                ]
            )
            == 0
        )
    a, b = np.load(tmp_path / "onnx.npy"), np.load(tmp_path / "golden.npy")
    assert a.shape == b.shape == (50, 4)
    assert np.array_equal(a.argmax(1), b.argmax(1))
    np.testing.assert_allclose(b, a, rtol=1e-5, atol=1e-6)
    # the model file works as a target too, and intermediates come out on request
    model = build / "model.onnx"
    assert (
        main(
            [
                "run",
                str(model),
                "--inputs",
                str(tmp_path / "x.npy"),
                "--engine",
                "golden",
                "-o",
                str(tmp_path / "g2.npy"),
                "--intermediates",
                str(tmp_path / "i.npz"),
            ]
        )
        == 0
    )
    assert np.array_equal(np.load(tmp_path / "g2.npy"), b)
    inter = np.load(tmp_path / "i.npz")
    assert inter["acc"].shape == (50, 4) and inter["act_l00_dense"].shape == (50, 8)


def test_compile_is_deterministic(tmp_path: Path) -> None:
    model = save(tiny_mlp(), tmp_path / "tiny.onnx")
    for d in ("a", "b"):
        assert main(["compile", str(model), "-o", str(tmp_path / d)]) == 0
    files = sorted(
        p.relative_to(tmp_path / "a") for p in (tmp_path / "a").rglob("*") if p.is_file()
    )
    assert files
    for f in files:
        assert (tmp_path / "a" / f).read_bytes() == (tmp_path / "b" / f).read_bytes(), f
    meta = json.loads((tmp_path / "a" / "bnn2hw.json").read_text())
    assert meta["generated_by"].startswith("bnn2hw 0.1.0 from tiny.onnx (sha256:")


def test_force_replaces_build(tmp_path: Path) -> None:
    model = save(tiny_mlp(), tmp_path / "tiny.onnx")
    out = tmp_path / "b"
    assert main(["compile", str(model), "-o", str(out)]) == 0
    (out / "stale.txt").write_text("old")
    assert main(["compile", str(model), "-o", str(out), "--force"]) == 0
    assert not (out / "stale.txt").exists() and (out / "bnn2hw.json").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["b", "tiny.onnx"]


@pytest.mark.parametrize("tie", ["+1", "-1"])
def test_sign_at_zero_convention(
    tie: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A model whose Sign sees exact zeros compiles only with an explicit convention, and verify
    counts the ties it resolved that way (onnxruntime's Sign gives 0 there)."""
    from onnx import helper
    from onnx_builders import mlp_nodes

    nodes, inits = mlp_nodes()
    k = next(i for i, n in enumerate(nodes) if n.name == "bn1")
    nodes[k] = helper.make_node("Identity", ["a1"], ["b1"], name="noop")  # MatMul -> Sign
    model = save(tiny_mlp(nodes, inits), tmp_path / "tie.onnx")
    assert main(["compile", str(model), "-o", str(tmp_path / "b0")]) == 2
    assert "--sign-at-zero" in capsys.readouterr().err
    assert main(["compile", str(model), "-o", str(tmp_path / "b"), "--sign-at-zero", tie]) == 0
    assert main(["verify", str(tmp_path / "b"), "--random", "1000"]) == 0
    out = capsys.readouterr().out
    assert f"ONNX Sign at exactly 0 taken as {tie}" in out and "result: PASS" in out
    # without the convention, onnxruntime's Sign gives 0 at those ties: the model is not binary
    from bnn2hw.engines import run_onnx

    x = np.random.default_rng(0).uniform(-1, 1, (1000, 16)).astype(np.float32)
    raw = run_onnx(model, x, ["s1"]).tensors["s1"]
    assert (raw == 0).sum() > 0
    # `run --engine onnx` follows the build's convention too, for the build and the model file
    np.save(tmp_path / "x.npy", x)
    for target, extra in ((tmp_path / "b", []), (model, ["--sign-at-zero", tie])):
        for e in ("onnx", "golden"):
            argv = ["run", str(target), "--inputs", str(tmp_path / "x.npy"), "--engine", e]
            assert main([*argv, *extra, "-o", str(tmp_path / f"{e}.npy")]) == 0
        a, b = np.load(tmp_path / "onnx.npy"), np.load(tmp_path / "golden.npy")
        assert np.array_equal(a.argmax(1), b.argmax(1))
        np.testing.assert_allclose(b, a, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("shape_as_node", [False, True])
def test_qonnx_batched_engine_equals_frame_by_frame(shape_as_node: bool) -> None:
    """The onnx engine's batched qonnx path gives exactly the frame-by-frame results; a graph it
    cannot batch (the batch-1 reshape target is a Constant node) falls back to frame by frame."""
    from onnx import helper, numpy_helper
    from onnx_builders import mlp_nodes

    from bnn2hw.engines.onnx_engine import _qonnx_runner, _run_qonnx

    nodes, inits = mlp_nodes(seed=3)
    k = next(i for i, n in enumerate(nodes) if n.name == "sign1")
    nodes[k] = helper.make_node(
        "BipolarQuant", ["b1", "one"], ["s1"], name="bq", domain="qonnx.custom_op.general"
    )
    nodes.insert(0, helper.make_node("Reshape", ["x0", "flat"], ["x"], name="flatten1"))
    inits.append(numpy_helper.from_array(np.float32(1.0), "one"))
    flat = numpy_helper.from_array(np.array([1, -1], np.int64), "flat")
    if shape_as_node:
        nodes.insert(0, helper.make_node("Constant", [], ["flat"], name="c", value=flat))
    else:
        inits.append(flat)
    inp = [helper.make_tensor_value_info("x0", 1, [1, 1, 4, 4])]
    out = [helper.make_tensor_value_info("y", 1, [1, 4])]
    m = tiny_mlp(nodes, inits, inputs=inp, outputs=out)
    x = np.random.default_rng(0).uniform(-1, 1, (300, 1, 4, 4)).astype(np.float32)
    names = ["xs", "s1"]
    batched = _run_qonnx(m, x, names, "x0", "y", chunk=128)
    assert len(batched) == (300 if shape_as_node else 3)  # 128 + 128 + 44 frames per call
    single = _qonnx_runner(m, names, "x0", "y")
    ref = [single(x[i : i + 1]) for i in range(0, 300, 37)]
    got_out = np.concatenate([p.output for p in batched])
    for j, i in enumerate(range(0, 300, 37)):
        assert np.array_equal(got_out[i], ref[j].output[0])
        for n in names:
            got = np.concatenate([p.tensors[n] for p in batched])
            assert np.array_equal(got[i], ref[j].tensors[n][0])


def test_run_csim_equals_golden(build: Path, tmp_path: Path) -> None:
    """run --engine csim on a build and on a model file: the same output and intermediates."""
    x = np.random.default_rng(3).uniform(-1, 1, (64, 16)).astype(np.float32)
    np.save(tmp_path / "x.npy", x)
    outs = {}
    for engine, target in (
        ("golden", build),
        ("csim", build),
        ("csim", tmp_path / "tiny.onnx"),
    ):
        y, z = tmp_path / f"{engine}_{target.name}.npy", tmp_path / f"{engine}_{target.name}.npz"
        argv = ["run", str(target), "--inputs", str(tmp_path / "x.npy"), "--engine", engine]
        assert main([*argv, "-o", str(y), "--intermediates", str(z)]) == 0
        outs[(engine, target.name)] = (np.load(y), dict(np.load(z)))
    gy, gz = outs[("golden", "b")]
    for key in (("csim", "b"), ("csim", "tiny.onnx")):
        y, z = outs[key]
        assert np.array_equal(y, gy), key
        assert np.array_equal(z["acc"], gz["acc"]) and np.array_equal(
            z["act_l00_dense"], gz["act_l00_dense"]
        )
    print(f"run --engine csim: {gy.size} outputs, {gz['act_l00_dense'].size} bits equal to golden")


def test_corrupted_hls_weight_is_caught(build: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """One flipped weight bit in the emitted C++: verify and the test bench both name layer,
    frame and channel (the check can fail)."""
    import subprocess

    from bnn2hw.backends.hls.toolchain import ap_include_dir

    params = build / "hls" / "params" / "l00_dense.hpp"
    text = params.read_text()
    start = text.index("{  // pe 0") + len("{  // pe 0")
    word = text.index("0x", start)
    end = word + 2
    while text[end] in "0123456789abcdef":
        end += 1
    flipped = int(text[word + 2 : end], 16) ^ 1  # row 0, column 0
    params.write_text(f"{text[: word + 2]}{flipped:0{end - word - 2}x}{text[end:]}")
    assert main(["verify", str(build), "--random", "200", "--engines", "golden,csim"]) == 1
    out = capsys.readouterr().out
    assert "result: FAIL" in out and "first mismatch: layer l00_dense (node 'mm1'" in out
    assert "channel 0" in out
    tb = subprocess.run(
        ["make", "-s", "csim", f"AP_INCLUDE={ap_include_dir()}"],
        cwd=build / "hls",
        capture_output=True,
        text=True,
        check=False,
    )
    assert tb.returncode != 0
    assert "mismatch: frame" in tb.stdout and "layer l00_dense" in tb.stdout
    assert "channel 0: csim" in tb.stdout
    print(out.splitlines()[-3], "|", tb.stdout.splitlines()[0])
