// SPDX-License-Identifier: Apache-2.0
//
// Test-bench helpers (C-simulation only, never synthesized): hex beats to and from ap_uint, and
// line files. The hex format is bnn2hw's one beat format (bnn2hw.bits.bits_to_hex): lowercase,
// no 0x, zero-padded to ceil(W/4) digits, bit j of the value is element bit j (element 0 at the LSB).
// Independent of the C-simulation stream shim, so it also works with Vitis's hls_stream.h.
#ifndef BNN2HW_TB_IO_HPP
#define BNN2HW_TB_IO_HPP

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

#include "types.hpp"

namespace bnn2hw {
namespace detail {

[[noreturn]] inline void tb_fail(const std::string& what) {
  std::fprintf(stderr, "bnn2hw test bench: %s\n", what.c_str());
  std::fflush(stderr);
  std::abort();
}

inline int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace detail

/// Parse a hex beat (the last digit holds bits 3..0). Aborts on an empty string, a character that
/// is not a hex digit, or a one bit at or beyond W.
template <int W>
ap_uint<W> from_hex(const std::string& text) {
  if (text.empty()) detail::tb_fail("empty hex value");
  ap_uint<W> v = 0;
  const std::size_t n = text.size();
  for (std::size_t k = 0; k < n; ++k) {
    const int d = detail::hex_digit(text[n - 1 - k]);
    if (d < 0) detail::tb_fail("bad hex digit in '" + text + "'");
    for (int b = 0; b < 4; ++b) {
      if (!((d >> b) & 1)) continue;
      const std::size_t pos = 4 * k + static_cast<std::size_t>(b);
      if (pos >= static_cast<std::size_t>(W))
        detail::tb_fail("hex value '" + text + "' has bits beyond " + std::to_string(W));
      v[static_cast<int>(pos)] = 1;
    }
  }
  return v;
}

/// Format a beat as hex: ceil(W/4) lowercase digits, most significant first.
template <int W>
std::string to_hex(const ap_uint<W>& v) {
  static const char DIGITS[] = "0123456789abcdef";
  const int n = (W + 3) / 4;
  std::string s(static_cast<std::size_t>(n), '0');
  for (int k = 0; k < n; ++k) {
    int d = 0;
    for (int b = 0; b < 4; ++b) {
      const int pos = 4 * k + b;
      if (pos < W && v[pos]) d |= 1 << b;
    }
    s[static_cast<std::size_t>(n - 1 - k)] = DIGITS[d];
  }
  return s;
}

/// Lines of a text file without trailing whitespace, skipping empty lines and '#' comments.
/// Aborts with the path when the file cannot be opened.
inline std::vector<std::string> read_lines(const std::string& path) {
  std::ifstream f(path.c_str());
  if (!f) detail::tb_fail("cannot open '" + path + "' for reading");
  std::vector<std::string> lines;
  std::string line;
  while (std::getline(f, line)) {
    const std::size_t end = line.find_last_not_of(" \t\r\n");
    if (end == std::string::npos) continue;
    line.erase(end + 1);
    const std::size_t start = line.find_first_not_of(" \t");
    line.erase(0, start);
    if (line[0] == '#') continue;
    lines.push_back(line);
  }
  return lines;
}

/// Write one string per line. Aborts with the path when the file cannot be written.
inline void write_lines(const std::string& path, const std::vector<std::string>& lines) {
  std::ofstream f(path.c_str());
  if (!f) detail::tb_fail("cannot open '" + path + "' for writing");
  for (std::size_t i = 0; i < lines.size(); ++i) f << lines[i] << '\n';
  f.flush();
  if (!f) detail::tb_fail("error writing '" + path + "'");
}

}  // namespace bnn2hw

#endif  // BNN2HW_TB_IO_HPP
