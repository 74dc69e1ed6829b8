#include "kernels/cuda/check.h"
#include "kernels/cuda/stft_ext.h"
#include "kernels/shared/stft_frame.h"

namespace mgr::kernels::cuda {

namespace {

constexpr int kTile = 32;
constexpr int kRows = 8;  // block (32, 8): each thread moves 4 elements of a 32 x 32 tile

// Block (x tile of frames, y tile of bins, z clip). Reads spec rows (one frame's bins) with
// threadIdx.x along bins, writes out rows (one bin's frames) with threadIdx.x along frames.
__global__ void spectrum_transpose_kernel(float* __restrict__ out, const float2* __restrict__ spec,
                                          int num_frames, int bins, float p) {
  __shared__ float tile[kTile][kTile + 1];  // +1: no bank conflicts on the transposed read
  const int64_t b = blockIdx.z;
  const int t0 = blockIdx.x * kTile;
  const int k0 = blockIdx.y * kTile;
  const float2* clip_spec = spec + b * int64_t(num_frames) * bins;
  float* clip_out = out + b * int64_t(bins) * num_frames;
  const int k = k0 + threadIdx.x;
  for (int r = threadIdx.y; r < kTile; r += kRows) {
    const int t = t0 + r;
    if (t < num_frames && k < bins) {
      const float2 z = clip_spec[int64_t(t) * bins + k];
      tile[r][threadIdx.x] = magnitude_pow(z.x, z.y, p);
    }
  }
  __syncthreads();
  const int t = t0 + threadIdx.x;
  for (int r = threadIdx.y; r < kTile; r += kRows) {
    const int kk = k0 + r;
    if (t < num_frames && kk < bins) clip_out[int64_t(kk) * num_frames + t] = tile[threadIdx.x][r];
  }
}

}  // namespace

void spectrum_to_bins_frames(float* out, const float* spec, int64_t clips, int num_frames, int bins,
                             float power, cudaStream_t stream) {
  if (clips == 0 || num_frames == 0) return;
  MGR_CHECK(clips <= 65535, "spectrum_to_bins_frames: " << clips << " clips exceed grid.z");
  const dim3 grid(static_cast<unsigned>((num_frames + kTile - 1) / kTile),
                  static_cast<unsigned>((bins + kTile - 1) / kTile), static_cast<unsigned>(clips));
  MGR_CHECK(grid.y <= 65535, "spectrum_to_bins_frames: " << bins << " bins exceed grid.y");
  spectrum_transpose_kernel<<<grid, dim3(kTile, kRows), 0, stream>>>(
      out, reinterpret_cast<const float2*>(spec), num_frames, bins, power);
  MGR_CUDA_LAUNCH_CHECK("spectrum_transpose_kernel");
}

}  // namespace mgr::kernels::cuda
