#include <math.h>

#include "kernels/cuda/check.h"
#include "kernels/cuda/elementwise.h"
#include "kernels/cuda/softmax.h"

namespace mgr::kernels::cuda {

namespace {

constexpr int kWarp = 32;
constexpr int kRowsPerBlock = 8;  // one warp per row, 8 warps per block

__device__ float warp_max(float v) {
  for (int o = kWarp / 2; o > 0; o /= 2) v = fmaxf(v, __shfl_xor_sync(0xffffffffu, v, o));
  return v;
}

__device__ float warp_sum(float v) {
  for (int o = kWarp / 2; o > 0; o /= 2) v += __shfl_xor_sync(0xffffffffu, v, o);
  return v;
}

// One warp per row: probs = softmax(row); when labels != nullptr also row_loss = lse - x[label].
// All lanes of a warp stay in the loop bounds together (the row index is warp-uniform), so the
// full-mask shuffles are safe.
__global__ void softmax_rows_kernel(float* probs, float* row_loss, const float* logits,
                                    const int32_t* labels, int64_t rows, int64_t cols) {
  const int lane = threadIdx.x % kWarp;
  const int64_t row = blockIdx.x * int64_t(kRowsPerBlock) + threadIdx.x / kWarp;
  if (row >= rows) return;
  const float* x = logits + row * cols;
  float* p = probs + row * cols;
  float mx = -INFINITY;
  for (int64_t c = lane; c < cols; c += kWarp) mx = fmaxf(mx, x[c]);
  mx = warp_max(mx);
  float sum = 0.f;
  for (int64_t c = lane; c < cols; c += kWarp) {
    const float e = expf(x[c] - mx);
    p[c] = e;
    sum += e;
  }
  sum = warp_sum(sum);
  const float inv = 1.f / sum;
  for (int64_t c = lane; c < cols; c += kWarp) p[c] *= inv;
  if (labels != nullptr && lane == 0) {
    const int32_t label = labels[row];
    row_loss[row] = (label >= 0 && label < cols) ? logf(sum) + mx - x[label] : NAN;
  }
}

// One block: loss[0] = mean(row_loss), summed in double in a fixed order (deterministic).
constexpr int kReduceThreads = 256;
__global__ void mean_kernel(float* loss, const float* row_loss, int64_t rows) {
  __shared__ double partial[kReduceThreads];
  double s = 0.0;
  for (int64_t i = threadIdx.x; i < rows; i += kReduceThreads) s += row_loss[i];
  partial[threadIdx.x] = s;
  __syncthreads();
  for (int w = kReduceThreads / 2; w > 0; w /= 2) {
    if (threadIdx.x < w) partial[threadIdx.x] += partial[threadIdx.x + w];
    __syncthreads();
  }
  if (threadIdx.x == 0) loss[0] = rows > 0 ? static_cast<float>(partial[0] / double(rows)) : 0.f;
}

__global__ void softmax_ce_backward_kernel(float* dlogits, const float* probs,
                                           const int32_t* labels, const float* dloss, int64_t rows,
                                           int64_t cols) {
  const float scale = dloss[0] / static_cast<float>(rows);
  const int64_t n = rows * cols;
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n;
       i += int64_t(gridDim.x) * blockDim.x) {
    const int64_t r = i / cols;
    const int64_t c = i - r * cols;
    dlogits[i] += scale * (probs[i] - (c == labels[r] ? 1.f : 0.f));
  }
}

unsigned row_blocks(int64_t rows) {
  return static_cast<unsigned>((rows + kRowsPerBlock - 1) / kRowsPerBlock);
}

}  // namespace

void softmax_rows(float* y, const float* x, int64_t rows, int64_t cols, cudaStream_t stream) {
  if (rows == 0 || cols == 0) return;
  softmax_rows_kernel<<<row_blocks(rows), kRowsPerBlock * kWarp, 0, stream>>>(y, nullptr, x,
                                                                              nullptr, rows, cols);
  MGR_CUDA_LAUNCH_CHECK("softmax_rows_kernel");
}

void softmax_cross_entropy_forward(float* probs, float* row_loss, float* loss, const float* logits,
                                   const int32_t* labels, int64_t rows, int64_t cols,
                                   cudaStream_t stream) {
  if (rows > 0) {
    softmax_rows_kernel<<<row_blocks(rows), kRowsPerBlock * kWarp, 0, stream>>>(
        probs, row_loss, logits, labels, rows, cols);
    MGR_CUDA_LAUNCH_CHECK("softmax_rows_kernel (cross-entropy)");
  }
  mean_kernel<<<1, kReduceThreads, 0, stream>>>(loss, row_loss, rows);
  MGR_CUDA_LAUNCH_CHECK("mean_kernel");
}

void softmax_cross_entropy_backward(float* dlogits, const float* probs, const int32_t* labels,
                                    const float* dloss, int64_t rows, int64_t cols,
                                    cudaStream_t stream) {
  if (rows == 0 || cols == 0) return;
  softmax_ce_backward_kernel<<<grid_for(rows * cols), 256, 0, stream>>>(dlogits, probs, labels,
                                                                        dloss, rows, cols);
  MGR_CUDA_LAUNCH_CHECK("softmax_ce_backward_kernel");
}

}  // namespace mgr::kernels::cuda
