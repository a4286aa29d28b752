// SPDX-License-Identifier: Apache-2.0
/*
 * bnn2hw: AXI4-Stream FIFO (synchronous, one clock), the buffer between two layers.
 *
 * Storage: a DEPTH-entry memory (any DEPTH >= 2, not only powers of two; the pointers wrap at
 * DEPTH) plus the output register, so the FIFO holds up to DEPTH + 1 beats. The memory has one
 * write port and one synchronous read port whose read register is the output register
 * (`if (rd_en) data <= mem[rd_ptr]`), the form Vivado and Yosys (synth_xilinx) map to LUT RAM or
 * block RAM with its output register; the memory and the data registers are not reset.
 *
 * Full throughput: a beat can enter and a beat can leave in every cycle (DEPTH >= 2 keeps the
 * memory from being both empty and full in steady state). Latency: a beat taken in cycle t is
 * written to memory at the end of t and offered on m_axis from cycle t + 2 on.
 *
 * Invariants: m_axis_tvalid/tdata come from registers and never depend on m_axis_tready;
 * s_axis_tready is a register (memory not full) and never depends on s_axis_tvalid or
 * m_axis_tready; a read and a write never address the same entry in one cycle (equal pointers
 * mean empty, no read, or full, no write); beats leave in the order they entered; a valid beat is
 * held until taken. After reset the FIFO is empty.
 */
`resetall
`timescale 1ns / 1ps
`default_nettype none

module b2h_axis_fifo #(
    parameter integer WIDTH = 8,  // TDATA bits
    parameter integer DEPTH = 16  // memory entries (>= 2); the FIFO holds DEPTH + 1 beats
) (
    input  wire             clk,
    input  wire             rst,  // synchronous, active high

    /* AXI Stream input */
    input  wire [WIDTH-1:0] s_axis_tdata,
    input  wire             s_axis_tvalid,
    output wire             s_axis_tready,

    /* AXI Stream output */
    output wire [WIDTH-1:0] m_axis_tdata,
    output wire             m_axis_tvalid,
    input  wire             m_axis_tready
);

    localparam integer AW = (DEPTH > 1) ? $clog2(DEPTH) : 1;  // pointer bits
    localparam integer CW = $clog2(DEPTH + 1);                // occupancy bits (0..DEPTH)
    localparam [31:0] DEPTH_M1 = DEPTH - 1;
    localparam [AW-1:0] PTR_LAST = DEPTH_M1[AW-1:0];       // last entry, where pointers wrap
    localparam [CW-1:0] CNT_LAST = DEPTH_M1[CW-1:0];       // occupancy one below full
    localparam [CW-1:0] CNT_ONE = {{(CW - 1){1'b0}}, 1'b1};

    reg [WIDTH-1:0] mem [0:DEPTH-1];
    reg [AW-1:0]    wr_ptr_reg, rd_ptr_reg;
    reg [CW-1:0]    count_reg;   // beats in memory (not counting the output register)
    reg             full_reg;    // count_reg == DEPTH
    reg             empty_reg;   // count_reg == 0
    reg [WIDTH-1:0] out_data_reg;
    reg             out_valid_reg;

    // write while the memory has room; read while it holds a beat and the output register is
    // free or being emitted in this cycle
    wire wr_en = s_axis_tvalid && !full_reg;
    wire rd_en = !empty_reg && (!out_valid_reg || m_axis_tready);

    assign s_axis_tready = !full_reg;
    assign m_axis_tdata = out_data_reg;
    assign m_axis_tvalid = out_valid_reg;

    // memory: write port and registered read port (no reset, RAM inference)
    always @(posedge clk) begin
        if (wr_en) mem[wr_ptr_reg] <= s_axis_tdata;
    end

    always @(posedge clk) begin
        if (rd_en) out_data_reg <= mem[rd_ptr_reg];
    end

    // pointers, occupancy and output valid
    always @(posedge clk) begin
        if (wr_en) wr_ptr_reg <= (wr_ptr_reg == PTR_LAST) ? {AW{1'b0}} : wr_ptr_reg + 1'b1;
        if (rd_en) rd_ptr_reg <= (rd_ptr_reg == PTR_LAST) ? {AW{1'b0}} : rd_ptr_reg + 1'b1;
        if (wr_en && !rd_en) begin
            count_reg <= count_reg + 1'b1;
            full_reg <= (count_reg == CNT_LAST);
            empty_reg <= 1'b0;
        end else if (rd_en && !wr_en) begin
            count_reg <= count_reg - 1'b1;
            full_reg <= 1'b0;
            empty_reg <= (count_reg == CNT_ONE);
        end
        if (rd_en) begin
            out_valid_reg <= 1'b1;
        end else if (m_axis_tready) begin
            out_valid_reg <= 1'b0;
        end
        if (rst) begin
            wr_ptr_reg <= {AW{1'b0}};
            rd_ptr_reg <= {AW{1'b0}};
            count_reg <= {CW{1'b0}};
            full_reg <= 1'b0;
            empty_reg <= 1'b1;
            out_valid_reg <= 1'b0;
        end
    end

endmodule

`resetall
