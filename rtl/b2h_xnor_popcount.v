// SPDX-License-Identifier: Apache-2.0
/*
 * bnn2hw: XNOR-popcount array, PE x SIMD lanes. For every PE p:
 *     sum[p] = popcount(XNOR(w[p*SIMD +: SIMD], x))        (0 .. SIMD)
 * i.e. the number of agreeing {-1,+1} elements (bit 1 = +1): the dot product is 2*sum - SIMD.
 * Each PE reduces its SIMD agreement bits with a pipelined b2h_adder_tree; the latency is
 * b2h_tree_latency(SIMD, STAGE_LEVELS) cycles, registers advance on `en`.
 */
`resetall
`timescale 1ns / 1ps
`default_nettype none

module b2h_xnor_popcount #(
    parameter integer PE = 1,
    parameter integer SIMD = 8,
    parameter integer STAGE_LEVELS = 2,
    parameter integer SUM_W = 4          // bits per popcount (>= clog2(SIMD+1), or wrapping)
) (
    input  wire                clk,
    input  wire                en,
    input  wire [PE*SIMD-1:0]  w,        // weight bits, PE p in bits [p*SIMD +: SIMD]
    input  wire [SIMD-1:0]     x,        // input bits, shared by every PE
    output wire [PE*SUM_W-1:0] sum       // popcount of PE p in bits [p*SUM_W +: SUM_W]
);

    genvar p;
    generate
        for (p = 0; p < PE; p = p + 1) begin : g_pe
            b2h_adder_tree #(
                .N(SIMD), .LW(1), .SIGNED(0), .STAGE_LEVELS(STAGE_LEVELS), .SUM_W(SUM_W)
            ) tree (
                .clk(clk), .en(en),
                .leaves(~(w[p*SIMD +: SIMD] ^ x)),
                .sum(sum[p*SUM_W +: SUM_W])
            );
        end
    endgenerate

endmodule

`resetall
