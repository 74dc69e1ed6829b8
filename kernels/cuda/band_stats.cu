// Band statistics: a block per (selected clip, band) sums its T frames, then a block per band
// sums the C partials, both in the fixed order of kernels/shared/framewise_common.h, so the
// statistics are bit-identical to the CPU twin's. Normalisation is elementwise.
#include "kernels/cuda/band_stats.h"
#include "kernels/cuda/check.h"
#include "kernels/cuda/elementwise.h"
#include "kernels/cuda/framewise_block.h"

namespace mgr::kernels::cuda {

namespace {

__global__ void band_partial_kernel(double* partial, const float* x, const int32_t* clips,
                                    int64_t C, int64_t D, int64_t T, const double* center) {
  __shared__ double sh[kLanes];
  const int64_t d = blockIdx.x;
  for (int64_t i = blockIdx.y; i < C; i += gridDim.y) {
    const float* p = x + (int64_t(clips[i]) * D + d) * T;
    double lane = 0;
    if (center == nullptr) {
      for (int64_t t = threadIdx.x; t < T; t += kLanes) lane = dadd(lane, double(p[t]));
    } else {
      const double m = center[d];
      for (int64_t t = threadIdx.x; t < T; t += kLanes) {
        const double e = double(p[t]) - m;
        lane = dadd(lane, dmul(e, e));
      }
    }
    const double total = fold_block(lane, sh);
    if (threadIdx.x == 0) partial[i * D + d] = total;
  }
}

__global__ void band_reduce_kernel(double* out, const double* partial, int64_t C, int64_t D,
                                   double divisor) {
  __shared__ double sh[kLanes];
  const int64_t d = blockIdx.x;
  double lane = 0;
  for (int64_t i = threadIdx.x; i < C; i += kLanes) lane = dadd(lane, partial[i * D + d]);
  const double total = fold_block(lane, sh);
  if (threadIdx.x == 0) out[d] = total / divisor;
}

__global__ void normalise_kernel(float* x, int64_t n, int64_t D, int64_t T, const float* mean,
                                 const float* denom) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n;
       i += int64_t(gridDim.x) * blockDim.x) {
    const int64_t d = (i / T) % D;
    x[i] = __fdiv_rn(x[i] - mean[d], denom[d]);  // IEEE division, as on the CPU
  }
}

}  // namespace

void band_partial_sums(double* partial, const float* x, const int32_t* clips, int64_t C, int64_t D,
                       int64_t T, const double* center, cudaStream_t stream) {
  if (C == 0 || D == 0) return;
  MGR_CHECK(D <= 2147483647LL, "band_partial_sums: too many bands");
  const dim3 grid(static_cast<unsigned>(D), grid_dim_yz(C));
  band_partial_kernel<<<grid, kLanes, 0, stream>>>(partial, x, clips, C, D, T, center);
  MGR_CUDA_LAUNCH_CHECK("band_partial_kernel");
}

void band_reduce_clips(double* out, const double* partial, int64_t C, int64_t D, double divisor,
                       cudaStream_t stream) {
  if (D == 0) return;
  MGR_CHECK(D <= 2147483647LL, "band_reduce_clips: too many bands");
  band_reduce_kernel<<<static_cast<unsigned>(D), kLanes, 0, stream>>>(out, partial, C, D, divisor);
  MGR_CUDA_LAUNCH_CHECK("band_reduce_kernel");
}

void normalise_bands(float* x, int64_t N, int64_t D, int64_t T, const float* mean,
                     const float* denom, cudaStream_t stream) {
  const int64_t n = N * D * T;
  if (n == 0) return;
  normalise_kernel<<<grid_for(n), 256, 0, stream>>>(x, n, D, T, mean, denom);
  MGR_CUDA_LAUNCH_CHECK("normalise_kernel");
}

}  // namespace mgr::kernels::cuda
