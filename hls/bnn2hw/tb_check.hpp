// SPDX-License-Identifier: Apache-2.0
// bnn2hw test-bench support (C-simulation only, never synthesized): compares streams of hex beats
// element by element and reports each mismatch with frame, layer, position and channel.
//
// Beats are hex strings, element 0 at the LSB (bnn2hw/bits.py); element i of a beat of
// E x BITS-bit elements occupies bits [i*BITS +: BITS]. A frame is `beats` consecutive beats
// holding a tensor flattened in NHWC order with shape (h, w, c).
#pragma once

#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

#include "tb_io.hpp"

namespace bnn2hw {

/// How a stream's beats map to a tensor: `elems` elements of `bits` bits per beat (bits <= 64),
/// `beats` beats per frame, tensor shape (h, w, c) in NHWC order.
struct StreamLayout {
    const char* name;
    unsigned elems;
    unsigned bits;
    bool is_signed;
    unsigned beats;
    unsigned h, w, c;
};

/// Bits [lo, lo + bits) of a hex number (most significant digit first); 0 beyond its digits.
/// Aborts on a character that is not a hex digit (tb_io.hpp's parser).
inline std::uint64_t hex_field(const std::string& hex, unsigned lo, unsigned bits) {
    std::uint64_t v = 0;
    for (unsigned b = 0; b < bits; ++b) {
        const unsigned pos = lo + b;
        const std::size_t digit = pos / 4;
        if (digit >= hex.size()) break;
        const int nib = detail::hex_digit(hex[hex.size() - 1 - digit]);
        if (nib < 0) detail::tb_fail("bad hex digit in '" + hex + "'");
        v |= std::uint64_t((unsigned(nib) >> (pos % 4)) & 1u) << b;
    }
    return v;
}

/// A raw `bits`-bit field as a signed or unsigned value.
inline long long field_value(std::uint64_t raw, unsigned bits, bool is_signed) {
    if (is_signed && bits < 64 && ((raw >> (bits - 1)) & 1u)) {
        return static_cast<long long>(raw) - (1LL << bits);
    }
    return static_cast<long long>(raw);
}

/// Counts compared values and mismatches over several streams; prints the first few.
class Checker {
  public:
    unsigned long long compared = 0;
    unsigned long long mismatches = 0;
    unsigned limit = 10;

    /// Compares `got` against `want` beat by beat and element by element.
    /// Returns false (and counts every element of the missing frames) on a length mismatch.
    bool check(const StreamLayout& s, const std::vector<std::string>& got,
               const std::vector<std::string>& want) {
        bool ok = true;
        if (got.size() != want.size()) {
            std::printf("mismatch: layer %s: %zu beats produced, %zu expected\n", s.name,
                        got.size(), want.size());
            ++mismatches;
            ok = false;
        }
        const std::size_t n = got.size() < want.size() ? got.size() : want.size();
        for (std::size_t beat = 0; beat < n; ++beat) {
            for (unsigned i = 0; i < s.elems; ++i) {
                const std::uint64_t g = hex_field(got[beat], i * s.bits, s.bits);
                const std::uint64_t e = hex_field(want[beat], i * s.bits, s.bits);
                ++compared;
                if (g == e) continue;
                ok = false;
                if (mismatches++ < limit) report(s, beat, i, g, e);
            }
        }
        return ok;
    }

  private:
    void report(const StreamLayout& s, std::size_t beat, unsigned i, std::uint64_t g,
                std::uint64_t e) const {
        const std::size_t frame = beat / s.beats;
        const std::size_t idx = (beat % s.beats) * s.elems + i;
        const std::size_t ch = idx % s.c;
        const std::size_t x = (idx / s.c) % s.w;
        const std::size_t y = idx / (std::size_t(s.c) * s.w);
        std::printf("mismatch: frame %zu, layer %s, position (%zu, %zu), channel %zu: csim %lld, "
                    "golden %lld\n",
                    frame, s.name, y, x, ch, field_value(g, s.bits, s.is_signed),
                    field_value(e, s.bits, s.is_signed));
    }
};

}  // namespace bnn2hw
