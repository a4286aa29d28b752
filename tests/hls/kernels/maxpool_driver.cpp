// SPDX-License-Identifier: Apache-2.0
//
// C-simulation driver of maxpool. Configuration from -D macros (CFG_*); DATA_DIR holds in.hex (all
// frames' input beats) and mask.hex (C/PE words of and_mask). Writes out.hex.
#include "driver_io.hpp"

struct Cfg {
  static constexpr unsigned IFM_H = CFG_IFM_H, IFM_W = CFG_IFM_W, C = CFG_C, PE = CFG_PE;
  static constexpr unsigned KH = CFG_KH, KW = CFG_KW, SH = CFG_SH, SW = CFG_SW;
  static constexpr unsigned PT = CFG_PT, PL = CFG_PL, PB = CFG_PB, PR = CFG_PR;
  static constexpr unsigned OFM_H = (IFM_H + PT + PB - KH) / SH + 1;
  static constexpr unsigned OFM_W = (IFM_W + PL + PR - KW) / SW + 1;
};

static ap_uint<Cfg::PE> and_mask[Cfg::C / Cfg::PE];

int main(int argc, char** argv) {
  const driver::Args a = driver::parse_args(argc, argv);
  const auto m = driver::read_words<Cfg::PE>(a, "mask.hex");
  if (m.size() != Cfg::C / Cfg::PE) driver::fail("mask.hex: wrong number of words");
  for (unsigned cf = 0; cf < Cfg::C / Cfg::PE; ++cf) and_mask[cf] = m[cf];
  hls::stream<ap_uint<Cfg::PE> > in("in");
  hls::stream<ap_uint<Cfg::PE> > out("out");
  driver::fill(in, a, "in.hex");
  bnn2hw_csim::record(true);
  for (unsigned f = 0; f < a.frames; ++f) bnn2hw::maxpool<Cfg>(in, out, and_mask);
  driver::finish(a, in, out);
  return 0;
}
