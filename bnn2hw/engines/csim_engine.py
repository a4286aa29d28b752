"""The csim engine: the emitted HLS project compiled with g++ and run on the given inputs.

The project's Makefile builds ``BUILD/hls/build/<net>_csim`` (cached: make rebuilds only when a
source changed). Inputs are quantized and packed into beats by the same code that wrote the
golden vectors; the test bench dumps the output port and every layer's stream, which are unpacked
back into the golden model's layout, so csim and golden compare value for value.
"""

from __future__ import annotations

import fcntl
import subprocess
import tempfile
from pathlib import Path

import numpy as np

from bnn2hw.backends.hls.toolchain import ap_include_dir, cxx
from bnn2hw.errors import BuildError
from bnn2hw.golden.reference import GoldenResult, port_result, quantize_input
from bnn2hw.hw.dataflow import lower
from bnn2hw.hw.vectors import (
    decode_output,
    decode_tap,
    encode_input,
    hex_file_text,
    read_hex_file,
)
from bnn2hw.ir.graph import Graph

__all__ = ["build_csim", "run_csim"]


def _tail(text: str, n: int = 12) -> str:
    lines = [ln for ln in text.splitlines() if ln.strip()]
    return " | ".join(lines[-n:])


def build_csim(hls_dir: Path, net: str) -> Path:
    """Build (or reuse) the C-simulation binary of an emitted project; returns its path."""
    hls_dir = Path(hls_dir)
    if not (hls_dir / "Makefile").is_file():
        raise BuildError(f"{hls_dir}: no HLS project (Makefile missing); recompile the model")
    cmd = ["make", "-s", "-j2", "all", f"AP_INCLUDE={ap_include_dir()}", f"CXX={cxx()}"]
    lock = hls_dir / ".csim.lock"
    with open(lock, "w") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)  # one build at a time per project
        try:
            proc = subprocess.run(cmd, cwd=hls_dir, capture_output=True, text=True, check=False)
        except FileNotFoundError:
            raise BuildError("make not found; install make to build the C-simulation") from None
    log = proc.stdout + proc.stderr
    if proc.returncode != 0:
        raise BuildError(f"{hls_dir}: C-simulation build failed: {_tail(log)}")
    if log.strip():  # make is silent (-s) unless the compiler said something
        (hls_dir / "build" / "compiler.log").write_text(log)
    return hls_dir / "build" / f"{net}_csim"


def run_csim(graph: Graph, hls_dir: Path, x: np.ndarray) -> GoldenResult:
    """Run the C-simulation on model-unit inputs x; returns every value it produced."""
    df = lower(graph)
    binary = build_csim(hls_dir, graph.name)
    q = quantize_input(graph.input, x)
    n = int(q.shape[0])
    with tempfile.TemporaryDirectory(prefix="bnn2hw-csim-") as tmp:
        t = Path(tmp)
        (t / "in").mkdir()
        (t / "out").mkdir()
        (t / "in" / "input.hex").write_text(hex_file_text(encode_input(df, q)))
        proc = subprocess.run(
            [str(binary), str(t / "in"), str(t / "out")],
            capture_output=True,
            text=True,
            check=False,
        )
        if proc.returncode != 0:
            raise BuildError(
                f"C-simulation failed (exit {proc.returncode}): {_tail(proc.stdout + proc.stderr)}"
            )

        out = decode_output(df, read_hex_file(t / "out" / "output.hex"))
        acts: dict[str, np.ndarray] = {"input": q}
        for name, stream, shape in df.taps():
            lines = read_hex_file(t / "out" / f"{name}.hex")
            acts[name] = decode_tap(stream, lines, name).reshape(n, *shape)
    if out.shape[0] != n:
        raise BuildError(f"C-simulation returned {out.shape[0]} frames for {n} inputs")
    return port_result(graph, out, df.interface.labels, acts)
