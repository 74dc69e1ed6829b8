// Dense matrix kernels for linear and recurrent layers (CPU, OpenBLAS). Row-major pointers +
// sizes.
#pragma once

#include <cstdint>

namespace mgr::kernels::cpu {

// Makes OpenBLAS single-threaded, once, for the whole process: the CPU kernels parallelise with
// OpenMP themselves and call OpenBLAS inside their threads. OpenBLAS's own threads wait for work
// by spinning and yielding on the same cores as the OpenMP team, each runtime's idle threads
// stealing time from the other's (a fifth of a convolutional network's step on a loaded
// machine), and switching its thread count per call costs more than a small product.
void single_threaded_blas();

// C[M, N] = alpha * op(A) * op(B) + beta * C, all row-major. Large products are split across
// the OpenMP threads (one single-threaded OpenBLAS call each); inside a parallel region it runs
// on the calling thread. op(A) is [M, K] (A stored [K, M]
// when trans_a), op(B) is [K, N] (B stored [N, K] when trans_b). lda/ldb/ldc are row strides.
void sgemm(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, float alpha, const float* a,
           int64_t lda, const float* b, int64_t ldb, float beta, float* c, int64_t ldc);

// y[r, j] += bias[j] for every row r of y [rows, cols].
void add_bias_rows(float* y, const float* bias, int64_t rows, int64_t cols);

// db[j] += sum_r dy[r, j] over dy [rows, cols] (the bias gradient).
void sum_rows_accumulate(float* db, const float* dy, int64_t rows, int64_t cols);

}  // namespace mgr::kernels::cpu
