// SPDX-License-Identifier: Apache-2.0
// bnn2hw: constant functions shared by the cores (included inside a module body).

// ceil(log2(n)), at least 0: the address bits of n words (1 for n <= 2 is handled by callers).
function integer b2h_clog2;
    input integer n;
    integer v;
    begin
        b2h_clog2 = 0;
        v = n - 1;
        while (v > 0) begin
            b2h_clog2 = b2h_clog2 + 1;
            v = v >> 1;
        end
    end
endfunction

// Address bits of a memory of n words (at least 1).
function integer b2h_addr_bits;
    input integer n;
    begin
        b2h_addr_bits = (n <= 2) ? 1 : b2h_clog2(n);
    end
endfunction

// Register stages of a b2h_adder_tree over n leaves, registered every `stage` levels (and at
// its output; a single leaf is registered once).
function integer b2h_tree_latency;
    input integer n;
    input integer stage;
    integer levels;
    begin
        levels = b2h_clog2(n);
        b2h_tree_latency = (levels == 0) ? 1 : (levels + stage - 1) / stage;
    end
endfunction
