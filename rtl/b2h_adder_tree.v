// SPDX-License-Identifier: Apache-2.0
/*
 * bnn2hw: pipelined binary adder tree. Sums N leaves of LW bits (unsigned, or two's complement
 * when SIGNED) into SUM_W bits.
 *
 * Level 0 holds the leaves; node i of level l is node 2i + node 2i+1 of level l-1 (or node 2i
 * alone when the level below has an odd count), one bit wider than level l-1, so no sum ever
 * overflows: level l nodes are LW + l bits, the root LW + clog2(N). A register stage sits after
 * every STAGE_LEVELS levels and after the root (a lone leaf is registered once): the latency is
 * b2h_tree_latency(N, STAGE_LEVELS) cycles (b2h_functions.vh). All registers advance on `en`,
 * so a stalled pipeline holds its partial sums. SUM_W may be narrower than LW + clog2(N) when
 * the caller knows the sum fits (or keeps only the low bits of a wrapping accumulator).
 */
`resetall
`timescale 1ns / 1ps
`default_nettype none

module b2h_adder_tree #(
    parameter integer N = 4,             // leaves
    parameter integer LW = 1,            // leaf width
    parameter integer SIGNED = 0,        // leaves are two's complement
    parameter integer STAGE_LEVELS = 2,  // adder levels between register stages
    parameter integer SUM_W = 3          // output width
) (
    input  wire              clk,
    input  wire              en,
    input  wire [N*LW-1:0]   leaves,
    output wire [SUM_W-1:0]  sum
);
`include "b2h_functions.vh"

    localparam integer LEVELS = b2h_clog2(N);

    // nodes at level l
    function integer count_at;
        input integer l;
        integer c;
        integer k;
        begin
            c = N;
            for (k = 0; k < l; k = k + 1) c = (c + 1) / 2;
            count_at = c;
        end
    endfunction

    // bit offset of level l in the flat node vector
    function integer offset_at;
        input integer l;
        integer k;
        begin
            offset_at = 0;
            for (k = 0; k < l; k = k + 1) offset_at = offset_at + count_at(k) * (LW + k);
        end
    endfunction

    localparam integer TOTAL = offset_at(LEVELS + 1);
    localparam integer ROOT_W = LW + LEVELS;

    wire [TOTAL-1:0] nodes;

    genvar l;
    genvar i;
    generate
        if (LEVELS == 0) begin : g_single
            reg [LW-1:0] leaf_q;
            always @(posedge clk) if (en) leaf_q <= leaves;
            assign nodes = leaf_q;
        end else begin : g_tree
            assign nodes[0 +: N*LW] = leaves;
            for (l = 1; l <= LEVELS; l = l + 1) begin : g_level
                localparam integer CNT = count_at(l);
                localparam integer PCNT = count_at(l - 1);
                localparam integer W = LW + l;
                localparam integer PW = LW + l - 1;
                localparam integer OFF = offset_at(l);
                localparam integer POFF = offset_at(l - 1);
                wire [CNT*W-1:0] s;
                for (i = 0; i < CNT; i = i + 1) begin : g_node
                    wire [PW-1:0] a = nodes[POFF + (2*i)*PW +: PW];
                    wire [W-1:0] ae = {(SIGNED != 0) & a[PW-1], a};
                    if (2*i + 1 < PCNT) begin : g_pair
                        wire [PW-1:0] b = nodes[POFF + (2*i+1)*PW +: PW];
                        wire [W-1:0] be = {(SIGNED != 0) & b[PW-1], b};
                        assign s[i*W +: W] = ae + be;
                    end else begin : g_pass
                        assign s[i*W +: W] = ae;
                    end
                end
                if (l == LEVELS || l % STAGE_LEVELS == 0) begin : g_reg
                    reg [CNT*W-1:0] q;
                    always @(posedge clk) if (en) q <= s;
                    assign nodes[OFF +: CNT*W] = q;
                end else begin : g_comb
                    assign nodes[OFF +: CNT*W] = s;
                end
            end
        end

        // root, resized to SUM_W
        if (SUM_W <= ROOT_W) begin : g_trunc
            assign sum = nodes[TOTAL-ROOT_W +: SUM_W];
            if (SUM_W < ROOT_W) begin : g_unused
                /* verilator lint_off UNUSEDSIGNAL */
                // the caller guarantees the sum fits SUM_W (or wraps in its accumulator)
                wire [ROOT_W-SUM_W-1:0] unused_msbs = nodes[TOTAL-1 -: ROOT_W-SUM_W];
                /* verilator lint_on UNUSEDSIGNAL */
            end
        end else begin : g_ext
            wire [ROOT_W-1:0] root = nodes[TOTAL-ROOT_W +: ROOT_W];
            assign sum = {{(SUM_W-ROOT_W){(SIGNED != 0) & root[ROOT_W-1]}}, root};
        end
    endgenerate

endmodule

`resetall
