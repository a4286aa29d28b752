"""RTL simulation speed: Brevitas CNV W1A1 at FINN's fold_cnv_large, Verilator under cocotb.

    .venv/bin/python benches/bench_rtl.py [--frames N] [--seed S]

Model: Brevitas bnn_pynq ``cnv_1w1a`` (tests/zoo.py, random weights, placed BatchNorm statistics)
at FINN's fold_cnv_large folding (tests/foldings.py). Measures: bnn2hw compile (ONNX -> golden
vectors, HLS project, Verilog design), the Verilator build of the simulator (cold: Verilator's
runtime compiled too, in an empty cache; warm: runtime objects from the cache, as every later
build), the simulator's fixed start-up (a run with no frames), and N frames streamed without
stalls and with random stalls on both sides (input gaps and output back-pressure, 96/256 of
cycles each). Every output value is compared with the golden model. Wall time is cocotb's
runner.test (simulator start-up included); "after start-up" takes the fixed start-up off. The
golden model and the C-simulation run the same frames for the ratios. Issue target: >= 1 M
simulated cycles/s. Reference, measured before the build changes on the same 2-core machine
(cocotb runner defaults: --public-flat-rw, -O2): 38 s build, 0.035 M cycles/s, 0.9 frames/s.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

import zoo  # noqa: E402
from foldings import FINN_CNV_LARGE, fold_list  # noqa: E402

from bnn2hw.build import load_build  # noqa: E402
from bnn2hw.cli import main as cli  # noqa: E402
from bnn2hw.engines.csim_engine import build_csim, run_csim  # noqa: E402
from bnn2hw.engines.rtl_engine import RtlRun, build_rtl_sim, run_rtl  # noqa: E402
from bnn2hw.golden import run_golden  # noqa: E402
from bnn2hw.golden.reference import GoldenResult  # noqa: E402
from bnn2hw.ir.graph import Graph  # noqa: E402
from bnn2hw.rtl_sim import Stalls, run_stream_sim  # noqa: E402
from bnn2hw.verify.compare import compare_exact  # noqa: E402

TARGET_CPS = 1e6
BEFORE_BUILD_S, BEFORE_CPS, BEFORE_FPS = 38.0, 0.035e6, 0.9


def compile_cnv(tmp: Path, seed: int) -> tuple[zoo.ModelCase, Path, float]:
    """Export CNV, compile it at fold_cnv_large: the case, the build folder, the compile time."""
    case = zoo.brevitas_cnv(tmp / "model", seed=seed)
    probe = tmp / "probe"  # the default build tells the layer names
    with contextlib.redirect_stdout(io.StringIO()):
        assert cli(["compile", str(case.path), "-o", str(probe), *case.compile_args]) == 0
    spec = fold_list(FINN_CNV_LARGE)(load_build(probe).graph)
    (tmp / "folding.json").write_text(json.dumps(spec))
    args = ["compile", str(case.path), "-o", str(tmp / "build"), *case.compile_args]
    args += ["--folding", str(tmp / "folding.json")]
    t0 = time.perf_counter()
    with contextlib.redirect_stdout(io.StringIO()):
        assert cli(args) == 0
    return case, tmp / "build", time.perf_counter() - t0


def timed_build(graph: Graph, rtl_dir: Path, sim_dir: Path, cache: Path) -> float:
    """Build the simulator with Verilator's runtime objects cached in ``cache``."""
    saved = os.environ.get("BNN2HW_SIM_CACHE")
    os.environ["BNN2HW_SIM_CACHE"] = str(cache)
    try:
        t0 = time.perf_counter()
        build_rtl_sim(graph, rtl_dir, sim_dir)
        return time.perf_counter() - t0
    finally:
        if saved is None:
            os.environ.pop("BNN2HW_SIM_CACHE", None)
        else:
            os.environ["BNN2HW_SIM_CACHE"] = saved


def check(graph: Graph, golden: GoldenResult, other: GoldenResult) -> tuple[int, int]:
    """Values compared and mismatches of ``other`` against golden."""
    cmp = compare_exact(graph, golden, other)
    return cmp.bits_compared, cmp.bit_mismatches


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--frames", type=int, default=20)
    ap.add_argument("--seed", type=int, default=1, help="model weights and input frames")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        case, build_dir, t_compile = compile_cnv(tmp, args.seed)
        b = load_build(build_dir)
        graph = b.graph

        # cold: the empty cache makes the build compile Verilator's runtime too; warm: a
        # second design folder, the runtime objects from the cache
        t_cold = timed_build(graph, b.rtl_dir, tmp / "sim_cold", tmp / "cache")
        t_warm = timed_build(graph, b.rtl_dir, tmp / "sim", tmp / "cache")
        sim = build_rtl_sim(graph, b.rtl_dir, tmp / "sim")  # built above: reused
        startup = min(  # no frames: the run ends a few cycles after reset
            run_stream_sim(sim, [], tmp / "empty", in_frame_beats=1, out_frame_beats=1).seconds
            for _ in range(3)
        )

        x = case.sample(np.random.default_rng(args.seed), args.frames)

        t0 = time.perf_counter()
        gold = run_golden(graph, x)
        golden_fps = args.frames / (time.perf_counter() - t0)
        t0 = time.perf_counter()
        build_csim(b.hls_dir, graph.name)
        t_csim_build = time.perf_counter() - t0
        t0 = time.perf_counter()
        csim = run_csim(graph, b.hls_dir, x)
        csim_fps = args.frames / (time.perf_counter() - t0)
        csim_check = check(graph, gold, csim)

        runs: list[tuple[str, RtlRun, tuple[int, int]]] = []
        for label, stalls in (
            ("no stalls", Stalls.named("none", seed=args.seed)),
            ("random stalls both sides", Stalls.named("both", seed=args.seed)),
        ):
            run = run_rtl(graph, b.rtl_dir, x, stalls=stalls, sim_dir=tmp / "sim")
            runs.append((label, run, check(graph, gold, run.result)))

    n = args.frames
    print(
        f"CNV W1A1 (Brevitas cnv_1w1a, random weights), fold_cnv_large, {n} frames, "
        f"{os.cpu_count()} cores"
    )
    print(f"{'compile ONNX -> golden, HLS, Verilog (s)':<46}{t_compile:>10.2f}")
    print(
        f"{'Verilator build, cold: runtime compiled (s)':<46}{t_cold:>10.2f}"
        f"   (before: {BEFORE_BUILD_S:.0f} s, {BEFORE_BUILD_S / t_cold:.1f}x)"
    )
    print(
        f"{'Verilator build, runtime objects cached (s)':<46}{t_warm:>10.2f}"
        f"   (before: {BEFORE_BUILD_S:.0f} s, {BEFORE_BUILD_S / t_warm:.1f}x)"
    )
    print(f"{'simulator start-up per run (s)':<46}{startup:>10.2f}")
    print(f"{'g++ build of the C-sim (s)':<46}{t_csim_build:>10.2f}")
    print()
    head = (
        f"{'run':<26}{'cycles':>10}{'wall s':>8}{'Mcyc/s':>8}{'after':>8}{'frames/s':>10}"
        f"{'cyc/frame':>11}{'x bottleneck':>13}{'compared':>10}{'mismatch':>9}"
    )
    print(head)
    print(f"{'':<26}{'':>10}{'':>8}{'':>8}{'start-up':>8}")
    for label, run, (compared, mism) in runs:
        secs = run.log.seconds
        cpf = run.cycles_per_frame
        cpf_s = f"{cpf:,.0f}" if cpf is not None else "-"
        ratio = f"{cpf / run.bottleneck:.3f}" if cpf is not None else "-"
        print(
            f"{label:<26}{run.log.cycles:>10,}{secs:>8.2f}{run.log.cycles / secs / 1e6:>8.3f}"
            f"{run.log.cycles / max(secs - startup, 1e-9) / 1e6:>8.3f}{n / secs:>10.1f}"
            f"{cpf_s:>11}{ratio:>13}{compared:>10,}{mism:>9}"
        )
    print(f"analytic bottleneck: {runs[0][1].bottleneck:,} cycles/frame")
    print()
    rtl_fps = n / runs[0][1].log.seconds
    rtl_cps = runs[0][1].log.cycles / runs[0][1].log.seconds
    print(f"{'frames/s':<34}{'':>10}{'RTL / this':>12}")
    print(f"{'RTL simulation, no stalls':<34}{rtl_fps:>10.1f}{1.0:>11.2f}x")
    print(f"{'golden model':<34}{golden_fps:>10.1f}{rtl_fps / golden_fps:>11.4f}x")
    print(f"{'C-simulation':<34}{csim_fps:>10.1f}{rtl_fps / csim_fps:>11.4f}x")
    print(f"{'RTL before the build changes':<34}{BEFORE_FPS:>10.1f}{rtl_fps / BEFORE_FPS:>11.1f}x")
    print(
        f"simulated cycles/s (no stalls): {rtl_cps / 1e6:.3f} M, target >= {TARGET_CPS / 1e6:.0f} M"
        f" ({rtl_cps / TARGET_CPS:.2f} of it); before: {BEFORE_CPS / 1e6:.3f} M "
        f"({rtl_cps / BEFORE_CPS:.1f}x)"
    )
    ok = all(m == 0 for _, _, (_, m) in runs) and csim_check[1] == 0
    print(
        f"RTL == golden on every output value (both runs), C-sim == golden "
        f"({csim_check[0]:,} values): {'yes' if ok else 'NO'}"
    )
    if not ok:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
