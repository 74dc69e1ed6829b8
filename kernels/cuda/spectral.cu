// One thread per (clip, frame), looping over the frame's bins. The spectrogram is
// [clips, bins, frames] with frames contiguous, so the 32 threads of a warp (32 consecutive
// frames) read 128 contiguous bytes per bin: coalesced. A block or warp per frame reducing over
// bins would read one float per 4 KiB-strided line instead. A thread's sequential loop is also
// the CPU twin's order (kernels/shared/spectral_frame.h), and rolloff's cumulative sum is simply
// the running sum, with no scan. Parallelism is clips x frames threads (1.3 M for 1000 x 30 s).
#include "kernels/cuda/check.h"
#include "kernels/cuda/framewise_block.h"
#include "kernels/cuda/spectral.h"
#include "kernels/shared/spectral_frame.h"

namespace mgr::kernels::cuda {

namespace {

namespace cpu = ::mgr::kernels::cpu;

enum Kind { kCentroid, kBandwidth, kRolloff, kFlatness, kFlux };

constexpr int kThreads = 128;

template <int K>
__global__ void spectral_kernel(float* out, const float* mag, int64_t clips, int bins,
                                int64_t frames, double a, double b) {
  const int64_t t = blockIdx.x * int64_t(kThreads) + threadIdx.x;
  if (t >= frames) return;
  for (int64_t c = blockIdx.y; c < clips; c += gridDim.y) {
    const float* s = mag + c * int64_t(bins) * frames + t;
    double v;
    if constexpr (K == kCentroid) {
      v = cpu::centroid_frame(s, frames, bins, a).centroid;
    } else if constexpr (K == kBandwidth) {
      v = cpu::bandwidth_frame(s, frames, bins, a, b);
    } else if constexpr (K == kRolloff) {
      v = cpu::rolloff_frame(s, frames, bins, a, b);
    } else if constexpr (K == kFlatness) {
      v = cpu::flatness_frame(s, frames, bins, a, b);
    } else {
      v = t == 0 ? 0.0 : cpu::flux_frame(s, s - 1, frames, bins);
    }
    out[c * frames + t] = static_cast<float>(v);
  }
}

template <int K>
void launch(const char* name, float* out, const float* mag, int64_t clips, int bins, int64_t frames,
            double a, double b, cudaStream_t stream) {
  if (clips == 0 || frames == 0) return;
  const int64_t gx = (frames + kThreads - 1) / kThreads;
  MGR_CHECK(gx <= 2147483647LL, name << ": too many frames (" << frames << ")");
  const dim3 grid(static_cast<unsigned>(gx), grid_dim_yz(clips));
  spectral_kernel<K><<<grid, kThreads, 0, stream>>>(out, mag, clips, bins, frames, a, b);
  MGR_CUDA_LAUNCH_CHECK(name);
}

}  // namespace

void spectral_centroid(float* out, const float* mag, int64_t clips, int bins, int64_t frames,
                       double bin_hz, cudaStream_t stream) {
  launch<kCentroid>("spectral_centroid_kernel", out, mag, clips, bins, frames, bin_hz, 0, stream);
}

void spectral_bandwidth(float* out, const float* mag, int64_t clips, int bins, int64_t frames,
                        double bin_hz, double p, cudaStream_t stream) {
  launch<kBandwidth>("spectral_bandwidth_kernel", out, mag, clips, bins, frames, bin_hz, p, stream);
}

void spectral_rolloff(float* out, const float* mag, int64_t clips, int bins, int64_t frames,
                      double bin_hz, double roll_percent, cudaStream_t stream) {
  launch<kRolloff>("spectral_rolloff_kernel", out, mag, clips, bins, frames, bin_hz, roll_percent,
                   stream);
}

void spectral_flatness(float* out, const float* mag, int64_t clips, int bins, int64_t frames,
                       double amin, double power, cudaStream_t stream) {
  launch<kFlatness>("spectral_flatness_kernel", out, mag, clips, bins, frames, amin, power, stream);
}

void spectral_flux(float* out, const float* mag, int64_t clips, int bins, int64_t frames,
                   cudaStream_t stream) {
  launch<kFlux>("spectral_flux_kernel", out, mag, clips, bins, frames, 0, 0, stream);
}

}  // namespace mgr::kernels::cuda
