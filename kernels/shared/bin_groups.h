// Frequency-axis pooling (the mean of a contiguous range of bins), written once for both devices
// (kernels/cpu/compress.cpp average_bin_groups, kernels/cuda/compress.cu
// average_bin_groups_kernel): summed in bin order in float, then scaled by 1 / count.
#pragma once

#include <cstdint>

#include "kernels/shared/host_device.h"

namespace mgr::kernels {

// out[t] = mean over k < count of first[k * stride + t], for t < n: the CPU passes a whole row
// of frames (the loops vectorise along t), a CUDA thread one frame (n = 1, out a register).
MGR_HOST_DEVICE inline void bin_group_mean(float* out, const float* first, int64_t stride,
                                           int count, int64_t n) {
  for (int64_t t = 0; t < n; ++t) out[t] = first[t];
  for (int k = 1; k < count; ++k) {
    const float* src = first + k * stride;
    for (int64_t t = 0; t < n; ++t) out[t] = fadd(out[t], src[t]);
  }
  if (count > 1) {
    const float inv = fdiv(1.f, static_cast<float>(count));  // counts are powers of two here
    for (int64_t t = 0; t < n; ++t) out[t] = fmul(out[t], inv);
  }
}

}  // namespace mgr::kernels
