"""``bnn2hw estimate BUILD [--synth]``: the formula estimates of a build (bnn2hw.hw.estimate)
and, on request, Yosys synth_xilinx results to compare them with, recorded in BUILD/bnn2hw.json.

Keys written (the rest of bnn2hw.json is kept as it is; the file is replaced atomically):
  "estimates":  bnn2hw.hw.estimate.design_json: per layer (the layer's wrapper), per stage, total.
  "synthesis":  with --synth: {"tool", "family", "layers": {layer: result}, "total": result},
                each result {"lut", "ff", "lutram", "bram18", "bram36", "carry", "muxf", "dsp"}
                (lutram in LUTs, as the estimates; no timings, so the file stays deterministic).
                A layer is its wrapper ``<net>_<layer>.v`` synthesized on its own (out of context,
                flattened); the total is the whole flattened design, FIFOs, window generators and
                converters included.
Synthesis logs and scripts go to BUILD/synth/<layer>/ and BUILD/synth/top/.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from bnn2hw.atomic import write_text_atomic
from bnn2hw.backends.verilog.emit import design_sources, top_module
from bnn2hw.build import JSON_NAME, Build
from bnn2hw.errors import BuildError
from bnn2hw.hw.dataflow import lower
from bnn2hw.hw.estimate import LUTRAM_CELL_LUTS, design_json, wrapper_stages
from bnn2hw.progress import Progress
from bnn2hw.synth import FAMILIES, SynthResult, synth_xilinx

__all__ = ["EstimateRun", "estimate_build", "lutram_luts", "synth_json"]


def lutram_luts(r: SynthResult) -> int:
    """LUTs used as distributed RAM by a synthesis result (each cell type's LUT count)."""
    return sum(n * LUTRAM_CELL_LUTS.get(cell, 0) for cell, n in r.cells.items())


def synth_json(r: SynthResult) -> dict[str, Any]:
    return {
        "lut": r.luts,
        "ff": r.ffs,
        "lutram": lutram_luts(r),
        "bram18": r.bram18,
        "bram36": r.bram36,
        "carry": r.carry,
        "muxf": r.muxes,
        "dsp": r.dsp,
    }


@dataclass(frozen=True)
class EstimateRun:
    """What ``bnn2hw estimate`` computed: the estimates, and the synthesis results if run."""

    estimates: dict[str, Any]
    synthesis: dict[str, Any] | None


def estimate_build(
    build: Build,
    *,
    synth: bool = False,
    family: str = "xc7",
    progress: Progress | None = None,
) -> EstimateRun:
    """Estimate a build (and synthesize it with ``synth``), record both in its bnn2hw.json."""
    if family not in FAMILIES:
        raise BuildError(f"unknown Xilinx family {family!r}: use one of {', '.join(FAMILIES)}")
    steps = progress or Progress(1, "synth", enabled=False)
    df = lower(build.graph)
    est = design_json(df)
    result: dict[str, Any] | None = None
    if synth:
        rtl = build.rtl_dir
        if not (rtl / "filelist.f").exists():
            raise BuildError(f"{rtl}: no Verilog design (filelist.f missing); recompile the model")
        sources = design_sources(rtl)
        missing = [str(s) for s in sources if not s.exists()]
        if missing:
            raise BuildError(f"{rtl}: Verilog sources missing ({missing[0]}); recompile the model")
        cores = [p for p in sources if p.parent.name == "cores"]
        work = build.path / "synth"
        net = build.graph.name
        layers: dict[str, Any] = {}
        stages = wrapper_stages(df)
        steps.begin(len(stages) + 1)
        for s in stages:
            module = f"{net}_{s.name}"
            steps.start(module)
            r = synth_xilinx(
                [*cores, rtl / f"{module}.v"],
                module,
                family=family,
                workdir=work / s.name,
                mem_dir=rtl,
                includes=[rtl / "cores"],
            )
            layers[s.name] = synth_json(r)
            steps.done(r.summary())
        top = top_module(build.graph)
        steps.start(f"{top} (whole design, flattened)")
        r = synth_xilinx(
            sources,
            top,
            family=family,
            workdir=work / "top",
            mem_dir=rtl,
            includes=[rtl / "cores"],
        )
        steps.done(r.summary())
        result = {
            "tool": "Yosys synth_xilinx (pyosys), out of context, flattened",
            "family": family,
            "layers": layers,
            "total": synth_json(r),
        }
    meta = dict(build.meta)
    meta["estimates"] = est
    if result is not None:
        meta["synthesis"] = result
    # keep the graph last, as compile writes it
    graph = meta.pop("graph", None)
    if graph is not None:
        meta["graph"] = graph
    write_text_atomic(build.path / JSON_NAME, json.dumps(meta, indent=1) + "\n")
    return EstimateRun(est, result)
