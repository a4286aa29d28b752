// SPDX-License-Identifier: Apache-2.0
/*
 * bnn2hw test harness (simulation only): clock, reset, an AXI-Stream source and sink with seeded
 * random stalls, and the end-of-run detection. Python hands it whole files and reads whole logs,
 * so nothing in Python runs per clock cycle.
 *
 * Plusargs (all optional but b2h_in / b2h_out):
 *   +b2h_in=FILE          input beats, one hex word per line (hw/vectors format)
 *   +b2h_in_log=FILE      one line per input frame: "<cycle> <frame>" when its first beat is taken
 *   +b2h_out=FILE         output log: "<cycle> <hex beat>" per beat, "reset <cycle>" after a reset
 *   +b2h_in_frame=N       input beats per frame (for the frame log and the reset skip)
 *   +b2h_out_frame=N      output beats per frame (end of run: every sent frame came back)
 *   +b2h_seed=N           seed of the stall generators (xorshift32; 0 is replaced by 1)
 *   +b2h_gap=P            input gap chance, P in 256 per cycle (0: never, 256: always)
 *   +b2h_bp=P             output back-pressure chance, P in 256 per cycle
 *   +b2h_reset_at=C       assert reset again for 4 cycles at cycle C (mid-run reset test)
 *   +b2h_watchdog=N       give up after N cycles without an output beat (default 1000000)
 * Outputs for the cocotb test: done (run over), hung (ended by the watchdog), cycles.
 */
`resetall
`timescale 1ns / 1ps
`default_nettype none
// Simulation-only test code: blocking updates of file and counter state inside clocked blocks,
// integer plusargs compared with vectors.
/* verilator lint_off BLKSEQ */
/* verilator lint_off WIDTHEXPAND */
/* verilator lint_off WIDTHTRUNC */

module b2h_tb_harness #(
    parameter integer IN_WIDTH = 8,
    parameter integer OUT_WIDTH = 8
) (
    output reg                  clk,
    output reg                  rst,
    output wire [IN_WIDTH-1:0]  m_axis_tdata,
    output wire                 m_axis_tvalid,
    input  wire                 m_axis_tready,
    input  wire [OUT_WIDTH-1:0] s_axis_tdata,
    input  wire                 s_axis_tvalid,
    output wire                 s_axis_tready,
    output reg                  done,
    output reg                  hung,
    output reg  [63:0]          cycles
);

    integer reset_at;
    integer watchdog;
    integer idle;
    integer out_frame;
    wire src_done;
    wire [31:0] src_frames;
    wire [31:0] snk_beats;

    initial begin
        clk = 1'b0;
        rst = 1'b1;
        done = 1'b0;
        hung = 1'b0;
        cycles = 64'd0;
        idle = 0;
        if (!$value$plusargs("b2h_reset_at=%d", reset_at)) reset_at = -1;
        if (!$value$plusargs("b2h_watchdog=%d", watchdog)) watchdog = 1000000;
        if (!$value$plusargs("b2h_out_frame=%d", out_frame)) out_frame = 1;
    end

    always #5 clk = ~clk;

    always @(posedge clk) begin
        cycles <= cycles + 64'd1;
        if (cycles == 64'd3) rst <= 1'b0;
        if (reset_at >= 0 && cycles == reset_at) rst <= 1'b1;
        if (reset_at >= 0 && cycles == reset_at + 4) rst <= 1'b0;
        if (!done) begin
            idle <= (s_axis_tvalid && s_axis_tready) ? 0 : idle + 1;
            if (!rst && src_done && snk_beats == src_frames * out_frame) done <= 1'b1;
            if (idle >= watchdog) begin
                done <= 1'b1;
                hung <= 1'b1;
            end
        end
    end

    b2h_tb_source #(.WIDTH(IN_WIDTH)) source (
        .clk(clk), .rst(rst), .cycles(cycles),
        .m_axis_tdata(m_axis_tdata), .m_axis_tvalid(m_axis_tvalid), .m_axis_tready(m_axis_tready),
        .done(src_done), .frames(src_frames)
    );

    b2h_tb_sink #(.WIDTH(OUT_WIDTH)) sink (
        .clk(clk), .rst(rst), .cycles(cycles), .finish(done),
        .s_axis_tdata(s_axis_tdata), .s_axis_tvalid(s_axis_tvalid), .s_axis_tready(s_axis_tready),
        .beats(snk_beats)
    );

endmodule

`resetall
