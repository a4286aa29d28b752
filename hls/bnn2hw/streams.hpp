// SPDX-License-Identifier: Apache-2.0
//
// Stream tools: element-preserving width conversion between layers with different folding, and
// beat resizing for byte-padded top-level AXI-Stream ports.
#ifndef BNN2HW_STREAMS_HPP
#define BNN2HW_STREAMS_HPP

#include "types.hpp"

BNN2HW_LOOP_LABELS_BEGIN

namespace bnn2hw {
namespace detail {

/// Width conversion for one frame; specialised on the direction.
/// Primary template: OUT_E is a multiple of IN_E (gather RATIO input beats into one output beat).
template <unsigned IN_E, unsigned OUT_E, unsigned EW, unsigned N, bool UP = (OUT_E >= IN_E)>
struct WidthConvert {
  static void run(hls::stream<ap_uint<IN_E * EW> >& in, hls::stream<ap_uint<OUT_E * EW> >& out) {
#pragma HLS INLINE
    const unsigned RATIO = OUT_E / IN_E;
    ap_uint<OUT_E * EW> acc = 0;
    unsigned k = 0;
  width_up_beats:
    for (unsigned i = 0; i < N / IN_E; ++i) {
#pragma HLS PIPELINE II = 1
      // Input beat k of a group lands in bits [k*IN_E*EW +: IN_E*EW] (element order preserved).
      acc.range(k * IN_E * EW + IN_E * EW - 1, k * IN_E * EW) = in.read();
      if (++k == RATIO) {
        out.write(acc);
        k = 0;
      }
    }
  }
};

/// OUT_E divides IN_E: split each input beat into RATIO output beats, lowest elements first.
template <unsigned IN_E, unsigned OUT_E, unsigned EW, unsigned N>
struct WidthConvert<IN_E, OUT_E, EW, N, false> {
  static void run(hls::stream<ap_uint<IN_E * EW> >& in, hls::stream<ap_uint<OUT_E * EW> >& out) {
#pragma HLS INLINE
    const unsigned RATIO = IN_E / OUT_E;
    ap_uint<IN_E * EW> cur = 0;
    unsigned k = 0;
  width_down_beats:
    for (unsigned i = 0; i < N / OUT_E; ++i) {
#pragma HLS PIPELINE II = 1
      if (k == 0) cur = in.read();
      const ap_uint<OUT_E * EW> part = cur.range(k * OUT_E * EW + OUT_E * EW - 1, k * OUT_E * EW);
      out.write(part);
      if (++k == RATIO) k = 0;
    }
  }
};

}  // namespace detail

/// Width converter for one frame of N elements of EW bits.
///
/// \tparam IN_E   elements per input beat
/// \tparam OUT_E  elements per output beat (a multiple or a divisor of IN_E)
/// \tparam EW     bits per element
/// \tparam N      elements per frame (a multiple of IN_E and of OUT_E)
/// \param in   N/IN_E beats, element i of a beat in bits [i*EW +: EW]
/// \param out  N/OUT_E beats, same element sequence, element i of a beat in bits [i*EW +: EW]
template <unsigned IN_E, unsigned OUT_E, unsigned EW, unsigned N>
void width_convert(hls::stream<ap_uint<IN_E * EW> >& in, hls::stream<ap_uint<OUT_E * EW> >& out) {
  static_assert(IN_E >= 1 && OUT_E >= 1 && EW >= 1, "IN_E, OUT_E and EW must be at least 1");
  static_assert(OUT_E % IN_E == 0 || IN_E % OUT_E == 0,
                "one of IN_E and OUT_E must be a multiple of the other");
  static_assert(N % IN_E == 0 && N % OUT_E == 0, "N must be divisible by IN_E and by OUT_E");
  detail::WidthConvert<IN_E, OUT_E, EW, N>::run(in, out);
}

/// Copy BEATS beats, zero-extending (OUT_W > IN_W) or dropping the most significant bits
/// (OUT_W < IN_W): the adapter to and from byte-padded top-level AXI-Stream ports.
///
/// \param in   BEATS beats of IN_W bits
/// \param out  BEATS beats of OUT_W bits, bit b = bit b of the input beat (0 beyond IN_W)
template <unsigned IN_W, unsigned OUT_W, unsigned BEATS>
void resize_beats(hls::stream<ap_uint<IN_W> >& in, hls::stream<ap_uint<OUT_W> >& out) {
  static_assert(IN_W >= 1 && OUT_W >= 1, "widths must be at least 1");
resize_beats_loop:
  for (unsigned i = 0; i < BEATS; ++i) {
#pragma HLS PIPELINE II = 1
    const ap_uint<IN_W> v = in.read();
    out.write(ap_uint<OUT_W>(v));
  }
}

}  // namespace bnn2hw

BNN2HW_LOOP_LABELS_END

#endif  // BNN2HW_STREAMS_HPP
