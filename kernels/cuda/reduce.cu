#include "kernels/cuda/check.h"
#include "kernels/cuda/elementwise.h"
#include "kernels/cuda/framewise_block.h"
#include "kernels/cuda/reduce.h"
#include "kernels/shared/elementwise_ops.h"
#include "kernels/shared/row_moments.h"

namespace mgr::kernels::cuda {

namespace {

// One block of kLanes threads per row: thread l accumulates elements l, l + kLanes, ... with
// kernels/shared/row_moments.h, then fold_block folds the lanes in the CPU twin's order.
__global__ void row_moments_kernel(double* sum, double* sumsq, const float* x, int64_t cols) {
  __shared__ double sh[kLanes];
  const float* p = x + int64_t(blockIdx.x) * cols;
  double s = 0, q = 0;
  for (int64_t c = threadIdx.x; c < cols; c += kLanes) accumulate_moments(s, q, p[c]);
  const double ts = fold_block(s, sh);
  const double tq = fold_block(q, sh);
  if (threadIdx.x == 0) {
    sum[blockIdx.x] = ts;
    sumsq[blockIdx.x] = tq;
  }
}

__global__ void affine_kernel(float* y, const float* x, int64_t n, float a, float b) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n;
       i += int64_t(gridDim.x) * blockDim.x)
    y[i] = affine_value(x[i], a, b);
}

}  // namespace

void row_moments(double* sum, double* sumsq, const float* x, int64_t rows, int64_t cols,
                 cudaStream_t stream) {
  if (rows == 0) return;
  MGR_CHECK(rows <= 2147483647LL, "row_moments: too many rows");
  row_moments_kernel<<<static_cast<unsigned>(rows), kLanes, 0, stream>>>(sum, sumsq, x, cols);
  MGR_CUDA_LAUNCH_CHECK("row_moments_kernel");
}

void affine(float* y, const float* x, int64_t n, float a, float b, cudaStream_t stream) {
  if (n == 0) return;
  affine_kernel<<<grid_for(n), 256, 0, stream>>>(y, x, n, a, b);
  MGR_CUDA_LAUNCH_CHECK("affine_kernel");
}

}  // namespace mgr::kernels::cuda
