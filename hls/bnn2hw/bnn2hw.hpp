// SPDX-License-Identifier: Apache-2.0
//
// The bnn2hw HLS kernel library in one include: MVAU (XNOR-popcount / integer, thresholds or raw
// accumulators), sliding-window generator, binary max-pool, stream width tools, label select.
// Test benches add tb_io.hpp.
#ifndef BNN2HW_BNN2HW_HPP
#define BNN2HW_BNN2HW_HPP

#include "types.hpp"
#include "threshold.hpp"
#include "mvau.hpp"
#include "swg.hpp"
#include "maxpool.hpp"
#include "streams.hpp"
#include "label_select.hpp"

#endif  // BNN2HW_BNN2HW_HPP
