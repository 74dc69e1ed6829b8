#include "kernels/cuda/check.h"
#include "kernels/cuda/pitch_histogram.h"

namespace mgr::kernels::cuda {

namespace {

constexpr int kThreads = 256;
// Per-clip kernels are long sequential loops: one warp per block spreads a batch over the SMs.
constexpr int kClipThreads = 32;
constexpr int kTile = 32;  // transpose tile of the row builder: 32 frames x 32 bins
constexpr int kTileRows = 8;

unsigned blocks_for(int64_t n, int threads) {
  return static_cast<unsigned>((n + threads - 1) / threads);
}

// One thread per clip: the filter recursion is sequential in time.
__global__ void highband_kernel(float* __restrict__ out, const float* __restrict__ audio,
                                int64_t clips, int64_t n, pitch::Biquad q) {
  const int64_t b = int64_t(blockIdx.x) * blockDim.x + threadIdx.x;
  if (b < clips) pitch::highpass_rectify(out + b * n, audio + b * n, n, q);
}

// The spectrograms are bin-major [bins, frames] per clip, the rows frame-major: a shared-memory
// transpose reads frames and writes bins in 32-wide runs (the mirrored half too, backwards).
__global__ void sacf_rows_kernel(float* __restrict__ rows, const float* __restrict__ p_low,
                                 const float* __restrict__ p_high, int bins, int frames, int n_fft,
                                 const float* __restrict__ weight, float half_k) {
  __shared__ float tile[kTile][kTile + 1];
  const int t0 = blockIdx.x * kTile, f0 = blockIdx.y * kTile;
  const int64_t b = blockIdx.z;
  const int64_t clip = b * bins * int64_t(frames);
  for (int i = threadIdx.y; i < kTile; i += kTileRows) {
    const int f = f0 + i, t = t0 + threadIdx.x;
    if (f < bins && t < frames) {
      const int64_t at = clip + int64_t(f) * frames + t;
      tile[i][threadIdx.x] = pitch::sacf_bin(p_low[at], p_high[at], weight[f], half_k);
    }
  }
  __syncthreads();
  for (int i = threadIdx.y; i < kTile; i += kTileRows) {
    const int t = t0 + i, f = f0 + threadIdx.x;
    if (t < frames && f < bins) {
      const float v = tile[threadIdx.x][i];
      float* row = rows + (b * frames + t) * int64_t(n_fft);
      row[f] = v;
      const int mirror = n_fft - f;
      if (mirror > f && mirror < n_fft) row[mirror] = v;
    }
  }
}

// One thread per frame: the lag scan reads a few hundred values of its own row.
__global__ void peaks_kernel(int32_t* __restrict__ notes, float* __restrict__ heights,
                             const float* __restrict__ spectrum, int64_t rows, int bins,
                             pitch::Lags lags, bool enhance, double sample_rate) {
  const int64_t r = int64_t(blockIdx.x) * blockDim.x + threadIdx.x;
  if (r >= rows) return;
  pitch::frame_peaks(notes + r * pitch::kPeaksPerFrame, heights + r * pitch::kPeaksPerFrame,
                     spectrum + r * 2 * bins, lags, enhance, sample_rate);
}

// One thread per clip: the histogram is summed in frame order, as on the CPU.
__global__ void clip_features_kernel(float* __restrict__ out, double* __restrict__ hist,
                                     const int32_t* __restrict__ notes,
                                     const float* __restrict__ heights, int64_t clips, int frames,
                                     bool full) {
  const int64_t b = int64_t(blockIdx.x) * blockDim.x + threadIdx.x;
  if (b >= clips) return;
  const int64_t per_clip = int64_t(frames) * pitch::kPeaksPerFrame;
  double* h = hist + b * pitch::kNotes;
  pitch::clip_histogram(h, notes + b * per_clip, heights + b * per_clip, per_clip);
  pitch::clip_features(out + b * (full ? pitch::kFull : pitch::kSummary), h, frames, full);
}

}  // namespace

void pitch_highband(float* out, const float* audio, int64_t clips, int64_t n, pitch::Biquad q,
                    cudaStream_t stream) {
  if (clips == 0 || n == 0) return;
  highband_kernel<<<blocks_for(clips, kClipThreads), kClipThreads, 0, stream>>>(out, audio, clips,
                                                                                n, q);
  MGR_CUDA_LAUNCH_CHECK("pitch highband_kernel");
}

void pitch_sacf_rows(float* rows, const float* p_low, const float* p_high, int64_t clips, int bins,
                     int frames, int n_fft, const float* weight, float half_k,
                     cudaStream_t stream) {
  if (clips == 0 || frames == 0) return;
  MGR_CHECK(clips <= 65535, "pitch_sacf_rows: " << clips << " clips in one pass (max 65535)");
  const dim3 grid(static_cast<unsigned>((frames + kTile - 1) / kTile),
                  static_cast<unsigned>((bins + kTile - 1) / kTile), static_cast<unsigned>(clips));
  sacf_rows_kernel<<<grid, dim3(kTile, kTileRows), 0, stream>>>(rows, p_low, p_high, bins, frames,
                                                                n_fft, weight, half_k);
  MGR_CUDA_LAUNCH_CHECK("pitch sacf_rows_kernel");
}

void pitch_frame_peaks(int32_t* notes, float* heights, const float* spectrum, int64_t rows,
                       int n_fft, pitch::Lags lags, bool enhance, double sample_rate,
                       cudaStream_t stream) {
  if (rows == 0) return;
  peaks_kernel<<<blocks_for(rows, kThreads), kThreads, 0, stream>>>(
      notes, heights, spectrum, rows, n_fft / 2 + 1, lags, enhance, sample_rate);
  MGR_CUDA_LAUNCH_CHECK("pitch peaks_kernel");
}

void pitch_clip_features(float* out, double* hist, const int32_t* notes, const float* heights,
                         int64_t clips, int frames, bool full, cudaStream_t stream) {
  if (clips == 0) return;
  clip_features_kernel<<<blocks_for(clips, kClipThreads), kClipThreads, 0, stream>>>(
      out, hist, notes, heights, clips, frames, full);
  MGR_CUDA_LAUNCH_CHECK("pitch clip_features_kernel");
}

}  // namespace mgr::kernels::cuda
