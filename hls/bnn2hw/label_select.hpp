// SPDX-License-Identifier: Apache-2.0
//
// Label select (top-K): the indices of the K largest (or smallest) accumulators of a frame, the
// hardware form of numpy's np.argsort(-sign * acc, kind="stable")[:K].
#ifndef BNN2HW_LABEL_SELECT_HPP
#define BNN2HW_LABEL_SELECT_HPP

#include <type_traits>

#include "types.hpp"

BNN2HW_LOOP_LABELS_BEGIN

namespace bnn2hw {

/// Top-K label selection over one frame of N accumulators.
///
/// \tparam Cfg  N (accumulators per frame), PE (accumulators per input beat, N % PE == 0),
///              ACC_BITS, ACC_SIGNED (two's complement accumulators), K (labels, 1 <= K <= N),
///              IDX_BITS (N <= 2^IDX_BITS), DESCENDING (true: largest first; false: smallest first).
/// \param in   N/PE beats of PE*ACC_BITS bits: element pe of beat b (bits [pe*ACC_BITS +: ACC_BITS])
///             is accumulator b*PE + pe.
/// \param out  one beat of K*IDX_BITS bits: element i (bits [i*IDX_BITS +: IDX_BITS]) is the index of
///             the i-th best accumulator. Equal accumulators keep index order (lower index first).
///
/// A sorted list of K (value, index) pairs takes one accumulator per iteration: every slot compares
/// the new value with its own in parallel, the slots after the insertion point shift down by one.
/// The new value is placed after equal ones, which (indices arriving in order) keeps ties stable.
template <class Cfg>
void label_select(hls::stream<ap_uint<Cfg::PE * Cfg::ACC_BITS> >& in,
                  hls::stream<ap_uint<Cfg::K * Cfg::IDX_BITS> >& out) {
  static_assert(Cfg::PE >= 1 && Cfg::N % Cfg::PE == 0, "N must be divisible by PE");
  static_assert(Cfg::K >= 1 && Cfg::K <= Cfg::N, "K must be in 1..N");
  static_assert(Cfg::IDX_BITS >= 1 && Cfg::IDX_BITS < 32 && (Cfg::N - 1) >> Cfg::IDX_BITS == 0,
                "IDX_BITS must hold every index 0..N-1");
  typedef typename std::conditional<Cfg::ACC_SIGNED, ap_int<Cfg::ACC_BITS>,
                                    ap_uint<Cfg::ACC_BITS> >::type val_t;
  typedef ap_uint<Cfg::IDX_BITS> idx_t;

  val_t val[Cfg::K];
  idx_t idx[Cfg::K];
  bool valid[Cfg::K];
#pragma HLS ARRAY_PARTITION variable = val complete dim = 1
#pragma HLS ARRAY_PARTITION variable = idx complete dim = 1
#pragma HLS ARRAY_PARTITION variable = valid complete dim = 1
label_clear:
  for (unsigned s = 0; s < Cfg::K; ++s) {
#pragma HLS UNROLL
    val[s] = 0;
    idx[s] = 0;
    valid[s] = false;
  }

  ap_uint<Cfg::PE * Cfg::ACC_BITS> beat = 0;
  unsigned pe = 0;
label_scan:
  for (unsigned i = 0; i < Cfg::N; ++i) {
#pragma HLS PIPELINE II = 1
    if (pe == 0) beat = in.read();
    const val_t v = beat.range(pe * Cfg::ACC_BITS + Cfg::ACC_BITS - 1, pe * Cfg::ACC_BITS);
    // better[s]: v goes before slot s (an empty slot is worse than anything). Monotone in s.
    bool better[Cfg::K];
#pragma HLS ARRAY_PARTITION variable = better complete dim = 1
  label_compare:
    for (unsigned s = 0; s < Cfg::K; ++s) {
#pragma HLS UNROLL
      better[s] = !valid[s] || (Cfg::DESCENDING ? (v > val[s]) : (v < val[s]));
    }
  label_shift:
    for (unsigned s = Cfg::K; s-- > 0;) {
#pragma HLS UNROLL
      if (better[s]) {
        const bool shift = s > 0 && better[s - 1];
        val[s] = shift ? val[s - 1] : v;
        idx[s] = shift ? idx[s - 1] : idx_t(i);
        valid[s] = shift ? valid[s - 1] : true;
      }
    }
    if (++pe == Cfg::PE) pe = 0;
  }

  ap_uint<Cfg::K * Cfg::IDX_BITS> labels = 0;
label_out:
  for (unsigned s = 0; s < Cfg::K; ++s) {
#pragma HLS UNROLL
    labels.range(s * Cfg::IDX_BITS + Cfg::IDX_BITS - 1, s * Cfg::IDX_BITS) = idx[s];
  }
  out.write(labels);
}

}  // namespace bnn2hw

BNN2HW_LOOP_LABELS_END

#endif  // BNN2HW_LABEL_SELECT_HPP
