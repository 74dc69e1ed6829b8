// Row-wise softmax and softmax cross-entropy (CPU reference). Row-major [rows, cols].
#pragma once

#include <cstdint>

namespace mgr::kernels::cpu {

// y[r, :] = softmax(x[r, :]), computed stably (the row maximum is subtracted first).
void softmax_rows(float* y, const float* x, int64_t rows, int64_t cols);

// Per row r: probs[r, :] = softmax(logits[r, :]) and row_loss[r] = logsumexp(logits[r, :]) -
// logits[r, labels[r]]. Returns the mean of row_loss (accumulated in double). Labels must lie in
// [0, cols); the caller validates them.
float softmax_cross_entropy_forward(float* probs, float* row_loss, const float* logits,
                                    const int32_t* labels, int64_t rows, int64_t cols);

// dlogits[r, c] += g * (probs[r, c] - [c == labels[r]]) / rows, where g = *dloss.
void softmax_cross_entropy_backward(float* dlogits, const float* probs, const int32_t* labels,
                                    const float* dloss, int64_t rows, int64_t cols);

}  // namespace mgr::kernels::cpu
