"""BNN-PYNQ TFC, SFC, LFC and CNV W1A1 at FINN's foldings, side by side with FINN's figures.

    .venv/bin/python benches/bench_finn.py [--only tfc,cnv] [--no-synth] [--frames N]
                                           [--speed-frames N] [--seed S]

Models: Brevitas ``brevitas_examples.bnn_pynq`` ``tfc_1w1a``, ``sfc_1w1a``, ``lfc_1w1a`` and
``cnv_1w1a`` (tests/zoo.py: random seeded weights, BatchNorm statistics placed inside the
reachable accumulator range, exported with ``export_qonnx``; nothing downloaded), each compiled
at FINN's published folding (../shared/ANCHORS.md; tests/foldings.py). SFC has no published
FINN folding: it runs at :data:`SFC_FOLDING`, chosen here (every layer 256 cycles but the last).

For each model the bench measures:

* compile time: ``bnn2hw compile`` with the folding file (ONNX import -> golden vectors, HLS
  project, Verilog design), in this process;
* cycles per frame: the analytic bottleneck (``Dataflow.bottleneck``) and the steady state of
  a stall-free RTL simulation (Verilator, ``--frames`` frames, outputs compared bit for bit with
  the golden model); the two must be equal (the bench stops otherwise), and FINN's derived
  bottleneck at the same folding is printed beside them;
* frames/s at 200 MHz (200e6 / cycles per frame);
* Yosys ``synth_xilinx`` (xc7, out of context, flattened) of the whole design: LUT, FF and block
  RAM in 36K tiles (RAMB36 + RAMB18 / 2, as BNN-PYNQ reports it);
* golden model frames/s against onnxruntime frames/s on the same ``--speed-frames`` inputs.
  onnxruntime cannot run the QONNX graph (``BipolarQuant`` / ``Quant`` are qonnx custom ops),
  so it runs the same graph with those nodes rewritten into standard ONNX ops
  (:func:`standard_onnx`: weight quantizers folded into ±1 initializers, activation
  ``BipolarQuant`` -> ``Where(x >= 0, s, -s)``, the CNV input ``Quant`` -> Div, Add, Clip,
  Round, Sub, Mul) and batched (the batch-1 ``Reshape`` made batch-free). Its logits are checked
  against qonnx's own executor on the same frames, and against the golden model's.

BNN-PYNQ's published LUT and BRAM are for the whole Vivado-implemented design on PYNQ-Z1
(xc7z020), PYNQ shell and DMA included; bnn2hw's are Yosys out of context, the accelerator
alone. The LUT ratio bnn2hw / BNN-PYNQ is printed for LFC and CNV, the two with published
resources at the same folding (LFC: BNN-PYNQ pads to 832 inputs and 64 outputs, folding
(32,64) (64,32) (32,64) (16,8), same 512-cycle bottleneck).
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import onnx
from onnx import helper, numpy_helper

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

import zoo  # noqa: E402
from foldings import FINN_CNV_LARGE, FINN_TFC, fold_list  # noqa: E402

from bnn2hw.backends.verilog.emit import design_sources, top_module  # noqa: E402
from bnn2hw.build import compile_model, load_build  # noqa: E402
from bnn2hw.cli import main as cli  # noqa: E402
from bnn2hw.engines import run_onnx  # noqa: E402
from bnn2hw.engines.qonnx_batch import batched_copy  # noqa: E402
from bnn2hw.engines.rtl_engine import run_rtl  # noqa: E402
from bnn2hw.frontend import ImportOptions  # noqa: E402
from bnn2hw.golden import run_golden  # noqa: E402
from bnn2hw.hw.dataflow import lower  # noqa: E402
from bnn2hw.ir.layers import MatVec  # noqa: E402
from bnn2hw.rtl_sim import Stalls  # noqa: E402
from bnn2hw.synth import SynthResult, synth_xilinx  # noqa: E402
from bnn2hw.verify.compare import compare_exact  # noqa: E402

CLOCK_HZ = 200e6
BNN2HW = Path(sys.executable).parent / "bnn2hw"

# FINN's published foldings (PE, SIMD) per MVAU layer (../shared/ANCHORS.md)
FINN_LFC = [(32, 49), (64, 32), (32, 64), (10, 8)]
# SFC has no published FINN folding; chosen here: 256 cycles per layer, 16 for the last
SFC_FOLDING = [(16, 49), (16, 16), (16, 16), (10, 16)]


@dataclass(frozen=True)
class Published:
    """FINN / BNN-PYNQ figures (../shared/ANCHORS.md) for one topology.

    ``cycles``: FINN's bottleneck at its folding, derived from FINN's formula
    (MH/PE)·(MW/SIMD)·pixels; ``fps``: a measured throughput and where it was measured;
    ``luts``, ``ffs``, ``bram_tiles``: BNN-PYNQ's Vivado figures for the whole PYNQ-Z1 design
    (or FINN 2017's for SFC-max, a different, fully parallel folding)."""

    cycles: int | None
    fps: float | None
    fps_source: str
    luts: int | None
    ffs: int | None
    bram_tiles: int | None
    resource_source: str
    same_folding: bool  # the resources were published at the folding bnn2hw is built at


@dataclass(frozen=True)
class Topology:
    name: str
    factory: Callable[..., zoo.ModelCase]
    folding: list[tuple[int, int]]
    folding_source: str
    published: Published


TOPOLOGIES: dict[str, Topology] = {
    "tfc": Topology(
        "TFC",
        zoo.brevitas_tfc,
        FINN_TFC,
        "FINN",
        Published(64, 1_089_430, "FINN 2024, AUP-ZU3", None, None, None, "not published", False),
    ),
    "sfc": Topology(
        "SFC",
        zoo.brevitas_sfc,
        SFC_FOLDING,
        "chosen (none published)",
        Published(
            None,
            12.3e6,
            "FINN 2017 SFC-max, ZC706 200 MHz",
            91_131,
            None,
            5,
            "FINN 2017 SFC-max (other folding)",
            False,
        ),
    ),
    "lfc": Topology(
        "LFC",
        zoo.brevitas_lfc,
        FINN_LFC,
        "FINN",
        Published(512, 356_633, "BNN-PYNQ, PYNQ-Z1", 28_360, None, 110, "BNN-PYNQ, PYNQ-Z1", True),
    ),
    "cnv": Topology(
        "CNV",
        zoo.brevitas_cnv,
        FINN_CNV_LARGE,
        "FINN fold_cnv_large",
        Published(
            32_768, 5_311, "FINN 2024, AUP-ZU3", 26_072, 41_312, 124, "BNN-PYNQ, PYNQ-Z1", True
        ),
    ),
}


@dataclass
class Measured:
    topo: Topology
    compile_s: float
    cli_s: float
    bottleneck: int
    rtl_cycles: float
    rtl_frames: int
    rtl_s: float
    synth: SynthResult | None
    golden_fps: float
    ort_fps: float
    ort_vs_qonnx: float  # max |logit difference| onnxruntime (standard ONNX) vs qonnx executor
    golden_vs_ort: float  # max |logit difference| golden vs onnxruntime
    argmax_agree: int
    speed_frames: int


def log(name: str, msg: str) -> None:
    print(f"[{name}] {msg}", file=sys.stderr, flush=True)


# --------------------------------------------------------------------------------------------
# QONNX -> standard ONNX, so onnxruntime runs the same network
# --------------------------------------------------------------------------------------------


def standard_onnx(path: Path, n: int) -> onnx.ModelProto:
    """The QONNX model at ``path`` as standard ONNX running ``n`` frames at once.

    Batched with bnn2hw's qonnx batching (the batch-1 ``Reshape`` target becomes ``[-1, ...]``);
    ``BipolarQuant`` and ``Quant`` nodes whose inputs are all constant (the weight quantizers) are
    evaluated with qonnx's own functions into initializers; on data, ``BipolarQuant(x, s)``
    becomes ``Where(x >= 0, s, -s)`` and ``Quant(x, s, z, b)`` (ROUND, b > 1)
    ``(Round(Clip(x / s + z, lo, hi)) - z) * s``, qonnx's order (clip, then round half to even,
    as ONNX Round). Every other node is kept as it is."""
    from qonnx.custom_op.general.bipolar_quant import binary_quant
    from qonnx.custom_op.general.intquant import int_quant, max_int, min_int

    src = onnx.load(str(path))
    inits = {i.name for i in src.graph.initializer}
    in_name = next(i.name for i in src.graph.input if i.name not in inits)
    m = batched_copy(src, in_name, n).model
    consts = {i.name: numpy_helper.to_array(i) for i in m.graph.initializer}
    nodes: list[onnx.NodeProto] = []
    extra: list[onnx.TensorProto] = []

    def const(name: str, value: np.ndarray | float) -> str:
        extra.append(numpy_helper.from_array(np.asarray(value, dtype=np.float32), name))
        return name

    for k, node in enumerate(m.graph.node):
        out = node.output[0]
        attrs = {a.name: helper.get_attribute_value(a) for a in node.attribute}
        p = f"std{k}_"
        if node.op_type == "BipolarQuant":
            x, s = node.input
            if x in consts and s in consts:
                const(out, binary_quant(consts[x], consts[s]))
                continue
            ge = helper.make_node("GreaterOrEqual", [x, const(p + "zero", 0.0)], [p + "ge"])
            neg = helper.make_node("Neg", [s], [p + "neg"])
            nodes += [ge, neg, helper.make_node("Where", [p + "ge", s, p + "neg"], [out])]
        elif node.op_type == "Quant":
            x, s, z, b = node.input
            signed, narrow = bool(attrs["signed"]), bool(attrs["narrow"])
            mode = attrs.get("rounding_mode", b"ROUND")
            mode = mode.decode() if isinstance(mode, bytes) else mode
            if all(i in consts for i in node.input):
                q = int_quant(consts[x], consts[s], consts[z], consts[b], signed, narrow, mode)
                const(out, q)
                continue
            bits = int(consts[b].reshape(()))
            if mode != "ROUND" or bits < 2:
                raise ValueError(f"Quant {node.name!r}: {mode}, {bits} bits not rewritten")
            lo = const(p + "lo", min_int(signed, narrow, bits))
            hi = const(p + "hi", max_int(signed, narrow, bits))
            nodes += [
                helper.make_node("Div", [x, s], [p + "div"]),
                helper.make_node("Add", [p + "div", z], [p + "add"]),
                helper.make_node("Clip", [p + "add", lo, hi], [p + "clip"]),
                helper.make_node("Round", [p + "clip"], [p + "round"]),
                helper.make_node("Sub", [p + "round", z], [p + "sub"]),
                helper.make_node("Mul", [p + "sub", s], [out]),
            ]
        else:
            nodes.append(node)
    for node in nodes:
        if node.domain not in ("", "ai.onnx"):
            raise ValueError(f"{path}: {node.op_type} ({node.domain}) has no standard rewrite")
    graph = helper.make_graph(
        nodes,
        m.graph.name,
        list(m.graph.input),
        list(m.graph.output),
        [*m.graph.initializer, *extra],
    )
    opset = [o for o in m.opset_import if o.domain in ("", "ai.onnx")]
    std = helper.make_model(graph, opset_imports=opset)
    std.ir_version = m.ir_version
    onnx.checker.check_model(std)
    return std


def ort_session(model: onnx.ModelProto) -> tuple[Callable[[np.ndarray], np.ndarray], int]:
    """A run function for the model in onnxruntime (CPU, 2 intra-op threads as bnn2hw's
    onnx engine) and the thread count."""
    import onnxruntime as ort

    threads = 2
    opts = ort.SessionOptions()
    opts.log_severity_level = 3
    opts.intra_op_num_threads = threads
    sess = ort.InferenceSession(model.SerializeToString(), opts, providers=["CPUExecutionProvider"])
    in_name = sess.get_inputs()[0].name
    out_name = sess.get_outputs()[0].name
    return (lambda x: np.asarray(sess.run([out_name], {in_name: x})[0])), threads


def rate(fn: Callable[[], object], frames: int, least_s: float = 1.0) -> float:
    """Frames/s after a warm-up call: calls repeated until at least ``least_s`` seconds."""
    fn()
    calls, t0 = 0, time.perf_counter()
    while calls == 0 or time.perf_counter() - t0 < least_s:
        fn()
        calls += 1
    return calls * frames / (time.perf_counter() - t0)


# --------------------------------------------------------------------------------------------
# One topology
# --------------------------------------------------------------------------------------------


def measure(key: str, topo: Topology, args: argparse.Namespace, tmp: Path) -> Measured:
    name = topo.name
    log(name, "exporting the Brevitas model (export_qonnx)")
    case = topo.factory(tmp / "model", seed=args.seed)
    if case.compile_args:
        raise SystemExit(f"{case.name}: compile arguments {case.compile_args} not supported here")
    # the layer names, then the folding file
    spec = fold_list(topo.folding)(compile_model(case.path, ImportOptions()))
    (tmp / "folding.json").write_text(json.dumps(spec))
    build_dir = tmp / "build"
    fold_arg = ["--folding", str(tmp / "folding.json")]
    log(name, "bnn2hw compile (golden vectors, HLS project, Verilog design)")
    t0 = time.perf_counter()
    with contextlib.redirect_stdout(io.StringIO()):
        rc = cli(["compile", str(case.path), "-o", str(build_dir), *fold_arg])
    compile_s = time.perf_counter() - t0
    if rc != 0:
        raise SystemExit(f"{name}: bnn2hw compile failed ({rc})")
    # the same compile as a user runs it: a new process (Python start-up and imports included)
    t0 = time.perf_counter()
    subprocess.run(
        [str(BNN2HW), "compile", str(case.path), "-o", str(tmp / "build_cli"), *fold_arg],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    cli_s = time.perf_counter() - t0
    b = load_build(build_dir)
    graph = b.graph
    got = [
        (la.folding.pe, la.folding.simd) if la.folding else None
        for la in graph.layers
        if isinstance(la, MatVec)
    ]
    if got != topo.folding:
        raise SystemExit(f"{name}: built at folding {got}, asked for {topo.folding}")
    bottleneck = lower(graph).bottleneck
    log(name, f"compiled in {compile_s:.1f} s; analytic bottleneck {bottleneck:,} cycles/frame")

    rng = np.random.default_rng(args.seed)
    x_rtl = case.sample(rng, args.frames)
    log(name, f"RTL simulation, {args.frames} frames, no stalls (Verilator build first)")
    t0 = time.perf_counter()
    run = run_rtl(graph, b.rtl_dir, x_rtl, stalls=Stalls.named("none"), sim_dir=tmp / "sim")
    rtl_s = time.perf_counter() - t0
    cmp = compare_exact(graph, run_golden(graph, x_rtl), run.result)
    if cmp.bit_mismatches:
        raise SystemExit(f"{name}: RTL != golden in {cmp.bit_mismatches} of {cmp.bits_compared}")
    cpf = run.cycles_per_frame
    if cpf is None or cpf != bottleneck:
        raise SystemExit(
            f"{name}: RTL steady state {cpf} cycles/frame != analytic bottleneck {bottleneck}"
        )
    log(name, f"RTL {cpf:,.1f} cycles/frame == bottleneck, outputs == golden ({rtl_s:.1f} s)")

    synth = None
    if not args.no_synth:
        log(name, "Yosys synth_xilinx (xc7, flattened, whole design)")
        synth = synth_xilinx(
            design_sources(b.rtl_dir),
            top_module(graph),
            mem_dir=b.rtl_dir,
            includes=[b.rtl_dir / "cores"],
            workdir=tmp / "synth",
        )
        log(name, f"synthesized in {synth.seconds:.1f} s: {synth.summary()}")

    n = args.speed_frames
    log(name, f"golden model and onnxruntime, {n} frames")
    x = case.sample(rng, n)
    run_ort, _ = ort_session(standard_onnx(case.path, n))
    ort_out = run_ort(x).reshape(n, -1)
    k = min(n, 16)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        q_out = run_onnx(case.path, x[:k]).output.reshape(k, -1)
    gold = run_golden(graph, x)
    logits = gold.logits.reshape(n, -1)
    golden_fps = rate(lambda: run_golden(graph, x), n)
    ort_fps = rate(lambda: run_ort(x), n)
    return Measured(
        topo=topo,
        compile_s=compile_s,
        cli_s=cli_s,
        bottleneck=bottleneck,
        rtl_cycles=cpf,
        rtl_frames=run.frames,
        rtl_s=rtl_s,
        synth=synth,
        golden_fps=golden_fps,
        ort_fps=ort_fps,
        ort_vs_qonnx=float(np.abs(ort_out[:k] - q_out).max()),
        golden_vs_ort=float(np.abs(logits.astype(np.float64) - ort_out).max()),
        argmax_agree=int((logits.argmax(axis=1) == ort_out.argmax(axis=1)).sum()),
        speed_frames=n,
    )


# --------------------------------------------------------------------------------------------
# The table
# --------------------------------------------------------------------------------------------


def _n(v: float | None, fmt: str = ",.0f") -> str:
    return "-" if v is None else format(v, fmt)


def _rate(v: float | None) -> str:
    if v is None:
        return "-"
    if v >= 1e6:
        return f"{v / 1e6:.2f} M"
    if v >= 1e4:
        return f"{v / 1e3:.1f} k"
    return f"{v:,.0f}"


def tiles(r: SynthResult) -> float:
    """Block RAM in 36K tiles: a RAMB18 is half a tile."""
    return r.bram36 + r.bram18 / 2


def table(ms: list[Measured]) -> list[str]:
    w0, w = 44, 15
    rows: list[tuple[str, list[str]]] = []

    def row(label: str, f: Callable[[Measured], str]) -> None:
        rows.append((label, [f(m) for m in ms]))

    def rule() -> None:
        rows.append(("", []))

    row("folding from", lambda m: m.topo.folding_source.split(" ")[0])
    row("cycles/frame, bnn2hw analytic bottleneck", lambda m: _n(m.bottleneck))
    row("cycles/frame, bnn2hw RTL sim (no stalls)", lambda m: _n(m.rtl_cycles, ",.1f"))
    row("cycles/frame, FINN (derived, same folding)", lambda m: _n(m.topo.published.cycles))
    row("RTL == analytic == FINN", lambda m: _same(m))
    rule()
    row("frames/s at 200 MHz, bnn2hw", lambda m: _rate(CLOCK_HZ / m.rtl_cycles))
    row("frames/s published (see [a])", lambda m: _rate(m.topo.published.fps))
    rule()
    synth = [m for m in ms if m.synth is not None]
    if synth:
        row("LUT, bnn2hw (Yosys xc7, out of context)", lambda m: _n(_s(m, "luts")))
        row("LUT, published (see [b])", lambda m: _n(m.topo.published.luts))
        row(
            "LUT ratio bnn2hw / BNN-PYNQ", lambda m: _ratio(m, _s(m, "luts"), m.topo.published.luts)
        )
        row("FF, bnn2hw", lambda m: _n(_s(m, "ffs")))
        row("FF, published", lambda m: _n(m.topo.published.ffs))
        row("BRAM 36K tiles, bnn2hw", lambda m: _n(tiles(m.synth) if m.synth else None, ",.1f"))
        row("  (RAMB36 + RAMB18)", lambda m: f"{_s(m, 'bram36')} + {_s(m, 'bram18')}")
        row("BRAM 36K tiles, published", lambda m: _n(m.topo.published.bram_tiles))
        row(
            "BRAM ratio bnn2hw / BNN-PYNQ",
            lambda m: _ratio(m, tiles(m.synth) if m.synth else None, m.topo.published.bram_tiles),
        )
        row("LUTRAM / SRL / CARRY4, bnn2hw", lambda m: _cells(m))
        rule()
    row("bnn2hw compile, in process (s)", lambda m: f"{m.compile_s:.2f}")
    row("bnn2hw compile, CLI process wall (s)", lambda m: f"{m.cli_s:.2f}")
    if synth:
        row("Yosys synth_xilinx (s)", lambda m: _n(m.synth.seconds if m.synth else None, ".1f"))
    row("RTL sim: Verilator build + run (s)", lambda m: f"{m.rtl_s:.1f}")
    rule()
    row("golden model frames/s", lambda m: _n(m.golden_fps))
    row("onnxruntime frames/s (standard ONNX)", lambda m: _n(m.ort_fps))
    row("golden / onnxruntime", lambda m: f"{m.golden_fps / m.ort_fps:.2f}x")
    row("max |logit diff| onnxruntime vs qonnx", lambda m: f"{m.ort_vs_qonnx:.1e}")
    row("max |logit diff| golden vs onnxruntime", lambda m: f"{m.golden_vs_ort:.1e}")
    row("argmax golden == onnxruntime", lambda m: f"{m.argmax_agree}/{m.speed_frames}")

    lines = [f"{'':<{w0}}" + "".join(f"{m.topo.name:>{w}}" for m in ms)]
    for label, cells in rows:
        lines.append(f"{label:<{w0}}" + "".join(f"{c:>{w}}" for c in cells) if cells else "")
    return lines


def _same(m: Measured) -> str:
    finn = m.topo.published.cycles
    ok = m.rtl_cycles == m.bottleneck and (finn is None or finn == m.bottleneck)
    return ("yes" if ok else "NO") + (" (no FINN)" if finn is None else "")


def _s(m: Measured, attr: str) -> int | None:
    return None if m.synth is None else int(getattr(m.synth, attr))


def _ratio(m: Measured, ours: float | None, theirs: int | None) -> str:
    if ours is None or theirs is None or not m.topo.published.same_folding:
        return "-"
    return f"{ours / theirs:.3f}"


def _cells(m: Measured) -> str:
    if m.synth is None:
        return "-"
    return f"{m.synth.lutram}/{m.synth.srl}/{m.synth.carry}"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--only", default="tfc,sfc,lfc,cnv", help="comma-separated: tfc,sfc,lfc,cnv")
    ap.add_argument("--no-synth", action="store_true", help="skip Yosys synthesis")
    ap.add_argument("--frames", type=int, default=6, help="frames of the RTL simulation")
    ap.add_argument("--speed-frames", type=int, default=256, help="golden / onnxruntime frames")
    ap.add_argument("--seed", type=int, default=1, help="model weights and input frames")
    args = ap.parse_args()
    keys = [k.strip().lower() for k in args.only.split(",") if k.strip()]
    unknown = [k for k in keys if k not in TOPOLOGIES]
    if unknown:
        ap.error(f"unknown topology {', '.join(unknown)} (choose from {', '.join(TOPOLOGIES)})")
    if args.frames < 3:
        ap.error("--frames must be at least 3 (the steady state needs them)")

    t_start = time.perf_counter()
    measured: list[Measured] = []
    with tempfile.TemporaryDirectory(prefix="bench_finn_") as d:
        for key in keys:
            tmp = Path(d) / key
            tmp.mkdir()
            measured.append(measure(key, TOPOLOGIES[key], args, tmp))
    total = time.perf_counter() - t_start

    print(
        f"BNN-PYNQ W1A1 topologies (Brevitas bnn_pynq, random weights, seed {args.seed}) at FINN's "
        f"foldings; {os.cpu_count()} cores, {platform.processor() or platform.machine()}"
    )
    for m in measured:
        fold = " ".join(f"({pe},{simd})" for pe, simd in m.topo.folding)
        print(f"  {m.topo.name}: {fold}  [{m.topo.folding_source}]")
    print()
    print("\n".join(table(measured)))
    print()
    print(
        "[a] published frames/s: "
        + "; ".join(f"{m.topo.name} {m.topo.published.fps_source}" for m in measured)
    )
    print(
        "[b] published resources: "
        + "; ".join(f"{m.topo.name} {m.topo.published.resource_source}" for m in measured)
    )
    print(
        "    BNN-PYNQ: whole Vivado-implemented design on PYNQ-Z1 (xc7z020) with the PYNQ shell; "
        "bnn2hw: Yosys synth_xilinx\n    out of context (accelerator only, no shell or DMA, "
        "no place and route). LUT ratio only at the same folding (LFC, CNV)."
    )
    print(
        f"RTL: {args.frames} frames per model, no stalls, outputs == golden model bit for bit; "
        f"golden / onnxruntime: {args.speed_frames} frames,\nonnxruntime on the QONNX graph "
        "rewritten into standard ONNX (weights folded to ±1), 2 intra-op threads."
    )
    print(f"total run time: {total:.0f} s ({total / 60:.1f} min)")


if __name__ == "__main__":
    main()
