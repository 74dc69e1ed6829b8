#include "kernels/cuda/check.h"
#include "kernels/cuda/onset.h"
#include "kernels/shared/onset_flux.h"

namespace mgr::kernels::cuda {

namespace {

constexpr int kThreads = 256;

// One thread per (clip, output frame t); the loop over bands reads S[f, i] and S[f, i + lag] for
// consecutive i across a warp (coalesced). The arithmetic is kernels/shared/onset_flux.h, the CPU
// twin's.
__global__ void onset_kernel(float* __restrict__ out, const float* __restrict__ S, int64_t clips,
                             int bands, int frames, int lag, int max_size, int shift) {
  const int64_t idx = blockIdx.x * int64_t(blockDim.x) + threadIdx.x;
  if (idx >= clips * frames) return;
  const int64_t b = idx / frames;
  const int t = static_cast<int>(idx - b * frames);
  const int i = onset_flux::raw_index(t, shift, frames, lag);
  if (i < 0) {
    out[idx] = 0.f;
    return;
  }
  const float* s = S + b * int64_t(bands) * frames;
  out[idx] = onset_flux::mean_over_bands(
      bands, [&](int f) { return onset_flux::band_flux(s, f, bands, frames, i, lag, max_size); });
}

constexpr int kMedianWarps = 8;  // (clip, frame) pairs per block

// Warp per (clip, output frame): the bands' fluxes into shared memory, then each lane ranks its
// bands (values below it, plus equal values at lower band indices: a permutation of 0..bands-1),
// and the lanes holding ranks (bands - 1) / 2 and bands / 2 publish their values.
__global__ void onset_median_kernel(float* __restrict__ out, const float* __restrict__ S,
                                    int64_t clips, int bands, int frames, int lag, int max_size,
                                    int shift) {
  __shared__ float sflux[kMedianWarps][kMaxMedianBands];
  __shared__ float smid[kMedianWarps][2];
  const int warp = threadIdx.x / 32, lane = threadIdx.x % 32;
  const int64_t idx = blockIdx.x * int64_t(kMedianWarps) + warp;
  if (idx >= clips * frames) return;  // warp-uniform
  const int64_t b = idx / frames;
  const int t = static_cast<int>(idx - b * frames);
  const int i = onset_flux::raw_index(t, shift, frames, lag);
  if (i < 0) {
    if (lane == 0) out[idx] = 0.f;
    return;
  }
  const float* s = S + b * int64_t(bands) * frames;
  float* flux = sflux[warp];
  for (int f = lane; f < bands; f += 32)
    flux[f] = onset_flux::band_flux(s, f, bands, frames, i, lag, max_size);
  __syncwarp();
  const int hi = bands / 2, lo = bands % 2 ? hi : hi - 1;
  for (int f = lane; f < bands; f += 32) {
    const float x = flux[f];
    int rank = 0;
    for (int g = 0; g < bands; ++g) {
      const float y = flux[g];
      rank += (y < x) || (y == x && g < f);
    }
    if (rank == lo) smid[warp][0] = x;
    if (rank == hi) smid[warp][1] = x;
  }
  __syncwarp();
  if (lane == 0) out[idx] = onset_flux::median_of_middle(smid[warp][0], smid[warp][1], bands);
}

}  // namespace

void onset_strength(float* out, const float* S, int64_t clips, int bands, int frames, int lag,
                    int max_size, int shift, bool median, cudaStream_t stream) {
  const int64_t n = clips * frames;
  if (n == 0) return;
  if (median) {
    MGR_CHECK(bands <= kMaxMedianBands,
              "onset_strength (median, CUDA): " << bands << " bands, at most " << kMaxMedianBands);
    onset_median_kernel<<<static_cast<unsigned>((n + kMedianWarps - 1) / kMedianWarps),
                          32 * kMedianWarps, 0, stream>>>(out, S, clips, bands, frames, lag,
                                                          max_size, shift);
    MGR_CUDA_LAUNCH_CHECK("onset_median_kernel");
    return;
  }
  onset_kernel<<<static_cast<int>((n + kThreads - 1) / kThreads), kThreads, 0, stream>>>(
      out, S, clips, bands, frames, lag, max_size, shift);
  MGR_CUDA_LAUNCH_CHECK("onset_kernel");
}

}  // namespace mgr::kernels::cuda
