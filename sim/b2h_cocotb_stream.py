"""cocotb test of every bnn2hw stream simulation: wait for the harness to finish, record status.

The harness (sim/hdl/b2h_tb_harness.v) makes the clock and reset and streams the files; this test
only waits for its ``done`` and writes the final cycle count and the watchdog flag to
$B2H_STATUS, so Python never runs per clock cycle. The comparison happens in the caller.
"""

from __future__ import annotations

import os
from typing import Any

import cocotb
from cocotb.triggers import RisingEdge


@cocotb.test()
async def stream(dut: Any) -> None:
    """Run until every input frame's outputs are back (or the watchdog fires)."""
    while str(dut.done.value) != "1":  # X before the harness's initial block under Icarus
        await RisingEdge(dut.done)
    await RisingEdge(dut.clk)  # the sink closes its log on the cycle after done
    await RisingEdge(dut.clk)
    hung = int(dut.hung.value)
    with open(os.environ["B2H_STATUS"], "w") as f:
        f.write(f"cycles={int(dut.cycles.value)}\nhung={hung}\n")
    assert not hung, "no output beat for the watchdog's number of cycles: the design hangs"
