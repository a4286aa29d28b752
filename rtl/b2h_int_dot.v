// SPDX-License-Identifier: Apache-2.0
/*
 * bnn2hw: integer-input dot-product array for the first layer, PE x SIMD lanes, no multipliers.
 * For every PE p:
 *     sum[p] = sum over j of (w[p*SIMD + j] ? x_j : -x_j)
 * with x_j = x[j*IN_BITS +: IN_BITS], unsigned or two's complement (IN_SIGNED). Each lane's term
 * is an (IN_BITS+1)-bit two's complement value; a pipelined b2h_adder_tree per PE sums them
 * (latency b2h_tree_latency(SIMD, STAGE_LEVELS), registers advance on `en`). The result is
 * two's complement in SUM_W bits.
 */
`resetall
`timescale 1ns / 1ps
`default_nettype none

module b2h_int_dot #(
    parameter integer PE = 1,
    parameter integer SIMD = 4,
    parameter integer IN_BITS = 8,
    parameter integer IN_SIGNED = 0,
    parameter integer STAGE_LEVELS = 2,
    parameter integer SUM_W = 12
) (
    input  wire                     clk,
    input  wire                     en,
    input  wire [PE*SIMD-1:0]       w,   // weight bits (1 = +1), PE p in bits [p*SIMD +: SIMD]
    input  wire [SIMD*IN_BITS-1:0]  x,   // SIMD integer elements, shared by every PE
    output wire [PE*SUM_W-1:0]      sum  // dot product of PE p in bits [p*SUM_W +: SUM_W]
);

    localparam integer LW = IN_BITS + 1;

    genvar p;
    genvar j;
    generate
        for (p = 0; p < PE; p = p + 1) begin : g_pe
            wire [SIMD*LW-1:0] terms;
            for (j = 0; j < SIMD; j = j + 1) begin : g_lane
                wire [IN_BITS-1:0] e = x[j*IN_BITS +: IN_BITS];
                wire [LW-1:0] v = {(IN_SIGNED != 0) & e[IN_BITS-1], e};
                assign terms[j*LW +: LW] = w[p*SIMD + j] ? v : (~v + 1'b1);
            end
            b2h_adder_tree #(
                .N(SIMD), .LW(LW), .SIGNED(1), .STAGE_LEVELS(STAGE_LEVELS), .SUM_W(SUM_W)
            ) tree (
                .clk(clk), .en(en), .leaves(terms), .sum(sum[p*SUM_W +: SUM_W])
            );
        end
    endgenerate

endmodule

`resetall
