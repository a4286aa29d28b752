// SPDX-License-Identifier: Apache-2.0
/*
 * bnn2hw: beat resizer, the Verilog form of bnn2hw::resize_beats (hls/bnn2hw/streams.hpp): the
 * adapter between a byte-padded top-level AXI-Stream port and a stage's exact beat width.
 *
 * Every beat passes unchanged in count and order; bit b of the output beat is bit b of the input
 * beat, 0 for b >= IN_WIDTH (zero extension, OUT_WIDTH > IN_WIDTH) and the input bits from
 * OUT_WIDTH up are dropped (truncation, OUT_WIDTH < IN_WIDTH).
 *
 * Timing: pure wiring, no registers and no latency: tvalid passes forward and tready backward
 * combinationally (so m_axis_tvalid depends only on s_axis_tvalid and s_axis_tready only on
 * m_axis_tready, as the conventions require). clk and rst are ports only for a uniform core
 * interface.
 */
`resetall
`timescale 1ns / 1ps
`default_nettype none

module b2h_axis_resize #(
    parameter integer IN_WIDTH = 10,  // input TDATA bits
    parameter integer OUT_WIDTH = 16  // output TDATA bits
) (
    // a combinational core: the clock and the reset are unused
    /* verilator lint_off UNUSEDSIGNAL */
    input  wire                 clk,
    input  wire                 rst,
    /* verilator lint_on UNUSEDSIGNAL */

    /* AXI Stream input */
    input  wire [IN_WIDTH-1:0]  s_axis_tdata,
    input  wire                 s_axis_tvalid,
    output wire                 s_axis_tready,

    /* AXI Stream output */
    output wire [OUT_WIDTH-1:0] m_axis_tdata,
    output wire                 m_axis_tvalid,
    input  wire                 m_axis_tready
);

    assign m_axis_tvalid = s_axis_tvalid;
    assign s_axis_tready = m_axis_tready;

    generate
        if (OUT_WIDTH > IN_WIDTH) begin : g_extend
            assign m_axis_tdata = {{(OUT_WIDTH - IN_WIDTH){1'b0}}, s_axis_tdata};
        end else if (OUT_WIDTH == IN_WIDTH) begin : g_same
            assign m_axis_tdata = s_axis_tdata;
        end else begin : g_truncate
            // the dropped high input bits are unused by design (byte padding)
            /* verilator lint_off UNUSEDSIGNAL */
            wire [IN_WIDTH-1:0] in_bits = s_axis_tdata;
            /* verilator lint_on UNUSEDSIGNAL */
            assign m_axis_tdata = in_bits[OUT_WIDTH-1:0];
        end
    endgenerate

endmodule

`resetall
