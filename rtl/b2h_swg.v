// SPDX-License-Identifier: Apache-2.0
/*
 * bnn2hw: sliding-window generator (SWG), the Verilog twin of hls/bnn2hw/swg.hpp.
 *
 * Turns a stream of NHWC pixels into the convolution window vectors an MVAU consumes.
 * Input, per frame: IFM_H*IFM_W*CF beats (CF = C/SIMD channel folds), beat (y*IFM_W + x)*CF + cf
 * holds channels cf*SIMD + j in bits [j*EW +: EW]; every beat is consumed, including rows and
 * columns no window reaches. Output, per frame: for each output pixel (oy, ox), each (ky, kx),
 * each channel fold cf, one beat: input pixel (oy*SH - PT + ky, ox*SW - PL + kx), channels
 * cf*SIMD .. cf*SIMD + SIMD - 1, or PAD in every element when that pixel is outside the image.
 * That is bnn2hw.golden.windows.conv_vectors, beat by beat. Frames follow back to back.
 *
 * Line buffer: R = min(KH + SH, IFM_H) rows of ROW = IFM_W*CF beats in one simple dual-port
 * memory (one write port for the input, one synchronous read port for the output), so Vivado and
 * Yosys map it to block or distributed RAM. Rows are stored circularly across frames: the input
 * beat number n (counted over all frames) goes to address n mod (R*ROW), so frame f's row y sits
 * in slot (base_f + y) mod R with base_{f+1} = base_f + IFM_H (mod R).
 *
 * Schedule (the HLS loop's, one cycle per iteration): in every cycle the read side takes one input
 * beat if the slot it overwrites is no longer needed, and the write side issues one output beat
 * if the pixel it needs was written in an earlier cycle (or is padding) and the output pipeline
 * has room; both may happen in the same cycle. The two sides are up to one frame apart: d (the
 * read side's frame minus the write side's frame) is -1, 0, 1 or 2.
 *   d = 0   same frame (as in the HLS loop). Output needs (y, pos) read already: y < rr or
 *           (y == rr and pos < rpos). Reading row rr overwrites row rr - R, free once it lies above
 *           the current output row's first window row wy0 = oy*SH - PT: rr < R or rr - R < wy0.
 *           Padding is emitted once the frame's first input beat has been taken, so the core
 *           never emits a frame it has not begun to receive.
 *   d = 1   the read side has moved on to the next frame while the last output rows are emitted:
 *           every pixel the output needs has arrived; next-frame row rr overwrites this frame's row
 *           IFM_H + rr - R, free once IFM_H + rr - R < wy0.
 *   d = 2   the read side has read the whole next frame too: it waits.
 *   d = -1  the output has finished a frame whose bottom rows no window reaches: it waits for the
 *           read side to take them and the next frame's first beat; the read side needs nothing.
 * No address is ever read and written in the same cycle, and with R >= KH (or R == IFM_H) one
 * side always proceeds (d >= 1: the write side; d <= -1: the read side; d = 0: the HLS argument).
 * Reading the next frame during the last output rows hides the line buffer's fill at frame start:
 * without stalls a frame takes max(input beats, output beats) cycles in the steady state, plus a
 * few idle output cycles when the next frame's first windows need more rows (KH - PT) than could
 * be read ahead (e.g. 5 per frame for 8x8x2, 3x3, no padding, SIMD = 1), and one when
 * R == IFM_H (no spare row: the next frame's first beat is read after the last window's).
 *
 * Output pipeline: issue (address, pad flag) -> memory read register (stage 1) -> b2h_axis_skid.
 * A beat is issued only if stage 1 is empty or passes its beat on in the same cycle, and the
 * memory read register is only loaded on issue, so it holds its beat while stalled.
 * Coordinates are kept offset by the pads (yb = y + PT, xb = x + PL) so they are never negative.
 * Invariants: m_axis_tvalid/tdata are registers (b2h_axis_skid); s_axis_tready depends on state
 * registers only; synchronous reset returns to the start of a frame with an empty line buffer.
 */
`resetall
`timescale 1ns / 1ps
`default_nettype none

module b2h_swg #(
    parameter integer IFM_H = 4,     // input image rows
    parameter integer IFM_W = 4,     // input image columns
    parameter integer C = 2,         // channels
    parameter integer SIMD = 1,      // channels per beat (divides C)
    parameter integer EW = 1,        // bits per element
    parameter integer KH = 3,        // kernel rows
    parameter integer KW = 3,        // kernel columns
    parameter integer SH = 1,        // stride rows
    parameter integer SW = 1,        // stride columns
    parameter integer PT = 1,        // pad top
    parameter integer PL = 1,        // pad left
    parameter integer PB = 1,        // pad bottom
    parameter integer PR = 1,        // pad right
    parameter integer OFM_H = (IFM_H + PT + PB - KH) / SH + 1,  // output rows
    parameter integer OFM_W = (IFM_W + PL + PR - KW) / SW + 1,  // output columns
    parameter [EW-1:0] PAD = {EW{1'b0}}  // element written at out-of-image positions
) (
    input  wire                 clk,
    input  wire                 rst,  // synchronous, active high

    /* AXI Stream input: IFM_H*IFM_W*(C/SIMD) pixel beats per frame */
    input  wire [SIMD*EW-1:0]   s_axis_tdata,
    input  wire                 s_axis_tvalid,
    output wire                 s_axis_tready,

    /* AXI Stream output: OFM_H*OFM_W*KH*KW*(C/SIMD) window beats per frame */
    output wire [SIMD*EW-1:0]   m_axis_tdata,
    output wire                 m_axis_tvalid,
    input  wire                 m_axis_tready
);

    localparam integer DW = SIMD * EW;
    localparam integer CF = C / SIMD;                             // channel folds per pixel
    localparam integer ROW = IFM_W * CF;                          // beats per input row
    localparam integer R = (KH + SH < IFM_H) ? KH + SH : IFM_H;   // line buffer rows
    localparam integer DEPTH = R * ROW;                           // line buffer beats
    localparam integer AW = (DEPTH > 1) ? $clog2(DEPTH) : 1;      // line buffer address bits

    // One width for all coordinates, positions and addresses; large enough for every sum below.
    localparam integer CMAX = DEPTH + (IFM_W + PL + PR + KW + SW) * CF
                            + 2 * (IFM_H + PT + PB + KH + SH + R);
    localparam integer CW = $clog2(CMAX + 1) + 1;

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

    localparam [CW-1:0] K_SWCF = cw(SW * CF);
    localparam [CW-1:0] K_PT = cw(PT);
    localparam [CW-1:0] K_PLCF = cw(PL * CF);               // rposb of a row's first beat
    localparam [CW-1:0] K_RRB_LAST = cw(PT + IFM_H - 1);     // rrb of the frame's last row
    localparam [CW-1:0] K_RPOSB_LAST = cw(PL * CF + ROW - 1); // rposb of a row's last beat
    localparam [CW-1:0] K_R = cw(R);
    localparam [CW-1:0] K_RPT = cw(R + PT);
    localparam [CW-1:0] K_IFM_H = cw(IFM_H);
    localparam [CW-1:0] K_ROW = cw(ROW);
    localparam [CW-1:0] K_DEPTH = cw(DEPTH);
    localparam [CW-1:0] K_DEPTH_M1 = cw(DEPTH - 1);
    localparam [CW-1:0] K_ADDR0 = cw((R - PT % R) % R * ROW);  // slot of frame 0's row -PT
    localparam [CW-1:0] K_ROW_STEP = cw(SH % R * ROW);          // address step per output row
    localparam [CW-1:0] K_FRAME_STEP = cw(IFM_H % R * ROW);     // address step per frame

    // Frame distance d (read side's frame minus write side's frame), stored as d + 1.
    localparam [1:0] D_M1 = 2'd0, D_0 = 2'd1, D_1 = 2'd2, D_2 = 2'd3;

    /* (a + b) mod DEPTH for a, b < DEPTH: the next slot address in the circular line buffer */
    function [CW-1:0] addr_add;
        input [CW-1:0] a;
        input [CW-1:0] b;
        begin
            addr_add = (a + b >= K_DEPTH) ? a + b - K_DEPTH : a + b;
        end
    endfunction

    /* SIMD copies of the PAD element */
    localparam [DW-1:0] PAD_BEAT = {SIMD{PAD}};

    // ---------------------------------------------------------------------------------------
    // State
    reg [DW-1:0] mem [0:DEPTH-1];  // the line buffer
    reg [1:0]    d_reg;

    // Read side: next input beat is row rrb - PT, position rposb - PL*CF, address raddr.
    reg [CW-1:0] rrb_reg;
    reg [CW-1:0] rposb_reg;
    reg [CW-1:0] raddr_reg;

    // Write side (the window walk): output row wy0b = oy*SH, column ox (wx0b = ox*SW), window
    // element (ky, kx), channel fold cf; wposb = (wx0b + kx)*CF + cf (at kx = cf = 0: wpos0b).
    // Addresses of slots: frame_addr for row -PT of the write side's frame, row0_addr for row
    // wy0b - PT, row_addr for row wy0b - PT + ky.
    // The walk itself (counters, image test, wrap flags) is b2h_window_walk; the slot addresses
    // and positions below advance on its flags.
    wire [CW-1:0] yb;         // y + PT of the next output beat
    wire [CW-1:0] wy0b;
    wire          in_image;
    wire          w_last_cf;
    wire          w_last_kx;
    wire          w_last_ky;
    wire          w_last_ox;
    wire          w_last_oy;
    reg [CW-1:0] wpos0b_reg;
    reg [CW-1:0] wposb_reg;
    reg [CW-1:0] frame_addr_reg;
    reg [CW-1:0] row0_addr_reg;
    reg [CW-1:0] row_addr_reg;

    // Stage 1: the memory read register and what it holds.
    reg [DW-1:0] rd_data_reg;
    reg          s1_valid_reg;
    reg          s1_pad_reg;

    wire         sk_ready;  // the skid buffer takes a beat this cycle (a register)

    // ---------------------------------------------------------------------------------------
    // Conditions of this cycle (from registers only)
    wire          arrived = yb < rrb_reg || (yb == rrb_reg && wposb_reg < rposb_reg);  // if in_image
    wire          started = rrb_reg != K_PT || rposb_reg != K_PLCF;  // frame's first beat taken
    wire          can_write = (d_reg == D_1 || d_reg == D_2)
                           || (d_reg == D_0 && (in_image ? arrived : started));
    wire [CW-1:0] wlim = wy0b + K_R;    // (wy0 + R) + PT: rows below it are free
    wire          can_read = (d_reg == D_M1)
                          || (d_reg == D_0 && (rrb_reg < K_RPT || rrb_reg < wlim))
                          || (d_reg == D_1 && rrb_reg + K_IFM_H < wlim);

    wire          issue = can_write && (!s1_valid_reg || sk_ready);
    wire          take = s_axis_tvalid && can_read;

    // Where the walk ends: the frame's last window beat.
    wire          w_frame_end = issue && w_last_cf && w_last_kx && w_last_ky && w_last_ox
                             && w_last_oy;
    wire          r_row_end = rposb_reg == K_RPOSB_LAST;
    wire          r_frame_end = take && r_row_end && rrb_reg == K_RRB_LAST;

    // Line buffer address of the output beat when in the image: the slot's first address plus
    // x*CF + cf (below DEPTH, so the sum modulo 2^AW is exact).
    wire [AW-1:0] waddr = row_addr_reg[AW-1:0] + wposb_reg[AW-1:0] - K_PLCF[AW-1:0];

    assign s_axis_tready = can_read;

    // ---------------------------------------------------------------------------------------
    // Line buffer: write port (input) and synchronous read port (output), never the same address
    // in the same cycle.
    always @(posedge clk) begin
        if (take) mem[raddr_reg[AW-1:0]] <= s_axis_tdata;
        if (issue && in_image) rd_data_reg <= mem[waddr];
    end

    // ---------------------------------------------------------------------------------------
    // Read side
    always @(posedge clk) begin
        if (take) begin
            raddr_reg <= (raddr_reg == K_DEPTH_M1) ? {CW{1'b0}} : raddr_reg + 1'b1;
            if (r_row_end) begin
                rposb_reg <= K_PLCF;
                rrb_reg <= (rrb_reg == K_RRB_LAST) ? K_PT : rrb_reg + 1'b1;
            end else begin
                rposb_reg <= rposb_reg + 1'b1;
            end
        end
        if (rst) begin
            raddr_reg <= {CW{1'b0}};
            rposb_reg <= K_PLCF;
            rrb_reg <= K_PT;
        end
    end

    // Frame distance
    always @(posedge clk) begin
        if (r_frame_end && !w_frame_end) d_reg <= d_reg + 2'd1;
        if (w_frame_end && !r_frame_end) d_reg <= d_reg - 2'd1;
        if (rst) d_reg <= D_0;
    end

    // ---------------------------------------------------------------------------------------
    // Write side: the window walk (order oy, ox, ky, kx, cf), advanced on every issued beat, and
    // the positions and slot addresses that follow it.
    b2h_window_walk #(
        .IFM_H(IFM_H), .IFM_W(IFM_W), .CF(CF), .KH(KH), .KW(KW), .SH(SH), .SW(SW),
        .PT(PT), .PL(PL), .OFM_H(OFM_H), .OFM_W(OFM_W), .CW(CW)
    ) walk (
        .clk(clk),
        .rst(rst),
        .step(issue),
        .yb(yb),
        /* verilator lint_off PINCONNECTEMPTY */
        // positions in the row come from wposb (line-buffer order), folds are not needed
        .xb(),
        .wy0b(wy0b),
        .cf(),
        /* verilator lint_on PINCONNECTEMPTY */
        .in_image(in_image),
        /* verilator lint_off PINCONNECTEMPTY */
        .first_of_window(),
        .last_of_window(),
        /* verilator lint_on PINCONNECTEMPTY */
        .last_cf(w_last_cf),
        .last_kx(w_last_kx),
        .last_ky(w_last_ky),
        .last_ox(w_last_ox),
        .last_oy(w_last_oy)
    );

    always @(posedge clk) begin
        if (issue) begin
            if (!(w_last_cf && w_last_kx)) begin
                // next fold, or next column ((x + 1)*CF + 0 follows x*CF + CF - 1)
                wposb_reg <= wposb_reg + 1'b1;
            end else if (!w_last_ky) begin
                // next window row: same columns, next slot
                wposb_reg <= wpos0b_reg;
                row_addr_reg <= addr_add(row_addr_reg, K_ROW);
            end else if (!w_last_ox) begin
                // next window of the output row
                wpos0b_reg <= wpos0b_reg + K_SWCF;
                wposb_reg <= wpos0b_reg + K_SWCF;
                row_addr_reg <= row0_addr_reg;
            end else begin
                wpos0b_reg <= {CW{1'b0}};
                wposb_reg <= {CW{1'b0}};
                if (!w_last_oy) begin
                    // next output row: SH rows down
                    row0_addr_reg <= addr_add(row0_addr_reg, K_ROW_STEP);
                    row_addr_reg <= addr_add(row0_addr_reg, K_ROW_STEP);
                end else begin
                    // next frame: its row -PT sits IFM_H rows on
                    frame_addr_reg <= addr_add(frame_addr_reg, K_FRAME_STEP);
                    row0_addr_reg <= addr_add(frame_addr_reg, K_FRAME_STEP);
                    row_addr_reg <= addr_add(frame_addr_reg, K_FRAME_STEP);
                end
            end
        end
        if (rst) begin
            wpos0b_reg <= {CW{1'b0}};
            wposb_reg <= {CW{1'b0}};
            frame_addr_reg <= K_ADDR0;
            row0_addr_reg <= K_ADDR0;
            row_addr_reg <= K_ADDR0;
        end
    end

    // ---------------------------------------------------------------------------------------
    // Stage 1 -> skid buffer
    always @(posedge clk) begin
        if (issue) begin
            s1_valid_reg <= 1'b1;
            s1_pad_reg <= !in_image;
        end else if (sk_ready) begin
            s1_valid_reg <= 1'b0;
        end
        if (rst) s1_valid_reg <= 1'b0;
    end

    b2h_axis_skid #(.WIDTH(DW)) out_skid (
        .clk(clk),
        .rst(rst),
        .s_axis_tdata(s1_pad_reg ? PAD_BEAT : rd_data_reg),
        .s_axis_tvalid(s1_valid_reg),
        .s_axis_tready(sk_ready),
        .m_axis_tdata(m_axis_tdata),
        .m_axis_tvalid(m_axis_tvalid),
        .m_axis_tready(m_axis_tready)
    );

endmodule

`resetall
