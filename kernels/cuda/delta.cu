#include "kernels/cuda/check.h"
#include "kernels/cuda/delta.h"
#include "kernels/cuda/elementwise.h"

namespace mgr::kernels::cuda {

namespace {

// One thread per output, frames fastest (neighbouring threads read overlapping windows, which
// the L1 cache serves). Edge frames pick the first / last window and their position in it.
__global__ void savgol_interp_kernel(float* __restrict__ y, const float* __restrict__ x,
                                     int64_t total, int64_t frames, int width,
                                     const float* __restrict__ weights) {
  const int h = width / 2;
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < total;
       i += int64_t(gridDim.x) * blockDim.x) {
    const int64_t t = i % frames;
    const float* xr = x + (i - t);
    int64_t start = t - h;
    int p = h;
    if (t < h) {
      start = 0;
      p = static_cast<int>(t);
    } else if (t >= frames - h) {
      start = frames - width;
      p = static_cast<int>(t - start);
    }
    const float* wp = weights + p * width;
    float acc = 0.f;
    for (int k = 0; k < width; ++k) acc = fmaf(wp[k], xr[start + k], acc);
    y[i] = acc;
  }
}

}  // namespace

void savgol_interp(float* y, const float* x, int64_t rows, int64_t frames, int width,
                   const float* weights, cudaStream_t stream) {
  const int64_t total = rows * frames;
  if (total == 0) return;
  savgol_interp_kernel<<<grid_for(total), 256, 0, stream>>>(y, x, total, frames, width, weights);
  MGR_CUDA_LAUNCH_CHECK("savgol_interp_kernel");
}

}  // namespace mgr::kernels::cuda
