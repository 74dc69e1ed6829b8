#include "kernels/cuda/check.h"
#include "kernels/cuda/elementwise.h"
#include "kernels/cuda/gemm.h"

namespace mgr::kernels::cuda {

namespace {

__global__ void add_bias_rows_kernel(float* y, const float* bias, int64_t rows, int64_t cols) {
  const int64_t n = rows * cols;
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n;
       i += int64_t(gridDim.x) * blockDim.x)
    y[i] += bias[i % cols];
}

// Block (32, 8): threadIdx.x picks a column (coalesced loads across the warp), threadIdx.y one of
// 8 row phases; the 8 partial sums are combined in shared memory in a fixed order, so the
// result is deterministic.
constexpr int kColTile = 32;
constexpr int kRowPhases = 8;

__global__ void sum_rows_accumulate_kernel(float* db, const float* dy, int64_t rows, int64_t cols) {
  // Double, like the CPU twin, so large row counts do not drift from it.
  __shared__ double partial[kRowPhases][kColTile];
  const int64_t col = blockIdx.x * int64_t(kColTile) + threadIdx.x;
  double acc = 0.0;
  if (col < cols)
    for (int64_t r = threadIdx.y; r < rows; r += kRowPhases) acc += double(dy[r * cols + col]);
  partial[threadIdx.y][threadIdx.x] = acc;
  __syncthreads();
  if (threadIdx.y == 0 && col < cols) {
    double s = 0.0;
    for (int k = 0; k < kRowPhases; ++k) s += partial[k][threadIdx.x];
    db[col] += static_cast<float>(s);
  }
}

}  // namespace

void sgemm(cublasHandle_t handle, bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k,
           float alpha, const float* a, int64_t lda, const float* b, int64_t ldb, float beta,
           float* c, int64_t ldc) {
  if (m == 0 || n == 0) return;
  MGR_CHECK(m <= INT32_MAX && n <= INT32_MAX && k <= INT32_MAX,
            "sgemm: dimensions exceed the cuBLAS int range");
  // cuBLAS is column-major. A row-major [M, N] matrix is the column-major [N, M] matrix C^T, and
  // C^T = op(B)^T op(A)^T: swap the operands and the roles of M and N, keep the transpose flags.
  // With k == 0 cuBLAS scales C by beta, which is what the row-major definition asks for.
  MGR_CUBLAS_CHECK(cublasSgemm(
      handle, trans_b ? CUBLAS_OP_T : CUBLAS_OP_N, trans_a ? CUBLAS_OP_T : CUBLAS_OP_N,
      static_cast<int>(n), static_cast<int>(m), static_cast<int>(k), &alpha, b,
      static_cast<int>(ldb), a, static_cast<int>(lda), &beta, c, static_cast<int>(ldc)));
}

void add_bias_rows(float* y, const float* bias, int64_t rows, int64_t cols, cudaStream_t stream) {
  if (rows == 0 || cols == 0) return;
  add_bias_rows_kernel<<<grid_for(rows * cols), 256, 0, stream>>>(y, bias, rows, cols);
  MGR_CUDA_LAUNCH_CHECK("add_bias_rows_kernel");
}

void sum_rows_accumulate(float* db, const float* dy, int64_t rows, int64_t cols,
                         cudaStream_t stream) {
  if (cols == 0) return;
  const dim3 block(kColTile, kRowPhases);
  const dim3 grid(static_cast<unsigned>((cols + kColTile - 1) / kColTile));
  sum_rows_accumulate_kernel<<<grid, block, 0, stream>>>(db, dy, rows, cols);
  MGR_CUDA_LAUNCH_CHECK("sum_rows_accumulate_kernel");
}

}  // namespace mgr::kernels::cuda
