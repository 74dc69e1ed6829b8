#include <climits>

#include "kernels/cuda/beat.h"
#include "kernels/cuda/check.h"

namespace mgr::kernels::cuda {

namespace {

namespace tempo_grid = cpu::tempo_grid;

constexpr int kThreads = 256;

// r[0..max_lag] of one clip into shared memory: the mean by one thread, each lag by one thread,
// through kernels/shared/tempo_grid.h (the CPU twin's functions).
__device__ void autocorrelation_block(double* r, const float* e, int frames, int max_lag,
                                      double* smean) {
  if (threadIdx.x == 0) *smean = tempo_grid::envelope_mean(e, frames);
  __syncthreads();
  const double mean = *smean;
  for (int k = threadIdx.x; k <= max_lag; k += blockDim.x)
    r[k] = tempo_grid::autocorrelation_lag(e, frames, mean, k);
  __syncthreads();
}

// Block argmax over (value, index): larger value wins, ties go to the smaller index.
__device__ void block_argmax(double& v, int& idx, double* sv, int* si) {
  sv[threadIdx.x] = v;
  si[threadIdx.x] = idx;
  __syncthreads();
  for (int s = blockDim.x / 2; s > 0; s >>= 1) {
    if (threadIdx.x < s) {
      const double ov = sv[threadIdx.x + s];
      const int oi = si[threadIdx.x + s];
      if (ov > sv[threadIdx.x] || (ov == sv[threadIdx.x] && oi < si[threadIdx.x])) {
        sv[threadIdx.x] = ov;
        si[threadIdx.x] = oi;
      }
    }
    __syncthreads();
  }
  v = sv[0];
  idx = si[0];
  __syncthreads();
}

__global__ void beat_grid_kernel(float* __restrict__ grid, const float* __restrict__ env,
                                 int frames, cpu::TempoRange range, cpu::LagTable g) {
  extern __shared__ double sr[];  // [max_lag + 1]
  __shared__ double smean;
  __shared__ double sv[kThreads];
  __shared__ int si[kThreads];
  const int64_t b = blockIdx.x;
  const float* e = env + b * frames;
  autocorrelation_block(sr, e, frames, range.max_lag, &smean);

  double best = -INFINITY;
  int best_j = INT_MAX;
  for (int j = threadIdx.x; j < range.num_steps; j += blockDim.x) {
    const double v = tempo_grid::smoothed_ac_step(sr, range.max_lag, range.first_step + j, g);
    if (v > best) best = v, best_j = j;
  }
  block_argmax(best, best_j, sv, si);
  const int step = range.first_step + (best_j == INT_MAX ? 0 : best_j);
  const double period = tempo_grid::candidate_period(step);

  best = -INFINITY;
  best_j = INT_MAX;
  for (int j = threadIdx.x; tempo_grid::candidate_phase(j) < period; j += blockDim.x) {
    const double v = tempo_grid::phase_score(e, frames, period, tempo_grid::candidate_phase(j));
    if (v > best) best = v, best_j = j;
  }
  block_argmax(best, best_j, sv, si);
  if (threadIdx.x == 0) {
    grid[2 * b] = static_cast<float>(period);
    grid[2 * b + 1] =
        static_cast<float>(tempo_grid::candidate_phase(best_j == INT_MAX ? 0 : best_j));
  }
}

__global__ void beat_histogram_kernel(float* __restrict__ out, const float* __restrict__ env,
                                      int frames, int max_lag, double frames_per_minute, int n_bins,
                                      double bpm_min, double bpm_max) {
  extern __shared__ double sh[];
  double* sr = sh;                   // [max_lag + 1]
  double* shist = sh + max_lag + 1;  // [n_bins]
  __shared__ double smean;
  __shared__ double sv[kThreads];
  __shared__ int si[kThreads];
  const int64_t b = blockIdx.x;
  autocorrelation_block(sr, env + b * frames, frames, max_lag, &smean);
  double top = 0;
  for (int i = threadIdx.x; i < n_bins; i += blockDim.x) {
    shist[i] = tempo_grid::histogram_bin(sr, max_lag, frames_per_minute,
                                         tempo_grid::histogram_bpm(i, n_bins, bpm_min, bpm_max));
    top = fmax(top, shist[i]);
  }
  int unused = 0;
  block_argmax(top, unused, sv, si);
  float* o = out + b * n_bins;
  for (int i = threadIdx.x; i < n_bins; i += blockDim.x)
    o[i] = tempo_grid::histogram_normalised(shist[i], top);
}

__global__ void beat_frames_kernel(int32_t* __restrict__ out, const float* __restrict__ grid,
                                   int64_t clips, int frames, int max_beats) {
  const int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x;
  if (i >= clips * max_beats) return;
  const int64_t b = i / max_beats;
  const int m = static_cast<int>(i - b * max_beats);
  const int f = grid_beat_frame(grid[2 * b], grid[2 * b + 1], m);
  out[i] = f < frames ? f : -1;
}

void check_shared(int doubles, const char* what) {
  MGR_CHECK(doubles <= kMaxBeatShared, what << ": needs " << doubles
                                            << " doubles of shared memory, more than "
                                            << kMaxBeatShared);
}

}  // namespace

void beat_histogram(float* out, const float* env, int64_t clips, int frames, int hop_length,
                    int sample_rate, int n_bins, double bpm_min, double bpm_max,
                    cudaStream_t stream) {
  if (clips == 0) return;
  const cpu::TempoRange range = cpu::tempo_range(hop_length, sample_rate, bpm_min, bpm_max);
  check_shared(range.max_lag + 1 + n_bins, "beat_histogram");
  const size_t shared = sizeof(double) * size_t(range.max_lag + 1 + n_bins);
  beat_histogram_kernel<<<static_cast<unsigned>(clips), kThreads, shared, stream>>>(
      out, env, frames, range.max_lag, 60.0 * sample_rate / hop_length, n_bins, bpm_min, bpm_max);
  MGR_CUDA_LAUNCH_CHECK("beat_histogram_kernel");
}

void beat_grid(float* grid, const float* env, int64_t clips, int frames,
               const cpu::TempoRange& range, const cpu::LagTable& g, cudaStream_t stream) {
  if (clips == 0) return;
  check_shared(range.max_lag + 1, "beat_grid");
  const size_t shared = sizeof(double) * size_t(range.max_lag + 1);
  beat_grid_kernel<<<static_cast<unsigned>(clips), kThreads, shared, stream>>>(grid, env, frames,
                                                                               range, g);
  MGR_CUDA_LAUNCH_CHECK("beat_grid_kernel");
}

void beat_frames(int32_t* out, const float* grid, int64_t clips, int frames, int max_beats,
                 cudaStream_t stream) {
  const int64_t n = clips * max_beats;
  if (n == 0) return;
  beat_frames_kernel<<<static_cast<int>((n + kThreads - 1) / kThreads), kThreads, 0, stream>>>(
      out, grid, clips, frames, max_beats);
  MGR_CUDA_LAUNCH_CHECK("beat_frames_kernel");
}

}  // namespace mgr::kernels::cuda
