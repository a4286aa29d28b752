// SPDX-License-Identifier: Apache-2.0
//
// Matrix-vector-threshold unit (MVAU), folded PE x SIMD: the compute engine of every dense and
// convolutional layer. Binary inputs use XNOR-popcount; integer inputs (first layer) add or
// subtract each element by the weight bit. Outputs are threshold bits (acc >= T) or, for the last
// layer, the raw accumulators.
//
// Bit-order convention (bnn2hw/bits.py): bit 1 means +1, bit 0 means -1; element i of a beat
// occupies bits [i*EW +: EW]; weight word w[pe][nf*SF + sf] holds row nf*PE + pe, columns
// sf*SIMD .. sf*SIMD + SIMD - 1, column sf*SIMD + j in bit j.
#ifndef BNN2HW_MVAU_HPP
#define BNN2HW_MVAU_HPP

#include <type_traits>

#include "threshold.hpp"
#include "types.hpp"

BNN2HW_LOOP_LABELS_BEGIN

namespace bnn2hw {
namespace detail {

/// One SIMD-wide chunk of the dot product of a weight row with the input vector.
/// Primary template: binary inputs, popcount(XNOR(w, x)) in 0..SIMD.
template <class Cfg, bool BINARY = (Cfg::IN_BITS == 1)>
struct MvauMac {
  static typename Cfg::acc_t run(const ap_uint<Cfg::SIMD>& w,
                                 const ap_uint<Cfg::SIMD * Cfg::IN_BITS>& x) {
#pragma HLS INLINE
    const ap_uint<Cfg::SIMD> agree = ~(w ^ x);
    return typename Cfg::acc_t(popcount<Cfg::SIMD>(agree));
  }
};

/// Integer inputs: sum over j of (w bit j ? x_j : -x_j), x_j = bits [j*IN_BITS +: IN_BITS],
/// two's complement iff IN_SIGNED. Computed in acc_t: wrap-around of partial sums cancels out as
/// long as the final accumulator fits acc_t, which the compiler guarantees.
template <class Cfg>
struct MvauMac<Cfg, false> {
  static typename Cfg::acc_t run(const ap_uint<Cfg::SIMD>& w,
                                 const ap_uint<Cfg::SIMD * Cfg::IN_BITS>& x) {
#pragma HLS INLINE
    typedef typename std::conditional<Cfg::IN_SIGNED, ap_int<Cfg::IN_BITS>,
                                      ap_uint<Cfg::IN_BITS> >::type elem_t;
    typename Cfg::acc_t sum = 0;
  mvau_mac_simd:
    for (unsigned j = 0; j < Cfg::SIMD; ++j) {
#pragma HLS UNROLL
      const elem_t e = x.range(j * Cfg::IN_BITS + Cfg::IN_BITS - 1, j * Cfg::IN_BITS);
      const typename Cfg::acc_t v = e;
      if (w[j])
        sum += v;
      else
        sum -= v;
    }
    return sum;
  }
};

/// Activation policy: one threshold bit per PE. Params is thresh_t[PE][NF].
template <class Cfg>
struct MvauThresholdOut {
  typedef ap_uint<Cfg::PE> out_t;
  template <class Params>
  static void put(out_t& o, unsigned pe, unsigned nf, const typename Cfg::acc_t& acc,
                  const Params& t) {
#pragma HLS INLINE
    o[pe] = threshold(acc, t[pe][nf]);
  }
};

/// Activation policy: the raw accumulator, ACC_BITS two's complement bits per PE. No params.
template <class Cfg>
struct MvauAccOut {
  typedef ap_uint<Cfg::PE * Cfg::ACC_BITS> out_t;
  template <class Params>
  static void put(out_t& o, unsigned pe, unsigned /*nf*/, const typename Cfg::acc_t& acc,
                  const Params& /*none*/) {
#pragma HLS INLINE
    o.range(pe * Cfg::ACC_BITS + Cfg::ACC_BITS - 1, pe * Cfg::ACC_BITS) =
        acc.range(Cfg::ACC_BITS - 1, 0);
  }
};

/// Parameters of an activation that has none.
struct NoParams {};

/// The MVAU loop shared by mvau_threshold and mvau_acc; Out says what leaves per output fold.
///
/// Iteration space: REPS vectors x NF output folds x SF input folds, flattened into one pipelined
/// loop. Invariant at the top of each iteration: tile == nf*SF + sf. The SF input beats of a vector
/// are read while nf == 0, kept in inbuf and reused for nf > 0. After the last sf of a fold the PE
/// accumulators of output channels nf*PE .. nf*PE + PE - 1 go out as one beat.
template <class Cfg, class Out, class Params>
void mvau_loop(hls::stream<ap_uint<Cfg::SIMD * Cfg::IN_BITS> >& in,
               hls::stream<typename Out::out_t>& out,
               const typename rom_word<Cfg::SIMD>::type (&w)[Cfg::PE][Cfg::TILES], const Params& params) {
#pragma HLS INLINE
  static_assert(Cfg::SIMD >= 1 && Cfg::PE >= 1, "SIMD and PE must be at least 1");
  static_assert(Cfg::MW % Cfg::SIMD == 0, "MW must be divisible by SIMD");
  static_assert(Cfg::MH % Cfg::PE == 0, "MH must be divisible by PE");
  static_assert(Cfg::SF == Cfg::MW / Cfg::SIMD, "SF must be MW / SIMD");
  static_assert(Cfg::NF == Cfg::MH / Cfg::PE, "NF must be MH / PE");
  static_assert(Cfg::TILES == Cfg::NF * Cfg::SF, "TILES must be NF * SF");
  static_assert(Cfg::REPS >= 1, "REPS (vectors per frame) must be at least 1");
  static_assert(Cfg::IN_BITS >= 1, "IN_BITS must be at least 1");

  typedef ap_uint<Cfg::SIMD * Cfg::IN_BITS> in_t;
  typedef typename Cfg::acc_t acc_t;

  in_t inbuf[Cfg::SF];
  acc_t acc[Cfg::PE];
#pragma HLS ARRAY_PARTITION variable = acc complete dim = 1
mvau_clear:
  for (unsigned pe = 0; pe < Cfg::PE; ++pe) {
#pragma HLS UNROLL
    acc[pe] = 0;
  }

  unsigned nf = 0;
  unsigned sf = 0;
  unsigned tile = 0;
mvau_fold:
  for (unsigned i = 0; i < Cfg::REPS * Cfg::NF * Cfg::SF; ++i) {
#pragma HLS PIPELINE II = 1
    in_t x;
    if (nf == 0) {
      x = in.read();
      inbuf[sf] = x;
    } else {
      x = inbuf[sf];
    }
  mvau_pe:
    for (unsigned pe = 0; pe < Cfg::PE; ++pe) {
#pragma HLS UNROLL
      const acc_t base = (sf == 0) ? acc_t(0) : acc[pe];
      acc[pe] = base + MvauMac<Cfg>::run(ap_uint<Cfg::SIMD>(w[pe][tile]), x);
    }
    ++tile;
    if (++sf == Cfg::SF) {
      typename Out::out_t o = 0;
    mvau_out:
      for (unsigned pe = 0; pe < Cfg::PE; ++pe) {
#pragma HLS UNROLL
        Out::put(o, pe, nf, acc[pe], params);
      }
      out.write(o);
      sf = 0;
      if (++nf == Cfg::NF) {
        nf = 0;
        tile = 0;
      }
    }
  }
}

}  // namespace detail

/// Matrix-vector product and threshold: one frame of REPS vectors of MW elements in, REPS x MH
/// output bits out.
///
/// \tparam Cfg  MW, MH, PE, SIMD, SF = MW/SIMD, NF = MH/PE, TILES = NF*SF, REPS (vectors per frame:
///              OH*OW for a convolution, 1 for a dense layer), IN_BITS (1: binary inputs, XNOR-popcount;
///              > 1: integer inputs), IN_SIGNED, acc_t (accumulator), thresh_t (threshold type).
/// \param in   REPS*SF beats of SIMD*IN_BITS bits: beat sf of a vector holds elements
///             sf*SIMD .. sf*SIMD + SIMD - 1, element j in bits [j*IN_BITS +: IN_BITS].
/// \param out  REPS*NF beats of PE bits: bit pe of beat nf is channel nf*PE + pe,
///             1 iff acc >= t[pe][nf] (see threshold.hpp).
/// \param w    w[pe][nf*SF + sf]: row nf*PE + pe, columns sf*SIMD + j in bit j (1 means +1).
/// \param t    t[pe][nf]: threshold of output channel nf*PE + pe.
/// acc is popcount(XNOR(w, x)) in 0..MW for binary inputs, sum(w ? x : -x) for integer inputs.
template <class Cfg>
void mvau_threshold(hls::stream<ap_uint<Cfg::SIMD * Cfg::IN_BITS> >& in,
                    hls::stream<ap_uint<Cfg::PE> >& out,
                    const typename rom_word<Cfg::SIMD>::type (&w)[Cfg::PE][Cfg::TILES],
                    const typename Cfg::thresh_t (&t)[Cfg::PE][Cfg::NF]) {
#pragma HLS ARRAY_PARTITION variable = w complete dim = 1
#pragma HLS ARRAY_PARTITION variable = t complete dim = 1
  detail::mvau_loop<Cfg, detail::MvauThresholdOut<Cfg> >(in, out, w, t);
}

/// Matrix-vector product with the raw accumulators as output (the last layer).
///
/// \tparam Cfg  as for mvau_threshold, plus ACC_BITS (= acc_t's width); thresh_t is not used.
/// \param in   as for mvau_threshold.
/// \param out  REPS*NF beats of PE*ACC_BITS bits: element pe (bits [pe*ACC_BITS +: ACC_BITS]) of
///             beat nf is the accumulator of channel nf*PE + pe, in acc_t's bit pattern (two's
///             complement when acc_t is signed, an unsigned popcount otherwise).
/// \param w    as for mvau_threshold.
template <class Cfg>
void mvau_acc(hls::stream<ap_uint<Cfg::SIMD * Cfg::IN_BITS> >& in,
              hls::stream<ap_uint<Cfg::PE * Cfg::ACC_BITS> >& out,
              const typename rom_word<Cfg::SIMD>::type (&w)[Cfg::PE][Cfg::TILES]) {
#pragma HLS ARRAY_PARTITION variable = w complete dim = 1
  static_assert(static_cast<unsigned>(Cfg::acc_t::width) == Cfg::ACC_BITS,
                "ACC_BITS must be the width of acc_t");
  const detail::NoParams none = {};
  detail::mvau_loop<Cfg, detail::MvauAccOut<Cfg> >(in, out, w, none);
}

}  // namespace bnn2hw

BNN2HW_LOOP_LABELS_END

#endif  // BNN2HW_MVAU_HPP
