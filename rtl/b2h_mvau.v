// SPDX-License-Identifier: Apache-2.0
/*
 * bnn2hw: matrix-vector-threshold unit (MVAU), folded PE x SIMD: the engine of every dense and
 * convolutional layer, the Verilog twin of hls/bnn2hw/mvau.hpp (same streams, same packing).
 *
 * Input: per vector, SF = MW/SIMD beats of SIMD*IN_BITS bits (beat sf holds columns
 * sf*SIMD .. sf*SIMD+SIMD-1, column sf*SIMD + j in bits [j*IN_BITS +: IN_BITS]).
 * Output: per vector, NF = MH/PE beats; bit/element pe of beat nf is output channel nf*PE + pe:
 *   THRESHOLD=1: one bit, 1 (meaning +1) iff acc >= T[channel];
 *   THRESHOLD=0: the accumulator, ACC_BITS bits (unsigned popcount, or two's complement when
 *                ACC_SIGNED) in bits [pe*ACC_BITS +: ACC_BITS].
 * acc = popcount(XNOR(w_row, x)) for binary inputs (IN_BITS=1), sum(w ? x : -x) otherwise.
 *
 * Memories (loaded with $readmemh, one word per line, PE 0 in the least significant bits):
 *   WEIGHTS:    NF*SF words of PE*SIMD bits; word nf*SF+sf, bits [pe*SIMD +: SIMD] = the HLS
 *               w[pe][nf*SF+sf] (row nf*PE+pe, column sf*SIMD+j in bit j, 1 = +1);
 *   THRESHOLDS: NF words of PE*THRESH_BITS bits; word nf, bits [pe*THRESH_BITS +: THRESH_BITS]
 *               = T of channel nf*PE+pe (signedness of the accumulator).
 * BLOCK_ROM=1 asks for block RAM for the weights (rom_style "block"), 0 for LUTs/LUTRAM.
 *
 * Schedule: one (nf, sf) tile per cycle, nf outer. While nf == 0 the input beats stream in and
 * are kept in a buffer of SF beats, reused for nf = 1 .. NF-1 (cycles per vector: NF*SF).
 * Pipeline, all stages advancing together on `en`:
 *   issue:   take an input beat (nf == 0) or read the buffer; read the weight word of the tile
 *   tree:    PE XNOR-popcount (or add/subtract) trees, b2h_tree_latency(SIMD, STAGE_LEVELS)
 *   acc:     acc = partial (first sf) or acc + partial; on the last sf read T[nf]
 *   out:     threshold compare (or raw acc) into a skid buffer
 * `en` drops only while a finished output beat waits for the skid buffer, which keeps every
 * stage's content; a tile enters the pipeline only when its input beat is there, so gaps become
 * bubbles. Invariant: the issue counters (nf, sf, tile == nf*SF + sf) describe the next tile.
 */
`resetall
`timescale 1ns / 1ps
`default_nettype none

module b2h_mvau #(
    parameter integer MW = 8,            // input vector length (columns)
    parameter integer MH = 4,            // output channels (rows)
    parameter integer PE = 2,
    parameter integer SIMD = 4,
    parameter integer IN_BITS = 1,       // 1: binary inputs (XNOR-popcount); >1: integers
    parameter integer IN_SIGNED = 0,
    parameter integer ACC_BITS = 4,
    parameter integer ACC_SIGNED = 0,
    parameter integer THRESHOLD = 1,     // 1: output threshold bits; 0: raw accumulators
    parameter integer THRESH_BITS = 5,
    parameter WEIGHTS = "weights.mem",
    parameter THRESHOLDS = "thresholds.mem",
    parameter integer BLOCK_ROM = 0,
    parameter integer STAGE_LEVELS = 2,
    parameter integer OUT_W = (THRESHOLD != 0) ? PE : PE * ACC_BITS
) (
    input  wire                    clk,
    input  wire                    rst,
    input  wire [SIMD*IN_BITS-1:0] s_axis_tdata,
    input  wire                    s_axis_tvalid,
    output wire                    s_axis_tready,
    output wire [OUT_W-1:0]        m_axis_tdata,
    output wire                    m_axis_tvalid,
    input  wire                    m_axis_tready
);
`include "b2h_functions.vh"

    localparam integer SF = MW / SIMD;
    localparam integer NF = MH / PE;
    localparam integer TILES = NF * SF;
    localparam integer IN_W = SIMD * IN_BITS;
    localparam integer TA = b2h_addr_bits(TILES);
    localparam integer SA = b2h_addr_bits(SF);
    localparam integer NA = b2h_addr_bits(NF);
    localparam integer TREE_LAT = b2h_tree_latency(SIMD, STAGE_LEVELS);
    // partial sums: popcounts are at most SIMD, integer dot products wrap with the accumulator
    localparam integer PART_W = ACC_BITS;
    localparam integer META_W = 3 + NA;  // valid, first sf, last sf, nf

    // ---------------------------------------------------------------- flow control
    reg  out_pending;      // a finished output beat waits in the output stage
    wire skid_ready;
    wire en = !out_pending || skid_ready;

    // ---------------------------------------------------------------- issue stage
    reg [SA-1:0] sf;
    reg [NA-1:0] nf;
    reg [TA-1:0] tile;
    wire first_fold = (nf == {NA{1'b0}});
    wire take = first_fold && s_axis_tvalid;
    wire fire = en && (take || !first_fold);
    localparam integer SF_M1 = SF - 1;
    localparam integer NF_M1 = NF - 1;
    localparam [SA-1:0] SF_LAST = SF_M1[SA-1:0];
    localparam [NA-1:0] NF_LAST = NF_M1[NA-1:0];
    wire last_sf = (sf == SF_LAST);
    wire last_nf = (nf == NF_LAST);

    assign s_axis_tready = en && first_fold;

    always @(posedge clk) begin
        if (rst) begin
            sf <= {SA{1'b0}};
            nf <= {NA{1'b0}};
            tile <= {TA{1'b0}};
        end else if (fire) begin
            if (last_sf) begin
                sf <= {SA{1'b0}};
                if (last_nf) begin
                    nf <= {NA{1'b0}};
                    tile <= {TA{1'b0}};
                end else begin
                    nf <= nf + 1'b1;
                    tile <= tile + 1'b1;
                end
            end else begin
                sf <= sf + 1'b1;
                tile <= tile + 1'b1;
            end
        end
    end

    // weights: synchronous read of the tile's word
    reg [PE*SIMD-1:0] w_q;
    generate
        if (BLOCK_ROM != 0) begin : g_wrom_block
            (* rom_style = "block" *)
            reg [PE*SIMD-1:0] wrom [0:TILES-1];
            initial $readmemh(WEIGHTS, wrom);
            always @(posedge clk) if (en) w_q <= wrom[tile];
        end else begin : g_wrom_dist
            (* rom_style = "distributed" *)
            reg [PE*SIMD-1:0] wrom [0:TILES-1];
            initial $readmemh(WEIGHTS, wrom);
            always @(posedge clk) if (en) w_q <= wrom[tile];
        end
    endgenerate

    // input: the streamed beat (first fold) or the buffered one (later folds)
    reg [IN_W-1:0] x_in_q;
    wire [IN_W-1:0] x_s1;
    generate
        if (NF > 1) begin : g_inbuf
            reg [IN_W-1:0] inbuf [0:SF-1];
            reg [IN_W-1:0] x_buf_q;
            reg            x_from_in;
            always @(posedge clk) begin
                if (en) x_buf_q <= inbuf[sf];
                if (en) x_from_in <= first_fold;
                if (fire && first_fold) inbuf[sf] <= s_axis_tdata;
            end
            assign x_s1 = x_from_in ? x_in_q : x_buf_q;
        end else begin : g_noinbuf
            assign x_s1 = x_in_q;
        end
    endgenerate

    reg [META_W-1:0] meta_s1;
    always @(posedge clk) begin
        if (en) begin
            x_in_q <= s_axis_tdata;
            meta_s1 <= {fire, sf == {SA{1'b0}}, last_sf, nf};
        end
        if (rst) meta_s1[META_W-1] <= 1'b0;
    end

    // ---------------------------------------------------------------- dot-product trees
    wire [PE*PART_W-1:0] partial;
    generate
        if (IN_BITS == 1) begin : g_xnor
            b2h_xnor_popcount #(
                .PE(PE), .SIMD(SIMD), .STAGE_LEVELS(STAGE_LEVELS), .SUM_W(PART_W)
            ) dot (
                .clk(clk), .en(en), .w(w_q), .x(x_s1), .sum(partial)
            );
        end else begin : g_int
            b2h_int_dot #(
                .PE(PE), .SIMD(SIMD), .IN_BITS(IN_BITS), .IN_SIGNED(IN_SIGNED),
                .STAGE_LEVELS(STAGE_LEVELS), .SUM_W(PART_W)
            ) dot (
                .clk(clk), .en(en), .w(w_q), .x(x_s1), .sum(partial)
            );
        end
    endgenerate

    // the tile's meta data, delayed to meet its partial sums
    reg [TREE_LAT*META_W-1:0] meta_sr;
    generate
        if (TREE_LAT > 1) begin : g_meta_shift
            always @(posedge clk) begin
                if (en) meta_sr <= {meta_sr[(TREE_LAT-1)*META_W-1:0], meta_s1};
                if (rst) meta_sr <= {TREE_LAT*META_W{1'b0}};
            end
        end else begin : g_meta_one
            always @(posedge clk) begin
                if (en) meta_sr <= meta_s1;
                if (rst) meta_sr <= {META_W{1'b0}};
            end
        end
    endgenerate
    wire [META_W-1:0] meta_a = meta_sr[TREE_LAT*META_W-1 -: META_W];
    wire          valid_a = meta_a[META_W-1];
    wire          first_a = meta_a[META_W-2];
    wire          last_a = meta_a[META_W-3];
    wire [NA-1:0] nf_a = meta_a[NA-1:0];

    // ---------------------------------------------------------------- accumulate
    reg [PE*ACC_BITS-1:0] acc;
    genvar p;
    generate
        for (p = 0; p < PE; p = p + 1) begin : g_acc
            wire [ACC_BITS-1:0] part = partial[p*PART_W +: PART_W];
            always @(posedge clk) begin
                if (en && valid_a)
                    acc[p*ACC_BITS +: ACC_BITS] <= first_a ? part
                                                           : acc[p*ACC_BITS +: ACC_BITS] + part;
            end
        end
    endgenerate

    always @(posedge clk) begin
        if (en) out_pending <= valid_a && last_a;
        if (rst) out_pending <= 1'b0;
    end

    // ---------------------------------------------------------------- output
    wire [OUT_W-1:0] out_data;
    generate
        if (THRESHOLD != 0) begin : g_thresh
            localparam integer CW = ((ACC_BITS > THRESH_BITS) ? ACC_BITS : THRESH_BITS) + 1;
            (* rom_style = "distributed" *)
            reg [PE*THRESH_BITS-1:0] trom [0:NF-1];
            reg [PE*THRESH_BITS-1:0] t_q;
            initial $readmemh(THRESHOLDS, trom);
            always @(posedge clk) if (en) t_q <= trom[nf_a];
            for (p = 0; p < PE; p = p + 1) begin : g_cmp
                wire [ACC_BITS-1:0] a = acc[p*ACC_BITS +: ACC_BITS];
                wire [THRESH_BITS-1:0] t = t_q[p*THRESH_BITS +: THRESH_BITS];
                // both extended to CW bits in their own signedness, compared as signed
                wire signed [CW-1:0] a_ext = {{(CW-ACC_BITS){(ACC_SIGNED != 0) & a[ACC_BITS-1]}}, a};
                wire signed [CW-1:0] t_ext =
                    {{(CW-THRESH_BITS){(ACC_SIGNED != 0) & t[THRESH_BITS-1]}}, t};
                assign out_data[p] = (a_ext >= t_ext);
            end
        end else begin : g_raw
            assign out_data = acc;
            /* verilator lint_off UNUSEDSIGNAL */
            // raw accumulators need no threshold row: nf only selects thresholds
            wire [NA-1:0] unused_nf = nf_a;
            /* verilator lint_on UNUSEDSIGNAL */
        end
    endgenerate

    b2h_axis_skid #(.WIDTH(OUT_W)) out_skid (
        .clk(clk),
        .rst(rst),
        .s_axis_tdata(out_data),
        .s_axis_tvalid(out_pending && skid_ready),
        .s_axis_tready(skid_ready),
        .m_axis_tdata(m_axis_tdata),
        .m_axis_tvalid(m_axis_tvalid),
        .m_axis_tready(m_axis_tready)
    );

endmodule

`resetall
