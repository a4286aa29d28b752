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
    localparam integer CW = $clog2(CMAX + 1) + 1;  // width of the walk's coordinates

    // The walk over the window beats, in the generator's output order, one step per beat taken.
    wire [CW-1:0] cf;
    wire          in_image;
    wire          first_of_window;
    wire          last_of_window;
    wire          take;

    b2h_window_walk #(
        .IFM_H(IFM_H), .IFM_W(IFM_W), .CF(CF), .KH(KH), .KW(KW), .SH(SH), .SW(SW),
        .PT(PT), .PL(PL), .OFM_H(OFM_H), .OFM_W(OFM_W), .CW(CW)
    ) walk (
        .clk(clk),
        .rst(rst),
        .step(take),
        /* verilator lint_off PINCONNECTEMPTY */
        // the reduction needs only the fold and where the beat sits in its window
        .yb(),
        .xb(),
        .wy0b(),
        /* verilator lint_on PINCONNECTEMPTY */
        .cf(cf),
        .in_image(in_image),
        .first_of_window(first_of_window),
        .last_of_window(last_of_window),
        /* verilator lint_off PINCONNECTEMPTY */
        .last_cf(),
        .last_kx(),
        .last_ky(),
        .last_ox(),
        .last_oy()
        /* verilator lint_on PINCONNECTEMPTY */
    );

    reg [PE-1:0] acc [0:CF-1];  // partial results of the current output pixel, per fold

    wire          sk_ready;  // the skid buffer takes a beat this cycle (a register)

    wire [PE-1:0] m = AND_MASK[cf * PE +: PE];  // AND_MASK bits of fold cf
    wire [PE-1:0] v = in_image ? s_axis_tdata : m;
    wire [PE-1:0] a = acc[cf[FW-1:0]];
    wire [PE-1:0] sum = first_of_window ? v : ((a & v & m) | ((a | v) & ~m));

    // only a window's last beat needs room at the output
    assign s_axis_tready = !last_of_window || sk_ready;
    assign take = s_axis_tvalid && s_axis_tready;

    always @(posedge clk) begin
        if (take && !last_of_window) acc[cf[FW-1:0]] <= sum;
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
