"""b2h_axis_tlast under the cocotb harness: TDATA zero-extended or truncated, TLAST on every
FRAME_BEATS-th beat, under every stall mix. The harness has no TLAST, so a test-only probe
(simulation only) puts TLAST above TDATA in its output beat."""

from __future__ import annotations

from pathlib import Path

import pytest
from core_bench import case_rng, rtl_sources, run_core

PROBE = """`default_nettype none
module b2h_tlast_probe #(
    parameter integer S_WIDTH = 8,
    parameter integer M_WIDTH = 8,
    parameter integer FRAME_BEATS = 1
) (
    input  wire               clk,
    input  wire               rst,
    input  wire [S_WIDTH-1:0] s_axis_tdata,
    input  wire               s_axis_tvalid,
    output wire               s_axis_tready,
    output wire [M_WIDTH:0]   m_axis_tdata,
    output wire               m_axis_tvalid,
    input  wire               m_axis_tready
);
    wire [M_WIDTH-1:0] data;
    wire last;
    b2h_axis_tlast #(.S_WIDTH(S_WIDTH), .M_WIDTH(M_WIDTH), .FRAME_BEATS(FRAME_BEATS)) dut (
        .clk(clk), .rst(rst),
        .s_axis_tdata(s_axis_tdata), .s_axis_tvalid(s_axis_tvalid), .s_axis_tready(s_axis_tready),
        .m_axis_tdata(data), .m_axis_tvalid(m_axis_tvalid), .m_axis_tready(m_axis_tready),
        .m_axis_tlast(last)
    );
    assign m_axis_tdata = {last, data};
endmodule
`default_nettype wire
"""


@pytest.mark.parametrize(
    ("s_width", "m_width", "frame"), [(8, 8, 1), (96, 128, 3), (64, 24, 16), (8, 8, 64)]
)
def test_tlast_and_width(s_width: int, m_width: int, frame: int, tmp_path: Path) -> None:
    probe = tmp_path / "b2h_tlast_probe.v"
    probe.write_text(PROBE)
    rng = case_rng("tlast", str(s_width), str(m_width), str(frame))
    n = 5 * frame + (frame - 1 if frame > 1 else 0)  # whole frames and a partial one
    beats_in = [int.from_bytes(rng.bytes((s_width + 7) // 8)) for _ in range(n)]
    mask = (1 << min(s_width, m_width)) - 1
    beats_out = [
        (b & mask) | (int(i % frame == frame - 1) << m_width) for i, b in enumerate(beats_in)
    ]
    run_core(
        tmp_path,
        module="b2h_tlast_probe",
        sources=[*rtl_sources("b2h_axis_tlast"), probe],
        params={"S_WIDTH": s_width, "M_WIDTH": m_width, "FRAME_BEATS": frame},
        in_width=s_width,
        out_width=m_width + 1,
        beats_in=beats_in,
        beats_out=beats_out,
        in_frame=1,
        out_frame=1,
    )
