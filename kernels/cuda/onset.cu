#include "kernels/cuda/check.h"
#include "kernels/cuda/onset.h"

namespace mgr::kernels::cuda {

namespace {

constexpr int kThreads = 256;

__device__ int reflect_index(int i, int n) {
  const int period = 2 * n;
  i %= period;
  if (i < 0) i += period;
  return i < n ? i : period - 1 - i;
}

// One thread per (clip, output frame t); the loop over bands reads S[f, i] and S[f, i + lag] for
// consecutive i across a warp (coalesced). Additions in band order, like the CPU twin.
__global__ void onset_kernel(float* __restrict__ out, const float* __restrict__ S, int64_t clips,
                             int bands, int frames, int lag, int max_size, int shift) {
  const int64_t idx = blockIdx.x * int64_t(blockDim.x) + threadIdx.x;
  if (idx >= clips * frames) return;
  const int64_t b = idx / frames;
  const int t = static_cast<int>(idx - b * frames);
  const int i = t - shift;
  if (i < 0 || i >= frames - lag) {
    out[idx] = 0.f;
    return;
  }
  const float* s = S + b * int64_t(bands) * frames;
  const int left = max_size / 2;
  float acc = 0.f;
  for (int f = 0; f < bands; ++f) {
    float r;
    if (max_size > 1) {
      r = s[int64_t(reflect_index(f - left, bands)) * frames + i];
      for (int j = 1; j < max_size; ++j)
        r = fmaxf(r, s[int64_t(reflect_index(f - left + j, bands)) * frames + i]);
    } else {
      r = s[int64_t(f) * frames + i];
    }
    acc = __fadd_rn(acc, fmaxf(0.f, __fsub_rn(s[int64_t(f) * frames + i + lag], r)));
  }
  out[idx] = __fdiv_rn(acc, static_cast<float>(bands));
}

constexpr int kMedianWarps = 8;  // (clip, frame) pairs per block

// Band f's flux at raw frame i: max(0, S[f, i + lag] - ref[f, i]), as in onset_kernel.
__device__ float band_flux(const float* s, int f, int bands, int frames, int i, int lag,
                           int max_size) {
  float r;
  if (max_size > 1) {
    const int left = max_size / 2;
    r = s[int64_t(reflect_index(f - left, bands)) * frames + i];
    for (int j = 1; j < max_size; ++j)
      r = fmaxf(r, s[int64_t(reflect_index(f - left + j, bands)) * frames + i]);
  } else {
    r = s[int64_t(f) * frames + i];
  }
  return fmaxf(0.f, __fsub_rn(s[int64_t(f) * frames + i + lag], r));
}

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
  const int i = t - shift;
  if (i < 0 || i >= frames - lag) {
    if (lane == 0) out[idx] = 0.f;
    return;
  }
  const float* s = S + b * int64_t(bands) * frames;
  float* flux = sflux[warp];
  for (int f = lane; f < bands; f += 32) flux[f] = band_flux(s, f, bands, frames, i, lag, max_size);
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
  if (lane == 0)
    out[idx] = bands % 2 ? smid[warp][1] : __fdiv_rn(__fadd_rn(smid[warp][0], smid[warp][1]), 2.f);
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
