"""Emit the Verilog design of a compiled model into BUILD/rtl/.

Files (deterministic, each generated one starting with the generated-file header):
  <net>_top.v              the top module: every stage of the dataflow (hw/dataflow.py) as an
                           instance of a hand-written core, FIFOs between layers, AXI-Stream ports
  <net>_<layer>.v          per-layer wrappers: an MVAU with its weight and threshold memories, or
                           a max-pool with its AND mask
  <net>_<layer>_w.mem      weights, NF*SF words of PE*SIMD bits (bits.mvau_rom_words)
  <net>_<layer>_t.mem      thresholds, NF words of PE*THRESH_BITS bits (channel nf*PE+pe at pe)
  cores/                   the hand-written cores (rtl/), copied verbatim
  filelist.f               every source in compile order, paths relative to this folder
$readmemh names are relative: simulate and synthesize with this folder as the working directory
(or add the .mem files to the vendor project). All arithmetic (widths, words, parameters) is
computed here and in bnn2hw.hw; the templates only place it.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from bnn2hw.backends.render import comment_safe, header, render
from bnn2hw.bits import bits_to_hex, mvau_rom_words
from bnn2hw.hw.dataflow import (
    ConvertStage,
    Dataflow,
    LabelStage,
    MvauStage,
    PoolStage,
    ResizeStage,
    Stage,
    SwgStage,
    Window,
    lower,
)
from bnn2hw.hw.streams import Stream, beats_to_hex, pack_beats
from bnn2hw.ir.graph import Graph
from bnn2hw.ir.layers import ThresholdAct
from bnn2hw.resources import resource_dir

__all__ = [
    "BLOCK_ROM_BITS",
    "FIFO_DEPTH",
    "FIFO_MAX_DEPTH",
    "Instance",
    "core_files",
    "design_sources",
    "emit_rtl",
    "fifo_depth",
    "rtl_files",
    "top_module",
]

FIFO_DEPTH = 32  # beats of slack after every engine (absorbs the sliding windows' row bursts)
FIFO_MAX_DEPTH = 8192
BLOCK_ROM_BITS = 16384  # weight memories of at least this many bits ask for block RAM


@dataclass(frozen=True)
class Instance:
    """One module instance of a generated file: core or wrapper, its parameters (Verilog
    expressions), and the streams (wire prefixes) it reads and writes."""

    module: str
    name: str
    params: tuple[tuple[str, str], ...]
    inp: str
    out: str
    comment: str = ""


def top_module(graph: Graph) -> str:
    return f"{graph.name}_top"


def _rtl_dir() -> Path:
    return resource_dir("rtl")


def core_files() -> list[Path]:
    """The hand-written cores shipped in every design (rtl/*.v and the include file)."""
    d = _rtl_dir()
    return sorted(d.glob("b2h_*.v")) + sorted(d.glob("b2h_*.vh"))


def _vstr(s: str) -> str:
    return f'"{s}"'


def _window_params(w: Window) -> list[tuple[str, str]]:
    h, wd, c = w.ifm
    vals = [
        ("IFM_H", h),
        ("IFM_W", wd),
        ("C", c),
        ("KH", w.kernel[0]),
        ("KW", w.kernel[1]),
        ("SH", w.stride[0]),
        ("SW", w.stride[1]),
        ("PT", w.pads[0]),
        ("PL", w.pads[1]),
        ("PB", w.pads[2]),
        ("PR", w.pads[3]),
        ("OFM_H", w.ofm[0]),
        ("OFM_W", w.ofm[1]),
    ]
    return [(k, str(v)) for k, v in vals]


def _mem_text(words: list[str]) -> str:
    return "".join(w + "\n" for w in words)


def _mvau(s: MvauStage, module: str, mems: dict[str, str]) -> list[tuple[str, str]]:
    f = s.folding
    wname, tname = f"{module}_w.mem", f"{module}_t.mem"
    words = [str(w) for w in mvau_rom_words(s.layer.weights, f.pe, f.simd)]
    mems[wname] = _mem_text(words)
    if s.threshold:
        act = s.layer.act
        assert isinstance(act, ThresholdAct)
        ts = Stream(elems=f.pe, bits=s.thresh_bits, beats=s.nf, signed=s.acc_signed)
        t = act.thresholds.astype(np.int64).reshape(1, -1)
        mems[tname] = _mem_text(beats_to_hex(pack_beats(t, ts), ts.width))
    weight_bits = s.layer.mh * s.layer.mw
    params = [
        ("MW", s.layer.mw),
        ("MH", s.layer.mh),
        ("PE", f.pe),
        ("SIMD", f.simd),
        ("IN_BITS", s.in_bits),
        ("IN_SIGNED", int(s.in_signed)),
        ("ACC_BITS", s.acc_bits),
        ("ACC_SIGNED", int(s.acc_signed)),
        ("THRESHOLD", int(s.threshold)),
        ("THRESH_BITS", s.thresh_bits),
    ]
    out = [(k, str(v)) for k, v in params]
    out.append(("WEIGHTS", _vstr(wname)))
    if s.threshold:
        out.append(("THRESHOLDS", _vstr(tname)))
    out.append(("BLOCK_ROM", str(int(weight_bits >= BLOCK_ROM_BITS))))
    return out


def _pool(s: PoolStage) -> list[tuple[str, str]]:
    c = s.window.ifm[2]
    mask = s.layer.and_mask if s.layer.and_mask.size else np.zeros(c, dtype=bool)
    mask = np.broadcast_to(mask, (c,)).astype(np.uint8)
    return [*_window_params(s.window), ("PE", str(s.pe)), ("AND_MASK", f"{c}'h{bits_to_hex(mask)}")]


def _stage(s: Stage, net: str, mems: dict[str, str]) -> tuple[Instance, Instance | None]:
    """The instance of one stage in the top, and the wrapper's inner instance (layers)."""
    if isinstance(s, ResizeStage):
        p = [("IN_WIDTH", str(s.in_width)), ("OUT_WIDTH", str(s.out_width))]
        return Instance(
            "b2h_axis_resize",
            s.name,
            tuple(p),
            "",
            "",
            f"{s.name}: {s.in_width} -> {s.out_width} bits per beat",
        ), None
    if isinstance(s, ConvertStage):
        p = [
            ("IN_ELEMS", str(s.inp.elems)),
            ("OUT_ELEMS", str(s.out.elems)),
            ("EW", str(s.inp.bits)),
        ]
        return Instance(
            "b2h_width_convert",
            s.name,
            tuple(p),
            "",
            "",
            f"{s.name}: {s.inp.elems} -> {s.out.elems} elements per beat",
        ), None
    if isinstance(s, SwgStage):
        p = [
            *_window_params(s.window),
            ("SIMD", str(s.simd)),
            ("EW", str(s.inp.bits)),
            ("PAD", str(s.pad)),
        ]
        return Instance(
            "b2h_swg",
            s.name,
            tuple(p),
            "",
            "",
            f"{s.name}: sliding window, {s.out.beats} beats/frame",
        ), None
    if isinstance(s, LabelStage):
        vals = [
            ("N", s.n),
            ("PE", s.inp.elems),
            ("ACC_BITS", s.inp.bits),
            ("ACC_SIGNED", int(s.inp.signed)),
            ("K", s.k),
            ("IDX_BITS", s.out.bits),
            ("DESCENDING", int(s.descending)),
        ]
        return Instance(
            "b2h_label_select",
            s.name,
            tuple((k, str(v)) for k, v in vals),
            "",
            "",
            f"{s.name}: top-{s.k} labels of {s.n} accumulators",
        ), None
    module = f"{net}_{s.name}"
    if isinstance(s, MvauStage):
        f = s.folding
        inner = Instance("b2h_mvau", "mvau", tuple(_mvau(s, module, mems)), "", "")
        comment = (
            f"{s.name}: MW={s.layer.mw} MH={s.layer.mh} PE={f.pe} SIMD={f.simd} -> "
            f"{s.cycles} cycles/frame; source node {comment_safe(s.layer.source)}"
        )
    elif isinstance(s, PoolStage):
        inner = Instance("b2h_maxpool", "pool", tuple(_pool(s)), "", "")
        comment = (
            f"{s.name}: binary max-pool, {s.pe} channels/beat; "
            f"source node {comment_safe(s.layer.source)}"
        )
    else:  # pragma: no cover - every stage kind is handled above
        raise TypeError(type(s).__name__)
    return Instance(module, s.name, (), "", "", comment), inner


def _out_width(s: Stage) -> int:
    return s.out_width if isinstance(s, ResizeStage) else s.out.width


def fifo_depth(stages: tuple[Stage, ...], i: int) -> int:
    """Depth of the FIFO after stage i: FIFO_DEPTH beats of slack, plus what the next engine
    needs before it can start a frame (up to FIFO_MAX_DEPTH).

    An MVAU takes its input vector only during its first output fold (nf = 0) and then
    computes NF-1 more folds; a producer that can only hand over the next vector as fast as the
    MVAU takes it would serialise the two layers (period = producer + consumer cycles). Holding
    the next vector lets the producer run ahead (period = the slower of the two).
    Likewise a window generator (of a convolution or a pool) starts a frame only after emitting
    the last one, and then needs the rows of its first window before it emits anything: the
    FIFO in front holds those rows, so they are there when the frame starts."""
    s = stages[i]
    need = 0
    for nxt in stages[i + 1 :]:
        if isinstance(nxt, ConvertStage | ResizeStage):
            continue
        if isinstance(nxt, MvauStage) and nxt.layer.conv is None and nxt.nf > 1:
            need = nxt.layer.mw
        elif isinstance(nxt, SwgStage | PoolStage):
            w = nxt.window
            _, width, c = w.ifm
            need = max(0, (w.kernel[0] - 1 - w.pads[0]) * width + w.kernel[1]) * c
        break
    beats = -(-need // s.out.elems)
    return min(FIFO_MAX_DEPTH, FIFO_DEPTH + beats)


def _layer_out(s: Stage) -> bool:
    """The engines (window generators, MVAUs, pools), whose output streams get a FIFO."""
    return isinstance(s, SwgStage | MvauStage | PoolStage)


def _fifo_after(stages: tuple[Stage, ...], i: int) -> bool:
    """Whether a FIFO follows stage i: an engine's output FIFO sits after the width converters
    that follow it, so the next engine reads whole beats from the FIFO at its own rate (an MVAU
    takes a vector's SF beats in SF cycles; a gather converter behind a FIFO would hand them over
    only every R cycles, stalling the MVAU during its first fold)."""
    if i + 1 >= len(stages) or isinstance(stages[i + 1], ConvertStage):
        return False
    j = i
    while j > 0 and isinstance(stages[j], ConvertStage):
        j -= 1
    return _layer_out(stages[j])


def rtl_files(graph: Graph) -> tuple[Dataflow, dict[str, str]]:
    """The dataflow and the text of every generated file (sources and memories) by name."""
    df = lower(graph)
    net = graph.name
    mems: dict[str, str] = {}
    files: dict[str, str] = {}
    instances: list[Instance] = []
    wires: list[tuple[str, int]] = []
    cur = "s_axis"
    n = len(df.stages)
    for i, s in enumerate(df.stages):
        inst, inner = _stage(s, net, mems)
        last = i == n - 1
        fifo = _fifo_after(df.stages, i)
        out = "m_axis" if last and not fifo else s.name
        if out != "m_axis":
            wires.append((out, _out_width(s)))
        instances.append(Instance(inst.module, f"u_{s.name}", inst.params, cur, out, inst.comment))
        cur = out
        if fifo:
            q = f"{s.name}_q"
            wires.append((q, _out_width(s)))
            depth = fifo_depth(df.stages, i)
            p = (("WIDTH", str(_out_width(s))), ("DEPTH", str(depth)))
            instances.append(Instance("b2h_axis_fifo", f"u_{s.name}_fifo", p, cur, q))
            cur = q
        if inner is not None:
            files[f"{inst.module}.v"] = render(
                "verilog/wrapper.v.j2",
                header=header(graph, f"{inst.module}: {inst.comment}", "//"),
                module=inst.module,
                in_width=s.inp.width,
                out_width=_out_width(s),
                inner=inner,
            )
    itf = df.interface
    top = top_module(graph)
    files[f"{top}.v"] = render(
        "verilog/top.v.j2",
        header=header(graph, f"{top}: streaming dataflow top module", "//"),
        top=top,
        in_width=itf.in_tdata,
        out_width=itf.out_tdata,
        wires=wires,
        instances=instances,
    )
    cores = [f"cores/{p.name}" for p in core_files() if p.suffix == ".v"]
    wrappers = sorted(p for p in files if p != f"{top}.v")
    files["filelist.f"] = (
        header(graph, "Verilog sources in compile order (paths relative to this folder)", "//")
        + "\n+incdir+cores\n"
        + "".join(f"{p}\n" for p in [*cores, *wrappers, f"{top}.v"])
    )
    files.update(mems)
    return df, files


def design_sources(rtl_dir: Path) -> list[Path]:
    """The design's Verilog files in compile order, from its filelist.f."""
    lines = (rtl_dir / "filelist.f").read_text().splitlines()
    return [rtl_dir / ln for ln in lines if ln.endswith(".v")]


def emit_rtl(graph: Graph, out: Path) -> list[Path]:
    """Write the Verilog design into ``out``; returns the files written."""
    _, files = rtl_files(graph)
    written = []
    for p in core_files():
        dst = out / "cores" / p.name
        dst.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(p, dst)
        written.append(dst)
    for rel, text in sorted(files.items()):
        dst = out / rel
        dst.parent.mkdir(parents=True, exist_ok=True)
        dst.write_text(text)
        written.append(dst)
    return written
