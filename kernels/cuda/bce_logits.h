// Binary cross-entropy with logits on the GPU: the functions of kernels/cpu/bce_logits.h.
#pragma once

#include <cuda_runtime.h>

#include <cstdint>

namespace mgr::kernels::cuda {

// elem [n] (scratch) = per-element loss; loss[0] = their mean (deterministic order).
void bce_logits_forward(float* elem, float* loss, const float* x, const float* t, int64_t n,
                        cudaStream_t stream);

// dx += (*dloss / n) * (sigmoid(x) - t); dloss is a device pointer.
void bce_logits_backward(float* dx, const float* x, const float* t, const float* dloss, int64_t n,
                         cudaStream_t stream);

}  // namespace mgr::kernels::cuda
