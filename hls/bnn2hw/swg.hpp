// SPDX-License-Identifier: Apache-2.0
//
// Sliding-window generator (SWG): turns a stream of NHWC pixels into the convolution window
// vectors an MVAU consumes, in (kh, kw, c) order (bnn2hw.golden.windows.conv_vectors), with a
// padding value at out-of-image positions. Works from a circular line buffer of R rows; reads and
// writes share one pipelined loop, so the next rows are read while windows of the current output
// row are emitted.
#ifndef BNN2HW_SWG_HPP
#define BNN2HW_SWG_HPP

#include <cassert>

#include "types.hpp"

BNN2HW_LOOP_LABELS_BEGIN

namespace bnn2hw {
namespace detail {

/// Compile-time geometry of a sliding window, derived from Cfg.
template <class Cfg>
struct SwgGeom {
  /// Channel folds per pixel.
  static constexpr unsigned CF = Cfg::C / Cfg::SIMD;
  /// Beats per input row.
  static constexpr unsigned ROW = Cfg::IFM_W * CF;
  /// Beats in / out per frame.
  static constexpr unsigned IN_BEATS = Cfg::IFM_H * ROW;
  static constexpr unsigned OUT_BEATS = Cfg::OFM_H * Cfg::OFM_W * Cfg::KH * Cfg::KW * CF;
  /// Rows held: the KH rows of one output row plus the SH rows the next one adds (so reading
  /// overlaps emitting), but never more than the image has.
  static constexpr unsigned R =
      (Cfg::KH + Cfg::SH < Cfg::IFM_H) ? (Cfg::KH + Cfg::SH) : Cfg::IFM_H;
  /// Slot of row -PT (the first output row's first window row), and the slot step per output row.
  static constexpr unsigned SLOT0 = (R - Cfg::PT % R) % R;
  static constexpr unsigned SH_MOD_R = Cfg::SH % R;
};

/// Where a walk over every window is: output column ox, window element (ky, kx), channel fold cf;
/// (wy0, wx0) are the image coordinates of the window's top-left element (wy0 = oy*SH - PT stands
/// for the output row oy). The walk order is the sliding window's output order: (oy, ox) outer,
/// then ky, kx, then cf. Shared by the sliding-window generator and the pool's reduction.
template <class Cfg, unsigned CF>
struct WindowCursor {
  unsigned ox, ky, kx, cf;
  int wy0, wx0;

  WindowCursor()
      : ox(0), ky(0), kx(0), cf(0), wy0(-static_cast<int>(Cfg::PT)),
        wx0(-static_cast<int>(Cfg::PL)) {}

  /// Image row / column of the current element (negative or beyond the image in the padding).
  int y() const { return wy0 + static_cast<int>(ky); }
  int x() const { return wx0 + static_cast<int>(kx); }
  bool inside() const {
    return y() >= 0 && y() < static_cast<int>(Cfg::IFM_H) && x() >= 0 &&
           x() < static_cast<int>(Cfg::IFM_W);
  }
  bool first_of_window() const { return ky == 0 && kx == 0; }
  bool last_of_window() const { return ky == Cfg::KH - 1 && kx == Cfg::KW - 1; }

  /// Steps to the next beat; true when the step starts the next output row.
  bool advance() {
#pragma HLS INLINE
    if (++cf < CF) return false;
    cf = 0;
    if (++kx < Cfg::KW) return false;
    kx = 0;
    if (++ky < Cfg::KH) return false;
    ky = 0;
    wx0 += Cfg::SW;
    if (++ox < Cfg::OFM_W) return false;
    ox = 0;
    wx0 = -static_cast<int>(Cfg::PL);
    wy0 += Cfg::SH;
    return true;
  }
};

/// SIMD copies of the EW-bit pattern PAD.
template <unsigned SIMD, unsigned EW>
ap_uint<SIMD * EW> pad_beat(unsigned long long pad) {
#pragma HLS INLINE
  ap_uint<SIMD * EW> beat = 0;
  const ap_uint<EW> elem = pad;
pad_elems:
  for (unsigned j = 0; j < SIMD; ++j) {
#pragma HLS UNROLL
    beat.range(j * EW + EW - 1, j * EW) = elem;
  }
  return beat;
}

}  // namespace detail

/// Sliding-window generator for one frame.
///
/// \tparam Cfg  IFM_H, IFM_W, C (channels), SIMD (channels per beat), EW (element bits),
///              KH, KW, SH, SW, PT, PL, PB, PR (pads top, left, bottom, right),
///              OFM_H = (IFM_H + PT + PB - KH)/SH + 1, OFM_W = (IFM_W + PL + PR - KW)/SW + 1,
///              PAD (EW-bit element pattern written at out-of-image positions).
/// \param in   IFM_H*IFM_W*(C/SIMD) beats of SIMD*EW bits, pixel-major, channel folds inner:
///             beat (y*IFM_W + x)*CF + cf holds channels cf*SIMD + j in bits [j*EW +: EW].
///             Every beat is consumed, including rows and columns no window reaches.
/// \param out  for each output pixel (oy, ox), for each (ky, kx), for each channel fold cf, one beat:
///             input pixel (oy*SH - PT + ky, ox*SW - PL + kx), channels cf*SIMD .. cf*SIMD + SIMD - 1
///             in the same layout as in, or PAD in every element when that pixel is outside the image.
///
/// Schedule: one loop; each iteration reads one beat if the line-buffer slot it overwrites is no
/// longer needed and writes one beat if the pixel it needs has arrived (or is padding). Row r lives
/// in slot r % R; reading row r overwrites row r - R, which is free once the current output row's
/// first window row oy*SH - PT is above it. With R >= KH (or R == IFM_H) one of the two always
/// proceeds, so the loop ends after at most IN_BEATS + OUT_BEATS iterations.
template <class Cfg>
void swg(hls::stream<ap_uint<Cfg::SIMD * Cfg::EW> >& in,
         hls::stream<ap_uint<Cfg::SIMD * Cfg::EW> >& out) {
  typedef detail::SwgGeom<Cfg> G;
  typedef ap_uint<Cfg::SIMD * Cfg::EW> beat_t;
  static_assert(Cfg::SIMD >= 1 && Cfg::C % Cfg::SIMD == 0, "C must be divisible by SIMD");
  static_assert(Cfg::EW >= 1 && Cfg::EW <= 64, "EW must be 1..64 (PAD is 64 bits)");
  static_assert(Cfg::KH >= 1 && Cfg::KW >= 1 && Cfg::SH >= 1 && Cfg::SW >= 1,
                "kernel and stride must be at least 1");
  static_assert(Cfg::IFM_H + Cfg::PT + Cfg::PB >= Cfg::KH &&
                    Cfg::IFM_W + Cfg::PL + Cfg::PR >= Cfg::KW,
                "the kernel must fit in the padded image");
  static_assert(Cfg::OFM_H == (Cfg::IFM_H + Cfg::PT + Cfg::PB - Cfg::KH) / Cfg::SH + 1,
                "OFM_H must be (IFM_H + PT + PB - KH) / SH + 1");
  static_assert(Cfg::OFM_W == (Cfg::IFM_W + Cfg::PL + Cfg::PR - Cfg::KW) / Cfg::SW + 1,
                "OFM_W must be (IFM_W + PL + PR - KW) / SW + 1");
  static_assert(G::R >= Cfg::KH || G::R == Cfg::IFM_H, "line buffer too small");

  beat_t buf[G::R * G::ROW];
  const beat_t pad = detail::pad_beat<Cfg::SIMD, Cfg::EW>(Cfg::PAD);

  // Read side: next beat to read is row rr, position rpos within the row, kept in slot rslot.
  unsigned nread = 0;
  int rr = 0;
  unsigned rpos = 0;
  unsigned rslot = 0;
  // Write side: the window walk w, and wslot0, the slot of row w.wy0 (mod R).
  unsigned nwritten = 0;
  detail::WindowCursor<Cfg, G::CF> w;
  unsigned wslot0 = G::SLOT0;

swg_stream:
  for (unsigned it = 0; it < G::IN_BEATS + G::OUT_BEATS; ++it) {
#pragma HLS PIPELINE II = 1
    const bool rdone = nread == G::IN_BEATS;
    const bool wdone = nwritten == G::OUT_BEATS;
    if (rdone && wdone) break;

    // Output side: the element (y, x, cf) the next output beat needs.
    const int y = w.y();
    const bool inside = w.inside();
    const unsigned pos = static_cast<unsigned>(w.x()) * G::CF + w.cf;  // valid when inside
    const bool arrived =
        y < rr || (y == rr && pos < rpos);  // read already (rows and positions in order)
    const bool can_write = !wdone && (!inside || arrived);
    // Input side: slot rslot holds row rr - R, still needed while rr - R >= wy0.
    const bool can_read = !rdone && (wdone || rr < static_cast<int>(G::R) ||
                                     rr < w.wy0 + static_cast<int>(G::R));

    if (can_write) {
      unsigned slot = wslot0 + w.ky;
      if (slot >= G::R) slot -= G::R;
      out.write(inside ? buf[slot * G::ROW + pos] : pad);
      ++nwritten;
      if (w.advance()) {
        wslot0 += G::SH_MOD_R;
        if (wslot0 >= G::R) wslot0 -= G::R;
      }
    }

    if (can_read) {
      buf[rslot * G::ROW + rpos] = in.read();
      ++nread;
      if (++rpos == G::ROW) {
        rpos = 0;
        ++rr;
        if (++rslot == G::R) rslot = 0;
      }
    }
  }
#ifndef __SYNTHESIS__
  assert(nread == G::IN_BEATS && nwritten == G::OUT_BEATS);
#endif
}

}  // namespace bnn2hw

BNN2HW_LOOP_LABELS_END

#endif  // BNN2HW_SWG_HPP
