// SPDX-License-Identifier: Apache-2.0
/*
 * bnn2hw test harness: AXI-Stream sink logging every beat taken to +b2h_out=FILE as
 * "<cycle> <hex beat>" (simulation only). tready drops with chance +b2h_bp=P in 256 per cycle,
 * drawn from its own seeded generator. A reset after the first one writes "reset <cycle>".
 */
`resetall
`timescale 1ns / 1ps
`default_nettype none
// Simulation-only test code: blocking updates of file and counter state inside clocked blocks,
// integer plusargs compared with vectors.
/* verilator lint_off BLKSEQ */
/* verilator lint_off WIDTHEXPAND */
/* verilator lint_off WIDTHTRUNC */

module b2h_tb_sink #(
    parameter integer WIDTH = 8
) (
    input  wire             clk,
    input  wire             rst,
    input  wire [63:0]      cycles,
    input  wire             finish,  // close the log
    input  wire [WIDTH-1:0] s_axis_tdata,
    input  wire             s_axis_tvalid,
    output reg              s_axis_tready,
    output reg  [31:0]      beats    // beats taken since the last reset
);
`include "b2h_tb_rng.vh"

    reg [8*1024-1:0] path;
    integer fd;
    integer bp;
    integer seed;
    reg [31:0] rng;
    reg started;
    reg closed;

    initial begin
        s_axis_tready = 1'b0;
        beats = 32'd0;
        started = 1'b0;
        closed = 1'b0;
        if (!$value$plusargs("b2h_out=%s", path)) begin
            $display("b2h_tb_sink: +b2h_out=FILE missing");
            $finish;
        end
        fd = $fopen(path, "w");
        if (!$value$plusargs("b2h_bp=%d", bp)) bp = 0;
        if (!$value$plusargs("b2h_seed=%d", seed)) seed = 1;
        // a different stream from the source's
        rng = b2h_xorshift32(((seed == 0) ? 32'd1 : seed) ^ 32'h9e3779b9);
    end

    always @(posedge clk) begin
        rng <= b2h_xorshift32(rng);
        if (rst) begin
            if (started && !closed) $fwrite(fd, "reset %0d\n", cycles);
            started <= 1'b0;
            beats <= 32'd0;
            s_axis_tready <= 1'b0;
        end else if (!closed) begin
            started <= 1'b1;
            if (s_axis_tvalid && s_axis_tready) begin
                $fwrite(fd, "%0d %h\n", cycles, s_axis_tdata);
                beats <= beats + 32'd1;
            end
            s_axis_tready <= !(bp > 0 && {24'd0, rng[7:0]} < bp);
            if (finish) begin
                $fclose(fd);
                closed <= 1'b1;
            end
        end
    end

endmodule

`resetall
