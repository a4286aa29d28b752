// SPDX-License-Identifier: Apache-2.0
//
// bnn2hw's own hls::stream for C-simulation with g++ (Vitis HLS puts its own hls_stream.h first
// on the include path, so this file is only seen outside Vitis). It implements the subset of the
// Vitis API that bnn2hw's kernels and test benches use, backed by an unbounded std::deque:
// csim runs dataflow processes one after another, so depths do not matter and full() is never true.
// Reading an empty stream is a deadlock in hardware; here it prints the stream's name and aborts.
//
// Recording (bnn2hw_csim::record): while on, every write to a stream constructed with a non-empty
// name appends the beat as hex to recorded(name). The hex format is bnn2hw's one beat format
// (bnn2hw.bits.bits_to_hex): lowercase, no 0x, zero-padded to ceil(W/4) digits, element 0 at the LSB.
#ifndef BNN2HW_CSIM_HLS_STREAM_H
#define BNN2HW_CSIM_HLS_STREAM_H

#define BNN2HW_CSIM_STREAM 1

#include <cctype>
#include <cstddef>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <map>
#include <string>
#include <type_traits>
#include <vector>

namespace bnn2hw_csim {
namespace detail {

// Function-local statics: one instance program-wide, header-only, no ODR trouble.
inline bool& recording_flag() {
  static bool on = false;
  return on;
}

inline std::map<std::string, std::vector<std::string> >& recordings() {
  static std::map<std::string, std::vector<std::string> > store;
  return store;
}

/// True for ap_[u]int-like types: a static `width` member.
template <typename T>
struct has_width {
  template <typename U>
  static char test(decltype(U::width)*);
  template <typename U>
  static long test(...);
  static const bool value = sizeof(test<T>(0)) == 1;
};

inline std::string pad_hex(std::string s, std::size_t digits) {
  if (s.size() >= 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) s = s.substr(2);
  for (std::size_t i = 0; i < s.size(); ++i)
    s[i] = static_cast<char>(std::tolower(static_cast<unsigned char>(s[i])));
  const std::size_t first = s.find_first_not_of('0');
  s = (first == std::string::npos) ? std::string() : s.substr(first);
  if (s.size() < digits) s = std::string(digits - s.size(), '0') + s;
  return s;
}

/// A beat as bnn2hw hex. ap_[u]int: `T::width` bits, `to_string(16, false)` gives the unsigned
/// value as "0x1ab"; strip the prefix, lowercase, left-pad to ceil(width/4) digits.
template <typename T>
typename std::enable_if<has_width<T>::value, std::string>::type beat_hex(const T& v) {
  return pad_hex(v.to_string(16, false), (static_cast<std::size_t>(T::width) + 3) / 4);
}

/// Plain integers and bool: their bit pattern (bool: 1 bit).
template <typename T>
typename std::enable_if<!has_width<T>::value && std::is_integral<T>::value, std::string>::type
beat_hex(const T& v) {
  const std::size_t bits = std::is_same<T, bool>::value ? 1 : sizeof(T) * 8;
  char text[32];
  std::snprintf(text, sizeof text, "%llx",
                static_cast<unsigned long long>(static_cast<typename std::make_unsigned<
                    typename std::conditional<std::is_same<T, bool>::value, unsigned char,
                                              T>::type>::type>(v)));
  return pad_hex(text, (bits + 3) / 4);
}

/// Any other type (a struct beat): recorded as an empty string.
template <typename T>
typename std::enable_if<!has_width<T>::value && !std::is_integral<T>::value, std::string>::type
beat_hex(const T&) {
  return std::string();
}

}  // namespace detail

/// Turn recording of named streams' writes on or off.
inline void record(bool on) { detail::recording_flag() = on; }

/// The beats written so far to the stream(s) called `name` while recording was on (hex, in order).
inline const std::vector<std::string>& recorded(const std::string& name) {
  return detail::recordings()[name];
}

/// Forget every recorded beat.
inline void clear_recorded() { detail::recordings().clear(); }

}  // namespace bnn2hw_csim

namespace hls {

/// Unbounded FIFO with the blocking/non-blocking API of Vitis HLS's hls::stream.
template <typename T>
class stream {
 public:
  stream() : name_() {}
  explicit stream(const char* name) : name_(name ? name : "") {}
  explicit stream(const std::string& name) : name_(name) {}

  stream(const stream&) = delete;
  stream& operator=(const stream&) = delete;

  void write(const T& v) {
    if (!name_.empty() && bnn2hw_csim::detail::recording_flag())
      bnn2hw_csim::detail::recordings()[name_].push_back(bnn2hw_csim::detail::beat_hex(v));
    data_.push_back(v);
  }

  T read() {
    if (data_.empty()) {
      std::fprintf(stderr, "hls::stream '%s': read while empty\n", name_.c_str());
      std::fflush(stderr);
      std::abort();
    }
    T v = data_.front();
    data_.pop_front();
    return v;
  }

  void read(T& v) { v = read(); }

  bool read_nb(T& v) {
    if (data_.empty()) return false;
    v = read();
    return true;
  }

  bool write_nb(const T& v) {
    write(v);
    return true;
  }

  bool empty() const { return data_.empty(); }
  bool full() const { return false; }
  std::size_t size() const { return data_.size(); }

  // void, as in Vitis: chaining would not compile there.
  void operator<<(const T& v) { write(v); }
  void operator>>(T& v) { read(v); }

 private:
  std::string name_;
  std::deque<T> data_;
};

}  // namespace hls

#endif  // BNN2HW_CSIM_HLS_STREAM_H
