#include "kernels/cpu/reduce.h"

namespace mgr::kernels::cpu {

void row_moments(double* sum, double* sumsq, const float* x, int64_t rows, int64_t cols) {
#pragma omp parallel for schedule(static)
  for (int64_t r = 0; r < rows; ++r) {
    double s = 0, q = 0;
    const float* p = x + r * cols;
    for (int64_t c = 0; c < cols; ++c) s += p[c], q += double(p[c]) * p[c];
    sum[r] = s;
    sumsq[r] = q;
  }
}

void affine(float* y, const float* x, int64_t n, float a, float b) {
#pragma omp parallel for schedule(static)
  for (int64_t i = 0; i < n; ++i) y[i] = a * x[i] + b;
}

}  // namespace mgr::kernels::cpu
