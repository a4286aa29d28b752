// SPDX-License-Identifier: Apache-2.0
//
// C-simulation driver of swg. Configuration from -D macros (CFG_*); DATA_DIR/in.hex holds all
// frames' input beats. Writes out.hex.
#include "driver_io.hpp"

struct Cfg {
  static constexpr unsigned IFM_H = CFG_IFM_H, IFM_W = CFG_IFM_W, C = CFG_C, SIMD = CFG_SIMD;
  static constexpr unsigned EW = CFG_EW, KH = CFG_KH, KW = CFG_KW, SH = CFG_SH, SW = CFG_SW;
  static constexpr unsigned PT = CFG_PT, PL = CFG_PL, PB = CFG_PB, PR = CFG_PR;
  static constexpr unsigned OFM_H = (IFM_H + PT + PB - KH) / SH + 1;
  static constexpr unsigned OFM_W = (IFM_W + PL + PR - KW) / SW + 1;
  static constexpr unsigned long long PAD = CFG_PAD;
};

int main(int argc, char** argv) {
  const driver::Args a = driver::parse_args(argc, argv);
  hls::stream<ap_uint<Cfg::SIMD * Cfg::EW> > in("in");
  hls::stream<ap_uint<Cfg::SIMD * Cfg::EW> > out("out");
  driver::fill(in, a, "in.hex");
  bnn2hw_csim::record(true);
  for (unsigned f = 0; f < a.frames; ++f) bnn2hw::swg<Cfg>(in, out);
  driver::finish(a, in, out);
  return 0;
}
