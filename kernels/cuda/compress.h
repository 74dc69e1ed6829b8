// Frequency-axis pooling on the GPU: the same function as kernels/cpu/compress.h.
#pragma once

#include <cuda_runtime.h>

#include <cstdint>

#include "kernels/cpu/compress.h"  // BinGroups (plain arrays, passed by value)

namespace mgr::kernels::cuda {

using BinGroups = ::mgr::kernels::cpu::BinGroups;

// in [batch, bins, frames] -> out [batch, g.groups, frames], out row g = mean of its bin range
// (summed in bin order in float, like the CPU twin).
void average_bin_groups(float* out, const float* in, int64_t batch, int bins, int64_t frames,
                        const BinGroups& g, cudaStream_t stream);

}  // namespace mgr::kernels::cuda
