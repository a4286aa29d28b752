// SPDX-License-Identifier: Apache-2.0
/*
 * bnn2hw test harness: AXI-Stream source reading hex beats from +b2h_in=FILE (simulation only).
 * A new beat is offered unless the seeded generator picks a gap (+b2h_gap=P in 256); once offered,
 * a beat stays until taken (AXI-Stream rule). A reset after the first one drops the rest of the
 * frame in flight, so the next frame starts cleanly.
 */
`resetall
`timescale 1ns / 1ps
`default_nettype none
// Simulation-only test code: blocking updates of file and counter state inside clocked blocks,
// integer plusargs compared with vectors.
/* verilator lint_off BLKSEQ */
/* verilator lint_off WIDTHEXPAND */
/* verilator lint_off WIDTHTRUNC */

module b2h_tb_source #(
    parameter integer WIDTH = 8
) (
    input  wire             clk,
    input  wire             rst,
    input  wire [63:0]      cycles,
    output reg  [WIDTH-1:0] m_axis_tdata,
    output reg              m_axis_tvalid,
    input  wire             m_axis_tready,
    output reg              done,    // every beat of the file has been taken
    output reg  [31:0]      frames   // frames started since the last reset
);
`include "b2h_tb_rng.vh"

    reg [8*1024-1:0] path;
    integer fd;
    integer log_fd;
    integer frame_beats;
    integer gap;
    integer seed;
    integer pos;       // beats of the current frame taken so far
    integer frame;     // index of the current frame in the file
    integer code;
    integer k;
    reg [31:0] rng;
    reg have;          // next_beat holds a beat not yet offered
    reg [WIDTH-1:0] next_beat;
    reg started;

    task fetch;
        begin
            code = $fscanf(fd, "%h\n", next_beat);
            have = (code == 1);
        end
    endtask

    initial begin
        m_axis_tdata = {WIDTH{1'b0}};
        m_axis_tvalid = 1'b0;
        done = 1'b0;
        frames = 32'd0;
        pos = 0;
        frame = 0;
        started = 1'b0;
        if (!$value$plusargs("b2h_in=%s", path)) begin
            $display("b2h_tb_source: +b2h_in=FILE missing");
            $finish;
        end
        fd = $fopen(path, "r");
        if (fd == 0) begin
            $display("b2h_tb_source: cannot open %0s", path);
            $finish;
        end
        log_fd = 0;
        if ($value$plusargs("b2h_in_log=%s", path)) log_fd = $fopen(path, "w");
        if (!$value$plusargs("b2h_in_frame=%d", frame_beats)) frame_beats = 1;
        if (!$value$plusargs("b2h_gap=%d", gap)) gap = 0;
        if (!$value$plusargs("b2h_seed=%d", seed)) seed = 1;
        rng = (seed == 0) ? 32'd1 : seed;
        fetch;
    end

    always @(posedge clk) begin
        rng <= b2h_xorshift32(rng);
        if (rst) begin
            if (started && (pos != 0 || m_axis_tvalid)) begin
                // drop the rest of the interrupted frame: the offered beat (if any) is beat pos
                for (k = pos + (m_axis_tvalid ? 1 : 0); k < frame_beats; k = k + 1) fetch;
                frame = frame + 1;
                pos = 0;
            end
            m_axis_tvalid <= 1'b0;
            frames <= 32'd0;
            done <= 1'b0;
        end else begin
            started <= 1'b1;
            if (m_axis_tvalid && m_axis_tready) begin
                if (pos == 0) begin
                    if (log_fd != 0) $fwrite(log_fd, "%0d %0d\n", cycles, frame);
                    frames <= frames + 32'd1;
                end
                if (pos + 1 == frame_beats) begin
                    pos = 0;
                    frame = frame + 1;
                end else begin
                    pos = pos + 1;
                end
            end
            if (!m_axis_tvalid || m_axis_tready) begin
                if (have && !(gap > 0 && {24'd0, rng[7:0]} < gap)) begin
                    m_axis_tdata <= next_beat;
                    m_axis_tvalid <= 1'b1;
                    fetch;
                end else begin
                    m_axis_tvalid <= 1'b0;
                    if (!have) begin
                        done <= 1'b1;
                        if (log_fd != 0) $fflush(log_fd);
                    end
                end
            end
        end
    end

endmodule

`resetall
