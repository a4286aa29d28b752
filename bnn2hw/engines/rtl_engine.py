"""The rtl engine: the emitted Verilog design simulated with Verilator under cocotb.

The design (BUILD/rtl) is compiled once into BUILD/sim/verilator (cached by content). Inputs are
quantized and packed into beats by the same code that writes the golden vectors and will feed the
board; the harness streams them with seeded random input gaps and output back-pressure and logs
every output beat with its cycle, which gives the outputs, the steady-state cycles per frame and
the latency.
"""

from __future__ import annotations

import fcntl
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from bnn2hw.backends.render import header
from bnn2hw.backends.verilog.emit import design_sources, top_module
from bnn2hw.driver.codec import Codec, decode_beats
from bnn2hw.errors import BuildError
from bnn2hw.golden.reference import GoldenResult
from bnn2hw.hw.dataflow import Dataflow, lower, stage_cycles
from bnn2hw.hw.streams import beats_to_hex
from bnn2hw.ir.graph import Graph
from bnn2hw.progress import Progress
from bnn2hw.rtl_sim import (
    SimBuild,
    Stalls,
    StreamLog,
    build_stream_sim,
    run_stream_sim,
    tb_top_text,
    wave_format,
)

__all__ = ["RtlRun", "build_rtl_sim", "epoch_frames", "run_rtl", "steady_state"]


@dataclass
class RtlRun:
    """One simulation: the outputs as the golden model lays them out, and the timing."""

    result: GoldenResult
    log: StreamLog
    stalls: Stalls
    bottleneck: int
    frames: int
    out_frame_beats: int

    def frame_ends(self) -> list[int]:
        """Cycle of each frame's last output beat (last epoch)."""
        return self.log.frame_ends(self.out_frame_beats)

    @property
    def cycles_per_frame(self) -> float | None:
        """Steady state: cycles between the last output beats of frames, over the second half."""
        return steady_state(self.frame_ends())

    @property
    def latency(self) -> int | None:
        """Cycles from frame 0's first input beat to its last output beat."""
        ends = self.frame_ends()
        if not ends or not self.log.frame_starts:
            return None
        return ends[0] - self.log.frame_starts[0][0]

    def describe(self) -> str:
        cpf = self.cycles_per_frame
        rate = (
            f"{cpf:,.1f} cycles/frame steady state (analytic bottleneck {self.bottleneck:,}: "
            f"x{cpf / self.bottleneck:.3f})"
            if cpf is not None
            else f"analytic bottleneck {self.bottleneck:,} cycles/frame"
        )
        lat = f", latency {self.latency:,} cycles" if self.latency is not None else ""
        return (
            f"{self.frames} frames in {self.log.cycles:,} cycles: {rate}{lat}; "
            f"{self.stalls.describe()}"
        )


def epoch_frames(df: Dataflow, log: StreamLog, epoch: int = -1) -> np.ndarray:
    """The whole frames of output port values one epoch of a run produced (N, frame elements),
    decoded like every other engine's port output (padding bits must be zero) by the codec
    the host driver uses."""
    beats = [v for _, v in log.epochs[epoch]]
    whole = len(beats) // df.interface.output.beats * df.interface.output.beats
    return decode_beats(df.interface.output, np.asarray(beats[:whole], dtype=object))


def steady_state(ends: list[int]) -> float | None:
    """Mean spacing of the frame end cycles over the second half of the run (>= 3 frames)."""
    if len(ends) < 3:
        return None
    k = len(ends) // 2
    k = min(k, len(ends) - 2)
    return (ends[-1] - ends[k]) / (len(ends) - 1 - k)


def _tb_top(graph: Graph, df: Dataflow) -> str:
    itf = df.interface
    head = header(graph, "simulation test top (sim/hdl harness + the design)", "//")
    return tb_top_text(top_module(graph), {}, itf.in_tdata, itf.out_tdata, head)


def build_rtl_sim(
    graph: Graph,
    rtl_dir: Path,
    sim_dir: Path,
    waves: bool = False,
    simulator: str = "verilator",
) -> SimBuild:
    """Compile (or reuse) the simulator of an emitted design (in sim_dir/<simulator>)."""
    if not (rtl_dir / "filelist.f").is_file():
        raise BuildError(f"{rtl_dir}: no Verilog design (filelist.f missing); recompile the model")
    df = lower(graph)
    sim_dir.mkdir(parents=True, exist_ok=True)
    lock = sim_dir / ".build.lock"
    with open(lock, "w") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)  # one build at a time per design
        return build_stream_sim(
            design_sources(rtl_dir),
            _tb_top(graph, df),
            sim_dir / simulator,
            run_dir=rtl_dir,
            simulator=simulator,
            waves=waves,
        )


def run_rtl(
    graph: Graph,
    rtl_dir: Path,
    x: np.ndarray,
    *,
    stalls: Stalls | None = None,
    sim_dir: Path | None = None,
    reset_at: int | None = None,
    waves: Path | None = None,
    work: Path | None = None,
    simulator: str = "verilator",
    progress: Progress | None = None,
) -> RtlRun:
    """Simulate the design on model-unit inputs x; returns outputs and timing.

    ``simulator``: "verilator" (default) or "icarus" (Icarus Verilog, if installed).
    ``waves``: write the run's waveform there (FST, or VCD without liblz4-dev; Verilator).
    ``progress``: counts the simulator build, then the frames out of the simulation."""
    df = lower(graph)
    stalls = stalls or Stalls.named("both")
    sim_dir = sim_dir or rtl_dir.parent / "sim"
    codec = Codec(graph, df.interface)  # the host driver's encode/decode path
    q = codec.quantize(x)
    n = int(q.shape[0])
    steps = progress or Progress(1, "rtl", enabled=False)
    steps.begin(n)
    steps.start(f"{simulator}: build")
    sim = build_rtl_sim(graph, rtl_dir, sim_dir, waves is not None, simulator)
    steps.start(f"{simulator}: {n} frames")
    itf = df.interface
    total = sum(stage_cycles(s) for s in df.stages)
    with tempfile.TemporaryDirectory(prefix="bnn2hw-rtl-") as tmp:
        log = run_stream_sim(
            sim,
            beats_to_hex(codec.encode(q), itf.in_tdata),
            Path(work) if work is not None else Path(tmp),
            in_frame_beats=itf.input.beats,
            out_frame_beats=itf.output.beats,
            stalls=stalls,
            reset_at=reset_at,
            watchdog=4 * total + 10_000,
            waves=waves is not None,
            progress=steps,
        )
        steps.update(n)
        steps.done()
        if waves is not None:
            dump = (Path(work) if work is not None else Path(tmp)) / f"waves.{wave_format()}"
            if not dump.exists():
                raise BuildError(f"RTL simulation wrote no waveform ({dump.name})")
            shutil.move(str(dump), str(waves))
    if log.hung:
        raise BuildError(
            f"RTL simulation hung: {len(log.beats)} of {n * itf.output.beats} output beats "
            f"after {log.cycles} cycles ({stalls.describe()})"
        )
    if reset_at is None and len(log.beats) != n * itf.output.beats:
        raise BuildError(f"RTL simulation returned {len(log.beats)} beats for {n} frames")
    out = epoch_frames(df, log)
    frames_out = int(out.shape[0])
    return RtlRun(
        result=codec.result(out, q[n - frames_out :]),
        log=log,
        stalls=stalls,
        bottleneck=df.bottleneck,
        frames=frames_out,
        out_frame_beats=itf.output.beats,
    )
