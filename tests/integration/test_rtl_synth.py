"""Yosys synth_xilinx (pyosys) on the emitted Verilog design of every model class.

Each model (torch MLP and CNN at the default folding, Brevitas TFC at FINN's folding, Brevitas
CNV at FINN's large folding) is compiled and its whole design (BUILD/rtl/filelist.f: cores,
per-layer wrappers, top; ``$readmemh`` files found in BUILD/rtl) synthesized flattened for xc7:
no error, a clean log (no warning but the two known benign ones of Yosys's own flow, no latch,
no memory turned into registers, no problem found by ``check``), and the weight memories of the
MVAUs with at least BLOCK_ROM_BITS weight bits (BLOCK_ROM=1, rom_style "block") in block RAM, as
Yosys's memory_libmap reports memory by memory; the other weight and threshold ROMs are logic,
never block RAM or LUTRAM. Designs whose FIFOs and window buffers are small have no other block
RAM (none at all without a large layer); CNV's long FIFOs and window buffers may use block RAM
too (listed). The largest such layer's wrapper is also synthesized on its own: its ROM alone
maps to block RAM.

CNV takes about 100 s to synthesize on two cores: marked slow (opt-in, ``-m slow``).
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
import zoo
from foldings import FINN_CNV_LARGE, FINN_TFC, Chooser, compile_at, fold_default, fold_list

from bnn2hw.backends.verilog.emit import BLOCK_ROM_BITS, design_sources, top_module
from bnn2hw.build import Build
from bnn2hw.hw.dataflow import MvauStage, lower
from bnn2hw.synth import SynthResult, synth_xilinx

pytestmark = pytest.mark.rtl

RAMB18_BITS = 18 * 1024  # data bits of one RAMB18 (parity bits not counted)

# name: (factory, folding, FIFOs/window buffers may be large enough for block RAM)
CASES: dict[str, tuple[Callable[..., zoo.ModelCase], Chooser, bool]] = {
    "torch_mlp": (zoo.torch_mlp, fold_default, False),
    "torch_cnn": (zoo.torch_cnn, fold_default, False),
    "brevitas_tfc": (zoo.brevitas_tfc, fold_list(FINN_TFC), False),
    "brevitas_cnv": (zoo.brevitas_cnv, fold_list(FINN_CNV_LARGE), True),
}
SLOW = {"brevitas_cnv"}

# Warnings of Yosys's own flow, whatever the design: its abc9 box library uses the SystemVerilog
# keyword `bit`; ABC notes that a box network it maps has no flip-flops.
BENIGN = (
    re.compile(r"Lexer warning: The SystemVerilog keyword `bit' \(at \S+/abc9_map\.v:\d+\)"),
    re.compile(r"ABC: Warning: The network is combinational\."),
)
WARNING = re.compile(r"\bwarning\b", re.IGNORECASE)
# Never acceptable, warning or not: a latch, a memory flattened into registers (instead of RAM
# or a ROM's logic), check finding problems (multiple drivers, undriven, loops).
BAD = (
    re.compile(r"^Latch inferred", re.MULTILINE),
    re.compile(r"[Rr]eplacing memory .* with list of registers"),
    re.compile(r"multiple conflicting drivers|[Dd]river-driver conflict"),
    re.compile(r"Found and reported [1-9]\d* problems"),
)
MAPPED = re.compile(r"^mapping memory (\S+) via (\S+)$", re.MULTILINE)
FORCED = re.compile(
    r"^found attribute '[^']*' on memory (\S+), forced mapping to (.+)$", re.MULTILINE
)


@dataclass(frozen=True)
class Synthesized:
    build: Build
    result: SynthResult
    compile_seconds: float


def _cases() -> list:
    return [
        pytest.param(
            name,
            id=name,
            marks=[pytest.mark.torch, *([pytest.mark.slow] if name in SLOW else [])],
        )
        for name in CASES
    ]


def _block_layers(b: Build) -> list[MvauStage]:
    """The MVAUs whose weight memory asks for block RAM (BLOCK_ROM=1)."""
    return [
        s
        for s in lower(b.graph).stages
        if isinstance(s, MvauStage) and s.layer.mh * s.layer.mw >= BLOCK_ROM_BITS
    ]


def _memories(log: Path, top: str) -> dict[str, str]:
    """Each memory Yosys mapped (its instance path below the top) and how: the cell family
    (``$__XILINX_BLOCKRAM_SDP_``, ``$__XILINX_LUTRAM_SDP_``, ...) or ``FF`` (logic)."""
    text = log.read_text(errors="replace")
    found: dict[str, str] = {}
    for m in FORCED.finditer(text):
        found[m.group(1)] = m.group(2).strip()
    for m in MAPPED.finditer(text):
        found[m.group(1)] = m.group(2)
    return {k.removeprefix(f"{top}."): v for k, v in found.items()}


def _warnings(log: Path) -> list[str]:
    text = log.read_text(errors="replace")
    bad = [m.group(0) for p in BAD for m in p.finditer(text)]
    warns = [
        ln.strip()
        for ln in text.splitlines()
        if WARNING.search(ln) and not any(p.search(ln) for p in BENIGN)
    ]
    return bad + warns


def _show(what: str, r: SynthResult, extra: str = "") -> None:
    print(
        f"\n{what}: synth {r.seconds:.1f} s{extra}\n  LUT {r.luts} FF {r.ffs} CARRY {r.carry} "
        f"RAMB18 {r.bram18} RAMB36 {r.bram36} (= {r.bram18_equiv} RAMB18) LUTRAM {r.lutram}"
        f"\n  {r.summary()}"
    )


@pytest.fixture(scope="module")
def synthesized(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Synthesized]:
    """Each model compiled and its whole design synthesized once per module (on first use)."""

    class Lazy(dict):  # type: ignore[type-arg]
        def __missing__(self, key: str) -> Synthesized:
            factory, choose, _ = CASES[key]
            tmp = tmp_path_factory.mktemp(key)
            t0 = time.perf_counter()
            case = factory(tmp / "model", seed=1)
            b = compile_at(case.path, case.compile_args, choose, tmp)
            seconds = time.perf_counter() - t0
            r = synth_xilinx(
                design_sources(b.rtl_dir),
                top_module(b.graph),
                mem_dir=b.rtl_dir,
                includes=[b.rtl_dir / "cores"],
                workdir=tmp / "synth",
            )
            self[key] = Synthesized(b, r, seconds)
            return self[key]

    return Lazy()


@pytest.mark.parametrize("name", _cases())
def test_design_synthesizes(
    name: str, synthesized: dict[str, Synthesized], capsys: pytest.CaptureFixture[str]
) -> None:
    s = synthesized[name]
    b, r = s.build, s.result
    top = top_module(b.graph)
    assert r.log is not None
    mems = _memories(r.log, top)
    block = _block_layers(b)
    block_roms = {f"u_{st.name}.mvau.g_wrom_block.wrom" for st in block}
    in_bram = {m for m, via in mems.items() if "BLOCKRAM" in via}
    with capsys.disabled():
        _show(f"synth_xilinx {name} ({top})", r, f", compile {s.compile_seconds:.1f} s")
        for st in block:
            bits = st.layer.mh * st.layer.mw
            print(
                f"  {st.name}: {st.layer.mh} x {st.layer.mw} = {bits} weight bits, "
                f"{st.nf * (st.layer.mw // st.folding.simd)} words of "
                f"{st.folding.pe * st.folding.simd} bits -> "
                f"{mems.get(f'u_{st.name}.mvau.g_wrom_block.wrom', 'not mapped')}"
            )
        others = sorted(in_bram - block_roms)
        if others:
            print(f"  other memories in block RAM: {', '.join(others)}")
    assert _warnings(r.log) == []
    assert r.luts > 0 and r.ffs > 0
    assert r.luts == sum(r.lut_by_size.values())
    assert list(r.modules) == [top]
    assert r.dsp == r.uram == 0  # XNOR-popcount and small integer dot products: no multiplier
    # every weight ROM that asks for block RAM is in block RAM, and the block RAM holds them
    for rom in sorted(block_roms):
        assert "BLOCKRAM" in mems.get(rom, ""), f"{rom}: {mems.get(rom, 'not mapped')}"
    weight_bits = sum(st.layer.mh * st.layer.mw for st in block)
    assert r.bram18_equiv >= len(block)
    assert r.bram18_equiv * RAMB18_BITS >= weight_bits
    # the other ROMs (small weights, thresholds) are logic: neither block RAM nor LUTRAM
    for mem, via in mems.items():
        if mem.endswith((".g_wrom_dist.wrom", ".g_thresh.trom")):
            assert via == "FF", f"{mem}: {via}"
    if not CASES[name][2]:
        # small FIFOs and window buffers: LUTRAM; block RAM only for the large weight ROMs
        assert in_bram == block_roms, sorted(in_bram ^ block_roms)
        if not block:
            assert r.bram18 == r.bram36 == 0
    if name == "brevitas_cnv":
        assert block, "CNV has MVAUs above the block-ROM size"
    if name == "brevitas_tfc":
        assert block and r.bram18_equiv > 0


# the largest block-RAM layer of each model class that has one, synthesized on its own
LAYER_CASES = [p for p in _cases() if p.values[0] in ("brevitas_tfc", "brevitas_cnv")]


@pytest.mark.parametrize("name", LAYER_CASES)
def test_large_layer_rom_in_block_ram(
    name: str,
    synthesized: dict[str, Synthesized],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    b = synthesized[name].build
    st = max(_block_layers(b), key=lambda s: s.layer.mh * s.layer.mw)
    module = f"{b.graph.name}_{st.name}"
    cores = [p for p in design_sources(b.rtl_dir) if p.parent.name == "cores"]
    r = synth_xilinx(
        [*cores, b.rtl_dir / f"{module}.v"],
        module,
        mem_dir=b.rtl_dir,
        includes=[b.rtl_dir / "cores"],
        workdir=tmp_path / "synth",
    )
    assert r.log is not None
    mems = _memories(r.log, module)
    bits = st.layer.mh * st.layer.mw
    with capsys.disabled():
        _show(f"synth_xilinx {module} alone ({bits} weight bits)", r)
        print(f"  memories: {mems}")
    assert _warnings(r.log) == []
    assert "BLOCKRAM" in mems["mvau.g_wrom_block.wrom"]
    assert r.bram18_equiv * RAMB18_BITS >= bits
    # the only memory in block RAM is the weight ROM
    assert [m for m, via in mems.items() if "BLOCKRAM" in via] == ["mvau.g_wrom_block.wrom"]
