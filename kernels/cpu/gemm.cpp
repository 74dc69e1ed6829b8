#include "kernels/cpu/gemm.h"

#include <cblas.h>
#include <omp.h>

#include <algorithm>
#include <vector>

#include "kernels/error.h"

namespace mgr::kernels::cpu {

namespace {

// Below this many multiply-adds a product runs on the calling thread alone.
constexpr double kParallelMacs = double(1 << 22);

// One single-threaded OpenBLAS call on the rows [m0, m1) or columns [n0, n1) of C.
void sgemm_block(bool trans_a, bool trans_b, int64_t m0, int64_t m1, int64_t n0, int64_t n1,
                 int64_t k, float alpha, const float* a, int64_t lda, const float* b, int64_t ldb,
                 float beta, float* c, int64_t ldc) {
  // Rows of op(A) are rows of A, or columns when A is stored transposed; likewise for B.
  const float* ab = trans_a ? a + m0 : a + m0 * lda;
  const float* bb = trans_b ? b + n0 * ldb : b + n0;
  cblas_sgemm(CblasRowMajor, trans_a ? CblasTrans : CblasNoTrans,
              trans_b ? CblasTrans : CblasNoTrans, static_cast<int>(m1 - m0),
              static_cast<int>(n1 - n0), static_cast<int>(k), alpha, ab, static_cast<int>(lda), bb,
              static_cast<int>(ldb), beta, c + m0 * ldc + n0, static_cast<int>(ldc));
}

}  // namespace

void single_threaded_blas() {
  static const bool done = [] {
    openblas_set_num_threads(1);
    return true;
  }();
  (void)done;
}

void sgemm(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, float alpha, const float* a,
           int64_t lda, const float* b, int64_t ldb, float beta, float* c, int64_t ldc) {
  if (m == 0 || n == 0) return;
  if (k == 0) {  // BLAS leaves C untouched for k == 0 only when beta == 1; be explicit
    for (int64_t i = 0; i < m; ++i)
      for (int64_t j = 0; j < n; ++j) c[i * ldc + j] = beta == 0.f ? 0.f : beta * c[i * ldc + j];
    return;
  }
  MGR_CHECK(m <= INT32_MAX && n <= INT32_MAX && k <= INT32_MAX,
            "sgemm: dimensions exceed the BLAS int range");
  // OpenBLAS runs single-threaded (see gemm.h) and a large product is split here, across the
  // OpenMP team, into blocks of whole rows or columns of C (each element's sum is then formed
  // as in one call).
  single_threaded_blas();
  const int threads = omp_in_parallel() || double(m) * double(n) * double(k) < kParallelMacs
                          ? 1
                          : omp_get_max_threads();
  const bool by_columns = n >= m;
  const int64_t blocks = ((by_columns ? n : m) + 15) / 16;  // 16-wide: whole SIMD panels
  const int parts = static_cast<int>(std::min<int64_t>(threads, blocks));
  if (parts <= 1) {
    sgemm_block(trans_a, trans_b, 0, m, 0, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
    return;
  }
#pragma omp parallel num_threads(parts)
  {
    const int t = omp_get_thread_num(), nt = omp_get_num_threads();
    const int64_t len = by_columns ? n : m;
    const int64_t lo = std::min(len, blocks * t / nt * 16);
    const int64_t hi = std::min(len, blocks * (t + 1) / nt * 16);
    if (lo < hi) {
      if (by_columns)
        sgemm_block(trans_a, trans_b, 0, m, lo, hi, k, alpha, a, lda, b, ldb, beta, c, ldc);
      else
        sgemm_block(trans_a, trans_b, lo, hi, 0, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
    }
  }
}

void add_bias_rows(float* y, const float* bias, int64_t rows, int64_t cols) {
  for (int64_t r = 0; r < rows; ++r) {
    float* row = y + r * cols;
    for (int64_t j = 0; j < cols; ++j) row[j] += bias[j];
  }
}

void sum_rows_accumulate(float* db, const float* dy, int64_t rows, int64_t cols) {
  // Sum in double per column so the result does not depend on the batch size's rounding.
  std::vector<double> acc(static_cast<size_t>(cols), 0.0);
  for (int64_t r = 0; r < rows; ++r) {
    const float* row = dy + r * cols;
    for (int64_t j = 0; j < cols; ++j) acc[j] += row[j];
  }
  for (int64_t j = 0; j < cols; ++j) db[j] += static_cast<float>(acc[j]);
}

}  // namespace mgr::kernels::cpu
