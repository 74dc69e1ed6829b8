// Row-wise softmax and softmax cross-entropy on the GPU: the functions of kernels/cpu/softmax.h.
#pragma once

#include <cuda_runtime.h>

#include <cstdint>

namespace mgr::kernels::cuda {

// out[0] = mean of v[0..n) (0 for n = 0), summed in double in the fixed order of the CPU's
// ordered_sum (kernels/shared/framewise_common.h): one block, deterministic.
void mean_f32(float* out, const float* v, int64_t n, cudaStream_t stream);

void softmax_rows(float* y, const float* x, int64_t rows, int64_t cols, cudaStream_t stream);

// probs [rows, cols], row_loss [rows] (scratch), loss [1] = mean of row_loss. A label outside
// [0, cols) is never used as an index: that row's loss is NaN (so the mean is NaN), and its
// gradient has no one-hot term. Labels are validated on the host before upload (ops layer).
void softmax_cross_entropy_forward(float* probs, float* row_loss, float* loss, const float* logits,
                                   const int32_t* labels, int64_t rows, int64_t cols,
                                   cudaStream_t stream);

// dlogits += (*dloss / rows) * (probs - onehot(labels)); dloss is a device pointer.
void softmax_cross_entropy_backward(float* dlogits, const float* probs, const int32_t* labels,
                                    const float* dloss, int64_t rows, int64_t cols,
                                    cudaStream_t stream);

}  // namespace mgr::kernels::cuda
