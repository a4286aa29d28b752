"""fold_search: choose PE and SIMD for every layer to meet a frame rate with the fewest resources.

Given a folded-activation graph, a target frame rate and a clock, the target is
``T = floor(clock_hz / fps)`` cycles per frame: every stage of the lowered dataflow
(hw/dataflow.py) must take at most T cycles, since the pipeline's throughput is
``clock / slowest stage``.

Algorithm (exact over the whole chain, unlike FINN's SetFolding, which raises each MVAU's SIMD
then PE greedily until it meets the target and looks at other stages only afterwards):

1. Every layer's legal foldings are enumerated (PE | MH, SIMD | MW and SIMD | C for a
   convolution; a pool's PE | C). A folding is admissible at T when every stage it produces
   fits T: the MVAU's ``vectors * MH/PE * MW/SIMD`` cycles, a convolution's window generator
   (input beats ``H*W*C/SIMD``, window beats ``OH*OW*MW/SIMD``), a pool's input and window
   beats, and the width converter between the producer's PE and this layer's SIMD (including
   the gcd converter when neither divides the other), computed with the same formulas as
   :func:`bnn2hw.hw.dataflow.stage_cycles`.
2. A dynamic program along the chain, whose state is the producer's beat size (its PE), picks
   the admissible foldings with the least total cost. Cost = estimated LUT + w * RAMB18 (w =
   the budget's LUT per RAMB18, or the PYNQ-Z1 ratio 190 without one) plus a small cost for
   each width converter; ties go to the least parallel folding, so no layer runs much faster
   than it needs to (balance). A pool takes its producer's PE whenever that meets T (no
   converter between them). Because a larger T only admits more foldings, the least cost
   never grows with T: a higher frame rate never costs fewer resources.
3. The result is lowered (``lower(graph)``) and the real dataflow's bottleneck, including
   window generators, converters and the label select, is checked against T.
4. With a budget (LUT, RAMB18): if the least-cost design at the target exceeds it, the search
   re-weights block RAM against LUTs (1/16 to 64 times the usual weight) to trade one for the
   other, and if still nothing fits, a binary search on T finds the fastest design that fits;
   the result says the target was not met and gives the best reachable frame rate. A target
   faster than the fully unfolded design (PE = MH, SIMD = the whole unit, every pool at
   PE = C) is not reachable by any folding; the result says so and takes the fastest design
   (within the budget).

Costs come from a function ``(layer, folding) -> (LUT, RAMB18)``. The default is
:func:`estimate_cost` (``bnn2hw.hw.estimate.estimate_layer``); :func:`interim_cost` is a
simpler formula model (documented there) that the property tests also use.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from bnn2hw.errors import FoldingError
from bnn2hw.hw.dataflow import (
    ConvertStage,
    Dataflow,
    LabelStage,
    MvauStage,
    PoolStage,
    ResizeStage,
    Stage,
    SwgStage,
    lower,
    stage_cycles,
    value_stream_bits,
)
from bnn2hw.ir.folding import check_folding, divisors, layer_cycles, simd_unit
from bnn2hw.ir.graph import Graph
from bnn2hw.ir.layers import Folding, Layer, MaxPoolBits
from bnn2hw.summary import widths

__all__ = [
    "DEFAULT_LUT_PER_BRAM18",
    "Budget",
    "CostFn",
    "LayerChoice",
    "SearchResult",
    "default_cost",
    "estimate_cost",
    "folding_cost",
    "interim_cost",
    "search_folding",
]

Cost = tuple[int, int]  # (LUT, RAMB18)
CostFn = Callable[[Layer, Folding], Cost]

#: LUTs one RAMB18 is worth when no budget says otherwise (xc7z020: 53,200 LUT / 280 RAMB18).
DEFAULT_LUT_PER_BRAM18 = 190.0
#: Memories below this many bits are LUTRAM/ROM in LUTs, larger ones block RAM (as the Verilog
#: backend's BLOCK_ROM_BITS asks).
BLOCK_BITS = 16384
#: Block RAM weights tried (powers of two around the budget's ratio) when a budget binds.
_WEIGHT_STEPS = (0, -1, 1, -2, 2, -3, 3, -4, 4, 5, 6)
_BRAM18_SHAPES = ((1, 16384), (2, 8192), (4, 4096), (9, 2048), (18, 1024), (36, 512))


# ---------------------------------------------------------------- the interim resource model


def _memory(width: int, depth: int) -> Cost:
    """(LUT, RAMB18) of a width x depth memory: LUTRAM (one LUT6 per 64 x 1 bits) below
    BLOCK_BITS, else RAMB18 blocks in their best aspect ratio (16K x 1 ... 512 x 36)."""
    if width * depth < BLOCK_BITS:
        return width * math.ceil(depth / 64), 0
    return 0, min(math.ceil(width / w) * math.ceil(depth / d) for w, d in _BRAM18_SHAPES)


def interim_cost(layer: Layer, f: Folding) -> Cost:
    """A simple formula model of one layer's (LUT, RAMB18) at folding f (hw/estimate.py is the
    calibrated one).

    MVAU, per PE: XNOR + popcount of SIMD bits ~ SIMD LUTs (XNORs fold into the first
    compressor level); an integer first layer's add/subtract tree ~ SIMD x (A + log2 SIMD)
    LUTs for A-bit inputs; accumulator and threshold compare ~ 2 x accumulator bits; NF
    thresholds of each PE in LUTRAM. Weights: one memory of PE*SIMD bits per word and
    NF*SF words (the backends' layout), see :func:`_memory`; the input vector buffer (SF words
    of SIMD*A bits) when NF > 1. A convolution adds its window generator: a buffer of KH rows
    (KH*W*C/SIMD words of SIMD*A bits) and ~ 2*SIMD*A LUTs of muxes. A pool: ~ 2 LUTs per PE
    and KH*KW, a row buffer of W*C bits. Every engine: 40 LUTs of control.
    Monotone: more PE or SIMD never costs fewer compute LUTs.
    """
    if isinstance(layer, MaxPoolBits):
        _, w, c = layer.in_shape
        kh, kw = layer.pool.kernel
        lut, bram = _memory(f.pe, max(1, w * c // f.pe))
        return 40 + 2 * f.pe * math.ceil(kh * kw / 2) + lut, bram
    pe, simd = f.pe, f.simd
    nf, sf = layer.mh // pe, layer.mw // simd
    acc_bits, thr_bits = widths(layer)
    if layer.in_type.binary:
        a_bits = 1
        compute = pe * simd
    else:
        a_bits, _ = value_stream_bits(layer.in_type)
        compute = pe * simd * (a_bits + max(1, math.ceil(math.log2(simd))))
    per_pe = 2 * acc_bits + thr_bits * math.ceil(nf / 64)
    w_lut, w_bram = _memory(pe * simd, nf * sf)
    b_lut, b_bram = _memory(simd * a_bits, sf) if nf > 1 else (0, 0)
    lut = 40 + compute + pe * per_pe + w_lut + b_lut
    bram = w_bram + b_bram
    if layer.conv is not None:
        _, w, c = layer.conv.in_shape
        kh, _ = layer.conv.kernel
        s_lut, s_bram = _memory(simd * a_bits, kh * w * c // simd)
        lut += 40 + 2 * simd * a_bits + s_lut
        bram += s_bram
    return lut, bram


def estimate_cost(layer: Layer, f: Folding) -> Cost:
    """The default cost: ``bnn2hw.hw.estimate.estimate_layer`` (the cores' structure, calibrated
    against Yosys; window generator included), as LUT = logic LUTs + LUTs used as LUTRAM and
    RAMB18 = RAMB18 + 2 x RAMB36."""
    from bnn2hw.hw.estimate import estimate_layer

    e = estimate_layer(layer, f)
    return e.lut + e.lutram, e.bram18_equiv


def default_cost() -> CostFn:
    """The cost function the search uses unless given one: :func:`estimate_cost`."""
    return estimate_cost


# ---------------------------------------------------------------- results


@dataclass(frozen=True)
class Budget:
    """A resource cap: LUTs and RAMB18 blocks (None: unlimited)."""

    lut: int | None = None
    bram18: int | None = None

    def fits(self, lut: int, bram18: int) -> bool:
        return (self.lut is None or lut <= self.lut) and (
            self.bram18 is None or bram18 <= self.bram18
        )

    def describe(self) -> str:
        parts = []
        if self.lut is not None:
            parts.append(f"LUT {self.lut:,}")
        if self.bram18 is not None:
            parts.append(f"BRAM {self.bram18:,} RAMB18")
        return ", ".join(parts) if parts else "unlimited"


@dataclass(frozen=True)
class LayerChoice:
    """One layer's chosen folding: its own cycles, the slowest of its stages (converters and
    window generator before it included), and its estimated resources."""

    name: str
    folding: Folding
    cycles: int
    stage_cycles: int
    lut: int
    bram18: int

    def to_json(self, pool: bool) -> dict[str, Any]:
        return {
            "name": self.name,
            **self.folding.to_json(pool),
            "cycles": self.cycles,
            "stage_cycles": self.stage_cycles,
            "lut": self.lut,
            "bram18": self.bram18,
        }


@dataclass(frozen=True)
class SearchResult:
    """What the folding search chose and why."""

    foldings: dict[str, Folding]
    target_fps: float
    clock_mhz: float
    target_cycles: int
    min_cycles: int  # the fully unfolded design's bottleneck
    bottleneck_cycles: int  # of the lowered dataflow at the chosen folding
    bottleneck_stage: str
    bottleneck_layer: str
    layers: tuple[LayerChoice, ...]
    lut: int
    bram18: int
    budget: Budget
    met: bool
    fits: bool  # within the budget (always True without one)
    details: str = ""  # how the folding was chosen, per-layer cycles, resources
    pools: frozenset[str] = field(default_factory=frozenset)

    @property
    def explanation(self) -> str:
        """One paragraph for the report: the status, then how the folding was chosen."""
        st = self.status()
        return f"{st[0].upper()}{st[1:]}. {self.details}"

    @property
    def fps(self) -> float:
        return self.clock_mhz * 1e6 / self.bottleneck_cycles

    def apply(self, graph: Graph) -> Graph:
        """The graph with the chosen folding (computation unchanged)."""
        return graph.with_layers(
            tuple(replace(la, folding=self.foldings[la.name]) for la in graph.layers)
        )

    def status(self) -> str:
        """One line: met, or why not and the best reachable rate."""
        at = (
            f"{self.fps:,.0f} frames/s at {self.clock_mhz:g} MHz "
            f"(bottleneck layer {self.bottleneck_layer}, {_cycles(self.bottleneck_cycles)})"
        )
        if self.met:
            return f"target {self.target_fps:,.0f} frames/s met: {at}"
        if self.target_cycles < self.min_cycles:
            why = (
                f"target {self.target_fps:,.0f} frames/s not reachable at {self.clock_mhz:g} "
                f"MHz by any folding (the fully unfolded design needs {_cycles(self.min_cycles)} "
                f"per frame, at most {self.clock_mhz * 1e6 / self.min_cycles:,.0f} frames/s)"
            )
            if self.fits and self.bottleneck_cycles > self.min_cycles:
                why += f" nor within the budget ({self.budget.describe()})"
        else:
            why = (
                f"target {self.target_fps:,.0f} frames/s not reachable within the budget "
                f"({self.budget.describe()})"
            )
        if not self.fits:
            return (
                f"{why}; no folding fits the budget ({self.budget.describe()}): the smallest "
                f"needs LUT {self.lut:,}, BRAM {self.bram18:,} RAMB18; building it at {at}"
            )
        return f"{why}; best reachable {at}"

    def to_json(self) -> dict[str, Any]:
        return {
            "target_fps": self.target_fps,
            "clock_mhz": self.clock_mhz,
            "target_cycles": self.target_cycles,
            "min_cycles": self.min_cycles,
            "met": self.met,
            "fits_budget": self.fits,
            "budget": {"lut": self.budget.lut, "bram18": self.budget.bram18},
            "achieved_fps": self.fps,
            "bottleneck_cycles": self.bottleneck_cycles,
            "bottleneck_stage": self.bottleneck_stage,
            "bottleneck_layer": self.bottleneck_layer,
            "estimate": {"lut": self.lut, "bram18": self.bram18},
            "layers": [c.to_json(c.name in self.pools) for c in self.layers],
            "status": self.status(),
            "explanation": self.explanation,
        }


# ---------------------------------------------------------------- the search


@dataclass(frozen=True)
class _Option:
    folding: Folding
    in_elems: int
    out_elems: int
    cycles: int  # the slowest of the layer's own stages (window generator, MVAU, pool)
    mvau_cycles: int
    lut: int
    bram18: int
    par: int


def _own_cycles(layer: Layer, f: Folding) -> int:
    """The slowest of the layer's own stages, as hw/dataflow.stage_cycles counts them."""
    if isinstance(layer, MaxPoolBits):
        h, w, c = layer.in_shape
        oh, ow, _ = layer.out_shape
        kh, kw = layer.pool.kernel
        return max(h * w * c // f.pe, oh * ow * kh * kw * c // f.pe)
    cyc = layer_cycles(layer, f)
    if layer.conv is not None:
        h, w, c = layer.conv.in_shape
        oh, ow = layer.conv.out_hw
        cyc = max(cyc, h * w * c // f.simd, oh * ow * layer.mw // f.simd)
    return cyc


def _convert_cycles(frame: int, e_in: int, e_out: int) -> int:
    """Cycles of the width converter(s) between beats of e_in and e_out elements (0: none)."""
    if e_in == e_out:
        return 0
    steps = [e_out] if e_out % e_in == 0 or e_in % e_out == 0 else [math.gcd(e_in, e_out), e_out]
    cyc, cur = 0, e_in
    for e in steps:
        cyc = max(cyc, frame // cur, frame // e)
        cur = e
    return cyc


def _convert_lut(e_in: int, e_out: int, bits: int) -> int:
    """A width converter: a shift register of lcm-ish width plus control."""
    if e_in == e_out:
        return 0
    return 20 + bits * (e_in + e_out)


class _Searcher:
    def __init__(self, graph: Graph, cost: CostFn, lut_per_bram18: float) -> None:
        self.graph = graph
        self.layers = graph.layers
        self.w = lut_per_bram18
        self.options: list[list[_Option]] = []
        for layer in self.layers:
            opts = []
            if isinstance(layer, MaxPoolBits):
                pairs = [(pe, 1) for pe in divisors(layer.in_shape[2])]
            else:
                pairs = [(pe, s) for pe in divisors(layer.mh) for s in divisors(simd_unit(layer))]
            for pe, s in pairs:
                f = Folding(pe, s)
                check_folding(layer, f)
                lut, bram = cost(layer, f)
                pool = isinstance(layer, MaxPoolBits)
                opts.append(
                    _Option(
                        folding=f,
                        in_elems=pe if pool else s,
                        out_elems=pe,
                        cycles=_own_cycles(layer, f),
                        mvau_cycles=layer_cycles(layer, f),
                        lut=int(lut),
                        bram18=int(bram),
                        par=pe * s,
                    )
                )
            self.options.append(opts)
        self.n_in = math.prod(graph.input.out_shape)
        self.in_bits = value_stream_bits(graph.input.out_type)[0]
        self.frames = [math.prod(la.out_shape) for la in self.layers]
        last = self.layers[-1]
        self.floor = math.prod(last.out_shape) if graph.output.topk is not None else 1

    def score(self, opts: list[_Option]) -> float:
        lut, bram = self.totals(opts)
        return lut + self.w * bram

    def solve(self, t: int, w: float | None = None) -> list[_Option] | None:
        """The least-cost admissible folding of every layer at T cycles (cost LUT + w x RAMB18,
        w the searcher's by default), or None."""
        w = self.w if w is None else w
        if self.floor > t:
            return None
        # state: producer's out elems -> (cost, parallelism, path)
        states: dict[int, tuple[float, int, tuple[_Option, ...]]] = {0: (0.0, 0, ())}
        for i, layer in enumerate(self.layers):
            pool = isinstance(layer, MaxPoolBits)
            frame = self.frames[i - 1] if i else self.n_in
            bits = 1 if i else self.in_bits
            new: dict[int, tuple[float, int, tuple[_Option, ...]]] = {}
            for e_p, (c0, p0, path) in states.items():
                follow = None
                if pool and e_p and layer.in_shape[2] % e_p == 0:
                    same = [o for o in self.options[i] if o.out_elems == e_p and o.cycles <= t]
                    follow = same[0] if same else None
                for o in self.options[i]:
                    if o.cycles > t or (follow is not None and o is not follow):
                        continue
                    if e_p == 0:  # the top-level input: in_elems per beat, no converter
                        if self.n_in // o.in_elems > t:
                            continue
                        extra = 0
                    else:
                        if _convert_cycles(frame, e_p, o.in_elems) > t:
                            continue
                        extra = _convert_lut(e_p, o.in_elems, bits)
                    c = c0 + o.lut + extra + w * o.bram18
                    p = p0 + o.par
                    old = new.get(o.out_elems)
                    if old is None or (c, p) < (old[0], old[1]):
                        new[o.out_elems] = (c, p, (*path, o))
            if not new:
                return None
            states = new
        best = min(states.values(), key=lambda v: (v[0], v[1]))
        return list(best[2])

    def spec(self, opts: list[_Option]) -> dict[str, Folding]:
        return {la.name: o.folding for la, o in zip(self.layers, opts, strict=True)}

    def totals(self, opts: list[_Option]) -> Cost:
        lut = bram = 0
        prev = 0
        for i, o in enumerate(opts):
            lut += o.lut + (_convert_lut(prev, o.in_elems, 1 if i else self.in_bits) if i else 0)
            bram += o.bram18
            prev = o.out_elems
        return lut, bram


def folding_cost(graph: Graph, foldings: Mapping[str, Folding], cost: CostFn | None = None) -> Cost:
    """Estimated (LUT, RAMB18) of a complete folding, counted as the search counts its designs
    (every layer's cost plus the width converters between them), e.g. to compare a hand-made
    folding with the search's at the same frame rate."""
    cost = cost or default_cost()
    lut = bram = prev = 0
    for i, layer in enumerate(graph.layers):
        f = foldings[layer.name]
        check_folding(layer, f)
        la_lut, la_bram = cost(layer, f)
        in_elems = f.pe if isinstance(layer, MaxPoolBits) else f.simd
        lut += la_lut + (_convert_lut(prev, in_elems, 1) if i else 0)
        bram += la_bram
        prev = f.pe
    return lut, bram


def _stage_layers(df: Dataflow, layers: tuple[Layer, ...]) -> dict[str, str]:
    """Stage name -> the layer it belongs to (converters and window generators: the layer
    they feed; resizes and label select: the first/last layer)."""
    names = {la.name for la in layers}
    out: dict[str, str] = {}
    pending: list[str] = []
    for s in df.stages:
        owner = None
        if isinstance(s, (MvauStage, PoolStage)) and s.name in names:
            owner = s.name
        elif isinstance(s, SwgStage):
            owner = s.name.removesuffix("_swg")
        if owner is None:
            pending.append(s.name)
            continue
        for p in pending:
            out[p] = owner
        pending = []
        out[s.name] = owner
    for p in pending:
        out[p] = layers[-1].name
    return out


def _stage_kind(s: Stage) -> str:
    if isinstance(s, SwgStage):
        return "window generator"
    if isinstance(s, ConvertStage):
        return "width converter"
    if isinstance(s, ResizeStage):
        return "port resize"
    if isinstance(s, LabelStage):
        return "label select"
    return "pool" if isinstance(s, PoolStage) else "MVAU"


def search_folding(
    graph: Graph,
    target_fps: float,
    clock_mhz: float,
    budget: Budget | None = None,
    cost: CostFn | None = None,
) -> SearchResult:
    """Choose every layer's PE x SIMD to meet ``target_fps`` at ``clock_mhz`` with the least
    estimated resources, within ``budget`` (see the module docstring)."""
    if not target_fps > 0 or not math.isfinite(target_fps):
        raise FoldingError(f"target frame rate {target_fps}: must be a positive number")
    if not clock_mhz > 0 or not math.isfinite(clock_mhz):
        raise FoldingError(f"clock {clock_mhz} MHz: must be a positive number")
    budget = budget or Budget()
    if (budget.lut is not None and budget.lut < 1) or (
        budget.bram18 is not None and budget.bram18 < 0
    ):
        raise FoldingError(f"budget ({budget.describe()}): LUTs must be >= 1, RAMB18 >= 0")
    if budget.lut and budget.bram18:
        w = budget.lut / budget.bram18
    else:
        w = DEFAULT_LUT_PER_BRAM18
    s = _Searcher(graph, cost or default_cost(), w)
    clock_hz = clock_mhz * 1e6
    target = math.floor(clock_hz / target_fps + 1e-9)  # 0: faster than one frame per cycle

    # the fully folded design (every PE and SIMD 1: no converters) bounds the search above
    t_hi = max(s.n_in, s.floor, *(opts[0].cycles for opts in s.options))
    lo, hi = 1, t_hi
    while lo < hi:  # the smallest T at which any folding is admissible
        mid = (lo + hi) // 2
        if s.solve(mid) is None:
            lo = mid + 1
        else:
            hi = mid
    t_min = lo
    t_used = max(target, t_min)  # t_min >= 1
    best = s.solve(t_used)
    if best is None:
        raise FoldingError(f"internal: no folding admissible at {t_used} cycles (please report)")
    fits = budget.fits(*s.totals(best))
    if not fits:

        def fitting(t: int) -> list[_Option] | None:
            """The cheapest design at T within the budget among the least-cost designs with
            RAMB18 weighted 1/16 .. 64 times as much as usual (trading LUTs for block RAM or
            back), or None."""
            found = []
            for k in _WEIGHT_STEPS:
                sol = s.solve(t, s.w * 2.0**k)
                if sol is not None and budget.fits(*s.totals(sol)):
                    found.append(sol)
            return min(found, key=s.score) if found else None

        sol = fitting(t_used)
        if sol is None:
            lo, hi = t_used + 1, max(t_used + 1, t_hi)
            while lo < hi:  # the smallest T with a design that fits
                mid = (lo + hi) // 2
                if fitting(mid) is None:
                    lo = mid + 1
                else:
                    hi = mid
            t_used = lo
            sol = fitting(t_used)
        if sol is not None:
            best, fits = sol, True
        else:  # nothing fits: the cheapest design there is
            t_used = t_hi
            sol = s.solve(t_used)
            if sol is None:
                raise FoldingError(f"internal: no folding admissible at {t_used} cycles")
            best = sol

    spec = s.spec(best)
    folded = graph.with_layers(tuple(replace(la, folding=spec[la.name]) for la in graph.layers))
    df = lower(folded)
    cycles = {st.name: stage_cycles(st) for st in df.stages}
    worst = max(df.stages, key=lambda st: cycles[st.name])
    owner = _stage_layers(df, graph.layers)
    bottleneck = cycles[worst.name]
    if bottleneck > t_used:  # the model of the stages disagrees with the dataflow
        raise FoldingError(
            f"internal: the lowered dataflow's stage {worst.name} takes {bottleneck} cycles, "
            f"more than the {t_used} the folding search allowed (please report)"
        )
    per_layer: dict[str, int] = {}
    for st in df.stages:
        name = owner[st.name]
        per_layer[name] = max(per_layer.get(name, 0), cycles[st.name])
    choices = tuple(
        LayerChoice(
            name=la.name,
            folding=o.folding,
            cycles=o.mvau_cycles,
            stage_cycles=per_layer.get(la.name, o.mvau_cycles),
            lut=o.lut,
            bram18=o.bram18,
        )
        for la, o in zip(graph.layers, best, strict=True)
    )
    lut, bram = s.totals(best)
    met = bottleneck <= target and fits
    pools = frozenset(la.name for la in graph.layers if isinstance(la, MaxPoolBits))
    res = SearchResult(
        foldings=spec,
        target_fps=float(target_fps),
        clock_mhz=float(clock_mhz),
        target_cycles=target,
        min_cycles=t_min,
        bottleneck_cycles=bottleneck,
        bottleneck_stage=f"{worst.name} ({_stage_kind(worst)})",
        bottleneck_layer=owner[worst.name],
        layers=choices,
        lut=lut,
        bram18=bram,
        budget=budget,
        met=met,
        fits=fits,
        pools=pools,
    )
    return replace(res, details=_explain(res, w))


def _cycles(n: int) -> str:
    return f"{n:,} cycle" if n == 1 else f"{n:,} cycles"


def _explain(r: SearchResult, w: float) -> str:
    per = ", ".join(
        f"{c.name} {c.folding.pe}x{c.folding.simd} {c.stage_cycles:,}"
        if c.name not in r.pools
        else f"{c.name} PE {c.folding.pe} {c.stage_cycles:,}"
        for c in r.layers
    )
    head = (
        f"{r.target_fps:,.0f} frames/s at {r.clock_mhz:g} MHz allow at most "
        f"{_cycles(r.target_cycles)} per frame. "
    )
    how = (
        "For every layer the search took the legal PE x SIMD (PE dividing the output channels, "
        "SIMD the fan-in and a convolution's input channels) with the least estimated cost "
        f"(LUT + {w:.0f} x RAMB18) whose stages, including window generators and width "
        "converters, fit the cycles allowed, the least parallel on ties, with pools following "
        "their producer's PE. "
    )
    where = (
        f"layer {r.bottleneck_layer}"
        if r.bottleneck_stage.startswith(f"{r.bottleneck_layer} (")
        else f"{r.bottleneck_stage} of layer {r.bottleneck_layer}"
    )
    got = (
        f"Bottleneck: {where}, "
        f"{_cycles(r.bottleneck_cycles)} per frame = {r.fps:,.0f} frames/s "
        f"(fully unfolded: {_cycles(r.min_cycles)}). "
        f"Cycles per layer (PE x SIMD): {per}. "
        f"Estimated {r.lut:,} LUT and {r.bram18:,} RAMB18 for the layers and converters"
    )
    if r.budget.lut is not None or r.budget.bram18 is not None:
        got += f" (budget {r.budget.describe()})"
    return head + got + ". " + how.rstrip()
