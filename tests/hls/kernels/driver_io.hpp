// SPDX-License-Identifier: Apache-2.0
//
// Shared plumbing of the kernel C-simulation drivers: argv, hex beat files, and the check that
// the stream recorder saw exactly the beats the driver writes out.
#ifndef BNN2HW_TESTS_DRIVER_IO_HPP
#define BNN2HW_TESTS_DRIVER_IO_HPP

#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "bnn2hw/bnn2hw.hpp"
#include "bnn2hw/tb_io.hpp"

namespace driver {

struct Args {
  std::string dir;
  unsigned frames;
};

inline Args parse_args(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: %s DATA_DIR FRAMES\n", argv[0]);
    std::exit(2);
  }
  Args a;
  a.dir = argv[1];
  a.frames = static_cast<unsigned>(std::strtoul(argv[2], nullptr, 10));
  return a;
}

/// Hex lines of dir/name as W-bit words.
template <int W>
std::vector<ap_uint<W> > read_words(const Args& a, const std::string& name) {
  const std::vector<std::string> lines = bnn2hw::read_lines(a.dir + "/" + name);
  std::vector<ap_uint<W> > words;
  for (std::size_t i = 0; i < lines.size(); ++i) words.push_back(bnn2hw::from_hex<W>(lines[i]));
  return words;
}

/// Push every word of dir/name into a stream.
template <int W>
void fill(hls::stream<ap_uint<W> >& s, const Args& a, const std::string& name) {
  const std::vector<ap_uint<W> > words = read_words<W>(a, name);
  for (std::size_t i = 0; i < words.size(); ++i) s.write(words[i]);
}

[[noreturn]] inline void fail(const std::string& what) {
  std::fprintf(stderr, "driver: %s\n", what.c_str());
  std::exit(1);
}

/// Drain `out` into dir/out.hex after checking that the kernels consumed all of `in`, and that the
/// recorder (stream named "out") holds the same hex lines as tb_io's to_hex.
template <int WI, int WO>
void finish(const Args& a, hls::stream<ap_uint<WI> >& in, hls::stream<ap_uint<WO> >& out) {
  if (!in.empty()) fail(std::to_string(in.size()) + " input beats left unread");
  std::vector<std::string> lines;
  while (!out.empty()) lines.push_back(bnn2hw::to_hex<WO>(out.read()));
  const std::vector<std::string>& rec = bnn2hw_csim::recorded("out");
  if (rec != lines) fail("recorded beats differ from the output beats");
  bnn2hw::write_lines(a.dir + "/out.hex", lines);
}

}  // namespace driver

#endif  // BNN2HW_TESTS_DRIVER_IO_HPP
