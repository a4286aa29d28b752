"""HLS C-simulation speed on a CNV-shaped BNN, beside the published peer figures, in one run.

    .venv/bin/python benches/bench_csim.py [--frames N]

Model: the CNV-shaped torch export of bench_golden.py (8-bit input, 6 binary 3x3 convs, 3 dense
layers) at FINN's fold_cnv_large folding. Measures: bnn2hw compile (ONNX -> integer model,
golden vectors, HLS project), the g++ build of the C-simulation, C-simulation frames/s (every
layer's stream compared with golden), and the golden model's frames/s. DESIGN.md targets:
compile + build <= 15 s, C-simulation >= 100 frames/s. hls4ml 1.3.0 (ANCHORS.md, same CPU):
21 s build, 0.7 frames/s.
"""

from __future__ import annotations

import argparse
import json
import shutil
import tempfile
import time
from pathlib import Path

import numpy as np
from bench_golden import cnv_torch

from bnn2hw.build import compile_model, load_build, write_build
from bnn2hw.engines.csim_engine import build_csim, run_csim
from bnn2hw.frontend import ImportOptions
from bnn2hw.golden import run_golden
from bnn2hw.ir.folding import read_folding_file

FOLD_CNV_LARGE = [(16, 3), (32, 32), (16, 32), (16, 32), (4, 32), (1, 32), (1, 4), (1, 8), (5, 1)]
HLS4ML_BUILD_S, HLS4ML_FPS = 21.0, 0.7


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--frames", type=int, default=100)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        onnx_path = tmp / "cnv.onnx"
        cnv_torch(onnx_path)
        options = ImportOptions(input_int="uint8")
        probe = compile_model(onnx_path, options)
        mvaus = [la.name for la in probe.layers if not la.name.endswith("pool")]
        fold = {n: {"pe": p, "simd": s} for n, (p, s) in zip(mvaus, FOLD_CNV_LARGE, strict=True)}
        (tmp / "fold.json").write_text(json.dumps(fold))

        t0 = time.perf_counter()
        graph = compile_model(onnx_path, options, folding=read_folding_file(tmp / "fold.json"))
        write_build(tmp / "b", onnx_path, graph, options)
        t_compile = time.perf_counter() - t0
        b = load_build(tmp / "b")
        t0 = time.perf_counter()
        build_csim(b.hls_dir, b.graph.name)
        t_build = time.perf_counter() - t0

        x = np.random.default_rng(0).integers(0, 256, (args.frames, 3, 32, 32))
        x = x.astype(np.float32)
        t0 = time.perf_counter()
        res = run_csim(b.graph, b.hls_dir, x)
        csim_fps = args.frames / (time.perf_counter() - t0)
        t0 = time.perf_counter()
        gold = run_golden(b.graph, x)
        golden_fps = args.frames / (time.perf_counter() - t0)
        assert np.array_equal(res.acc, gold.acc), "csim differs from golden"
        shutil.rmtree(tmp / "b")

    print(f"CNV (fold_cnv_large), {args.frames} frames, 2 cores")
    print(f"{'':<34}{'bnn2hw':>12}{'hls4ml 1.3':>12}{'ratio':>9}")
    print(f"{'compile ONNX -> HLS project (s)':<34}{t_compile:>12.2f}{'-':>12}{'':>9}")
    print(
        f"{'g++ build of the C-sim (s)':<34}{t_build:>12.2f}{HLS4ML_BUILD_S:>12.1f}"
        f"{HLS4ML_BUILD_S / t_build:>8.1f}x"
    )
    print(
        f"{'C-simulation (frames/s)':<34}{csim_fps:>12.1f}{HLS4ML_FPS:>12.1f}"
        f"{csim_fps / HLS4ML_FPS:>8.0f}x"
    )
    print(f"{'golden model (frames/s)':<34}{golden_fps:>12.1f}{'':>12}")
    print("csim == golden on every accumulator: yes")


if __name__ == "__main__":
    main()
