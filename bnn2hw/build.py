"""The BUILD folder: compile a model into it, and load it back.

Layout: bnn2hw.json (IR and facts), model.onnx (the source, for the float reference),
folding.json (the PE x SIMD of every layer, readable by --folding),
golden/ (test vectors: inputs, quantized inputs, every binarized tensor, accumulators, outputs),
hls/ (the HLS C++ project, backends/hls), rtl/ (the Verilog design, backends/verilog);
sim/ is made by the rtl engine (the compiled simulator).
A build is written to a temporary sibling folder and renamed into place, so a failure leaves
nothing half-written.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from bnn2hw import __version__
from bnn2hw.backends.hls.emit import HlsOptions, emit_hls
from bnn2hw.backends.verilog.emit import emit_rtl
from bnn2hw.errors import BuildError
from bnn2hw.frontend import ImportOptions, import_model
from bnn2hw.golden import run_golden
from bnn2hw.hw.estimate import design_json
from bnn2hw.ir.folding import folding_to_json
from bnn2hw.ir.graph import Graph
from bnn2hw.ir.layers import Folding
from bnn2hw.ir.serialize import graph_from_json, graph_to_json
from bnn2hw.passes import pipeline, run_pipeline
from bnn2hw.report import write_report
from bnn2hw.stimuli import random_inputs
from bnn2hw.summary import layer_rows

__all__ = [
    "BUILD_FORMAT",
    "Build",
    "check_output_folder",
    "compile_model",
    "load_build",
    "swap_folder",
    "write_build",
]

BUILD_FORMAT = 1
JSON_NAME = "bnn2hw.json"


@dataclass(frozen=True)
class Build:
    """A loaded build folder."""

    path: Path
    graph: Graph
    meta: dict[str, Any]

    @property
    def model_path(self) -> Path:
        return self.path / "model.onnx"

    @property
    def hls_dir(self) -> Path:
        return self.path / "hls"

    @property
    def rtl_dir(self) -> Path:
        return self.path / "rtl"


def compile_model(
    model: Path,
    options: ImportOptions,
    check_frames: int = 8,
    seed: int = 0,
    folding: Mapping[str, Folding] | None = None,
) -> Graph:
    """Import and run the pass pipeline, checking each pass on a few frames bit for bit."""
    graph = import_model(model, options)
    x = random_inputs(graph, check_frames, seed)
    return run_pipeline(graph, pipeline(folding), check_inputs=x)


def _options_json(options: ImportOptions) -> dict[str, Any]:
    return {
        "input_int": options.input_int,
        "sign_at_zero": options.sign_at_zero.value,
        "input_range": list(options.input_range) if options.input_range else None,
        "topk": options.topk,
    }


def check_output_folder(out: Path, force: bool) -> None:
    """BuildError unless ``out`` can be written: new, or an existing folder with --force."""
    if out.exists() and not force:
        raise BuildError(
            f"{out}: already exists; choose another folder or pass --force to replace it"
        )
    if out.exists() and not out.is_dir():
        raise BuildError(f"{out}: exists and is not a folder")
    parent = out.resolve().parent
    if not parent.is_dir():
        raise BuildError(f"{out}: parent folder {parent} does not exist")


def write_build(
    out: Path,
    model: Path,
    graph: Graph,
    options: ImportOptions,
    *,
    force: bool = False,
    golden_frames: int = 32,
    seed: int = 0,
    hls: HlsOptions | None = None,
    extra_meta: Mapping[str, Any] | None = None,
) -> Path:
    """Write BUILD atomically (temporary folder, then rename). ``extra_meta`` adds top-level
    keys to bnn2hw.json (e.g. "folding_search", "board")."""
    out = Path(out)
    check_output_folder(out, force)
    parent = out.resolve().parent
    tmp = parent / f".{out.name}.tmp-{os.getpid()}"
    if tmp.exists():
        shutil.rmtree(tmp)
    try:
        _write_contents(
            tmp, model, graph, options, golden_frames, seed, hls or HlsOptions(), extra_meta or {}
        )
        swap_folder(tmp, out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return out


def swap_folder(tmp: Path, out: Path) -> None:
    """Put the finished folder ``tmp`` in place of ``out`` (replacing it if it exists); the old
    contents are removed only once the new ones are in place."""
    if out.exists():
        old = out.with_name(f".{out.name}.old-{os.getpid()}")
        if old.exists():
            shutil.rmtree(old)
        out.rename(old)
        tmp.rename(out)
        shutil.rmtree(old)
    else:
        tmp.rename(out)


def _write_contents(
    tmp: Path,
    model: Path,
    graph: Graph,
    options: ImportOptions,
    golden_frames: int,
    seed: int,
    hls: HlsOptions,
    extra_meta: Mapping[str, Any],
) -> None:
    (tmp / "golden" / "acts").mkdir(parents=True)
    shutil.copyfile(model, tmp / "model.onnx")
    meta = {
        "generated_by": f"bnn2hw {__version__} from {graph.source_file} "
        f"(sha256:{graph.source_hash[:12]}) -- do not edit; regenerate instead",
        "format": BUILD_FORMAT,
        "bnn2hw_version": __version__,
        "source": {"file": graph.source_file, "sha256": graph.source_hash},
        "options": _options_json(options),
        "layers": layer_rows(graph),
        "golden": {"frames": golden_frames, "seed": seed},
        "hardware": {"part": hls.part, "clock_mhz": hls.clock_mhz},
        "estimates": design_json(graph),
        **extra_meta,
        "graph": graph_to_json(graph),
    }
    (tmp / JSON_NAME).write_text(json.dumps(meta, indent=1) + "\n")
    x = random_inputs(graph, golden_frames, seed)
    res = run_golden(graph, x)
    g = tmp / "golden"
    np.save(g / "inputs.npy", x)
    np.save(g / "output.npy", res.output)
    np.save(g / "logits.npy", res.logits)
    np.save(g / "acc.npy", res.acc)
    for name, bits in res.acts.items():
        np.save(g / "acts" / f"{name}.npy", bits)
    folding = {"generated_by": meta["generated_by"], "layers": folding_to_json(graph.layers)}
    (tmp / "folding.json").write_text(json.dumps(folding, indent=1) + "\n")
    emit_hls(graph, tmp / "hls", res, hls)
    emit_rtl(graph, tmp / "rtl")
    write_report(tmp)


def load_build(path: Path) -> Build:
    """Load BUILD/bnn2hw.json; BuildError with a clear line if anything is off."""
    p = Path(path)
    if not p.exists():
        raise BuildError(f"{p}: build folder not found; run bnn2hw compile first")
    j = p / JSON_NAME
    if not p.is_dir() or not j.exists():
        raise BuildError(f"{p}: not a bnn2hw build folder (no {JSON_NAME}); run bnn2hw compile")
    try:
        meta = json.loads(j.read_text())
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as e:
        raise BuildError(
            f"{j}: corrupt ({type(e).__name__}: {str(e).splitlines()[0]}); recompile the model"
        ) from None
    if not isinstance(meta, dict) or meta.get("format") != BUILD_FORMAT:
        raise BuildError(
            f"{j}: build format {meta.get('format') if isinstance(meta, dict) else '?'}"
            f" is not {BUILD_FORMAT}; recompile with this bnn2hw"
        )
    try:
        graph = graph_from_json(meta["graph"])
    except (KeyError, ValueError, TypeError, IndexError) as e:
        raise BuildError(
            f"{j}: corrupt graph ({type(e).__name__}: {e}); recompile the model"
        ) from None
    return Build(path=p, graph=graph, meta=meta)
