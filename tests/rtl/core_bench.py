"""Drive rtl/ cores through the bnn2hw harness: build once, stream under each stall mix,
compare every output beat exactly with the expected beats, and print the counts.

Two ways to build:

- :func:`run_core`: one core, one configuration, its own Verilator build.
- :class:`SharedBuild`: a Verilator build costs far more than a run, so a test file with many
  configurations compiles all of them into one simulator. A test-only selector top (generated
  here, simulation only) instantiates each configuration and connects the harness to the one
  numbered in ``b2h_dut_select.txt`` of the run folder, the others sitting idle.
  :meth:`SharedBuild.select` points a test's build folder at the shared one (so the
  content-keyed build cache compiles it once per module and worker) and returns a
  :class:`Selected`, which streams, checks and resets the chosen configuration.
"""

from __future__ import annotations

import zlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

from bnn2hw.hw.streams import Stream, beats_to_hex, pack_beats
from bnn2hw.rtl_sim import (
    SimBuild,
    Stalls,
    StreamLog,
    build_stream_sim,
    run_stream_sim,
    tb_top_text,
)

RTL = Path(__file__).resolve().parents[2] / "rtl"
STALL_MIXES = ("none", "input", "output", "both")
# the mixes with stalls: a shared-build bench runs these through run_core, then "none" itself
STALLED_MIXES = ("input", "output", "both")
WATCHDOG = 20000  # cycles without progress before the harness declares a hang
SELECT_FILE = "b2h_dut_select.txt"


def rtl_sources(*names: str) -> list[Path]:
    return [RTL / f"{n}.v" for n in names]


def first_difference(got: Sequence[int], want: Sequence[int]) -> str:
    for i, (a, b) in enumerate(zip(got, want, strict=False)):
        if a != b:
            return f"first mismatch at beat {i}: got {a:#x}, want {b:#x}"
    return f"{len(got)} beats received, {len(want)} expected"


def case_rng(*key: str) -> np.random.Generator:
    """A generator seeded from the case's name (parts joined by "/"): stable across runs."""
    return np.random.default_rng(zlib.crc32("/".join(key).encode()))


def pack(elems: np.ndarray, per_beat: int, ew: int) -> list[int]:
    """Beats (ints) of a flat element sequence, ``per_beat`` elements of ``ew`` bits each
    (negative values as two's complement)."""
    v = np.asarray(elems, dtype=np.int64).reshape(-1, per_beat) & ((1 << ew) - 1)
    return [int(b) for b in pack_beats(v, Stream(elems=per_beat, bits=ew, beats=1))]


def run_core(
    tmp: Path,
    *,
    module: str,
    sources: list[Path],
    params: Mapping[str, int | str],
    in_width: int,
    out_width: int,
    beats_in: Sequence[int],
    beats_out: Sequence[int],
    in_frame: int,
    out_frame: int,
    mixes: Sequence[str] = STALL_MIXES,
    seed: int = 1,
    run_dir: Path | None = None,
    label: str = "",
) -> None:
    """Stream ``beats_in`` under every stall mix; the output must equal ``beats_out``."""
    pytest.importorskip("cocotb")
    top = tb_top_text(module, params, in_width, out_width)
    sim = build_stream_sim(sources, top, tmp / "build", run_dir=run_dir, optimize=False)
    lines = beats_to_hex(np.asarray(beats_in, dtype=object), in_width)
    for mix in mixes:
        st = Stalls.named(mix, seed)
        log = run_stream_sim(
            sim,
            lines,
            tmp / mix,
            in_frame_beats=in_frame,
            out_frame_beats=out_frame,
            stalls=st,
            watchdog=WATCHDOG,
        )
        got = log.beats
        print(
            f"{module} {label or dict(params)} [{mix}: {st.describe()}]: "
            f"{len(got)} of {len(beats_out)} beats compared, {log.cycles} cycles"
        )
        assert not log.hung, f"{mix}: hung after {len(got)} beats"
        assert list(got) == list(beats_out), f"{mix}: " + first_difference(got, beats_out)


# ---------------------------------------------------------------------------------------------
# One shared build: every configuration of a test file behind a selector top


@dataclass(frozen=True)
class Config:
    """One configuration of a core: the module, its parameters (ints, or Verilog text such as
    ``4'd1``), and its port widths."""

    module: str
    params: tuple[tuple[str, int | str], ...]
    in_width: int
    out_width: int


def selector_text(name: str, configs: Sequence[Config]) -> str:
    """Simulation-only top ``name``: one instance per configuration, the harness on the selected
    one (narrower ports use the low bits of the shared ports, zero-extended outputs)."""
    iw = max(c.in_width for c in configs)
    ow = max(c.out_width for c in configs)
    lines = [
        "// Test-only selector (tests/rtl/core_bench.py): one configuration per instance,",
        f"// the one numbered in {SELECT_FILE} (run folder) drives the ports.",
        "`resetall",
        "`timescale 1ns / 1ps",
        "`default_nettype none",
        "/* verilator lint_off UNUSEDSIGNAL */",
        f"module {name} (",
        "    input  wire clk,",
        "    input  wire rst,",
        f"    input  wire [{iw - 1}:0] s_axis_tdata,",
        "    input  wire s_axis_tvalid,",
        "    output wire s_axis_tready,",
        f"    output wire [{ow - 1}:0] m_axis_tdata,",
        "    output wire m_axis_tvalid,",
        "    input  wire m_axis_tready",
        ");",
        "    integer sel = -1;",
        "    integer fd;",
        "    integer got;",
        "    initial begin",
        f'        fd = $fopen("{SELECT_FILE}", "r");',
        "        if (fd != 0) begin",
        '            got = $fscanf(fd, "%d", sel);',
        "            $fclose(fd);",
        "        end",
        "    end",
    ]
    ready, valid, data = "1'b0", "1'b0", f"{ow}'d0"
    for i, c in enumerate(configs):
        ps = ", ".join(f".{k}({v})" for k, v in c.params)
        pad = ow - c.out_width
        out = f"{{{{{pad}{{1'b0}}}}, d{i}}}" if pad else f"d{i}"
        lines += [
            f"    wire r{i}, v{i};",
            f"    wire [{c.out_width - 1}:0] d{i};",
            f"    {c.module} #({ps}) u{i} (",
            "        .clk(clk), .rst(rst),",
            f"        .s_axis_tdata(s_axis_tdata[{c.in_width - 1}:0]),",
            f"        .s_axis_tvalid(s_axis_tvalid && sel == {i}), .s_axis_tready(r{i}),",
            f"        .m_axis_tdata(d{i}), .m_axis_tvalid(v{i}),",
            f"        .m_axis_tready(m_axis_tready && sel == {i})",
            "    );",
        ]
        ready = f"(sel == {i}) ? r{i} : {ready}"
        valid = f"(sel == {i}) ? v{i} : {valid}"
        data = f"(sel == {i}) ? {out} : {data}"
    lines += [
        f"    assign s_axis_tready = {ready};",
        f"    assign m_axis_tvalid = {valid};",
        f"    assign m_axis_tdata = {data};",
        "endmodule",
        "/* verilator lint_on UNUSEDSIGNAL */",
        "`resetall",
        "",
    ]
    return "\n".join(lines)


@dataclass(frozen=True)
class Selected:
    """A configuration picked in a shared build: the selector top, its sources, the run folder
    holding the selection, and the shared (widest) port widths."""

    selector: str
    sources: list[Path]
    run: Path
    in_width: int
    out_width: int

    def sim(self, tmp: Path) -> SimBuild:
        """The shared simulator (built by the first caller), compiled as :func:`run_core` does."""
        top = tb_top_text(self.selector, {}, self.in_width, self.out_width)
        return build_stream_sim(self.sources, top, tmp / "build", run_dir=self.run, optimize=False)

    def run_stalled(
        self,
        tmp: Path,
        *,
        beats_in: Sequence[int],
        beats_out: Sequence[int],
        in_frame: int,
        out_frame: int,
    ) -> None:
        """:func:`run_core` under the stall mixes with stalls (:data:`STALLED_MIXES`)."""
        run_core(
            tmp,
            module=self.selector,
            sources=self.sources,
            params={},
            in_width=self.in_width,
            out_width=self.out_width,
            beats_in=beats_in,
            beats_out=beats_out,
            in_frame=in_frame,
            out_frame=out_frame,
            mixes=STALLED_MIXES,
            run_dir=self.run,
        )

    def stream(
        self,
        tmp: Path,
        work: str,
        beats_in: Sequence[int],
        *,
        in_frame: int,
        out_frame: int,
        stalls: Stalls | None = None,
        reset_at: int | None = None,
    ) -> StreamLog:
        """One run of ``beats_in`` in ``tmp / work`` (no stalls unless given); unchecked."""
        return run_stream_sim(
            self.sim(tmp),
            beats_to_hex(np.asarray(beats_in, dtype=object), self.in_width),
            tmp / work,
            in_frame_beats=in_frame,
            out_frame_beats=out_frame,
            stalls=stalls or Stalls(),
            reset_at=reset_at,
            watchdog=WATCHDOG,
        )

    def check(self, log: StreamLog, want: Sequence[int], what: str, note: str = "") -> None:
        """Print the counts of run ``what`` (``note`` appended), then require that it did not
        hang and that its last epoch's beats equal ``want``."""
        got = log.beats
        print(
            f"{self.selector} [{what}]: {len(got)} of {len(want)} beats compared, "
            f"{log.cycles} cycles{note}"
        )
        assert not log.hung, f"{what}: hung after {len(got)} beats"
        assert list(got) == list(want), f"{what}: " + first_difference(got, want)

    def reset_mid_frame(
        self,
        tmp: Path,
        *,
        beats_in: Sequence[int],
        beats_out: Sequence[int],
        in_frame: int,
        out_frame: int,
        reset_at: int,
    ) -> None:
        """Stream under both stalls with a reset at cycle ``reset_at``: the frames whose first
        input beat comes after the reset must come out whole and exact."""
        log = self.stream(
            tmp,
            "reset",
            beats_in,
            in_frame=in_frame,
            out_frame=out_frame,
            stalls=Stalls.named("both"),
            reset_at=reset_at,
        )
        after = [f for c, f in log.frame_starts if c > reset_at]
        assert len(log.epochs) == 2 and after, "one reset, frames after it"
        want_after = beats_out[after[0] * out_frame :]
        got = log.beats
        print(
            f"{self.selector} [reset at cycle {reset_at}, both]: {len(log.epochs[0])} beats "
            f"before, frames {after[0]}.. after: {len(got)} of {len(want_after)} beats compared"
        )
        assert not log.hung, f"reset: hung after {len(got)} beats"
        assert list(got) == list(want_after), "reset: " + first_difference(got, want_after)


class SharedBuild:
    """Every configuration of a test file in one simulator (module-scoped fixture).

    ``folder`` (a fresh folder) receives the selector top ``selector`` (:func:`selector_text`)
    and the one build folder; ``cores`` are the rtl/ modules (and what they instantiate) the
    configurations use."""

    def __init__(
        self, folder: Path, selector: str, cores: Sequence[str], configs: Sequence[Config]
    ) -> None:
        self.folder = folder
        self.selector = selector
        self.configs = list(configs)
        self.in_width = max(c.in_width for c in self.configs)
        self.out_width = max(c.out_width for c in self.configs)
        src = folder / f"{selector}.v"
        src.write_text(selector_text(selector, self.configs))
        (folder / "build").mkdir(exist_ok=True)
        self.sources = [*rtl_sources(*cores), src]

    def select(self, tmp: Path, config: Config) -> Selected:
        """Point ``tmp``'s build at the shared build and select ``config`` in its run folder."""
        (tmp / "build").symlink_to(self.folder / "build", target_is_directory=True)
        run = tmp / "run"
        run.mkdir()
        (run / SELECT_FILE).write_text(f"{self.configs.index(config)}\n")
        print(f"{config.module} {dict(config.params)}:")
        return Selected(self.selector, self.sources, run, self.in_width, self.out_width)
