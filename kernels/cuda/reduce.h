#pragma once

#include <cuda_runtime.h>

#include <cstdint>

namespace mgr::kernels::cuda {

// Same as kernels/cpu/reduce.h; sum/sumsq are device arrays of `rows` doubles.
void row_moments(double* sum, double* sumsq, const float* x, int64_t rows, int64_t cols,
                 cudaStream_t stream);
void affine(float* y, const float* x, int64_t n, float a, float b, cudaStream_t stream);

}  // namespace mgr::kernels::cuda
