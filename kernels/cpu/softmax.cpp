#include "kernels/cpu/softmax.h"

#include "kernels/shared/framewise_common.h"
#include "kernels/shared/softmax_row.h"

namespace mgr::kernels::cpu {

// The arithmetic, the row sum's order included, is kernels/shared/softmax_row.h, the CUDA
// kernels' as well; the CPU runs the warp's lanes one after the other.

namespace {
// Writes softmax(x) into y; returns the row maximum and the sum of exp(x - max).
void row_softmax(float* y, const float* x, int64_t cols, float* max_out, float* sum_out) {
  const float mx = softmax_row::lane_max(x, cols, 0, 1);
  float partial[softmax_row::kSoftmaxLanes];
  for (int l = 0; l < softmax_row::kSoftmaxLanes; ++l)
    partial[l] = softmax_row::lane_exp_sum(y, x, cols, mx, l);
  const float sum = softmax_row::fold_lanes(partial);
  for (int l = 0; l < softmax_row::kSoftmaxLanes; ++l) softmax_row::lane_normalise(y, cols, sum, l);
  *max_out = mx;
  *sum_out = sum;
}
}  // namespace

void softmax_rows(float* y, const float* x, int64_t rows, int64_t cols) {
  for (int64_t r = 0; r < rows; ++r) {
    float mx, sum;
    row_softmax(y + r * cols, x + r * cols, cols, &mx, &sum);
  }
}

float softmax_cross_entropy_forward(float* probs, float* row_loss, const float* logits,
                                    const int32_t* labels, int64_t rows, int64_t cols) {
  for (int64_t r = 0; r < rows; ++r) {
    const float* x = logits + r * cols;
    float mx, sum;
    row_softmax(probs + r * cols, x, cols, &mx, &sum);
    row_loss[r] = softmax_row::row_loss(sum, mx, x[labels[r]]);
  }
  if (rows == 0) return 0.f;
  // The mean in double, in the CUDA mean kernel's fixed order (256 lanes folded half onto half).
  const double total = ordered_sum(rows, [&](int64_t r) { return double(row_loss[r]); });
  return static_cast<float>(total / static_cast<double>(rows));
}

void softmax_cross_entropy_backward(float* dlogits, const float* probs, const int32_t* labels,
                                    const float* dloss, int64_t rows, int64_t cols) {
  if (rows == 0) return;
  const float scale = softmax_row::grad_scale(*dloss, rows);
  for (int64_t r = 0; r < rows; ++r) {
    const float* p = probs + r * cols;
    float* d = dlogits + r * cols;
    const int32_t label = labels[r];
    for (int64_t c = 0; c < cols; ++c)
      d[c] = softmax_row::grad_accum(d[c], p[c], c == label, scale);
  }
}

}  // namespace mgr::kernels::cpu
