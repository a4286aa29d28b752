// SPDX-License-Identifier: Apache-2.0
/*
 * bnn2hw: AXI4-Stream TLAST generator and TDATA width adapter.
 *
 * Passes an AXI-Stream through (no register, no added latency), zero-extending TDATA from
 * S_WIDTH to M_WIDTH bits (or keeping the low M_WIDTH bits when M_WIDTH < S_WIDTH), and
 * asserts m_axis_tlast on every FRAME_BEATS-th beat, so a DMA that ends a transfer on TLAST
 * (AXI DMA S2MM) receives one packet per frame. The accelerator's streams have no TLAST and
 * byte-padded widths that an AXI DMA may not support (it takes 8..1024, powers of two); this
 * core sits between the DMA and the accelerator in the deployment block design.
 * Invariants: tvalid/tready are wired through; the beat counter advances on tvalid && tready
 * and wraps after FRAME_BEATS beats; reset starts a new frame.
 */
`resetall
`timescale 1ns / 1ps
`default_nettype none

module b2h_axis_tlast #(
    parameter integer S_WIDTH = 8,     // input TDATA bits
    parameter integer M_WIDTH = 8,     // output TDATA bits
    parameter integer FRAME_BEATS = 1  // beats per packet (>= 1)
) (
    input  wire             clk,
    input  wire             rst,  // synchronous, active high

    /* AXI Stream input */
    input  wire [S_WIDTH-1:0] s_axis_tdata,
    input  wire             s_axis_tvalid,
    output wire             s_axis_tready,

    /* AXI Stream output */
    output wire [M_WIDTH-1:0] m_axis_tdata,
    output wire             m_axis_tvalid,
    input  wire             m_axis_tready,
    output wire             m_axis_tlast
);

    localparam integer CW = FRAME_BEATS > 1 ? $clog2(FRAME_BEATS) : 1;
    localparam integer LAST = FRAME_BEATS - 1;

    reg [CW-1:0] count_reg;

    generate
        if (M_WIDTH > S_WIDTH) begin : g_pad
            assign m_axis_tdata = {{(M_WIDTH - S_WIDTH){1'b0}}, s_axis_tdata};
        end else begin : g_cut
            // the dropped high input bits are unused by design (the DMA's wider beat)
            /* verilator lint_off UNUSEDSIGNAL */
            wire [S_WIDTH-1:0] in_bits = s_axis_tdata;
            /* verilator lint_on UNUSEDSIGNAL */
            assign m_axis_tdata = in_bits[M_WIDTH-1:0];
        end
    endgenerate
    assign m_axis_tvalid = s_axis_tvalid;
    assign s_axis_tready = m_axis_tready;
    assign m_axis_tlast = count_reg == LAST[CW-1:0];

    always @(posedge clk) begin
        if (rst) begin
            count_reg <= {CW{1'b0}};
        end else if (s_axis_tvalid && m_axis_tready) begin
            count_reg <= m_axis_tlast ? {CW{1'b0}} : count_reg + 1'b1;
        end
    end

endmodule

`resetall
