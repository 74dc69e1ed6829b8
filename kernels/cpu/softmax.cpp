#include "kernels/cpu/softmax.h"

#include <cmath>

namespace mgr::kernels::cpu {

namespace {
// Writes exp(x - max) into y and returns (max, sum of the exponentials).
void exp_shifted_row(float* y, const float* x, int64_t cols, float* max_out, float* sum_out) {
  float mx = -INFINITY;
  for (int64_t c = 0; c < cols; ++c) mx = std::fmax(mx, x[c]);
  float sum = 0.f;
  for (int64_t c = 0; c < cols; ++c) {
    y[c] = std::exp(x[c] - mx);
    sum += y[c];
  }
  *max_out = mx;
  *sum_out = sum;
}
}  // namespace

void softmax_rows(float* y, const float* x, int64_t rows, int64_t cols) {
  for (int64_t r = 0; r < rows; ++r) {
    float mx, sum;
    exp_shifted_row(y + r * cols, x + r * cols, cols, &mx, &sum);
    const float inv = 1.f / sum;
    for (int64_t c = 0; c < cols; ++c) y[r * cols + c] *= inv;
  }
}

float softmax_cross_entropy_forward(float* probs, float* row_loss, const float* logits,
                                    const int32_t* labels, int64_t rows, int64_t cols) {
  double total = 0.0;
  for (int64_t r = 0; r < rows; ++r) {
    const float* x = logits + r * cols;
    float* p = probs + r * cols;
    float mx, sum;
    exp_shifted_row(p, x, cols, &mx, &sum);
    const float inv = 1.f / sum;
    for (int64_t c = 0; c < cols; ++c) p[c] *= inv;
    // loss = log(sum exp(x)) - x[label] = log(sum) + max - x[label]
    row_loss[r] = std::log(sum) + mx - x[labels[r]];
    total += row_loss[r];
  }
  return rows > 0 ? static_cast<float>(total / static_cast<double>(rows)) : 0.f;
}

void softmax_cross_entropy_backward(float* dlogits, const float* probs, const int32_t* labels,
                                    const float* dloss, int64_t rows, int64_t cols) {
  if (rows == 0) return;
  const float scale = *dloss / static_cast<float>(rows);
  for (int64_t r = 0; r < rows; ++r) {
    const float* p = probs + r * cols;
    float* d = dlogits + r * cols;
    const int32_t label = labels[r];
    for (int64_t c = 0; c < cols; ++c) d[c] += scale * (p[c] - (c == label ? 1.f : 0.f));
  }
}

}  // namespace mgr::kernels::cpu
