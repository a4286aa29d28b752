"""Emit the HLS C++ project of a compiled model into BUILD/hls/.

Files (all deterministic, each starting with the generated-file header):
  <net>_top.hpp / <net>_top.cpp   interface constants; top function (DATAFLOW, AXI-Stream ports)
  <net>_config.hpp                one config struct per stage (parameters of the library cores)
  params/<layer>.hpp              weights and thresholds in the library's packing order
  tb/<net>_tb.cpp, tb/golden/     C++ test bench and golden vectors (hex beats)
  Makefile, run_hls.tcl           g++ C-simulation; Vitis HLS csim/csynth/cosim/export
  include/bnn2hw/*.hpp            the hand-written library (bnn2hw's own; copied for portability)
  csim/hls_stream.h               bnn2hw's hls::stream for g++ (Vitis uses its own)
The arithmetic (widths, words, padding) is computed here and in bnn2hw.hw; templates only place it.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from bnn2hw.backends.hls.toolchain import hls_library_dir
from bnn2hw.backends.render import comment_safe, header, render
from bnn2hw.bits import bits_to_hex, mvau_fold_rows, mvau_weight_words
from bnn2hw.golden.reference import GoldenResult
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
from bnn2hw.hw.vectors import encode_input, encode_output, encode_tap, hex_file_text
from bnn2hw.ir.graph import Graph
from bnn2hw.ir.layers import ThresholdAct
from bnn2hw.ir.quant import quant_range

__all__ = ["HlsOptions", "emit_hls", "project_files"]

STREAM_DEPTH = 2  # a chain cannot deadlock; deeper FIFOs only smooth rate changes


@dataclass(frozen=True)
class HlsOptions:
    """Target of the Vitis HLS script."""

    part: str = "xc7z020clg400-1"
    clock_mhz: float = 100.0


def _ap_uint(width: int) -> str:
    return f"ap_uint<{width}>"


def _int_type(bits: int, signed: bool) -> str:
    return f"ap_int<{bits}>" if signed else f"ap_uint<{bits}>"


def _word(hexstr: str, width: int) -> str:
    """A hex word as a C++ initialiser of ap_uint<width> (string form beyond 64 bits)."""
    if width <= 64:
        return f"0x{hexstr}ULL" if width > 32 else f"0x{hexstr}"
    return f'ap_uint<{width}>("{hexstr}", 16)'


def _window_fields(w: Window) -> list[tuple[str, str, int]]:
    h, wd, c = w.ifm
    return [
        ("unsigned", "IFM_H", h),
        ("unsigned", "IFM_W", wd),
        ("unsigned", "C", c),
        ("unsigned", "KH", w.kernel[0]),
        ("unsigned", "KW", w.kernel[1]),
        ("unsigned", "SH", w.stride[0]),
        ("unsigned", "SW", w.stride[1]),
        ("unsigned", "PT", w.pads[0]),
        ("unsigned", "PL", w.pads[1]),
        ("unsigned", "PB", w.pads[2]),
        ("unsigned", "PR", w.pads[3]),
        ("unsigned", "OFM_H", w.ofm[0]),
        ("unsigned", "OFM_W", w.ofm[1]),
    ]


def _mvau_cfg(s: MvauStage) -> dict[str, Any]:
    f = s.folding
    fields: list[tuple[str, str, Any]] = [
        ("unsigned", "MW", s.layer.mw),
        ("unsigned", "MH", s.layer.mh),
        ("unsigned", "PE", f.pe),
        ("unsigned", "SIMD", f.simd),
        ("unsigned", "SF", s.sf),
        ("unsigned", "NF", s.nf),
        ("unsigned", "TILES", s.nf * s.sf),
        ("unsigned", "REPS", s.reps),
        ("unsigned", "IN_BITS", s.in_bits),
        ("bool", "IN_SIGNED", str(s.in_signed).lower()),
        ("unsigned", "ACC_BITS", s.acc_bits),
    ]
    types = [("acc_t", _int_type(s.acc_bits, s.acc_signed))]
    if s.threshold:
        types.append(("thresh_t", _int_type(s.thresh_bits, s.acc_signed)))
    return {"fields": fields, "types": types}


def _stage_context(s: Stage) -> dict[str, Any]:
    """Everything the templates need about one stage, finished."""
    ctx: dict[str, Any] = {
        "kind": type(s).__name__.removesuffix("Stage").lower(),
        "name": s.name,
        "cfg": f"{s.name}_cfg",
        "fields": [],
        "types": [],
    }
    if isinstance(s, MvauStage):
        ctx.update(_mvau_cfg(s))
        ctx["comment"] = (
            f"{s.name}: MW={s.layer.mw} MH={s.layer.mh} PE={s.folding.pe} SIMD={s.folding.simd}"
            f" -> {s.cycles} cycles/frame ({s.reps} vectors), "
            + (f"thresholds of {s.thresh_bits} bits" if s.threshold else "raw accumulators")
            + f"; source node {comment_safe(s.layer.source)}"
        )
        ctx["func"] = "mvau_threshold" if s.threshold else "mvau_acc"
    elif isinstance(s, SwgStage):
        ctx["fields"] = [
            *_window_fields(s.window),
            ("unsigned", "SIMD", s.simd),
            ("unsigned", "EW", s.inp.bits),
            ("unsigned long long", "PAD", f"0x{s.pad:x}ULL"),
        ]
        ctx["comment"] = (
            f"{s.name}: sliding window, {s.out.beats} beats/frame of {s.simd} x {s.inp.bits} bits"
        )
    elif isinstance(s, PoolStage):
        ctx["fields"] = [*_window_fields(s.window), ("unsigned", "PE", s.pe)]
        ctx["comment"] = (
            f"{s.name}: binary max-pool, {s.pe} channels/beat, "
            f"{int(s.layer.and_mask.sum()) if s.layer.and_mask.size else 0} AND channels; "
            f"source node {comment_safe(s.layer.source)}"
        )
    elif isinstance(s, LabelStage):
        ctx["fields"] = [
            ("unsigned", "N", s.n),
            ("unsigned", "PE", s.inp.elems),
            ("unsigned", "ACC_BITS", s.inp.bits),
            ("bool", "ACC_SIGNED", str(s.inp.signed).lower()),
            ("unsigned", "K", s.k),
            ("unsigned", "IDX_BITS", s.out.bits),
            ("bool", "DESCENDING", str(s.descending).lower()),
        ]
        ctx["comment"] = f"{s.name}: top-{s.k} labels of {s.n} accumulators"
    elif isinstance(s, ConvertStage):
        ctx["template_args"] = f"{s.inp.elems}, {s.out.elems}, {s.inp.bits}, {s.inp.frame_elems}"
        ctx["comment"] = f"{s.name}: {s.inp.elems} -> {s.out.elems} elements per beat"
    elif isinstance(s, ResizeStage):
        ctx["template_args"] = f"{s.in_width}, {s.out_width}, {s.inp.beats}"
        ctx["comment"] = f"{s.name}: {s.in_width} -> {s.out_width} bits per beat"
    return ctx


def _params_context(s: Stage) -> dict[str, Any] | None:
    if isinstance(s, MvauStage):
        f = s.folding
        words = mvau_weight_words(s.layer.weights, f.pe, f.simd)
        rows = [[_word(h, f.simd) for h in row] for row in words]
        ctx: dict[str, Any] = {"name": s.name, "kind": "mvau", "simd": f.simd, "weights": rows}
        act = s.layer.act
        if s.threshold:
            assert isinstance(act, ThresholdAct)
            t = mvau_fold_rows(act.thresholds.astype(np.int64), f.pe)
            lo, hi = quant_range(s.thresh_bits, s.acc_signed, narrow=False)
            if t.size and (t.min() < lo or t.max() > hi):
                raise AssertionError(f"{s.name}: thresholds outside {s.thresh_bits} bits")
            ctx["thresholds"] = [[str(int(v)) for v in row] for row in t]
        return ctx
    if isinstance(s, PoolStage):
        c = s.layer.in_shape[2]
        mask = s.layer.and_mask if s.layer.and_mask.size else np.zeros(c, dtype=bool)
        mask = np.broadcast_to(mask, (c,)).astype(np.uint8).reshape(c // s.pe, s.pe)
        return {
            "name": s.name,
            "kind": "pool",
            "pe": s.pe,
            "mask": [_word(bits_to_hex(m), s.pe) for m in mask],
        }
    return None


def _streams(df: Dataflow) -> tuple[list[dict[str, Any]], list[tuple[str, str]]]:
    """Stream variables (name, width, label) and each stage's (input, output) variable."""
    streams: list[dict[str, Any]] = []
    io: list[tuple[str, str]] = []
    cur = "in"
    n = len(df.stages)
    for i, s in enumerate(df.stages):
        if i == n - 1:
            out = "out"
        else:
            width = s.out.width if not isinstance(s, ResizeStage) else s.out_width
            out = f"s_{s.name}"
            streams.append({"var": out, "width": width, "label": s.name, "depth": STREAM_DEPTH})
        io.append((cur, out))
        cur = out
    return streams, io


def project_files(graph: Graph) -> tuple[Dataflow, dict[str, str]]:
    """The dataflow and the text of every generated source file, by relative path."""
    df = lower(graph)
    net = graph.name
    stages = [_stage_context(s) for s in df.stages]
    streams, io = _streams(df)
    for ctx, (a, b) in zip(stages, io, strict=True):
        ctx["in"], ctx["out"] = a, b
    params = [p for p in (_params_context(s) for s in df.stages) if p is not None]
    itf = df.interface
    taps = [
        {
            "name": name,
            "elems": s.elems,
            "bits": s.bits,
            "beats": s.beats,
            "shape": [1] * (3 - len(shape)) + list(shape),
        }
        for name, s, shape in df.taps()
    ]
    last = graph.layers[-1]
    out_shape = [itf.output.frame_elems] if itf.labels else list(last.out_shape)
    ctx = {
        "out_shape": [1] * (3 - len(out_shape)) + out_shape,
        "net": net,
        "stages": stages,
        "streams": streams,
        "params": params,
        "itf": itf,
        "taps": taps,
    }
    files: dict[str, str] = {}

    def put(path: str, template: str, what: str, **extra: Any) -> None:
        files[path] = render(template, header=header(graph, what, "//"), **ctx, **extra)

    put(f"{net}_top.hpp", "hls/top.hpp.j2", f"{net}_top: top-level interface")
    put(f"{net}_top.cpp", "hls/top.cpp.j2", f"{net}_top: streaming dataflow top function")
    put(f"{net}_config.hpp", "hls/config.hpp.j2", "per-stage configuration of the bnn2hw cores")
    for p in params:
        put(f"params/{p['name']}.hpp", "hls/params.hpp.j2", f"{p['name']}: parameters", p=p)
    put(f"tb/{net}_tb.cpp", "hls/tb.cpp.j2", "C-simulation test bench against golden vectors")
    return df, files


def golden_vectors(df: Dataflow, golden: GoldenResult) -> dict[str, list[str]]:
    """The test bench's golden vectors: input and output ports, and every layer's stream."""
    files = {
        "input.hex": encode_input(df, golden.acts["input"]),
        "output.hex": encode_output(df, golden.acc, golden.labels),
    }
    for name, stream, _ in df.taps():
        files[f"{name}.hex"] = encode_tap(stream, golden.acts[name])
    return files


def _library_files() -> dict[str, Path]:
    lib = hls_library_dir()
    out = {f"include/bnn2hw/{p.name}": p for p in sorted((lib / "bnn2hw").glob("*.hpp"))}
    out["csim/hls_stream.h"] = lib / "csim" / "hls_stream.h"
    return out


def emit_hls(
    graph: Graph, out: Path, golden: GoldenResult, options: HlsOptions | None = None
) -> list[Path]:
    """Write the HLS project into ``out`` (which must not exist); returns the files written."""
    options = options or HlsOptions()
    df, files = project_files(graph)
    net = graph.name
    vectors = golden_vectors(df, golden)
    frames = int(golden.acc.shape[0])
    lib = _library_files()
    headers = sorted([p for p in files if p.endswith(".hpp")] + list(lib))
    vec_paths = [f"tb/golden/{name}" for name in sorted(vectors)]
    extra = {
        "top_cpp": f"{net}_top.cpp",
        "tb_cpp": f"tb/{net}_tb.cpp",
        "headers": headers,
        "vectors": vec_paths,
        "frames": frames,
        "part": comment_safe(options.part),
        "clock_ns": f"{1000.0 / options.clock_mhz:.4g}",
        "clock_mhz": f"{options.clock_mhz:g}",
    }
    df_ctx = {"net": net, "itf": df.interface, "taps": df.taps()}
    for path, template, comment, what in (
        ("Makefile", "hls/Makefile.j2", "#", "g++ C-simulation of the HLS project"),
        ("run_hls.tcl", "hls/run_hls.tcl.j2", "#", "Vitis HLS: csim, csynth, cosim, export IP"),
        ("README.md", "hls/README.md.j2", "md", "How to build and check this HLS project"),
    ):
        head = header(graph, what, comment)
        files[path] = render(template, header=head, **df_ctx, **extra)
    contents: dict[str, str | Path] = {
        **files,
        **lib,
        **{f"tb/golden/{n}": hex_file_text(v) for n, v in vectors.items()},
    }
    written = []
    for rel, content in sorted(contents.items()):
        p = out / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, Path):
            shutil.copyfile(content, p)  # the hand-written library, verbatim
        else:
            p.write_text(content)
        written.append(p)
    return written
