// Inverted dropout on the GPU: the functions of kernels/cpu/dropout.h, with the same mask.
#pragma once

#include <cuda_runtime.h>

#include <cstdint>

namespace mgr::kernels::cuda {

void dropout_forward(float* y, const float* x, int64_t n, float p, float scale, uint64_t key,
                     cudaStream_t stream);
void dropout_backward(float* dx, const float* dy, int64_t n, float p, float scale, uint64_t key,
                      cudaStream_t stream);

}  // namespace mgr::kernels::cuda
