// SPDX-License-Identifier: Apache-2.0
/*
 * bnn2hw: binary max-pool reduction, the Verilog twin of detail::pool_reduce in
 * hls/bnn2hw/maxpool.hpp. Second stage of b2h_maxpool, after the sliding-window generator.
 *
 * Input, per frame: the window beats of b2h_swg (EW = 1, SIMD = PE): for each output pixel
 * (oy, ox), each (ky, kx), each channel fold cf (CF = C/PE), one beat of PE bits. Output, per
 * frame: OFM_H*OFM_W*CF beats, NHWC: per bit, the OR over the window (max over {-1,+1}), or the
 * AND (min) for the channels whose AND_MASK bit is 1 (bit c of AND_MASK is channel c). Window
 * positions outside the image count as the neutral bit, which is the mask bit (0 for OR, 1 for
 * AND), so the generator's padding value does not matter.
 *
 * Schedule: one input beat per cycle. The walk over the window beats (order oy, ox, ky, kx, cf,
 * the generator's output order) tells whether the beat is in the image and whether it is the
 * first or last of its window; the CF partial results of the current output pixel live in
 * acc[cf]. The last beat of a window goes straight to the output skid buffer (so the input is
 * only stalled on a window's last beat, when the skid buffer is full).
 * Invariants: m_axis_tvalid/tdata are registers (b2h_axis_skid); s_axis_tready depends on state
 * registers only; synchronous reset returns to the start of a frame.
 */
`resetall
`timescale 1ns / 1ps
`default_nettype none

module b2h_pool_reduce #(
    parameter integer IFM_H = 4,     // input image rows
    parameter integer IFM_W = 4,     // input image columns
    parameter integer C = 2,         // channels
    parameter integer PE = 1,        // channels per beat (divides C)
    parameter integer KH = 2,        // pool window rows
    parameter integer KW = 2,        // pool window columns
    parameter integer SH = 2,        // stride rows
    parameter integer SW = 2,        // stride columns
    parameter integer PT = 0,        // pad top
    parameter integer PL = 0,        // pad left
    parameter integer PB = 0,        // pad bottom
    parameter integer PR = 0,        // pad right
    parameter integer OFM_H = (IFM_H + PT + PB - KH) / SH + 1,  // output rows
    parameter integer OFM_W = (IFM_W + PL + PR - KW) / SW + 1,  // output columns
    parameter [C-1:0] AND_MASK = {C{1'b0}}  // bit c = 1: channel c is reduced by AND (min)
) (
    input  wire          clk,
    input  wire          rst,  // synchronous, active high

    /* AXI Stream input: OFM_H*OFM_W*KH*KW*(C/PE) window beats per frame */
    input  wire [PE-1:0] s_axis_tdata,
    input  wire          s_axis_tvalid,
    output wire          s_axis_tready,

    /* AXI Stream output: OFM_H*OFM_W*(C/PE) pooled beats per frame */
    output wire [PE-1:0] m_axis_tdata,
    output wire          m_axis_tvalid,
    input  wire          m_axis_tready
);

    localparam integer CF = C / PE;                       // channel folds per pixel
    localparam integer FW = (CF > 1) ? $clog2(CF) : 1;    // bits of a fold index
    localparam integer CMAX = (IFM_H + PT + PB + KH + SH) + (IFM_W + PL + PR + KW + SW) + CF;
    localparam integer CW = $clog2(CMAX + 1) + 1;  // width of the walk's counters

    /* an integer constant at width CW (every constant below fits) */
    // Waiver: the function keeps only the low CW bits of its 32-bit argument, by design.
    /* verilator lint_off UNUSEDSIGNAL */
    function [CW-1:0] cw;
        input integer v;
        begin
            cw = v[CW-1:0];
        end
    endfunction
    /* verilator lint_on UNUSEDSIGNAL */

    localparam [CW-1:0] K_CF_M1 = cw(CF - 1);
    localparam [CW-1:0] K_KW_M1 = cw(KW - 1);
    localparam [CW-1:0] K_KH_M1 = cw(KH - 1);
    localparam [CW-1:0] K_OFM_W_M1 = cw(OFM_W - 1);
    localparam [CW-1:0] K_WY0B_LAST = cw((OFM_H - 1) * SH);  // wy0b of the last output row
    localparam [CW-1:0] K_SW = cw(SW);
    localparam [CW-1:0] K_SH = cw(SH);
    localparam [CW-1:0] K_PT = cw(PT);
    localparam [CW-1:0] K_PL = cw(PL);
    localparam [CW-1:0] K_IFM_H = cw(IFM_H);
    localparam [CW-1:0] K_IFM_W = cw(IFM_W);

    // The window walk: output row wy0b = oy*SH, window column wx0b = ox*SW (both offset by the
    // pads: image row wy0b - PT + ky, column wx0b - PL + kx), window element (ky, kx), fold cf.
    reg [CW-1:0] wy0b_reg;
    reg [CW-1:0] wx0b_reg;
    reg [CW-1:0] ox_reg;
    reg [CW-1:0] ky_reg;
    reg [CW-1:0] kx_reg;
    reg [CW-1:0] cf_reg;
    reg [PE-1:0] acc [0:CF-1];  // partial results of the current output pixel, per fold

    wire          sk_ready;  // the skid buffer takes a beat this cycle (a register)

    wire [CW-1:0] yb = wy0b_reg + ky_reg;
    wire [CW-1:0] xb = wx0b_reg + kx_reg;
    // yb - PT < IFM_H tests PT <= yb < PT + IFM_H at once (below PT the difference wraps far up)
    wire          in_image = yb - K_PT < K_IFM_H && xb - K_PL < K_IFM_W;
    wire          w_last_cf = cf_reg == K_CF_M1;
    wire          w_last_kx = kx_reg == K_KW_M1;
    wire          w_last_ky = ky_reg == K_KH_M1;
    wire          w_last_ox = ox_reg == K_OFM_W_M1;
    wire          w_last_oy = wy0b_reg == K_WY0B_LAST;
    wire          first_of_window = ky_reg == {CW{1'b0}} && kx_reg == {CW{1'b0}};
    wire          last_of_window = w_last_ky && w_last_kx;

    wire [PE-1:0] m = AND_MASK[cf_reg * PE +: PE];  // AND_MASK bits of fold cf
    wire [PE-1:0] v = in_image ? s_axis_tdata : m;
    wire [PE-1:0] a = acc[cf_reg[FW-1:0]];
    wire [PE-1:0] sum = first_of_window ? v : ((a & v & m) | ((a | v) & ~m));

    // only a window's last beat needs room at the output
    assign s_axis_tready = !last_of_window || sk_ready;
    wire          take = s_axis_tvalid && s_axis_tready;

    always @(posedge clk) begin
        if (take && !last_of_window) acc[cf_reg[FW-1:0]] <= sum;
    end

    // The walk, advanced on every beat taken.
    always @(posedge clk) begin
        if (take) begin
            if (!w_last_cf) begin
                cf_reg <= cf_reg + 1'b1;
            end else begin
                cf_reg <= {CW{1'b0}};
                if (!w_last_kx) begin
                    kx_reg <= kx_reg + 1'b1;
                end else begin
                    kx_reg <= {CW{1'b0}};
                    if (!w_last_ky) begin
                        ky_reg <= ky_reg + 1'b1;
                    end else begin
                        ky_reg <= {CW{1'b0}};
                        if (!w_last_ox) begin
                            ox_reg <= ox_reg + 1'b1;
                            wx0b_reg <= wx0b_reg + K_SW;
                        end else begin
                            ox_reg <= {CW{1'b0}};
                            wx0b_reg <= {CW{1'b0}};
                            wy0b_reg <= w_last_oy ? {CW{1'b0}} : wy0b_reg + K_SH;
                        end
                    end
                end
            end
        end
        if (rst) begin
            wy0b_reg <= {CW{1'b0}};
            wx0b_reg <= {CW{1'b0}};
            ox_reg <= {CW{1'b0}};
            ky_reg <= {CW{1'b0}};
            kx_reg <= {CW{1'b0}};
            cf_reg <= {CW{1'b0}};
        end
    end

    b2h_axis_skid #(.WIDTH(PE)) out_skid (
        .clk(clk),
        .rst(rst),
        .s_axis_tdata(sum),
        .s_axis_tvalid(s_axis_tvalid && last_of_window),
        .s_axis_tready(sk_ready),
        .m_axis_tdata(m_axis_tdata),
        .m_axis_tvalid(m_axis_tvalid),
        .m_axis_tready(m_axis_tready)
    );

endmodule

`resetall
