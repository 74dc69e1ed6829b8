#include "kernels/cuda/check.h"
#include "kernels/cuda/mel.h"
#include "kernels/shared/mel_filter.h"
#include "kernels/shared/power_db.h"
#include "kernels/shared/stft_frame.h"

namespace mgr::kernels::cuda {

namespace {

constexpr int kMelThreads = 256;
constexpr int kSharedBytes = 48 * 1024;

// One block per (group of up to `group` consecutive frames, clip). The block first turns the
// group's spectra into power in shared memory (coalesced reads of the cuFFT output), then each
// thread sums one (mel, frame) pair over the filter's nonzero bins. Consecutive threads take
// consecutive frames of the same filter, so the [n_mels, num_frames] writes are contiguous
// runs and the threads of a run read the same weights.
template <bool kFromComplex>
__global__ void mel_kernel(float* __restrict__ mel, const float* __restrict__ in, int num_frames,
                           int group, float power, SparseMel fb) {
  extern __shared__ float spow[];
  const int t0 = blockIdx.x * group;
  const int64_t b = blockIdx.y;
  const int nf = min(group, num_frames - t0);
  const int bins = fb.bins;
  const int64_t row0 = b * num_frames + t0;
  const int total = nf * bins;
  if (kFromComplex) {
    const float2* spec = reinterpret_cast<const float2*>(in) + row0 * bins;
    for (int i = threadIdx.x; i < total; i += blockDim.x) {
      const float2 z = spec[i];
      spow[i] = magnitude_pow(z.x, z.y, power);
    }
  } else {
    const float* p = in + row0 * bins;
    for (int i = threadIdx.x; i < total; i += blockDim.x) spow[i] = p[i];
  }
  __syncthreads();
  float* out = mel + b * int64_t(fb.n_mels) * num_frames + t0;
  for (int i = threadIdx.x; i < fb.n_mels * group; i += blockDim.x) {
    const int m = i / group;
    const int f = i - m * group;
    if (f >= nf) continue;
    const float* w = fb.weights + fb.offset[m];
    const float* pk = spow + f * bins + fb.begin[m];
    out[int64_t(m) * num_frames + f] = mel_filter_dot(w, pk, fb.length[m]);
  }
}

// Largest peak per clip: a block reduction over a slice of the clip, then one atomicMax per
// block on the float's bit pattern (ordered like the value for non-negative floats; power
// spectra are >= 0, and negative inputs are clamped to 0 as amin would anyway).
__global__ void clip_max_kernel(const float* __restrict__ x, int64_t per_clip,
                                float* __restrict__ clip_max) {
  __shared__ float warp_max[32];
  const int64_t b = blockIdx.y;
  const float* v = x + b * per_clip;
  float m = 0.f;
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < per_clip;
       i += int64_t(gridDim.x) * blockDim.x)
    m = fmaxf(m, v[i]);
  for (int off = 16; off > 0; off >>= 1) m = fmaxf(m, __shfl_down_sync(0xffffffffu, m, off));
  const int lane = threadIdx.x & 31;
  const int warp = threadIdx.x >> 5;
  if (lane == 0) warp_max[warp] = m;
  __syncthreads();
  if (warp == 0) {
    const int warps = (blockDim.x + 31) >> 5;
    m = lane < warps ? warp_max[lane] : 0.f;
    for (int off = 16; off > 0; off >>= 1) m = fmaxf(m, __shfl_down_sync(0xffffffffu, m, off));
    if (lane == 0) atomicMax(reinterpret_cast<int*>(clip_max + b), __float_as_int(m));
  }
}

// The CPU twin's arithmetic (kernels/shared/power_db.h) from the clip's peak power.
__global__ void db_kernel(float* __restrict__ x, int64_t per_clip,
                          const float* __restrict__ clip_max, float amin, float top_db,
                          bool ref_max) {
  const int64_t b = blockIdx.y;
  const DbScale scale = db_scale(clip_max[b], amin, top_db, ref_max);
  float* v = x + b * per_clip;
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < per_clip;
       i += int64_t(gridDim.x) * blockDim.x)
    v[i] = power_db(v[i], amin, scale);
}

template <bool kFromComplex>
void launch_mel(float* mel, const float* in, int64_t clips, int num_frames, float power,
                const SparseMel& fb, cudaStream_t stream, const char* name) {
  if (clips == 0 || num_frames == 0) return;
  MGR_CHECK(fb.bins >= 1 && fb.bins <= kMaxMelBins,
            name << ": " << fb.bins << " bins exceed the shared-memory limit " << kMaxMelBins);
  MGR_CHECK(clips <= 65535, name << ": " << clips << " clips exceed grid.y 65535");
  // Up to 8 frames per block (32-byte write runs) while the group's spectra fit in 48 KiB.
  const int fit = kSharedBytes / int(sizeof(float) * fb.bins);
  const int group = fit < 8 ? (fit < 1 ? 1 : fit) : 8;
  const dim3 grid(static_cast<unsigned>((num_frames + group - 1) / group),
                  static_cast<unsigned>(clips));
  const size_t smem = sizeof(float) * size_t(group) * fb.bins;
  mel_kernel<kFromComplex>
      <<<grid, kMelThreads, smem, stream>>>(mel, in, num_frames, group, power, fb);
  MGR_CUDA_LAUNCH_CHECK(name);
}

}  // namespace

void mel_from_spectrum(float* mel, const float* spec, int64_t clips, int num_frames, float power,
                       const SparseMel& fb, cudaStream_t stream) {
  launch_mel<true>(mel, spec, clips, num_frames, power, fb, stream, "mel_kernel<complex>");
}

void mel_from_power(float* mel, const float* power, int64_t clips, int num_frames,
                    const SparseMel& fb, cudaStream_t stream) {
  launch_mel<false>(mel, power, clips, num_frames, 2.f, fb, stream, "mel_kernel<power>");
}

void power_to_db(float* x, int64_t clips, int64_t per_clip, float amin, float top_db, bool ref_max,
                 float* clip_max, cudaStream_t stream) {
  if (clips == 0 || per_clip == 0) return;
  MGR_CHECK(clips <= 65535, "power_to_db (CUDA): " << clips << " clips exceed grid.y 65535");
  constexpr int kThreads = 256;
  int64_t blocks = (per_clip + kThreads - 1) / kThreads;
  if (blocks > 1024) blocks = 1024;  // grid-stride beyond that; enough to fill the GPU
  const dim3 grid(static_cast<unsigned>(blocks), static_cast<unsigned>(clips));
  MGR_CUDA_CHECK(cudaMemsetAsync(clip_max, 0, sizeof(float) * size_t(clips), stream));
  clip_max_kernel<<<grid, kThreads, 0, stream>>>(x, per_clip, clip_max);
  MGR_CUDA_LAUNCH_CHECK("clip_max_kernel");
  db_kernel<<<grid, kThreads, 0, stream>>>(x, per_clip, clip_max, amin, top_db, ref_max);
  MGR_CUDA_LAUNCH_CHECK("db_kernel");
}

}  // namespace mgr::kernels::cuda
