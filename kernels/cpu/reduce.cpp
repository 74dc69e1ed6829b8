#include "kernels/cpu/reduce.h"

#include "kernels/shared/elementwise_ops.h"
#include "kernels/shared/row_moments.h"

namespace mgr::kernels::cpu {

void row_moments(double* sum, double* sumsq, const float* x, int64_t rows, int64_t cols) {
#pragma omp parallel for schedule(static)
  for (int64_t r = 0; r < rows; ++r) {
    // The CUDA kernel's order (kernels/shared/row_moments.h): kLanes lane partials, folded.
    double s[kLanes] = {}, q[kLanes] = {};
    const float* p = x + r * cols;
    for (int64_t base = 0; base < cols; base += kLanes) {
      const int64_t m = cols - base < kLanes ? cols - base : kLanes;
      for (int64_t l = 0; l < m; ++l) accumulate_moments(s[l], q[l], p[base + l]);
    }
    sum[r] = fold_lanes(s);
    sumsq[r] = fold_lanes(q);
  }
}

void affine(float* y, const float* x, int64_t n, float a, float b) {
#pragma omp parallel for schedule(static)
  for (int64_t i = 0; i < n; ++i) y[i] = affine_value(x[i], a, b);
}

}  // namespace mgr::kernels::cpu
