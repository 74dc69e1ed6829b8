// Frequency-axis pooling reference kernel: each output row is the mean of a contiguous range
// of input bins (paper 003's octave compression is one table of such ranges). Plain data only.
#pragma once

#include <cstdint>

namespace mgr::kernels::cpu {

constexpr int kMaxBinGroups = 128;

// Output row g averages input bins begin[g] .. begin[g] + count[g] - 1. Passed by value to the
// CUDA kernel (1,028 bytes of kernel parameters), so it holds arrays, not pointers.
struct BinGroups {
  int groups = 0;
  int begin[kMaxBinGroups] = {};
  int count[kMaxBinGroups] = {};
};

// in [batch, bins, frames] -> out [batch, g.groups, frames]; the sum is taken in float in bin
// order, then divided by count.
void average_bin_groups(float* out, const float* in, int64_t batch, int bins, int64_t frames,
                        const BinGroups& g);

}  // namespace mgr::kernels::cpu
