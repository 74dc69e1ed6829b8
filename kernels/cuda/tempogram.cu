#include "kernels/cuda/check.h"
#include "kernels/cuda/tempogram.h"
#include "kernels/shared/tempogram_frame.h"

namespace mgr::kernels::cuda {

namespace {

constexpr int kTile = 8;       // frames per block: lag k's 8 outputs are one 32-byte write
constexpr int kThreads = 256;  // kTile frames x 32 lag groups
constexpr int kGroups = kThreads / kTile;

// Block (frame tile, clip). Shared: the window, the envelope tile env[t0 - w .. t0 + 7 - w + W)
// with numpy's linear_ramp padding, and the tile's autocorrelations [W][kTile]. Thread (f, g)
// computes frame t0 + f at the lag pairs (p, W - 1 - p), p = g, g + 32, ... (equal work per pair).
// The arithmetic (padding, window, products summed over j in increasing order, normalisation) is
// kernels/shared/tempogram_frame.h, the CPU twin's, so the values match it bit for bit.
__global__ void tempogram_kernel(float* __restrict__ out, const float* __restrict__ env, int frames,
                                 int win, const float* __restrict__ window) {
  extern __shared__ float sh[];
  float* swin = sh;                    // [win]
  float* sev = swin + win;             // [win + kTile - 1]
  float* sac = sev + win + kTile - 1;  // [win][kTile]
  __shared__ float stop[kTile];
  const int t0 = blockIdx.x * kTile;
  const int64_t b = blockIdx.y;
  const float* e = env + b * frames;
  const int w = win / 2;
  for (int j = threadIdx.x; j < win; j += blockDim.x) swin[j] = window[j];
  for (int j = threadIdx.x; j < win + kTile - 1; j += blockDim.x)
    sev[j] = tempogram_ac::padded_envelope(e, frames, w, t0 + j - w);
  __syncthreads();
  const int f = threadIdx.x % kTile;
  const int g = threadIdx.x / kTile;
  const float* ev = sev + f;  // frame t0 + f: sample j is window[j] * ev[j] (windowed_sample)
  for (int p = g; p < (win + 1) / 2; p += kGroups) {
    for (int side = 0; side < 2; ++side) {
      const int k = side == 0 ? p : win - 1 - p;
      if (side == 1 && k == p) break;
      float acc = 0.f;
      for (int j = 0; j + k < win; ++j) {
        const float sj = fmul(swin[j], ev[j]);
        const float sk = fmul(swin[j + k], ev[j + k]);
        acc = tempogram_ac::autocorrelation_term(acc, sj, sk);
      }
      sac[k * kTile + f] = acc;
    }
  }
  __syncthreads();
  if (threadIdx.x < kTile) {
    float top = 0.f;
    for (int k = 0; k < win; ++k) top = tempogram_ac::abs_max(top, sac[k * kTile + threadIdx.x]);
    stop[threadIdx.x] = top;
  }
  __syncthreads();
  float* o = out + b * int64_t(win) * frames;
  for (int i = threadIdx.x; i < win * kTile; i += blockDim.x) {
    const int k = i / kTile, ff = i % kTile;
    if (t0 + ff >= frames) continue;
    o[int64_t(k) * frames + t0 + ff] = tempogram_ac::normalised(sac[i], stop[ff]);
  }
}

}  // namespace

void tempogram(float* out, const float* env, int64_t clips, int frames, int win_length,
               const float* window, cudaStream_t stream) {
  if (clips == 0 || frames == 0) return;
  MGR_CHECK(win_length >= 1 && win_length <= kMaxTempogramWin,
            "tempogram: win_length " << win_length << " outside [1, " << kMaxTempogramWin << "]");
  MGR_CHECK(clips <= 65535, "tempogram: at most 65535 clips per call, got " << clips);
  const size_t shared = sizeof(float) * (size_t(win_length) * (kTile + 2) + kTile - 1);
  dim3 grid((frames + kTile - 1) / kTile, static_cast<unsigned>(clips));
  tempogram_kernel<<<grid, kThreads, shared, stream>>>(out, env, frames, win_length, window);
  MGR_CUDA_LAUNCH_CHECK("tempogram_kernel");
}

}  // namespace mgr::kernels::cuda
