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

#include <cstdint>

// Loop labels name the loops in HLS reports and pragmas; g++ sees them as unused labels. Each
// kernel header wraps its body in BNN2HW_LOOP_LABELS_BEGIN ... BNN2HW_LOOP_LABELS_END.
#if defined(__GNUC__)
#define BNN2HW_LOOP_LABELS_BEGIN \
    _Pragma("GCC diagnostic push") _Pragma("GCC diagnostic ignored \"-Wunused-label\"")
#define BNN2HW_LOOP_LABELS_END _Pragma("GCC diagnostic pop")
#else
#define BNN2HW_LOOP_LABELS_BEGIN
#define BNN2HW_LOOP_LABELS_END
#endif

namespace bnn2hw {

/// Storage type of one W-bit word of a constant table (weight ROMs): ap_uint<W> for synthesis,
/// so the ROM is exactly W bits wide. Under C-simulation, words of up to 64 bits are stored as
/// plain unsigned integers: g++ compiles a table of integer literals in no time, while a large
/// table of ap_uint constructors (CNV: ~50k words) takes minutes and gigabytes. Kernels read a
/// word into an ap_uint<W> either way, and the initialiser text is the same hex literals.
template <int W, bool NARROW = (W <= 64)>
struct rom_word {
    typedef ap_uint<W> type;
};
#ifndef __SYNTHESIS__
template <int W>
struct rom_word<W, true> {
    typedef std::uint64_t type;
};
#endif

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

/// Number of one bits of x, in 0..W, as the adder tree synthesis builds.
/// \tparam W  bits of x (>= 1)
template <int W>
inline ap_uint<count_bits(W)> popcount_tree(const ap_uint<W>& x) {
#pragma HLS INLINE
  static_assert(W >= 1, "popcount needs at least one bit");
  return detail::Popcount<W>::run(x);
}

#ifndef __SYNTHESIS__
/// C-simulation only: the same count on 64-bit host words (the adder tree of ap_uint slices
/// costs ~90% of a CNV C-simulation). Tested equal to popcount_tree over every width the kernel
/// tests use, exhaustively for small widths; BNN2HW_CSIM_POPCOUNT_TREE selects the tree instead.
template <int W>
inline ap_uint<count_bits(W)> popcount_host(const ap_uint<W>& x) {
  unsigned n = 0;
  for (int lo = 0; lo < W; lo += 64) {
    const int hi = (lo + 63 < W) ? lo + 63 : W - 1;
    n += static_cast<unsigned>(__builtin_popcountll(x.range(hi, lo).to_uint64()));
  }
  return n;
}
#endif

/// Number of one bits of x, in 0..W: the adder tree (synthesis), or the host count under
/// C-simulation unless BNN2HW_CSIM_POPCOUNT_TREE is defined.
template <int W>
inline ap_uint<count_bits(W)> popcount(const ap_uint<W>& x) {
#pragma HLS INLINE
#if defined(__SYNTHESIS__) || defined(BNN2HW_CSIM_POPCOUNT_TREE)
  return popcount_tree<W>(x);
#else
  return popcount_host<W>(x);
#endif
}

}  // namespace bnn2hw

#endif  // BNN2HW_TYPES_HPP
