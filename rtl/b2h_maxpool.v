// SPDX-License-Identifier: Apache-2.0
/*
 * bnn2hw: binary max-pool, the Verilog twin of hls/bnn2hw/maxpool.hpp.
 *
 * OR of the bits in each pooling window (max over {-1,+1}), or AND (min) for the channels whose
 * AND_MASK bit is 1 (a pool that sat before a decreasing activation). Padded positions are
 * neutral: 0 for OR channels, 1 for AND channels.
 * Input, per frame: IFM_H*IFM_W*(C/PE) beats of PE bits, NHWC: beat (y*IFM_W + x)*(C/PE) + cf,
 * bit pe is channel cf*PE + pe (1 means +1). Output, per frame: OFM_H*OFM_W*(C/PE) beats in the
 * same layout.
 *
 * Two stages, as in HLS: b2h_swg (EW = 1, SIMD = PE) lays out each window as KH*KW*(C/PE) beats,
 * and b2h_pool_reduce combines them, replacing out-of-image positions by the neutral bit (so the
 * generator's PAD does not matter). Both run at one beat per cycle; the output is registered.
 */
`resetall
`timescale 1ns / 1ps
`default_nettype none

module b2h_maxpool #(
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

    /* AXI Stream input: IFM_H*IFM_W*(C/PE) beats per frame */
    input  wire [PE-1:0] s_axis_tdata,
    input  wire          s_axis_tvalid,
    output wire          s_axis_tready,

    /* AXI Stream output: OFM_H*OFM_W*(C/PE) beats per frame */
    output wire [PE-1:0] m_axis_tdata,
    output wire          m_axis_tvalid,
    input  wire          m_axis_tready
);

    wire [PE-1:0] win_tdata;
    wire          win_tvalid;
    wire          win_tready;

    b2h_swg #(
        .IFM_H(IFM_H), .IFM_W(IFM_W), .C(C), .SIMD(PE), .EW(1),
        .KH(KH), .KW(KW), .SH(SH), .SW(SW), .PT(PT), .PL(PL), .PB(PB), .PR(PR),
        .OFM_H(OFM_H), .OFM_W(OFM_W),
        .PAD(1'b0)  // replaced by the neutral bit in b2h_pool_reduce
    ) windows (
        .clk(clk),
        .rst(rst),
        .s_axis_tdata(s_axis_tdata),
        .s_axis_tvalid(s_axis_tvalid),
        .s_axis_tready(s_axis_tready),
        .m_axis_tdata(win_tdata),
        .m_axis_tvalid(win_tvalid),
        .m_axis_tready(win_tready)
    );

    b2h_pool_reduce #(
        .IFM_H(IFM_H), .IFM_W(IFM_W), .C(C), .PE(PE),
        .KH(KH), .KW(KW), .SH(SH), .SW(SW), .PT(PT), .PL(PL), .PB(PB), .PR(PR),
        .OFM_H(OFM_H), .OFM_W(OFM_W),
        .AND_MASK(AND_MASK)
    ) reduce (
        .clk(clk),
        .rst(rst),
        .s_axis_tdata(win_tdata),
        .s_axis_tvalid(win_tvalid),
        .s_axis_tready(win_tready),
        .m_axis_tdata(m_axis_tdata),
        .m_axis_tvalid(m_axis_tvalid),
        .m_axis_tready(m_axis_tready)
    );

endmodule

`resetall
