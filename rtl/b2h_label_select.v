// SPDX-License-Identifier: Apache-2.0
/*
 * bnn2hw: top-K label select, the Verilog form of bnn2hw::label_select (hls/bnn2hw/label_select.hpp):
 * the indices of the K largest (DESCENDING = 1) or smallest (DESCENDING = 0) of a frame's N
 * accumulators, best first, equal accumulators in index order (lower index first); numpy's
 * np.argsort(-sign * acc, kind="stable")[:K].
 *
 * Input: N/PE beats per frame of PE accumulators of ACC_BITS bits (two's complement when
 * ACC_SIGNED = 1), element pe of beat b (bits [pe*ACC_BITS +: ACC_BITS]) is accumulator b*PE + pe.
 * Output: one beat per frame of K*IDX_BITS bits, element s (bits [s*IDX_BITS +: IDX_BITS]) the
 * index of the s-th best accumulator. Requires N % PE == 0, 1 <= K <= N, N <= 2^IDX_BITS.
 *
 * A sorted list of K (value, index, valid) slots takes one accumulator per cycle: every slot
 * compares the new value with its own in parallel (better[s]: the slot is empty or the new value
 * is strictly better; monotone in s), the slots from the insertion point on shift down by one and
 * the new value lands at the insertion point, after all equal values, which keeps ties stable.
 * Signed values are compared as unsigned with the sign bit flipped.
 *
 * Timing: one accumulator per cycle, so one input beat every PE cycles (the beat waits in a shift
 * register whose low ACC_BITS are the next accumulator; the next beat is taken as the last one is
 * used). The frame's last accumulator is inserted straight into the output register and the list
 * is cleared in the same cycle, so the next frame streams in while the result waits for the
 * consumer; only the next frame's last accumulator waits for the output register to be free.
 * Latency: the result is offered the cycle after the frame's last accumulator is used, PE + 1
 * cycles after the frame's last beat is taken when nothing stalls.
 * Invariants: m_axis_tvalid/tdata come from registers and never depend on m_axis_tready;
 * s_axis_tready never depends on s_axis_tvalid (it depends on the state and on m_axis_tready); a
 * valid result is held until taken. After reset the list is empty and at the start of a frame.
 */
`resetall
`timescale 1ns / 1ps
`default_nettype none

module b2h_label_select #(
    parameter integer N = 10,          // accumulators per frame
    parameter integer PE = 1,          // accumulators per input beat (N % PE == 0)
    parameter integer ACC_BITS = 8,    // accumulator bits
    parameter integer ACC_SIGNED = 1,  // 1: two's complement accumulators, 0: unsigned
    parameter integer K = 1,           // labels per frame (1..N)
    parameter integer IDX_BITS = 4,    // label bits (N <= 2^IDX_BITS)
    parameter integer DESCENDING = 1   // 1: largest first, 0: smallest first
) (
    input  wire                     clk,
    input  wire                     rst,  // synchronous, active high

    /* AXI Stream input */
    input  wire [PE*ACC_BITS-1:0]   s_axis_tdata,
    input  wire                     s_axis_tvalid,
    output wire                     s_axis_tready,

    /* AXI Stream output */
    output wire [K*IDX_BITS-1:0]    m_axis_tdata,
    output wire                     m_axis_tvalid,
    input  wire                     m_axis_tready
);

    localparam integer IN_W = PE * ACC_BITS;
    localparam integer PW = (PE > 1) ? $clog2(PE) : 1;  // accumulator-in-beat counter bits
    localparam [31:0] PE_M1 = PE - 1;
    localparam [31:0] N_M1 = N - 1;
    localparam [PW-1:0] PE_LAST = PE_M1[PW-1:0];
    localparam [IDX_BITS-1:0] IDX_LAST = N_M1[IDX_BITS-1:0];
    // sign-bit flip that orders two's complement values as unsigned ones
    localparam [0:0] SIGNED_BIT = (ACC_SIGNED != 0);
    localparam [ACC_BITS:0] FLIP_X = {SIGNED_BIT, {ACC_BITS{1'b0}}};
    localparam [ACC_BITS-1:0] FLIP = FLIP_X[ACC_BITS:1];

    // input: the current beat, shifted down by one accumulator per cycle
    reg [IN_W-1:0]     beat_reg;
    reg                beat_valid_reg;
    reg [PW-1:0]       pe_reg;    // accumulators of beat_reg already used
    reg [IDX_BITS-1:0] idx_reg;   // index of the next accumulator in the frame
    // the sorted list, slot s in bits [s*ACC_BITS +: ACC_BITS] / [s*IDX_BITS +: IDX_BITS] / [s]
    reg [K*ACC_BITS-1:0] val_reg;   // keys (sign bit flipped for signed accumulators)
    reg [K*IDX_BITS-1:0] idx_list_reg;
    reg [K-1:0]          vld_reg;
    // output
    reg [K*IDX_BITS-1:0] out_data_reg;
    reg                  out_valid_reg;

    wire frame_last = (idx_reg == IDX_LAST);
    wire pe_last = (pe_reg == PE_LAST);
    wire out_free = !out_valid_reg || m_axis_tready;
    // use the current accumulator (the frame's last one only when the output register is free)
    wire step = beat_valid_reg && (!frame_last || out_free);

    wire [IN_W+ACC_BITS-1:0] beat_x = {{ACC_BITS{1'b0}}, beat_reg};
    wire [ACC_BITS-1:0]      key = beat_x[ACC_BITS-1:0] ^ FLIP;

    // the list after inserting key
    wire [K-1:0]          better;
    wire [K*ACC_BITS-1:0] ins_val;
    wire [K*IDX_BITS-1:0] ins_idx;
    wire [K-1:0]          ins_vld;

    genvar s;
    generate
        for (s = 0; s < K; s = s + 1) begin : g_slot
            wire [ACC_BITS-1:0] v = val_reg[s*ACC_BITS +: ACC_BITS];
            wire                wins = (DESCENDING != 0) ? (key > v) : (key < v);
            assign better[s] = !vld_reg[s] || wins;
            if (s == 0) begin : g_first
                assign ins_val[0 +: ACC_BITS] = better[0] ? key : v;
                assign ins_idx[0 +: IDX_BITS] = better[0] ? idx_reg : idx_list_reg[0 +: IDX_BITS];
                assign ins_vld[0] = better[0] || vld_reg[0];
            end else begin : g_rest
                // better[s-1] implies better[s]: shift slot s-1 down, or insert here
                wire shift = better[s - 1];
                assign ins_val[s*ACC_BITS +: ACC_BITS] =
                    shift ? val_reg[(s-1)*ACC_BITS +: ACC_BITS] : (better[s] ? key : v);
                assign ins_idx[s*IDX_BITS +: IDX_BITS] =
                    shift ? idx_list_reg[(s-1)*IDX_BITS +: IDX_BITS] :
                    (better[s] ? idx_reg : idx_list_reg[s*IDX_BITS +: IDX_BITS]);
                assign ins_vld[s] = shift ? vld_reg[s - 1] : (better[s] || vld_reg[s]);
            end
        end
    endgenerate

    assign s_axis_tready = !beat_valid_reg || (pe_last && step);
    assign m_axis_tdata = out_data_reg;
    assign m_axis_tvalid = out_valid_reg;

    always @(posedge clk) begin
        if (m_axis_tready) out_valid_reg <= 1'b0;
        if (step) begin
            beat_reg <= beat_x[IN_W+ACC_BITS-1:ACC_BITS];
            pe_reg <= pe_last ? {PW{1'b0}} : pe_reg + 1'b1;
            if (pe_last) beat_valid_reg <= 1'b0;
            if (frame_last) begin
                // result straight to the output, empty list for the next frame
                out_data_reg <= ins_idx;
                out_valid_reg <= 1'b1;
                vld_reg <= {K{1'b0}};
                idx_reg <= {IDX_BITS{1'b0}};
            end else begin
                val_reg <= ins_val;
                idx_list_reg <= ins_idx;
                vld_reg <= ins_vld;
                idx_reg <= idx_reg + 1'b1;
            end
        end
        if (s_axis_tvalid && s_axis_tready) begin
            beat_reg <= s_axis_tdata;
            beat_valid_reg <= 1'b1;
        end
        if (rst) begin
            beat_valid_reg <= 1'b0;
            pe_reg <= {PW{1'b0}};
            idx_reg <= {IDX_BITS{1'b0}};
            vld_reg <= {K{1'b0}};
            out_valid_reg <= 1'b0;
        end
    end

endmodule

`resetall
