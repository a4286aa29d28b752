// SPDX-License-Identifier: Apache-2.0
/*
 * bnn2hw: the walk over every window beat of a frame, shared by the sliding-window generator
 * (b2h_swg, which emits the beats) and the pool reduction (b2h_pool_reduce, which consumes them),
 * the Verilog twin of detail::WindowCursor in hls/bnn2hw/swg.hpp.
 *
 * Order: output row oy, output column ox, window row ky, window column kx, channel fold cf
 * (innermost); one beat per `step`, wrapping to the next frame after the last beat.
 * Coordinates are kept offset by the pads so they are never negative: the current beat is image
 * row yb - PT and column xb - PL; wy0b = oy*SH is the current output row's first window row
 * (+ PT). The last_* flags say which counters wrap on the next step (a parent that keeps state
 * of its own per level, like b2h_swg's line-buffer addresses, advances it on the same flags).
 * All outputs are functions of registers only; synchronous reset returns to the frame's start.
 */
`resetall
`timescale 1ns / 1ps
`default_nettype none

module b2h_window_walk #(
    parameter integer IFM_H = 4,   // input image rows
    parameter integer IFM_W = 4,   // input image columns
    parameter integer CF = 1,      // channel folds per pixel
    parameter integer KH = 3,      // window rows
    parameter integer KW = 3,      // window columns
    parameter integer SH = 1,      // stride rows
    parameter integer SW = 1,      // stride columns
    parameter integer PT = 1,      // pad top
    parameter integer PL = 1,      // pad left
    parameter integer OFM_H = 4,   // output rows
    parameter integer OFM_W = 4,   // output columns
    parameter integer CW = 16      // width of the coordinates (the parent's; holds every sum)
) (
    input  wire          clk,
    input  wire          rst,       // synchronous, active high
    input  wire          step,      // advance to the next window beat
    output wire [CW-1:0] yb,        // image row of the current beat + PT
    output wire [CW-1:0] xb,        // image column of the current beat + PL
    output wire [CW-1:0] wy0b,      // first window row of the current output row + PT
    output wire [CW-1:0] cf,        // channel fold of the current beat
    output wire          in_image,  // the current beat is an image pixel (else padding)
    output wire          first_of_window,
    output wire          last_of_window,
    output wire          last_cf,   // on the next step: cf wraps
    output wire          last_kx,   //   kx wraps
    output wire          last_ky,   //   ky wraps
    output wire          last_ox,   //   ox wraps (next output row)
    output wire          last_oy    //   oy wraps (next frame), given last_ox
);

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

    reg [CW-1:0] wy0b_reg;  // oy*SH
    reg [CW-1:0] ox_reg;
    reg [CW-1:0] wx0b_reg;  // ox*SW
    reg [CW-1:0] ky_reg;
    reg [CW-1:0] kx_reg;
    reg [CW-1:0] cf_reg;

    assign yb = wy0b_reg + ky_reg;
    assign xb = wx0b_reg + kx_reg;
    assign wy0b = wy0b_reg;
    assign cf = cf_reg;
    // yb - PT < IFM_H tests PT <= yb < PT + IFM_H at once (below PT the difference wraps far up)
    assign in_image = yb - K_PT < K_IFM_H && xb - K_PL < K_IFM_W;
    assign last_cf = cf_reg == K_CF_M1;
    assign last_kx = kx_reg == K_KW_M1;
    assign last_ky = ky_reg == K_KH_M1;
    assign last_ox = ox_reg == K_OFM_W_M1;
    assign last_oy = wy0b_reg == K_WY0B_LAST;
    assign first_of_window = ky_reg == {CW{1'b0}} && kx_reg == {CW{1'b0}};
    assign last_of_window = last_ky && last_kx;

    always @(posedge clk) begin
        if (step) begin
            if (!last_cf) begin
                cf_reg <= cf_reg + 1'b1;
            end else begin
                cf_reg <= {CW{1'b0}};
                if (!last_kx) begin
                    kx_reg <= kx_reg + 1'b1;
                end else begin
                    kx_reg <= {CW{1'b0}};
                    if (!last_ky) begin
                        ky_reg <= ky_reg + 1'b1;
                    end else begin
                        ky_reg <= {CW{1'b0}};
                        if (!last_ox) begin
                            ox_reg <= ox_reg + 1'b1;
                            wx0b_reg <= wx0b_reg + K_SW;
                        end else begin
                            ox_reg <= {CW{1'b0}};
                            wx0b_reg <= {CW{1'b0}};
                            wy0b_reg <= last_oy ? {CW{1'b0}} : wy0b_reg + K_SH;
                        end
                    end
                end
            end
        end
        if (rst) begin
            wy0b_reg <= {CW{1'b0}};
            ox_reg <= {CW{1'b0}};
            wx0b_reg <= {CW{1'b0}};
            ky_reg <= {CW{1'b0}};
            kx_reg <= {CW{1'b0}};
            cf_reg <= {CW{1'b0}};
        end
    end

endmodule

`resetall
