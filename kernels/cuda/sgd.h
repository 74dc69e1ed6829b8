// One fused SGD update of one parameter tensor on the GPU: the function of kernels/cpu/sgd.h.
#pragma once

#include <cuda_runtime.h>

#include <cstdint>

#include "kernels/cpu/sgd.h"  // SgdScalars

namespace mgr::kernels::cuda {

// buf may be null when s.momentum == 0.
void sgd_step(float* param, const float* grad, float* buf, int64_t n, const SgdScalars& s,
              cudaStream_t stream);

}  // namespace mgr::kernels::cuda
