// SPDX-License-Identifier: Apache-2.0
/*
 * bnn2hw: AXI4-Stream skid buffer (register slice).
 *
 * Full throughput (one beat per cycle) with every output registered and s_axis_tready driven from
 * a register, so it breaks the combinational paths of tvalid/tdata forward and tready backward
 * between two stages. Holds up to two beats: the output register and a skid register that catches
 * the beat accepted in the cycle the consumer stalls.
 * Invariants: m_axis_tvalid never depends combinationally on m_axis_tready; data is held while
 * m_axis_tvalid && !m_axis_tready; a transfer happens on tvalid && tready.
 */
`resetall
`timescale 1ns / 1ps
`default_nettype none

module b2h_axis_skid #(
    parameter integer WIDTH = 8  // TDATA bits
) (
    input  wire             clk,
    input  wire             rst,  // synchronous, active high

    /* AXI Stream input */
    input  wire [WIDTH-1:0] s_axis_tdata,
    input  wire             s_axis_tvalid,
    output wire             s_axis_tready,

    /* AXI Stream output */
    output wire [WIDTH-1:0] m_axis_tdata,
    output wire             m_axis_tvalid,
    input  wire             m_axis_tready
);

    reg [WIDTH-1:0] out_data_reg, out_data_next;
    reg             out_valid_reg, out_valid_next;
    reg [WIDTH-1:0] skid_data_reg, skid_data_next;
    reg             skid_valid_reg, skid_valid_next;

    // accept while the skid register is empty: at most one beat can arrive after a stall
    assign s_axis_tready = !skid_valid_reg;
    assign m_axis_tdata = out_data_reg;
    assign m_axis_tvalid = out_valid_reg;

    always @* begin
        out_data_next = out_data_reg;
        out_valid_next = out_valid_reg;
        skid_data_next = skid_data_reg;
        skid_valid_next = skid_valid_reg;
        if (!out_valid_reg || m_axis_tready) begin
            // the output register is free (or being emitted): refill it, skid beat first
            if (skid_valid_reg) begin
                out_data_next = skid_data_reg;
                out_valid_next = 1'b1;
                skid_valid_next = 1'b0;
            end else begin
                out_data_next = s_axis_tdata;
                out_valid_next = s_axis_tvalid;
            end
        end else if (s_axis_tvalid && s_axis_tready) begin
            // output stalled: park the accepted beat in the skid register
            skid_data_next = s_axis_tdata;
            skid_valid_next = 1'b1;
        end
    end

    always @(posedge clk) begin
        out_data_reg <= out_data_next;
        out_valid_reg <= out_valid_next;
        skid_data_reg <= skid_data_next;
        skid_valid_reg <= skid_valid_next;
        if (rst) begin
            out_valid_reg <= 1'b0;
            skid_valid_reg <= 1'b0;
        end
    end

endmodule

`resetall
