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

}  // namespace

void onset_strength(float* out, const float* S, int64_t clips, int bands, int frames, int lag,
                    int max_size, int shift, cudaStream_t stream) {
  const int64_t n = clips * frames;
  if (n == 0) return;
  onset_kernel<<<static_cast<int>((n + kThreads - 1) / kThreads), kThreads, 0, stream>>>(
      out, S, clips, bands, frames, lag, max_size, shift);
  MGR_CUDA_LAUNCH_CHECK("onset_kernel");
}

}  // namespace mgr::kernels::cuda
