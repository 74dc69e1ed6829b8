#include <math.h>

#include "kernels/cuda/check.h"
#include "kernels/cuda/elementwise.h"
#include "kernels/cuda/softmax.h"
#include "kernels/shared/framewise_common.h"
#include "kernels/shared/softmax_row.h"

namespace mgr::kernels::cuda {

namespace {

constexpr int kWarp = softmax_row::kSoftmaxLanes;
constexpr int kRowsPerBlock = 8;  // one warp per row, 8 warps per block

__device__ float warp_max(float v) {
  for (int o = kWarp / 2; o > 0; o /= 2) v = fmaxf(v, __shfl_xor_sync(0xffffffffu, v, o));
  return v;
}

// softmax_row::fold_lanes as a butterfly: at offset o every lane adds its partner's partial, so
// lane i < o holds p[i] + p[i + o] (and its partner the same sum), the CPU twin's tree.
__device__ float warp_sum(float v) {
  for (int o = kWarp / 2; o > 0; o /= 2) v = fadd(v, __shfl_xor_sync(0xffffffffu, v, o));
  return v;
}

// One warp per row: probs = softmax(row); when labels != nullptr also row_loss = lse - x[label].
// The arithmetic is kernels/shared/softmax_row.h, the CPU twin's. All lanes of a warp stay in the
// loop bounds together (the row index is warp-uniform), so the full-mask shuffles are safe.
__global__ void softmax_rows_kernel(float* probs, float* row_loss, const float* logits,
                                    const int32_t* labels, int64_t rows, int64_t cols) {
  const int lane = threadIdx.x % kWarp;
  const int64_t row = blockIdx.x * int64_t(kRowsPerBlock) + threadIdx.x / kWarp;
  if (row >= rows) return;
  const float* x = logits + row * cols;
  float* p = probs + row * cols;
  const float mx = warp_max(softmax_row::lane_max(x, cols, lane, kWarp));
  const float sum = warp_sum(softmax_row::lane_exp_sum(p, x, cols, mx, lane));
  softmax_row::lane_normalise(p, cols, sum, lane);
  if (labels != nullptr && lane == 0) {
    const int32_t label = labels[row];
    row_loss[row] = (label >= 0 && label < cols) ? softmax_row::row_loss(sum, mx, x[label]) : NAN;
  }
}

// One block: loss[0] = mean(row_loss), summed in double in a fixed order (deterministic): thread
// l sums rows l, l + 256, ..., then the partials fold half onto half, the order of
// kernels/shared/framewise_common.h's ordered_sum that the CPU twin uses.
constexpr int kReduceThreads = 256;
static_assert(kReduceThreads == cpu::kLanes, "the CPU twin folds cpu::kLanes partials");
__global__ void mean_kernel(float* loss, const float* row_loss, int64_t rows) {
  __shared__ double partial[kReduceThreads];
  double s = 0.0;
  for (int64_t i = threadIdx.x; i < rows; i += kReduceThreads) s = dadd(s, double(row_loss[i]));
  partial[threadIdx.x] = s;
  __syncthreads();
  for (int w = kReduceThreads / 2; w > 0; w /= 2) {
    if (threadIdx.x < w)
      partial[threadIdx.x] = dadd(partial[threadIdx.x], partial[threadIdx.x + w]);
    __syncthreads();
  }
  if (threadIdx.x == 0) loss[0] = rows > 0 ? static_cast<float>(partial[0] / double(rows)) : 0.f;
}

__global__ void softmax_ce_backward_kernel(float* dlogits, const float* probs,
                                           const int32_t* labels, const float* dloss, int64_t rows,
                                           int64_t cols) {
  const float scale = softmax_row::grad_scale(dloss[0], rows);
  const int64_t n = rows * cols;
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n;
       i += int64_t(gridDim.x) * blockDim.x) {
    const int64_t r = i / cols;
    const int64_t c = i - r * cols;
    dlogits[i] = softmax_row::grad_accum(dlogits[i], probs[i], c == labels[r], scale);
  }
}

unsigned row_blocks(int64_t rows) {
  return static_cast<unsigned>((rows + kRowsPerBlock - 1) / kRowsPerBlock);
}

}  // namespace

void mean_f32(float* out, const float* v, int64_t n, cudaStream_t stream) {
  mean_kernel<<<1, kReduceThreads, 0, stream>>>(out, v, n);
  MGR_CUDA_LAUNCH_CHECK("mean_kernel");
}

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
  mean_f32(loss, row_loss, rows, stream);
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
