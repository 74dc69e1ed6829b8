// k-nearest-neighbour arithmetic shared by the CPU twin (kernels/cpu/knn.cpp) and the CUDA
// kernels (kernels/cuda/knn.cu): the row transform (standardisation, group weights, cosine
// normalisation), the distance key computed from a GEMM's dot product, and the neighbour order.
#pragma once

#include <cstdint>

#include "kernels/shared/host_device.h"

namespace mgr::kernels {

// out[j] = (in[j] - mean[j]) * scale[j] for j < d; with `normalise`, the row is then divided by
// its L2 norm (a row of norm 0 stays 0). Returns the squared L2 norm of the output row, summed
// in double in column order (1 or 0 after normalising).
MGR_HOST_DEVICE inline float knn_transform_row(const float* in, float* out, const float* mean,
                                               const float* scale, int64_t d, bool normalise) {
  double s = 0.0;
  for (int64_t j = 0; j < d; ++j) {
    const float v = fmul(fsub(in[j], mean[j]), scale[j]);
    out[j] = v;
    s = dadd(s, dmul(double(v), double(v)));
  }
  if (normalise && s > 0.0) {
    const double inv = ddiv(1.0, dsqrt(s));
    double s2 = 0.0;
    for (int64_t j = 0; j < d; ++j) {
      const float v = to_float(dmul(double(out[j]), inv));
      out[j] = v;
      s2 = dadd(s2, dmul(double(v), double(v)));
    }
    s = s2;
  }
  return to_float(s);
}

// The ranking key of a (query, training row) pair from their dot product: the squared Euclidean
// distance qn + xn - 2 dot (clamped at +0: cancellation can make it slightly negative), or the
// cosine distance 1 - dot of unit rows. Never -0, so sorting the float bits ranks like `<`.
MGR_HOST_DEVICE inline float knn_key(float dot, float q_sqnorm, float x_sqnorm, bool cosine) {
  float v = cosine ? fsub(1.f, dot) : fsub(fadd(q_sqnorm, x_sqnorm), fmul(2.f, dot));
  if (cosine) return v == 0.f ? 0.f : v;
  return v > 0.f ? v : 0.f;
}

// Neighbour order: the smaller key first; equal keys, the lower training index first.
MGR_HOST_DEVICE inline bool knn_before(float key_a, int32_t idx_a, float key_b, int32_t idx_b) {
  return key_a < key_b || (key_a == key_b && idx_a < idx_b);
}

}  // namespace mgr::kernels
