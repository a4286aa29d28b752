// SPDX-License-Identifier: Apache-2.0
//
// C-simulation driver of label_select. Configuration from -D macros (CFG_*); DATA_DIR/in.hex holds
// all frames' accumulator beats. Writes out.hex (one beat of K indices per frame).
#include "driver_io.hpp"

struct Cfg {
  static constexpr unsigned N = CFG_N, PE = CFG_PE, ACC_BITS = CFG_ACC_BITS;
  static constexpr bool ACC_SIGNED = CFG_ACC_SIGNED;
  static constexpr unsigned K = CFG_K, IDX_BITS = CFG_IDX_BITS;
  static constexpr bool DESCENDING = CFG_DESCENDING;
};

int main(int argc, char** argv) {
  const driver::Args a = driver::parse_args(argc, argv);
  hls::stream<ap_uint<Cfg::PE * Cfg::ACC_BITS> > in("in");
  hls::stream<ap_uint<Cfg::K * Cfg::IDX_BITS> > out("out");
  driver::fill(in, a, "in.hex");
  bnn2hw_csim::record(true);
  for (unsigned f = 0; f < a.frames; ++f) bnn2hw::label_select<Cfg>(in, out);
  driver::finish(a, in, out);
  return 0;
}
