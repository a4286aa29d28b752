// SPDX-License-Identifier: Apache-2.0
//
// C-simulation driver of mvau_threshold / mvau_acc. Configuration from -D macros (CFG_*); files in
// DATA_DIR: in.hex (all frames' input beats), w.hex (PE*TILES words, pe-major), t.hex (PE*NF
// thresholds as thresh_t bit patterns, pe-major; threshold mode only). Writes out.hex.
#include <type_traits>

#include "driver_io.hpp"

struct Cfg {
  static constexpr unsigned MW = CFG_MW, MH = CFG_MH, PE = CFG_PE, SIMD = CFG_SIMD;
  static constexpr unsigned SF = MW / SIMD, NF = MH / PE, TILES = NF * SF;
  static constexpr unsigned REPS = CFG_REPS, IN_BITS = CFG_IN_BITS;
  static constexpr bool IN_SIGNED = CFG_IN_SIGNED;
  static constexpr unsigned ACC_BITS = CFG_ACC_BITS;
  using acc_t = std::conditional<CFG_ACC_SIGNED, ap_int<CFG_ACC_BITS>, ap_uint<CFG_ACC_BITS> >::type;
  using thresh_t = std::conditional<CFG_THRESH_SIGNED, ap_int<CFG_THRESH_BITS>,
                                    ap_uint<CFG_THRESH_BITS> >::type;
};

static bnn2hw::rom_word<Cfg::SIMD>::type weights[Cfg::PE][Cfg::TILES];
static Cfg::thresh_t thresholds[Cfg::PE][Cfg::NF];

int main(int argc, char** argv) {
  const driver::Args a = driver::parse_args(argc, argv);
  const auto w = driver::read_words<Cfg::SIMD>(a, "w.hex");
  if (w.size() != Cfg::PE * Cfg::TILES) driver::fail("w.hex: wrong number of words");
  for (unsigned pe = 0; pe < Cfg::PE; ++pe)
    for (unsigned tile = 0; tile < Cfg::TILES; ++tile) weights[pe][tile] = w[pe * Cfg::TILES + tile];

  hls::stream<ap_uint<Cfg::SIMD * Cfg::IN_BITS> > in("in");
  driver::fill(in, a, "in.hex");
  bnn2hw_csim::record(true);
#if CFG_MODE == 0
  const auto t = driver::read_words<CFG_THRESH_BITS>(a, "t.hex");
  if (t.size() != Cfg::PE * Cfg::NF) driver::fail("t.hex: wrong number of words");
  for (unsigned pe = 0; pe < Cfg::PE; ++pe)
    for (unsigned nf = 0; nf < Cfg::NF; ++nf) thresholds[pe][nf] = t[pe * Cfg::NF + nf];
  hls::stream<ap_uint<Cfg::PE> > out("out");
  for (unsigned f = 0; f < a.frames; ++f) bnn2hw::mvau_threshold<Cfg>(in, out, weights, thresholds);
#else
  hls::stream<ap_uint<Cfg::PE * Cfg::ACC_BITS> > out("out");
  for (unsigned f = 0; f < a.frames; ++f) bnn2hw::mvau_acc<Cfg>(in, out, weights);
#endif
  driver::finish(a, in, out);
  return 0;
}
