#include <climits>

#include "kernels/cuda/beat.h"
#include "kernels/cuda/check.h"

namespace mgr::kernels::cuda {

namespace {

using cpu::kLagRadius;
using cpu::kLagSigma;
using cpu::kLagSteps;
using cpu::kPhaseSteps;

constexpr int kThreads = 256;

// r[0..max_lag] of one clip into shared memory: the CPU twin's operations in its order (mean
// summed by one thread; each lag summed over t by one thread), no FMA contraction.
__device__ void autocorrelation_block(double* r, const float* e, int frames, int max_lag,
                                      double* smean) {
  if (threadIdx.x == 0) {
    double m = 0;
    for (int t = 0; t < frames; ++t) m = __dadd_rn(m, double(e[t]));
    *smean = m / frames;
  }
  __syncthreads();
  const double mean = *smean;
  for (int k = threadIdx.x; k <= max_lag; k += blockDim.x) {
    double acc = 0;
    for (int t = 0; t + k < frames; ++t)
      acc = __dadd_rn(acc,
                      __dmul_rn(__dsub_rn(double(e[t]), mean), __dsub_rn(double(e[t + k]), mean)));
    r[k] = acc / frames;
  }
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

__device__ int beat_frame_dev(double period, double phase, int m) {
  return static_cast<int>(__dadd_rn(__dadd_rn(phase, __dmul_rn(double(m), period)), 0.5));
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
    const int step = range.first_step + j;
    const int lo = max(0, (step - kLagRadius * kLagSteps + kLagSteps - 1) / kLagSteps);
    const int hi = min(range.max_lag, (step + kLagRadius * kLagSteps) / kLagSteps);
    double acc = 0;
    for (int k = lo; k <= hi; ++k)
      acc = __dadd_rn(acc,
                      __dmul_rn(sr[k], double(g.w[k * kLagSteps - step + kLagRadius * kLagSteps])));
    if (acc > best) best = acc, best_j = j;
  }
  block_argmax(best, best_j, sv, si);
  const int step = range.first_step + (best_j == INT_MAX ? 0 : best_j);
  const double period = double(step) / kLagSteps;

  best = -INFINITY;
  best_j = INT_MAX;
  for (int j = threadIdx.x; double(j) / kPhaseSteps < period; j += blockDim.x) {
    const double phase = double(j) / kPhaseSteps;
    double acc = 0;
    int n = 0;
    for (int m = 0;; ++m) {
      const int f = beat_frame_dev(period, phase, m);
      if (f >= frames) break;
      acc = __dadd_rn(acc, double(e[f]));
      ++n;
    }
    const double v = n > 0 ? acc / n : 0.0;
    if (v > best) best = v, best_j = j;
  }
  block_argmax(best, best_j, sv, si);
  if (threadIdx.x == 0) {
    grid[2 * b] = static_cast<float>(period);
    grid[2 * b + 1] = static_cast<float>(double(best_j == INT_MAX ? 0 : best_j) / kPhaseSteps);
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
    const double bpm = n_bins > 1 ? bpm_min + i * (bpm_max - bpm_min) / (n_bins - 1) : bpm_min;
    const double lag = frames_per_minute / bpm;
    const int lo = max(0, static_cast<int>(ceil(lag - kLagRadius)));
    const int hi = min(max_lag, static_cast<int>(floor(lag + kLagRadius)));
    double acc = 0;
    for (int k = lo; k <= hi; ++k) {
      const double d = (k - lag) / kLagSigma;
      acc += sr[k] * exp(-0.5 * d * d);
    }
    shist[i] = fmax(0.0, acc);
    top = fmax(top, shist[i]);
  }
  int unused = 0;
  block_argmax(top, unused, sv, si);
  float* o = out + b * n_bins;
  for (int i = threadIdx.x; i < n_bins; i += blockDim.x)
    o[i] = top > 0 ? static_cast<float>(shist[i] / top) : 0.f;
}

__global__ void beat_frames_kernel(int32_t* __restrict__ out, const float* __restrict__ grid,
                                   int64_t clips, int frames, int max_beats) {
  const int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x;
  if (i >= clips * max_beats) return;
  const int64_t b = i / max_beats;
  const int m = static_cast<int>(i - b * max_beats);
  const int f = beat_frame_dev(grid[2 * b], grid[2 * b + 1], m);
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
