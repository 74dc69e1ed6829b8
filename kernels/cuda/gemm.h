// Dense matrix kernels on the GPU: the same functions as kernels/cpu/gemm.h. The cuBLAS handle
// must be bound to `stream` (mgr::cuda::cublas(dev) is) and use CUBLAS_DEFAULT_MATH (no TF32),
// so results match the CPU reference to float32 rounding.
#pragma once

#include <cublas_v2.h>
#include <cuda_runtime.h>

#include <cstdint>

namespace mgr::kernels::cuda {

// Row-major C[M, N] = alpha * op(A) * op(B) + beta * C (see kernels/cpu/gemm.h).
void sgemm(cublasHandle_t handle, bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k,
           float alpha, const float* a, int64_t lda, const float* b, int64_t ldb, float beta,
           float* c, int64_t ldc);

void add_bias_rows(float* y, const float* bias, int64_t rows, int64_t cols, cudaStream_t stream);
void sum_rows_accumulate(float* db, const float* dy, int64_t rows, int64_t cols,
                         cudaStream_t stream);

}  // namespace mgr::kernels::cuda
