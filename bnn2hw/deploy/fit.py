"""Fit check: does a design fit a board? Estimated LUTs and block RAM against the board's totals.

The estimate (bnn2hw.hw.estimate, the build's ``estimates`` key) counts logic LUTs plus LUTs
used as distributed RAM, and block RAM in RAMB18 units (a RAMB36 is two). The design may use at
most ``1 - SHELL_MARGIN`` of the board's LUTs and RAMB18s: the rest is left for the shell (DMA,
interconnect, width converters, reset) and for the estimate's error. A design that does not fit
is refused with a :class:`~bnn2hw.errors.FitError` naming the resources, the numbers, and a
folding that does fit (from the folding search within the same budget), with the frame rate it
reaches at the board's clock and the command that builds it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import Any

from bnn2hw.boards import Board
from bnn2hw.errors import FitError
from bnn2hw.hw.dataflow import lower
from bnn2hw.hw.estimate import Estimate, estimate_design
from bnn2hw.ir.graph import Graph
from bnn2hw.ir.layers import Folding
from bnn2hw.passes.fold_search import Budget, SearchResult, search_folding

__all__ = ["SHELL_MARGIN", "FitReport", "Suggestion", "check_fit", "design_usage", "fit_report"]

SHELL_MARGIN = 0.10  # of the board's LUTs and RAMB18s, kept for the shell and estimate error


def design_usage(total: Estimate | dict[str, Any]) -> tuple[int, int]:
    """(LUTs incl. LUTRAM, RAMB18 equivalents) of an estimate total (or its JSON form)."""
    t = total.to_json() if isinstance(total, Estimate) else total
    return int(t["lut"]) + int(t.get("lutram", 0)), int(t["bram18"]) + 2 * int(t["bram36"])


@dataclass(frozen=True)
class Suggestion:
    """A folding that fits, as the search found it, with its estimated usage."""

    foldings: dict[str, Folding]
    fps: float
    lut: int
    bram18: int
    search: SearchResult

    def folding_json(self) -> dict[str, Any]:
        return {k: f.to_json(k in self.search.pools) for k, f in self.foldings.items()}


@dataclass(frozen=True)
class FitReport:
    """Usage against the board's usable totals (after the shell margin)."""

    board: Board
    lut: int
    bram18: int
    lut_budget: int
    bram18_budget: int
    fps: float  # the design's frame rate at the board's clock
    suggestion: Suggestion | None = None

    @property
    def fits(self) -> bool:
        return self.lut <= self.lut_budget and self.bram18 <= self.bram18_budget

    def over(self) -> list[str]:
        """The resources over budget, as text with the numbers."""
        out = []
        for what, used, cap, total in (
            ("LUT", self.lut, self.lut_budget, self.board.lut),
            ("BRAM (RAMB18)", self.bram18, self.bram18_budget, self.board.bram18),
        ):
            if used > cap:
                out.append(
                    f"{what} {used:,} > {cap:,} ({100 * (1 - SHELL_MARGIN):g}% of {total:,})"
                )
        return out

    def describe(self) -> str:
        head = (
            f"{self.board.name}: estimated LUT {self.lut:,} of {self.lut_budget:,}, "
            f"BRAM {self.bram18:,} of {self.bram18_budget:,} RAMB18 usable "
            f"({100 * SHELL_MARGIN:g}% kept for the shell)"
        )
        if self.fits:
            return f"{head}: fits"
        return f"{head}: does not fit ({'; '.join(self.over())})"

    def message(self, model: str = "MODEL.onnx", out: str = "BUILD") -> str:
        """The refusal: what is over, by how much, and a folding that fits (one line)."""
        msg = f"design does not fit {self.board.name}: {'; '.join(self.over())}"
        s = self.suggestion
        if s is None:
            return f"{msg}; no folding of this model fits the board; choose a larger board"
        spec = ", ".join(f"{k} PE {f.pe} SIMD {f.simd}" for k, f in s.foldings.items())
        fps_arg = _fps_arg(s.fps)
        return (
            f"{msg}; a folding that fits: {spec} (estimated LUT {s.lut:,}, BRAM {s.bram18:,} "
            f"RAMB18, {s.fps:,.0f} frames/s at {self.board.clock_mhz:g} MHz, this design "
            f"{self.fps:,.0f}); rebuild with: bnn2hw compile {model} -o {out} "
            f"--board {self.board.key} --target-fps {fps_arg} "
            f"--budget-luts {self.lut_budget} --budget-bram18 {self.bram18_budget}"
        )


def _fps_arg(fps: float) -> str:
    return f"{math.floor(fps):d}" if fps >= 1 else f"{fps:.6g}"


def _budget(board: Board, margin: float) -> tuple[int, int]:
    return math.floor(board.lut * (1 - margin)), math.floor(board.bram18 * (1 - margin))


def _suggest(graph: Graph, board: Board, fps: float, lut: int, bram18: int) -> Suggestion | None:
    """The search's folding at ``fps`` (or the fastest that fits) within the budget, checked
    against the full estimate (FIFOs included); the search budget shrinks until it does."""
    for k in range(8):
        shrink = 0.95**k
        budget = Budget(lut=max(1, math.floor(lut * shrink)), bram18=math.floor(bram18 * shrink))
        res = search_folding(graph, fps, board.clock_mhz, budget)
        if not res.fits:
            return None
        folded = _with_folding(graph, res.foldings)
        used = design_usage(estimate_design(folded)[1])
        if used[0] <= lut and used[1] <= bram18:
            rate = board.clock_mhz * 1e6 / lower(folded).bottleneck
            return Suggestion(res.foldings, rate, used[0], used[1], res)
    return None


def _with_folding(graph: Graph, foldings: dict[str, Folding]) -> Graph:
    return graph.with_layers(
        tuple(replace(la, folding=foldings.get(la.name, la.folding)) for la in graph.layers)
    )


def fit_report(
    design: Any, board: Board, *, margin: float = SHELL_MARGIN, suggest: bool = True
) -> FitReport:
    """Usage of a build (bnn2hw.build.Build: its ``estimates``) or a folded Graph on ``board``,
    with a suggested folding when it does not fit (``suggest``)."""
    if isinstance(design, Graph):
        graph, total = design, None
    else:
        graph, total = design.graph, design.meta.get("estimates", {}).get("total")
    lut, bram = design_usage(total if total is not None else estimate_design(graph)[1])
    lut_cap, bram_cap = _budget(board, margin)
    fps = board.clock_mhz * 1e6 / lower(graph).bottleneck
    rep = FitReport(board, lut, bram, lut_cap, bram_cap, fps)
    if rep.fits or not suggest:
        return rep
    return replace(rep, suggestion=_suggest(graph, board, fps, lut_cap, bram_cap))


def check_fit(
    design: Any, board: Board, *, margin: float = SHELL_MARGIN, model: str | None = None
) -> FitReport:
    """The fit report if the design fits ``board``; else FitError with the resources over
    budget, the numbers and a folding that fits (see :meth:`FitReport.message`)."""
    rep = fit_report(design, board, margin=margin)
    if not rep.fits:
        out = str(design.path) if hasattr(design, "path") else "BUILD"
        src = model or (str(design.model_path) if hasattr(design, "model_path") else "MODEL.onnx")
        raise FitError(rep.message(src, out + "_fit"))
    return rep
