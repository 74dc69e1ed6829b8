#include "kernels/cuda/check.h"
#include "kernels/cuda/elementwise.h"
#include "kernels/cuda/mel_inversion.h"
#include "kernels/shared/mel_inversion.h"

namespace mgr::kernels::cuda {

namespace {

__global__ void db_to_power_kernel(float* x, int64_t n, float ref) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n;
       i += int64_t(gridDim.x) * blockDim.x)
    x[i] = ::mgr::kernels::db_to_power(x[i], ref);
}

// Block = one frame (row). Shared memory: the frame's target b and residual r [n_mels] each.
__global__ void nnls_kernel(float* __restrict__ x, float* __restrict__ y,
                            const float* __restrict__ mel, int frames, SparseMel fb,
                            MelByBin by_bin, const float* __restrict__ betas, int iters,
                            float inv_lipschitz, float power) {
  extern __shared__ float smem[];
  const int n_mels = fb.n_mels;
  const int bins = fb.bins;
  float* b = smem;
  float* r = smem + n_mels;
  const int64_t row = blockIdx.x;
  const int64_t c = row / frames;
  const int64_t t = row % frames;
  float* xr = x + row * bins;
  float* yr = y + row * bins;
  for (int m = threadIdx.x; m < n_mels; m += blockDim.x) b[m] = mel[(c * n_mels + m) * frames + t];
  for (int k = threadIdx.x; k < bins; k += blockDim.x) {
    const float x0 = xr[k] > 0.f ? xr[k] : 0.f;  // librosa clips the pseudo-inverse start at 0
    xr[k] = x0;
    yr[k] = x0;
  }
  __syncthreads();
  for (int it = 0; it < iters; ++it) {
    for (int m = threadIdx.x; m < n_mels; m += blockDim.x)
      mel_residual<1>(fb.weights + fb.offset[m], yr + fb.begin[m], fb.length[m], b + m, r + m);
    __syncthreads();
    const float beta = betas[it];
    for (int k = threadIdx.x; k < bins; k += blockDim.x) {
      const int f = by_bin.first[k];
      float g;
      mel_transpose_dot<1>(by_bin.mel + f, by_bin.weights + f, by_bin.count[k], r, &g);
      float xv = xr[k];
      float yv = yr[k];
      fista_step(xv, yv, g, inv_lipschitz, beta);
      xr[k] = xv;
      yr[k] = yv;
    }
    // y must be complete before the next residual reads it (and r before it is rewritten).
    __syncthreads();
  }
  if (power != 0.f)
    for (int k = threadIdx.x; k < bins; k += blockDim.x) xr[k] = magnitude_of(xr[k], power);
}

}  // namespace

void db_to_power(float* x, int64_t n, float ref, cudaStream_t stream) {
  if (n == 0) return;
  db_to_power_kernel<<<grid_for(n), 256, 0, stream>>>(x, n, ref);
  MGR_CUDA_LAUNCH_CHECK("db_to_power_kernel");
}

void nnls_refine(float* x, const float* mel, int64_t clips, int frames, const SparseMel& fb,
                 const MelByBin& by_bin, const float* betas, int iters, float inv_lipschitz,
                 float power, float* y_scratch, cudaStream_t stream) {
  const int64_t rows = clips * frames;
  if (rows == 0) return;
  MGR_CHECK(rows <= 0x7fffffffLL, "nnls_refine (CUDA): " << rows << " frames exceed grid.x");
  const size_t smem = sizeof(float) * 2 * size_t(fb.n_mels);
  nnls_kernel<<<static_cast<unsigned>(rows), 256, smem, stream>>>(
      x, y_scratch, mel, frames, fb, by_bin, betas, iters, inv_lipschitz, power);
  MGR_CUDA_LAUNCH_CHECK("nnls_kernel");
}

}  // namespace mgr::kernels::cuda
