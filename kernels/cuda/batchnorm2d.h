// Batch-norm pieces cuDNN does not provide: the backward pass in evaluation mode, where the
// normalising statistics are the running ones (constants, so dx = gamma * invstd * dy).
#pragma once

#include <cuda_runtime.h>

#include <cstdint>

namespace mgr::kernels::cuda {

// Same function as kernels::cpu::batchnorm2d_backward(batch_stats = false) with
// invstd = 1 / sqrt(var + eps): dx += gamma * invstd * dy, dgamma += sum(dy * xhat),
// dbeta += sum(dy). A null pointer skips that gradient. One block per channel reduces in a
// fixed order, so the result is deterministic.
void batchnorm2d_backward_eval(const float* x, const float* gamma, const float* dy,
                               const float* mean, const float* var, float eps, float* dx,
                               float* dgamma, float* dbeta, int n, int c, int64_t hw,
                               cudaStream_t stream);

}  // namespace mgr::kernels::cuda
