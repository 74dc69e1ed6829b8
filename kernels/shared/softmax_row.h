// Row-wise softmax and softmax cross-entropy arithmetic, written once for both devices: the CPU
// twin (kernels/cpu/softmax.cpp) and the CUDA kernels (kernels/cuda/softmax.cu, one warp per row)
// call these. The row sum has a fixed order: lane l of kSoftmaxLanes sums columns l, l + lanes,
// ... in increasing order, then the lanes fold half onto half (p[i] += p[i + s], s = 16, ..., 1).
// The warp's xor-shuffle butterfly computes exactly that tree (each lane adds the same two
// partials, and float addition is commutative), and the CPU runs the lanes one after the other.
// Every step rounds to nearest (no FMA), so only expf/logf can differ, by an ulp, between the
// devices.
#pragma once

#include <cmath>
#include <cstdint>

#include "kernels/shared/elementwise_ops.h"
#include "kernels/shared/host_device.h"

namespace mgr::kernels::softmax_row {

constexpr int kSoftmaxLanes = 32;  // one warp

// Max of x[c], c = lane, lane + lanes, ... < cols (-inf for none; NaNs ignored, as fmaxf). Max
// is exact in any order, so lanes = 1 gives the row maximum.
MGR_HOST_DEVICE inline float lane_max(const float* x, int64_t cols, int lane, int lanes) {
  float mx = -INFINITY;
  for (int64_t c = lane; c < cols; c += lanes) mx = fmaxf(mx, x[c]);
  return mx;
}

// y[c] = exp(x[c] - mx) for the lane's columns; returns their sum in increasing c.
MGR_HOST_DEVICE inline float lane_exp_sum(float* y, const float* x, int64_t cols, float mx,
                                          int lane) {
  float sum = 0.f;
  for (int64_t c = lane; c < cols; c += kSoftmaxLanes) {
    const float e = expf(fsub(x[c], mx));
    y[c] = e;
    sum = fadd(sum, e);
  }
  return sum;
}

// Folds kSoftmaxLanes partial sums half onto half (the warp butterfly's tree); returns the total.
MGR_HOST_DEVICE inline float fold_lanes(float* p) {
  for (int s = kSoftmaxLanes / 2; s > 0; s >>= 1)
    for (int i = 0; i < s; ++i) p[i] = fadd(p[i], p[i + s]);
  return p[0];
}

// y[c] *= 1 / sum for the lane's columns.
MGR_HOST_DEVICE inline void lane_normalise(float* y, int64_t cols, float sum, int lane) {
  const float inv = fdiv(1.f, sum);
  for (int64_t c = lane; c < cols; c += kSoftmaxLanes) y[c] = fmul(y[c], inv);
}

// Cross-entropy of a row: logsumexp(x) - x[label] = (log(sum) + max) - x[label].
MGR_HOST_DEVICE inline float row_loss(float sum, float mx, float x_label) {
  return fsub(fadd(logf(sum), mx), x_label);
}

// d(mean loss)/dlogit scale: g / rows.
MGR_HOST_DEVICE inline float grad_scale(float dloss, int64_t rows) {
  return fdiv(dloss, static_cast<float>(rows));
}

// dlogits[r, c] + scale * (probs[r, c] - [c == label]).
MGR_HOST_DEVICE inline float grad_accum(float d, float p, bool is_label, float scale) {
  return axpy_value(d, scale, fsub(p, is_label ? 1.f : 0.f));
}

}  // namespace mgr::kernels::softmax_row
