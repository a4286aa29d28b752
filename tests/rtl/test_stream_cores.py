"""cocotb benches of the stream plumbing cores: skid buffer and FIFO."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from core_bench import rtl_sources, run_core

pytestmark = pytest.mark.rtl


@pytest.mark.parametrize("width", [1, 8, 37, 130])
def test_axis_skid(width: int, tmp_path: Path) -> None:
    rng = random.Random(width)
    beats = [rng.getrandbits(width) for _ in range(600)]
    run_core(
        tmp_path,
        module="b2h_axis_skid",
        sources=rtl_sources("b2h_axis_skid"),
        params={"WIDTH": width},
        in_width=width,
        out_width=width,
        beats_in=beats,
        beats_out=beats,
        in_frame=1,
        out_frame=1,
    )
