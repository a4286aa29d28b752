"""The emitted Verilog design as a whole: hostile names, labels in hardware, a reset in the
middle of a frame, a long run under random stalls, the command line. No torch needed."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import numpy as np
import pytest
import zoo
from onnx_builders import hostile_copy, label_model, save, tiny_mlp

from bnn2hw.backends.verilog.emit import design_sources, top_module
from bnn2hw.build import Build, load_build
from bnn2hw.cli import main
from bnn2hw.engines.rtl_engine import epoch_frames, run_rtl
from bnn2hw.golden import run_golden
from bnn2hw.hw.dataflow import lower
from bnn2hw.rtl_sim import Stalls, lint_verilog, wave_format
from bnn2hw.stimuli import random_inputs
from bnn2hw.verify import verify_graph
from bnn2hw.verify.compare import compare_exact

pytestmark = pytest.mark.rtl


def _compile(model: Path, out: Path, *extra: str) -> Build:
    assert main(["compile", str(model), "-o", str(out), *extra]) == 0
    return load_build(out)


@pytest.mark.parametrize("kind", ["tiny_mlp", "finn_cnn"])
def test_hostile_names_lint_and_simulate(kind: str, tmp_path: Path) -> None:
    src = (
        save(tiny_mlp(), tmp_path / "t.onnx")
        if kind == "tiny_mlp"
        else zoo.finn_cnn(tmp_path, seed=3).path
    )
    b = _compile(hostile_copy(src, tmp_path), tmp_path / "b")
    files = [p for p in b.rtl_dir.rglob("*") if p.is_file()]
    for p in files:
        text = p.read_text()
        assert text.isascii(), p
        for bad in ("*/ /*", "${y}", "`z`", "\\te"):
            assert bad not in text, (p, bad)
    srcs = design_sources(b.rtl_dir)
    assert lint_verilog(srcs, top_module(b.graph)) == []
    x = random_inputs(b.graph, 30, seed=5)
    res = verify_graph(b.graph, b.model_path, x, ["golden", "rtl"], rtl_dir=b.rtl_dir)
    cmp = res.comparisons["rtl"]
    print(
        f"\nhostile {kind}: {len(files)} rtl files lint clean; golden vs rtl "
        f"{cmp.bits_compared:,} values, {cmp.bit_mismatches} mismatches; {res.notes['rtl']}"
    )
    assert res.ok and cmp.frames == 30


def test_filelist_and_memories_consistent(tmp_path: Path) -> None:
    """Every file the filelist names exists; every module instantiated is defined once; every
    $readmemh file exists with the word count and width its memory declares."""
    b = _compile(zoo.finn_cnn(tmp_path, seed=3).path, tmp_path / "b")
    srcs = design_sources(b.rtl_dir)
    assert all(p.exists() for p in srcs)
    text = {p: p.read_text() for p in srcs}
    defined = [m for t in text.values() for m in re.findall(r"^module (\w+)", t, re.M)]
    assert len(defined) == len(set(defined))
    used = {
        m
        for p, t in text.items()
        if p.parent == b.rtl_dir
        for m in re.findall(r"^    (\w+)(?: #\(| u_| mvau| pool)", t, re.M)
    }
    assert used and used <= set(defined), used - set(defined)
    mems = sorted(b.rtl_dir.glob("*.mem"))
    named = {
        m for p, t in text.items() if p.parent == b.rtl_dir for m in re.findall(r'"(\w+\.mem)"', t)
    }
    assert named == {m.name for m in mems}
    for m in mems:
        words = m.read_text().split()
        assert words and len({len(w) for w in words}) == 1, m
        assert all(int(w, 16) >= 0 for w in words)


@pytest.mark.parametrize(
    ("argmax", "scale", "topk"), [(True, -2.0, None), (False, 0.5, 3), (False, -0.5, 6)]
)
def test_label_select_in_hardware(
    argmax: bool, scale: float, topk: int | None, tmp_path: Path
) -> None:
    model = label_model(tmp_path, argmax=argmax, scale=scale)
    b = _compile(model, tmp_path / "b", *(["--topk", str(topk)] if topk else []))
    x = random_inputs(b.graph, 200, seed=2)
    res = verify_graph(b.graph, b.model_path, x, ["golden", "rtl"], rtl_dir=b.rtl_dir)
    cmp = res.comparisons["rtl"]
    print(f"\nrtl labels k={topk or 1}: {cmp.labels_agree}/{cmp.labels_compared} frames agree")
    assert res.ok and cmp.labels_compared == 200 and cmp.output_is_labels


def test_reset_mid_frame_then_new_frames(tmp_path: Path) -> None:
    """A reset in the middle of a frame: what came out before is a prefix of the right output,
    and every frame after the reset comes out exactly."""
    b = _compile(zoo.finn_cnn(tmp_path, seed=3).path, tmp_path / "b")
    df = lower(b.graph)
    itf = df.interface
    x = random_inputs(b.graph, 12, seed=9)
    golden = run_golden(b.graph, x)
    want = golden.labels if itf.labels else golden.acc.reshape(12, -1)
    assert want is not None
    clean = run_rtl(b.graph, b.rtl_dir, x, stalls=Stalls.named("none"))
    assert [f for _, f in clean.log.frame_starts] == list(range(12))
    reset_at = clean.log.frame_starts[5][0] + itf.input.beats // 2  # inside frame 5's input
    run = run_rtl(b.graph, b.rtl_dir, x, stalls=Stalls.named("both", 3), reset_at=reset_at)
    assert len(run.log.epochs) == 2
    before = epoch_frames(df, run.log, epoch=0)
    assert np.array_equal(before, want[: before.shape[0]])
    resumed = [f for c, f in run.log.frame_starts if c > reset_at]
    assert resumed and resumed == list(range(resumed[0], 12)) and resumed[0] >= 6
    cmp = compare_exact(b.graph, run_golden(b.graph, x[resumed[0] :]), run.result)
    print(
        f"\nreset at cycle {reset_at} (frame 5 in flight): {before.shape[0]} frames out before,"
        f" frames {resumed[0]}..11 after: {cmp.bits_compared} values, "
        f"{cmp.bit_mismatches} mismatches"
    )
    assert cmp.ok and run.frames == 12 - resumed[0]


def test_thousand_frames_under_stalls(tmp_path: Path) -> None:
    """1,000 frames with random gaps and back-pressure: nothing lost, duplicated or corrupted."""
    b = _compile(save(tiny_mlp(), tmp_path / "t.onnx"), tmp_path / "b")
    x = random_inputs(b.graph, 1000, seed=21)
    run = run_rtl(b.graph, b.rtl_dir, x, stalls=Stalls(gap=128, backpressure=128, seed=77))
    cmp = compare_exact(b.graph, run_golden(b.graph, x), run.result)
    print(
        f"\n1000 frames: {cmp.bits_compared:,} values, {cmp.bit_mismatches} mismatches; "
        f"{run.describe()}"
    )
    assert cmp.ok and run.frames == 1000
    assert len(run.log.beats) == 1000 * lower(b.graph).interface.output.beats


def test_cli_run_and_verify_rtl(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    model = save(tiny_mlp(), tmp_path / "t.onnx")
    b = _compile(model, tmp_path / "b")
    x = random_inputs(b.graph, 16, seed=1)
    np.save(tmp_path / "x.npy", x)
    for target in (tmp_path / "b", model):
        out = tmp_path / "y_rtl.npy"
        args = ["run", str(target), "--inputs", str(tmp_path / "x.npy"), "--engine", "rtl"]
        assert main([*args, "-o", str(out), "--stalls", "output"]) == 0
        g = tmp_path / "y_golden.npy"
        gargs = ["run", str(target), "--inputs", str(tmp_path / "x.npy"), "--engine", "golden"]
        assert main([*gargs, "-o", str(g)]) == 0
        assert np.array_equal(np.load(out), np.load(g))
    capsys.readouterr()
    assert main(["verify", str(tmp_path / "b"), "--engines", "golden,rtl", "--random", "20"]) == 0
    text = capsys.readouterr().out
    assert "golden vs rtl" in text and "cycles/frame" in text and "result: PASS" in text


@pytest.mark.skipif(shutil.which("iverilog") is None, reason="Icarus Verilog not installed")
def test_icarus_second_simulator(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The same design and harness under Icarus Verilog: bit-exact, same cycle counts."""
    b = _compile(zoo.finn_cnn(tmp_path, seed=3).path, tmp_path / "b")
    x = random_inputs(b.graph, 8, seed=4)
    golden = run_golden(b.graph, x)
    st = Stalls.named("both", 5)
    runs = {
        s: run_rtl(b.graph, b.rtl_dir, x, stalls=st, simulator=s) for s in ("icarus", "verilator")
    }
    for s, run in runs.items():
        cmp = compare_exact(b.graph, golden, run.result)
        print(
            f"\n{s}: {cmp.bits_compared} values, {cmp.bit_mismatches} mismatches; {run.describe()}"
        )
        assert cmp.ok
    assert runs["icarus"].log.epochs == runs["verilator"].log.epochs  # cycle for cycle
    capsys.readouterr()
    args = ["verify", str(tmp_path / "b"), "--engines", "golden,rtl", "--random", "4"]
    assert main([*args, "--simulator", "icarus"]) == 0
    assert "result: PASS" in capsys.readouterr().out


def test_waveform_on_request(tmp_path: Path) -> None:
    b = _compile(save(tiny_mlp(), tmp_path / "t.onnx"), tmp_path / "b")
    x = random_inputs(b.graph, 4, seed=1)
    np.save(tmp_path / "x.npy", x)
    fmt = wave_format()
    dump = tmp_path / f"run.{fmt}"
    args = ["run", str(tmp_path / "b"), "--inputs", str(tmp_path / "x.npy"), "--engine", "rtl"]
    assert main([*args, "-o", str(tmp_path / "y.npy"), "--waves", str(dump)]) == 0
    head = dump.read_bytes()[:64]
    assert dump.stat().st_size > 1000
    if fmt == "vcd":
        assert b"$date" in head or b"$version" in head or b"$timescale" in head
    print(f"\nwaveform: {dump.name}, {dump.stat().st_size:,} bytes ({fmt})")
