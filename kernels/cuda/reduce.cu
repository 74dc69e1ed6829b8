#include <cub/block/block_reduce.cuh>

#include "kernels/cuda/check.h"
#include "kernels/cuda/elementwise.h"
#include "kernels/cuda/reduce.h"

namespace mgr::kernels::cuda {

namespace {

constexpr int kBlock = 256;

// One block per row; per-thread partial sums in double, then a CUB block reduction.
__global__ void row_moments_kernel(double* sum, double* sumsq, const float* x, int64_t cols) {
  const float* p = x + int64_t(blockIdx.x) * cols;
  double s = 0, q = 0;
  for (int64_t c = threadIdx.x; c < cols; c += kBlock) {
    const double v = p[c];
    s += v;
    q += v * v;
  }
  using Reduce = cub::BlockReduce<double, kBlock>;
  __shared__ typename Reduce::TempStorage t1;
  __shared__ typename Reduce::TempStorage t2;
  const double ts = Reduce(t1).Sum(s);
  const double tq = Reduce(t2).Sum(q);
  if (threadIdx.x == 0) {
    sum[blockIdx.x] = ts;
    sumsq[blockIdx.x] = tq;
  }
}

__global__ void affine_kernel(float* y, const float* x, int64_t n, float a, float b) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n;
       i += int64_t(gridDim.x) * blockDim.x)
    y[i] = a * x[i] + b;
}

}  // namespace

void row_moments(double* sum, double* sumsq, const float* x, int64_t rows, int64_t cols,
                 cudaStream_t stream) {
  if (rows == 0) return;
  MGR_CHECK(rows <= 2147483647LL, "row_moments: too many rows");
  row_moments_kernel<<<static_cast<unsigned>(rows), kBlock, 0, stream>>>(sum, sumsq, x, cols);
  MGR_CUDA_LAUNCH_CHECK("row_moments_kernel");
}

void affine(float* y, const float* x, int64_t n, float a, float b, cudaStream_t stream) {
  if (n == 0) return;
  affine_kernel<<<grid_for(n), 256, 0, stream>>>(y, x, n, a, b);
  MGR_CUDA_LAUNCH_CHECK("affine_kernel");
}

}  // namespace mgr::kernels::cuda
