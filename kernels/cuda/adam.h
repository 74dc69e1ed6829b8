// One fused Adam update of one parameter tensor on the GPU: the function of kernels/cpu/adam.h.
#pragma once

#include <cuda_runtime.h>

#include <cstdint>

#include "kernels/cpu/adam.h"  // AdamScalars

namespace mgr::kernels::cuda {

void adam_step(float* param, const float* grad, float* m, float* v, int64_t n, const AdamScalars& s,
               cudaStream_t stream);

}  // namespace mgr::kernels::cuda
