#pragma once

#include <cstdint>

namespace mgr::kernels::cpu {

// For each of `rows` rows of `cols` floats: sum[r] and sum of squares[r], accumulated in double.
void row_moments(double* sum, double* sumsq, const float* x, int64_t rows, int64_t cols);
// y = a * x + b, elementwise (in place allowed).
void affine(float* y, const float* x, int64_t n, float a, float b);

}  // namespace mgr::kernels::cpu
