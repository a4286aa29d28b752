"""The pass pipeline: one explicit tuple of pure ``Graph -> Graph`` functions.

``fold_thresholds`` turns every activation into ``acc >= T``; ``assign_folding`` gives every
layer its PE x SIMD (a given folding, or the default). ``run_pipeline`` can check every step
against the golden model on given inputs (FINN's verify_step, bit for bit).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence

import numpy as np

from bnn2hw.errors import Bnn2HwError
from bnn2hw.ir.graph import Graph
from bnn2hw.ir.layers import Folding
from bnn2hw.passes.assign_folding import assign_folding
from bnn2hw.passes.fold_thresholds import fold_thresholds

__all__ = ["DEFAULT_PIPELINE", "Pass", "PassCheckError", "pipeline", "run_pipeline"]

logger = logging.getLogger(__name__)

Pass = Callable[[Graph], Graph]


def pipeline(folding: Mapping[str, Folding] | None = None) -> tuple[Pass, ...]:
    """The compiler's passes, in order, with an optional explicit folding."""
    return (fold_thresholds, assign_folding(folding))


DEFAULT_PIPELINE: tuple[Pass, ...] = pipeline()


class PassCheckError(Bnn2HwError):
    """A pass changed what the graph computes (an internal error: please report it)."""


def run_pipeline(
    graph: Graph, passes: Sequence[Pass] = DEFAULT_PIPELINE, check_inputs: np.ndarray | None = None
) -> Graph:
    """Run the passes in order; with check_inputs, compare golden results before/after each."""
    from bnn2hw.golden import run_golden
    from bnn2hw.verify.compare import compare_golden

    before = None
    for p in passes:
        logger.info("pass %s", p.__name__)
        new = p(graph)  # first, so the pass reports its own errors (e.g. a reachable tie)
        if check_inputs is not None:
            before = before if before is not None else run_golden(graph, check_inputs)
            after = run_golden(new, check_inputs)
            diff = compare_golden(before, after)
            if diff:
                raise PassCheckError(f"pass {p.__name__} changed the result: {diff}")
            before = after
        graph = new
    return graph
