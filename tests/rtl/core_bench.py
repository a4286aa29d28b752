"""Drive one rtl/ core through the bnn2hw harness: build once, stream under each stall mix,
compare every output beat exactly with the expected beats, and print the counts."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import pytest

from bnn2hw.rtl_sim import Stalls, build_stream_sim, run_stream_sim, tb_top_text

RTL = Path(__file__).resolve().parents[2] / "rtl"
STALL_MIXES = ("none", "input", "output", "both")


def rtl_sources(*names: str) -> list[Path]:
    return [RTL / f"{n}.v" for n in names]


def hexw(v: int, width: int) -> str:
    return f"{v:0{max(1, (width + 3) // 4)}x}"


def first_difference(got: Sequence[int], want: Sequence[int]) -> str:
    for i, (a, b) in enumerate(zip(got, want, strict=False)):
        if a != b:
            return f"first mismatch at beat {i}: got {a:#x}, want {b:#x}"
    return f"{len(got)} beats received, {len(want)} expected"


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
    lines = [hexw(b, in_width) for b in beats_in]
    for mix in mixes:
        st = Stalls.named(mix, seed)
        log = run_stream_sim(
            sim,
            lines,
            tmp / mix,
            in_frame_beats=in_frame,
            out_frame_beats=out_frame,
            stalls=st,
            watchdog=20000,
        )
        got = log.beats
        print(
            f"{module} {label or dict(params)} [{mix}: {st.describe()}]: "
            f"{len(got)} of {len(beats_out)} beats compared, {log.cycles} cycles"
        )
        assert not log.hung, f"{mix}: hung after {len(got)} beats"
        assert list(got) == list(beats_out), f"{mix}: " + first_difference(got, beats_out)
