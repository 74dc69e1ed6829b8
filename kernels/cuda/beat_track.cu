#include <cfloat>
#include <climits>

#include "kernels/cuda/beat_track.h"
#include "kernels/cuda/check.h"
#include "kernels/shared/beat_dp.h"

namespace mgr::kernels::cuda {

namespace {

namespace dp = beat_dp;

constexpr int kMeanThreads = 256;  // 8 warps, one (clip, lag) row each
constexpr int kArgmaxThreads = 256;
constexpr int kTrackThreads = 128;

// Warp per tempogram row: lane l sums t = l, l + 32, ... in order (double), then the shuffle tree
// adds lane l + s into lane l for s = 16, 8, 4, 2, 1: kernels::cpu::tempogram_row_sum's order.
__global__ void tempogram_mean_kernel(float* __restrict__ means, const float* __restrict__ tg,
                                      int64_t rows, int frames) {
  const int64_t row = (blockIdx.x * int64_t(blockDim.x) + threadIdx.x) / 32;
  const int lane = threadIdx.x % 32;
  if (row >= rows) return;  // whole warps: blockDim is a multiple of 32
  const float* r = tg + row * frames;
  double acc = 0.0;
  for (int t = lane; t < frames; t += 32) acc = dp::dadd(acc, double(r[t]));
  for (int s = 16; s > 0; s >>= 1) acc = dp::dadd(acc, __shfl_down_sync(0xffffffffu, acc, s));
  if (lane == 0) means[row] = dp::to_float(dp::ddiv(acc, double(frames)));
}

// Block per clip: the first maximum of tempo_score over lags (beat_dp::better in any order gives
// the smallest index among the maxima, as the CPU's ascending scan).
__global__ void tempo_argmax_kernel(float* __restrict__ bpm, int32_t* __restrict__ lag,
                                    const float* __restrict__ means, cpu::BeatTables t) {
  __shared__ double sv[kArgmaxThreads];
  __shared__ int si[kArgmaxThreads];
  const int64_t b = blockIdx.x;
  double best = -INFINITY;
  int best_k = INT_MAX;
  for (int k = threadIdx.x; k < t.win; k += blockDim.x) {
    const double v = dp::tempo_score(means[b * t.win + k], t.logprior[k]);
    if (dp::better(v, k, best, best_k)) best = v, best_k = k;
  }
  sv[threadIdx.x] = best;
  si[threadIdx.x] = best_k;
  __syncthreads();
  for (int s = blockDim.x / 2; s > 0; s >>= 1) {
    if (threadIdx.x < s &&
        dp::better(sv[threadIdx.x + s], si[threadIdx.x + s], sv[threadIdx.x], si[threadIdx.x])) {
      sv[threadIdx.x] = sv[threadIdx.x + s];
      si[threadIdx.x] = si[threadIdx.x + s];
    }
    __syncthreads();
  }
  if (threadIdx.x == 0) {
    const int k = si[0] == INT_MAX ? 0 : si[0];
    lag[b] = k;
    bpm[b] = static_cast<float>(t.bpm[k]);
  }
}

struct TrackScratch {
  double* localscore;  // [clips][frames] each
  double* cumscore;
  double* maxima;
  int* backlink;
  int* path;
  float* norm;
};

TrackScratch carve(void* scratch, int64_t clips, int frames) {
  const int64_t n = clips * frames;
  double* d = static_cast<double*>(scratch);
  int* i = reinterpret_cast<int*>(d + 3 * n);
  return TrackScratch{d, d + n, d + 2 * n, i, i + n, reinterpret_cast<float*>(i + 2 * n)};
}

__global__ void beat_track_kernel(int32_t* __restrict__ beats, float* __restrict__ bpm,
                                  const float* __restrict__ env, const int32_t* __restrict__ lag,
                                  int frames, int max_beats, cpu::BeatTables t, double tightness,
                                  bool trim, TrackScratch s) {
  __shared__ float sdenom;
  const int64_t b = blockIdx.x;
  const int64_t base = b * frames;
  const float* e = env + base;
  int32_t* out = beats + b * max_beats;
  int nonzero = 0;
  for (int i = threadIdx.x; i < frames; i += blockDim.x) nonzero |= e[i] != 0.f;
  const bool any = __syncthreads_or(nonzero) != 0;
  const int fpb = t.fpb[lag[b]];
  if (!any || fpb < 1) {  // silent clip (tempo 0), or an excluded lag won (NaN envelope)
    for (int j = threadIdx.x; j < max_beats; j += blockDim.x) out[j] = -1;
    if (!any && threadIdx.x == 0) bpm[b] = 0.f;
    return;
  }
  if (threadIdx.x == 0) sdenom = dp::fadd(dp::std_ddof1(e, frames), FLT_MIN);
  __syncthreads();
  const float denom = sdenom;
  float* norm = s.norm + base;
  for (int i = threadIdx.x; i < frames; i += blockDim.x) norm[i] = dp::fdiv(e[i], denom);
  __syncthreads();
  double* localscore = s.localscore + base;
  const double* half_window = t.window_of(fpb);
  for (int i = threadIdx.x; i < frames; i += blockDim.x)
    localscore[i] = dp::local_score_at(norm, frames, fpb, half_window, i);
  __syncthreads();
  if (threadIdx.x == 0)
    dp::track_from_local_score(localscore, frames, fpb, tightness, trim, t.log_d, s.cumscore + base,
                               s.maxima + base, s.backlink + base, s.path + base, out, max_beats);
}

}  // namespace

void tempo_from_tempogram(float* bpm, int32_t* lag, float* means, const float* tg, int64_t clips,
                          int frames, const cpu::BeatTables& t, cudaStream_t stream) {
  if (clips == 0) return;
  const int64_t rows = clips * t.win;
  const int64_t blocks = (rows * 32 + kMeanThreads - 1) / kMeanThreads;
  tempogram_mean_kernel<<<static_cast<unsigned>(blocks), kMeanThreads, 0, stream>>>(means, tg, rows,
                                                                                    frames);
  MGR_CUDA_LAUNCH_CHECK("tempogram_mean_kernel");
  tempo_argmax_kernel<<<static_cast<unsigned>(clips), kArgmaxThreads, 0, stream>>>(bpm, lag, means,
                                                                                   t);
  MGR_CUDA_LAUNCH_CHECK("tempo_argmax_kernel");
}

size_t beat_track_scratch_bytes(int64_t clips, int frames) {
  return size_t(clips) * size_t(frames) * (3 * sizeof(double) + 2 * sizeof(int) + sizeof(float));
}

void beat_track(int32_t* beats, float* bpm, const float* env, const int32_t* lag, int64_t clips,
                int frames, int max_beats, const cpu::BeatTables& t, double tightness, bool trim,
                void* scratch, cudaStream_t stream) {
  if (clips == 0) return;
  beat_track_kernel<<<static_cast<unsigned>(clips), kTrackThreads, 0, stream>>>(
      beats, bpm, env, lag, frames, max_beats, t, tightness, trim, carve(scratch, clips, frames));
  MGR_CUDA_LAUNCH_CHECK("beat_track_kernel");
}

}  // namespace mgr::kernels::cuda
