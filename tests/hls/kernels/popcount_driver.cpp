// SPDX-License-Identifier: Apache-2.0
// popcount_host (C-simulation fast path) against popcount_tree (the adder tree synthesis
// builds) and a bit-by-bit count: exhaustively for widths up to 12 bits, on 20,000
// pseudo-random values (plus all-zero and all-one) for wider words.
// Prints "<values> values, <mismatches> mismatches" and exits 1 on any mismatch.
#include <cstdio>

#include "bnn2hw/types.hpp"

namespace {

unsigned long long g_values = 0;
unsigned long long g_bad = 0;
unsigned long long g_state = 0x9E3779B97F4A7C15ULL;

unsigned long long next_random() {  // xorshift64*
    g_state ^= g_state >> 12;
    g_state ^= g_state << 25;
    g_state ^= g_state >> 27;
    return g_state * 0x2545F4914F6CDD1DULL;
}

template <int W>
void check_value(const ap_uint<W>& x) {
    unsigned bits = 0;
    for (int i = 0; i < W; ++i) bits += x[i] ? 1u : 0u;
    const unsigned host = bnn2hw::popcount_host<W>(x).to_uint();
    const unsigned tree = bnn2hw::popcount_tree<W>(x).to_uint();
    ++g_values;
    if (host != bits || tree != bits) {
        if (g_bad++ < 5) {
            std::printf("W=%d x=%s: bits %u, host %u, tree %u\n", W, x.to_string(16).c_str(),
                        bits, host, tree);
        }
    }
}

template <int W>
void check_width() {
    if (W <= 12) {
        for (unsigned long long v = 0; v < (1ULL << W); ++v) check_value<W>(ap_uint<W>(v));
        return;
    }
    check_value<W>(ap_uint<W>(0));
    check_value<W>(~ap_uint<W>(0));
    for (int n = 0; n < 20000; ++n) {
        ap_uint<W> x = 0;
        for (int lo = 0; lo < W; lo += 64) {
            const int hi = (lo + 63 < W) ? lo + 63 : W - 1;
            x.range(hi, lo) = next_random();
        }
        check_value<W>(x);
    }
}

}  // namespace

int main() {
    check_width<1>();
    check_width<2>();
    check_width<3>();
    check_width<5>();
    check_width<8>();
    check_width<9>();
    check_width<12>();
    check_width<16>();
    check_width<27>();
    check_width<32>();
    check_width<49>();
    check_width<63>();
    check_width<64>();
    check_width<65>();
    check_width<100>();
    check_width<128>();
    check_width<256>();
    check_width<784>();
    std::printf("%llu values, %llu mismatches\n", g_values, g_bad);
    return g_bad == 0 ? 0 : 1;
}
