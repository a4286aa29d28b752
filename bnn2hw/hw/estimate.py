"""Resource and cycle estimates of the streaming dataflow, per stage and in total, from formulas.

Every formula follows the structure of the hand-written cores in rtl/ (what each core
instantiates at its parameters) and is calibrated against Yosys ``synth_xilinx -family xc7``
(bnn2hw/synth.py, flattened, out of context). Units: ``lut`` logic LUTs (LUT1..LUT6 and INV,
Yosys's ``luts``; MUXF7/F8 and CARRY4 not counted); ``lutram`` LUTs used as distributed RAM
(RAM32M, RAM64M, RAM256X1S: 4 each; RAM128X1S 2; RAM64X1S 1; LUTRAM_CELL_LUTS); ``ff``
flip-flops; ``bram18``/``bram36`` RAMB18E1/RAMB36E1 cells; ``cycles`` the stage's cycles per
frame at one beat or tile per cycle (hw.dataflow.stage_cycles). Adding estimates adds the
resources and keeps the largest ``cycles``: a pipeline's throughput is its slowest stage's.

Memories: memory_libmap's own rules (Yosys 0.70, passes/memory/memory_libmap.cc)
--------------------------------------------------------------------------------
Libraries (xc7): block RAM ``brams_xc4v.txt`` with HAS_SIZE_36 (a RAMB18, cost 129: 2^(14-i)
words of dbits[i] in (1, 2, 4, 9, 18, 36); a RAMB36, cost 257: 2^(15-i) words of (1, 2, 4, 9, 18,
36, 72); two cascaded RAMB36, cost 513: 65536 x 1 ... 8192 x 9); LUTRAM ``lutrams_xc5v.txt``
(single port, cost 8, widthscale 8: 32 x 8, 64 x 4, 128 x 2, 256 x 1; simple dual port, cost 8,
widthscale 7: 32 x 6, 64 x 3; one unit = 4 LUTs). For a memory of D words of W bits (one read
port, no wide ports) and a cell of d words of w bits, memory_libmap lays the mult_a = ceil(D/d)
slices of d words side by side and cuts them into ``cells = ceil(mult_a * W / w)`` cells (parity
bits hold data), at ``cost = (cost - widthscale) * cells + widthscale * mult_a * W / w
+ 0.5 * (mult_a - 1) * W + 2 * (read ports of their own)``; per library entry the cheapest base
width, over all entries the cheapest (block RAM: :func:`bram_cells`, :func:`map_memory`); a RAM
without attribute may also stay logic at 1 per bit. So a memory uses RAMB18s or RAMB36s, never
both. Examples measured: 64 x 784 -> 11 RAMB36 (22 RAMB18 would cost 2838 > 2827); 2304 x 128
-> 9 RAMB36 (5 slices of 512 x 128 in 640/72 cells); 32768 x 8 -> 15 RAMB18 of 2048 x 9;
18432 x 32 -> 16 RAMB36 of 2048 x 18; a 224 x 32 line buffer -> 1 RAMB18; a 72 x 32 single-port
buffer -> 32 RAM128X1S (a tie with 12 RAM32M; the later library entry wins, as measured).

* MVAU weight ROM (TILES = NF*SF words of PE*SIMD bits): block RAM exactly when the emitter sets
  BLOCK_ROM (MH*MW >= BLOCK_ROM_BITS, rom_style "block"); its output register (w_q) is then the
  block RAM's own (no FFs). Else logic (rom_style "distributed", made "logic" by synth.py):
  ``rom_luts = W * ceil(TILES / 16)`` (memory_libmap's own cost of a logic ROM, bits / 16),
  times the fitted c_rom.
* MVAU threshold ROM (NF words of PE*THRESH_BITS bits): always logic, rom_luts times c_trom
  (thresholds are far from random: cheaper than weights); one word (NF = 1) is a constant.
* RAMs (MVAU input buffer, single port; FIFO, window line buffer, pool partial results, simple
  dual port): as memory_libmap picks; mult_a > 1 adds a read multiplexer of W * ceil((mult_a-1)/3)
  LUTs.

Logic
-----
MVAU (b2h_mvau): per PE an XNOR-popcount (or add/subtract) b2h_adder_tree over SIMD leaves of LW
bits (1, or IN_BITS + 1 for integer inputs; level l has ceil(N/2^l) nodes of LW + l bits,
registered every STAGE_LEVELS = 2 levels and at the root; ``tree_bits`` counts the adders' output
bits). With CW = max(ACC_BITS, THRESH_BITS) + 1 and OUT_W the output beat width,

    LUT = c_rom * rom_luts(weights, unless block RAM) + c_trom * rom_luts(thresholds)
        + c_cmp * PE * CW + c_tree * PE * tree_bits(SIMD, LW) + c_leaf * PE * SIMD * LW (integer
        inputs) + c_acc * PE * ACC_BITS + c_inmux * SIMD * IN_BITS (NF > 1) + c_out * OUT_W
        + c_ctl + the input buffer's read multiplexer (above)

(mvau_lut_terms). The coefficients _C are a non-negative least-squares fit on relative error to
the MVAU rows of TFC, SFC, CNV and the b2h_mvau points below; c_cmp and c_out came out near 0
(the compare and the skid buffer's muxes merge into the accumulator and ROM logic). FFs are
counted register by register from the RTL, not fitted: w_q (unless block RAM), the input
register, the reuse buffer's output register (NF > 1), tree registers, meta shift register,
accumulators, threshold register (NF > 1), counters, the output skid buffer (2 x OUT_W + 2).

Other stages (small next to the MVAUs; LUTs ~ one per register bit with a next-state mux or
adder, c_swg fitted to the two CNV pools):
* b2h_swg: 14 coordinate registers of CW bits (8 of its own, 6 in b2h_window_walk), d, the read
  register and skid buffer (3 x SIMD*EW + 4 FF); LUT c_swg * 14 * CW + 2 * SIMD*EW; the line
  buffer min(KH + SH, H) rows x W*C/SIMD beats as a RAM.
* b2h_maxpool: b2h_swg (PE bits) plus b2h_pool_reduce (a walk of 6 CW-bit registers, CF partial
  results of PE bits as a RAM, a PE-bit skid buffer).
* b2h_axis_fifo (emit.fifo_depth entries): output register, two pointers, occupancy, flags.
* b2h_width_convert: gather keeps OUT-IN partial bits and an OUT-bit output register (clock
  enables, no muxes); split an IN-bit shift register (one LUT per bit); R = 1 a register.
* b2h_axis_resize: wires. b2h_label_select: K slots of ACC_BITS + IDX_BITS + 1 bits, a compare
  and an insert mux per slot (not calibrated: no measured design selects labels).

Calibration data (Yosys 0.70 synth_xilinx xc7, flattened; per-layer wrappers with the emitted
weights of the zoo's Brevitas models at seed 1, and b2h_mvau alone with random weights;
estimated / measured logic LUTs; LFC was measured after the fit: out of sample). Largest MVAU
errors: CNV l09 -21% (a 512-word threshold ROM), CNV l08 +18%, l06 -15%; b2h_mvau (2,64,128,32)
+29%, (64,8,64,64) +19%, (2,8,128,64) -12%. Very small layers are overestimated (a 64 x 8 dense
layer: 887 against 505): the fixed c_ctl dominates. FFs come out 0-20% high (Yosys removes
constant and unused register bits; CNV l00 +35%: the upper bits of its 9-bit leaves' trees).
Block RAM and LUTRAM: equal to Yosys on every layer and design listed (CNV's whole design:
LUTRAM 480 LUTs estimated against 520).

    TFC (16,49)(8,8)(8,8)(10,8): l00_dense 2196/2098, l01_dense 519/558, l02_dense 519/558,
        l03_dense 361/361; whole design 3708/3611 LUT, 2798/2478 FF, BRAM18/36 0/11 = 0/11
    SFC (16,49)(16,16)(16,16)(10,16): l00_dense 2196/2171, l01_dense 832/890, l02_dense 832/890,
        l03_dense 644/644; whole design 4596/4700 LUT, 3742/3429 FF, BRAM18/36 0/19 = 0/19
    LFC (32,49)(64,32)(32,64)(10,8): l00_dense 4214/4290, l01_dense 5543/6100, l02_dense
        5309/5555, l03_dense 980/928; whole design 16177/16761 LUT, 11406/10565 FF, BRAM18/36
        114/22 = 114/22
    CNV fold_cnv_large: l00_conv 1497/1497, l01_conv 2801/2846, l02_pool 410/417, l03_conv
        1484/1528, l04_conv 1512/1506, l05_pool 337/341, l06_conv 530/622, l07_conv 289/332,
        l08_dense 122/103, l09_dense 155/197, l10_dense 435/440; whole design 11622/11094 LUT,
        9138/7966 FF, BRAM18/36 88/29 = 88/29
    b2h_mvau alone, random weights (PE,SIMD,MW,MH): (4,16,64,64) 520/527, (1,4,32,16) 94/93,
        (2,64,128,32) 856/663, (2,8,128,64) 624/712, (32,32,256,64) 2746/2798,
        (16,32,512,16,acc) 1848/1867, (8,16,256,256) 479/491, (64,8,64,64) 2073/1743
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from bnn2hw.backends.verilog.emit import BLOCK_ROM_BITS, fifo_depth
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
    Window,
    lower,
    stage_cycles,
    value_stream_bits,
)
from bnn2hw.hw.streams import Stream
from bnn2hw.ir.graph import Graph
from bnn2hw.ir.layers import AccOut, Folding, Layer, MatVec, MaxPoolBits, ThresholdAct
from bnn2hw.summary import widths

__all__ = [
    "BLOCK_ROM_BITS",
    "Estimate",
    "MemMap",
    "StageEstimate",
    "bram_cells",
    "design_json",
    "estimate_design",
    "estimate_fifo",
    "estimate_layer",
    "estimate_stage",
    "map_memory",
    "rom_luts",
    "tree_bits",
    "wrapper_stages",
]

STAGE_LEVELS = 2  # b2h_mvau's default: a register stage every two adder levels

# memory_libmap's Xilinx libraries for xc7 (brams_xc4v.txt with HAS_SIZE_36 and HAS_CASCADE,
# lutrams_xc5v.txt): (name, cells of each kind per unit, cost per unit, widthscale,
# address bits, data widths). Block RAM widths index the depth: 2^(abits - i) words at dbits[i].
_BLOCK_WIDTHS = (1, 2, 4, 9, 18, 36, 72)
_LIBRARY: tuple[tuple[str, tuple[int, int, int], int, int, int, tuple[int, ...]], ...] = (
    ("RAMB18", (1, 0, 0), 129, 0, 14, _BLOCK_WIDTHS[:6]),
    ("RAMB36", (0, 1, 0), 257, 0, 15, _BLOCK_WIDTHS),
    ("RAMB36 cascade", (0, 2, 0), 513, 0, 16, _BLOCK_WIDTHS[:4]),
)
_LUTRAM_SP = tuple(
    ("LUTRAM", (0, 0, 1), 8, 8, a, (w,)) for a, w in ((5, 8), (6, 4), (7, 2), (8, 1))
)
_LUTRAM_SDP = tuple(("LUTRAM", (0, 0, 1), 8, 7, a, (w,)) for a, w in ((5, 6), (6, 3)))
FACTOR_MUX, FACTOR_EMU = 0.5, 2.0
LUTRAM_LUTS = 4  # LUTs of one LUTRAM unit (RAM32M, RAM64M, 4 x RAM64X1S, 2 x RAM128X1S, ...)
# LUTs of each distributed-RAM cell Yosys instantiates (to read its cell counts as LUTs)
LUTRAM_CELL_LUTS = {
    "RAM32X1S": 1,
    "RAM32X1D": 2,
    "RAM32M": 4,
    "RAM32M16": 8,
    "RAM64X1S": 1,
    "RAM64X1D": 2,
    "RAM64M": 4,
    "RAM64M8": 8,
    "RAM128X1S": 2,
    "RAM128X1D": 4,
    "RAM256X1S": 4,
    "RAM256X1D": 8,
    "RAM512X1S": 8,
}
LOGIC_COST_RAM = 1.0


@dataclass(frozen=True)
class MemMap:
    """How memory_libmap maps one memory: ``kind`` "block", "lutram" or "logic"; the cells; the
    read multiplexer's width x ways (the words beyond one cell's depth, joined in logic)."""

    kind: str
    bram18: int = 0
    bram36: int = 0
    lutram: int = 0
    mux_ways: int = 1
    cost: float = 0.0


def _geometries(
    lib: tuple[tuple[str, tuple[int, int, int], int, int, int, tuple[int, ...]], ...],
    depth: int,
    width: int,
    emu: float,
) -> list[MemMap]:
    """memory_libmap's handle_geom for a memory without wide ports: for each base width, a cell
    is 2^(abits - i) words of dbits[i] bits; the words beyond one cell's depth are laid side by
    side (mult_a = ceil(D / d) slices of W bits) and cut into ceil(mult_a * W / dbits[i]) cells;
    cost = (cost - widthscale) * cells + widthscale * mult_a * W / dbits[i]
    + 0.5 * (mult_a - 1) * W (read multiplexer) + 2 * emulation score. Per library entry the
    cheapest base width (the first on a tie)."""
    out = []
    for _name, per, cost, wscale, abits, dbits in lib:
        best: MemMap | None = None
        for i, w in enumerate(dbits):
            d = 1 << (abits - i if len(dbits) > 1 else abits)
            mult_a = -(-depth // d)
            cells = -(-(mult_a * width) // w)
            c = (cost - wscale) * cells + wscale * mult_a * width / w
            c += FACTOR_MUX * (mult_a - 1) * width + FACTOR_EMU * emu
            if best is None or c < best.cost:
                b18, b36, lr = (cells * n for n in per)
                k = "lutram" if lr else "block"
                best = MemMap(k, b18, b36, lr, mult_a, c)
        assert best is not None
        out.append(best)
    return out


def map_memory(
    depth: int, width: int, *, rom: bool, style: str | None = None, single_port: bool = False
) -> MemMap:
    """The mapping Yosys's memory_libmap picks for a depth x width memory with one synchronous
    read port (and, unless ``rom``, one write port: ``single_port`` when it shares the read
    address, as the MVAU input buffer's does). ``style``: "block" or "logic" as forced by an
    attribute, None to let the cost decide (logic costs 1 per bit for a RAM). ROMs are never
    LUTRAM (prune_rom); a ROM without attribute is not produced by the emitter."""
    if style == "logic":
        return MemMap("logic", cost=0.0)
    emu = 0.0 if single_port else 1.0  # a read port of its own: one point (tie breaker)
    blocks = _geometries(_LIBRARY, depth, width, emu)
    cands = blocks
    if style is None and not rom:
        cands = [
            *_geometries(_LUTRAM_SP if single_port else _LUTRAM_SDP, depth, width, emu),
            *blocks,
        ]
    best = MemMap("logic", cost=depth * width * LOGIC_COST_RAM) if style is None else None
    for c in cands:  # a later library entry wins a tie (as measured: RAM128X1S over RAM32M)
        if best is None or c.cost <= best.cost:
            best = c
    assert best is not None
    return best


def bram_cells(depth: int, width: int) -> tuple[int, int]:
    """(RAMB18, RAMB36) cells of a depth x width ROM forced into block RAM (rom_style block)."""
    m = map_memory(depth, width, rom=True, style="block")
    return m.bram18, m.bram36


# LUT coefficients, fitted to the calibration data of the module docstring (c_<name> there).
_C: dict[str, float] = {
    "rom": 0.982,
    "trom": 0.195,
    "cmp": 0.0,
    "tree": 0.739,
    "leaf": 1.427,
    "acc": 1.508,
    "inmux": 4.328,
    "out": 0.214,
    "ctl": 29.37,
    "swg": 1.5,
}


@dataclass(frozen=True)
class Estimate:
    """Resources and cycles per frame of a stage, a layer or a design (see the module doc)."""

    lut: int = 0
    ff: int = 0
    lutram: int = 0
    bram18: int = 0
    bram36: int = 0
    cycles: int = 0

    def __add__(self, other: Estimate) -> Estimate:
        return Estimate(
            lut=self.lut + other.lut,
            ff=self.ff + other.ff,
            lutram=self.lutram + other.lutram,
            bram18=self.bram18 + other.bram18,
            bram36=self.bram36 + other.bram36,
            cycles=max(self.cycles, other.cycles),
        )

    @property
    def bram18_equiv(self) -> int:
        """Block RAM in RAMB18 units (a RAMB36 is two)."""
        return self.bram18 + 2 * self.bram36

    def to_json(self) -> dict[str, int]:
        return {
            "lut": self.lut,
            "ff": self.ff,
            "lutram": self.lutram,
            "bram18": self.bram18,
            "bram36": self.bram36,
            "cycles": self.cycles,
        }


@dataclass(frozen=True)
class StageEstimate:
    """One stage's estimate: its name, the core it instantiates and the layer it belongs to."""

    name: str
    kind: str
    layer: str | None
    estimate: Estimate


def _clog2(n: int) -> int:
    return max(0, (int(n) - 1).bit_length())


def _addr_bits(n: int) -> int:
    """b2h_addr_bits: address bits of n words, at least 1."""
    return 1 if n <= 2 else _clog2(n)


# ------------------------------------------------------------------------------ memories


def _ram(depth: int, width: int, single_port: bool) -> Estimate:
    """A RAM without attribute, as memory_libmap maps it (cells, plus the read multiplexer in
    LUTs, or flip-flops and a read multiplexer when logic is cheapest)."""
    m = map_memory(depth, width, rom=False, single_port=single_port)
    if m.kind == "logic":
        return Estimate(ff=depth * width, lut=width * max(0, depth - 1) // 4)
    mux = width * -(-(m.mux_ways - 1) // 3) if m.mux_ways > 1 else 0
    return Estimate(lutram=LUTRAM_LUTS * m.lutram, bram18=m.bram18, bram36=m.bram36, lut=mux)


def rom_luts(depth: int, width: int) -> int:
    """LUTs of a depth x width ROM built from logic: one output function per bit, about one
    LUT per _ROM_WORDS_PER_LUT words of it (at least one per bit; a single word is a constant)."""
    if depth <= 1:
        return 0
    return width * -(-depth // _ROM_WORDS_PER_LUT)


_ROM_WORDS_PER_LUT = 16


# ------------------------------------------------------------------------------ MVAU


def tree_bits(n: int, lw: int) -> int:
    """Adder output bits of one b2h_adder_tree over n leaves of lw bits (pairs only)."""
    total, c, level = 0, n, 0
    while c > 1:
        level += 1
        total += (c // 2) * (lw + level)
        c = (c + 1) // 2
    return total


def tree_regs(n: int, lw: int, stage_levels: int = STAGE_LEVELS) -> tuple[int, int]:
    """(register bits, latency) of one b2h_adder_tree: every stage_levels levels and the root."""
    levels = _clog2(n)
    if levels == 0:
        return lw, 1
    regs, c = 0, n
    for level in range(1, levels + 1):
        c = (c + 1) // 2
        if level == levels or level % stage_levels == 0:
            regs += c * (lw + level)
    return regs, (levels + stage_levels - 1) // stage_levels


@dataclass(frozen=True)
class _Mvau:
    """The b2h_mvau parameters an estimate needs."""

    mw: int
    mh: int
    pe: int
    simd: int
    in_bits: int
    acc_bits: int
    thresh_bits: int
    threshold: bool
    vectors: int

    @property
    def nf(self) -> int:
        return self.mh // self.pe

    @property
    def sf(self) -> int:
        return self.mw // self.simd


def _mvau_params(layer: MatVec, f: Folding, in_bits: int | None = None) -> _Mvau:
    if layer.mh % f.pe or layer.mw % f.simd:
        raise FoldingError(
            f"layer {layer.name}: PE={f.pe} and SIMD={f.simd} must divide MH={layer.mh} and "
            f"MW={layer.mw}"
        )
    acc_bits, thresh_bits = widths(layer)
    if in_bits is None:
        in_bits = value_stream_bits(layer.in_type)[0]
    threshold = isinstance(layer.act, ThresholdAct)
    if not threshold and not isinstance(layer.act, AccOut):
        raise FoldingError(f"layer {layer.name}: fold thresholds before estimating")
    return _Mvau(
        mw=layer.mw,
        mh=layer.mh,
        pe=f.pe,
        simd=f.simd,
        in_bits=in_bits,
        acc_bits=acc_bits,
        thresh_bits=thresh_bits,
        threshold=threshold,
        vectors=layer.num_vectors,
    )


def mvau_lut_terms(m: _Mvau) -> dict[str, float]:
    """The MVAU's LUT model terms (each multiplied by its coefficient in _C, then summed):
    rom: LUTs of the weight ROM when built from logic (rom_luts); trom: those of the threshold
    ROM (its contents are far from random: fewer LUTs per word); cmp: PE x CW
    compare bits; tree: PE x adder-tree output bits; leaf: PE x SIMD x leaf bits (integer
    inputs: the conditional negation); acc: PE x ACC_BITS accumulator bits; inmux: the input
    select between stream and reuse buffer (SIMD*IN_BITS when NF > 1); out: output beat bits
    (skid buffer); ctl: 1 (counters and flow control)."""
    pe, simd, nf, sf = m.pe, m.simd, m.nf, m.sf
    lw = 1 if m.in_bits == 1 else m.in_bits + 1
    block = m.mh * m.mw >= BLOCK_ROM_BITS
    cw = max(m.acc_bits, m.thresh_bits) + 1
    return {
        "rom": 0 if block else rom_luts(nf * sf, pe * simd),
        "trom": rom_luts(nf, pe * m.thresh_bits) if m.threshold else 0,
        "cmp": pe * cw if m.threshold else 0,
        "tree": pe * tree_bits(simd, lw),
        "leaf": pe * simd * lw if m.in_bits > 1 else 0,
        "acc": pe * m.acc_bits,
        "inmux": simd * m.in_bits if nf > 1 else 0,
        "out": pe if m.threshold else pe * m.acc_bits,
        "ctl": 1,
    }


def _mvau(m: _Mvau) -> Estimate:
    pe, simd, nf, sf = m.pe, m.simd, m.nf, m.sf
    tiles = nf * sf
    lw = 1 if m.in_bits == 1 else m.in_bits + 1
    out_w = pe if m.threshold else pe * m.acc_bits
    in_w = simd * m.in_bits
    lut = round(sum(_C[k] * v for k, v in mvau_lut_terms(m).items()))
    # weights: block RAM (its output register is w_q) or logic and the w_q register
    est = Estimate(lut=lut)
    if m.mh * m.mw >= BLOCK_ROM_BITS:
        b18, b36 = bram_cells(tiles, pe * simd)
        est = est + Estimate(bram18=b18, bram36=b36)
    else:
        est = est + Estimate(ff=pe * simd)
    # threshold register (a constant when NF = 1)
    if m.threshold and nf > 1:
        est = est + Estimate(ff=pe * m.thresh_bits)
    # input register, reuse buffer and its output register
    est = est + Estimate(ff=in_w)
    if nf > 1:
        est = est + _ram(sf, in_w, single_port=True) + Estimate(ff=in_w + 1)
    # tree registers, accumulators, counters, meta shift register, output skid buffer
    regs, lat = tree_regs(simd, lw)
    ta, sa, na = _addr_bits(tiles), _addr_bits(sf), _addr_bits(nf)
    meta = 3 + na
    ff = pe * regs + pe * m.acc_bits + ta + sa + na + meta * (1 + lat) + 1 + 2 * out_w + 2
    est = est + Estimate(ff=ff)
    return Estimate(
        lut=est.lut,
        ff=est.ff,
        lutram=est.lutram,
        bram18=est.bram18,
        bram36=est.bram36,
        cycles=m.vectors * nf * sf,
    )


# ------------------------------------------------------------------------------ other cores


def _coord_width(w: Window, cf: int) -> int:
    """b2h_swg's coordinate width CW."""
    h, wd, _ = w.ifm
    kh, kw = w.kernel
    sh, sw = w.stride
    pt, pl, pb, pr = w.pads
    r = min(kh + sh, h)
    depth = r * wd * cf
    cmax = depth + (wd + pl + pr + kw + sw) * cf + 2 * (h + pt + pb + kh + sh + r)
    return _clog2(cmax + 1) + 1


def _swg(w: Window, simd: int, ew: int) -> Estimate:
    h, wd, c = w.ifm
    cf = c // simd
    r = min(w.kernel[0] + w.stride[0], h)
    dw = simd * ew
    cw = _coord_width(w, cf)
    mem = _ram(r * wd * cf, dw, single_port=False)
    logic = Estimate(lut=round(_C["swg"] * 14 * cw) + 2 * dw, ff=14 * cw + 2 + 3 * dw + 4)
    oh, ow = w.ofm
    beats = oh * ow * w.kernel[0] * w.kernel[1] * cf
    return mem + logic + Estimate(cycles=max(h * wd * cf, beats))


def _pool(s: PoolStage) -> Estimate:
    w = s.window
    cf = w.ifm[2] // s.pe
    h, wd, _ = w.ifm
    cmax = (
        (h + w.pads[0] + w.pads[2] + w.kernel[0] + w.stride[0])
        + (wd + w.pads[1] + w.pads[3] + w.kernel[1] + w.stride[1])
        + cf
    )
    cw = _clog2(cmax + 1) + 1
    reduce = Estimate(lut=round(_C["swg"] * 6 * cw) + 2 * s.pe, ff=6 * cw + 2 * s.pe + 2)
    acc = _ram(cf, s.pe, single_port=False) if cf > 1 else Estimate(ff=s.pe)
    swg = _swg(w, s.pe, 1)
    return Estimate(
        lut=swg.lut + reduce.lut + acc.lut,
        ff=swg.ff + reduce.ff + acc.ff,
        lutram=swg.lutram + acc.lutram,
        bram18=swg.bram18 + acc.bram18,
        bram36=swg.bram36 + acc.bram36,
        cycles=stage_cycles(s),
    )


def _convert(in_w: int, out_w: int) -> Estimate:
    if in_w == out_w:
        return Estimate(ff=out_w + 1, lut=2)
    r = max(in_w, out_w) // min(in_w, out_w)
    kw = _addr_bits(r) if r > 1 else 1
    if out_w > in_w:  # gather
        return Estimate(ff=(out_w - in_w) + kw + out_w + 1, lut=kw + 4)
    return Estimate(ff=in_w + kw + 1, lut=in_w + kw + 4)  # split


def _fifo(width: int, depth: int) -> Estimate:
    aw = _addr_bits(depth)
    cw = _clog2(depth + 1)
    mem = _ram(depth, width, single_port=False)
    return mem + Estimate(ff=width + 2 * aw + cw + 3, lut=2 * aw + cw + 6)


def _label(s: LabelStage) -> Estimate:
    acc, idx, k = s.inp.bits, s.out.bits, s.k
    in_w = s.inp.width
    pw = _addr_bits(s.inp.elems) if s.inp.elems > 1 else 1
    ff = in_w + 1 + pw + idx + k * (acc + idx + 1) + k * idx + 1
    lut = k * (acc + acc + idx + 2) + in_w
    return Estimate(lut=lut, ff=ff, cycles=s.n)


def estimate_stage(stage: Stage) -> Estimate:
    """The estimate of one dataflow stage (its core at the stage's parameters)."""
    if isinstance(stage, MvauStage):
        m = _mvau_params(stage.layer, stage.folding, stage.in_bits)
        return _mvau(m)
    if isinstance(stage, SwgStage):
        return _swg(stage.window, stage.simd, stage.inp.bits) + Estimate(cycles=stage_cycles(stage))
    if isinstance(stage, PoolStage):
        return _pool(stage)
    if isinstance(stage, ConvertStage):
        return _convert(stage.inp.width, stage.out.width) + Estimate(cycles=stage_cycles(stage))
    if isinstance(stage, ResizeStage):
        return Estimate(cycles=stage_cycles(stage))
    if isinstance(stage, LabelStage):
        return _label(stage)
    raise TypeError(f"no estimate for stage {type(stage).__name__}")  # pragma: no cover


def estimate_fifo(width: int, depth: int) -> Estimate:
    """A b2h_axis_fifo of ``width`` bits and ``depth`` entries."""
    return _fifo(width, depth)


def estimate_layer(
    layer: Layer,
    folding: Folding,
    *,
    in_bits: int | None = None,
    swg: bool = True,
    producer_elems: int | None = None,
) -> Estimate:
    """The estimate of one layer at ``folding`` without lowering the graph (for a folding search).

    A matrix-vector layer is its MVAU, plus its sliding-window generator for a convolution
    (``swg=False`` leaves it out: the per-layer wrapper alone). ``in_bits`` is the input element
    width (default: from the layer's input type). ``producer_elems``, when given, adds the width
    converter from a producer's beats (its elements per beat) to this layer's. Pools are
    b2h_maxpool (window generator and reduction). The FIFOs between layers are not included
    (:func:`estimate_design` counts them)."""
    if isinstance(layer, MaxPoolBits):
        c = layer.in_shape[2]
        if folding.pe < 1 or c % folding.pe:
            raise FoldingError(f"layer {layer.name}: PE={folding.pe} must divide C={c}")
        oh, ow, _ = layer.out_shape
        p = layer.pool
        win = Window(
            ifm=layer.in_shape, kernel=p.kernel, stride=p.stride, pads=p.pads, ofm=(oh, ow)
        )
        inp = Stream(
            elems=folding.pe, bits=1, beats=layer.in_shape[0] * layer.in_shape[1] * c // folding.pe
        )
        out = Stream(elems=folding.pe, bits=1, beats=oh * ow * c // folding.pe)
        est = _pool(PoolStage(layer.name, inp, out, layer=layer, window=win, pe=folding.pe))
        elems = folding.pe
        bits = 1
    else:
        m = _mvau_params(layer, folding, in_bits)
        est = _mvau(m)
        elems, bits = folding.simd, m.in_bits
        if layer.conv is not None and swg:
            g = layer.conv
            win = Window(
                ifm=g.in_shape, kernel=g.kernel, stride=g.stride, pads=g.pads, ofm=g.out_hw
            )
            est = est + _swg(win, folding.simd, m.in_bits)
    if producer_elems is not None and producer_elems != elems:
        a, b = sorted((producer_elems, elems))
        if b % a:
            mid = math.gcd(a, b)
            est = est + _convert(producer_elems * bits, mid * bits)
            est = est + _convert(mid * bits, elems * bits)
        else:
            est = est + _convert(producer_elems * bits, elems * bits)
    return est


def estimate_design(design: Graph | Dataflow) -> tuple[list[StageEstimate], Estimate]:
    """Per-stage estimates of a folded graph's dataflow (or a lowered one), FIFOs included as
    stages of their own (named ``<stage>_fifo`` as in the emitted top), and the total."""
    # where the emitter puts FIFOs and how wide they are (one rule for both)
    from bnn2hw.backends.verilog.emit import _fifo_after, _out_width

    df = lower(design) if isinstance(design, Graph) else design
    rows: list[StageEstimate] = []
    for i, s in enumerate(df.stages):
        layer = None
        if isinstance(s, MvauStage | PoolStage):
            layer = s.layer.name
        elif isinstance(s, SwgStage):
            layer = s.name.removesuffix("_swg")
        rows.append(StageEstimate(s.name, _kind(s), layer, estimate_stage(s)))
        if _fifo_after(df.stages, i):
            e = _fifo(_out_width(s), fifo_depth(df.stages, i))
            rows.append(StageEstimate(f"{s.name}_fifo", "fifo", None, e))
    total = Estimate()
    for r in rows:
        total = total + r.estimate
    return rows, total


def _kind(s: Stage) -> str:
    return {
        MvauStage: "mvau",
        SwgStage: "swg",
        PoolStage: "maxpool",
        ConvertStage: "convert",
        ResizeStage: "resize",
        LabelStage: "label",
    }[type(s)]


def wrapper_stages(df: Dataflow) -> list[MvauStage | PoolStage]:
    """The stages that have a per-layer wrapper (``<net>_<layer>.v``): MVAUs and max-pools."""
    return [s for s in df.stages if isinstance(s, MvauStage | PoolStage)]


def design_json(design: Graph | Dataflow) -> dict[str, Any]:
    """The estimates as bnn2hw.json holds them (key "estimates"): ``layers`` the per-layer
    wrapper (MVAU or max-pool: what ``bnn2hw estimate --synth`` synthesizes per layer),
    ``stages`` every stage including window generators, width converters and FIFOs, ``total``
    the whole design. Resource units: see this module's docstring."""
    df = lower(design) if isinstance(design, Graph) else design
    rows, total = estimate_design(df)
    layers = {s.name: estimate_stage(s).to_json() for s in wrapper_stages(df)}
    return {
        "model": "bnn2hw.hw.estimate: formulas calibrated against Yosys synth_xilinx xc7; "
        "lut = logic LUTs, lutram = LUTs as distributed RAM, bram18/bram36 = RAMB18E1/RAMB36E1",
        "layers": layers,
        "stages": [
            {"name": r.name, "kind": r.kind, "layer": r.layer, **r.estimate.to_json()} for r in rows
        ],
        "total": total.to_json(),
    }
