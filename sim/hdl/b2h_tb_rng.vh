// SPDX-License-Identifier: Apache-2.0
// xorshift32 step (Marsaglia): the stall generators' random sequence, identical in every simulator.
function [31:0] b2h_xorshift32;
    input [31:0] s;
    reg [31:0] x;
    begin
        x = s ^ (s << 13);
        x = x ^ (x >> 17);
        b2h_xorshift32 = x ^ (x << 5);
    end
endfunction
