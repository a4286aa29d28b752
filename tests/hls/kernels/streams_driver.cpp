// SPDX-License-Identifier: Apache-2.0
//
// C-simulation driver of width_convert (CFG_KIND 0: CFG_IN_E, CFG_OUT_E, CFG_EW, CFG_N) and
// resize_beats (CFG_KIND 1: CFG_IN_W, CFG_OUT_W, CFG_BEATS). DATA_DIR/in.hex holds all frames'
// input beats. Writes out.hex.
#include "driver_io.hpp"

int main(int argc, char** argv) {
  const driver::Args a = driver::parse_args(argc, argv);
#if CFG_KIND == 0
  hls::stream<ap_uint<CFG_IN_E * CFG_EW> > in("in");
  hls::stream<ap_uint<CFG_OUT_E * CFG_EW> > out("out");
  driver::fill(in, a, "in.hex");
  bnn2hw_csim::record(true);
  for (unsigned f = 0; f < a.frames; ++f)
    bnn2hw::width_convert<CFG_IN_E, CFG_OUT_E, CFG_EW, CFG_N>(in, out);
#else
  hls::stream<ap_uint<CFG_IN_W> > in("in");
  hls::stream<ap_uint<CFG_OUT_W> > out("out");
  driver::fill(in, a, "in.hex");
  bnn2hw_csim::record(true);
  for (unsigned f = 0; f < a.frames; ++f) bnn2hw::resize_beats<CFG_IN_W, CFG_OUT_W, CFG_BEATS>(in, out);
#endif
  driver::finish(a, in, out);
  return 0;
}
