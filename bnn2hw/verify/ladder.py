"""Run engines on the same inputs and compare them pairwise against golden."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from bnn2hw.engines import run_onnx
from bnn2hw.engines.csim_engine import run_csim
from bnn2hw.engines.rtl_engine import run_rtl
from bnn2hw.golden import GoldenResult, run_golden
from bnn2hw.ir.floatops import TiePolicy
from bnn2hw.ir.graph import Graph
from bnn2hw.progress import Progress
from bnn2hw.rtl_sim import Stalls
from bnn2hw.verify.compare import Comparison, compare_exact, compare_to_reference

__all__ = ["ENGINES", "VerifyResult", "format_report", "record_rows", "verify_graph"]

ENGINES = ("golden", "onnx", "csim", "rtl")


@dataclass
class VerifyResult:
    """Comparisons of every engine against golden on one input set."""

    frames: int
    golden: GoldenResult
    comparisons: dict[str, Comparison]
    notes: dict[str, str] = field(default_factory=dict)  # per engine: timing, stalls

    @property
    def ok(self) -> bool:
        return all(c.ok for c in self.comparisons.values())


def verify_graph(
    graph: Graph,
    model: Path,
    x: np.ndarray,
    engines: list[str],
    hls_dir: Path | None = None,
    rtl_dir: Path | None = None,
    stalls: Stalls | None = None,
    simulator: str = "verilator",
    progress: Progress | None = None,
) -> VerifyResult:
    """Run golden and every other engine on x and compare each with golden.

    csim needs the build's HLS project, rtl its Verilog design (simulated with ``stalls``,
    default random gaps and back-pressure on both sides, under ``simulator``)."""
    golden = run_golden(graph, x)
    comps: dict[str, Comparison] = {}
    notes: dict[str, str] = {}
    for e in engines:
        if e == "golden":
            continue
        if e == "onnx":
            ref = run_onnx(model, x, list(golden.tensors), sign_at_zero=graph.tie.at_zero)
            comps[e] = compare_to_reference(graph, golden, ref.output, ref.tensors, graph.tie)
        elif e == "csim":
            if hls_dir is None:
                raise ValueError("the csim engine needs a build's HLS project")
            comps[e] = compare_exact(graph, golden, run_csim(graph, hls_dir, x))
        elif e == "rtl":
            if rtl_dir is None:
                raise ValueError("the rtl engine needs a build's Verilog design")
            run = run_rtl(graph, rtl_dir, x, stalls=stalls, simulator=simulator, progress=progress)
            comps[e] = compare_exact(graph, golden, run.result)
            notes[e] = run.describe()
    return VerifyResult(frames=int(x.shape[0]), golden=golden, comparisons=comps, notes=notes)


def format_report(graph: Graph, res: VerifyResult, title: str) -> str:
    """The comparison table printed by `bnn2hw verify`."""
    lines = [title]
    if graph.tie is not TiePolicy.ERROR:
        lines.append(
            f"reference: ONNX Sign at exactly 0 taken as {graph.tie.value} "
            "(--sign-at-zero), as compiled"
        )
    lines.append("")
    hdr = (
        f"{'engines':<18}{'frames':>8}{'binarized values':>18}{'mismatches':>12}"
        f"{'max |logit diff|':>18}{'max rel':>10}{'argmax agree':>15}"
    )
    lines.append(hdr)
    lines.append("-" * len(hdr))
    for e, c in res.comparisons.items():
        agree = f"{c.argmax_agree}/{c.frames}"
        diff = "-" if c.output_is_labels else f"{c.max_abs_diff:.3g}"
        rel = "-" if c.output_is_labels else f"{c.max_rel_diff:.3g}"
        lines.append(
            f"{'golden vs ' + e:<18}{c.frames:>8}{c.bits_compared:>18,}"
            f"{c.bit_mismatches:>12,}{diff:>18}{rel:>10}{agree:>15}"
        )
    for e, c in res.comparisons.items():
        lines.append("")
        lines.append(f"per tensor, golden vs {e}:")
        for t in c.tensors:
            tie = f"  ({t.ties} Sign ties resolved by --sign-at-zero)" if t.ties else ""
            lines.append(
                f"  {t.layer:<16}{t.tensor[:40]:<42}{t.compared:>12,} compared"
                f"{t.mismatches:>10,} mismatches{tie}"
            )
        if c.labels_compared:
            lines.append(f"  top-k labels: {c.labels_agree}/{c.labels_compared} frames agree")
        if e in res.notes:
            lines.append(f"  {e}: {res.notes[e]}")
        first = c.first_mismatch()
        if first is not None:
            lines.append(f"  first mismatch: {first.describe('reference' if e == 'onnx' else e)}")
    lines.append("")
    lines.append("result: PASS" if res.ok else "result: FAIL")
    return "\n".join(lines)


def record_rows(res: VerifyResult, inputs: str) -> list[dict[str, object]]:
    """One row per engine pair, as BUILD/verify.json records them for the report: frames,
    values compared (binarized values and logits), mismatches, pass/fail, the inputs used."""
    rows: list[dict[str, object]] = []
    for e, c in res.comparisons.items():
        rows.append(
            {
                "engines": f"golden vs {e}",
                "inputs": inputs,
                "frames": c.frames,
                "compared": c.bits_compared + c.logits_compared,
                "mismatches": c.bit_mismatches,
                "ok": c.ok,
                "note": res.notes.get(e, ""),
                "layers": _layer_counts(c),
            }
        )
    return rows


def _layer_counts(c: Comparison) -> dict[str, dict[str, int]]:
    """Values compared and mismatches per layer (a layer's tensors added up)."""
    out: dict[str, dict[str, int]] = {}
    for t in c.tensors:
        d = out.setdefault(t.layer, {"compared": 0, "mismatches": 0})
        d["compared"] += t.compared
        d["mismatches"] += t.mismatches
    return out
