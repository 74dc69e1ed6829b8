#include "kernels/cuda/check.h"
#include "kernels/cuda/tuning.h"
#include "kernels/shared/tuning.h"

namespace mgr::kernels::cuda {

namespace {

constexpr int kThreads = 256;

// One thread per (clip, frame), consecutive threads on consecutive frames (coalesced).
__global__ void frame_ref_kernel(float* __restrict__ ref, const float* __restrict__ power,
                                 int64_t clips, int bins, int frames) {
  const int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x;
  if (i >= clips * frames) return;
  const int64_t b = i / frames;
  const int t = static_cast<int>(i - b * frames);
  ref[i] = tuning::frame_ref(power + b * int64_t(bins) * frames + t, frames, bins);
}

// Item i of a clip is bin k = lo + i / frames of frame t = i % frames.
struct ClipView {
  const float* s;    // the clip's [bins, frames]
  const float* ref;  // the clip's [frames]
  int bins, frames, lo, sample_rate, n_fft;
  __device__ bool peak(int64_t i, float* mag, float* pitch) const {
    const int k = lo + static_cast<int>(i / frames);
    const int t = static_cast<int>(i % frames);
    return tuning::peak(s + t, frames, k, bins, ref[t], sample_rate, n_fft, mag, pitch);
  }
};

__device__ uint32_t float_key(float v) { return tuning::order_key(__float_as_uint(v)); }
__device__ float key_float(uint32_t key) {
  return __uint_as_float((key & 0x80000000u) ? (key & 0x7fffffffu) : ~key);
}

// The rank-th smallest peak magnitude of the clip (0-based), by radix selection over the order
// keys, most significant byte first. All threads of the block call it; all get the value.
__device__ float select_rank(const ClipView& v, int64_t items, uint32_t rank, unsigned int* hist,
                             uint32_t* shared_state) {
  uint32_t prefix = 0, mask = 0;
  for (int shift = 24; shift >= 0; shift -= 8) {
    for (int d = threadIdx.x; d < 256; d += blockDim.x) hist[d] = 0;
    __syncthreads();
    for (int64_t i = threadIdx.x; i < items; i += blockDim.x) {
      float m, p;
      if (!v.peak(i, &m, &p)) continue;
      const uint32_t key = float_key(m);
      if ((key & mask) == prefix) atomicAdd(&hist[(key >> shift) & 255u], 1u);
    }
    __syncthreads();
    if (threadIdx.x == 0) {
      uint32_t cum = 0;
      int d = 0;
      for (; d < 255; ++d) {
        if (cum + hist[d] > rank) break;
        cum += hist[d];
      }
      shared_state[0] = prefix | (uint32_t(d) << shift);
      shared_state[1] = rank - cum;
    }
    __syncthreads();
    prefix = shared_state[0];
    rank = shared_state[1];
    mask |= 255u << shift;
    __syncthreads();
  }
  return key_float(prefix);
}

// One block per clip: count, median, histogram, argmax (kernels::cpu::estimate_tuning_index).
__global__ void tuning_kernel(int32_t* __restrict__ out, const float* __restrict__ ref,
                              const float* __restrict__ power, int bins, int frames, int lo, int hi,
                              int sample_rate, int n_fft, int n_chroma) {
  __shared__ unsigned int hist[256];
  __shared__ int counts[tuning::kBins];
  __shared__ uint32_t state[2];
  __shared__ unsigned int total;
  const int64_t b = blockIdx.x;
  const ClipView v{power + b * int64_t(bins) * frames,
                   ref + b * int64_t(frames),
                   bins,
                   frames,
                   lo,
                   sample_rate,
                   n_fft};
  const int64_t items = int64_t(hi - lo) * frames;
  if (threadIdx.x == 0) total = 0;
  for (int i = threadIdx.x; i < tuning::kBins; i += blockDim.x) counts[i] = 0;
  __syncthreads();
  unsigned int mine = 0;
  for (int64_t i = threadIdx.x; i < items; i += blockDim.x) {
    float m, p;
    if (v.peak(i, &m, &p)) ++mine;
  }
  atomicAdd(&total, mine);
  __syncthreads();
  const unsigned int n = total;
  if (n == 0) {
    if (threadIdx.x == 0) out[b] = tuning::kBins / 2;  // librosa: no pitches, tuning 0.0
    return;
  }
  const float upper = select_rank(v, items, n / 2, hist, state);
  const float lower = (n % 2 == 0) ? select_rank(v, items, n / 2 - 1, hist, state) : upper;
  const float threshold = tuning::median_of(lower, upper, n);
  for (int64_t i = threadIdx.x; i < items; i += blockDim.x) {
    float m, p;
    if (v.peak(i, &m, &p) && m >= threshold)
      atomicAdd(&counts[tuning::bin_of(tuning::deviation(p, n_chroma))], 1);
  }
  __syncthreads();
  if (threadIdx.x == 0) out[b] = tuning::argmax(counts);
}

}  // namespace

void estimate_tuning_index(int32_t* out, float* ref_scratch, const float* power, int64_t clips,
                           int bins, int frames, int sample_rate, int n_fft, int n_chroma,
                           cudaStream_t stream) {
  if (clips == 0) return;
  int lo = 0, hi = 0;
  tuning::peak_range(sample_rate, n_fft, &lo, &hi);
  if (frames > 0) {
    const int64_t n = clips * frames;
    frame_ref_kernel<<<static_cast<int>((n + kThreads - 1) / kThreads), kThreads, 0, stream>>>(
        ref_scratch, power, clips, bins, frames);
    MGR_CUDA_LAUNCH_CHECK("frame_ref_kernel");
  }
  constexpr int64_t kMaxGrid = 65535;  // grid.x could be larger; chunk to keep ints small
  for (int64_t b0 = 0; b0 < clips; b0 += kMaxGrid) {
    const int64_t nb = clips - b0 < kMaxGrid ? clips - b0 : kMaxGrid;
    tuning_kernel<<<static_cast<int>(nb), kThreads, 0, stream>>>(
        out + b0, ref_scratch + b0 * int64_t(frames), power + b0 * int64_t(bins) * frames, bins,
        frames, lo, hi, sample_rate, n_fft, n_chroma);
    MGR_CUDA_LAUNCH_CHECK("tuning_kernel");
  }
}

}  // namespace mgr::kernels::cuda
