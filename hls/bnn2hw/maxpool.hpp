// SPDX-License-Identifier: Apache-2.0
//
// Binary max-pool: OR of the bits in each pooling window (max over {-1,+1}), or AND (min) for the
// channels whose pool sat before a decreasing activation (and_mask). Padded positions are neutral:
// 0 for OR channels, 1 for AND channels.
//
// Two dataflow stages: the sliding-window generator (swg.hpp) lays out each window as KH*KW*(C/PE)
// beats, and a reduction combines them. The reduction alone reads and_mask (a dataflow array has
// one reader) and replaces out-of-image positions by the neutral bit, so the generator's padding
// value does not matter.
#ifndef BNN2HW_MAXPOOL_HPP
#define BNN2HW_MAXPOOL_HPP

#include "swg.hpp"
#include "types.hpp"

BNN2HW_LOOP_LABELS_BEGIN

namespace bnn2hw {
namespace detail {

/// The pool's window geometry as a sliding-window configuration: PE bits per beat.
template <class Cfg>
struct PoolSwgCfg {
  static constexpr unsigned IFM_H = Cfg::IFM_H, IFM_W = Cfg::IFM_W, C = Cfg::C;
  static constexpr unsigned SIMD = Cfg::PE, EW = 1;
  static constexpr unsigned KH = Cfg::KH, KW = Cfg::KW, SH = Cfg::SH, SW = Cfg::SW;
  static constexpr unsigned PT = Cfg::PT, PL = Cfg::PL, PB = Cfg::PB, PR = Cfg::PR;
  static constexpr unsigned OFM_H = Cfg::OFM_H, OFM_W = Cfg::OFM_W;
  static constexpr unsigned long long PAD = 0;  // replaced by the neutral bit in pool_reduce
};

/// Combine the KH*KW window beats of each (output pixel, channel fold) and write the result.
/// Beats arrive in (oy, ox, ky, kx, cf) order, so the CF partial results live in acc[].
/// Per bit: AND where the mask bit is 1, OR where it is 0; out-of-image positions are the mask bit.
template <class Cfg>
void pool_reduce(hls::stream<ap_uint<Cfg::PE> >& in, hls::stream<ap_uint<Cfg::PE> >& out,
                 const ap_uint<Cfg::PE> (&and_mask)[Cfg::C / Cfg::PE]) {
  typedef ap_uint<Cfg::PE> beat_t;
  const unsigned CF = Cfg::C / Cfg::PE;
  beat_t acc[Cfg::C / Cfg::PE];
  WindowCursor<Cfg, CF> w;  // the same walk as the window generator feeding this reduction
pool_reduce_beats:
  for (unsigned i = 0; i < Cfg::OFM_H * Cfg::OFM_W * Cfg::KH * Cfg::KW * CF; ++i) {
#pragma HLS PIPELINE II = 1
    const unsigned cf = w.cf;
    const beat_t m = and_mask[cf];
    const beat_t win = in.read();
    const beat_t v = w.inside() ? win : m;
    const beat_t sum =
        w.first_of_window() ? v : beat_t((acc[cf] & v & m) | ((acc[cf] | v) & ~m));
    if (w.last_of_window())
      out.write(sum);
    else
      acc[cf] = sum;
    w.advance();
  }
}

}  // namespace detail

/// Binary max-pool of one frame.
///
/// \tparam Cfg      IFM_H, IFM_W, C, PE (channels per beat), KH, KW, SH, SW, PT, PL, PB, PR,
///                  OFM_H = (IFM_H + PT + PB - KH)/SH + 1, OFM_W = (IFM_W + PL + PR - KW)/SW + 1.
/// \param in        IFM_H*IFM_W*(C/PE) beats of PE bits, NHWC: beat (y*IFM_W + x)*(C/PE) + cf,
///                  bit pe is channel cf*PE + pe (1 means +1).
/// \param out       OFM_H*OFM_W*(C/PE) beats in the same layout: OR over the window's in-image
///                  positions, or AND for channels whose and_mask bit is 1.
/// \param and_mask  bit pe of and_mask[cf] selects AND (min) for channel cf*PE + pe.
template <class Cfg>
void maxpool(hls::stream<ap_uint<Cfg::PE> >& in, hls::stream<ap_uint<Cfg::PE> >& out,
             const ap_uint<Cfg::PE> (&and_mask)[Cfg::C / Cfg::PE]) {
#pragma HLS DATAFLOW
  static_assert(Cfg::PE >= 1 && Cfg::C % Cfg::PE == 0, "C must be divisible by PE");
  hls::stream<ap_uint<Cfg::PE> > windows;
#pragma HLS STREAM variable = windows depth = 2
  swg<detail::PoolSwgCfg<Cfg> >(in, windows);
  detail::pool_reduce<Cfg>(windows, out, and_mask);
}

}  // namespace bnn2hw

BNN2HW_LOOP_LABELS_END

#endif  // BNN2HW_MAXPOOL_HPP
