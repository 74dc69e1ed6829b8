// A block of kLanes threads per (frame, clip) for the audio descriptors (a frame's samples are
// contiguous, so thread l reading samples l, l + 256, ... is coalesced) and per row for the
// aggregates. Centre padding is index arithmetic (pad_index), never a padded copy.
#include "kernels/cuda/check.h"
#include "kernels/cuda/framewise.h"
#include "kernels/cuda/framewise_block.h"

namespace mgr::kernels::cuda {

namespace {

__global__ void zcr_kernel(float* out, const float* x, int64_t clips, int64_t n, int64_t frames,
                           int frame_length, int hop, int64_t pad, float threshold) {
  __shared__ int sh[kLanes];
  const int64_t t = blockIdx.x;
  for (int64_t c = blockIdx.y; c < clips; c += gridDim.y) {
    const float* xc = x + c * n;
    const int64_t start = t * hop - pad;
    int count = 0;
    for (int i = 1 + threadIdx.x; i < frame_length; i += kLanes) {
      const bool a = zcr_negative(xc[pad_index(start + i - 1, n, PadMode::Edge)], threshold);
      const bool b = zcr_negative(xc[pad_index(start + i, n, PadMode::Edge)], threshold);
      count += a != b;
    }
    count = sum_block_int(count, sh);
    if (threadIdx.x == 0) out[c * frames + t] = zcr_value(count, frame_length);
  }
}

__global__ void rms_kernel(float* out, const float* x, int64_t clips, int64_t n, int64_t frames,
                           int frame_length, int hop, int64_t pad, PadMode mode) {
  __shared__ double sh[kLanes];
  const int64_t t = blockIdx.x;
  for (int64_t c = blockIdx.y; c < clips; c += gridDim.y) {
    const float* xc = x + c * n;
    const int64_t start = t * hop - pad;
    double lane = 0;
    for (int i = threadIdx.x; i < frame_length; i += kLanes) {
      lane = dadd(lane, rms_square(xc, n, start + i, mode));
    }
    const double sum = fold_block(lane, sh);
    if (threadIdx.x == 0) out[c * frames + t] = rms_value(sum, frame_length);
  }
}

// Mean of row p (cols entries) in the fixed order, returned to every thread.
__device__ double row_mean(const float* p, int64_t cols, double* sh) {
  double lane = 0;
  for (int64_t i = threadIdx.x; i < cols; i += kLanes) lane = dadd(lane, double(p[i]));
  return fold_block(lane, sh) / cols;
}

__global__ void mean_var_kernel(float* out, const float* x, int64_t clips, int64_t rows,
                                int64_t cols) {
  __shared__ double sh[kLanes];
  for (int64_t r = blockIdx.x; r < clips * rows; r += gridDim.x) {
    const float* p = x + r * cols;
    const double mean = row_mean(p, cols, sh);
    double lane = 0;
    for (int64_t i = threadIdx.x; i < cols; i += kLanes) {
      const double e = double(p[i]) - mean;
      lane = dadd(lane, dmul(e, e));
    }
    const double var = fold_block(lane, sh) / cols;
    if (threadIdx.x == 0) {
      const int64_t c = r / rows, d = r % rows;
      out[c * 2 * rows + d] = static_cast<float>(mean);
      out[c * 2 * rows + rows + d] = static_cast<float>(var);
    }
  }
}

__global__ void low_energy_kernel(float* out, const float* x, int64_t rows, int64_t cols,
                                  int64_t ref_cols) {
  __shared__ double sh[kLanes];
  __shared__ int shi[kLanes];
  for (int64_t r = blockIdx.x; r < rows; r += gridDim.x) {
    const float* p = x + r * cols;
    const double mean = row_mean(p, ref_cols, sh);
    int below = 0;
    for (int64_t i = threadIdx.x; i < cols; i += kLanes) below += double(p[i]) < mean;
    below = sum_block_int(below, shi);
    if (threadIdx.x == 0) out[r] = static_cast<float>(double(below) / cols);
  }
}

unsigned grid_x(int64_t n) {
  return static_cast<unsigned>(n < 1 ? 1 : (n > 1048576 ? 1048576 : n));
}

}  // namespace

void zero_crossing_rate(float* out, const float* x, int64_t clips, int64_t n, int64_t frames,
                        int frame_length, int hop, bool center, float threshold,
                        cudaStream_t stream) {
  if (clips == 0 || frames == 0) return;
  MGR_CHECK(frames <= 2147483647LL, "zero_crossing_rate: too many frames");
  const dim3 grid(static_cast<unsigned>(frames), grid_dim_yz(clips));
  zcr_kernel<<<grid, kLanes, 0, stream>>>(out, x, clips, n, frames, frame_length, hop,
                                          center ? frame_length / 2 : 0, threshold);
  MGR_CUDA_LAUNCH_CHECK("zcr_kernel");
}

void rms(float* out, const float* x, int64_t clips, int64_t n, int64_t frames, int frame_length,
         int hop, bool center, PadMode mode, cudaStream_t stream) {
  if (clips == 0 || frames == 0) return;
  MGR_CHECK(frames <= 2147483647LL, "rms: too many frames");
  const dim3 grid(static_cast<unsigned>(frames), grid_dim_yz(clips));
  rms_kernel<<<grid, kLanes, 0, stream>>>(out, x, clips, n, frames, frame_length, hop,
                                          center ? frame_length / 2 : 0, mode);
  MGR_CUDA_LAUNCH_CHECK("rms_kernel");
}

void mean_var_rows(float* out, const float* x, int64_t clips, int64_t rows, int64_t cols,
                   cudaStream_t stream) {
  if (clips * rows == 0) return;
  mean_var_kernel<<<grid_x(clips * rows), kLanes, 0, stream>>>(out, x, clips, rows, cols);
  MGR_CUDA_LAUNCH_CHECK("mean_var_kernel");
}

void low_energy_rows(float* out, const float* x, int64_t rows, int64_t cols, int64_t ref_cols,
                     cudaStream_t stream) {
  if (rows == 0) return;
  low_energy_kernel<<<grid_x(rows), kLanes, 0, stream>>>(out, x, rows, cols, ref_cols);
  MGR_CUDA_LAUNCH_CHECK("low_energy_kernel");
}

}  // namespace mgr::kernels::cuda
