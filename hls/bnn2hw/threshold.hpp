// SPDX-License-Identifier: Apache-2.0
//
// The threshold compare of the arithmetic contract (DESIGN.md): out_bit = (acc >= T).
// This is the only place the compare is written; every thresholding kernel calls it.
#ifndef BNN2HW_THRESHOLD_HPP
#define BNN2HW_THRESHOLD_HPP

#include "types.hpp"

namespace bnn2hw {

/// One output bit: 1 (meaning +1) iff the accumulator reaches the threshold.
/// Ties (acc == t) give 1. acc and t may differ in width and signedness: ap_int compares values.
/// \tparam Acc  accumulator type (ap_uint popcount or ap_int integer dot product)
/// \tparam T    threshold type
template <class Acc, class T>
inline bool threshold(const Acc& acc, const T& t) {
#pragma HLS INLINE
  return acc >= t;
}

}  // namespace bnn2hw

#endif  // BNN2HW_THRESHOLD_HPP
