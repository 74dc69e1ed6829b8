#include "kernels/cuda/check.h"
#include "kernels/cuda/delta.h"
#include "kernels/cuda/elementwise.h"
#include "kernels/shared/savgol.h"

namespace mgr::kernels::cuda {

namespace {

// One thread per output, frames fastest (neighbouring threads read overlapping windows, which
// the L1 cache serves). The window, weight row and double sum are the CPU twin's
// (kernels/shared/savgol.h).
__global__ void savgol_interp_kernel(float* __restrict__ y, const float* __restrict__ x,
                                     int64_t total, int64_t frames, int width,
                                     const double* __restrict__ weights) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < total;
       i += int64_t(gridDim.x) * blockDim.x) {
    const int64_t t = i % frames;
    y[i] = savgol_interp_at(x + (i - t), frames, t, width, weights);
  }
}

}  // namespace

void savgol_interp(float* y, const float* x, int64_t rows, int64_t frames, int width,
                   const double* weights, cudaStream_t stream) {
  const int64_t total = rows * frames;
  if (total == 0) return;
  savgol_interp_kernel<<<grid_for(total), 256, 0, stream>>>(y, x, total, frames, width, weights);
  MGR_CUDA_LAUNCH_CHECK("savgol_interp_kernel");
}

}  // namespace mgr::kernels::cuda
