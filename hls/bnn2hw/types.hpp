// SPDX-License-Identifier: Apache-2.0
//
// Common types of the bnn2hw HLS library: Xilinx's ap_int (Apache-2.0, taken from an installed
// package or Vitis, never copied here), hls::stream, bit-width helpers and the popcount.
#ifndef BNN2HW_TYPES_HPP
#define BNN2HW_TYPES_HPP

// g++ 12 reports -Wuninitialized / -Wmaybe-uninitialized inside ap_private's inlined constructors
// (clearUnusedBits() reads the value it is about to set) even when ap_int.h comes in through
// -isystem: the warnings are attributed to the inlined header code, which -isystem does not cover.
// They are false positives in vendor code, so they are silenced for these headers only.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif
#include <ap_int.h>
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif

#include <hls_stream.h>

namespace bnn2hw {

/// ceil(log2(n)) for n >= 1 (clog2(1) == 0).
constexpr unsigned clog2(unsigned long long n) { return n <= 1 ? 0u : 1u + clog2((n + 1) / 2); }

/// Bits of an unsigned counter that holds 0..n (at least 1): bnn2hw.arith.popcount_width.
constexpr unsigned count_bits(unsigned long long n) { return n == 0 ? 1u : clog2(n + 1); }

namespace detail {

/// Adder tree over the bits of an ap_uint: the two halves are counted recursively and added,
/// so the structure is a balanced tree of log2(W) levels.
template <int W>
struct Popcount {
  static ap_uint<count_bits(W)> run(const ap_uint<W>& x) {
#pragma HLS INLINE
    const ap_uint<W / 2> lo = x.range(W / 2 - 1, 0);
    const ap_uint<W - W / 2> hi = x.range(W - 1, W / 2);
    const ap_uint<count_bits(W)> sum =
        ap_uint<count_bits(W)>(Popcount<W / 2>::run(lo)) + Popcount<W - W / 2>::run(hi);
    return sum;
  }
};

template <>
struct Popcount<1> {
  static ap_uint<1> run(const ap_uint<1>& x) {
#pragma HLS INLINE
    return x;
  }
};

}  // namespace detail

/// Number of one bits of x, in 0..W.
/// \tparam W  bits of x (>= 1)
template <int W>
inline ap_uint<count_bits(W)> popcount(const ap_uint<W>& x) {
#pragma HLS INLINE
  static_assert(W >= 1, "popcount needs at least one bit");
  return detail::Popcount<W>::run(x);
}

}  // namespace bnn2hw

#endif  // BNN2HW_TYPES_HPP
