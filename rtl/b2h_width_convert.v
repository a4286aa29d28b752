// SPDX-License-Identifier: Apache-2.0
/*
 * bnn2hw: stream width converter, the Verilog form of bnn2hw::width_convert (hls/bnn2hw/streams.hpp).
 *
 * Regroups a stream of EW-bit elements from IN_ELEMS to OUT_ELEMS elements per beat; one of the
 * two divides the other (R = the ratio). The element sequence is unchanged, element i of a beat
 * is bits [i*EW +: EW]. Frames need not be known: a frame holds a whole number of beats on both
 * sides, so groups never straddle frames and the converter is at a group start after every frame.
 *   - gather (OUT_ELEMS = R*IN_ELEMS): R input beats make one output beat, input beat k of a group
 *     in bits [k*IN_ELEMS*EW +: IN_ELEMS*EW] (earlier beat in lower bits). The first R-1 beats
 *     shift down a partial register; the R-th is taken into the output register with them.
 *   - split (IN_ELEMS = R*OUT_ELEMS): each input beat gives R output beats, lowest elements first.
 *     The input beat is loaded into a shift register whose low OUT_ELEMS*EW bits are the output.
 *   - R = 1: a pipeline register.
 *
 * Timing: full throughput on the narrow side (one narrow beat per cycle; the wide side moves a
 * beat every R cycles). One cycle of latency (the output register).
 * Invariants: m_axis_tvalid/tdata come from registers and never depend on m_axis_tready;
 * s_axis_tready never depends on s_axis_tvalid (it is a function of the state and of
 * m_axis_tready: a new beat may enter in the cycle the held output leaves); a valid beat is held
 * until taken. After reset the converter is empty and at the start of a group.
 */
`resetall
`timescale 1ns / 1ps
`default_nettype none

module b2h_width_convert #(
    parameter integer IN_ELEMS = 1,   // elements per input beat
    parameter integer OUT_ELEMS = 8,  // elements per output beat (a multiple or divisor of IN_ELEMS)
    parameter integer EW = 1          // bits per element
) (
    input  wire                      clk,
    input  wire                      rst,  // synchronous, active high

    /* AXI Stream input */
    input  wire [IN_ELEMS*EW-1:0]    s_axis_tdata,
    input  wire                      s_axis_tvalid,
    output wire                      s_axis_tready,

    /* AXI Stream output */
    output wire [OUT_ELEMS*EW-1:0]   m_axis_tdata,
    output wire                      m_axis_tvalid,
    input  wire                      m_axis_tready
);

    localparam integer IN_W = IN_ELEMS * EW;
    localparam integer OUT_W = OUT_ELEMS * EW;
    localparam integer R = (OUT_ELEMS >= IN_ELEMS) ? OUT_ELEMS / IN_ELEMS : IN_ELEMS / OUT_ELEMS;
    localparam integer KW = (R > 1) ? $clog2(R) : 1;  // beat-in-group counter bits
    localparam [31:0] R_M1 = R - 1;
    localparam [KW-1:0] K_LAST = R_M1[KW-1:0];

    generate
        if (R == 1) begin : g_pass
            // equal beats: one pipeline register
            reg [OUT_W-1:0] out_data_reg;
            reg             out_valid_reg;

            assign s_axis_tready = !out_valid_reg || m_axis_tready;
            assign m_axis_tdata = out_data_reg;
            assign m_axis_tvalid = out_valid_reg;

            always @(posedge clk) begin
                if (s_axis_tready) begin
                    out_data_reg <= s_axis_tdata;
                    out_valid_reg <= s_axis_tvalid;
                end
                if (rst) out_valid_reg <= 1'b0;
            end
        end else if (OUT_ELEMS > IN_ELEMS) begin : g_gather
            // partial register: beats 0..k-1 of the current group, shifted down so that after
            // R-1 beats beat j sits in bits [j*IN_W +: IN_W]
            reg [OUT_W-IN_W-1:0] part_reg;
            reg [KW-1:0]         k_reg;  // beats of the current group taken so far
            reg [OUT_W-1:0]      out_data_reg;
            reg                  out_valid_reg;

            wire             last = (k_reg == K_LAST);
            wire [OUT_W-1:0] joined = {s_axis_tdata, part_reg};
            wire             take = s_axis_tvalid && s_axis_tready;

            // only the group's last beat needs the output register
            assign s_axis_tready = !last || !out_valid_reg || m_axis_tready;
            assign m_axis_tdata = out_data_reg;
            assign m_axis_tvalid = out_valid_reg;

            always @(posedge clk) begin
                if (m_axis_tready) out_valid_reg <= 1'b0;
                if (take) begin
                    part_reg <= joined[OUT_W-1:IN_W];
                    k_reg <= last ? {KW{1'b0}} : k_reg + 1'b1;
                    if (last) begin
                        out_data_reg <= joined;
                        out_valid_reg <= 1'b1;
                    end
                end
                if (rst) begin
                    k_reg <= {KW{1'b0}};
                    out_valid_reg <= 1'b0;
                end
            end
        end else begin : g_split
            // cur_reg: the rest of the input beat, lowest output beat in the low OUT_W bits
            reg [IN_W-1:0] cur_reg;
            reg [KW-1:0]   k_reg;  // output beats of cur_reg already emitted
            reg            cur_valid_reg;

            wire             last = (k_reg == K_LAST);
            wire             emit = cur_valid_reg && m_axis_tready;
            wire [IN_W+OUT_W-1:0] padded = {{OUT_W{1'b0}}, cur_reg};

            // load the next input beat when empty or as the last part leaves
            assign s_axis_tready = !cur_valid_reg || (last && m_axis_tready);
            assign m_axis_tdata = padded[OUT_W-1:0];
            assign m_axis_tvalid = cur_valid_reg;

            always @(posedge clk) begin
                if (emit) begin
                    cur_reg <= padded[IN_W+OUT_W-1:OUT_W];
                    k_reg <= last ? {KW{1'b0}} : k_reg + 1'b1;
                    if (last) cur_valid_reg <= 1'b0;
                end
                if (s_axis_tvalid && s_axis_tready) begin
                    cur_reg <= s_axis_tdata;
                    cur_valid_reg <= 1'b1;
                end
                if (rst) begin
                    k_reg <= {KW{1'b0}};
                    cur_valid_reg <= 1'b0;
                end
            end
        end
    endgenerate

endmodule

`resetall
