#include "kernels/cpu/permute.h"

#include <algorithm>

namespace mgr::kernels::cpu {

void permute(float* y, const float* x, const int64_t* in_shape, const int* perm, int ndim,
             bool accumulate) {
  const PermutePlan plan = permute_plan(in_shape, perm, ndim);
  const int64_t n = plan.numel;
  const int64_t* out_shape = plan.out_shape;
  const int64_t* src_stride = plan.src_stride;
  // Walk the output in order with an odometer over its dimensions: the input offsets of
  // permute_source (which the CUDA kernel evaluates per element) without its divisions.
  int64_t idx[kMaxPermuteDims] = {0, 0, 0, 0, 0, 0};
  int64_t src = 0;
  for (int64_t o = 0; o < n; ++o) {
    if (accumulate)
      y[o] += x[src];
    else
      y[o] = x[src];
    for (int d = ndim - 1; d >= 0; --d) {
      if (++idx[d] < out_shape[d]) {
        src += src_stride[d];
        break;
      }
      src -= src_stride[d] * (out_shape[d] - 1);
      idx[d] = 0;
    }
  }
}

void select_middle(float* y, const float* x, int64_t outer, int64_t t_len, int64_t inner,
                   int64_t t) {
  for (int64_t o = 0; o < outer; ++o) {
    const float* src = x + middle_row(o, t_len, inner, t);
    float* dst = y + o * inner;
    for (int64_t i = 0; i < inner; ++i) dst[i] = src[i];
  }
}

void select_middle_backward(float* dx, const float* dy, int64_t outer, int64_t t_len, int64_t inner,
                            int64_t t) {
  for (int64_t o = 0; o < outer; ++o) {
    float* dst = dx + middle_row(o, t_len, inner, t);
    const float* src = dy + o * inner;
    for (int64_t i = 0; i < inner; ++i) dst[i] += src[i];
  }
}

void narrow_copy(float* y, const float* x, const NarrowPlan& p, bool accumulate) {
  const int64_t row = p.len * p.inner;
  if (row == 0) return;
  for (int64_t o = 0; o < p.outer; ++o) {
    const float* src = x + middle_row(o, p.x_len, p.inner, p.x_start);
    float* dst = y + middle_row(o, p.y_len, p.inner, p.y_start);
    if (accumulate) {
      for (int64_t i = 0; i < row; ++i) dst[i] += src[i];
    } else {
      std::copy(src, src + row, dst);
    }
  }
}

}  // namespace mgr::kernels::cpu
